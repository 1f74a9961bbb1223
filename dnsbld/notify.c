/*
 * notify.c -- NOTIFY (RFC 1996): tell the secondaries of a new serial.
 *
 * One thread, started and stopped with the others.  About once a second
 * it reads every zone's serial from a fresh store snapshot; a serial that
 * differs from the last one seen (or the first one seen after dnsbld
 * starts) queues a NOTIFY for each endpoint of the zone's `notify` list.
 * So a committed change is announced within a second, and however many
 * commits land in that second, at most one NOTIFY per endpoint goes out:
 * changes are coalesced.  A NOTIFY (opcode 4, AA, the zone's SOA as the
 * question, and the new SOA as the answer, RFC 1996 3.7) is sent over UDP from an unbound socket, signed with the
 * zone's first transfer key when it has any, and sent again after 1, 2,
 * 4, 8 and 16 seconds until a reply with its id comes back from the
 * endpoint; after NOTIFY_TRIES sends it is given up (logged).  A newer
 * serial replaces an unanswered one and starts the count again.  The reply
 * to a signed NOTIFY counts only if it is signed and verifies against the
 * MAC of the NOTIFY it answers (RFC 8945 5.3); one that does not is logged
 * and the NOTIFY is sent again.
 *
 * The same look at the store notices a config newly applied by `loader
 * apply-config` (zonefp.h): dnsbld then reloads (a SIGHUP to itself), and
 * the zone's NOTIFY goes out after the reload, with the new records.
 *
 * State: struct notify_state lives in the server (sv->notify) so that
 * SIGHUP keeps it.  Each run of the thread rebuilds it for the new
 * config, carrying over, by zone name and endpoint text, the serial last
 * seen and any NOTIFY still unanswered; notify_free() releases it at exit.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "gen.h"
#include "log.h"
#include "query.h"
#include "server.h"
#include "stats.h"
#include "store.h"
#include "tsig.h"
#include "zonectx.h"

#define NOTIFY_TRIES	6
#define NOTIFY_POLL_MS	1000

struct npeer {
	char text[64];			/* the endpoint as configured */
	struct sockaddr_storage ss;
	socklen_t sslen;
	int pending;			/* a NOTIFY awaits its reply */
	uint32_t serial;
	uint16_t id;
	int tries;
	int64_t next;			/* monotonic ms of the next send */
	struct tsig_mac mac;		/* of the NOTIFY sent last, if signed */
};

struct nzone {
	char name[DNAME_MAXWIRE + 1];
	size_t index;			/* in cfg->zones */
	int seen;
	uint32_t serial;
	/* The applied config's digest as last read from the store. */
	int have_fp, warned;
	uint8_t fp[ZONEFP_LEN];
	struct npeer *peers;
	size_t npeers;
};

struct notify_state {
	struct nzone *zones;
	size_t nzones;
	int fd4, fd6;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
state_free(struct notify_state *ns, int close_fds)
{
	size_t i;

	if (ns == NULL)
		return;
	for (i = 0; i < ns->nzones; i++)
		free(ns->zones[i].peers);
	free(ns->zones);
	if (close_fds) {
		if (ns->fd4 >= 0)
			close(ns->fd4);
		if (ns->fd6 >= 0)
			close(ns->fd6);
	}
	free(ns);
}

void
notify_free(struct server *sv)
{
	state_free(sv->notify, 1);
	sv->notify = NULL;
}

static const struct nzone *
old_zone(const struct notify_state *old, const char *name)
{
	size_t i;

	for (i = 0; old != NULL && i < old->nzones; i++)
		if (strcmp(old->zones[i].name, name) == 0)
			return &old->zones[i];
	return NULL;
}

/* The state for cfg, with what old knew carried over. */
static struct notify_state *
state_new(const struct dnsbl_config *cfg, const struct notify_state *old)
{
	struct notify_state *ns;
	const struct nzone *oz;
	struct nzone *z;
	size_t i, j, k;

	if ((ns = calloc(1, sizeof(*ns))) == NULL ||
	    (ns->zones = calloc(cfg->nzones ? cfg->nzones : 1,
	    sizeof(*ns->zones))) == NULL)
		goto fail;
	ns->fd4 = old != NULL ? old->fd4 : -1;
	ns->fd6 = old != NULL ? old->fd6 : -1;
	for (i = 0; i < cfg->nzones; i++) {
		const struct cfg_zone *cz = &cfg->zones[i];

		z = &ns->zones[ns->nzones++];
		memcpy(z->name, cz->name.text, sizeof(z->name));
		z->index = i;
		if ((oz = old_zone(old, z->name)) != NULL) {
			z->seen = oz->seen;
			z->serial = oz->serial;
			z->have_fp = oz->have_fp;
			memcpy(z->fp, oz->fp, ZONEFP_LEN);
		}
		if (cz->nnotify == 0)
			continue;
		if ((z->peers = calloc(cz->nnotify, sizeof(*z->peers))) == NULL)
			goto fail;
		z->npeers = cz->nnotify;
		for (j = 0; j < cz->nnotify; j++) {
			struct npeer *p = &z->peers[j];

			memcpy(p->text, cz->notify[j].text, sizeof(p->text));
			p->ss = cz->notify[j].ss;
			p->sslen = cz->notify[j].sslen;
			for (k = 0; oz != NULL && k < oz->npeers; k++)
				if (strcmp(oz->peers[k].text, p->text) == 0 &&
				    oz->peers[k].pending) {
					p->pending = 1;
					p->serial = oz->peers[k].serial;
					p->id = oz->peers[k].id;
					p->tries = oz->peers[k].tries;
					p->next = oz->peers[k].next;
				}
		}
	}
	return ns;
fail:
	if (ns != NULL)
		ns->fd4 = ns->fd6 = -1;
	state_free(ns, 0);
	return NULL;
}

static int
sock_for(struct notify_state *ns, int family)
{
	int *fd = family == AF_INET ? &ns->fd4 : &ns->fd6;

	if (*fd < 0) {
		*fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
		if (*fd == -1)
			log_warn("notify: socket");
	}
	return *fd;
}

static const struct zctx *
zone_ctx(const struct zoneset *zs, size_t index)
{
	size_t i;

	for (i = 0; i < zs->nzones; i++)
		if (zs->zones[i].index == index)
			return &zs->zones[i];
	return NULL;
}

/* The key a zone's NOTIFYs are signed with: its first transfer key. */
static const struct cfg_key *
zone_key(const struct server *sv, const struct cfg_zone *cz)
{
	return cz->ntransfer_keys > 0 ? tsig_key(sv->g->cfg,
	    cz->transfer_keys[0]) : NULL;
}

/* Build (and sign) the NOTIFY of z with id into out; its length or 0. */
static size_t
notify_msg(const struct server *sv, const struct cfg_zone *cz,
    const struct zctx *z, uint32_t serial, uint16_t id, uint8_t *out,
    size_t cap, struct tsig_mac *mac)
{
	const struct cfg_key *key = zone_key(sv, cz);
	struct wire_writer w;
	uint8_t msg[1024];
	size_t n, start;

	wire_writer_init(&w, msg, sizeof(msg));
	wire_put_u16(&w, id);
	wire_put_u16(&w, (uint16_t)(OPCODE_NOTIFY << 11 | F_AA));
	wire_put_u16(&w, 1);
	wire_put_u16(&w, z != NULL);
	wire_put_u16(&w, 0);
	wire_put_u16(&w, 0);
	wire_put_bytes(&w, cz->name.wire, cz->name.wirelen);
	wire_put_u16(&w, T_SOA);
	wire_put_u16(&w, C_IN);
	if (z != NULL) {
		wire_put_ptr(&w, DNS_HDRLEN);
		wire_put_u16(&w, T_SOA);
		wire_put_u16(&w, C_IN);
		wire_put_u32(&w, z->soa_ttl);
		wire_put_u16(&w, z->soa.len);
		start = w.len;
		zpiece_put(&w, &z->soa, DNS_HDRLEN);
		if (!w.err) {
			uint8_t *p = w.buf + start + z->soa_serial_off;
			p[0] = (uint8_t)(serial >> 24);
			p[1] = (uint8_t)(serial >> 16);
			p[2] = (uint8_t)(serial >> 8);
			p[3] = (uint8_t)serial;
		}
	}
	if (w.err)
		return 0;
	if (key == NULL) {
		if (w.len > cap)
			return 0;
		memcpy(out, msg, w.len);
		return w.len;
	}
	if (tsig_sign_request(key, msg, w.len, out, cap, &n, mac) != 0)
		return 0;
	return n;
}

static void
send_due(struct server *sv, struct notify_state *ns, int64_t now)
{
	uint8_t out[1024];
	size_t i, j, n;
	int fd;

	for (i = 0; i < ns->nzones; i++) {
		struct nzone *z = &ns->zones[i];
		const struct cfg_zone *cz = &sv->g->cfg->zones[z->index];
		struct stats_zone *sz = stats_at(sv->g->st,
		    stats_tid_notify(sv->nworkers), z->index);

		for (j = 0; j < z->npeers; j++) {
			struct npeer *p = &z->peers[j];

			if (!p->pending || p->next > now)
				continue;
			if (p->tries >= NOTIFY_TRIES) {
				log_warnx("NOTIFY %s serial %u to %s: no "
				    "answer after %d tries; given up",
				    z->name, p->serial, p->text, p->tries);
				p->pending = 0;
				stats_inc(sz, SC_NOTIFY_FAILED);
				continue;
			}
			p->next = now + 1000 * ((int64_t)1 << p->tries);
			p->tries++;
			if ((n = notify_msg(sv, cz, zone_ctx(sv->g->zs, z->index),
			    p->serial, p->id, out, sizeof(out), &p->mac)) == 0 ||
			    (fd = sock_for(ns, p->ss.ss_family)) < 0)
				continue;
			if (sendto(fd, out, n, 0, (struct sockaddr *)&p->ss,
			    p->sslen) == -1) {
				log_warn("NOTIFY %s to %s", z->name, p->text);
				stats_inc(sz, SC_NOTIFY_FAILED);
			} else
				stats_inc(sz, SC_NOTIFY_SENT);
		}
	}
}

static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
}

/*
 * Read the replies waiting on fd; each stops its NOTIFY's retries.  The
 * reply to a signed NOTIFY must be signed and verify (RFC 8945 5.3): one
 * that does not is logged and ignored, and the NOTIFY is sent again.
 */
static void
read_replies(struct server *sv, struct notify_state *ns, int fd)
{
	const struct cfg_key *key;
	int rc;
	struct sockaddr_storage from;
	socklen_t fl;
	uint8_t buf[1024];
	uint16_t id, flags;
	ssize_t n;
	size_t i, j;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (n < DNS_HDRLEN)
			continue;
		id = wire_get16(buf);
		flags = wire_get16(buf + 2);
		if (!(flags & F_QR) || F_OPCODE(flags) != OPCODE_NOTIFY)
			continue;
		for (i = 0; i < ns->nzones; i++)
			for (j = 0; j < ns->zones[i].npeers; j++) {
				struct npeer *p = &ns->zones[i].peers[j];

				if (!p->pending || p->id != id ||
				    !same_addr(&p->ss, &from))
					continue;
				key = zone_key(sv, &sv->g->cfg->zones[
				    ns->zones[i].index]);
				if (key != NULL && (rc = tsig_verify_response(
				    key, &p->mac, buf, (size_t)n)) != 0) {
					log_warnx("NOTIFY %s serial %u to %s: "
					    "reply ignored: %s", ns->zones[i].name,
					    p->serial, p->text, rc == DNSBL_ENOENT ?
					    "not signed" : "its TSIG does not "
					    "verify");
					continue;
				}
				p->pending = 0;
				log_info("NOTIFY %s serial %u to %s: "
				    "answered (rcode %d) after %d send%s",
				    ns->zones[i].name, p->serial, p->text,
				    flags & 0xf, p->tries,
				    p->tries == 1 ? "" : "s");
			}
	}
}

/* A random message id, so that a reply is hard to forge. */
static uint16_t
random_id(void)
{
	uint16_t id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(now_ms() * 7919 + (int64_t)getpid());
	return id;
}

/*
 * 1 when the config applied to z in the store is not the one dnsbld runs.
 * A newly applied one makes dnsbld reload (SIGHUP to itself, once per
 * change: main.c does the rest); one that stays different after that is
 * logged once.  Either way the zone's NOTIFY waits: its serial stands for
 * records dnsbld cannot serve yet.
 */
static int
config_pending(struct server *sv, struct nzone *z, struct store_reader *rd)
{
	const struct zctx *zc = zone_ctx(sv->g->zs, z->index);
	uint8_t fp[ZONEFP_LEN];

	if (zc == NULL || store_reader_zone_fp(rd, z->index, fp) != 0 ||
	    memcmp(fp, zc->fp, ZONEFP_LEN) == 0) {
		z->warned = 0;
		return 0;
	}
	if (!z->have_fp || memcmp(fp, z->fp, ZONEFP_LEN) != 0) {
		z->have_fp = 1;
		memcpy(z->fp, fp, ZONEFP_LEN);
		log_info("zone %s: the config applied to the store is not the "
		    "one dnsbld runs; reloading %s", z->name, sv->g->cfg->path);
		if (kill(getpid(), SIGHUP) == -1)
			log_warn("kill");
	} else if (!z->warned) {
		z->warned = 1;
		log_warnx("zone %s: the config dnsbld runs is not the one "
		    "applied to the store: transfers are refused and NOTIFY "
		    "waits until dnsbl-loader apply-config is run with %s",
		    z->name, sv->g->cfg->path);
	}
	return 1;
}

/* Look at every zone's serial; queue NOTIFYs for those that changed. */
static void
check_serials(struct server *sv, struct notify_state *ns,
    struct store_reader *rd, int64_t now)
{
	uint32_t s;
	size_t i, j;
	int rc;

	if ((rc = store_reader_begin(rd)) != 0) {
		log_warnx("notify: store: %s", dnsbl_strerror(rc));
		return;
	}
	for (i = 0; i < ns->nzones; i++) {
		struct nzone *z = &ns->zones[i];

		if (config_pending(sv, z, rd))
			continue;
		s = store_reader_serial(rd, z->index);
		if (z->seen && s == z->serial)
			continue;
		z->seen = 1;
		z->serial = s;
		for (j = 0; j < z->npeers; j++) {
			z->peers[j].pending = 1;
			z->peers[j].serial = s;
			z->peers[j].id = random_id();
			z->peers[j].tries = 0;
			z->peers[j].next = now;
		}
	}
	store_reader_end(rd);
}

void *
notify_main(void *arg)
{
	struct server *sv = arg;
	struct notify_state *ns;
	struct store_reader *rd = NULL;
	struct pollfd pfd[3];
	int64_t now, next_check = 0, wait;
	int rc, replaced = 0;

	if ((ns = state_new(sv->g->cfg, sv->notify)) == NULL)
		fatalx("notify: out of memory");
	state_free(sv->notify, 0);	/* its sockets are ns's now */
	sv->notify = ns;
	if ((rc = store_reader_new(sv->g->store, &rd)) != 0)
		fatalx("notify: store reader: %s", dnsbl_strerror(rc));
	while (!atomic_load(&sv->stop)) {
		now = now_ms();
		if (now >= next_check) {
			/* A restore swapped the database: reopen it. */
			if (!replaced && store_replaced(sv->g->store)) {
				replaced = 1;
				log_info("the database %s was replaced (a "
				    "restore); reopening it",
				    sv->g->cfg->database);
				if (kill(getpid(), SIGHUP) == -1)
					log_warn("kill");
			}
			check_serials(sv, ns, rd, now);
			next_check = now + NOTIFY_POLL_MS;
		}
		send_due(sv, ns, now);
		pfd[0].fd = sv->wake_fd;
		pfd[1].fd = ns->fd4;
		pfd[2].fd = ns->fd6;
		pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
		wait = next_check - now_ms();
		if (wait < 10)
			wait = 10;
		if (wait > NOTIFY_POLL_MS)
			wait = NOTIFY_POLL_MS;
		if (poll(pfd, 3, (int)wait) == -1 && errno != EINTR) {
			log_warn("notify: poll");
			continue;
		}
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN)
			read_replies(sv, ns, ns->fd4);
		if (pfd[2].revents & POLLIN)
			read_replies(sv, ns, ns->fd6);
	}
	store_reader_free(rd);
	return NULL;
}

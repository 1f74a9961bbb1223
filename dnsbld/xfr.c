/*
 * xfr.c -- AXFR and IXFR: who may transfer, what is sent, and the
 * transfer threads (see xfr.h).
 *
 * Access (checked for every transfer, TCP or UDP):
 *   - a request with a TSIG must verify against the top-level keys, else
 *     NOTAUTH with the TSIG error (BADKEY, BADSIG, BADTIME);
 *   - the client's address must lie in the zone's transfer.allow, else
 *     REFUSED; an empty allow list refuses everyone;
 *   - if the zone lists transfer.keys, the request must also be signed
 *     with one of them, else REFUSED.  A valid key alone does not let a
 *     client outside transfer.allow in: both must hold.
 * A signed request gets every message of its answer signed.
 *
 * What is sent, all from one store snapshot:
 *   AXFR   SOA, NS, in-zone glue, then the A and TXT records of every
 *          listing as zonegen_walk() makes them (the RFC 5782 test entries
 *          first; octet/nibble-aligned blocks as wildcards), then the SOA.
 *   IXFR   the client's serial (the SOA in authority) equal to ours or
 *          ahead of it: our SOA alone.  Else, when the journal reaches back
 *          to it: RFC 1995 differences, per serial step the old SOA, the
 *          records of the removed intervals, the new SOA, the records of
 *          the added ones (zonegen_interval()), framed by our SOA.  Else
 *          the whole zone as for AXFR.
 * The journal covers the served tables only.  A change of the zone's SOA
 * fields, NS, glue, ttl, a, txt or codes is applied with `dnsbl-loader
 * apply-config`, which raises the serial and restarts the journal (so
 * IXFR from before gets AXFR).  While the config dnsbld runs is not the
 * one applied to the store (zonefp.h), a transfer is refused with
 * SERVFAIL: its records would not be those the serial stands for.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "gen.h"
#include "log.h"
#include "logsum.h"
#include "query.h"
#include "respond.h"
#include "server.h"
#include "stats.h"
#include "store.h"
#include "tsig.h"
#include "xfr.h"
#include "xfrmsg.h"
#include "zonectx.h"
#include "zonegen.h"

/* Signed messages are built smaller: ldns writes them out again. */
#define XFR_TSIG_MSG	16384

struct xfr_job {
	int fd;
	struct sockaddr_storage peer;
	uint8_t *q;
	size_t qlen;
	uint8_t *pending;
	size_t npending;
};

struct xfr_pool {
	struct server *sv;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct xfr_job *queue[XFR_QUEUE];
	size_t head, n;
	/* The clients of the transfers running, for the per-client cap. */
	struct sockaddr_storage running[XFR_THREADS];
	int busy[XFR_THREADS];
	int stop;
	pthread_t th[XFR_THREADS];
	unsigned nth;
};

/* One transfer in progress. */
struct xfer {
	struct server *sv;
	const struct gen *g;		/* what it answers from */
	const struct zctx *z;
	const struct cfg_zone *cz;
	struct query q;
	struct tsig_ctx tc;
	struct xfr_msg m;
	int tcp;			/* the request came over TCP */
	int fd;				/* the socket to stream to, or -1:
					 * the answer is kept in sbuf */
	uint8_t *buf;			/* 2 + XFR_MSG_MAX: the message */
	uint8_t *sbuf;			/* 2 + XFR_MSG_MAX: signed */
	size_t outlen;			/* UDP: the answer's length */
	size_t outcap;
	uint32_t serial;
	const char *kind;		/* for the log */
	struct store_txn *t;		/* during the walk */
	uint32_t group;			/* IXFR: the serial being sent */
	int op;				/* IXFR: JOURNAL_DEL or _ADD */
	int stale;			/* our config is not the applied one */
	const char *cut;		/* why a transfer ended early, or NULL */
	int dead;			/* the socket failed or timed out */
	int result;			/* STATS_XFR_*, for the counters */
};

/* ---- access ---- */

/* 0 when the request may transfer the zone, else the rcode to answer. */
static int
authorize(struct xfer *x, const uint8_t *pkt, size_t len,
    const struct sockaddr *peer)
{
	const struct cfg_zone *cz = x->cz;
	struct prefix p;
	size_t i;
	int ok = 0;

	if (x->q.tsig) {
		if (tsig_verify(x->g->cfg, pkt, len, &x->tc) != 0)
			return RC_FORMERR;
		if (x->tc.error != 0)
			return RC_NOTAUTH;
	}
	if (prefix_of_sockaddr(peer, &p) != 0)
		return RC_REFUSED;
	for (i = 0; i < cz->ntransfer_allow && !ok; i++)
		ok = prefix_contains(&cz->transfer_allow[i], &p);
	if (!ok)
		return RC_REFUSED;
	if (cz->ntransfer_keys == 0)
		return 0;
	for (i = 0; x->tc.key != NULL && i < cz->ntransfer_keys; i++)
		if (strcmp(cz->transfer_keys[i], x->tc.key->name.text) == 0)
			return 0;
	return RC_REFUSED;
}

/* ---- sending ---- */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Write n bytes to the non-blocking socket fd.  Waits in poll(2) on fd and
 * the server's stop eventfd, so a stop (SIGHUP, exit) ends the wait at
 * once; gives up when the client has read nothing for timeout_s seconds.
 * Returns 0, or DNSBL_EIO with *why set (NULL for a socket error).
 */
static int
send_wait(struct server *sv, int fd, const uint8_t *p, size_t n,
    unsigned timeout_s, const char **why)
{
	struct pollfd pfd[2];
	int64_t deadline = mono_ms() + (int64_t)timeout_s * 1000, left;
	ssize_t k;

	*why = NULL;
	while (n > 0) {
		if (atomic_load(&sv->stop)) {
			*why = "cut short: dnsbld is stopping or reloading";
			return DNSBL_EIO;
		}
		k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			deadline = mono_ms() + (int64_t)timeout_s * 1000;
			continue;
		}
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return DNSBL_EIO;
		if ((left = deadline - mono_ms()) <= 0) {
			*why = "cut short: the client read nothing for "
			    "transfer_timeout";
			return DNSBL_EIO;
		}
		pfd[0].fd = fd;
		pfd[0].events = POLLOUT;
		pfd[1].fd = sv->wake_fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, (int)(left > 1000 ? 1000 : left)) == -1 &&
		    errno != EINTR)
			return DNSBL_EIO;
	}
	return 0;
}

/* xfr_send_fn: sign if asked, then write (TCP) or keep (UDP). */
static int
send_msg(void *arg, const uint8_t *msg, size_t len)
{
	struct xfer *x = arg;
	uint8_t *out = x->buf;
	const char *why;
	size_t n = len;
	int rc;

	if (x->fd < 0) {		/* UDP: into the caller's out */
		if (x->tc.present)
			rc = tsig_sign(&x->tc, msg, len, x->sbuf, x->outcap,
			    &n);
		else if ((rc = len > x->outcap ? DNSBL_ESPACE : 0) == 0)
			memcpy(x->sbuf, msg, len);
		x->outlen = rc == 0 ? n : 0;
		return rc;
	}
	if (atomic_load(&x->sv->stop)) {
		x->cut = "cut short: dnsbld is stopping or reloading";
		return DNSBL_EIO;
	}
	if (store_resize_pending(x->g->store)) {
		/* Every thread waits for our transaction to end: give way;
		 * the secondary retries. */
		x->cut = "cut short: the store's map is growing";
		return DNSBL_EIO;
	}
	if (x->tc.present) {
		rc = tsig_sign(&x->tc, msg, len, x->sbuf + 2, XFR_MSG_MAX,
		    &n);
		if (rc != 0)
			return rc;
		out = x->sbuf;
	}
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	if (x->dead)
		return DNSBL_EIO;
	rc = send_wait(x->sv, x->fd, out, n + 2, x->g->cfg->transfer_timeout,
	    &why);
	if (rc != 0) {
		x->dead = 1;
		if (why != NULL)
			x->cut = why;
	}
	return rc;
}

/* ---- the zone ---- */

static int
rr_out(const struct zone_rr *rr, void *arg)
{
	return xfr_msg_rr(&((struct xfer *)arg)->m, rr);
}

static int
send_axfr(struct xfer *x, struct store_txn *t)
{
	int rc;

	if ((rc = xfr_msg_soa(&x->m, x->serial)) != 0 ||
	    (rc = xfr_msg_apex(&x->m)) != 0 ||
	    (rc = zonegen_walk(t, x->z->index, 3, rr_out, x)) != 0 ||
	    (rc = xfr_msg_soa(&x->m, x->serial)) != 0)
		return rc;
	return xfr_msg_flush(&x->m);
}

static int
count_rec(uint32_t serial, const struct journal_rec *rec, void *arg)
{
	(void)serial;
	(void)rec;
	(*(uint64_t *)arg)++;
	return 0;
}

/* The records of one serial's removals (or additions). */
static int
group_rec(uint32_t serial, const struct journal_rec *rec, void *arg)
{
	struct xfer *x = arg;

	if (serial != x->group)
		return STORE_STOP;	/* the end of this serial's changes */
	if (rec->op != x->op)
		return 0;
	return zonegen_interval(x->t, x->z->index, rec->family, rec->first,
	    rec->last, rec->answer, rr_out, x);
}

static int
send_group(struct xfer *x, uint32_t prev, int op)
{
	x->op = op;
	return store_journal_walk(x->t, x->z->index, prev, group_rec, x);
}

static int
send_ixfr(struct xfer *x, uint32_t from)
{
	uint32_t prev, g;
	int rc;

	if ((rc = xfr_msg_soa(&x->m, x->serial)) != 0)
		return rc;
	for (prev = from; prev != x->serial; prev = g) {
		g = prev + 1 == 0 ? 1 : prev + 1;
		x->group = g;
		if ((rc = xfr_msg_soa(&x->m, prev)) != 0 ||
		    (rc = send_group(x, prev, JOURNAL_DEL)) != 0 ||
		    (rc = xfr_msg_soa(&x->m, g)) != 0 ||
		    (rc = send_group(x, prev, JOURNAL_ADD)) != 0)
			return rc;
	}
	if ((rc = xfr_msg_soa(&x->m, x->serial)) != 0)
		return rc;
	return xfr_msg_flush(&x->m);
}

/* store_txn_fn: the whole answer, from one snapshot. */
static int
transfer(struct store_txn *t, void *arg)
{
	struct xfer *x = arg;
	uint32_t from = x->q.soa_serial;
	uint8_t fp[ZONEFP_LEN];
	uint64_t n = 0;
	int rc;

	x->t = t;
	x->serial = store_serial(t, x->z->index);
	x->kind = "AXFR";
	/* The serial stands for the records of the applied config: with
	 * another one, we would send records no serial names. */
	if (store_zone_fp(t, x->z->index, fp) == 0 &&
	    memcmp(fp, x->z->fp, ZONEFP_LEN) != 0) {
		x->kind = "transfer";
		x->stale = 1;
		return DNSBL_ESTALE;
	}
	if (x->q.qtype != T_IXFR)
		return send_axfr(x, t);
	if ((int32_t)(x->serial - from) <= 0) {
		x->kind = "IXFR up to date";
		if ((rc = xfr_msg_soa(&x->m, x->serial)) != 0)
			return rc;
		return xfr_msg_flush(&x->m);
	}
	rc = store_journal_walk(t, x->z->index, from, count_rec, &n);
	if (rc == DNSBL_ENOENT) {
		x->kind = "IXFR as AXFR (journal too short)";
		return send_axfr(x, t);
	}
	if (rc != 0)
		return rc;
	x->kind = "IXFR incremental";
	return send_ixfr(x, from);
}

static void
peer_text(const struct sockaddr *sa, char *buf)
{
	struct prefix p;

	if (prefix_of_sockaddr(sa, &p) == 0)
		prefix_format(&p, buf);
	else
		strcpy(buf, "?");
}

/*
 * The checks that come before any record, the same over UDP and TCP and
 * before a TCP request is queued: the query parses and is class IN (else
 * DNSBL_EPARSE: respond() answers it), names a zone's apex (else REFUSED),
 * is not an AXFR over UDP (REFUSED), is not an IXFR without the client's
 * SOA (FORMERR), and the client may transfer (authorize()).  Sets up x->m
 * for the answer.  Returns 0 when the transfer may go on, 1 when the
 * answer is made (an error rcode, sent or kept), or DNSBL_EPARSE.
 */
static int
check_request(struct xfer *x, const uint8_t *pkt, size_t len,
    const struct sockaddr *peer)
{
	char who[PREFIX_STRLEN];
	const char *kind;
	size_t cap;
	int rcode;

	if (query_parse(pkt, len, &x->q) != Q_OK || x->q.qclass != C_IN)
		return DNSBL_EPARSE;
	kind = x->q.qtype == T_IXFR ? "IXFR" : "AXFR";
	x->z = zoneset_find(x->g->zs, x->q.qname, x->q.qname_len,
	    x->q.labels, x->q.nlabels);
	if (x->fd >= 0)
		cap = XFR_MSG_MAX;
	else if (x->tcp)
		cap = x->outcap;
	else if (x->q.edns && x->q.payload > 512)
		cap = x->q.payload < x->outcap ? x->q.payload : x->outcap;
	else
		cap = 512;
	if (!x->tcp)
		x->outcap = cap;
	if (x->q.tsig && cap > XFR_TSIG_MSG)
		cap = XFR_TSIG_MSG;
	xfr_msg_init(&x->m, &x->q, x->z, x->buf + 2, cap, send_msg, x);
	if (x->z == NULL || x->z->nlabels != x->q.nlabels ||
	    (!x->tcp && x->q.qtype == T_AXFR)) {
		(void)xfr_msg_end(&x->m, RC_REFUSED);
		return 1;
	}
	x->cz = &x->g->cfg->zones[x->z->index];
	if (x->q.qtype == T_IXFR && !x->q.has_soa) {
		(void)xfr_msg_end(&x->m, RC_FORMERR);
		return 1;
	}
	if ((rcode = authorize(x, pkt, len, peer)) == 0)
		return 0;
	peer_text(peer, who);
	(void)logsum_event(x->sv->logsum, rcode == RC_NOTAUTH ?
	    "transfer with a bad TSIG" : "transfer refused", peer,
	    "%s %s%s to %s: %s", kind, x->cz->name.text, x->tcp ? "" :
	    " (UDP)", who, rcode == RC_NOTAUTH ? "bad TSIG (NOTAUTH)" :
	    "refused");
	if (rcode != RC_NOTAUTH) {
		/* Not ours to sign for: an unsigned answer. */
		tsig_ctx_free(&x->tc);
		x->tc.present = 0;
	}
	(void)xfr_msg_end(&x->m, rcode);
	return 1;
}

/*
 * Check, then stream one request over TCP (x->fd).  Returns 0 or an error
 * (already logged).
 */
static int
serve(struct xfer *x, const uint8_t *pkt, size_t len,
    const struct sockaddr *peer)
{
	char who[PREFIX_STRLEN];
	struct errbuf eb;
	struct timespec t0, t1;
	int rc;

	x->result = STATS_XFR_FAILED;
	if ((rc = check_request(x, pkt, len, peer)) != 0) {
		if (rc == 1)
			x->result = STATS_XFR_REFUSED;
		return rc < 0 ? rc : 0;
	}
	peer_text(peer, who);
	memset(&eb, 0, sizeof(eb));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = store_read(x->g->store, transfer, x, &eb);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != 0) {
		log_warnx("%s %s to %s: %s", x->kind ? x->kind : "transfer",
		    x->cz->name.text, who, x->stale ? "refused (SERVFAIL): "
		    "the config dnsbld runs is not the one applied to the "
		    "store; run dnsbl-loader apply-config (dnsbld then "
		    "reloads by itself)" : x->cut ? x->cut : eb.msg[0] ?
		    eb.msg : dnsbl_strerror(rc));
		if (!x->m.sent_any)
			(void)xfr_msg_end(&x->m, RC_SERVFAIL);
		return rc;
	}
	x->result = STATS_XFR_OK;
	log_info("%s %s serial %u to %s%s: %llu messages, %llu records, "
	    "%llu bytes, %.3f s", x->kind, x->cz->name.text, x->serial, who,
	    x->tc.key != NULL ? " (TSIG)" : "", (unsigned long long)x->m.nmsg,
	    (unsigned long long)x->m.nrr, (unsigned long long)x->m.bytes,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

/* ---- UDP, and the TCP thread's check ---- */

size_t
xfr_udp(struct server *sv, const struct gen *g, const struct respond_db *db,
    const uint8_t *pkt, size_t len, const struct sockaddr *peer, uint8_t *out,
    size_t cap)
{
	struct xfer x;
	uint8_t buf[2 + 4096];
	int rc;

	memset(&x, 0, sizeof(x));
	x.sv = sv;
	x.g = g;
	x.fd = -1;
	x.buf = buf;
	x.sbuf = out;
	x.outcap = cap < sizeof(buf) - 2 ? cap : sizeof(buf) - 2;
	if ((rc = check_request(&x, pkt, len, peer)) == DNSBL_EPARSE)
		return respond(g->zs, db, pkt, len, out, cap, 0);
	if (rc == 0 && xfr_msg_soa(&x.m, db->serial(db->arg, x.z->index)) ==
	    0)
		(void)xfr_msg_flush(&x.m);
	tsig_ctx_free(&x.tc);
	return x.outlen;
}

int
xfr_check(struct server *sv, const uint8_t *pkt, size_t len,
    const struct sockaddr *peer, uint8_t *out, size_t cap, size_t *outlen)
{
	struct xfer x;
	uint8_t buf[2 + 4096];
	int rc;

	memset(&x, 0, sizeof(x));
	x.sv = sv;
	x.g = sv->g;
	x.tcp = 1;
	x.fd = -1;
	x.buf = buf;
	x.sbuf = out;
	x.outcap = cap < sizeof(buf) - 2 ? cap : sizeof(buf) - 2;
	rc = check_request(&x, pkt, len, peer);
	tsig_ctx_free(&x.tc);
	*outlen = x.outlen;
	if (rc == 1)
		return 1;
	/* A request we cannot parse goes the way of every other query. */
	return rc == 0 ? 0 : DNSBL_EPARSE;
}

size_t
xfr_refuse(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
	struct xfer x;
	uint8_t buf[2 + 1024];

	memset(&x, 0, sizeof(x));
	x.fd = -1;
	x.buf = buf;
	x.sbuf = out;
	x.outcap = cap < sizeof(buf) - 2 ? cap : sizeof(buf) - 2;
	if (query_parse(pkt, len, &x.q) != Q_OK)
		return 0;
	xfr_msg_init(&x.m, &x.q, NULL, buf + 2, x.outcap, send_msg, &x);
	(void)xfr_msg_end(&x.m, RC_REFUSED);
	return x.outlen;
}

/* ---- the TCP transfer threads ---- */

static void
job_free(struct xfr_job *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->q);
	free(j->pending);
	free(j);
}

/*
 * Close politely: the client reads to our end before any reset.  Waits at
 * most 2 s for the client to close, less when the server stops.
 */
static void
linger_close(struct server *sv, int fd)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
	    { .fd = sv->wake_fd, .events = POLLIN } };
	uint8_t junk[512];
	int i;

	(void)shutdown(fd, SHUT_WR);
	for (i = 0; i < 20 && poll(p, 2, 100) > 0 && !(p[1].revents & POLLIN);
	    i++)
		if (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
			break;
	close(fd);
}

static void
run_job(struct xfr_pool *pool, struct xfr_job *j, uint8_t *buf,
    uint8_t *sbuf, unsigned me)
{
	struct server *sv = pool->sv;
	char who[PREFIX_STRLEN];
	const char *why;
	struct xfer x;
	int fl;

	fl = fcntl(j->fd, F_GETFL);
	if (fl == -1 || fcntl(j->fd, F_SETFL, fl | O_NONBLOCK) == -1)
		goto done;
	if (j->npending > 0 && send_wait(sv, j->fd, j->pending, j->npending,
	    sv->g->cfg->transfer_timeout, &why) != 0) {
		peer_text((struct sockaddr *)&j->peer, who);
		(void)logsum_event(sv->logsum, "transfer evicted",
		    (struct sockaddr *)&j->peer, "transfer request from %s: "
		    "closed before it began: the answers owed to its earlier "
		    "queries could not be written (%s)", who, why ? why :
		    "the connection failed");
		goto done;
	}
	memset(&x, 0, sizeof(x));
	x.sv = sv;
	x.g = sv->g;
	x.tcp = 1;
	x.fd = j->fd;
	x.buf = buf;
	x.sbuf = sbuf;
	(void)serve(&x, j->q, j->qlen, (struct sockaddr *)&j->peer);
	if (me < XFR_THREADS)
		stats_xfr(stats_at(x.g->st, stats_tid_xfr(sv->nworkers, me),
		    x.z != NULL ? x.z->index : STATS_NOZONE(x.g->st)),
		    x.q.qtype == T_IXFR, x.result);
	tsig_ctx_free(&x.tc);
	linger_close(sv, j->fd);
	j->fd = -1;
done:
	job_free(j);
}

/* The same client address (an IPv4-mapped address is its IPv4 one). */
static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	struct prefix pa, pb;

	return prefix_of_sockaddr((const struct sockaddr *)a, &pa) == 0 &&
	    prefix_of_sockaddr((const struct sockaddr *)b, &pb) == 0 &&
	    memcmp(&pa, &pb, sizeof(pa)) == 0;
}

static void *
xfr_main(void *arg)
{
	struct xfr_pool *pool = arg;
	struct xfr_job *j;
	uint8_t *buf, *sbuf;
	unsigned me;

	buf = malloc(2 + XFR_MSG_MAX);
	sbuf = malloc(2 + XFR_MSG_MAX);
	if (buf == NULL || sbuf == NULL)
		fatalx("xfr: out of memory");
	pthread_mutex_lock(&pool->mu);
	for (;;) {
		while (!pool->stop && pool->n == 0)
			pthread_cond_wait(&pool->cv, &pool->mu);
		if (pool->stop)
			break;
		j = pool->queue[pool->head];
		pool->head = (pool->head + 1) % XFR_QUEUE;
		pool->n--;
		for (me = 0; me < XFR_THREADS && pool->busy[me]; me++)
			;
		if (me < XFR_THREADS) {		/* always: one per thread */
			pool->busy[me] = 1;
			pool->running[me] = j->peer;
		}
		pthread_mutex_unlock(&pool->mu);
		run_job(pool, j, buf, sbuf, me);
		pthread_mutex_lock(&pool->mu);
		if (me < XFR_THREADS)
			pool->busy[me] = 0;
	}
	pthread_mutex_unlock(&pool->mu);
	free(buf);
	free(sbuf);
	return NULL;
}

int
xfr_start(struct server *sv)
{
	struct xfr_pool *pool;
	unsigned i;
	int rc;

	if ((pool = calloc(1, sizeof(*pool))) == NULL)
		return DNSBL_ENOMEM;
	pool->sv = sv;
	pthread_mutex_init(&pool->mu, NULL);
	pthread_cond_init(&pool->cv, NULL);
	sv->xfr = pool;
	for (i = 0; i < XFR_THREADS; i++) {
		if ((rc = pthread_create(&pool->th[i], NULL, xfr_main,
		    pool)) != 0) {
			errno = rc;
			log_warn("pthread_create");
			xfr_stop(sv);
			return DNSBL_EIO;
		}
		pool->nth++;
		(void)pthread_setname_np(pool->th[i], "dnsbld-xfr");
	}
	return 0;
}

void
xfr_stop(struct server *sv)
{
	struct xfr_pool *pool = sv->xfr;
	unsigned i;

	if (pool == NULL)
		return;
	pthread_mutex_lock(&pool->mu);
	pool->stop = 1;
	pthread_cond_broadcast(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
	for (i = 0; i < pool->nth; i++)
		pthread_join(pool->th[i], NULL);
	while (pool->n > 0) {
		job_free(pool->queue[pool->head]);
		pool->head = (pool->head + 1) % XFR_QUEUE;
		pool->n--;
	}
	pthread_cond_destroy(&pool->cv);
	pthread_mutex_destroy(&pool->mu);
	free(pool);
	sv->xfr = NULL;
}

int
xfr_submit(struct server *sv, int fd, const struct sockaddr *peer,
    socklen_t peerlen, const uint8_t *q, size_t qlen,
    const uint8_t *pending, size_t npending)
{
	struct xfr_pool *pool = sv->xfr;
	struct xfr_job *j;
	unsigned mine = 0;
	size_t i;
	int rc = 0;

	if (pool == NULL || peerlen > sizeof(j->peer))
		return DNSBL_EREFUSED;
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->q = malloc(qlen)) == NULL ||
	    (npending > 0 && (j->pending = malloc(npending)) == NULL)) {
		if (j != NULL) {
			j->fd = -1;
			job_free(j);
		}
		return DNSBL_ENOMEM;
	}
	memcpy(&j->peer, peer, peerlen);
	memcpy(j->q, q, qlen);
	j->qlen = qlen;
	if (npending > 0)
		memcpy(j->pending, pending, npending);
	j->npending = npending;
	j->fd = fd;
	pthread_mutex_lock(&pool->mu);
	for (i = 0; i < XFR_THREADS; i++)
		mine += pool->busy[i] && same_addr(&pool->running[i], &j->peer);
	for (i = 0; i < pool->n; i++)
		mine += same_addr(&pool->queue[(pool->head + i) %
		    XFR_QUEUE]->peer, &j->peer);
	if (pool->stop)
		rc = DNSBL_EREFUSED;
	else if (mine >= sv->g->cfg->transfer_per_client)
		rc = DNSBL_ERANGE;
	else if (pool->n >= XFR_QUEUE)
		rc = DNSBL_ESPACE;
	else {
		pool->queue[(pool->head + pool->n) % XFR_QUEUE] = j;
		pool->n++;
		pthread_cond_signal(&pool->cv);
	}
	pthread_mutex_unlock(&pool->mu);
	if (rc != 0) {
		j->fd = -1;		/* the caller keeps it */
		job_free(j);
	}
	return rc;
}

/*
 * tcp.c -- DNS over TCP (RFC 7766), served by one thread with epoll(7).
 *
 * Each message is preceded by its 2-byte length.  A connection may carry
 * many queries, pipelined in one write or spread over several; every
 * complete query read is answered in order, without waiting for the client
 * to read the previous answer, until the output buffer cannot hold another
 * maximal answer (then reading pauses until it drains).  A zero-length
 * message, or end of input from the client, closes the connection once the
 * answers already due are written.
 *
 * Limits, against clients that hold connections without using them
 * (RFC 7766 6.2):
 *   - progress is a whole query read or some of an answer written, never a
 *     byte: a connection without progress for `tcp_timeout` seconds is
 *     closed;
 *   - a query must arrive whole within `tcp_query_timeout` seconds of its
 *     first byte, else the connection is closed (a client that sends a
 *     byte a second holds nothing for long);
 *   - a client network (/24 for IPv4, /56 for IPv6) has at most
 *     `tcp_per_client` connections open: one more is closed at once;
 *   - when `tcp_max_connections` are open, a new connection closes the one
 *     that has gone longest without progress, so new clients still get in.
 * Closings for these reasons are logged through the server's logsum, a
 * line per client network and interval.
 *
 * A query for AXFR or IXFR is checked here first (xfr_check(): zone,
 * transfer.allow, TSIG); one that may not transfer is answered at once.
 * One that may hands the connection to the transfer threads (xfr.c) with
 * the answers still owed, and the connection leaves this thread; if the
 * client has its share of transfers already or all threads are busy, the
 * query is answered REFUSED.
 *
 * Buffers are allocated per connection when it is accepted, never per
 * query.  The thread owns one store_reader and renews it once per round of
 * queries read from one connection.  The connections and the epoll set
 * live in the server (struct tcp_state), not in the thread, so they stay
 * open while SIGHUP stops and restarts the thread; tcp_free() closes them
 * at exit.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "addr.h"
#include "config.h"
#include "err.h"
#include "gen.h"
#include "log.h"
#include "logsum.h"
#include "query.h"
#include "respond.h"
#include "server.h"
#include "signed.h"
#include "stats.h"
#include "store.h"
#include "wire.h"
#include "xfr.h"

#define TCP_MSG		(2 + RESPOND_MAX)
#define TCP_INCAP	TCP_MSG
#define TCP_OUTCAP	(2 * TCP_MSG)
#define TCP_EVENTS	64
#define TCP_ACCEPTS	64		/* per wakeup of one listener */
#define TCP_DEFAULT_TIMEOUT 10
#define TCP_DEFAULT_MAXCONN 256
#define TCP_DEFAULT_QTIMEOUT 5
#define TCP_DEFAULT_PERCLIENT 16

#define TAG_WAKE	((uint64_t)1 << 62)
#define TAG_LISTEN	((uint64_t)1 << 61)

struct tconn {
	int fd;
	int eof;			/* the client closed its side */
	uint32_t events;		/* as registered with epoll */
	time_t last;			/* monotonic seconds of last progress */
	time_t msg_start;		/* when the partial query in `in`
					 * began to arrive; 0: none */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct prefix net;		/* the peer's /24 or /56 */
	uint8_t *in;
	size_t inlen;
	uint8_t *out;
	size_t outoff, outlen;
};

/* Kept in the server across SIGHUP, so open connections live on. */
struct tcp_state {
	struct server *sv;
	int ep;
	struct tconn *conns;		/* nslots slots, fd -1 when free */
	size_t nslots;
	size_t max_conn, nconn;		/* the cap, and how many are open */
	uint32_t timeout, query_timeout, per_client;
	/* Per run of the thread: the store may be another after SIGHUP. */
	struct store_reader *rd;
	struct respond_store rs;
	struct respond_db db;
};

static time_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Forget c; close its socket unless it was handed over (keep_fd: it left
 * the epoll set before, see conn_answer(); the fd is another thread's now
 * and may already be closed and reused, so it is not touched here).
 */
static void
conn_drop(struct tcp_state *t, struct tconn *c, int keep_fd)
{
	if (!keep_fd) {
		epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	t->nconn--;
}

static void
conn_close(struct tcp_state *t, struct tconn *c)
{
	conn_drop(t, c, 0);
}

/* Register what c waits for now.  0, or -1 when c is finished. */
static int
conn_arm(struct tcp_state *t, struct tconn *c)
{
	struct epoll_event ev;
	uint32_t want = 0;

	if (c->outlen > c->outoff)
		want |= EPOLLOUT;
	if (!c->eof && c->inlen < TCP_INCAP)
		want |= EPOLLIN;
	if (want == 0 || (c->eof && !(want & EPOLLOUT)))
		return -1;
	if (want == c->events)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.u64 = (uint64_t)(c - t->conns);
	if (epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		return -1;
	c->events = want;
	return 0;
}

/* The client's address, as text. */
static void
peer_str(const struct tconn *c, char buf[PREFIX_STRLEN])
{
	struct prefix host;

	if (prefix_of_sockaddr((const struct sockaddr *)&c->peer, &host) == 0)
		addr_format(host.family, host.addr, buf);
	else
		strcpy(buf, "?");
}

/* The client's network: /24 for IPv4 (mapped too), /56 for IPv6. */
static void
peer_net(const struct sockaddr_storage *ss, struct prefix *net)
{
	struct prefix host;

	(void)prefix_of_sockaddr((const struct sockaddr *)ss, &host);
	prefix_client_net(&host, net);
}

/*
 * Give c to the transfer threads for the checked request q (qlen bytes).
 * Returns 1: handed over (c is theirs now); 0: refused, logged (c stays
 * ours; the caller answers REFUSED); -1: c is broken.
 */
static int
hand_over(struct tcp_state *t, struct tconn *c, const uint8_t *q,
    size_t qlen)
{
	struct epoll_event ev;
	char who[PREFIX_STRLEN];
	int rc;

	/* Out of the epoll set before the fd changes hands: the transfer
	 * thread may close it at once. */
	epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd, NULL);
	if ((rc = xfr_submit(t->sv, c->fd, (struct sockaddr *)&c->peer,
	    c->peerlen, q, qlen, c->out + c->outoff,
	    c->outlen - c->outoff)) == 0)
		return 1;
	memset(&ev, 0, sizeof(ev));
	ev.events = c->events;
	ev.data.u64 = (uint64_t)(c - t->conns);
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		return -1;
	peer_str(c, who);
	(void)logsum_event(t->sv->logsum, "transfer refused (busy)",
	    (struct sockaddr *)&c->peer, "transfer request from %s: refused: "
	    "%s", who, rc == DNSBL_ERANGE ? "the client has "
	    "transfer_per_client transfers queued or running" :
	    rc == DNSBL_ESPACE ? "every transfer thread is busy and the "
	    "queue is full" : dnsbl_strerror(rc));
	return 0;
}

/*
 * Answer one query that is not a transfer, under the access policy: as
 * over UDP, a signed request is not subject to it.  Returns the length.
 */
static size_t
tcp_answer(struct tcp_state *t, struct tconn *c, const uint8_t *pkt,
    size_t len, uint8_t *out)
{
	struct server *sv = t->sv;
	struct access_wrap aw;
	struct respond_db code_db;
	struct query q;

	if (sv->g->access != NULL && query_parse(pkt, len, &q) == Q_OK &&
	    !q.tsig) {
		switch (access_decide(sv->g->access, &sv->g->acc[sv->nworkers],
		    (struct sockaddr *)&c->peer, time(NULL), &aw.ans)) {
		case ACCESS_REFUSE:
			return respond_bare(&q, RC_REFUSED, 0, out,
			    RESPOND_MAX);
		case ACCESS_CODE:
			aw.base = &t->db;
			access_code_db(&aw, &code_db);
			return answer_query(sv->g->cfg, sv->g->zs, &code_db, pkt, len,
			    out, RESPOND_MAX, 1);
		default:
			break;
		}
	}
	return answer_query(sv->g->cfg, sv->g->zs, &t->db, pkt, len, out,
	    RESPOND_MAX, 1);
}

/*
 * Count the query pkt (len bytes) and its answer (alen bytes); xfr: a
 * transfer request answered here; handed: a transfer handed over (its
 * result is the transfer thread's to count).
 */
static void
tcp_count(struct tcp_state *t, const uint8_t *pkt, size_t len,
    const uint8_t *ans, size_t alen, int xfr, int handed)
{
	const struct gen *g = t->sv->g;
	unsigned tid = stats_tid_tcp(t->sv->nworkers);
	struct query q;

	if (query_parse(pkt, len, &q) == Q_DROP)
		return;
	if (handed) {
		stats_query(g->st, tid, g->zs, &q, 1);
		return;
	}
	if (xfr)
		stats_xfr_answer(g->st, tid, g->zs, &q, ans, alen);
	stats_answer(g->st, tid, g->zs, &q, 1, ans, alen);
}

/*
 * Answer every complete query that fits in the output.  -1: close; 1: the
 * connection went to the transfer threads.
 */
static int
conn_answer(struct tcp_state *t, struct tconn *c, time_t now)
{
	size_t off = 0, mlen, len;
	int begun = 0, rc, bad = 0, handed = 0, closing = 0, xfr;
	uint16_t qt;

	while (c->inlen - off >= 2) {
		mlen = wire_get16(c->in + off);
		if (mlen == 0) {
			bad = 1;
			break;
		}
		if (c->inlen - off < 2 + mlen)
			break;
		if (TCP_OUTCAP - c->outlen < TCP_MSG) {
			if (c->outoff == 0)
				break;
			memmove(c->out, c->out + c->outoff,
			    c->outlen - c->outoff);
			c->outlen -= c->outoff;
			c->outoff = 0;
			if (TCP_OUTCAP - c->outlen < TCP_MSG)
				break;
		}
		if (!begun) {
			/* A store that cannot be read: SERVFAIL, not a
			 * dropped query. */
			if ((rc = store_reader_begin(t->rd)) != 0)
				log_warnx("store: %s; answering SERVFAIL",
				    dnsbl_strerror(rc));
			else
				respond_store_batch(&t->rs);
			begun = rc == 0 ? 1 : -1;
		}
		qt = query_peek_qtype(c->in + off + 2, mlen);
		xfr = 0;
		if (begun < 0)
			len = respond_error(c->in + off + 2, mlen, RC_SERVFAIL,
			    c->out + c->outlen + 2, RESPOND_MAX);
		else if ((qt == T_AXFR || qt == T_IXFR) && (rc = xfr_check(
		    t->sv, c->in + off + 2, mlen, (struct sockaddr *)&c->peer,
		    c->out + c->outlen + 2, RESPOND_MAX, &len)) >= 0) {
			if (rc == 0 && (rc = hand_over(t, c, c->in + off + 2,
			    mlen)) == 1) {
				handed = 1;
				/* c->in is still ours: the job has a copy. */
				tcp_count(t, c->in + off + 2, mlen, NULL, 0, 1,
				    1);
				break;
			}
			if (rc < 0)
				return -1;
			if (rc == 0)
				len = xfr_refuse(c->in + off + 2, mlen,
				    c->out + c->outlen + 2, RESPOND_MAX);
			/* As after a transfer: the connection ends with
			 * this answer; what else it carries is dropped. */
			closing = 1;
			xfr = 1;
		} else
			len = tcp_answer(t, c, c->in + off + 2, mlen,
			    c->out + c->outlen + 2);
		tcp_count(t, c->in + off + 2, mlen, c->out + c->outlen + 2,
		    len, xfr, 0);
		if (len > 0) {
			c->out[c->outlen] = (uint8_t)(len >> 8);
			c->out[c->outlen + 1] = (uint8_t)len;
			c->outlen += 2 + len;
		}
		off += 2 + mlen;
		if (closing) {
			bad = 1;
			break;
		}
	}
	if (begun > 0)
		store_reader_end(t->rd);
	if (handed)
		return 1;
	if (off > 0) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
		c->last = now;		/* whole queries: progress */
		/* What is left is the start of the next query. */
		c->msg_start = c->inlen > 0 ? now : 0;
	}
	if (bad) {
		c->eof = 1;		/* answer what came, then close */
		c->inlen = 0;
	}
	return 0;
}

/* Write what is pending.  -1: close. */
static int
conn_flush(struct tconn *c, time_t now)
{
	ssize_t n;

	while (c->outlen > c->outoff) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->outoff += (size_t)n;
		c->last = now;
	}
	c->outoff = c->outlen = 0;
	return 0;
}

static void
conn_event(struct tcp_state *t, struct tconn *c, uint32_t events, time_t now)
{
	ssize_t n;
	int rc;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (c->inlen < TCP_INCAP && !c->eof) {
			n = recv(c->fd, c->in + c->inlen, TCP_INCAP - c->inlen,
			    MSG_DONTWAIT);
			if (n == 0)
				c->eof = 1;
			else if (n > 0) {
				if (c->inlen == 0)
					c->msg_start = now;
				c->inlen += (size_t)n;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				goto close;
		}
	}
	if ((rc = conn_answer(t, c, now)) == 1)
		goto handed;
	if (rc == -1 || conn_flush(c, now) == -1)
		goto close;
	/* Output drained: queries held back may fit now. */
	if (c->inlen >= 2 && c->outlen == 0) {
		if ((rc = conn_answer(t, c, now)) == 1)
			goto handed;
		if (rc == -1 || conn_flush(c, now) == -1)
			goto close;
	}
	if (conn_arm(t, c) == -1)
		goto close;
	return;
handed:
	conn_drop(t, c, 1);
	return;
close:
	conn_close(t, c);
}

/*
 * The connection to close when every slot is taken: the one that has gone
 * longest without progress.  NULL when there is none.
 */
static struct tconn *
oldest_idle(struct tcp_state *t)
{
	struct tconn *best = NULL;
	size_t i;

	for (i = 0; i < t->nslots; i++)
		if (t->conns[i].fd != -1 &&
		    (best == NULL || t->conns[i].last < best->last))
			best = &t->conns[i];
	return best;
}

/* Connections open from net. */
static size_t
open_from(const struct tcp_state *t, const struct prefix *net)
{
	size_t i, n = 0;

	for (i = 0; i < t->nslots; i++)
		n += t->conns[i].fd != -1 &&
		    memcmp(&t->conns[i].net, net, sizeof(*net)) == 0;
	return n;
}

static void
do_accept(struct tcp_state *t, int lfd, time_t now)
{
	struct epoll_event ev;
	struct sockaddr_storage ss;
	struct prefix net;
	struct tconn *c;
	char who[PREFIX_STRLEN], net_s[PREFIX_STRLEN];
	socklen_t sl;
	size_t i;
	int fd, k;

	for (k = 0; k < TCP_ACCEPTS; k++) {
		sl = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn("accept");
			return;
		}
		peer_net(&ss, &net);
		if (open_from(t, &net) >= t->per_client) {
			prefix_format(&net, net_s);
			(void)logsum_event(t->sv->logsum, "TCP per-client "
			    "limit", (struct sockaddr *)&ss, "TCP: %s has "
			    "%u connections open (tcp_per_client); closed a "
			    "new one", net_s, t->per_client);
			close(fd);
			continue;
		}
		if (t->nconn >= t->max_conn && (c = oldest_idle(t)) != NULL) {
			peer_str(c, who);
			(void)logsum_event(t->sv->logsum, "TCP full",
			    (struct sockaddr *)&c->peer, "TCP: %zu "
			    "connections open (tcp_max_connections); closed "
			    "the one from %s, without progress for %lld s",
			    t->nconn, who, (long long)(now - c->last));
			conn_close(t, c);
		}
		c = NULL;
		for (i = 0; i < t->nslots && t->nconn < t->max_conn; i++)
			if (t->conns[i].fd == -1) {
				c = &t->conns[i];
				break;
			}
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->in = malloc(TCP_INCAP);
		c->out = malloc(TCP_OUTCAP);
		if (c->in == NULL || c->out == NULL) {
			free(c->in);
			free(c->out);
			c->in = c->out = NULL;
			close(fd);
			continue;
		}
		c->fd = fd;
		c->last = now;
		c->msg_start = 0;
		c->peer = ss;
		c->peerlen = sl;
		c->net = net;
		c->events = EPOLLIN;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)(c - t->conns);
		t->nconn++;
		if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
			log_warn("epoll_ctl");
			conn_close(t, c);
		}
	}
}

/* Does c's input begin with a whole query (waiting for room to answer)? */
static int
has_whole(const struct tconn *c)
{
	return c->inlen >= 2 && c->inlen >= 2 + (size_t)wire_get16(c->in);
}

static void
expire(struct tcp_state *t, time_t now)
{
	struct tconn *c;
	char who[PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < t->nslots; i++) {
		c = &t->conns[i];
		if (c->fd == -1)
			continue;
		if (c->inlen > 0 && !has_whole(c) && c->msg_start != 0 &&
		    now - c->msg_start >= (time_t)t->query_timeout) {
			peer_str(c, who);
			(void)logsum_event(t->sv->logsum, "TCP query too "
			    "slow", (struct sockaddr *)&c->peer, "TCP: %s "
			    "sent %zu bytes of a query in %u s "
			    "(tcp_query_timeout); closed", who, c->inlen,
			    t->query_timeout);
			conn_close(t, c);
		} else if (now - c->last >= (time_t)t->timeout)
			conn_close(t, c);
	}
}

/* Create the state: the epoll set with the stop eventfd and listeners. */
static int
tcp_setup(struct tcp_state *t, struct server *sv)
{
	struct epoll_event ev;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->sv = sv;
	if ((t->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return DNSBL_EIO;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_WAKE;
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, sv->wake_fd, &ev) == -1)
		return DNSBL_EIO;
	for (i = 0; i < sv->nlisten; i++) {
		ev.data.u64 = TAG_LISTEN | i;
		if (epoll_ctl(t->ep, EPOLL_CTL_ADD, sv->tcp_fds[i], &ev) == -1)
			return DNSBL_EIO;
	}
	return 0;
}

/* Apply the (possibly reloaded) config: timeout, cap, slots. */
static int
tcp_configure(struct tcp_state *t, const struct dnsbl_config *cfg)
{
	struct tconn *nc;
	size_t i;

	t->timeout = cfg->tcp_timeout ? cfg->tcp_timeout :
	    TCP_DEFAULT_TIMEOUT;
	t->max_conn = cfg->tcp_max_conn ? cfg->tcp_max_conn :
	    TCP_DEFAULT_MAXCONN;
	t->query_timeout = cfg->tcp_query_timeout ? cfg->tcp_query_timeout :
	    TCP_DEFAULT_QTIMEOUT;
	t->per_client = cfg->tcp_per_client ? cfg->tcp_per_client :
	    TCP_DEFAULT_PERCLIENT;
	if (t->max_conn <= t->nslots)
		return 0;	/* a lower cap applies to new connections */
	if ((nc = realloc(t->conns, t->max_conn * sizeof(*nc))) == NULL)
		return DNSBL_ENOMEM;
	for (i = t->nslots; i < t->max_conn; i++) {
		memset(&nc[i], 0, sizeof(nc[i]));
		nc[i].fd = -1;
	}
	t->conns = nc;
	t->nslots = t->max_conn;
	return 0;
}

void
tcp_free(struct server *sv)
{
	struct tcp_state *t = sv->tcp;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nslots; i++)
		if (t->conns[i].fd != -1)
			conn_close(t, &t->conns[i]);
	free(t->conns);
	close(t->ep);
	free(t);
	sv->tcp = NULL;
}

void *
tcp_main(void *arg)
{
	struct server *sv = arg;
	struct epoll_event ev[TCP_EVENTS];
	struct tcp_state *t = sv->tcp;
	time_t now;
	int n, k, rc;

	if (t == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			fatalx("tcp: out of memory");
		if ((rc = tcp_setup(t, sv)) != 0)
			fatalx("tcp: %s", dnsbl_strerror(rc));
		sv->tcp = t;	/* main reads it after pthread_join() */
	}
	if ((rc = tcp_configure(t, sv->g->cfg)) != 0 ||
	    (rc = store_reader_new(sv->g->store, &t->rd)) != 0 ||
	    (rc = respond_store_init(&t->rs, &t->db, t->rd,
	    sv->g->cfg->nzones)) != 0)
		fatalx("tcp: %s", dnsbl_strerror(rc));
	while (!atomic_load(&sv->stop)) {
		n = epoll_wait(t->ep, ev, TCP_EVENTS, 500);
		if (n == -1 && errno != EINTR) {
			log_warn("epoll_wait");
			break;
		}
		now = mono_now();
		for (k = 0; k < n; k++) {
			uint64_t tag = ev[k].data.u64;
			if (tag == TAG_WAKE)
				goto out;
			if (tag & TAG_LISTEN)
				do_accept(t, sv->tcp_fds[tag & 0xffff], now);
			else if (tag < t->nslots && t->conns[tag].fd != -1)
				conn_event(t, &t->conns[tag], ev[k].events,
				    now);
		}
		expire(t, now);
		logsum_tick(sv->logsum, 0);
	}
out:
	/* Connections stay open for the next run (SIGHUP) or tcp_free(). */
	respond_store_fini(&t->rs);
	store_reader_free(t->rd);
	t->rd = NULL;
	return NULL;
}

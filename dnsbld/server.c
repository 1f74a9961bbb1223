/*
 * server.c -- sockets, thread start and stop, and the UDP workers.
 *
 * A UDP worker waits in poll(2) on its own sockets (one per endpoint) and
 * the workers' stop eventfd, and looks for a new generation (server.h,
 * gen.h) before each wait and at least every GEN_POLL_MS; a worker with a
 * single socket (one endpoint, no AF_XDP queue) waits in recvmmsg(2)
 * instead, with a receive timeout of GEN_POLL_MS.  When a socket is
 * readable it takes up to UDP_BATCH datagrams with recvmmsg(2), answers
 * them all from the in-memory copy of the served tables when it is as new
 * as the store (fastidx.h), else from one store snapshot for the batch,
 * and sends the answers with sendmmsg(2) (never waiting: a datagram the
 * kernel cannot take is dropped); it repeats while the socket is full,
 * at most UDP_ROUNDS times before polling again so one endpoint cannot
 * starve another.
 * Each answer passes the response rate limiter (rrl.h) before it goes:
 * it may be dropped, or replaced by an empty answer with TC set.  The
 * buffers are allocated once when the thread starts: the loop allocates
 * nothing.  A socket bound to a wildcard address (0.0.0.0, ::) asks for
 * each query's destination address (IP_PKTINFO, IPV6_RECVPKTINFO) and
 * sends the answer from it.
 */
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "control.h"
#include "metrics.h"
#include "config.h"
#include "err.h"
#include "fastidx.h"
#include "gen.h"
#include "log.h"
#include "logsum.h"
#include "query.h"
#include "respond.h"
#include "rrl.h"
#include "server.h"
#include "signed.h"
#include "stats.h"
#include "store.h"
#include "xdp.h"
#include "xfr.h"

#define UDP_BATCH	64
/*
 * Answers sent by one sendmmsg(2).  Smaller chunks let a burst's first
 * answers leave before its last are made; 16 measured no better latency
 * at half load than the whole batch (tests/bench/dnsbld.sh, 2026-11-30)
 * and 3 to 5% less capacity, so a batch is sent at once.
 */
#define UDP_SEND_CHUNK	UDP_BATCH
#define UDP_ROUNDS	16
#define UDP_INBUF	4096
/* How long an idle worker waits before it looks for a new generation. */
#define GEN_POLL_MS	20

static int
is_wildcard(const struct cfg_endpoint *ep)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ep->ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ep->ss;

	if (ep->ss.ss_family == AF_INET)
		return s4->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
}

static int
open_socket(const struct cfg_endpoint *ep, int type, int reuseport,
    struct errbuf *eb)
{
	int fd, on = 1, fam = ep->ss.ss_family;

	fd = socket(fam, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return errbuf_set(eb, DNSBL_EIO, "socket %s: %s", ep->text,
		    strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		goto fail;
	if (fam == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	/* A wildcard address: learn each query's destination, to answer
	 * from it (else a multi-homed host may answer from another). */
	if (type == SOCK_DGRAM && is_wildcard(ep) &&
	    (fam == AF_INET ? setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on,
	    sizeof(on)) : setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof(on))) == -1)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&ep->ss, ep->sslen) == -1)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, 128) == -1)
		goto fail;
	return fd;
fail:
	errbuf_set(eb, DNSBL_EIO, "%s %s: %s",
	    type == SOCK_STREAM ? "tcp" : "udp", ep->text, strerror(errno));
	close(fd);
	return DNSBL_EIO;
}

int
server_bind(struct server *sv, const struct dnsbl_config *cfg,
    unsigned nworkers, struct errbuf *eb)
{
	size_t i;
	unsigned w;
	int fd;

	memset(sv, 0, sizeof(*sv));
	sv->wake_fd = sv->wwake_fd = -1;
	if (stats_init(&sv->stats, nworkers + 2 + XFR_THREADS) != 0) {
		errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
		return DNSBL_ENOMEM;
	}
	sv->nlisten = cfg->nlisten;
	sv->nworkers = nworkers;
	sv->workers = calloc(nworkers, sizeof(*sv->workers));
	sv->tcp_fds = calloc(cfg->nlisten ? cfg->nlisten : 1, sizeof(int));
	if (sv->workers == NULL || sv->tcp_fds == NULL ||
	    logsum_new(&sv->logsum, LOGSUM_INTERVAL) != 0)
		goto nomem;
	for (i = 0; i < cfg->nlisten; i++)
		sv->tcp_fds[i] = -1;
	for (w = 0; w < nworkers; w++) {
		sv->workers[w].sv = sv;
		sv->workers[w].id = w;
		sv->workers[w].fds = calloc(cfg->nlisten ? cfg->nlisten : 1,
		    sizeof(int));
		if (sv->workers[w].fds == NULL)
			goto nomem;
		for (i = 0; i < cfg->nlisten; i++)
			sv->workers[w].fds[i] = -1;
	}
	for (i = 0; i < cfg->nlisten; i++) {
		for (w = 0; w < nworkers; w++) {
			fd = open_socket(&cfg->listen[i], SOCK_DGRAM, 1, eb);
			if (fd < 0)
				goto fail;
			sv->workers[w].fds[i] = fd;
		}
		if ((fd = open_socket(&cfg->listen[i], SOCK_STREAM, 0, eb)) < 0)
			goto fail;
		sv->tcp_fds[i] = fd;
	}
	sv->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	sv->wwake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sv->wake_fd == -1 || sv->wwake_fd == -1) {
		errbuf_set(eb, DNSBL_EIO, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if (control_open(sv, cfg, eb) != 0 || metrics_open(sv, cfg, eb) != 0 ||
	    xdp_open(sv, cfg, eb) != 0)
		goto fail;
	return 0;
nomem:
	errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
fail:
	server_close(sv);
	return DNSBL_EIO;
}

void
server_close(struct server *sv)
{
	size_t i;
	unsigned w;

	xdp_close(sv);
	control_close(sv);
	metrics_close(sv);
	tcp_free(sv);
	notify_free(sv);
	for (w = 0; sv->workers != NULL && w < sv->nworkers; w++) {
		for (i = 0; sv->workers[w].fds != NULL && i < sv->nlisten; i++)
			if (sv->workers[w].fds[i] >= 0)
				close(sv->workers[w].fds[i]);
		free(sv->workers[w].fds);
	}
	free(sv->workers);
	sv->workers = NULL;
	for (i = 0; sv->tcp_fds != NULL && i < sv->nlisten; i++)
		if (sv->tcp_fds[i] >= 0)
			close(sv->tcp_fds[i]);
	free(sv->tcp_fds);
	sv->tcp_fds = NULL;
	if (sv->wake_fd >= 0)
		close(sv->wake_fd);
	if (sv->wwake_fd >= 0)
		close(sv->wwake_fd);
	sv->wake_fd = sv->wwake_fd = -1;
	logsum_free(sv->logsum);
	sv->logsum = NULL;
	stats_fini(&sv->stats);
}

/* The workers' rate limiting counters, since start (at SIGHUP and exit). */
static void
rrl_report(const struct server *sv)
{
	uint64_t dropped = 0, slipped = 0;
	unsigned w;

	for (w = 0; w < sv->nworkers; w++) {
		dropped += atomic_load_explicit(&sv->workers[w].rrl.dropped,
		    memory_order_relaxed);
		slipped += atomic_load_explicit(&sv->workers[w].rrl.slipped,
		    memory_order_relaxed);
	}
	if (sv->g->rrl != NULL || dropped != 0 || slipped != 0)
		log_info("rrl: since start %llu UDP answers dropped, %llu "
		    "slipped (sent as TC)", (unsigned long long)dropped,
		    (unsigned long long)slipped);
}

static void
drain(int fd)
{
	uint64_t junk;

	while (read(fd, &junk, sizeof(junk)) > 0)
		;
}

static void
wake(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_warn("eventfd write");
}

/* Start the TCP, transfer and NOTIFY threads over sv->g. */
static int
side_start(struct server *sv)
{
	int rc;

	drain(sv->wake_fd);	/* left readable by the last stop */
	atomic_store(&sv->stop, 0);
	if (xfr_start(sv) != 0)
		return DNSBL_EIO;
	if ((rc = pthread_create(&sv->tcp_thread, NULL, tcp_main, sv)) != 0)
		goto fail;
	sv->tcp_running = 1;
	rc = pthread_create(&sv->notify_thread, NULL, notify_main, sv);
	if (rc != 0)
		goto fail;
	sv->notify_running = 1;
	return 0;
fail:
	errno = rc;
	log_warn("pthread_create");
	return DNSBL_EIO;
}

static void
side_stop(struct server *sv)
{
	atomic_store(&sv->stop, 1);
	wake(sv->wake_fd);
	if (sv->tcp_running) {
		pthread_join(sv->tcp_thread, NULL);
		sv->tcp_running = 0;
	}
	if (sv->notify_running) {
		pthread_join(sv->notify_thread, NULL);
		sv->notify_running = 0;
	}
	xfr_stop(sv);		/* after the TCP thread: no more submissions */
}

int
server_start(struct server *sv)
{
	unsigned w;
	int rc;

	drain(sv->wwake_fd);
	atomic_store(&sv->wstop, 0);
	if (stats_gen_attach(&sv->stats, sv->g) != 0) {
		log_warnx("stats: out of memory");
		return DNSBL_ENOMEM;
	}
	stats_serving(&sv->stats, sv->g);
	atomic_store(&sv->live, sv->g);
	for (w = 0; w < sv->nworkers; w++) {
		atomic_store(&sv->workers[w].using, sv->g);
		rc = pthread_create(&sv->workers[w].thread, NULL,
		    udp_worker_main, &sv->workers[w]);
		if (rc != 0) {
			errno = rc;
			log_warn("pthread_create");
			server_stop(sv);
			return DNSBL_EIO;
		}
		sv->workers[w].running = 1;
	}
	if (side_start(sv) != 0 || control_start(sv) != 0 ||
	    metrics_start(sv) != 0) {
		server_stop(sv);
		return DNSBL_EIO;
	}
	return 0;
}

void
server_stop(struct server *sv)
{
	unsigned w;

	atomic_store(&sv->wstop, 1);
	wake(sv->wwake_fd);
	for (w = 0; w < sv->nworkers; w++) {
		if (!sv->workers[w].running)
			continue;
		pthread_join(sv->workers[w].thread, NULL);
		sv->workers[w].running = 0;
	}
	rrl_report(sv);
	side_stop(sv);
	stats_serving(&sv->stats, NULL);
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct gen *
server_swap(struct server *sv, struct gen *ng, double *paused_ms)
{
	struct gen *old = sv->g;
	struct timespec ms = { 0, 1000000 };
	double t0 = mono_ms();
	unsigned w;

	/* Counters before any thread can see ng. */
	if (stats_gen_attach(&sv->stats, ng) != 0)
		fatalx("stats: out of memory");
	stats_serving(&sv->stats, ng);
	atomic_store(&sv->live, ng);
	side_stop(sv);
	rrl_report(sv);
	sv->g = ng;
	if (side_start(sv) != 0)
		fatalx("cannot restart the TCP and transfer threads");
	*paused_ms = mono_ms() - t0;
	/* A worker stores its new generation only after it has let go of
	 * the old one, and never takes the old one again once live moved:
	 * when none shows old, old is free.  An idle worker looks every
	 * GEN_POLL_MS; a busy one between two batches. */
	for (w = 0; w < sv->nworkers; w++)
		while (sv->workers[w].running &&
		    atomic_load(&sv->workers[w].using) == old)
			nanosleep(&ms, NULL);
	return old;
}

/* A worker's buffers, allocated once per thread. */
struct udp_bufs {
	struct mmsghdr in[UDP_BATCH], out[UDP_BATCH];
	struct iovec iin[UDP_BATCH], iout[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	union {				/* PKTINFO in and out */
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cin[UDP_BATCH], cout[UDP_BATCH];
	uint8_t q[UDP_BATCH][UDP_INBUF];
	uint8_t a[UDP_BATCH][EDNS_PAYLOAD];
	/* Per datagram: its query, parsed, what query_parse() said, its
	 * QTYPE, and where its lookup will go (for the prefetch). */
	struct query qs[UDP_BATCH];
	enum query_status st[UDP_BATCH];
	uint16_t qt[UDP_BATCH];
	struct respond_hint hint[UDP_BATCH];
	/* Per answer: its datagram, length, rrl ticket. */
	int src[UDP_BATCH];
	size_t alen[UDP_BATCH];
	struct rrl_ticket tk[UDP_BATCH];
};

/*
 * Make the receive side of b ready for recvmmsg(2): all of it
 * (udp_bufs_reset(b, UDP_BATCH)) once, then only the n entries that the
 * last recvmmsg(2) filled in, whose name and control lengths it changed;
 * the rest it left as they were.  A batch of one datagram, the common case
 * at low load, then costs one entry's reset, not UDP_BATCH.
 */
static void
udp_bufs_reset(struct udp_bufs *b, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		b->iin[i].iov_base = b->q[i];
		b->iin[i].iov_len = UDP_INBUF;
		memset(&b->in[i].msg_hdr, 0, sizeof(b->in[i].msg_hdr));
		b->in[i].msg_hdr.msg_name = &b->from[i];
		b->in[i].msg_hdr.msg_namelen = sizeof(b->from[i]);
		b->in[i].msg_hdr.msg_iov = &b->iin[i];
		b->in[i].msg_hdr.msg_iovlen = 1;
		b->in[i].msg_hdr.msg_control = b->cin[i].b;
		b->in[i].msg_hdr.msg_controllen = sizeof(b->cin[i].b);
	}
}

/*
 * If the query came with its destination (PKTINFO, on a wildcard socket),
 * make the answer leave from that address.
 */
static void
reply_from(struct msghdr *in, struct msghdr *out, uint8_t *ctl, size_t len)
{
	struct cmsghdr *c, *o;
	struct in_pktinfo pi4;
	struct in6_pktinfo pi6;

	for (c = CMSG_FIRSTHDR(in); c != NULL; c = CMSG_NXTHDR(in, c)) {
		memset(ctl, 0, len);
		out->msg_control = ctl;
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			memcpy(&pi4, CMSG_DATA(c), sizeof(pi4));
			pi4.ipi_spec_dst = pi4.ipi_addr;
			pi4.ipi_ifindex = 0;
			out->msg_controllen = CMSG_SPACE(sizeof(pi4));
			o = CMSG_FIRSTHDR(out);
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi4));
			memcpy(CMSG_DATA(o), &pi4, sizeof(pi4));
			return;
		}
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			out->msg_controllen = CMSG_SPACE(sizeof(pi6));
			o = CMSG_FIRSTHDR(out);
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi6));
			memcpy(CMSG_DATA(o), &pi6, sizeof(pi6));
			return;
		}
	}
	out->msg_control = NULL;
	out->msg_controllen = 0;
}

/* What the answers of one batch share. */
struct batch {
	struct worker *wk;
	const struct gen *g;
	struct udp_bufs *b;
	const struct respond_db *db;	/* the store (or the copy) */
	const struct respond_db *code_db;	/* an access rule's code */
	struct access_wrap *aw;
	const struct respond_store *rs;	/* for the prefetch */
	time_t t;
	int fd;
};

/*
 * Parse the datagrams c0 to c1 - 1 of the batch into b->qs[], b->st[] and
 * b->qt[], then prefetch their lookups in the batch's copy of the served
 * tables, both stages over the whole range, so that the range's cache
 * misses overlap instead of coming one after the other.
 */
static void
parse_range(struct batch *bt, int c0, int c1)
{
	struct udp_bufs *b = bt->b;
	int i, stage, hint = bt->rs != NULL && bt->rs->mi != NULL;

	for (i = c0; i < c1; i++) {
		b->hint[i].done = 0;
		if (b->in[i].msg_hdr.msg_flags & MSG_TRUNC) {
			b->st[i] = Q_DROP;	/* larger than any query */
			continue;
		}
		b->qt[i] = query_peek_qtype(b->q[i], b->in[i].msg_len);
		b->st[i] = query_parse(b->q[i], b->in[i].msg_len, &b->qs[i]);
		if (hint && b->st[i] == Q_OK && !b->qs[i].tsig &&
		    b->qt[i] != T_AXFR && b->qt[i] != T_IXFR)
			respond_hint(bt->g->zs, &b->qs[i], &b->hint[i]);
	}
	if (!hint)
		return;
	for (stage = 0; stage < 2; stage++)
		for (i = c0; i < c1; i++)
			respond_store_prefetch(bt->rs, &b->hint[i], stage);
}

/*
 * Answer the datagrams c0 to c1 - 1 of the batch, parse_range()d: b->a[],
 * b->alen[] and b->src[] get one entry per answer.  Each is
 * rrl_prepare()d, which prefetches its rate limiting bucket.  Returns the
 * number of answers.
 */
static int
answer_range(struct batch *bt, int c0, int c1)
{
	struct worker *wk = bt->wk;
	const struct gen *g = bt->g;
	struct udp_bufs *b = bt->b;
	const struct zoneset *zs = g->zs;
	const struct respond_db *qdb;
	const struct sockaddr *peer;
	enum query_status st;
	struct query *q;
	int i, nans = 0, refuse;
	uint16_t qt;
	size_t len;
	uint8_t *a;

	parse_range(bt, c0, c1);
	for (i = c0; i < c1; i++) {
		if ((st = b->st[i]) == Q_DROP)
			continue;
		q = &b->qs[i];
		qt = b->qt[i];
		a = b->a[nans];
		peer = (const struct sockaddr *)&b->from[i];
		qdb = bt->db;
		refuse = 0;
		/* A signed request is a key holder's: no access rule. */
		if (g->access != NULL && st == Q_OK && !q->tsig &&
		    qt != T_AXFR && qt != T_IXFR)
			switch (access_decide(g->access, &g->acc[wk->id], peer,
			    bt->t, &bt->aw->ans)) {
			case ACCESS_REFUSE:
				refuse = 1;
				break;
			case ACCESS_CODE:
				qdb = bt->code_db;
				break;
			default:
				break;
			}
		if (refuse)
			len = respond_bare(q, RC_REFUSED, 0, a,
			    respond_limit(q, 0, EDNS_PAYLOAD));
		else if (qt == T_AXFR || qt == T_IXFR)
			len = xfr_udp(wk->sv, g, bt->db, b->q[i],
			    b->in[i].msg_len, peer, a, EDNS_PAYLOAD);
		else if (q->tsig)
			len = signed_answer(g->cfg, zs, qdb, q, st,
			    b->q[i], b->in[i].msg_len, a, EDNS_PAYLOAD, 0);
		else
			len = respond_hinted(zs, qdb, q, st, &b->hint[i], a,
			    EDNS_PAYLOAD, respond_limit(q, 0, EDNS_PAYLOAD), 0);
		if (qt == T_AXFR || qt == T_IXFR)
			stats_xfr_answer(g->st, wk->id, zs, q, a, len);
		if (len == 0) {
			stats_answer(g->st, wk->id, zs, q, 0, NULL, 0);
			continue;
		}
		if (g->rrl != NULL)
			rrl_prepare(g->rrl, peer, q, a, len, &b->tk[nans]);
		b->src[nans] = i;
		b->alen[nans++] = len;
	}
	return nans;
}

/*
 * Let each of the nans answers through, drop or slip it (rrl_decide()),
 * then send them with sendmmsg(2); a datagram the kernel refuses is
 * dropped, not retried.
 */
static void
send_answers(struct batch *bt, int nans)
{
	struct worker *wk = bt->wk;
	const struct gen *g = bt->g;
	struct udp_bufs *b = bt->b;
	struct rrl *rrl = g->rrl;
	const struct sockaddr *peer;
	enum rrl_verdict v;
	uint64_t now = 0;
	int i, k, nout = 0, sent;
	size_t len;

	if (rrl != NULL)
		now = rrl_now();
	for (k = 0; k < nans; k++) {
		i = b->src[k];
		len = b->alen[k];
		peer = (const struct sockaddr *)&b->from[i];
		if (rrl != NULL && (v = rrl_decide(rrl, &wk->rrl, now,
		    &b->tk[k], peer, &b->qs[i], b->a[k], len)) != RRL_SEND) {
			if (v == RRL_DROP || (len = rrl_truncate(&b->qs[i],
			    b->a[k], len, EDNS_PAYLOAD)) == 0) {
				stats_answer(g->st, wk->id, g->zs, &b->qs[i],
				    0, NULL, 0);
				continue;
			}
		}
		stats_answer(g->st, wk->id, g->zs, &b->qs[i], 0, b->a[k], len);
		memset(&b->out[nout].msg_hdr, 0, sizeof(b->out[nout].msg_hdr));
		b->iout[nout].iov_base = b->a[k];
		b->iout[nout].iov_len = len;
		b->out[nout].msg_hdr.msg_name = &b->from[i];
		b->out[nout].msg_hdr.msg_namelen = b->in[i].msg_hdr.msg_namelen;
		b->out[nout].msg_hdr.msg_iov = &b->iout[nout];
		b->out[nout].msg_hdr.msg_iovlen = 1;
		reply_from(&b->in[i].msg_hdr, &b->out[nout].msg_hdr,
		    b->cout[nout].b, sizeof(b->cout[nout].b));
		nout++;
	}
	for (i = 0; i < nout;) {
		sent = sendmmsg(bt->fd, b->out + i, (unsigned)(nout - i),
		    MSG_DONTWAIT);
		if (sent <= 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("sendmmsg");
			i++;
		} else
			i += sent;
	}
}

/*
 * Receive, answer and send one batch.  Returns the datagrams received.
 * The batch is answered and sent UDP_SEND_CHUNK datagrams at a time.
 * Within a chunk the answers are built first (each rrl_prepare()d), then
 * each is let through, dropped or slipped, so that the chunk's cache
 * misses in the rate limiting table overlap.
 */
static int
udp_batch(struct worker *wk, const struct gen *g, struct udp_bufs *b,
    struct respond_store *rs, const struct respond_db *db, int fd,
    int block)
{
	struct access_wrap aw;
	struct respond_db code_db;
	struct batch bt;
	int n, c0, c1, rc;

	/* Blocking (one socket, see udp_worker_main()): wait for the first
	 * datagram, up to the socket's SO_RCVTIMEO, then take what is
	 * there without waiting, as MSG_WAITFORONE does. */
	n = recvmmsg(fd, b->in, UDP_BATCH, block ? MSG_WAITFORONE :
	    MSG_DONTWAIT, NULL);
	if (n <= 0) {
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			log_warn("recvmmsg");
		udp_bufs_reset(b, 1);	/* whatever a failed call left */
		return 0;
	}
	memset(&bt, 0, sizeof(bt));
	bt.wk = wk;
	bt.g = g;
	bt.b = b;
	bt.db = db;
	bt.fd = fd;
	bt.rs = rs;
	if (g->access != NULL) {
		bt.t = time(NULL);
		aw.base = db;
		access_code_db(&aw, &code_db);
		bt.aw = &aw;
		bt.code_db = &code_db;
	}
	/* The copy of the served tables, if it is as new as the store;
	 * the store's snapshot is begun only if an answer needs it.  A
	 * store that cannot be read gets those answers a SERVFAIL. */
	respond_store_begin(rs, fastidx_enter(g->fast, wk->id));
	for (c0 = 0; c0 < n; c0 = c1) {
		c1 = n - c0 > UDP_SEND_CHUNK ? c0 + UDP_SEND_CHUNK : n;
		send_answers(&bt, answer_range(&bt, c0, c1));
	}
	if ((rc = respond_store_end(rs)) != 0)
		log_warnx("store: %s; this batch's answers that needed it "
		    "are SERVFAIL", dnsbl_strerror(rc));
	fastidx_leave(g->fast, wk->id);
	udp_bufs_reset(b, n);
	return n;
}

/* A worker's store reader over one generation's store. */
struct wreader {
	const struct gen *g;
	struct store_reader *rd;
	struct respond_store rs;
	struct respond_db db;
};

static void
wreader_open(struct worker *wk, struct wreader *w, const struct gen *g)
{
	int rc;

	if ((rc = store_reader_new(g->store, &w->rd)) != 0)
		fatalx("worker %u: store reader: %s", wk->id,
		    dnsbl_strerror(rc));
	if (respond_store_init(&w->rs, &w->db, w->rd, g->cfg->nzones) != 0)
		fatalx("worker %u: out of memory", wk->id);
	w->g = g;
}

static void
wreader_close(struct wreader *w)
{
	respond_store_fini(&w->rs);
	store_reader_free(w->rd);
	w->rd = NULL;
	w->g = NULL;
}

/*
 * Make the worker's only socket blocking, with a receive timeout of
 * GEN_POLL_MS: 1, or 0 if it cannot be (the worker then polls).
 */
static int
block_on(int fd)
{
	struct timeval tv = { 0, GEN_POLL_MS * 1000 };
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		return 0;
	return 1;
}

/*
 * A worker with one socket and no AF_XDP queue waits in recvmmsg(2)
 * itself, as the floor server does: one system call fewer for each batch
 * than poll(2) and recvmmsg(2).  The receive timeout makes it look for a
 * new generation and for the stop flag at least every GEN_POLL_MS.
 */
static void
blocking_loop(struct worker *wk, struct wreader *w, struct udp_bufs *b)
{
	struct server *sv = wk->sv;
	struct gen *g;

	while (!atomic_load(&sv->wstop)) {
		if ((g = atomic_load(&sv->live)) != w->g) {
			wreader_close(w);
			wreader_open(wk, w, g);
			atomic_store(&wk->using, g);
		}
		(void)udp_batch(wk, w->g, b, &w->rs, &w->db, wk->fds[0], 1);
	}
}

void *
udp_worker_main(void *arg)
{
	struct worker *wk = arg;
	struct server *sv = wk->sv;
	struct gen *g;
	struct wreader w;
	struct udp_bufs *b;
	struct pollfd *pfd;
	size_t i, nfd = sv->nlisten + 2;	/* + stop, + AF_XDP */
	int round;

	b = malloc(sizeof(*b));
	pfd = calloc(nfd, sizeof(*pfd));
	if (b == NULL || pfd == NULL)
		fatalx("worker %u: out of memory", wk->id);
	udp_bufs_reset(b, UDP_BATCH);
	g = atomic_load(&wk->using);
	wreader_open(wk, &w, g);
	for (i = 0; i < sv->nlisten; i++) {
		pfd[i].fd = wk->fds[i];
		pfd[i].events = POLLIN;
	}
	pfd[sv->nlisten].fd = sv->wwake_fd;
	pfd[sv->nlisten].events = POLLIN;
	pfd[sv->nlisten + 1].fd = xdp_fd(wk);	/* -1: poll(2) skips it */
	pfd[sv->nlisten + 1].events = POLLIN;

	if (sv->nlisten == 1 && xdp_fd(wk) == -1 && block_on(wk->fds[0])) {
		blocking_loop(wk, &w, b);
		goto out;
	}
	while (!atomic_load(&sv->wstop)) {
		/* A reload: let go of the old generation, then say so. */
		if ((g = atomic_load(&sv->live)) != w.g) {
			wreader_close(&w);
			wreader_open(wk, &w, g);
			atomic_store(&wk->using, g);
		}
		if (poll(pfd, nfd, GEN_POLL_MS) == -1) {
			if (errno != EINTR)
				log_warn("poll");
			continue;
		}
		if (pfd[sv->nlisten].revents)
			break;
		for (i = 0; i < sv->nlisten; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			for (round = 0; round < UDP_ROUNDS; round++)
				if (udp_batch(wk, w.g, b, &w.rs, &w.db,
				    pfd[i].fd, 0) < UDP_BATCH)
					break;
		}
		if (pfd[sv->nlisten + 1].revents & POLLIN)
			for (round = 0; round < UDP_ROUNDS; round++)
				if (xdp_batch(wk, w.g, &w.rs, &w.db) <
				    UDP_BATCH)
					break;
	}
out:
	wreader_close(&w);
	free(pfd);
	free(b);
	return NULL;
}

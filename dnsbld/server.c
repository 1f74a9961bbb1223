/*
 * server.c -- sockets, thread start and stop, and the UDP workers' loops
 * (one batch of datagrams is udpbatch.c's).
 *
 * A UDP worker waits in poll(2) on its own sockets (one per endpoint) and
 * the workers' stop eventfd, and looks for a new generation (server.h,
 * gen.h) before each wait and at least every GEN_POLL_MS; a worker with a
 * single socket (one endpoint, no AF_XDP queue) waits in recvmmsg(2)
 * instead, with no timeout: what stops it or moves it to a new generation
 * kicks it out of the wait with WORKER_KICK (kick_worker()), every
 * millisecond until it has moved.  A receive timeout armed a timer at
 * every wait, and on a KVM guest a worker that waits tens of thousands of
 * times a second then had its vCPU taken by the host more often than
 * rbldnsd's, which blocks with none (docs/performance.md, run M: 0.2 to
 * 0.6% steal in its half-load rounds against 0.0 to 0.2%, and the p99
 * with it).  When a socket is
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

#include <linux/sock_diag.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
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
#include "hugemem.h"
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
#include "udpbatch.h"
#include "xfr.h"

#define UDP_ROUNDS	16
/* How long an idle worker in poll(2) waits before it looks for a new
 * generation. */
#define GEN_POLL_MS	20
/* The signal that interrupts a worker's wait (a handler that does
 * nothing, installed without SA_RESTART by server_start()). */
#define WORKER_KICK	SIGRTMIN

static int
is_wildcard(const struct cfg_endpoint *ep)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ep->ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ep->ss;

	if (ep->ss.ss_family == AF_INET)
		return s4->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
}

/*
 * Ask for a receive buffer of rcvbuf bytes on UDP socket fd (0: leave the
 * system's), so that a burst that comes while the worker is away (taken
 * off its core, say) waits instead of being dropped.  SO_RCVBUFFORCE, as
 * root may, past net.core.rmem_max; else SO_RCVBUF, which the kernel
 * caps at it.  Neither failing is fatal: the socket keeps the default.
 */
static void
udp_rcvbuf(int fd, const struct cfg_endpoint *ep, uint64_t rcvbuf)
{
	int v = rcvbuf > INT_MAX / 2 ? INT_MAX / 2 : (int)rcvbuf, got = 0;
	socklen_t gl = sizeof(got);

	if (v == 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == -1) {
		log_warn("udp %s: receive buffer of %d bytes", ep->text, v);
		return;
	}
	/* The kernel reports twice what it grants (its bookkeeping). */
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl) == 0 &&
	    got / 2 < v)
		log_info("udp %s: receive buffer %d bytes of %d asked "
		    "(net.core.rmem_max)", ep->text, got / 2, v);
}

void
server_udp_view(const struct server *sv, struct stats_view *v)
{
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t len;
	unsigned w;
	size_t i;

	v->have_udp = 1;
	v->udp_drops = v->udp_queued = v->udp_rcvbuf = 0;
	for (w = 0; w < sv->nworkers; w++)
		for (i = 0; i < sv->nlisten; i++) {
			len = sizeof(mi);
			if (sv->workers[w].fds[i] < 0 ||
			    getsockopt(sv->workers[w].fds[i], SOL_SOCKET,
			    SO_MEMINFO, mi, &len) == -1 ||
			    len < sizeof(mi))
				continue;
			v->udp_drops += mi[SK_MEMINFO_DROPS];
			v->udp_queued += mi[SK_MEMINFO_RMEM_ALLOC];
			if (v->udp_rcvbuf == 0 ||
			    mi[SK_MEMINFO_RCVBUF] < v->udp_rcvbuf)
				v->udp_rcvbuf = mi[SK_MEMINFO_RCVBUF];
		}
}

static int
open_socket(const struct cfg_endpoint *ep, int type, int reuseport,
    uint64_t rcvbuf, struct errbuf *eb)
{
	int fd, on = 1, pmtu = IP_PMTUDISC_PROBE, fam = ep->ss.ss_family;

	fd = socket(fam, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return errbuf_set(eb, DNSBL_EIO, "socket %s: %s", ep->text,
		    strerror(errno));
	/*
	 * TCP: SO_REUSEADDR, so that a restart binds while the last
	 * connections are in TIME_WAIT.  UDP (the workers' sockets of one
	 * endpoint): SO_REUSEPORT alone, which the kernel grants only to
	 * sockets of the same owner.  SO_REUSEADDR on a UDP socket would
	 * let any local user's socket that sets it too bind the same port
	 * and take its queries (on a port from 1024 up, which needs no
	 * privilege).
	 */
	if (type == SOCK_STREAM)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on));
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		goto fail;
	if (fam == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	/*
	 * IPv4 answers go out with DF set and are never fragmented here
	 * (RFC 9715, R2).  The default sets DF too, but fragments an
	 * answer when an ICMP message (maybe forged) claims a smaller path
	 * MTU, and so gives each datagram an IP ID hashed from the peer's
	 * address.  PROBE ignores the path MTU: an answer over UDP is at
	 * most EDNS_PAYLOAD (1232) bytes, which fits every path of 1280
	 * bytes or more (on a smaller one it is dropped, and the client
	 * retries with a smaller EDNS size or over TCP, as RFC 9715 has
	 * it).  A datagram that is never fragmented gets IP ID 0 (RFC
	 * 6864), which spares the kernel the hash (0.1 us a query,
	 * measured).  IPv6 needs nothing: 1232 bytes and the headers fit
	 * its minimum MTU, 1280, so the kernel never fragments an answer.
	 */
	if (type == SOCK_DGRAM && fam == AF_INET &&
	    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu,
	    sizeof(pmtu)) == -1)
		goto fail;
	/* A wildcard address: learn each query's destination, to answer
	 * from it (else a multi-homed host may answer from another). */
	if (type == SOCK_DGRAM && is_wildcard(ep) &&
	    (fam == AF_INET ? setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on,
	    sizeof(on)) : setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof(on))) == -1)
		goto fail;
	if (type == SOCK_DGRAM)
		udp_rcvbuf(fd, ep, rcvbuf);
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
			fd = open_socket(&cfg->listen[i], SOCK_DGRAM, 1,
			    cfg->udp_rcvbuf, eb);
			if (fd < 0)
				goto fail;
			sv->workers[w].fds[i] = fd;
		}
		if ((fd = open_socket(&cfg->listen[i], SOCK_STREAM, 0, 0,
		    eb)) < 0)
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
	(void)pthread_setname_np(sv->tcp_thread, "dnsbld-tcp");
	rc = pthread_create(&sv->notify_thread, NULL, notify_main, sv);
	if (rc != 0)
		goto fail;
	sv->notify_running = 1;
	(void)pthread_setname_np(sv->notify_thread, "dnsbld-notify");
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

static void
on_kick(int sig)
{
	(void)sig;
}

/* Interrupt worker w's wait, if it is in one; harmless if not. */
static void
kick_worker(struct server *sv, unsigned w)
{
	(void)pthread_kill(sv->workers[w].thread, WORKER_KICK);
}

int
server_start(struct server *sv)
{
	char name[16];	/* a thread's name: 15 bytes and the NUL */
	struct sigaction sa;
	unsigned w;
	int rc;

	/* Process-wide, the same each time: a kick only interrupts. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;
	sigemptyset(&sa.sa_mask);
	if (sigaction(WORKER_KICK, &sa, NULL) == -1) {
		log_warn("sigaction");
		return DNSBL_EIO;
	}
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
		(void)snprintf(name, sizeof(name), "dnsbld-udp%u", w % 10000u);
		(void)pthread_setname_np(sv->workers[w].thread, name);
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
	struct timespec ms = { 0, 1000000 };
	unsigned w;

	atomic_store(&sv->wstop, 1);
	wake(sv->wwake_fd);
	for (w = 0; w < sv->nworkers; w++) {
		if (!sv->workers[w].running)
			continue;
		/* Kicked until it is gone: a kick that comes between its
		 * look at wstop and its wait is not lost for long. */
		while (pthread_tryjoin_np(sv->workers[w].thread, NULL) ==
		    EBUSY) {
			kick_worker(sv, w);
			nanosleep(&ms, NULL);
		}
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
	 * when none shows old, old is free.  A busy worker looks between
	 * two batches; an idle one when a kick interrupts its wait (every
	 * millisecond here, so that one that comes just before the wait
	 * is followed by another) or, in poll(2), every GEN_POLL_MS. */
	for (w = 0; w < sv->nworkers; w++)
		while (sv->workers[w].running &&
		    atomic_load(&sv->workers[w].using) == old) {
			kick_worker(sv, w);
			nanosleep(&ms, NULL);
		}
	return old;
}

/* A worker's buffers, allocated once per thread. */
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
 * Make the worker's only socket blocking, with no receive timeout (a
 * kick ends a wait): 1, or 0 if it cannot be (the worker then polls).
 */
static int
block_on(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		return 0;
	return 1;
}

/*
 * A worker with one socket and no AF_XDP queue waits in recvmmsg(2)
 * itself, as the floor server does: one system call fewer for each batch
 * than poll(2) and recvmmsg(2).  It looks for a new generation and for
 * the stop flag before each wait; a kick (kick_worker()) ends the wait
 * with EINTR when either moves.
 */
HOT static void
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

HOT void *
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

	b = udp_bufs_new();
	pfd = calloc(nfd, sizeof(*pfd));
	if (b == NULL || pfd == NULL)
		fatalx("worker %u: out of memory", wk->id);
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
	udp_bufs_free(b);
	return NULL;
}

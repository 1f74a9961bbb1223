/*
 * server.h -- dnsbld's sockets and threads.
 *
 * One struct server per process, owned by main.c.  server_bind() opens, for
 * every `listen` endpoint, one UDP socket per worker (SO_REUSEPORT, so the
 * kernel spreads queries over them) and one TCP listening socket; they stay
 * open for the life of the process, including across SIGHUP.
 * server_start() runs the UDP worker threads and the TCP thread over the
 * current config, store and zoneset; server_stop() wakes and joins them.
 * Between a stop and the next start, main.c may swap cfg, store and zs
 * (that is how SIGHUP reloads); while threads run, those three must not
 * change.
 *
 * Each thread owns one store_reader, created and freed by the thread
 * itself, and renews its snapshot once per batch of packets.
 *
 * The UDP workers share one response rate limiting table (rrl.h), made or
 * updated for the config by server_start() and kept across SIGHUP while
 * its size stays the same.
 *
 * Besides these, server_start() runs the zone transfer threads (xfr.c,
 * which the TCP thread hands AXFR/IXFR connections to) and the NOTIFY
 * thread (notify.c); server_stop() stops them too.
 */
#ifndef DNSBLD_SERVER_H
#define DNSBLD_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "rrl.h"

struct dnsbl_config;
struct store;
struct zoneset;
struct errbuf;
struct server;
struct tcp_state;
struct xfr_pool;
struct notify_state;
struct logsum;
struct access;
struct access_counts;

/* What one UDP worker owns. */
struct worker {
	struct server *sv;
	unsigned id;
	int *fds;			/* one per listen endpoint */
	pthread_t thread;
	int running;
	struct rrl_worker rrl;		/* its rate limiting counters */
};

struct server {
	/* Swapped by main.c between server_stop() and server_start(). */
	const struct dnsbl_config *cfg;
	struct store *store;
	const struct zoneset *zs;

	size_t nlisten;
	unsigned nworkers;
	struct worker *workers;
	int *tcp_fds;			/* one per listen endpoint */
	struct tcp_state *tcp;		/* open TCP connections (tcp.c) */
	pthread_t tcp_thread;
	int tcp_running;
	struct xfr_pool *xfr;		/* transfer threads (xfr.c) */
	struct logsum *logsum;		/* client-provoked log lines,
					 * summarized (logsum.h); for the
					 * life of the process */
	struct notify_state *notify;	/* kept across SIGHUP (notify.c) */
	struct rrl *rrl;		/* UDP rate limiting (rrl.c), or NULL */
	/* The access policy (access.h), or NULL: made by server_start(),
	 * which hands the previous one's quota counts on; freed by
	 * server_close().  acc: counts per UDP worker, TCP's last; made by
	 * server_start(), reported and freed by server_stop(). */
	struct access *access;
	struct access_counts *acc;
	pthread_t notify_thread;
	int notify_running;
	int wake_fd;			/* eventfd: readable means stop */
	atomic_int stop;
};

/*
 * Open every socket for cfg with nworkers UDP sockets per endpoint.
 * Returns 0 or DNSBL_EIO (eb says which endpoint and why).
 */
int server_bind(struct server *sv, const struct dnsbl_config *cfg,
    unsigned nworkers, struct errbuf *eb);

/* Start the threads.  0, or DNSBL_EIO (nothing left running). */
int server_start(struct server *sv);

/* Wake every thread and wait for it to finish its batch and exit. */
void server_stop(struct server *sv);

/* Close every socket (after server_stop()). */
void server_close(struct server *sv);

/* The UDP worker and TCP thread bodies (server.c, tcp.c). */
void *udp_worker_main(void *arg);
void *tcp_main(void *arg);

/* Close the open TCP connections (tcp.c); server_close() calls it. */
void tcp_free(struct server *sv);

/* The NOTIFY thread body, and its state's release (notify.c). */
void *notify_main(void *arg);
void notify_free(struct server *sv);

#endif

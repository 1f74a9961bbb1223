/*
 * server.h -- dnsbld's sockets and threads.
 *
 * One struct server per process, owned by main.c.  server_bind() opens, for
 * every `listen` endpoint, one UDP socket per worker (SO_REUSEPORT, so the
 * kernel spreads queries over them) and one TCP listening socket; they stay
 * open for the life of the process, including across SIGHUP.
 * server_start() runs the UDP worker threads, the TCP thread, the zone
 * transfer threads (xfr.c, which the TCP thread hands AXFR/IXFR
 * connections to) and the NOTIFY thread (notify.c) over the generation
 * sv->g (gen.h: config, store, zones, rate limiting, access policy);
 * server_stop() wakes and joins them all.
 *
 * SIGHUP swaps the generation under running UDP workers: server_swap()
 * stops the TCP, transfer and NOTIFY threads (the "side threads"; TCP
 * connections stay open and queries wait in their sockets), points sv->g
 * at the new generation, starts them again, and publishes the generation
 * to the workers, which move to it between two batches and never stop
 * answering.  It returns the old generation once no worker can use it.
 *
 * Each thread owns one store_reader, created and freed by the thread
 * itself (a worker makes a new one on each move), and renews its snapshot
 * once per batch of packets.
 */
#ifndef DNSBLD_SERVER_H
#define DNSBLD_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "rrl.h"
#include "stats.h"

struct dnsbl_config;
struct gen;
struct errbuf;
struct server;
struct tcp_state;
struct xfr_pool;
struct notify_state;
struct logsum;
struct control;
struct metrics;
struct xdp_queue;
struct xdp_ctx;

/* What one UDP worker owns. */
struct worker {
	struct server *sv;
	unsigned id;
	int *fds;			/* one per listen endpoint */
	pthread_t thread;
	int running;
	struct rrl_worker rrl;		/* its rate limiting counters */
	/* The generation it answers from: set by the worker when it moves
	 * (after it let go of the one before), read by server_swap(). */
	_Atomic(struct gen *) using;
	struct xdp_queue *xq;		/* its AF_XDP queue (xdp.h), or NULL */
};

struct server {
	/* The side threads' generation, and the newest: changed only by
	 * server_swap(), or by main.c between server_stop() and
	 * server_start().  Owned by main.c. */
	struct gen *g;
	/* The generation the workers are to move to (server_swap()). */
	_Atomic(struct gen *) live;

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
	pthread_t notify_thread;
	int notify_running;
	/* Stop: the side threads', and the UDP workers' own. */
	int wake_fd;			/* eventfd: readable means stop */
	atomic_int stop;
	int wwake_fd;
	atomic_int wstop;
	/* The counters (stats.h): for the life of the process. */
	struct stats stats;
	/* Who reads them: the control socket (control.h) and the
	 * Prometheus endpoint (metrics.h), or NULL; opened by
	 * server_bind(), their threads started once by server_start(),
	 * closed by server_close(). */
	struct control *control;
	struct metrics *metrics;
	struct xdp_ctx *xdp;		/* the AF_XDP path (xdp.h), or NULL */
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

/*
 * Move the running server to the generation ng (its access counts sized
 * for nworkers + 1 threads): see above.  *paused_ms is how long the side
 * threads were stopped.  Returns the old generation, which no thread uses
 * any more (the caller frees it); fatal if the side threads cannot start.
 */
struct gen *server_swap(struct server *sv, struct gen *ng, double *paused_ms);

/* Close every socket (after server_stop()). */
void server_close(struct server *sv);

/*
 * Fill v's UDP fields (stats.h) from the kernel's counters of every UDP
 * socket (SO_MEMINFO): what was dropped for a full receive buffer, what
 * waits, and the buffer's size.  Safe while the workers run: the sockets
 * stay open from server_bind() to server_close().
 */
void server_udp_view(const struct server *sv, struct stats_view *v);

/* The UDP worker and TCP thread bodies (server.c, tcp.c). */
void *udp_worker_main(void *arg);
void *tcp_main(void *arg);

/* Close the open TCP connections (tcp.c); server_close() calls it. */
void tcp_free(struct server *sv);

/* The NOTIFY thread body, and its state's release (notify.c). */
void *notify_main(void *arg);
void notify_free(struct server *sv);

#endif

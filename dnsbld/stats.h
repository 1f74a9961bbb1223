/*
 * stats.h -- dnsbld's counters: queries, answers, transfers and NOTIFYs,
 * per zone, counted by the threads that do the work and summed when read
 * (the control socket, control.h; the Prometheus endpoint, metrics.h).
 *
 * Layout.  Counters live in a struct stats_gen that belongs to one
 * generation (gen.h): a block of nzones + 1 struct stats_zone per counting
 * thread, indexed by the zone's index in that generation's config; the
 * last one, STATS_NOZONE, is the pseudo-zone "-" of the queries that match
 * no configured zone (and of malformed ones).  Each thread's block starts
 * on its own cache line and is written by that thread alone, with a
 * relaxed atomic load and store (no locked read-modify-write): the hot
 * path shares no cache line with another thread, and a reader may sum the
 * blocks while they are written without a data race.
 *
 * Threads: the UDP workers are 0..nworkers-1, then the TCP thread, the
 * NOTIFY thread and the XFR_THREADS transfer threads (stats_tid_*()).
 *
 * Reloads.  A generation's zones are its own (a zone's index means
 * nothing across configs), so the counts are kept by zone name across
 * generations: when a generation is freed (gen_free(), once no thread
 * can use it) its counts are added to the by-name totals of struct
 * stats, which outlives every generation.  A reader adds the totals and
 * the blocks of the generations still alive (at most two during a
 * reload), matched by name.  A zone dropped from the config keeps its
 * counts, so every counter only ever grows.
 *
 * Locking.  struct stats's mutex guards its list of live generations,
 * the totals and the reload record; the counting threads never take it.
 * The main thread takes it to add (stats_gen_attach()) and retire
 * (stats_gen_retire()) a generation; the readers take it for the whole
 * of stats_read(), so a generation they look at cannot be freed under
 * them.  The zones, serials and store size they show are those of
 * `serving`, the generation the threads run: set by server_start() and
 * server_swap(), cleared by server_stop() (before main.c may close a
 * store), each under the mutex.
 *
 * Memory: (nzones + 1) * sizeof(struct stats_zone) (208 bytes) per
 * thread and live generation: 2 MB a thread for 10,000 zones.
 *
 * Built with -DDNSBL_NO_STATS, stats_inc() does nothing (for `make bench`
 * to measure what counting costs).
 */
#ifndef DNSBLD_STATS_H
#define DNSBLD_STATS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fastidx.h"

struct gen;
struct query;
struct zctx;
struct zoneset;

enum stats_ctr {
	/* queries, by transport and by QTYPE */
	SC_UDP, SC_TCP,
	SC_QT_A, SC_QT_TXT, SC_QT_ANY, SC_QT_OTHER,
	/* answers, by outcome (one each; truncated wins over the rcode) */
	SC_LISTED,		/* NOERROR with records below the apex */
	SC_APEX,		/* NOERROR with records at the apex */
	SC_NODATA,		/* NOERROR, no answer records */
	SC_NXDOMAIN, SC_REFUSED, SC_FORMERR, SC_NOTIMP, SC_BADVERS,
	SC_SERVFAIL,
	SC_NOTAUTH,		/* a bad TSIG */
	SC_TRUNCATED,		/* TC set */
	SC_DROPPED,		/* no answer sent (rate limited, or none) */
	/* transfers, by kind and result */
	SC_AXFR_OK, SC_AXFR_REFUSED, SC_AXFR_FAILED,
	SC_IXFR_OK, SC_IXFR_REFUSED, SC_IXFR_FAILED,
	/* NOTIFY messages */
	SC_NOTIFY_SENT, SC_NOTIFY_FAILED,
	SC_N
};

/* The first counter of each group, and their names (stats.c). */
#define SC_QT_FIRST	SC_QT_A
#define SC_OUT_FIRST	SC_LISTED
#define SC_XFR_FIRST	SC_AXFR_OK
extern const char *const stats_ctr_name[SC_N];

enum { STATS_XFR_OK, STATS_XFR_REFUSED, STATS_XFR_FAILED };

struct stats_zone {
	_Atomic uint64_t c[SC_N];
};

struct stats_gen {
	struct stats *owner;
	size_t nzones;			/* the config's, without "-" */
	unsigned nthreads;
	size_t stride;			/* entries per thread (cache lines) */
	struct stats_zone *blk;		/* nthreads * stride */
	char **names;			/* nzones copies of the zone names */
	struct stats_gen *next;		/* in owner's live list */
};

#define STATS_NOZONE(sg)	((sg) != NULL ? (sg)->nzones : 0)
#define STATS_NONAME		"-"

/* A zone's summed counts (stats_read()). */
struct stats_entry {
	char *name;
	uint64_t c[SC_N];
};

struct stats {
	pthread_mutex_t mu;
	struct stats_gen *live;		/* newest first */
	const struct gen *serving;	/* whose state stats_read() shows:
					 * the running one, or NULL while
					 * the server is stopped */
	struct stats_entry *tot;	/* retired counts, sorted by name */
	size_t ntot;
	unsigned nthreads;
	time_t started;
	time_t reload_at;		/* 0: never */
	int reload_ok;
	uint64_t nreloads;		/* attempts */
	uint64_t nreload_fail;
};

static inline unsigned
stats_tid_tcp(unsigned nworkers)
{
	return nworkers;
}

static inline unsigned
stats_tid_notify(unsigned nworkers)
{
	return nworkers + 1;
}

static inline unsigned
stats_tid_xfr(unsigned nworkers, unsigned i)
{
	return nworkers + 2 + i;
}

/*
 * The block of thread tid for zone (STATS_NOZONE for none).  A generation
 * without counters (sg NULL: one a test or fuzz target made by hand)
 * gives NULL, which stats_inc() and the functions below ignore.
 */
static inline struct stats_zone *
stats_at(const struct stats_gen *sg, unsigned tid, size_t zone)
{
	return sg != NULL ? &sg->blk[(size_t)tid * sg->stride + zone] : NULL;
}

static inline void
stats_inc(struct stats_zone *z, enum stats_ctr c)
{
#ifndef DNSBL_NO_STATS
	if (z != NULL)
		atomic_store_explicit(&z->c[c], atomic_load_explicit(
		    &z->c[c], memory_order_relaxed) + 1, memory_order_relaxed);
#else
	(void)z;
	(void)c;
#endif
}

/* 0 or DNSBL_ENOMEM; s counts for nthreads threads. */
int stats_init(struct stats *s, unsigned nthreads);
void stats_fini(struct stats *s);

/*
 * Give g its counters (main thread, before any thread can see g).
 * 0 or DNSBL_ENOMEM.  A generation that has them keeps them.
 */
int stats_gen_attach(struct stats *s, struct gen *g);

/* Add sg's counts to the totals and free it (gen_free()).  NULL: nothing. */
void stats_gen_retire(struct stats_gen *sg);

/* The generation the threads run now, or NULL (server.c). */
void stats_serving(struct stats *s, const struct gen *g);

/* A reload was tried (main thread): ok or not. */
void stats_reloaded(struct stats *s, int ok);

/*
 * The zone index of the question of q (parsed, has_question) in zs, or
 * STATS_NOZONE(sg).
 */
size_t stats_zone_of(const struct stats_gen *sg, const struct zoneset *zs,
    const struct query *q);

/*
 * Count, for thread tid, one query q (parsed; a malformed one counts
 * under "-") and its answer (ans, alen bytes; alen 0: none was sent):
 * the transport (tcp), the QTYPE, and the outcome read from the answer's
 * header.  NOERROR with answer records is "listed" below a zone's apex
 * (in-zone name server glue included) and "apex" at it.
 */
void stats_answer(const struct stats_gen *sg, unsigned tid,
    const struct zoneset *zs, const struct query *q, int tcp,
    const uint8_t *ans, size_t alen);

/*
 * stats_answer() for a query whose zone the caller has found already: zc
 * is what zoneset_find() gives for q's name (NULL: no zone, or no
 * question).  The UDP batch has it from respond_hint().
 */
void stats_answer_zone(const struct stats_gen *sg, unsigned tid,
    const struct zctx *zc, const struct query *q, int tcp,
    const uint8_t *ans, size_t alen);

/* Count a transfer of zone: qtype T_AXFR or T_IXFR, result STATS_XFR_*. */
static inline void
stats_xfr(struct stats_zone *z, int ixfr, int result)
{
	stats_inc(z, (enum stats_ctr)((ixfr ? SC_IXFR_OK : SC_AXFR_OK) +
	    result));
}

/* Count the query q alone (a transfer handed to a transfer thread). */
void stats_query(const struct stats_gen *sg, unsigned tid,
    const struct zoneset *zs, const struct query *q, int tcp);

/*
 * A transfer request q answered with ans (alen bytes) without a transfer
 * (over UDP, or refused by the TCP thread): counted as a transfer
 * refused (REFUSED, NOTAUTH), ok (an IXFR's SOA over UDP), or failed.
 */
void stats_xfr_answer(const struct stats_gen *sg, unsigned tid,
    const struct zoneset *zs, const struct query *q, const uint8_t *ans,
    size_t alen);

/* What a reader gets: the summed counts and the server's state. */
struct stats_zinfo {
	char *name;
	uint32_t serial;
	int have_serial;
};

struct stats_view {
	struct stats_entry *e;		/* every zone ever counted, by name */
	size_t n;
	struct stats_zinfo *z;		/* the zones served now, in order */
	size_t nz;
	time_t now, started, reload_at;
	int reload_ok;
	uint64_t nreloads, nreload_fail;
	uint64_t store_bytes;
	unsigned workers;
	char *config;			/* the config file served */
	/* The in-memory copy of the served tables (fastidx.h). */
	int have_mi;			/* a builder runs */
	int mi_current;			/* its copy is the store's newest */
	struct fastidx_stats mi;
	/* The UDP sockets, read from the kernel (server_udp_view()). */
	int have_udp;			/* 0: not read (no server) */
	uint64_t udp_drops;		/* datagrams dropped before dnsbld read
					 * them (receive buffer full), summed */
	uint64_t udp_queued;		/* bytes waiting in them now */
	uint64_t udp_rcvbuf;		/* the smallest socket's receive
					 * buffer, bytes as the kernel counts */
};

/*
 * Sum the counters and read the serving state (zones, serials, store
 * size) of the newest generation.  nworkers for the view.  0 or
 * DNSBL_ENOMEM; stats_view_free() after.
 */
int stats_read(struct stats *s, unsigned nworkers, struct stats_view *v);
void stats_view_free(struct stats_view *v);

/* The sum of counter c over every zone of v. */
uint64_t stats_view_total(const struct stats_view *v, enum stats_ctr c);

#endif

/*
 * gen.h -- one generation of dnsbld's serving state: a config, the store
 * opened for it, its rendered zones, its rate limiting table and its
 * access policy with the threads' counts.  Everything a query is answered
 * from, taken as one, so that an answer never mixes two configs (a zone's
 * index means nothing across configs).
 *
 * A SIGHUP makes a new generation while the UDP workers answer from the
 * old one; server_swap() (server.h) publishes it, and each worker moves to
 * it between two batches.  The old generation is freed once no thread can
 * use it again.
 *
 * Ownership: gen_new() takes cfg, the store and the zoneset on success
 * (the caller keeps them on failure); gen_free() releases all of it.  A
 * generation is not changed after gen_new() returns, except its counts
 * (one struct access_counts per thread, written only by that thread), so
 * threads share it freely.  gen_new() and gen_free() run on the main
 * thread only.
 */
#ifndef DNSBLD_GEN_H
#define DNSBLD_GEN_H

struct dnsbl_config;
struct store;
struct zoneset;
struct rrl;
struct access;
struct access_counts;
struct stats_gen;
struct fastidx;

struct gen {
	struct dnsbl_config *cfg;
	struct store *store;
	struct zoneset *zs;
	struct rrl *rrl;		/* UDP rate limiting, or NULL */
	struct access *access;		/* the access policy, or NULL */
	struct access_counts *acc;	/* per thread: nthreads, or NULL */
	unsigned nthreads;
	struct stats_gen *st;		/* its counters (stats.h), given by
					 * the server before it runs g */
	struct fastidx *fast;		/* the UDP workers' copy of the
					 * served tables (fastidx.h), or NULL */
};

/*
 * A generation of cfg, st and zs for nthreads counting threads (the UDP
 * workers and the TCP thread).  prev (or NULL) is the generation it will
 * replace: the new one shares its rate limiting buckets (when the table
 * keeps its size) and its access quota counts, and prev stays usable.
 * Logs the rate limiting and access settings.  Starts the builder of the
 * in-memory copy of the served tables (fastidx.h) with a slot per
 * thread; without it (no thread) the workers answer from the store.
 * Returns 0 or DNSBL_ENOMEM.
 */
int gen_new(struct gen *prev, struct dnsbl_config *cfg, struct store *st,
    struct zoneset *zs, unsigned nthreads, struct gen **out);

/*
 * Close g's store, and stop the builder of its copy first (it reads the
 * store); the workers must be stopped.  gen_store_reopen() gives g a
 * store again (opened by the caller, taken) and restarts the builder.
 */
void gen_store_close(struct gen *g);
void gen_store_reopen(struct gen *g, struct store *st);

/* Log the access counts, retire its counters (stats.h), and free g and all it holds (NULL: nothing). */
void gen_free(struct gen *g);

#endif

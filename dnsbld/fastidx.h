/*
 * fastidx.h -- keeps a copy of the served tables in memory (memidx.h)
 * as new as the store, for the UDP workers, and frees old copies once no
 * worker can hold them.
 *
 * A builder thread looks at the store's newest committed transaction
 * (store_last_txnid()) when it starts, when a worker found the copy older
 * than the store (fastidx_enter() kicks it, once a look), and else every
 * FASTIDX_IDLE_MS; so an idle server's builder wakes once a second, not
 * hundreds of times.  When the copy is older it takes a new one in one
 * read transaction, publishes it, and drops the pages it walked from the
 * process's mappings (store_serve_release()), so the copy does not cost
 * RSS twice.  After a build of d milliseconds it waits at least 3d before
 * the next look, so that a store written without a pause costs the
 * builder a quarter of a core at most; after a failed build, a second.
 *
 * Freshness: a worker uses the copy for a batch only when the copy's
 * transaction is the store's newest (fastidx_enter()).  Otherwise it
 * answers that batch from the store, as it would without a copy: a commit
 * is answered by the next query either way, and the copy only saves time.
 *
 * Reclamation: each worker slot has a counter, odd while the worker is
 * inside a batch.  The builder frees the copy it replaced only after it
 * saw every slot's counter even, or changed: a worker that read the old
 * pointer did so inside a batch that has since ended.
 *
 * Ownership: fastidx_start() returns a struct the caller owns; it stops
 * the thread and frees every copy in fastidx_stop().  The store must stay
 * open until then.  A slot is used by one thread at a time.
 */
#ifndef DNSBLD_FASTIDX_H
#define DNSBLD_FASTIDX_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct memidx;
struct fastidx;

#define FASTIDX_IDLE_MS 1000

/* What fastidx_info() reports. */
struct fastidx_stats {
	uint64_t builds;		/* copies taken */
	uint64_t txnid;			/* the current copy's, 0 for none */
	uint64_t entries;		/* its intervals */
	uint64_t bytes;			/* its memory */
	double last_ms;			/* the last build's time */
	uint64_t failures;		/* builds that failed */
};

/*
 * Start the builder for st (nzones zones) with nslots worker slots,
 * looking at the store every idle_ms when no worker kicks it (0:
 * FASTIDX_IDLE_MS; a test sets it long, to see that kicks alone keep the
 * copy current).  Returns 0 (*out set), DNSBL_ENOMEM or DNSBL_EIO (no
 * thread).
 */
int fastidx_start(struct store *st, size_t nzones, unsigned nslots,
    unsigned idle_ms, struct fastidx **out);

/* Stop the builder and free everything (NULL: nothing).  No slot may be
 * inside a batch. */
void fastidx_stop(struct fastidx *fx);

/*
 * Slot's worker begins a batch: returns the copy to answer it from, or
 * NULL when there is none as new as the store (and then kicks the
 * builder, unless another worker has since its last look: a mutex taken
 * once a commit, not once a batch).  Always pair with fastidx_leave(),
 * even after NULL.
 */
const struct memidx *fastidx_enter(struct fastidx *fx, unsigned slot);
void fastidx_leave(struct fastidx *fx, unsigned slot);

/* A snapshot of the builder's counters (any thread). */
void fastidx_info(struct fastidx *fx, struct fastidx_stats *out);

#endif

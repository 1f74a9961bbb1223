/*
 * fastidx.c -- the builder of the in-memory copy of the served tables and
 * its reclamation (fastidx.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "fastidx.h"
#include "hugemem.h"
#include "log.h"
#include "memidx.h"
#include "store.h"

/* A worker's counter, alone in its cache line. */
struct slot {
	_Alignas(64) atomic_uint seq;
};

struct fastidx {
	struct store *st;
	size_t nzones;
	unsigned nslots;
	double idle_ms;			/* the look without a kick */
	struct slot *slots;
	_Atomic(struct memidx *) cur;
	pthread_t thread;
	pthread_mutex_t mu;		/* guards stop and the counters */
	pthread_cond_t cv;		/* stop, or a worker's kick */
	int stop;
	atomic_int kicked;		/* a worker found the copy old */
	struct fastidx_stats stats;
};

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct build_arg {
	size_t nzones;
	uint64_t want;			/* the newest commit seen */
	int lagged;			/* the snapshot was older: no copy */
	struct memidx *m;
};

static int
build_txn(struct store_txn *t, void *arg)
{
	struct build_arg *b = arg;
	int rc;

	/*
	 * LMDB shows a commit's meta page (store_last_txnid()) a moment
	 * before new read transactions get its snapshot: a worker may kick
	 * in that moment.  A copy of the older snapshot would be stale at
	 * once, so take none; the builder looks again shortly.
	 */
	if (store_txn_id(t) < b->want) {
		b->lagged = 1;
		return 0;
	}
	(void)store_serve_willneed(t);	/* the whole table is read */
	if ((rc = memidx_build(t, b->nzones, &b->m)) != 0)
		return rc;
	/* The walk mapped the table's pages: let them go again. */
	(void)store_serve_release(t);
	return 0;
}

/* Wait until no slot can still hold a copy read before now. */
static void
quiesce(struct fastidx *fx)
{
	struct timespec ms = { 0, 200000 };
	unsigned i, s;

	for (i = 0; i < fx->nslots; i++) {
		s = atomic_load(&fx->slots[i].seq);
		if (!(s & 1))
			continue;
		while (atomic_load(&fx->slots[i].seq) == s)
			nanosleep(&ms, NULL);
	}
}

/*
 * Sleep up to ms, or until stopped, or (kickable) until a worker kicks:
 * 1 when stopped.  The kick is looked at under the mutex before each
 * wait, and a worker sets it before it signals under the mutex, so no
 * kick is lost between the two.
 */
static int
nap(struct fastidx *fx, double ms, int kickable)
{
	struct timespec ts;
	int stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)((ms - (double)(long)(ms / 1000) * 1000) * 1e6);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&fx->mu);
	while (!fx->stop && !(kickable && atomic_load(&fx->kicked)) &&
	    pthread_cond_timedwait(&fx->cv, &fx->mu, &ts) != ETIMEDOUT)
		;
	stop = fx->stop;
	pthread_mutex_unlock(&fx->mu);
	return stop;
}

static void *
builder_main(void *arg)
{
	struct fastidx *fx = arg;
	struct build_arg b;
	struct memidx *old;
	double t0, took, rest = 0;
	uint64_t last;
	int rc, first = 1;

	/* The first look at once; then after a worker's kick, or after
	 * idle_ms, and never sooner than rest after the last. */
	for (;;) {
		if (rest > 0 && nap(fx, rest, 0))
			break;
		if (!first && nap(fx, fx->idle_ms, 1))
			break;
		first = 0;
		rest = 0;
		/* Cleared before the look, so that a commit after the look
		 * is kicked again. */
		atomic_store(&fx->kicked, 0);
		last = store_last_txnid(fx->st);
		old = atomic_load(&fx->cur);
		if (last == 0) {	/* nothing committed yet */
			rest = fx->idle_ms;
			continue;
		}
		if (old != NULL && old->txnid == last)
			continue;
		t0 = mono_ms();
		b.nzones = fx->nzones;
		b.want = last;
		b.lagged = 0;
		b.m = NULL;
		rc = store_read(fx->st, build_txn, &b, NULL);
		took = mono_ms() - t0;
		if (rc == 0 && b.lagged) {
			rest = 1;
			atomic_store(&fx->kicked, 1);	/* look again */
			continue;
		}
		pthread_mutex_lock(&fx->mu);
		if (rc != 0) {
			if (fx->stats.failures++ == 0)
				log_warnx("memory index: %s; answering from "
				    "the store", dnsbl_strerror(rc));
		} else {
			fx->stats.builds++;
			fx->stats.txnid = b.m->txnid;
			fx->stats.entries = b.m->entries;
			fx->stats.bytes = b.m->bytes;
			fx->stats.last_ms = took;
		}
		pthread_mutex_unlock(&fx->mu);
		if (rc != 0) {
			rest = 1000;
			continue;
		}
		old = atomic_exchange(&fx->cur, b.m);
		if (old != NULL) {
			quiesce(fx);
			memidx_free(old);
		}
		rest = 3 * took;
	}
	return NULL;
}

int
fastidx_start(struct store *st, size_t nzones, unsigned nslots,
    unsigned idle_ms, struct fastidx **out)
{
	struct fastidx *fx;
	int rc;

	*out = NULL;
	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return DNSBL_ENOMEM;
	fx->st = st;
	fx->nzones = nzones;
	fx->nslots = nslots;
	fx->idle_ms = idle_ms ? idle_ms : FASTIDX_IDLE_MS;
	fx->slots = aligned_alloc(64, (nslots ? nslots : 1) *
	    sizeof(*fx->slots));
	if (fx->slots == NULL) {
		free(fx);
		return DNSBL_ENOMEM;
	}
	memset(fx->slots, 0, (nslots ? nslots : 1) * sizeof(*fx->slots));
	atomic_init(&fx->cur, NULL);
	atomic_init(&fx->kicked, 0);
	pthread_mutex_init(&fx->mu, NULL);
	pthread_cond_init(&fx->cv, NULL);
	if ((rc = pthread_create(&fx->thread, NULL, builder_main, fx)) != 0) {
		errno = rc;
		log_warn("memory index: pthread_create");
		pthread_cond_destroy(&fx->cv);
		pthread_mutex_destroy(&fx->mu);
		free(fx->slots);
		free(fx);
		return DNSBL_EIO;
	}
	(void)pthread_setname_np(fx->thread, "dnsbld-memidx");
	*out = fx;
	return 0;
}

void
fastidx_stop(struct fastidx *fx)
{
	if (fx == NULL)
		return;
	pthread_mutex_lock(&fx->mu);
	fx->stop = 1;
	pthread_cond_signal(&fx->cv);
	pthread_mutex_unlock(&fx->mu);
	pthread_join(fx->thread, NULL);
	memidx_free(atomic_load(&fx->cur));
	pthread_cond_destroy(&fx->cv);
	pthread_mutex_destroy(&fx->mu);
	free(fx->slots);
	free(fx);
}

/*
 * Tell the builder that the copy is older than the store: once a look,
 * for the first worker that finds it so; the rest see the flag set and
 * go on.
 */
static void
kick(struct fastidx *fx)
{
	if (atomic_load_explicit(&fx->kicked, memory_order_relaxed) ||
	    atomic_exchange(&fx->kicked, 1))
		return;
	pthread_mutex_lock(&fx->mu);
	pthread_cond_signal(&fx->cv);
	pthread_mutex_unlock(&fx->mu);
}

HOT const struct memidx *
fastidx_enter(struct fastidx *fx, unsigned slot)
{
	struct memidx *m;

	if (fx == NULL || slot >= fx->nslots)
		return NULL;
	atomic_fetch_add(&fx->slots[slot].seq, 1);	/* odd: inside */
	m = atomic_load(&fx->cur);
	if (m == NULL || m->txnid != store_last_txnid(fx->st)) {
		kick(fx);
		return NULL;
	}
	return m;
}

HOT void
fastidx_leave(struct fastidx *fx, unsigned slot)
{
	if (fx == NULL || slot >= fx->nslots)
		return;
	atomic_fetch_add(&fx->slots[slot].seq, 1);	/* even: outside */
}

void
fastidx_info(struct fastidx *fx, struct fastidx_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (fx == NULL)
		return;
	pthread_mutex_lock(&fx->mu);
	*out = fx->stats;
	pthread_mutex_unlock(&fx->mu);
}

/*
 * test_fastidx.c -- the builder of the workers' in-memory copy
 * (dnsbld/fastidx.c) on a real store: the copy is taken at once when the
 * builder starts, and after a commit it is taken again because a worker
 * found it stale and kicked the builder, not because the builder looked
 * by itself (the builder here looks by itself once an hour, so a copy
 * that became current within the test's bound of 60 s was kicked).  A
 * second thread keeps entering and leaving batches on its own slot while
 * the main thread commits, so that the copies it may hold are freed only
 * once it has left them (run under ThreadSanitizer and ASan by `make
 * TSAN=1 test` and `make SANITIZE=1 test`).  Last, fastidx_stop() ends a
 * builder asleep in its hour-long wait.
 *
 *   TEST_SEED=N build/tests/test_fastidx
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "memidx.h"
#include "store.h"
#include "wire.h"
#include "../../dnsbld/fastidx.h"
#include "../../dnsbld/query.h"
#include "../../dnsbld/respond.h"
#include "../../dnsbld/zonectx.h"
#include "../tap.h"
#include "dnsmsg.h"
#include "teststore.h"
#include "memidxfix.h"

#define HOUR_MS		3600000u
#define WAIT_MS		60000		/* the bound on a kicked build */

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Enter and leave a batch on slot until the copy is the store's newest,
 * up to WAIT_MS: 1 when it became so.  The first stale look kicks.
 */
static int
wait_current(struct fastidx *fx, unsigned slot, struct store *st,
    uint64_t *txnid)
{
	const struct memidx *m;
	long waited;

	for (waited = 0; waited < WAIT_MS; waited += 5) {
		m = fastidx_enter(fx, slot);
		if (m != NULL && m->txnid == store_last_txnid(st)) {
			*txnid = m->txnid;
			fastidx_leave(fx, slot);
			return 1;
		}
		fastidx_leave(fx, slot);
		sleep_ms(5);
	}
	return 0;
}

/* The second worker: batches on slot 1, reading the copy's entries count
 * inside each, until told to stop. */
struct other {
	struct fastidx *fx;
	atomic_int stop;
	unsigned long batches, used;
	uint64_t sum;
};

static void *
other_main(void *arg)
{
	struct other *o = arg;
	const struct memidx *m;

	while (!atomic_load(&o->stop)) {
		if ((m = fastidx_enter(o->fx, 1)) != NULL) {
			o->sum += m->entries;	/* a read of the copy */
			o->used++;
		}
		fastidx_leave(o->fx, 1);
		o->batches++;
	}
	return NULL;
}

int
main(void)
{
	struct teststore ts;
	struct errbuf eb;
	struct fastidx *fx = NULL;
	struct fastidx_stats fs;
	struct change ch;
	struct other o;
	pthread_t th;
	uint64_t seed, txnid = 0, prev;
	unsigned round;
	int started = 0;

	seed = tap_seed("test_fastidx");
	rng = seed ? seed : 1;
	memset(&eb, 0, sizeof(eb));
	memset(&o, 0, sizeof(o));
	if (!ok(teststore_open(&ts, "  - name: relays.example\n"
	    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
	    "    ns: [ns1.relays.example]\n") == 0, "a store"))
		goto out;
	ch.delist = 0;
	ch.answers = 1;
	ch.n = 500;
	ok(store_write(ts.st, put_random, &ch, &eb) == 0, "list %u random "
	    "prefixes", ch.n);

	if (!ok(fastidx_start(ts.st, 1, 2, HOUR_MS, &fx) == 0, "the builder "
	    "starts, looking by itself once an hour"))
		goto out;
	ok(wait_current(fx, 0, ts.st, &txnid), "the first copy is taken at "
	    "once");
	fastidx_info(fx, &fs);
	ok(fs.builds == 1 && fs.txnid == txnid && fs.entries > 0,
	    "one build, of the store's newest commit (%llu entries)",
	    (unsigned long long)fs.entries);

	/*
	 * Commits with no other worker: the builder sleeps its hour, so the
	 * copy stays stale until the worker's first look kicks it.  Then
	 * commits while a second worker looks too: each commit still gives
	 * one build, not one for each worker that saw it stale.
	 */
	o.fx = fx;
	for (round = 0; round < 12; round++) {
		int cur;

		if (round == 4) {
			if (pthread_create(&th, NULL, other_main, &o) == 0)
				started = 1;
			ok(started, "a second worker enters and leaves "
			    "batches");
		}
		prev = txnid;
		ch.delist = round % 3 == 2;
		ch.n = 50 + rnd() % 200;
		if (!ok(store_write(ts.st, put_random, &ch, &eb) == 0,
		    "round %u: %s %u prefixes", round, ch.delist ? "delist" :
		    "list", ch.n))
			break;
		if (round < 4) {
			ok(fastidx_enter(fx, 0) == NULL, "round %u: the copy "
			    "is stale after the commit", round);
			fastidx_leave(fx, 0);
		}
		cur = wait_current(fx, 0, ts.st, &txnid);
		ok(cur && txnid > prev, "round %u: kicked, a new copy is "
		    "taken (txn %llu)", round, (unsigned long long)txnid);
	}
	fastidx_info(fx, &fs);
	ok(fs.builds == 1 + round && fs.failures == 0, "one build a commit "
	    "(%llu builds, %u commits)", (unsigned long long)fs.builds, round);
	if (started) {
		atomic_store(&o.stop, 1);
		pthread_join(th, NULL);
		ok(o.batches > 0, "the second worker ran %lu batches, %lu from "
		    "a copy", o.batches, o.used);
	}

	/* No commit, many looks: no build. */
	prev = fs.builds;
	for (round = 0; round < 1000; round++) {
		if (fastidx_enter(fx, 0) == NULL)
			break;
		fastidx_leave(fx, 0);
	}
	if (round < 1000)
		fastidx_leave(fx, 0);
	sleep_ms(50);
	fastidx_info(fx, &fs);
	ok(round == 1000 && fs.builds == prev, "without a commit every look "
	    "finds the copy current, and nothing is built");
out:
	fastidx_stop(fx);
	ok(1, "fastidx_stop() ends a builder in its hour-long wait");
	teststore_close(&ts);
	return tap_done();
}

/*
 * test_memidx_spill.c -- the in-memory copy (lib/memidx.h) at the edges of
 * its layouts: in three new stores, a line of the hashed IPv4 layout that
 * spills 1, 2 and 3 addresses (the last two out of hash order, so that a
 * spill left unsorted loses one), and IPv6 prefixes in the last bucket of
 * the sorted layout; each copy, at every bucket width, agrees with the
 * store (memidxfix.h's check_copy()).  Seeded, the seed printed.
 *
 *   TEST_SEED=N build/tests/test_memidx_spill
 */
#include <arpa/inet.h>
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
#include "../../dnsbld/query.h"
#include "../../dnsbld/respond.h"
#include "../../dnsbld/zonectx.h"
#include "../tap.h"
#include "dnsmsg.h"
#include "teststore.h"

#include "memidxfix.h"

/*
 * A line of the hashed IPv4 layout (top half of the hash 0xbeef) with n
 * addresses, so that n - MEMIDX_LSLOTS spill; the copy puts them in the
 * line and then the spill in address order, and sorts the spill by hash.
 * base is chosen (in main()) so that the last two addresses come in the
 * opposite order of their hashes: a spill of two left unsorted loses one.
 * Also IPv6: a /64 low in 2001:db8::/32 and, at its top, a /64 and one
 * address whose bits after the shared 32 are all set, so that they fall in
 * the last bucket of the sorted layout at any width.
 */
struct line_set {
	unsigned n;
	uint32_t base;
};

/* 1 if the two highest of line_set's addresses hash in falling order. */
static int
tail_swapped(uint32_t base, unsigned n)
{
	uint32_t x, a = 0, b = 0;	/* the highest two, a < b */
	unsigned i;

	for (i = 0; i < n; i++) {
		x = line_addr(0xbeef, base, i);
		if (x > b) {
			a = b;
			b = x;
		} else if (x > a)
			a = x;
	}
	return a * MEMIDX_HASH > b * MEMIDX_HASH;
}

static int
put_line(struct store_txn *t, void *arg)
{
	static const uint8_t v6[3][16] = {
	    { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 5 },
	    { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xff },
	    { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	      0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const unsigned len6[3] = { 64, 64, 128 };
	const struct line_set *ls = arg;
	struct entry e;
	uint32_t x;
	unsigned i;
	int rc;

	for (i = 0; i < ls->n; i++) {
		x = line_addr(0xbeef, ls->base, i);
		single4(&e, x);
		if ((rc = store_entry_put(t, 0, &e)) != 0)
			return rc;
	}
	for (i = 0; i < 3; i++) {
		memset(&e, 0, sizeof(e));
		prefix_make(&e.prefix, ADDR_V6, v6[i], len6[i]);
		e.state = ENTRY_LISTED;
		if ((rc = store_entry_put(t, 0, &e)) != 0)
			return rc;
	}
	return 0;
}

int
main(void)
{
	static struct at_width w1 = { 24, 16, NULL }, w2 = { 19, 24, NULL },
	    w3 = { MEMIDX_BITS_LINES, 0, NULL },
	    w4 = { 20, MEMIDX_BITS_LINES, NULL };
	static struct at_width *const widths[] = { &w1, &w2, &w3, &w4 };
	struct errbuf eb;
	uint64_t seed;
	unsigned i, round;

	seed = tap_seed("test_memidx_spill");
	rng = seed ? seed : 1;
	memset(&eb, 0, sizeof(eb));
	/* Spills of 1, 2 and 3 addresses, each alone in a new store, and
	 * IPv6 in the last bucket of the sorted layout. */
	for (round = 5; round < 8; round++) {
		struct teststore t2;
		struct store_reader *rd2 = NULL;
		struct line_set ls;

		ls.n = MEMIDX_LSLOTS + round - 4;
		for (ls.base = rnd(), i = 0; i < 1000 &&
		    !tail_swapped(ls.base, ls.n); i++)
			ls.base = rnd();
		if (!ok(teststore_open(&t2, "  - name: relays.example\n"
		    "    soa: {mname: ns1.relays.example, rname: "
		    "h.relays.example}\n    ns: [ns1.relays.example]\n") == 0 &&
		    store_reader_new(t2.st, &rd2) == 0, "round %u: a new "
		    "store", round))
			break;
		ok(store_write(t2.st, put_line, &ls, &eb) == 0, "round %u: "
		    "%u addresses of one hashed line, the last two hashing in "
		    "falling order; three IPv6 prefixes", round, ls.n);
		for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
			if (store_read(t2.st, build_at, (void *)widths[i],
			    &eb) != 0 || widths[i]->m == NULL)
				continue;
			if (widths[i]->bits4 == MEMIDX_BITS_LINES)
				is_int((long long)widths[i]->m->z[0].nspill,
				    round - 4, "round %u: %u spilled", round,
				    round - 4);
			check_copy(t2.st, rd2, t2.zs, widths[i]->m, round);
			memidx_free(widths[i]->m);
			widths[i]->m = NULL;
		}
		store_reader_free(rd2);
		teststore_close(&t2);
	}
	return tap_done();
}

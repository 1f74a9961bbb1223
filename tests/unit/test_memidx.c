/*
 * test_memidx.c -- the in-memory copy of the served IPv4 tables against
 * the store it was copied from.
 *
 * A real store gets random listings (single addresses and CIDRs, some of
 * them excluded, so that intervals split), seeded and the seed printed.
 * Then, for random addresses and every interval's edges, memidx_lookup4()
 * must agree with store_lookup(), and whole answers built by respond()
 * from the copy must be byte for byte those built from the store.  After
 * random changes the old copy is stale (its txnid is no longer the
 * store's newest) and a new one agrees again.  Each copy, at every bucket
 * width, counts the intervals the store serves.  test_memidx_spill.c tries
 * the layouts' edges; memidxfix.h has what both use.
 *
 *   TEST_SEED=N build/tests/test_memidx
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
 * 40 single addresses that hash to one line of the hashed layout (at its
 * 2^16 lines: a small store), more than the line holds, so that some go
 * to the spill.  x = h / MEMIDX_HASH (mod 2^32) for h of one top half.
 */
static int
put_colliding(struct store_txn *t, void *arg)
{
	uint32_t base = rnd();
	struct entry e;
	unsigned i;
	int rc;

	(void)arg;
	for (i = 0; i < 40; i++) {
		/* 40 different low halves, so 40 different addresses:
		 * drawn at random, two could be the same, and the line
		 * hold only 39. */
		single4(&e, line_addr(0xc0de, base, i));
		if ((rc = put_coded(t, &e, i % 3 == 0 ? 9 : 0)) != 0)
			return rc;
	}
	return 0;
}

/*
 * 20 single IPv6 addresses that hash to one bucket of the hashed IPv6
 * layout at its 2^14 buckets (a small store), more than the bucket holds,
 * so that some go to the spill: random addresses of 2001:db8:ff::/48
 * (apart from raddr6()'s, so that no listed prefix takes them in), kept
 * when their hash's top 14 bits are 0x2a5a.  Every third has an answer of
 * its own.
 */
/* The halves of the IPv6 address a. */
static void
halves6(const uint8_t *a, uint64_t *hi, uint64_t *lo)
{
	unsigned k;

	for (*hi = *lo = 0, k = 0; k < 8; k++) {
		*hi = *hi << 8 | a[k];
		*lo = *lo << 8 | a[8 + k];
	}
}

/*
 * An address of a6's bucket (at 2^14) and low half, with another high
 * half (of none of raddr6()'s prefixes), into twins6[]: a bucket's key
 * must be matched whole.
 */
static void
add_twin6(const uint8_t *a6)
{
	uint64_t hi, lo, h0, t;
	uint8_t *w = twins6[ntwins6];
	unsigned k, tries;

	halves6(a6, &hi, &lo);
	h0 = memidx_hash6(hi, lo) >> 50;
	for (tries = 0; tries < 1u << 22; tries++) {
		memcpy(w, a6, 16);
		for (k = 0; k < 8; k++)
			w[k] = (uint8_t)rnd();
		w[5] = 0xfe;
		halves6(w, &t, &lo);
		if (memidx_hash6(t, lo) >> 50 == h0) {
			ntwins6++;
			return;
		}
	}
}

static int
put_colliding6(struct store_txn *t, void *arg)
{
	struct entry e;
	uint64_t hi, lo;
	uint8_t a6[16];
	unsigned i;
	int rc;

	(void)arg;
	for (i = 0; i < 20; i++) {
		do {
			raddr6(a6);
			a6[4] = 0;
			a6[5] = 0xff;
			halves6(a6, &hi, &lo);
		} while (memidx_hash6(hi, lo) >> 50 != 0x2a5a);
		if (i % 2 == 0 && ntwins6 < 10)
			add_twin6(a6);
		memset(&e, 0, sizeof(e));
		prefix_make(&e.prefix, ADDR_V6, a6, 128);
		e.state = ENTRY_LISTED;
		if ((rc = put_coded(t, &e, i % 3 == 0 ? 10 : 0)) != 0)
			return rc;
	}
	return 0;
}

/* The intervals the store serves, both families, in zone 0. */
static int
count_served(struct store_txn *t, void *arg)
{
	uint64_t *n = arg, n4 = 0, n6 = 0;
	int rc;

	if ((rc = store_serve_count(t, 0, ADDR_V4, &n4)) != 0 ||
	    (rc = store_serve_count(t, 0, ADDR_V6, &n6)) != 0)
		return rc;
	*n = n4 + n6;
	return 0;
}

int
main(void)
{
	struct teststore ts;
	struct zoneset *zs;
	struct store *st;
	struct store_reader *rd = NULL;
	struct memidx *m = NULL, *m2 = NULL;
	struct change ch;
	struct errbuf eb;
	static struct at_width w1 = { 24, 16, NULL }, w2 = { 19, 24, NULL },
	    w3 = { MEMIDX_BITS_LINES, 0, NULL },
	    w4 = { 20, MEMIDX_BITS_LINES, NULL };
	static struct at_width *const widths[] = { &w1, &w2, &w3, &w4 };
	uint64_t seed, served;
	unsigned i, round;
	int rc;

	seed = tap_seed("test_memidx");
	rng = seed ? seed : 1;
	memset(&eb, 0, sizeof(eb));
	if (!ok(teststore_open(&ts, "  - name: relays.example\n"
	    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
	    "    ns: [ns1.relays.example]\n") == 0, "a store"))
		goto out;
	zs = ts.zs;
	st = ts.st;
	ok(store_reader_new(st, &rd) == 0, "reader");

	ok(store_read(st, build, &m, &eb) == 0 && m != NULL,
	    "a copy of an empty store");
	{
		struct at_width bad[] = { { 15, 0, NULL }, { 0, 25, NULL } };

		for (i = 0; i < 2; i++)
			is_int(store_read(st, build_at, &bad[i], &eb),
			    DNSBL_EINVAL, "bucket widths %u/%u are refused",
			    bad[i].bits4, bad[i].bits6);
	}
	if (m != NULL) {
		is_int((long long)m->entries, 0, "it has no intervals");
		ok(m->txnid == store_last_txnid(st), "it is as new as the "
		    "store");
	}

	for (round = 0; round < 5; round++) {
		ch.delist = round == 2;
		ch.answers = round >= 1;
		ch.n = round == 2 ? NENT / 3 : NENT;
		if (round == 4) {	/* the hashed layouts' spills */
			ok(store_write(st, put_colliding, NULL, &eb) == 0,
			    "round %u: list 40 addresses of one hashed line",
			    round);
			ok(store_write(st, put_colliding6, NULL, &eb) == 0,
			    "round %u: list 20 IPv6 addresses of one hashed "
			    "bucket", round);
		} else
			ok(store_write(st, put_random, &ch, &eb) == 0,
			    "round %u: %s %u random prefixes", round,
			    ch.delist ? "delist" : "list", ch.n);
		if (m != NULL)
			ok(m->txnid != store_last_txnid(st), "round %u: the "
			    "old copy is stale after the commit", round);
		ok(store_read(st, build, &m2, &eb) == 0 && m2 != NULL,
		    "round %u: a new copy", round);
		if (m2 == NULL)
			break;
		memidx_free(m);
		m = m2;
		m2 = NULL;
		ok(m->txnid == store_last_txnid(st), "round %u: the new "
		    "copy is current", round);
		store_reader_begin(rd);
		is_int(m->z[0].serial, store_reader_serial(rd, 0),
		    "round %u: the copy's serial is the store's", round);
		store_reader_end(rd);
		check_copy(st, rd, zs, m, round);
		/* The same store at other bucket widths: the widest leave
		 * most buckets empty, the narrowest fill them. */
		for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
			ok(store_read(st, build_at, (void *)widths[i], &eb) ==
			    0 && widths[i]->m != NULL, "round %u: a copy with "
			    "%u-bit IPv4 and %u-bit IPv6 buckets", round,
			    widths[i]->bits4, widths[i]->bits6);
			if (widths[i]->m == NULL)
				continue;
			if (widths[i]->bits4 == MEMIDX_BITS_LINES) {
				ok(widths[i]->m->z[0].lines != NULL &&
				    widths[i]->m->z[0].single == NULL,
				    "round %u: in hashed lines (%zu spilled)",
				    round, widths[i]->m->z[0].nspill);
				if (round == 4)
					ok(widths[i]->m->z[0].nspill >= 9,
					    "round %u: a full line spills",
					    round);
				ok((widths[i]->m->z[0].lans != NULL) ==
				    (round >= 1), "round %u: answers kept "
				    "apart only when a listing has its own",
				    round);
			} else
				is_int(widths[i]->m->z[0].bits4,
				    widths[i]->bits4, "round %u: its IPv4 "
				    "width", round);
			if (widths[i]->bits6 == MEMIDX_BITS_LINES) {
				const struct memidx_zone *z =
				    &widths[i]->m->z[0];

				ok(z->lines6 != NULL && z->l6bits == 14 &&
				    z->nsingle6 > 0, "round %u: single IPv6 "
				    "addresses (%zu) in 2^%u hashed buckets "
				    "(%zu spilled), %zu wider intervals apart",
				    round, z->nsingle6, z->l6bits, z->nspill6,
				    z->n6);
				if (round == 4)
					ok(z->nspill6 >= 13 && ntwins6 == 10,
					    "round %u: a full IPv6 bucket "
					    "spills (and 10 addresses of its "
					    "listed ones' low halves are asked)",
					    round);
				ok((z->lans6 != NULL) == (round >= 1),
				    "round %u: IPv6 answers kept apart only "
				    "when a listing has its own", round);
			} else
				ok(widths[i]->m->z[0].lines6 == NULL,
				    "round %u: no hashed IPv6 buckets at "
				    "%u-bit IPv6 buckets", round,
				    widths[i]->bits6);
			check_copy(st, rd, zs, widths[i]->m, round);
			served = 0;
			rc = store_read(st, count_served, &served, &eb);
			ok(rc == 0 && widths[i]->m->entries == served,
			    "round %u: the copy counts the %llu intervals "
			    "served (%llu)", round, (unsigned long long)served,
			    (unsigned long long)widths[i]->m->entries);
			memidx_free(widths[i]->m);
			widths[i]->m = NULL;
		}
	}
out:
	memidx_free(m);
	store_reader_free(rd);
	teststore_close(&ts);
	return tap_done();
}

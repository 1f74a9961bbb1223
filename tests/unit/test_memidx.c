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
 * width, counts the intervals the store serves.  Last, three new stores
 * whose hashed line spills 1, 2 and 3 addresses (the last two out of hash
 * order) and whose IPv6 prefixes fall in the sorted layout's last bucket.
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

#define NENT	3000
#define NASK	20000

static uint64_t rng;
static uint8_t twins6[10][16];	/* unlisted, each of a listed one's bucket
				 * and low half (put_colliding6()) */
static unsigned ntwins6;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* Addresses bunch in a few /8s, so that intervals meet and split. */
static uint32_t
raddr(void)
{
	static const uint32_t nets[] = { 0x0a000000, 0xc0000200, 0xc6330000,
	    0x7f000000, 0xffff0000 };

	return nets[rnd() % 5] | (rnd() & 0x0003ffff);
}

/*
 * IPv6 addresses in 2001:db8::/32, bunched in 2001:db8::/46, so that the
 * copy's buckets (after the shared prefix) are narrow and /48s, /56s and
 * /64s span many of them.
 */
static void
raddr6(uint8_t *a)
{
	static const uint8_t net[4] = { 0x20, 0x01, 0x0d, 0xb8 };
	int i;

	memcpy(a, net, 4);
	for (i = 4; i < 16; i++)
		a[i] = (uint8_t)rnd();
	a[4] = 0;
	a[5] = (uint8_t)(rnd() % 4);
	if (rnd() % 2)
		a[6] = a[7] = 0;
}

struct change {
	int delist;			/* else list */
	int answers;			/* some listings with their own */
	unsigned n;
};

static int
put_random(struct store_txn *t, void *arg)
{
	struct change *ch = arg;
	struct entry e;
	unsigned i;
	int rc;

	for (i = 0; i < ch->n; i++) {
		memset(&e, 0, sizeof(e));
		e.prefix.family = ADDR_V4;
		switch (rnd() % 10) {
		case 0: e.prefix.len = 24; break;
		case 1: e.prefix.len = 28; break;
		case 2: e.prefix.len = 20; break;
		default: e.prefix.len = 32; break;
		}
		uint32_t a = raddr() & (e.prefix.len == 32 ? 0xffffffffu :
		    ~(0xffffffffu >> e.prefix.len));
		a = htonl(a);
		memcpy(e.prefix.addr, &a, 4);
		if (ch->delist)
			e.state = ENTRY_DELISTED;
		else
			e.state = rnd() % 8 == 0 ? ENTRY_EXCLUDED :
			    ENTRY_LISTED;
		if (ch->answers && rnd() % 6 == 0) {
			uint8_t code[4] = { 127, 0, 0, (uint8_t)(3 + rnd() % 4) };

			if ((rc = store_answer_intern(t, 0, code, NULL, NULL,
			    &e.answer)) != 0)
				return rc;
		}
		if ((rc = store_entry_put(t, 0, &e)) != 0)
			return rc;
		/* And an IPv6 one: /128, /64, /56 or /48. */
		{
			uint8_t a6[16];
			int len;

			memset(&e, 0, sizeof(e));
			raddr6(a6);
			switch (rnd() % 8) {
			case 0: len = 64; break;
			case 1: len = 56; break;
			case 2: len = 48; break;
			default: len = 128; break;
			}
			prefix_make(&e.prefix, ADDR_V6, a6, len);
		}
		e.state = ch->delist ? ENTRY_DELISTED : rnd() % 8 == 0 ?
		    ENTRY_EXCLUDED : ENTRY_LISTED;
		if (ch->answers && rnd() % 6 == 0) {
			uint8_t code[4] = { 127, 0, 0, (uint8_t)(3 + rnd() % 4) };

			if ((rc = store_answer_intern(t, 0, code, NULL, NULL,
			    &e.answer)) != 0)
				return rc;
		}
		if ((rc = store_entry_put(t, 0, &e)) != 0)
			return rc;
	}
	return 0;
}

struct cmp {
	struct store_reader *rd;
	struct memidx *m;
	unsigned diff, asked;
	uint32_t *edges;		/* the intervals' bounds, collected */
	size_t nedges, cedges;
	uint8_t (*edges6)[16];
	size_t nedges6, cedges6;
};

static void
ask6(struct cmp *c, const uint8_t *a)
{
	struct store_hit h1, h2;
	char text[64];
	int r1, r2;

	memset(&h1, 0, sizeof(h1));
	memset(&h2, 0, sizeof(h2));
	/* The prefetch reads bucket bounds: under ASan, any address's
	 * stay inside the copy. */
	memidx_prefetch6(c->m, 0, a, 0);
	memidx_prefetch6(c->m, 0, a, 1);
	r1 = store_lookup(c->rd, 0, ADDR_V6, a, &h1);
	r2 = memidx_lookup6(c->m, 0, a, &h2);
	c->asked++;
	if (r1 != r2 || (r1 == 1 && (h1.answer != h2.answer ||
	    memcmp(h1.first, h2.first, 16) != 0 ||
	    memcmp(h1.last, h2.last, 16) != 0))) {
		if (c->diff++ < 5) {
			inet_ntop(AF_INET6, a, text, sizeof(text));
			printf("# differ at %s: store %d, copy %d\n", text,
			    r1, r2);
		}
	}
}

/* a + d (d is -1, 0 or 1), in 128 bits. */
static void
step6(const uint8_t *a, int d, uint8_t *out)
{
	int i, carry = d;

	memcpy(out, a, 16);
	for (i = 15; i >= 0 && carry != 0; i--) {
		int v = out[i] + carry;
		out[i] = (uint8_t)v;
		carry = v > 255 ? 1 : v < 0 ? -1 : 0;
	}
}

static int
edge6(int family, const uint8_t *first, const uint8_t *last,
    uint16_t answer, void *arg)
{
	struct cmp *c = arg;
	uint8_t (*e)[16];

	if (c->nedges6 + 2 > c->cedges6) {
		c->cedges6 = c->cedges6 ? c->cedges6 * 2 : 1024;
		if ((e = realloc(c->edges6, c->cedges6 * 16)) == NULL)
			return DNSBL_ENOMEM;
		c->edges6 = e;
	}
	memcpy(c->edges6[c->nedges6++], first, 16);
	memcpy(c->edges6[c->nedges6++], last, 16);
	return 0;
}

static void
ask(struct cmp *c, uint32_t x)
{
	uint8_t a[4];
	struct store_hit h1, h2;
	int r1, r2;

	a[0] = (uint8_t)(x >> 24);
	a[1] = (uint8_t)(x >> 16);
	a[2] = (uint8_t)(x >> 8);
	a[3] = (uint8_t)x;
	memset(&h1, 0, sizeof(h1));
	memset(&h2, 0, sizeof(h2));
	memidx_prefetch4(c->m, 0, a, 0);
	memidx_prefetch4(c->m, 0, a, 1);
	r1 = store_lookup(c->rd, 0, ADDR_V4, a, &h1);
	r2 = memidx_lookup4(c->m, 0, a, &h2);
	c->asked++;
	if (r1 != r2 || (r1 == 1 && (h1.answer != h2.answer ||
	    memcmp(h1.first, h2.first, 4) != 0 ||
	    memcmp(h1.last, h2.last, 4) != 0))) {
		if (c->diff++ < 5)
			printf("# differ at %u.%u.%u.%u: store %d, copy "
			    "%d\n", a[0], a[1], a[2], a[3], r1, r2);
	}
}

static int
edge(int family, const uint8_t *first, const uint8_t *last, uint16_t answer,
    void *arg)
{
	uint32_t f = (uint32_t)first[0] << 24 | first[1] << 16 |
	    first[2] << 8 | first[3];
	uint32_t l = (uint32_t)last[0] << 24 | last[1] << 16 |
	    last[2] << 8 | last[3];

	struct cmp *c = arg;
	uint32_t *e;

	if (c->nedges + 2 > c->cedges) {
		c->cedges = c->cedges ? c->cedges * 2 : 1024;
		if ((e = realloc(c->edges, c->cedges * sizeof(*e))) == NULL)
			return DNSBL_ENOMEM;
		c->edges = e;
	}
	c->edges[c->nedges++] = f;
	c->edges[c->nedges++] = l;
	return 0;
}

static int
build(struct store_txn *t, void *arg)
{
	return memidx_build(t, 1, arg);
}

static int
walk_edges(struct store_txn *t, void *arg)
{
	int rc;

	if ((rc = store_serve_walk(t, 0, ADDR_V4, edge, arg)) != 0)
		return rc;
	return store_serve_walk(t, 0, ADDR_V6, edge6, arg);
}

static uint8_t qbuf[600], a1[RESPOND_MAX], a2[RESPOND_MAX], a3[RESPOND_MAX];

/*
 * Whole answers from the copy and from the store, for random names; and
 * from the copy as a UDP batch answers them: the query's hint made first
 * (respond_hint()), both prefetch stages, then respond_hinted().
 */
static unsigned
answers_differ(const struct zoneset *zs, struct store_reader *rd,
    const struct memidx *m, unsigned n)
{
	struct respond_store rs;
	struct respond_db db;
	struct respond_hint h;
	struct query q;
	enum query_status st;
	static const uint16_t types[] = { T_A, T_TXT, T_ANY, T_MX };
	char name[128];
	unsigned i, bad = 0;
	size_t ql, l1, l2, l3;
	uint32_t x;

	if (respond_store_init(&rs, &db, rd, 1) != 0)
		return n;
	for (i = 0; i < n; i++) {
		x = raddr();
		snprintf(name, sizeof(name), "%u.%u.%u.%u.relays.example",
		    x & 0xff, (x >> 8) & 0xff, (x >> 16) & 0xff, x >> 24);
		if (i % 2) {
			uint8_t a6[16];
			char *p = name;
			int j;

			raddr6(a6);
			for (j = 15; j >= 0; j--) {
				*p++ = "0123456789abcdef"[a6[j] & 15];
				*p++ = '.';
				*p++ = "0123456789abcdef"[a6[j] >> 4];
				*p++ = '.';
			}
			strcpy(p, "relays.example");
		}
		ql = mkquery(qbuf, name, types[rnd() % 4], -1, 0);
		store_reader_begin(rd);
		respond_store_batch(&rs);
		l1 = respond(zs, &db, qbuf, ql, a1, sizeof(a1), 0);
		store_reader_end(rd);
		respond_store_begin(&rs, m);
		l2 = respond(zs, &db, qbuf, ql, a2, sizeof(a2), 0);
		respond_store_end(&rs);
		respond_store_begin(&rs, m);
		st = query_parse(qbuf, ql, &q);
		h.done = 0;
		if (st == Q_OK)
			respond_hint(zs, &q, &h);
		respond_store_prefetch(&rs, &h, 0);
		respond_store_prefetch(&rs, &h, 1);
		l3 = respond_hinted(zs, &db, &q, st, &h, a3, sizeof(a3),
		    respond_limit(&q, 0, sizeof(a3)), 0);
		respond_store_end(&rs);
		if (l1 != l2 || memcmp(a1, a2, l1) != 0) {
			if (bad++ < 5)
				printf("# answers differ for %s\n", name);
		} else if (l3 != l2 || memcmp(a3, a2, l2) != 0) {
			if (bad++ < 5)
				printf("# the hinted answer differs for %s\n",
				    name);
		}
	}
	respond_store_fini(&rs);
	return bad;
}

/* Random addresses, every interval's edges and whole answers: the copy m
 * must agree with the store. */
static void
check_copy(struct store *st, struct store_reader *rd,
    const struct zoneset *zs, struct memidx *m, unsigned round)
{
	struct errbuf eb;
	struct cmp cm;
	unsigned i;

	memset(&eb, 0, sizeof(eb));
	memset(&cm, 0, sizeof(cm));
	cm.rd = rd;
	cm.m = m;
	store_reader_begin(rd);
	for (i = 0; i < NASK; i++) {
		uint8_t a6[16];

		ask(&cm, raddr());
		raddr6(a6);
		ask6(&cm, a6);
	}
	ask(&cm, 0);
	ask(&cm, 0xffffffffu);
	{
		static const uint8_t far[3][16] = { { 0 },
		    { 0x20, 0x01, 0x0d, 0xb7, 0xff }, { 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

		for (i = 0; i < 3; i++)
			ask6(&cm, far[i]);
		for (i = 0; i < ntwins6; i++)
			ask6(&cm, twins6[i]);
	}
	store_reader_end(rd);
	is_int(cm.diff, 0, "round %u, %u/%u-bit buckets: %u random IPv4 and "
	    "IPv6 addresses: copy and store agree", round, m->z[0].bits4,
	    m->z[0].bits6, 2 * NASK);
	memset(&cm, 0, sizeof(cm));
	cm.rd = rd;
	cm.m = m;
	ok(store_read(st, walk_edges, &cm, &eb) == 0, "round %u: walk",
	    round);
	store_reader_begin(rd);
	for (i = 0; i < cm.nedges; i++) {
		ask(&cm, cm.edges[i]);
		ask(&cm, cm.edges[i] - 1);
		ask(&cm, cm.edges[i] + 1);
	}
	for (i = 0; i < cm.nedges6; i++) {
		uint8_t n6[16];

		ask6(&cm, cm.edges6[i]);
		step6(cm.edges6[i], -1, n6);
		ask6(&cm, n6);
		step6(cm.edges6[i], 1, n6);
		ask6(&cm, n6);
	}
	store_reader_end(rd);
	free(cm.edges);
	free(cm.edges6);
	is_int(cm.diff, 0, "round %u, %u/%u-bit buckets: every interval's "
	    "edges and their neighbours (%u addresses) agree", round,
	    m->z[0].bits4, m->z[0].bits6, cm.asked);
	is_int(answers_differ(zs, rd, m, 2000), 0, "round %u, %u/%u-bit "
	    "buckets: 2000 answers from the copy, asked alone and as a batch "
	    "asks, are byte for byte the store's", round, m->z[0].bits4,
	    m->z[0].bits6);
}

/*
 * The i-th address whose hash has top half `top` and low half base + i *
 * 2533 (mod 2^16): x = h / MEMIDX_HASH (mod 2^32).  An odd step is a
 * permutation of 2^16, so up to 2^16 different addresses.
 */
static uint32_t
line_addr(uint32_t top, uint32_t base, unsigned i)
{
	uint32_t inv = MEMIDX_HASH;
	unsigned k;

	for (k = 0; k < 5; k++)		/* Newton: inv * MEMIDX_HASH == 1 */
		inv *= 2 - MEMIDX_HASH * inv;
	return ((top << 16) | ((base + i * 2533u) & 0xffff)) * inv;
}

/* A listed single IPv4 address x. */
static void
single4(struct entry *e, uint32_t x)
{
	memset(e, 0, sizeof(*e));
	e->prefix.family = ADDR_V4;
	e->prefix.len = 32;
	e->prefix.addr[0] = (uint8_t)(x >> 24);
	e->prefix.addr[1] = (uint8_t)(x >> 16);
	e->prefix.addr[2] = (uint8_t)(x >> 8);
	e->prefix.addr[3] = (uint8_t)x;
	e->state = ENTRY_LISTED;
}

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
		if (i % 3 == 0) {
			uint8_t code[4] = { 127, 0, 0, 9 };

			if ((rc = store_answer_intern(t, 0, code, NULL, NULL,
			    &e.answer)) != 0)
				return rc;
		}
		if ((rc = store_entry_put(t, 0, &e)) != 0)
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
		if (i % 3 == 0) {
			uint8_t code[4] = { 127, 0, 0, 10 };

			if ((rc = store_answer_intern(t, 0, code, NULL, NULL,
			    &e.answer)) != 0)
				return rc;
		}
		if ((rc = store_entry_put(t, 0, &e)) != 0)
			return rc;
	}
	return 0;
}

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

/* A copy at given bucket widths. */
struct at_width {
	unsigned bits4, bits6;
	struct memidx *m;
};

static int
build_at(struct store_txn *t, void *arg)
{
	struct at_width *w = arg;

	return memidx_build_bits(t, 1, w->bits4, w->bits6, &w->m);
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
out:
	memidx_free(m);
	store_reader_free(rd);
	teststore_close(&ts);
	return tap_done();
}

/*
 * memidxfix.h -- what test_memidx.c and test_memidx_spill.c share: the
 * seeded random addresses, the comparison of a copy (memidx.h) with the
 * store it was copied from (check_copy(): random addresses, every
 * interval's edges, whole answers), addresses of one hashed line, and
 * copies at given bucket widths.  Everything here is static, one copy per
 * test program; include it once, after teststore.h.
 */
#ifndef DNSBL_TESTS_MEMIDXFIX_H
#define DNSBL_TESTS_MEMIDXFIX_H

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"


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

/* Put e in zone 0, with the answer 127.0.0.code of its own unless code
 * is 0. */
static int
put_coded(struct store_txn *t, struct entry *e, uint8_t code)
{
	uint8_t a[4] = { 127, 0, 0, code };
	int rc;

	if (code != 0 && (rc = store_answer_intern(t, 0, a, NULL, NULL,
	    &e->answer)) != 0)
		return rc;
	return store_entry_put(t, 0, e);
}

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
		if ((rc = put_coded(t, &e, ch->answers && rnd() % 6 == 0 ?
		    (uint8_t)(3 + rnd() % 4) : 0)) != 0)
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
		if ((rc = put_coded(t, &e, ch->answers && rnd() % 6 == 0 ?
		    (uint8_t)(3 + rnd() % 4) : 0)) != 0)
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

/*
 * Look a (4 or 16 bytes by family) up in the store and in the copy, and
 * count a difference in the hit or its interval (the first five
 * printed).
 */
static void
ask_both(struct cmp *c, int family, const uint8_t *a)
{
	struct store_hit h1, h2;
	size_t n = family == ADDR_V4 ? 4 : 16;
	char text[64];
	int r1, r2;

	memset(&h1, 0, sizeof(h1));
	memset(&h2, 0, sizeof(h2));
	/* The prefetch reads bucket bounds: under ASan, any address's
	 * stay inside the copy. */
	if (family == ADDR_V4) {
		memidx_prefetch4(c->m, 0, a, 0);
		memidx_prefetch4(c->m, 0, a, 1);
		r2 = memidx_lookup4(c->m, 0, a, &h2);
	} else {
		memidx_prefetch6(c->m, 0, a, 0);
		memidx_prefetch6(c->m, 0, a, 1);
		r2 = memidx_lookup6(c->m, 0, a, &h2);
	}
	r1 = store_lookup(c->rd, 0, family, a, &h1);
	c->asked++;
	if (r1 != r2 || (r1 == 1 && (h1.answer != h2.answer ||
	    memcmp(h1.first, h2.first, n) != 0 ||
	    memcmp(h1.last, h2.last, n) != 0))) {
		if (c->diff++ < 5) {
			inet_ntop(family == ADDR_V4 ? AF_INET : AF_INET6, a,
			    text, sizeof(text));
			printf("# differ at %s: store %d, copy %d\n", text,
			    r1, r2);
		}
	}
}

static void
ask6(struct cmp *c, const uint8_t *a)
{
	ask_both(c, ADDR_V6, a);
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

	a[0] = (uint8_t)(x >> 24);
	a[1] = (uint8_t)(x >> 16);
	a[2] = (uint8_t)(x >> 8);
	a[3] = (uint8_t)x;
	ask_both(c, ADDR_V4, a);
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

#pragma GCC diagnostic pop

#endif

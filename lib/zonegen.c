/*
 * zonegen.c -- served intervals to zone records (see zonegen.h).
 */
#include <stdio.h>
#include <string.h>

#include "answer.h"
#include "config.h"
#include "err.h"
#include "store.h"
#include "txt.h"
#include "zonegen.h"

static const uint8_t test_v4[2][16] = {
	{ 127, 0, 0, 1 }, { 127, 0, 0, 2 }
};
static const uint8_t test_v6[2][16] = {
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 2 },
};

typedef unsigned __int128 u128;

static u128
to_u128(int family, const uint8_t *a)
{
	u128 v = 0;
	size_t i;

	for (i = 0; i < addr_len(family); i++)
		v = v << 8 | a[i];
	return v;
}

/* The number of trailing zero bits of v, at most bits. */
static int
align_bits(u128 v, int bits)
{
	uint64_t lo = (uint64_t)v, hi = (uint64_t)(v >> 64);
	int z;

	if (lo != 0)
		z = __builtin_ctzll(lo);
	else if (hi != 0)
		z = 64 + __builtin_ctzll(hi);
	else
		z = 128;
	return z < bits ? z : bits;
}

/* The largest k with 2^k <= v, for v > 0. */
static int
floor_log2(u128 v)
{
	uint64_t hi = (uint64_t)(v >> 64);

	if (hi != 0)
		return 127 - __builtin_clzll(hi);
	return 63 - __builtin_clzll((uint64_t)v);
}

int
interval_cidrs(int family, const uint8_t *first, const uint8_t *last,
    cidr_fn fn, void *arg)
{
	int bits = addr_bits(family), k, rc;
	u128 lo = to_u128(family, first), hi = to_u128(family, last), size;
	size_t i, n = addr_len(family);
	uint8_t a[16];
	struct prefix p;

	while (lo <= hi) {
		/* The largest aligned block at lo that stays within hi: no
		 * larger than lo's alignment, nor than hi - lo + 1. */
		k = align_bits(lo, bits);
		if (hi - lo != ~(u128)0 && floor_log2(hi - lo + 1) < k)
			k = floor_log2(hi - lo + 1);
		memset(a, 0, sizeof(a));
		for (i = 0; i < n; i++)
			a[i] = (uint8_t)(lo >> (8 * (n - 1 - i)));
		prefix_make(&p, family, a, bits - k);
		if ((rc = fn(&p, arg)) != 0)
			return rc;
		if (k == bits)
			break;		/* the whole space */
		size = (u128)1 << k;
		if (hi - lo < size)	/* lo + size would pass hi (or wrap) */
			break;
		lo += size;
	}
	return 0;
}

struct gen {
	const struct cfg_zone *cz;
	struct store_txn *t;
	size_t zone;
	zone_rr_fn fn;
	void *arg;
	uint16_t answer;
	struct store_answer ans;
	zone_ival_fn ifn;	/* zonegen_intervals() */
	/* The answer resolved and its template cut, for every block up to
	 * the next interval with another answer or a code of its own
	 * (which store_answer_get() reads again into ans). */
	int res_ok;
	uint16_t res_answer;
	struct answer res;
	int tmpl_ok;
	struct txt_tmpl tmpl;
};

/*
 * 1 if a wildcard for the aligned block p could also answer, or be hidden
 * by, names of the other family (RFC 4592 2.2).  IPv6 names are made of
 * single hex digits; IPv4 names of four decimal octets.  So an IPv4
 * wildcard is shared when all its labels are single digits (its parent can
 * then be an IPv6 name: "*.6.2" matches 2600::/8), and an IPv6 wildcard
 * when it has three labels or fewer, all decimal digits (its parent can be
 * an IPv4 name: "*.0.2" matches 2.0.x.y).  Such a block is written as its
 * 256 (or 16) children instead, whose labels no longer collide.
 */
static int
block_shared(const struct prefix *p)
{
	int i, unit = p->family == ADDR_V4 ? 8 : 4, labels = p->len / unit;

	if (p->len == addr_bits(p->family))
		return 0;			/* a host: no wildcard */
	if (p->family == ADDR_V6 && labels > 3)
		return 0;
	for (i = 0; i < labels; i++) {
		unsigned v = p->family == ADDR_V4 ? p->addr[i] :
		    (unsigned)(p->addr[i / 2] >> (i % 2 ? 0 : 4)) & 0xf;
		if (v > 9)
			return 0;
	}
	return 1;
}

/*
 * rr's owner from rr->block and rr->wildcard, as labels (owner_wire) and
 * as text (owner), and the block's text for a TXT's '$' into text.  The
 * labels are made first and the rest copied from them: an IPv4 host's
 * octets are put in decimal once, not three times (the labels, the name,
 * the address), which is most of what a transfer of a long list of
 * hosts costs.  Returns the length of text, or DNSBL_EINVAL for a block
 * off the octet or nibble grid.
 */
static int
owner_names(struct zone_rr *rr, char text[PREFIX_STRLEN])
{
	const struct prefix *p = &rr->block;
	size_t w = 0, o = 0, at[4], i, k;
	int n, nl = 0;

	if (rr->wildcard) {
		rr->owner_wire[w++] = 1;
		rr->owner_wire[w++] = '*';
	}
	if ((n = prefix_reverse_wire(p, rr->owner_wire + w)) < 0)
		return DNSBL_EINVAL;
	rr->owner_wirelen = w + (size_t)n;
	for (i = 0; i < rr->owner_wirelen; i += 1 + k) {
		k = rr->owner_wire[i];
		if (i > 0)
			rr->owner[o++] = '.';
		memcpy(rr->owner + o, rr->owner_wire + i + 1, k);
		o += k;
		if (nl < 4)
			at[nl++] = i;
	}
	rr->owner[o] = '\0';
	if (p->family != ADDR_V4 || rr->wildcard)
		return (int)prefix_format(p, text);
	/* An IPv4 host: its four labels backwards. */
	for (o = 0, n = 3; n >= 0; n--) {
		k = rr->owner_wire[at[n]];
		memcpy(text + o, rr->owner_wire + at[n] + 1, k);
		o += k;
		text[o++] = n > 0 ? '.' : '\0';
	}
	return (int)o - 1;
}

/* One octet- or nibble-aligned block. */
static int
gen_block(const struct prefix *p, struct gen *g)
{
	struct zone_rr rr;
	char text[PREFIX_STRLEN];
	int host = p->len == addr_bits(p->family), rc;
	size_t tl;

	if (block_shared(p)) {
		int unit = p->family == ADDR_V4 ? 8 : 4, i;
		struct prefix c = *p;

		for (i = 0; i < 1 << unit; i++) {
			if (p->family == ADDR_V4)
				c.addr[p->len / 8] = (uint8_t)i;
			else
				c.addr[p->len / 8] = (uint8_t)(p->len % 8 ?
				    (p->addr[p->len / 8] & 0xf0) | i : i << 4);
			c.len = (uint8_t)(p->len + unit);
			if ((rc = gen_block(&c, g)) != 0)
				return rc;
		}
		return 0;
	}
	/* Field by field: a memset of the 4 KB text buffer would cost more
	 * than the rest of the record. */
	rr.block = *p;
	rr.wildcard = !host;
	if ((rc = owner_names(&rr, text)) < 0)
		return rc;
	tl = (size_t)rc;
	if (!g->res_ok || g->res_answer != g->answer) {
		answer_resolve(g->cz, g->answer == ANSWER_DEFAULT ? NULL :
		    &g->ans, &g->res);
		if (g->res.txt == NULL)
			g->res.txt = "";
		g->tmpl_ok = txt_compile(&g->tmpl, g->res.txt) == 0;
		g->res_answer = g->answer;
		g->res_ok = 1;
	}
	memcpy(rr.a, g->res.a, 4);
	if ((g->tmpl_ok ? txt_render_tmpl(&g->tmpl, text, tl, rr.txt,
	    sizeof(rr.txt)) : txt_render(g->res.txt, text, rr.txt,
	    sizeof(rr.txt))) < 0)
		return DNSBL_ERANGE;	/* never cut: txt_check() bounds it */
	return g->fn(&rr, g->arg);
}

/* A CIDR: split to the next aligned length. */
static int
gen_cidr(const struct prefix *p, void *arg)
{
	struct gen *g = arg;
	int unit = p->family == ADDR_V4 ? 8 : 4;
	int len = (p->len + unit - 1) / unit * unit, rc;
	uint8_t a[16];
	struct prefix q;
	uint64_t i, n;

	if (len == p->len)
		return gen_block(p, g);
	n = 1ULL << (len - p->len);	/* at most 128 */
	memcpy(a, p->addr, 16);
	for (i = 0; i < n; i++) {
		prefix_make(&q, p->family, a, len);
		if ((rc = gen_block(&q, g)) != 0)
			return rc;
		/* Step to the next block of length len (within one byte). */
		{
			int byte = (len - 1) / 8;
			unsigned v = a[byte] + (1u << ((8 - len % 8) % 8));
			a[byte] = (uint8_t)v;
			if (v > 0xff)
				addr_inc(a, (size_t)byte);
		}
	}
	return 0;
}

/*
 * memcmp() of two addresses of n bytes, an IPv4 one as a number: a call
 * to memcmp() for 4 bytes costs more than the compare, and a transfer
 * makes three for each interval.
 */
static inline int
addr_cmp(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint32_t x, y;

	if (n != 4)
		return memcmp(a, b, n);
	x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	    (uint32_t)a[2] << 8 | a[3];
	y = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
	return (x > y) - (x < y);
}

static int
gen_piece(struct gen *g, int family, const uint8_t *first,
    const uint8_t *last)
{
	struct prefix p;
	int c = addr_cmp(first, last, addr_len(family));

	if (c > 0)
		return 0;
	if (g->ifn)
		return g->ifn(family, first, last, g->answer, g->arg);
	if (c == 0) {		/* one address, as most listings are */
		prefix_make(&p, family, first, addr_bits(family));
		return gen_block(&p, g);
	}
	return interval_cidrs(family, first, last, gen_cidr, g);
}

/* An interval, less the test addresses. */
static int
gen_interval(int family, const uint8_t *first, const uint8_t *last,
    uint16_t answer, void *arg)
{
	struct gen *g = arg;
	const uint8_t (*tst)[16] = family == ADDR_V4 ? test_v4 : test_v6;
	size_t n = addr_len(family);
	uint8_t a[16], b[16];
	int rc;

	g->answer = answer;
	if (answer != ANSWER_DEFAULT && g->ifn == NULL) {
		g->res_ok = 0;		/* ans is read again */
		if ((rc = store_answer_get(g->t, g->zone, answer,
		    &g->ans)) != 0)
			return rc;
	}
	if (addr_cmp(last, tst[0], n) < 0 || addr_cmp(first, tst[1], n) > 0)
		return gen_piece(g, family, first, last);
	/* [first, t1 - 1] and [t2 + 1, last] */
	memcpy(a, tst[0], n);
	if (addr_cmp(first, a, n) < 0 && !addr_dec(a, n) &&
	    (rc = gen_piece(g, family, first, a)) != 0)
		return rc;
	memcpy(b, tst[1], n);
	if (addr_cmp(last, b, n) > 0 && !addr_inc(b, n))
		return gen_piece(g, family, b, last);
	return 0;
}

int
zonegen_intervals(struct store_txn *t, size_t zone, int family,
    zone_ival_fn fn, void *arg)
{
	struct gen g;

	memset(&g, 0, sizeof(g));
	g.cz = &store_txn_config(t)->zones[zone];
	g.t = t;
	g.zone = zone;
	g.ifn = fn;
	g.arg = arg;
	return store_serve_walk(t, zone, family, gen_interval, &g);
}

int
zonegen_interval(struct store_txn *t, size_t zone, int family,
    const uint8_t *first, const uint8_t *last, uint16_t answer,
    zone_rr_fn fn, void *arg)
{
	struct gen g;

	memset(&g, 0, sizeof(g));
	g.cz = &store_txn_config(t)->zones[zone];
	g.t = t;
	g.zone = zone;
	g.fn = fn;
	g.arg = arg;
	return gen_interval(family, first, last, answer, &g);
}

int
zonegen_walk(struct store_txn *t, size_t zone, int families, zone_rr_fn fn,
    void *arg)
{
	struct gen g;
	int fam, rc;

	memset(&g, 0, sizeof(g));
	g.cz = &store_txn_config(t)->zones[zone];
	g.t = t;
	g.zone = zone;
	g.fn = fn;
	g.arg = arg;
	(void)store_serve_willneed(t);	/* the whole table is read */
	for (fam = 0; fam < 2; fam++) {
		int family = fam ? ADDR_V6 : ADDR_V4;
		const uint8_t *te = fam ? test_v6[1] : test_v4[1];

		if (!(families & (1 << fam)))
			continue;
		g.answer = ANSWER_DEFAULT;
		if ((rc = gen_piece(&g, family, te, te)) != 0)
			return rc;
		if ((rc = store_serve_walk(t, zone, family, gen_interval,
		    &g)) != 0)
			return rc;
	}
	return 0;
}

/*
 * memidx.c -- the in-memory copy of the served tables (memidx.h).
 *
 * One pass over each zone's table, in address order: a single address
 * goes to the end of single[] (its bucket is never before the last one
 * filled, so bstart[] is filled as the walk goes), a wider interval to the
 * wide arrays, which grow by doubling.  single[] is sized by the table's
 * count first and shrunk at the end.  IPv6 intervals are appended in
 * order too, then bucketed.  In the hashed lines (memidx.h), a single
 * address goes to the next free slot of its line, or, when the line is
 * full, to the spill, which is sorted at the end.  The same for single
 * IPv6 addresses in the hashed IPv6 buckets.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hugemem.h"
#include "memidx.h"
#include "store.h"

/* Bucket widths: from MIN_BITS, one more bit while the average bucket
 * would hold more than 16 bytes of keys (4 IPv4 entries, 1 IPv6), up to
 * MAX_BITS (a 64 MB bounds array).  Measured with tests/bench/lookup.sh
 * (2026-12-01, AMD EPYC, 32 MB L3), against 16-bit buckets: a lookup in
 * 1M IPv4 addresses (18 bits) took 63 ns instead of 76, in 10M (21 bits)
 * 83 instead of 230, in 1M IPv4 and 1M IPv6 (18 and 19 bits) 105 instead
 * of 167. */
#define MIN_BITS 16
#define MAX_BITS 24

struct build {
	struct memidx_zone *z;
	uint32_t next;			/* the next bucket to open */
	size_t cap_single, cap_wide, cap6, cap_spill, cap_spill6;
	int err;
};

/*
 * The hashed lines: from 2^16, one more bit while a line would hold 21
 * addresses or more on average (of 31 slots), so that few lines spill.
 */
#define MIN_LBITS 16
#define MAX_LBITS 26
#define LINE_LOAD 21

/* The bucket width for n entries of size bytes each. */
static unsigned
bucket_bits(uint64_t n, size_t size)
{
	unsigned bits = MIN_BITS;

	while (bits < MAX_BITS && (n >> bits) * size > 16)
		bits++;
	return bits;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* 1 if an array of n bytes goes on huge pages (big_alloc()): from half
 * a huge page on, so that rounding up wastes at most half of it. */
static int
is_big(size_t n)
{
	return n >= HUGEMEM_PAGE / 2;
}

/*
 * n bytes for an array that lookups read at random: from half a huge page
 * on, on huge pages (hugemem_alloc()), so that a lookup in a large copy
 * costs no TLB miss of its own.  Freed with free().
 */
static void *
big_alloc(size_t n)
{
	if (!is_big(n))
		return malloc(n ? n : 1);
	return hugemem_alloc(n);
}

static int
grow_wide(struct build *b)
{
	struct memidx_zone *z = b->z;
	size_t cap = b->cap_wide ? b->cap_wide * 2 : 64;
	uint32_t *f, *l;
	uint16_t *a;

	if ((f = realloc(z->wfirst, cap * sizeof(*f))) == NULL)
		return DNSBL_ENOMEM;
	z->wfirst = f;
	if ((l = realloc(z->wlast, cap * sizeof(*l))) == NULL)
		return DNSBL_ENOMEM;
	z->wlast = l;
	if ((a = realloc(z->wans, cap * sizeof(*a))) == NULL)
		return DNSBL_ENOMEM;
	z->wans = a;
	b->cap_wide = cap;
	return 0;
}

static int
grow_spill(struct build *b)
{
	struct memidx_zone *z = b->z;
	size_t cap = b->cap_spill ? b->cap_spill * 2 : 64;
	struct memidx_spill *p;

	if ((p = realloc(z->spill, cap * sizeof(*p))) == NULL)
		return DNSBL_ENOMEM;
	z->spill = p;
	b->cap_spill = cap;
	return 0;
}

/* big_alloc() of n bytes, zeroed. */
static void *
big_zalloc(size_t n)
{
	void *p;

	if ((p = big_alloc(n)) != NULL)
		memset(p, 0, n);
	return p;
}

/* The lines for n single addresses (a count from above). */
static int
lines_alloc(struct memidx_zone *z, uint64_t n)
{
	z->lbits = MIN_LBITS;
	while (z->lbits < MAX_LBITS && (n >> z->lbits) >= LINE_LOAD)
		z->lbits++;
	z->lines = big_zalloc(sizeof(*z->lines) << z->lbits);
	return z->lines == NULL ? DNSBL_ENOMEM : 0;
}

/* The single address x with answer into its line, or the spill. */
static int
add_line(struct build *b, uint32_t x, uint16_t answer)
{
	struct memidx_zone *z = b->z;
	uint32_t h = x * MEMIDX_HASH;
	size_t ln = h >> (32 - z->lbits);
	uint16_t *k = z->lines[ln].k;
	unsigned n = k[0] & MEMIDX_LCOUNT;
	int rc;

	/* Answers apart, and only once a listing has one of its own. */
	if (answer != ANSWER_DEFAULT && z->lans == NULL &&
	    (z->lans = big_zalloc(sizeof(*z->lines) << z->lbits)) == NULL)
		return DNSBL_ENOMEM;
	if (n < MEMIDX_LSLOTS) {
		k[1 + n] = (uint16_t)h;
		k[0] = (uint16_t)(k[0] + 1);
		if (z->lans != NULL)
			z->lans[ln * (MEMIDX_LSLOTS + 1) + 1 + n] = answer;
		return 0;
	}
	k[0] |= MEMIDX_LSPILL;
	if (z->nspill == b->cap_spill && (rc = grow_spill(b)) != 0)
		return rc;
	z->spill[z->nspill].h = h;
	z->spill[z->nspill++].answer = answer;
	return 0;
}

static int
spill_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct memidx_spill *)a)->h;
	uint32_t y = ((const struct memidx_spill *)b)->h;

	return x < y ? -1 : x > y;
}

/*
 * The hashed IPv6 buckets: from 2^14 (2 MB), one more bit while a bucket
 * would hold 4 addresses or more on average (of 7 slots).  At 1M
 * addresses: 2^18 buckets, 32 MB, about 2% of the addresses spilled.
 */
#define MIN_L6BITS 14
#define MAX_L6BITS 24
#define LINE6_LOAD 4

static int
lines6_alloc(struct memidx_zone *z, uint64_t n)
{
	z->l6bits = MIN_L6BITS;
	while (z->l6bits < MAX_L6BITS && (n >> z->l6bits) >= LINE6_LOAD)
		z->l6bits++;
	z->lines6 = big_zalloc(sizeof(*z->lines6) << z->l6bits);
	return z->lines6 == NULL ? DNSBL_ENOMEM : 0;
}

static int
grow_spill6(struct build *b)
{
	struct memidx_zone *z = b->z;
	size_t cap = b->cap_spill6 ? b->cap_spill6 * 2 : 64;
	struct memidx_spill6 *p;

	if ((p = realloc(z->spill6, cap * sizeof(*p))) == NULL)
		return DNSBL_ENOMEM;
	z->spill6 = p;
	b->cap_spill6 = cap;
	return 0;
}

/* The single IPv6 address x with answer into its bucket, or the spill. */
static int
add_line6(struct build *b, unsigned __int128 x, uint16_t answer)
{
	struct memidx_zone *z = b->z;
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
	size_t ln = memidx_hash6(hi, lo) >> (64 - z->l6bits);
	struct memidx_line6 *l = &z->lines6[ln];
	unsigned n = (unsigned)(l->n & MEMIDX_LCOUNT);
	struct memidx_spill6 *s;
	int rc;

	if (answer != ANSWER_DEFAULT && z->lans6 == NULL &&
	    (z->lans6 = big_zalloc((MEMIDX_L6SLOTS + 1) *
	    sizeof(*z->lans6) << z->l6bits)) == NULL)
		return DNSBL_ENOMEM;
	z->nsingle6++;
	if (n < MEMIDX_L6SLOTS) {
		l->k[n][0] = hi;
		l->k[n][1] = lo;
		l->n++;
		if (z->lans6 != NULL)
			z->lans6[ln * (MEMIDX_L6SLOTS + 1) + n] = answer;
		return 0;
	}
	l->n |= MEMIDX_LSPILL;
	if (z->nspill6 == b->cap_spill6 && (rc = grow_spill6(b)) != 0)
		return rc;
	s = &z->spill6[z->nspill6++];
	s->hi = hi;
	s->lo = lo;
	s->answer = answer;
	return 0;
}

static int
spill6_cmp(const void *a, const void *b)
{
	const struct memidx_spill6 *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int
grow6(struct build *b)
{
	struct memidx_zone *z = b->z;
	size_t cap = b->cap6 ? b->cap6 * 2 : 64;
	unsigned __int128 *f, *l;
	uint16_t *a;

	if ((f = realloc(z->f6, cap * sizeof(*f))) == NULL)
		return DNSBL_ENOMEM;
	z->f6 = f;
	if ((l = realloc(z->l6, cap * sizeof(*l))) == NULL)
		return DNSBL_ENOMEM;
	z->l6 = l;
	if ((a = realloc(z->a6, cap * sizeof(*a))) == NULL)
		return DNSBL_ENOMEM;
	z->a6 = a;
	b->cap6 = cap;
	return 0;
}

static int
add6(int family, const uint8_t *first, const uint8_t *last, uint16_t answer,
    void *arg)
{
	struct build *b = arg;
	struct memidx_zone *z = b->z;
	int rc;

	(void)family;
	if (z->lines6 != NULL && memcmp(first, last, 16) == 0)
		return add_line6(b, memidx_u128(first), answer);
	if (z->n6 == b->cap6 && (rc = grow6(b)) != 0)
		return rc;
	z->f6[z->n6] = memidx_u128(first);
	z->l6[z->n6] = memidx_u128(last);
	z->a6[z->n6++] = answer;
	return 0;
}

/*
 * Move the n bytes at *p (grown by realloc(), on small pages) to a
 * big_alloc() copy on huge pages, so that a lookup's cache misses are
 * not also TLB misses.  Without the memory for it, *p stays where it is.
 */
static void
to_huge(void **p, size_t n)
{
	void *q;

	if (!is_big(n) || (q = big_alloc(n)) == NULL)
		return;
	memcpy(q, *p, n);
	free(*p);
	*p = q;
}

/* The IPv6 buckets, over the sorted intervals. */
static int
index6(struct memidx_zone *z, unsigned bits)
{
	unsigned __int128 d;
	size_t i, nb;
	unsigned next = 0, bk;

	if (z->n6 == 0)
		return 0;
	to_huge((void **)&z->f6, z->n6 * sizeof(*z->f6));
	to_huge((void **)&z->l6, z->n6 * sizeof(*z->l6));
	to_huge((void **)&z->a6, z->n6 * sizeof(*z->a6));
	d = z->f6[0] ^ z->f6[z->n6 - 1];
	for (z->cp6 = 0; z->cp6 < 128 &&
	    !(d & ((unsigned __int128)1 << (127 - z->cp6))); z->cp6++)
		;
	/* A bucket's search reads first addresses: 16 bytes each. */
	z->bits6 = bits ? bits : bucket_bits(z->n6, sizeof(*z->f6));
	nb = (size_t)1 << z->bits6;
	if ((z->b6 = big_alloc((nb + 1) * sizeof(*z->b6))) == NULL)
		return DNSBL_ENOMEM;
	for (i = 0; i < z->n6; i++) {
		bk = memidx_bucket6(z, z->f6[i]);
		while (next <= bk)
			z->b6[next++] = (uint32_t)i;
	}
	while (next <= nb)
		z->b6[next++] = (uint32_t)z->n6;
	return 0;
}

static int
add_interval(int family, const uint8_t *first, const uint8_t *last,
    uint16_t answer, void *arg)
{
	struct build *b = arg;
	struct memidx_zone *z = b->z;
	uint32_t f = be32(first), l = be32(last);
	int rc;

	if (f != l) {
		if (z->nwide == b->cap_wide && (rc = grow_wide(b)) != 0)
			return rc;
		z->wfirst[z->nwide] = f;
		z->wlast[z->nwide] = l;
		z->wans[z->nwide++] = answer;
		return 0;
	}
	if (z->nsingle == b->cap_single)	/* the table grew under us? */
		return DNSBL_EINVAL;
	if (z->lines != NULL) {
		z->nsingle++;
		return add_line(b, f, answer);
	}
	while (b->next <= f >> (32 - z->bits4))
		z->bstart[b->next++] = (uint32_t)z->nsingle;
	z->single[z->nsingle++] = (f & 0xffff) << 16 | answer;
	return 0;
}

static void
zone_free(struct memidx_zone *z)
{
	free(z->bstart);
	free(z->single);
	free(z->lines);
	free(z->lans);
	free(z->spill);
	free(z->wfirst);
	free(z->wlast);
	free(z->wans);
	free(z->b6);
	free(z->f6);
	free(z->l6);
	free(z->a6);
	free(z->lines6);
	free(z->lans6);
	free(z->spill6);
}

static int
zone_build(struct store_txn *t, size_t zone, struct memidx_zone *z,
    unsigned bits4, unsigned bits6)
{
	struct build b;
	uint64_t n;
	uint32_t *s;
	size_t nb;
	int rc;

	memset(&b, 0, sizeof(b));
	b.z = z;
	z->serial = store_serial(t, zone);
	if ((rc = store_serve_count(t, zone, ADDR_V4, &n)) != 0)
		return rc;
	if (n > UINT32_MAX)
		return DNSBL_ERANGE;
	b.cap_single = n;
	if (bits4 == MEMIDX_BITS_LINES || (bits4 == 0 &&
	    n >= MEMIDX_LINES_MIN)) {
		if ((rc = lines_alloc(z, n)) != 0)
			return rc;
		nb = 0;
	} else {
		z->bits4 = bits4 ? bits4 : bucket_bits(n, sizeof(*z->single));
		nb = (size_t)1 << z->bits4;
		z->bstart = big_alloc((nb + 1) * sizeof(*z->bstart));
		z->single = big_alloc(n * sizeof(*z->single));
		if (z->bstart == NULL || z->single == NULL)
			return DNSBL_ENOMEM;
	}
	if ((rc = store_serve_walk(t, zone, ADDR_V4, add_interval, &b)) != 0)
		return rc;
	if (z->lines != NULL) {
		if (z->nspill > 1)	/* spill is NULL when none */
			qsort(z->spill, z->nspill, sizeof(*z->spill),
			    spill_cmp);
	} else
		while (b.next <= nb)
			z->bstart[b.next++] = (uint32_t)z->nsingle;
	if ((rc = store_serve_count(t, zone, ADDR_V6, &n)) != 0)
		return rc;
	if ((bits6 == MEMIDX_BITS_LINES || (bits6 == 0 &&
	    n >= MEMIDX_LINES6_MIN)) && (rc = lines6_alloc(z, n)) != 0)
		return rc;
	if ((rc = store_serve_walk(t, zone, ADDR_V6, add6, &b)) != 0)
		return rc;
	if (z->nspill6 > 1)
		qsort(z->spill6, z->nspill6, sizeof(*z->spill6), spill6_cmp);
	if (z->n6 > UINT32_MAX - 1)
		return DNSBL_ERANGE;
	if ((rc = index6(z, bits6 == MEMIDX_BITS_LINES ? 0 : bits6)) != 0)
		return rc;
	/* Shrink what wide intervals left unused (not a huge page array:
	 * realloc would lose its alignment). */
	if (z->single != NULL && z->nsingle < n && z->nsingle > 0 &&
	    !is_big(n * sizeof(*s)) &&
	    (s = realloc(z->single, z->nsingle * sizeof(*s))) != NULL)
		z->single = s;
	return 0;
}

/* The bytes z holds. */
static size_t
zone_bytes(const struct memidx_zone *z)
{
	size_t n;

	if (z->lines != NULL)
		n = (sizeof(*z->lines) << z->lbits) * (z->lans != NULL ? 2 : 1) +
		    z->nspill * sizeof(*z->spill);
	else
		n = (((size_t)1 << z->bits4) + 1) * sizeof(*z->bstart) +
		    z->nsingle * sizeof(*z->single);
	if (z->lines6 != NULL)
		n += (sizeof(*z->lines6) << z->l6bits) + (z->lans6 != NULL ?
		    (MEMIDX_L6SLOTS + 1) * sizeof(*z->lans6) << z->l6bits :
		    0) + z->nspill6 * sizeof(*z->spill6);
	return n + z->nwide * (2 * sizeof(uint32_t) + sizeof(uint16_t)) +
	    (z->b6 ? (((size_t)1 << z->bits6) + 1) * sizeof(*z->b6) : 0) +
	    z->n6 * (2 * sizeof(unsigned __int128) + sizeof(uint16_t));
}

int
memidx_build(struct store_txn *t, size_t nzones, struct memidx **out)
{
	return memidx_build_bits(t, nzones, 0, 0, out);
}

int
memidx_build_bits(struct store_txn *t, size_t nzones, unsigned bits4,
    unsigned bits6, struct memidx **out)
{
	struct memidx *m;
	size_t i;
	int rc;

	*out = NULL;
	if ((bits4 != 0 && bits4 != MEMIDX_BITS_LINES &&
	    (bits4 < MIN_BITS || bits4 > MAX_BITS)) ||
	    (bits6 != 0 && bits6 != MEMIDX_BITS_LINES &&
	    (bits6 < MIN_BITS || bits6 > MAX_BITS)))
		return DNSBL_EINVAL;
	if ((m = calloc(1, sizeof(*m) + nzones * sizeof(m->z[0]))) == NULL)
		return DNSBL_ENOMEM;
	m->nzones = nzones;
	m->txnid = store_txn_id(t);
	for (i = 0; i < nzones; i++) {
		if ((rc = zone_build(t, i, &m->z[i], bits4, bits6)) != 0)
			goto fail;
		m->entries += m->z[i].nsingle + m->z[i].nwide + m->z[i].n6 +
		    m->z[i].nsingle6;
		m->bytes += zone_bytes(&m->z[i]);
	}
	*out = m;
	return 0;
fail:
	memidx_free(m);
	return rc;
}

void
memidx_free(struct memidx *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nzones; i++)
		zone_free(&m->z[i]);
	free(m);
}

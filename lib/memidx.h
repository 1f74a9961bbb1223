/*
 * memidx.h -- a copy in memory of every zone's served tables, as of
 * one LMDB transaction of the serve environment, laid out for the lookup
 * that dnsbld's UDP workers make for each query.
 *
 * Why: a lookup in the served table is a B-tree descent over about 16 MB
 * of pages per million addresses, most of it cache misses and memcmp key
 * compares.  The copy keeps single addresses (the common case) in 2^bits4
 * buckets by their first bits4 bits, 4 bytes each (the last two bytes and
 * the answer index), and the few wider intervals in a sorted array apart:
 * about 4 MB per million addresses.  IPv6 intervals (34 bytes each) are
 * sorted and bucketed by the bits6 bits after the prefix they all share.
 * The bucket widths grow with the number of entries (from 16 bits, up to
 * 24), so that a bucket holds about 16 bytes of keys on average (4 IPv4
 * entries, 1 IPv6; memidx.c), whatever the size: a lookup is the bucket's
 * bounds and one cache line of the bucket, both prefetched a batch ahead
 * (memidx_prefetch4/6()).
 *
 * A zone of MEMIDX_LINES_MIN single IPv4 addresses or more keeps them
 * in hashed cache lines instead (struct memidx_line): a lookup is one
 * line, whose place the address alone gives, so that its cache miss is
 * not behind another's.  Measured (2026-12-02, AMD EPYC, 1M addresses):
 * 61 ns a lookup against 80 in lookup_cost's loop, 4.2 MB against 5.0;
 * in dnsbld capped at 40% of a core, side by side, 25 to 50 ns less user
 * time a query (two runs of four pairs).
 *
 * Likewise a zone of MEMIDX_LINES6_MIN IPv6 intervals or more keeps its
 * single IPv6 addresses (/128) whole in hashed buckets of two cache
 * lines (struct memidx_line6), and only its wider IPv6 intervals in the
 * sorted arrays: a lookup of a single address is one bucket, whose place
 * the address gives, instead of the bounds and then the keys (two reads
 * from memory, the second behind the first).  Where wider intervals are
 * kept too, an address not in its bucket is looked for among them.
 *
 * The copy is only ever used for the transaction it was taken from: its
 * txnid says which, and a reader compares it with the newest committed
 * transaction (store_last_txnid()) before using it (dnsbld/fastidx.h).
 * Answers (codes, texts) and everything else are still read from the
 * store.
 *
 * Ownership: memidx_build() returns a copy the caller owns and frees with
 * memidx_free().  A copy is never changed after it is built, so any number
 * of threads may read it at once.
 */
#ifndef DNSBL_MEMIDX_H
#define DNSBL_MEMIDX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "store.h"

struct store_txn;

/*
 * A line of the hashed IPv4 table.  An address x hashes to h = x *
 * MEMIDX_HASH (odd: a different h for every x), goes to line h >> (32 -
 * lbits), and is kept there as the low 16 bits of h, which with the
 * line's number (lbits >= 16 bits) give back all of h.  k[0] holds the
 * number of keys (k[1] to k[n], in no order) and MEMIDX_LSPILL when more
 * addresses hashed to the line than it holds: the others are in the
 * zone's spill[], sorted by h.
 */
#define MEMIDX_HASH	0x9e3779b1u
#define MEMIDX_LSLOTS	31
#define MEMIDX_LCOUNT	0x1f
#define MEMIDX_LSPILL	0x20
#define MEMIDX_LINES_MIN	262144	/* 4 a line at 2^16 lines */
struct memidx_line {
	_Alignas(64) uint16_t k[MEMIDX_LSLOTS + 1];
};
struct memidx_spill {
	uint32_t h;
	uint16_t answer;
};

/*
 * A bucket of the hashed IPv6 table: two cache lines, which a lookup
 * prefetches together.  An address (hi, lo: its two 8-byte halves, as
 * numbers) goes to bucket memidx_hash6(hi, lo) >> (64 - l6bits) and is
 * kept there whole, so that a lookup compares keys and reads nothing
 * else.  n holds the number of keys (k[0] to k[n-1], in no order) and
 * MEMIDX_LSPILL when more addresses came to the bucket than it holds:
 * the others are in the zone's spill6[], sorted by address.  Only
 * single addresses (/128) go here; wider IPv6 intervals stay in the
 * sorted arrays (f6, l6, a6).
 */
#define MEMIDX_L6SLOTS	7
#define MEMIDX_LINES6_MIN	131072	/* 4 MB of sorted keys */
struct memidx_line6 {
	_Alignas(128) uint64_t n;
	uint64_t pad;
	uint64_t k[MEMIDX_L6SLOTS][2];
};
_Static_assert(sizeof(struct memidx_line6) == 128, "a bucket is two lines");
struct memidx_spill6 {
	uint64_t hi, lo;
	uint16_t answer;
};

/* One zone's tables. */
struct memidx_zone {
	uint32_t serial;		/* the zone's SOA serial */
	unsigned bits4;			/* bucket width, 16 to 24 */
	uint32_t *bstart;		/* 2^bits4 + 1 offsets into single[] */
	uint32_t *single;		/* per bucket, sorted: low 16 bits of
					 * the address << 16 | answer index */
	/* Or (bits4 0, bstart and single NULL) the hashed lines: 2^lbits
	 * of them (16 to 26), the answer of each line slot (lans, 32 a
	 * line; NULL when every answer is ANSWER_DEFAULT), and the spill. */
	struct memidx_line *lines;
	unsigned lbits;
	uint16_t *lans;
	struct memidx_spill *spill;
	size_t nspill;
	uint32_t *wfirst, *wlast;	/* wider intervals, sorted */
	uint16_t *wans;
	size_t nsingle, nwide;
	/*
	 * IPv6: every interval, sorted by its first address, and 2^bits6
	 * buckets over the bits6 bits that follow the prefix all the first
	 * addresses share (cp6 bits).  NULL and 0 without IPv6 listings.
	 */
	uint32_t *b6;			/* 2^bits6 + 1 offsets into f6/l6/a6 */
	unsigned __int128 *f6, *l6;
	uint16_t *a6;
	size_t n6;
	unsigned cp6;			/* 0 to 128 */
	unsigned bits6;			/* bucket width, 16 to 24 */
	/*
	 * Or, for a zone of MEMIDX_LINES6_MIN IPv6 intervals or more, its
	 * single addresses in 2^l6bits hashed buckets (14 to 24), the
	 * answer of each bucket slot (lans6, 8 a bucket; NULL when every
	 * answer is ANSWER_DEFAULT) and the spill; the arrays above then
	 * hold only the wider intervals.  lines6 NULL: not used.
	 */
	struct memidx_line6 *lines6;
	unsigned l6bits;
	uint16_t *lans6;
	struct memidx_spill6 *spill6;
	size_t nspill6, nsingle6;
};

struct memidx {
	uint64_t txnid;			/* the serve transaction copied */
	size_t nzones;
	size_t bytes;			/* memory it holds */
	uint64_t entries;		/* intervals, all zones */
	struct memidx_zone z[];
};

/*
 * Copy every zone's served tables and serial in the read transaction
 * t.  Returns 0 (*out set), DNSBL_ENOMEM or a store error.
 */
int memidx_build(struct store_txn *t, size_t nzones, struct memidx **out);

/*
 * memidx_build() with the bucket widths given: bits4 and bits6 from 16 to
 * 24, or 0 for the width memidx_build() picks by size; bits4 or bits6
 * MEMIDX_BITS_LINES for the hashed lines (IPv4) or buckets (IPv6)
 * whatever the size.  For the tests, which check every layout on a small
 * store.  DNSBL_EINVAL for a width outside 16..24.
 */
#define MEMIDX_BITS_LINES	1
int memidx_build_bits(struct store_txn *t, size_t nzones, unsigned bits4,
    unsigned bits6, struct memidx **out);

/* Free m (NULL: nothing). */
void memidx_free(struct memidx *m);

/* The slot (1 to 31) of key in line l, or 0 when it is not there. */
static inline unsigned
memidx_line_find(const struct memidx_line *l, uint16_t key)
{
	unsigned n = l->k[0] & MEMIDX_LCOUNT;
#if defined(__SSE2__)
	const __m128i *v = (const __m128i *)l->k;
	__m128i r = _mm_set1_epi16((short)key);
	uint64_t m;

	/* Two mask bits a slot; those of slots 1 to n. */
	m = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(v[0], r)) |
	    (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(v[1], r)) <<
	    16 |
	    (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(v[2], r)) <<
	    32 |
	    (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(v[3], r)) <<
	    48;
	m &= (~0ull >> (62 - 2 * n)) & ~3ull;
	return m != 0 ? (unsigned)__builtin_ctzll(m) / 2 : 0;
#else
	unsigned i;

	for (i = 1; i <= n; i++)
		if (l->k[i] == key)
			return i;
	return 0;
#endif
}

/* The answer of the spilled hash h in zone z: 1, or 0 if it is none. */
static inline int
memidx_spill_find(const struct memidx_zone *z, uint32_t h, uint16_t *answer)
{
	size_t lo = 0, hi = z->nspill, md;

	while (lo < hi) {
		md = lo + (hi - lo) / 2;
		if (z->spill[md].h == h) {
			*answer = z->spill[md].answer;
			return 1;
		}
		if (z->spill[md].h < h)
			lo = md + 1;
		else
			hi = md;
	}
	return 0;
}

/*
 * Look the IPv4 address a (4 bytes, network order) up in zone, as
 * store_lookup() does: 1 and hit filled when listed, 0 when not.
 */
static inline int
memidx_lookup4(const struct memidx *m, size_t zone, const uint8_t *a,
    struct store_hit *hit)
{
	const struct memidx_zone *z = &m->z[zone];
	uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	    (uint32_t)a[2] << 8 | a[3];
	uint32_t b, lo, hi, key = x & 0xffff, mid, s, hx, ln;
	size_t l, h, md;
	unsigned slot;

	if (z->lines != NULL) {
		hx = x * MEMIDX_HASH;
		ln = hx >> (32 - z->lbits);
		if ((slot = memidx_line_find(&z->lines[ln],
		    (uint16_t)hx)) != 0) {
			hit->answer = z->lans == NULL ? ANSWER_DEFAULT :
			    z->lans[(size_t)ln * (MEMIDX_LSLOTS + 1) + slot];
			goto single;
		}
		if ((z->lines[ln].k[0] & MEMIDX_LSPILL) &&
		    memidx_spill_find(z, hx, &hit->answer))
			goto single;
		goto wide;
	}
	b = x >> (32 - z->bits4);
	lo = z->bstart[b];
	hi = z->bstart[b + 1];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		s = z->single[mid] >> 16;
		if (s == key) {
			hit->answer = (uint16_t)(z->single[mid] & 0xffff);
			goto single;
		}
		if (s < key)
			lo = mid + 1;
		else
			hi = mid;
	}
wide:
	if (z->nwide == 0 || z->wfirst[0] > x)
		return 0;
	/* The last wide interval that starts at or before x. */
	for (l = 0, h = z->nwide; h - l > 1;) {
		md = l + (h - l) / 2;
		if (z->wfirst[md] <= x)
			l = md;
		else
			h = md;
	}
	if (z->wlast[l] < x)
		return 0;
	hit->answer = z->wans[l];
	hit->first[0] = (uint8_t)(z->wfirst[l] >> 24);
	hit->first[1] = (uint8_t)(z->wfirst[l] >> 16);
	hit->first[2] = (uint8_t)(z->wfirst[l] >> 8);
	hit->first[3] = (uint8_t)z->wfirst[l];
	hit->last[0] = (uint8_t)(z->wlast[l] >> 24);
	hit->last[1] = (uint8_t)(z->wlast[l] >> 16);
	hit->last[2] = (uint8_t)(z->wlast[l] >> 8);
	hit->last[3] = (uint8_t)z->wlast[l];
	return 1;
single:
	memcpy(hit->first, a, 4);
	memcpy(hit->last, a, 4);
	return 1;
}

/* The hash of an IPv6 address's halves; its top bits pick the bucket. */
static inline uint64_t
memidx_hash6(uint64_t hi, uint64_t lo)
{
	return ((hi * 0x9e3779b97f4a7c15ull) ^ lo) * 0xff51afd7ed558ccdull;
}

/* The slot (1 to 7) of (hi, lo) in bucket l, or 0 when it is not there. */
static inline unsigned
memidx_line6_find(const struct memidx_line6 *l, uint64_t hi, uint64_t lo)
{
	unsigned i, n = (unsigned)(l->n & MEMIDX_LCOUNT);

	for (i = 0; i < n; i++)
		if (l->k[i][1] == lo && l->k[i][0] == hi)
			return i + 1;
	return 0;
}

/* The answer of the spilled IPv6 address (hi, lo): 1, or 0 if none. */
static inline int
memidx_spill6_find(const struct memidx_zone *z, uint64_t hi, uint64_t lo,
    uint16_t *answer)
{
	size_t l = 0, h = z->nspill6, md;
	const struct memidx_spill6 *s;

	while (l < h) {
		md = l + (h - l) / 2;
		s = &z->spill6[md];
		if (s->hi == hi && s->lo == lo) {
			*answer = s->answer;
			return 1;
		}
		if (s->hi < hi || (s->hi == hi && s->lo < lo))
			l = md + 1;
		else
			h = md;
	}
	return 0;
}

/* The answer of the single IPv6 address x in zone z's hashed buckets:
 * 1, or 0 when x is not one of them (z->lines6 not NULL). */
static inline int
memidx_single6(const struct memidx_zone *z, unsigned __int128 x,
    uint16_t *answer)
{
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
	size_t ln = memidx_hash6(hi, lo) >> (64 - z->l6bits);
	const struct memidx_line6 *l = &z->lines6[ln];
	unsigned slot;

	if ((slot = memidx_line6_find(l, hi, lo)) != 0) {
		*answer = z->lans6 == NULL ? ANSWER_DEFAULT :
		    z->lans6[ln * (MEMIDX_L6SLOTS + 1) + slot - 1];
		return 1;
	}
	return (l->n & MEMIDX_LSPILL) && memidx_spill6_find(z, hi, lo,
	    answer);
}

/* The 16 bytes at a (network order) as one number: two 8-byte loads. */
static inline unsigned __int128
memidx_u128(const uint8_t *a)
{
	uint64_t hi, lo;

	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	hi = __builtin_bswap64(hi);
	lo = __builtin_bswap64(lo);
#endif
	return (unsigned __int128)hi << 64 | lo;
}

/* The IPv6 bucket of x, which shares the zone's cp6-bit prefix. */
static inline unsigned
memidx_bucket6(const struct memidx_zone *z, unsigned __int128 x)
{
	return z->cp6 >= 128 ? 0 :
	    (unsigned)((x << z->cp6) >> (128 - z->bits6));
}

/*
 * Look the IPv6 address a (16 bytes) up in zone: 1 and hit filled when
 * listed, 0 when not.
 */
static inline int
memidx_lookup6(const struct memidx *m, size_t zone, const uint8_t *a,
    struct store_hit *hit)
{
	const struct memidx_zone *z = &m->z[zone];
	unsigned __int128 x, v;
	size_t lo, hi, md, at;
	unsigned b;
	int i;

	x = memidx_u128(a);
	if (z->lines6 != NULL && memidx_single6(z, x, &hit->answer)) {
		memcpy(hit->first, a, 16);
		memcpy(hit->last, a, 16);
		return 1;
	}
	if (z->n6 == 0)
		return 0;
	if (x < z->f6[0])
		return 0;
	if (x >= z->f6[z->n6 - 1])
		at = z->n6 - 1;
	else {
		/* Between the first and the last: x shares their prefix. */
		b = memidx_bucket6(z, x);
		lo = z->b6[b];
		hi = z->b6[b + 1];
		if (lo == hi || z->f6[lo] > x)
			at = lo - 1;	/* lo > 0: f6[0] <= x */
		else {
			while (hi - lo > 1) {	/* f6[lo] <= x */
				md = lo + (hi - lo) / 2;
				if (z->f6[md] <= x)
					lo = md;
				else
					hi = md;
			}
			at = lo;
		}
	}
	if (z->l6[at] < x)
		return 0;
	hit->answer = z->a6[at];
	for (i = 15, v = z->f6[at]; i >= 0; i--, v >>= 8)
		hit->first[i] = (uint8_t)v;
	for (i = 15, v = z->l6[at]; i >= 0; i--, v >>= 8)
		hit->last[i] = (uint8_t)v;
	return 1;
}

/*
 * Prefetch what memidx_lookup4() or memidx_lookup6() of a in zone will
 * read, in two stages, so that a batch of lookups overlaps its cache
 * misses: stage 0 (for every lookup of the batch) the bucket's bounds,
 * stage 1 (then) the bucket's first entries, which needs the bounds.  In
 * the hashed lines, stage 0 is the line and stage 1 nothing; in the
 * hashed IPv6 buckets, stage 0 is the bucket's two lines as well (and,
 * where wider IPv6 intervals are kept too, the bounds of theirs).
 * Only hints to the CPU: nothing is changed or returned.  Always inlined:
 * GCC takes a function whose only effect is a prefetch for one without
 * effects, and drops the calls to it.
 */
#define MEMIDX_PREFETCH static inline __attribute__((always_inline)) void
MEMIDX_PREFETCH
memidx_prefetch4(const struct memidx *m, size_t zone, const uint8_t *a,
    int stage)
{
	const struct memidx_zone *z = &m->z[zone];
	uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	    (uint32_t)a[2] << 8 | a[3];
	uint32_t b, lo, hi;

	if (z->lines != NULL) {	/* the line: from the address alone */
		if (stage == 0)
			__builtin_prefetch(&z->lines[(x * MEMIDX_HASH) >>
			    (32 - z->lbits)]);
		return;
	}
	b = x >> (32 - z->bits4);
	if (stage == 0) {
		__builtin_prefetch(&z->bstart[b]);
		return;
	}
	lo = z->bstart[b];
	hi = z->bstart[b + 1];
	if (lo < hi) {
		__builtin_prefetch(&z->single[lo + (hi - lo) / 2]);
		__builtin_prefetch(&z->single[hi - 1]);
		__builtin_prefetch(&z->single[lo]);
	}
}

MEMIDX_PREFETCH
memidx_prefetch6(const struct memidx *m, size_t zone, const uint8_t *a,
    int stage)
{
	const struct memidx_zone *z = &m->z[zone];
	unsigned __int128 x;
	uint32_t lo, hi;
	unsigned b;

	x = memidx_u128(a);
	if (z->lines6 != NULL && stage == 0) {	/* both lines of the bucket */
		const char *l = (const char *)&z->lines6[memidx_hash6(
		    (uint64_t)(x >> 64), (uint64_t)x) >> (64 - z->l6bits)];

		__builtin_prefetch(l);
		__builtin_prefetch(l + 64);
	}
	if (z->n6 == 0)
		return;
	b = memidx_bucket6(z, x);
	if (stage == 0) {
		__builtin_prefetch(&z->b6[b]);
		return;
	}
	/* The bucket's first addresses (the search), its last addresses
	 * and answers (the one found): up to 4 cache lines of each, a
	 * bucket of 16 intervals. */
	lo = z->b6[b];
	hi = z->b6[b + 1];
	if (hi - lo > 16)
		hi = lo + 16;
	for (b = lo; b < hi; b += 4) {
		__builtin_prefetch(&z->f6[b]);
		__builtin_prefetch(&z->l6[b]);
	}
	if (lo < hi) {
		__builtin_prefetch(&z->f6[hi - 1]);
		__builtin_prefetch(&z->l6[hi - 1]);
		__builtin_prefetch(&z->a6[lo]);
	}
}

#endif

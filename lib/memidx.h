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

#include "store.h"

struct store_txn;

/* One zone's tables. */
struct memidx_zone {
	uint32_t serial;		/* the zone's SOA serial */
	unsigned bits4;			/* bucket width, 16 to 24 */
	uint32_t *bstart;		/* 2^bits4 + 1 offsets into single[] */
	uint32_t *single;		/* per bucket, sorted: low 16 bits of
					 * the address << 16 | answer index */
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
 * 24, or 0 for the width memidx_build() picks by size.  For the tests,
 * which check every width on a small store.  DNSBL_EINVAL for a width
 * outside 16..24.
 */
int memidx_build_bits(struct store_txn *t, size_t nzones, unsigned bits4,
    unsigned bits6, struct memidx **out);

/* Free m (NULL: nothing). */
void memidx_free(struct memidx *m);

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
	uint32_t b = x >> (32 - z->bits4);
	uint32_t lo = z->bstart[b], hi = z->bstart[b + 1];
	uint32_t key = x & 0xffff, mid, s;
	size_t l, h, md;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		s = z->single[mid] >> 16;
		if (s == key) {
			hit->answer = (uint16_t)(z->single[mid] & 0xffff);
			memcpy(hit->first, a, 4);
			memcpy(hit->last, a, 4);
			return 1;
		}
		if (s < key)
			lo = mid + 1;
		else
			hi = mid;
	}
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

	if (z->n6 == 0)
		return 0;
	x = memidx_u128(a);
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
 * stage 1 (then) the bucket's first entries, which needs the bounds.
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
	uint32_t b = x >> (32 - z->bits4), lo, hi;

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

	if (z->n6 == 0)
		return;
	x = memidx_u128(a);
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

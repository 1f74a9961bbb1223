/*
 * memidx.h -- a copy in memory of every zone's served IPv4 table, as of
 * one LMDB transaction of the serve environment, laid out for the lookup
 * that dnsbld's UDP workers make for each query.
 *
 * Why: a lookup in the served table is a B-tree descent over about 16 MB
 * of pages per million addresses, most of it cache misses and memcmp key
 * compares.  The copy keeps single addresses (the common case) in 65,536
 * buckets by their first two bytes, 4 bytes each (the last two bytes and
 * the answer index), and the few wider intervals in a sorted array apart:
 * about 4 MB per million addresses, one or two cache lines per lookup.
 *
 * The copy is only ever used for the transaction it was taken from: its
 * txnid says which, and a reader compares it with the newest committed
 * transaction (store_last_txnid()) before using it (dnsbld/fastidx.h).
 * IPv6 tables, answers and everything else are still read from the store.
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

/* One zone's IPv4 table. */
struct memidx_zone {
	uint32_t serial;		/* the zone's SOA serial */
	uint32_t *bstart;		/* 65,537 offsets into single[] */
	uint32_t *single;		/* per bucket, sorted: low 16 bits of
					 * the address << 16 | answer index */
	uint32_t *wfirst, *wlast;	/* wider intervals, sorted */
	uint16_t *wans;
	size_t nsingle, nwide;
};

struct memidx {
	uint64_t txnid;			/* the serve transaction copied */
	size_t nzones;
	size_t bytes;			/* memory it holds */
	uint64_t entries;		/* IPv4 intervals, all zones */
	struct memidx_zone z[];
};

/*
 * Copy every zone's IPv4 served table and serial in the read transaction
 * t.  Returns 0 (*out set), DNSBL_ENOMEM or a store error.
 */
int memidx_build(struct store_txn *t, size_t nzones, struct memidx **out);

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
	uint32_t lo = z->bstart[x >> 16], hi = z->bstart[(x >> 16) + 1];
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

/* Prefetch the bucket of a in zone, ahead of memidx_lookup4(). */
static inline void
memidx_prefetch4(const struct memidx *m, size_t zone, const uint8_t *a)
{
	const struct memidx_zone *z = &m->z[zone];
	uint32_t b = (uint32_t)a[0] << 8 | a[1];

	__builtin_prefetch(&z->bstart[b]);
}

#endif

/*
 * memidx.c -- the in-memory copy of the served IPv4 tables (memidx.h).
 *
 * One pass over each zone's table, in address order: a single address
 * goes to the end of single[] (its bucket is never before the last one
 * filled, so bstart[] is filled as the walk goes), a wider interval to the
 * wide arrays, which grow by doubling.  single[] is sized by the table's
 * count first and shrunk at the end.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "memidx.h"
#include "store.h"

#define NBUCKETS 65536

struct build {
	struct memidx_zone *z;
	uint32_t next;			/* the next bucket to open */
	size_t cap_single, cap_wide;
	int err;
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
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
	while (b->next <= f >> 16)
		z->bstart[b->next++] = (uint32_t)z->nsingle;
	z->single[z->nsingle++] = (f & 0xffff) << 16 | answer;
	return 0;
}

static void
zone_free(struct memidx_zone *z)
{
	free(z->bstart);
	free(z->single);
	free(z->wfirst);
	free(z->wlast);
	free(z->wans);
}

static int
zone_build(struct store_txn *t, size_t zone, struct memidx_zone *z)
{
	struct build b;
	uint64_t n;
	uint32_t *s;
	int rc;

	memset(&b, 0, sizeof(b));
	b.z = z;
	z->serial = store_serial(t, zone);
	if ((rc = store_serve_count(t, zone, ADDR_V4, &n)) != 0)
		return rc;
	if (n > UINT32_MAX)
		return DNSBL_ERANGE;
	z->bstart = malloc((NBUCKETS + 1) * sizeof(*z->bstart));
	z->single = malloc((n ? n : 1) * sizeof(*z->single));
	if (z->bstart == NULL || z->single == NULL)
		return DNSBL_ENOMEM;
	b.cap_single = n;
	if ((rc = store_serve_walk(t, zone, ADDR_V4, add_interval, &b)) != 0)
		return rc;
	while (b.next <= NBUCKETS)
		z->bstart[b.next++] = (uint32_t)z->nsingle;
	if (z->nsingle < n && z->nsingle > 0 &&
	    (s = realloc(z->single, z->nsingle * sizeof(*s))) != NULL)
		z->single = s;
	return 0;
}

int
memidx_build(struct store_txn *t, size_t nzones, struct memidx **out)
{
	struct memidx *m;
	size_t i;
	int rc;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m) + nzones * sizeof(m->z[0]))) == NULL)
		return DNSBL_ENOMEM;
	m->nzones = nzones;
	m->txnid = store_txn_id(t);
	for (i = 0; i < nzones; i++) {
		if ((rc = zone_build(t, i, &m->z[i])) != 0)
			goto fail;
		m->entries += m->z[i].nsingle + m->z[i].nwide;
		m->bytes += (NBUCKETS + 1) * sizeof(uint32_t) +
		    m->z[i].nsingle * sizeof(uint32_t) +
		    m->z[i].nwide * (2 * sizeof(uint32_t) + sizeof(uint16_t));
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

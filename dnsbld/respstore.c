/*
 * respstore.c -- struct respond_store: the respond_db of a dnsbld worker,
 * over its store_reader and, when there is one as new as the store, the
 * in-memory copy of the served tables (memidx.h); and the prefetch of a
 * batch's lookups in that copy.  See respond.h.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hugemem.h"
#include "memidx.h"
#include "respond.h"
#include "store.h"
#include "zonectx.h"

/* A respond_store_begin() batch: begin its snapshot if not yet. */
static int
need(struct respond_store *rs)
{
	int rc;

	if (!rs->own || rs->open)
		return 0;
	if ((rc = store_reader_begin(rs->r)) != 0)
		return rs->err = rc;
	rs->open = 1;
	return 0;
}

HOT int
respond_store_end(struct respond_store *rs)
{
	int rc = rs->own ? rs->err : 0;

	if (rs->own && rs->open)
		store_reader_end(rs->r);
	rs->open = 0;
	rs->own = 0;
	rs->err = 0;
	rs->mi = NULL;
	return rc;
}

static int
db_lookup(void *arg, size_t zone, int family, const uint8_t *addr,
    struct store_hit *hit)
{
	struct respond_store *rs = arg;
	int rc;

	if (rs->mi != NULL)
		return family == ADDR_V4 ?
		    memidx_lookup4(rs->mi, zone, addr, hit) :
		    memidx_lookup6(rs->mi, zone, addr, hit);
	if ((rc = need(rs)) != 0)
		return rc;
	return store_lookup(rs->r, zone, family, addr, hit);
}

HOT void
respond_store_prefetch(const struct respond_store *rs,
    const struct respond_hint *h, int stage)
{
	if (rs->mi == NULL || !h->done || h->z == NULL)
		return;
	if (h->rel == 4 && h->v4ok)
		memidx_prefetch4(rs->mi, h->z->index, h->a4, stage);
	else if (h->rel == 32 && h->v6ok)
		memidx_prefetch6(rs->mi, h->z->index, h->a6, stage);
}

static int
db_any_within(void *arg, size_t zone, const struct prefix *p)
{
	struct respond_store *rs = arg;
	int rc;

	if ((rc = need(rs)) != 0)
		return rc;
	return store_any_within(rs->r, zone, p);
}

static int
db_answer(void *arg, size_t zone, uint16_t idx, struct store_answer *out)
{
	struct respond_store *rs = arg;
	int rc;

	if ((rc = need(rs)) != 0)
		return rc;
	return store_reader_answer(rs->r, zone, idx, out);
}

static uint32_t
db_serial(void *arg, size_t zone)
{
	struct respond_store *rs = arg;

	if (rs->sgen[zone] != rs->gen) {
		if (rs->mi != NULL)
			rs->serial[zone] = rs->mi->z[zone].serial;
		else if (need(rs) == 0)
			rs->serial[zone] = store_reader_serial(rs->r, zone);
		else
			return rs->serial[zone];	/* the last known */
		rs->sgen[zone] = rs->gen;
	}
	return rs->serial[zone];
}

int
respond_store_init(struct respond_store *rs, struct respond_db *db,
    struct store_reader *r, size_t nzones)
{
	memset(rs, 0, sizeof(*rs));
	rs->r = r;
	rs->gen = 1;
	rs->sgen = calloc(nzones ? nzones : 1, sizeof(*rs->sgen));
	rs->serial = calloc(nzones ? nzones : 1, sizeof(*rs->serial));
	if (rs->sgen == NULL || rs->serial == NULL) {
		respond_store_fini(rs);
		return DNSBL_ENOMEM;
	}
	db->lookup = db_lookup;
	db->any_within = db_any_within;
	db->answer = db_answer;
	db->serial = db_serial;
	db->arg = rs;
	return 0;
}

void
respond_store_fini(struct respond_store *rs)
{
	free(rs->sgen);
	free(rs->serial);
	rs->sgen = rs->serial = NULL;
}

/*
 * zonectx.c -- render each zone's fixed answer pieces (SOA, NS, glue) once,
 * and find the zone a query name falls in.
 *
 * Names are compared in lower-case wire form, which config.c provides
 * (struct cfg_dname.wire) and the query parser produces.
 */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "hugemem.h"
#include "zonectx.h"

#define T_A	1
#define T_AAAA	28
#define C_IN	1

/* The offset in name of its suffix equal to zone, or -1. */
static int
suffix_at(const uint8_t *name, size_t len, const uint8_t *zone, size_t zlen)
{
	size_t pos = 0;

	while (pos < len) {
		if (len - pos == zlen && memcmp(name + pos, zone, zlen) == 0)
			return (int)pos;
		if (name[pos] == 0)
			break;
		pos += 1 + (size_t)name[pos];
	}
	return -1;
}

/* Append a name to p, as leading labels and an apex pointer if in zone. */
static int
piece_name(struct zpiece *p, const uint8_t *name, size_t len,
    const struct zctx *z)
{
	int at = suffix_at(name, len, z->name, z->namelen);
	size_t n = at >= 0 ? (size_t)at + 2 : len;

	if (p->len + n > ZPIECE_MAX)
		return DNSBL_ERANGE;
	if (at < 0) {
		memcpy(p->data + p->len, name, len);
		p->len += (uint16_t)len;
		return 0;
	}
	if (p->npatch >= ZPIECE_PATCHES)
		return DNSBL_ERANGE;
	memcpy(p->data + p->len, name, (size_t)at);
	p->len += (uint16_t)at;
	p->patch[p->npatch++] = p->len;
	p->data[p->len++] = 0xc0;	/* filled in by zpiece_put() */
	p->data[p->len++] = 0x0c;
	return 0;
}

static int
piece_bytes(struct zpiece *p, const void *b, size_t n)
{
	if (p->len + n > ZPIECE_MAX)
		return DNSBL_ERANGE;
	memcpy(p->data + p->len, b, n);
	p->len += (uint16_t)n;
	return 0;
}

static int
piece_u16(struct zpiece *p, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return piece_bytes(p, b, 2);
}

static int
piece_u32(struct zpiece *p, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	return piece_bytes(p, b, 4);
}

static int
build_zone(const struct cfg_zone *cz, size_t index, struct zctx *z,
    struct errbuf *eb)
{
	size_t i, j, alen;
	int rc = 0;

	memset(z, 0, sizeof(*z));
	z->index = index;
	z->cz = cz;
	memcpy(z->name, cz->name.wire, cz->name.wirelen);
	z->namelen = cz->name.wirelen;
	for (i = 0; i < z->namelen && z->name[i] != 0; i += 1 + z->name[i])
		z->nlabels++;
	if (zonefp(cz, z->fp) != 0)
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	z->ttl = cz->ttl;
	z->soa_ttl = cz->soa.ttl;
	z->neg_ttl = cz->soa.ttl < cz->soa.minimum ? cz->soa.ttl :
	    cz->soa.minimum;
	memcpy(z->a, cz->a, 4);
	if (cz->txt != NULL && cz->txt[0] != '\0') {
		z->txt = cz->txt;
		z->txtlen = strlen(cz->txt);
	}

	rc |= piece_name(&z->soa, cz->soa.mname.wire, cz->soa.mname.wirelen, z);
	rc |= piece_name(&z->soa, cz->soa.rname.wire, cz->soa.rname.wirelen, z);
	z->soa_serial_off = z->soa.len;
	rc |= piece_u32(&z->soa, 0);
	rc |= piece_u32(&z->soa, cz->soa.refresh);
	rc |= piece_u32(&z->soa, cz->soa.retry);
	rc |= piece_u32(&z->soa, cz->soa.expire);
	rc |= piece_u32(&z->soa, cz->soa.minimum);
	if (rc)
		return errbuf_set(eb, DNSBL_ERANGE, "zone %s: SOA too long",
		    cz->name.text);

	if (cz->nns > 0 && (z->ns = calloc(cz->nns, sizeof(*z->ns))) == NULL)
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	z->nns = cz->nns;
	for (i = 0; i < cz->nns; i++)
		if (piece_name(&z->ns[i], cz->ns[i].wire, cz->ns[i].wirelen,
		    z) != 0)
			return errbuf_set(eb, DNSBL_ERANGE,
			    "zone %s: NS too long", cz->name.text);

	if (cz->nglue > 0 &&
	    (z->glue = calloc(cz->nglue, sizeof(*z->glue))) == NULL)
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	for (i = 0; i < cz->nglue; i++) {
		const struct cfg_glue *cg = &cz->glue[i];
		struct zglue *g = &z->glue[z->nglue];

		/* Only names inside the zone are ours to answer. */
		if (suffix_at(cg->name.wire, cg->name.wirelen, z->name,
		    z->namelen) < 0)
			continue;
		memcpy(g->name, cg->name.wire, cg->name.wirelen);
		g->namelen = cg->name.wirelen;
		g->family = cg->addr.family;
		alen = addr_len(g->family);
		memcpy(g->addr, cg->addr.addr, alen);
		for (j = 0; j < cz->nns; j++)
			if (cz->ns[j].wirelen == g->namelen &&
			    memcmp(cz->ns[j].wire, g->name, g->namelen) == 0)
				g->is_ns = 1;
		rc = piece_name(&g->rr, g->name, g->namelen, z);
		rc |= piece_u16(&g->rr, g->family == ADDR_V4 ? T_A : T_AAAA);
		rc |= piece_u16(&g->rr, C_IN);
		rc |= piece_u32(&g->rr, z->soa_ttl);
		rc |= piece_u16(&g->rr, (uint16_t)alen);
		rc |= piece_bytes(&g->rr, g->addr, alen);
		if (rc)
			return errbuf_set(eb, DNSBL_ERANGE,
			    "zone %s: glue too long", cz->name.text);
		z->nglue++;
	}
	return 0;
}

static int
cmp_labels_desc(const void *a, const void *b)
{
	const struct zctx *x = a, *y = b;

	return y->nlabels - x->nlabels;
}

int
zoneset_build(const struct dnsbl_config *cfg, struct zoneset **out,
    struct errbuf *eb)
{
	struct zoneset *zs;
	size_t i;
	int rc;

	*out = NULL;
	if ((zs = calloc(1, sizeof(*zs))) == NULL)
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	if (cfg->nzones > 0 &&
	    (zs->zones = calloc(cfg->nzones, sizeof(*zs->zones))) == NULL) {
		rc = errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < cfg->nzones; i++) {
		zs->nzones++;
		if ((rc = build_zone(&cfg->zones[i], i, &zs->zones[i], eb)) != 0)
			goto fail;
	}
	qsort(zs->zones, zs->nzones, sizeof(*zs->zones), cmp_labels_desc);
	*out = zs;
	return 0;
fail:
	zoneset_free(zs);
	return rc;
}

void
zoneset_free(struct zoneset *zs)
{
	size_t i;

	if (zs == NULL)
		return;
	for (i = 0; i < zs->nzones; i++) {
		free(zs->zones[i].ns);
		free(zs->zones[i].glue);
	}
	free(zs->zones);
	free(zs);
}

/* 1 if the n bytes at a and b are the same: 8 at a time, and no call. */
static inline int
same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t x, y, d = 0;
	size_t i;

	if (n < 8) {
		for (i = 0; i < n; i++)
			d |= (uint64_t)(a[i] ^ b[i]);
		return d == 0;
	}
	for (i = 0; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	memcpy(&x, a + n - 8, 8);	/* the last 8, overlapping */
	memcpy(&y, b + n - 8, 8);
	return (d | (x ^ y)) == 0;
}

HOT const struct zctx *
zoneset_find(const struct zoneset *zs, const uint8_t *name, size_t len,
    const uint8_t *labels, int nlabels)
{
	size_t i, off;
	const struct zctx *z;

	for (i = 0; i < zs->nzones; i++) {
		z = &zs->zones[i];
		if (z->nlabels > nlabels)
			continue;
		off = z->nlabels == 0 ? len - 1 :
		    labels[nlabels - z->nlabels];
		if (len - off == z->namelen &&
		    same_bytes(name + off, z->name, z->namelen))
			return z;
	}
	return NULL;
}

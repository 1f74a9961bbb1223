/*
 * zonectx.h -- the per-zone answer pieces dnsbld renders once, at startup
 * and on SIGHUP, so that answering a query only copies bytes.
 *
 * For each configured zone: its name (wire form, lower case), the SOA
 * RDATA, each NS RDATA and each glue RR.  Names inside them that end in the
 * zone's own name are rendered as their leading labels followed by a
 * compression pointer to the zone apex; since the apex sits at a different
 * offset in each answer (right after the question's leading labels), the
 * pointer's position is recorded as a "patch" and filled in per answer by
 * zpiece_put().  The SOA serial changes with every commit of the loader, so
 * its offset is recorded too and the serial written from the store's
 * snapshot.
 *
 * Ownership: zoneset_build() allocates one struct zoneset that owns every
 * piece; zoneset_free() releases it.  The zoneset points into the config it
 * was built from (zone TXT templates), so the config must outlive it.  A
 * built zoneset is never changed, so worker threads share it freely.
 */
#ifndef DNSBLD_ZONECTX_H
#define DNSBLD_ZONECTX_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"
#include "zonefp.h"

struct dnsbl_config;
struct cfg_zone;
struct errbuf;

#define ZPIECE_MAX 540		/* two names of 255 bytes and 20 more */
#define ZPIECE_PATCHES 4

/* A pre-rendered byte string with apex pointers to fill in. */
struct zpiece {
	uint8_t data[ZPIECE_MAX];
	uint16_t len;
	uint8_t npatch;
	uint16_t patch[ZPIECE_PATCHES];	/* offsets of 2-byte apex pointers */
};

struct zglue {
	uint8_t name[WIRE_NAME_MAX];	/* lower case, full wire name */
	uint8_t namelen;
	int family;			/* ADDR_V4 or ADDR_V6 */
	uint8_t addr[16];
	struct zpiece rr;		/* the whole A or AAAA RR */
	int is_ns;			/* the name is one of the zone's NS */
};

struct zctx {
	size_t index;			/* in cfg->zones, for the store */
	const struct cfg_zone *cz;	/* the zone's config (codes, txt) */
	uint8_t name[WIRE_NAME_MAX];	/* lower case */
	uint8_t namelen;
	int nlabels;
	uint32_t ttl;			/* of A and TXT answers */
	uint32_t soa_ttl;		/* of SOA, NS and glue */
	uint32_t neg_ttl;		/* min(SOA ttl, minimum): RFC 2308 */
	uint8_t a[4];			/* the zone's default A */
	const char *txt;		/* default TXT template, or NULL */
	size_t txtlen;
	struct zpiece soa;		/* SOA RDATA */
	uint16_t soa_serial_off;	/* where in soa.data the serial goes */
	struct zpiece *ns;		/* NS RDATA, one per name server */
	size_t nns;
	struct zglue *glue;		/* in-zone glue */
	size_t nglue;
	uint8_t fp[ZONEFP_LEN];		/* the config's digest (zonefp.h) */
};

struct zoneset {
	struct zctx *zones;		/* most labels first */
	size_t nzones;
};

/* Render every zone of cfg.  0, DNSBL_ENOMEM or DNSBL_ERANGE (eb says). */
int zoneset_build(const struct dnsbl_config *cfg, struct zoneset **out,
    struct errbuf *eb);
void zoneset_free(struct zoneset *zs);

/*
 * The most specific zone that the lower-case name (wire form, len bytes,
 * label offsets in labels[0..nlabels-1]) is in or at, or NULL.
 */
const struct zctx *zoneset_find(const struct zoneset *zs, const uint8_t *name,
    size_t len, const uint8_t *labels, int nlabels);

/* Append p to w with its apex pointers aimed at apex_off. */
static inline void
zpiece_put(struct wire_writer *w, const struct zpiece *p, size_t apex_off)
{
	size_t start = w->len;
	uint8_t i;

	wire_put_bytes(w, p->data, p->len);
	for (i = 0; i < p->npatch; i++)
		wire_patch_u16(w, start + p->patch[i],
		    (uint16_t)(0xc000 | (apex_off & 0x3fff)));
}

#endif

/*
 * zonefp.h -- a digest of everything in a zone's config that its records
 * depend on: the SOA fields, NS, glue, the TTL, the default a and txt, and
 * every code (name, a, txt).  Not the transfer ACL, notify list or listing
 * policy, which no record shows.
 *
 * The store keeps the digest of the config last applied to each zone
 * (`loader apply-config`, store_zone_apply()).  dnsbld compares it with
 * its own: when they differ, the records it would transfer are not the
 * ones the serial stands for, so it reloads (a new config was applied) or
 * refuses transfers (its config was changed but not applied).
 */
#ifndef DNSBL_ZONEFP_H
#define DNSBL_ZONEFP_H

#include <stdint.h>

struct cfg_zone;

#define ZONEFP_LEN 32		/* SHA-256 */

/* The digest of cz into fp.  0, or DNSBL_ENOMEM. */
int zonefp(const struct cfg_zone *cz, uint8_t fp[ZONEFP_LEN]);

#endif

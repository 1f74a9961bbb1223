/*
 * zonegen.h -- the records of a zone as a secondary must hold them.
 *
 * dnsbld answers from intervals; a master file or a zone transfer needs
 * names.  zonegen_walk() turns the served table into records, so that
 * `loader export --format zone` and dnsbld's AXFR give the same zone:
 *
 *   - each served interval is cut into CIDRs, and each CIDR into blocks on
 *     octet (IPv4) or nibble (IPv6) boundaries;
 *   - a block of one address is a host name ("4.3.2.1"), a wider block a
 *     wildcard ("*.3.2.1"); intervals never overlap, so no wildcard is
 *     shadowed by a name below it;
 *   - the RFC 5782 test entries come first: 127.0.0.2 and ::ffff:127.0.0.2
 *     listed with the zone's answer, 127.0.0.1 and ::ffff:127.0.0.1 cut out
 *     of whatever the store lists.
 *
 * Each record pair is passed to the caller's function; the struct zone_rr
 * and the strings in it are valid only during that call.
 */
#ifndef DNSBL_ZONEGEN_H
#define DNSBL_ZONEGEN_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "txt.h"

struct cfg_zone;
struct store_txn;

#define ZONE_OWNER_MAX 80	/* "*." + 32 nibbles with dots, and a NUL */

struct zone_rr {
	struct prefix block;		/* the addresses this name answers */
	char owner[ZONE_OWNER_MAX];	/* relative to the zone, no dot */
	/* The same owner as wire labels, without the zone or a root
	 * label: 1 '*' 1 '3' 1 '2' 1 '1' for "*.3.2.1". */
	uint8_t owner_wire[2 + PREFIX_REVWIRE];
	size_t owner_wirelen;
	int wildcard;
	uint8_t a[4];			/* the A record */
	char txt[TXT_MAX + 1];		/* the TXT text, $ filled in; "": no TXT */
};

typedef int (*zone_rr_fn)(const struct zone_rr *rr, void *arg);

/*
 * Call fn for every record pair of zone (index in the config) in the
 * transaction's snapshot: the test entries, then IPv4 and IPv6 in address
 * order.  families: bit 0 IPv4, bit 1 IPv6.  Returns 0, fn's non-zero
 * code, or a store error.
 */
int zonegen_walk(struct store_txn *t, size_t zone, int families,
    zone_rr_fn fn, void *arg);

/*
 * Call fn for the record pairs of one served interval with answer (as a
 * journal record gives it), exactly as zonegen_walk() makes them for that
 * interval: the test addresses cut out.  For IXFR: the records of a removed
 * interval are the ones to delete, those of an added one to add.
 */
int zonegen_interval(struct store_txn *t, size_t zone, int family,
    const uint8_t *first, const uint8_t *last, uint16_t answer,
    zone_rr_fn fn, void *arg);

/*
 * Call fn for each CIDR of the smallest set that covers exactly
 * [first, last] (network order, the family's length).  Stops on non-zero.
 */
typedef int (*cidr_fn)(const struct prefix *p, void *arg);
int interval_cidrs(int family, const uint8_t *first, const uint8_t *last,
    cidr_fn fn, void *arg);

/*
 * Call fn for each served interval of zone in the snapshot, with the RFC
 * 5782 test addresses cut out (the test entry itself is not added).
 */
typedef int (*zone_ival_fn)(int family, const uint8_t *first,
    const uint8_t *last, uint16_t answer, void *arg);
int zonegen_intervals(struct store_txn *t, size_t zone, int family,
    zone_ival_fn fn, void *arg);

#endif

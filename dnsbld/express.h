/*
 * express.h -- the query nearly every query is, read and answered in one
 * pass each: a plain QUERY for a reversed IPv4 or IPv6 address in one of
 * the zones, with no other record than an OPT, answered from the batch's
 * in-memory copy of the served tables with the zone's default A or TXT,
 * or NXDOMAIN.  The general code (query_parse(), respond_hint(),
 * respond_hinted()) decides the same for every query; these functions
 * only take the common case's shortcut, and say when they cannot, so
 * that the caller takes the general path instead.  The unit test
 * test_express compares the two on random and hostile packets.
 *
 * Ownership: the caller's.  Nothing is kept between calls; q->qname_raw
 * points into pkt, h->z into zs, as query_parse() and respond_hint() say.
 */
#ifndef DNSBLD_EXPRESS_H
#define DNSBLD_EXPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"
#include "respond.h"

struct zoneset;
struct memidx;

/*
 * If pkt (len bytes) is a QUERY with one question, no answer or
 * authority records and at most an OPT in additional, whose name is
 * lower case and is 4 decimal octet labels or 32 hex digit labels (not
 * all 4 of one byte) directly below a zone of zs (the most specific
 * one), and whose QTYPE is none of OPT, AXFR and IXFR: fill q as
 * query_parse() does (it would return Q_OK) and h as respond_hint()
 * does, and return 1.  Otherwise 0: q and h hold nothing of use, and the
 * caller parses pkt the general way.
 */
int express_query(const struct zoneset *zs, const uint8_t *pkt, size_t len,
    struct query *q, struct respond_hint *h);

/*
 * The answer respond_hinted(zs, db, q, Q_OK, h, out, cap, limit, 0)
 * gives over UDP, when q and h came from express_query() and mi is the
 * batch's copy of the served tables that db reads: for QTYPE A or TXT,
 * class IN, no EDNS version above 0, a zone without glue at that name,
 * an address that is not one of RFC 5782's test entries, listed with
 * the zone's default answer or not listed at all (for an IPv4 name that
 * is no IPv6 name too).  Returns its length, or 0 when the query is not
 * such a query (or the answer would not fit limit): the caller answers
 * it the general way.
 */
size_t express_answer(const struct memidx *mi, const struct query *q,
    const struct respond_hint *h, uint8_t *out, size_t limit);

#endif

/*
 * signed.h -- the answer to a signed request that is not a zone transfer:
 * a query (a secondary's SOA check), or a NOTIFY or UPDATE sent to us.
 *
 * RFC 8945 5.3: a request with a TSIG gets a signed answer.  The request is
 * verified against the config's keys (tsig.c).  A bad key or MAC gets
 * NOTAUTH with the TSIG error, unsigned; a time outside the request's fudge
 * gets NOTAUTH with BADTIME, signed; otherwise the answer respond() gives
 * (or NOTIMP for another opcode, REFUSED outside our zones, ...) is signed
 * with the request's key.  Any key of the config may sign a query; which
 * keys may transfer a zone is xfr.c's business.  The answer is kept small
 * enough for the TSIG to fit the UDP size limit; if the signed answer
 * still does not fit, the question alone goes out with TC, signed.
 *
 * This path pays for ldns and allocates; unsigned queries never come here.
 */
#ifndef DNSBLD_SIGNED_H
#define DNSBLD_SIGNED_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"

struct dnsbl_config;
struct zoneset;
struct respond_db;

/*
 * Answer pkt (len bytes), which query_parse() read into q with status st
 * and found signed (q->tsig), into out (cap bytes).  tcp as for respond().
 * Returns the answer's length, or 0 to send nothing.
 */
size_t signed_answer(const struct dnsbl_config *cfg,
    const struct zoneset *zs, const struct respond_db *db,
    const struct query *q, enum query_status st, const uint8_t *pkt,
    size_t len, uint8_t *out, size_t cap, int tcp);

/*
 * The entry point of the UDP and TCP loops for every message that is not
 * a zone transfer: one parse, then signed_answer() for a signed one and
 * respond() for the rest.  Arguments and result as for respond().
 */
size_t answer_query(const struct dnsbl_config *cfg, const struct zoneset *zs,
    const struct respond_db *db, const uint8_t *pkt, size_t len,
    uint8_t *out, size_t cap, int tcp);

#endif

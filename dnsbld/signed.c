/*
 * signed.c -- answers to signed requests other than zone transfers (see
 * signed.h).
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "query.h"
#include "respond.h"
#include "signed.h"
#include "tsig.h"
#include "wire.h"

size_t
signed_answer(const struct dnsbl_config *cfg, const struct zoneset *zs,
    const struct respond_db *db, const struct query *q, enum query_status st,
    const uint8_t *pkt, size_t len, uint8_t *out, size_t cap, int tcp)
{
	struct tsig_ctx tc;
	uint8_t *msg = NULL;
	size_t limit, room, n, outlen = 0;
	int rc;

	rc = tsig_verify(cfg, pkt, len, &tc);
	limit = respond_limit(q, tcp, cap);
	if (rc != 0) {
		/* A TSIG that cannot be read: FORMERR, unsigned. */
		tsig_ctx_free(&tc);
		return rc == DNSBL_EPARSE ? respond_parsed(zs, db, q,
		    Q_FORMERR, out, cap, limit, tcp) : 0;
	}
	room = tsig_overhead(&tc);
	room = limit > room + DNS_HDRLEN ? limit - room : DNS_HDRLEN;
	if ((msg = malloc(limit)) == NULL)
		goto done;
	if (tc.error != 0)
		n = respond_bare(q, RC_NOTAUTH, 0, msg, room);
	else
		n = respond_parsed(zs, db, q, st, msg, limit, room, tcp);
	if (n == 0)
		goto done;
	rc = tsig_sign(&tc, msg, n, out, limit, &outlen);
	if (rc == DNSBL_ESPACE && tc.error == 0) {
		/* Still too large once signed: TC, and the client retries
		 * over TCP. */
		if ((n = respond_bare(q, RC_NOERROR, 1, msg, room)) != 0)
			rc = tsig_sign(&tc, msg, n, out, limit, &outlen);
	}
	if (rc != 0)
		outlen = 0;
done:
	free(msg);
	tsig_ctx_free(&tc);
	return outlen;
}

size_t
answer_query(const struct dnsbl_config *cfg, const struct zoneset *zs,
    const struct respond_db *db, const uint8_t *pkt, size_t len,
    uint8_t *out, size_t cap, int tcp)
{
	struct query q;
	enum query_status st = query_parse(pkt, len, &q);

	if (st != Q_DROP && q.tsig)
		return signed_answer(cfg, zs, db, &q, st, pkt, len, out, cap,
		    tcp);
	return respond_parsed(zs, db, &q, st, out, cap, respond_limit(&q, tcp,
	    cap), tcp);
}

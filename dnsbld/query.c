/*
 * query.c -- parse a query: header, the question, and EDNS0.
 *
 * The rules (see docs/dnsbld.8): shorter than a header or QR set: drop.
 * Opcode other than QUERY: NOTIMP.  QDCOUNT other than 1, a question name
 * that is compressed, too long or cut short, a record that runs past the
 * end, an OPT whose owner is not the root, a malformed OPT option list, or
 * more than one OPT, a TSIG that is not the last record: FORMERR.  Other
 * records in the answer, authority and additional sections are stepped
 * over; the serial of an SOA in authority (an IXFR query's) is kept, and
 * whether a TSIG ends the message (xfr.c and tsig.c check it).  Bytes after
 * the last counted record are ignored.
 */
#include <string.h>

#include "query.h"

static enum query_status parse_rest(struct wire_reader *rp,
    const uint8_t *pkt, struct query *q, uint16_t an, uint16_t ns,
    uint16_t ar);

/* Step over one option list of an OPT record; 0 if well formed. */
static int
check_options(const uint8_t *p, size_t n)
{
	struct wire_reader r;
	uint16_t olen;

	wire_reader_init(&r, p, n);
	while (wire_remaining(&r) > 0) {
		(void)wire_u16(&r);		/* option code: all ignored */
		olen = wire_u16(&r);
		(void)wire_skip(&r, olen);
		if (r.err)
			return -1;
	}
	return 0;
}

enum query_status
query_parse(const uint8_t *pkt, size_t len, struct query *q)
{
	struct wire_reader r;
	uint16_t qd, an, ns, ar;

	q->has_question = 0;
	q->edns = 0;
	q->payload = 512;
	q->edns_version = 0;
	q->dnssec_ok = 0;
	q->nlabels = 0;
	q->has_soa = 0;
	q->soa_serial = 0;
	q->tsig = 0;
	if (len < DNS_HDRLEN)
		return Q_DROP;
	wire_reader_init(&r, pkt, len);
	q->id = wire_u16(&r);
	q->flags = wire_u16(&r);
	if (q->flags & F_QR)
		return Q_DROP;
	qd = wire_u16(&r);
	an = wire_u16(&r);
	ns = wire_u16(&r);
	ar = wire_u16(&r);
	/* Another opcode (NOTIFY, UPDATE): NOTIMP, but read on to learn
	 * whether it is signed, so that the answer can be (RFC 8945 5.3). */
	if (F_OPCODE(q->flags) != 0) {
		if (qd == 1 && parse_rest(&r, pkt, q, an, ns, ar) != Q_OK)
			q->tsig = 0;
		return Q_NOTIMP;
	}
	if (qd != 1)
		return Q_FORMERR;
	return parse_rest(&r, pkt, q, an, ns, ar);
}

/* The question and the sections after it. */
static enum query_status
parse_rest(struct wire_reader *rp, const uint8_t *pkt, struct query *q,
    uint16_t an, uint16_t ns, uint16_t ar)
{
	struct wire_reader r = *rp;
	uint16_t type, cls, rdlen;
	uint32_t ttl;
	const uint8_t *rdata;
	unsigned i, nrr;
	size_t owner, namelen;

	q->qname_raw = pkt + r.off;
	q->qname_len = wire_read_name(&r, q->qname, q->labels, &q->nlabels);
	q->qtype = wire_u16(&r);
	q->qclass = wire_u16(&r);
	if (r.err)
		return Q_FORMERR;
	q->has_question = 1;

	/* Answer and authority: step over.  Each record is >= 11 bytes. */
	nrr = (unsigned)an + ns;
	for (i = 0; i < nrr && !r.err; i++) {
		wire_skip_name(&r);
		type = wire_u16(&r);
		(void)wire_skip(&r, 6);		/* class, ttl */
		rdlen = wire_u16(&r);
		rdata = wire_skip(&r, rdlen);
		if (!r.err && i >= an && type == T_SOA && !q->has_soa) {
			struct wire_reader s;

			wire_reader_init(&s, rdata, rdlen);
			wire_skip_name(&s);	/* mname */
			wire_skip_name(&s);	/* rname */
			q->soa_serial = wire_u32(&s);
			q->has_soa = !s.err;
		}
	}
	for (i = 0; i < ar && !r.err; i++) {
		owner = r.off;
		wire_skip_name(&r);
		namelen = r.off - owner;
		type = wire_u16(&r);
		cls = wire_u16(&r);
		ttl = wire_u32(&r);
		rdlen = wire_u16(&r);
		rdata = wire_skip(&r, rdlen);
		if (!r.err && type == T_TSIG) {
			if (i + 1 != ar)
				return Q_FORMERR;	/* RFC 8945 5.1 */
			q->tsig = 1;
		}
		if (r.err || type != T_OPT)
			continue;
		if (q->edns || namelen != 1 || pkt[owner] != 0)
			return Q_FORMERR;	/* a second OPT, or not root */
		if (check_options(rdata, rdlen) != 0)
			return Q_FORMERR;
		q->edns = 1;
		q->payload = cls < 512 ? 512 : cls;
		q->edns_version = (uint8_t)(ttl >> 16);
		q->dnssec_ok = (ttl & EDNS_DO) != 0;
	}
	if (r.err)
		return Q_FORMERR;
	if (q->qtype == T_OPT)
		return Q_FORMERR;
	return Q_OK;
}

/*
 * query.h -- parse one DNS query message: the header, the one question and
 * the EDNS0 OPT record (RFC 6891), with the bounds-checked reader of
 * lib/wire.h.  Nothing here allocates.
 *
 * Ownership: a struct query is filled by query_parse() and owned by the
 * caller (it lives on the worker's stack); qname_raw points into the packet,
 * which must outlive it.
 */
#ifndef DNSBLD_QUERY_H
#define DNSBLD_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define DNS_HDRLEN	12

/* Header flag bits (the second 16-bit word). */
#define F_QR	0x8000
#define F_AA	0x0400
#define F_TC	0x0200
#define F_RD	0x0100
#define F_AD	0x0020
#define F_CD	0x0010	/* copied to the answer (RFC 4035 3.1.6) */
#define F_OPCODE(f)	(((f) >> 11) & 0xf)

enum {
	RC_NOERROR = 0, RC_FORMERR = 1, RC_SERVFAIL = 2, RC_NXDOMAIN = 3,
	RC_NOTIMP = 4, RC_REFUSED = 5, RC_NOTAUTH = 9, RC_BADVERS = 16
};
#define OPCODE_NOTIFY	4

enum {
	T_A = 1, T_NS = 2, T_SOA = 6, T_TXT = 16, T_AAAA = 28, T_OPT = 41,
	T_TSIG = 250, T_IXFR = 251, T_AXFR = 252, T_ANY = 255
};
#define C_IN	1
#define C_ANY	255

/* What query_parse() decided. */
enum query_status {
	Q_OK = 0,	/* a well-formed QUERY with one question */
	Q_DROP,		/* no answer at all (a response, or too short) */
	Q_FORMERR,	/* answer FORMERR */
	Q_NOTIMP,	/* answer NOTIMP (an opcode other than QUERY) */
};

/* The largest UDP answer we ever send, and advertise (DNS flag day 2020). */
#define EDNS_PAYLOAD	1232

/* The DO bit in the OPT record's TTL field (RFC 3225). */
#define EDNS_DO		0x8000

struct query {
	uint16_t id;
	uint16_t flags;			/* as received */
	const uint8_t *qname_raw;	/* in the packet, at offset 12 */
	size_t qname_len;		/* its wire length */
	uint8_t qname[WIRE_NAME_MAX];	/* lower case */
	uint8_t labels[WIRE_LABELS_MAX];/* label offsets in qname */
	int nlabels;
	uint16_t qtype, qclass;
	int has_question;		/* qname/qtype/qclass are valid */
	int edns;			/* an OPT record came */
	uint16_t payload;		/* its UDP payload size */
	uint8_t edns_version;
	int dnssec_ok;			/* the OPT's DO bit (RFC 3225) */
	int has_soa;			/* an SOA in authority (IXFR) */
	uint32_t soa_serial;		/* its serial */
	int tsig;			/* the last additional RR is a TSIG */
};

/* Parse the packet pkt (len bytes) into q. */
enum query_status query_parse(const uint8_t *pkt, size_t len,
    struct query *q);

/*
 * The QTYPE of a query packet, looked at without a full parse, or 0 when
 * pkt is not a QUERY with one question.  The UDP and TCP loops use it to
 * send zone transfer requests (AXFR, IXFR) to xfr.c instead of respond().
 */
static inline uint16_t
query_peek_qtype(const uint8_t *pkt, size_t len)
{
	size_t off = DNS_HDRLEN;

	if (len < DNS_HDRLEN || (pkt[2] & 0xf8) != 0 || pkt[4] != 0 ||
	    pkt[5] != 1)
		return 0;
	while (off < len && pkt[off] != 0) {
		if (pkt[off] & 0xc0)
			return 0;
		off += 1 + (size_t)pkt[off];
	}
	if (off + 3 > len)
		return 0;
	return wire_get16(pkt + off + 1);
}

#endif

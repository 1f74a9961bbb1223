/*
 * rrwrite.h -- the pieces of an answer, written into a wire_writer: the
 * header, a record's fixed part, the SOA, a TXT from a zone's template,
 * and the OPT.  respond.c and express.c build their answers from these,
 * so that both write the same bytes.
 *
 * Every owner name is a compression pointer (into the question, or to
 * the zone's apex in it).  A writer that runs out of room sets w->err
 * and writes nothing more (wire.h); the callers check it once.
 *
 * Ownership: the caller's; nothing is kept.
 */
#ifndef DNSBLD_RRWRITE_H
#define DNSBLD_RRWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"
#include "wire.h"

struct zctx;

#define OPT_RRLEN 11		/* the OPT that every EDNS answer carries */

/*
 * The 12-byte header of the answer to q at out: its id, QR, the opcode,
 * RD and CD copied, AA and TC as given, rcode's low 4 bits, the counts.
 * Inline, as rr_head(): every answer has them.
 */
static inline void
rr_header(uint8_t *out, const struct query *q, int rcode, int aa, int tc,
    uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	uint16_t f = F_QR | (q->flags & (0x7800 | F_RD | F_CD)) |
	    (rcode & 0xf);

	if (aa)
		f |= F_AA;
	if (tc)
		f |= F_TC;
	out[0] = (uint8_t)(q->id >> 8);
	out[1] = (uint8_t)q->id;
	out[2] = (uint8_t)(f >> 8);
	out[3] = (uint8_t)f;
	out[4] = (uint8_t)(qd >> 8);
	out[5] = (uint8_t)qd;
	out[6] = (uint8_t)(an >> 8);
	out[7] = (uint8_t)an;
	out[8] = (uint8_t)(ns >> 8);
	out[9] = (uint8_t)ns;
	out[10] = (uint8_t)(ar >> 8);
	out[11] = (uint8_t)ar;
}

/* Owner pointer to offset owner, type, class IN, TTL: 10 bytes, one
 * write and one bounds check. */
static inline void
rr_head(struct wire_writer *w, size_t owner, uint16_t type, uint32_t ttl)
{
	const uint8_t h[10] = {
		(uint8_t)(0xc0 | (owner >> 8 & 0x3f)), (uint8_t)owner,
		(uint8_t)(type >> 8), (uint8_t)type,
		(uint8_t)(C_IN >> 8), (uint8_t)C_IN,
		(uint8_t)(ttl >> 24), (uint8_t)(ttl >> 16), (uint8_t)(ttl >> 8),
		(uint8_t)ttl
	};

	wire_put_bytes(w, h, sizeof(h));
}

/* An A record owned by the question's name: ttl, the 4 bytes at a. */
static inline void
rr_a(struct wire_writer *w, uint32_t ttl, const uint8_t a[4])
{
	rr_head(w, DNS_HDRLEN, T_A, ttl);
	wire_put_bytes(w, (const uint8_t[6]){ 0, 4, a[0], a[1], a[2], a[3] },
	    6);				/* RDLENGTH, RDATA */
}

/*
 * The SOA record of zone z with ttl, its owner a pointer to the apex at
 * apex_off, with the SOA serial serial.
 */
void rr_soa(struct wire_writer *w, const struct zctx *z, size_t apex_off,
    uint32_t ttl, uint32_t serial);

/*
 * A TXT record owned by the question's name with ttl, from the template
 * tpl (n bytes), each '$' in it replaced by the address addr of family
 * (addr.h) in text; a new string every 255 bytes.
 */
void rr_txt(struct wire_writer *w, uint32_t ttl, const char *tpl, size_t n,
    int family, const uint8_t *addr);

/* The OPT: our payload, extended rcode, version 0, DO copied (RFC 3225). */
void rr_opt(struct wire_writer *w, int rcode, int dnssec_ok);

#endif

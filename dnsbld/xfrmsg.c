/*
 * xfrmsg.c -- zone transfer messages (see xfrmsg.h).
 *
 * Every message starts with the request's header fields (id, opcode, RD,
 * CD), QR and AA set, and the request's question copied byte for byte, so
 * the apex pointer of every owner name means the same in each message.
 * A record is written whole or not at all: on overflow the writer is
 * rolled back to where the record began, the message sent, and the record
 * written again into the next.  A request with EDNS gets an OPT record in
 * every message (RFC 6891 7); room for it is kept back.  The per-record
 * path (xfr_msg_rr) only copies bytes: the owner's labels as zonegen made
 * them and a pointer to the apex, a TXT text cut into strings of 255.
 */
#include <string.h>

#include "err.h"
#include "query.h"
#include "xfrmsg.h"
#include "zonectx.h"
#include "zonegen.h"

#define OPT_LEN 11

static void
begin(struct xfr_msg *m)
{
	const struct query *q = m->q;

	wire_writer_init(&m->w, m->buf, m->cap - (q->edns ? OPT_LEN : 0));
	m->w.len = DNS_HDRLEN;
	wire_put_bytes(&m->w, q->qname_raw, q->qname_len);
	wire_put_u16(&m->w, q->qtype);
	wire_put_u16(&m->w, q->qclass);
	m->qend = m->w.len;
	m->an = 0;
}

void
xfr_msg_init(struct xfr_msg *m, const struct query *q, const struct zctx *z,
    uint8_t *buf, size_t cap, xfr_send_fn send, void *arg)
{
	memset(m, 0, sizeof(*m));
	m->q = q;
	m->z = z;
	m->buf = buf;
	m->cap = cap > XFR_MSG_MAX ? XFR_MSG_MAX : cap;
	m->send = send;
	m->arg = arg;
	m->apex_off = z != NULL ? DNS_HDRLEN + q->qname_len - z->namelen :
	    DNS_HDRLEN;
	begin(m);
}

int
xfr_msg_end(struct xfr_msg *m, int rcode)
{
	const struct query *q = m->q;
	uint16_t f = F_QR | (q->flags & (0x7800 | F_RD | F_CD)) |
	    (uint16_t)(rcode & 0xf);
	uint16_t ar = 0;
	uint8_t *h = m->buf;
	int rc;

	if (rcode == 0 || m->z != NULL)
		f |= F_AA;
	if (q->edns) {
		m->w.cap = m->cap;
		wire_put_u8(&m->w, 0);
		wire_put_u16(&m->w, T_OPT);
		wire_put_u16(&m->w, EDNS_PAYLOAD);
		wire_put_u32(&m->w, q->dnssec_ok ? EDNS_DO : 0);
		wire_put_u16(&m->w, 0);
		ar = 1;
	}
	if (m->w.err)
		return DNSBL_ESPACE;
	h[0] = (uint8_t)(q->id >> 8);
	h[1] = (uint8_t)q->id;
	h[2] = (uint8_t)(f >> 8);
	h[3] = (uint8_t)f;
	h[4] = 0;
	h[5] = 1;
	h[6] = (uint8_t)(m->an >> 8);
	h[7] = (uint8_t)m->an;
	h[8] = h[9] = 0;
	h[10] = (uint8_t)(ar >> 8);
	h[11] = (uint8_t)ar;
	m->nmsg++;
	m->nrr += m->an;
	m->bytes += m->w.len;
	m->sent_any = 1;
	rc = m->send(m->arg, m->buf, m->w.len);
	begin(m);
	return rc;
}

int
xfr_msg_flush(struct xfr_msg *m)
{
	return m->an > 0 ? xfr_msg_end(m, 0) : 0;
}

/*
 * After writing one record from mark: 0 if it fit, else roll back and
 * send the message: 1 to write it again, or an error.
 */
static int
fitted(struct xfr_msg *m, size_t mark)
{
	int rc;

	if (!m->w.err) {
		m->an++;
		return 0;
	}
	m->w.err = 0;
	m->w.len = mark;
	if (m->an == 0)
		return DNSBL_ESPACE;
	if ((rc = xfr_msg_end(m, 0)) != 0)
		return rc;
	return 1;
}

static void
rrhdr(struct xfr_msg *m, uint16_t type, uint32_t ttl)
{
	wire_put_ptr(&m->w, m->apex_off);
	wire_put_u16(&m->w, type);
	wire_put_u16(&m->w, C_IN);
	wire_put_u32(&m->w, ttl);
}

int
xfr_msg_soa(struct xfr_msg *m, uint32_t serial)
{
	const struct zctx *z = m->z;
	size_t mark, start;
	int rc;

	do {
		mark = m->w.len;
		rrhdr(m, T_SOA, z->soa_ttl);
		wire_put_u16(&m->w, z->soa.len);
		start = m->w.len;
		zpiece_put(&m->w, &z->soa, m->apex_off);
		wire_patch_u32(&m->w, start + z->soa_serial_off, serial);
	} while ((rc = fitted(m, mark)) == 1);
	return rc;
}

int
xfr_msg_apex(struct xfr_msg *m)
{
	const struct zctx *z = m->z;
	size_t i, mark;
	int rc;

	for (i = 0; i < z->nns; i++) {
		do {
			mark = m->w.len;
			rrhdr(m, T_NS, z->soa_ttl);
			wire_put_u16(&m->w, z->ns[i].len);
			zpiece_put(&m->w, &z->ns[i], m->apex_off);
		} while ((rc = fitted(m, mark)) == 1);
		if (rc != 0)
			return rc;
	}
	for (i = 0; i < z->nglue; i++) {
		do {
			mark = m->w.len;
			zpiece_put(&m->w, &z->glue[i].rr, m->apex_off);
		} while ((rc = fitted(m, mark)) == 1);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* TXT RDATA: text cut into character-strings of at most 255 bytes. */
static void
txt_rdata(struct wire_writer *w, const char *s, size_t n)
{
	size_t k;

	do {
		k = n > 255 ? 255 : n;
		wire_put_u8(w, (uint8_t)k);
		wire_put_bytes(w, s, k);
		s += k;
		n -= k;
	} while (n > 0);
}

int
xfr_msg_rr(struct xfr_msg *m, const struct zone_rr *rr)
{
	const struct zctx *z = m->z;
	const uint8_t *a = rr->a;
	uint8_t rrw[2 + PREFIX_REVWIRE + 2 + 14];	/* owner, A fixed part */
	size_t mark, n, lenpos;
	int rc, on;

	if ((a[0] | a[1] | a[2] | a[3]) == 0)
		a = z->a;		/* as respond() answers */
	/* The owner (its labels, a pointer to the apex) and the A record
	 * are put together once, then copied. */
	memcpy(rrw, rr->owner_wire, rr->owner_wirelen);
	on = (int)rr->owner_wirelen;
	rrw[on++] = (uint8_t)(0xc0 | (m->apex_off >> 8 & 0x3f));
	rrw[on++] = (uint8_t)m->apex_off;
	rrw[on] = T_A >> 8;
	rrw[on + 1] = T_A & 0xff;
	rrw[on + 2] = C_IN >> 8;
	rrw[on + 3] = C_IN & 0xff;
	rrw[on + 4] = (uint8_t)(z->ttl >> 24);
	rrw[on + 5] = (uint8_t)(z->ttl >> 16);
	rrw[on + 6] = (uint8_t)(z->ttl >> 8);
	rrw[on + 7] = (uint8_t)z->ttl;
	rrw[on + 8] = 0;
	rrw[on + 9] = 4;
	memcpy(rrw + on + 10, a, 4);
	do {
		mark = m->w.len;
		wire_put_bytes(&m->w, rrw, (size_t)on + 14);
	} while ((rc = fitted(m, mark)) == 1);
	if (rc != 0 || rr->txt[0] == '\0')
		return rc;		/* no text: no TXT, as respond() */
	n = strlen(rr->txt);
	rrw[on + 1] = T_TXT & 0xff;
	do {
		mark = m->w.len;
		wire_put_bytes(&m->w, rrw, (size_t)on + 8);	/* to the TTL */
		lenpos = m->w.len;
		wire_put_u16(&m->w, 0);
		txt_rdata(&m->w, rr->txt, n);
		wire_patch_u16(&m->w, lenpos, (uint16_t)(m->w.len - lenpos - 2));
	} while ((rc = fitted(m, mark)) == 1);
	return rc;
}

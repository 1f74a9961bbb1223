/*
 * express.c -- the common query in one pass: see express.h.
 *
 * query_parse(), respond_hint() and respond_hinted() handle every query
 * there is, through general loops: any number of records in any section,
 * any label, any zone layout, every QTYPE.  Nearly all the queries a
 * DNSBL gets are one shape: one question for 4 decimal or 32 hex labels
 * under a zone, maybe an OPT, asking A or TXT.  For that shape the
 * header's counts are read in one load, the labels are walked once, the
 * octets decoded without a branch on their lengths, and the answer
 * written straight from the copy of the served tables.  Anything else
 * (another shape, an answer of its own, a test entry, an answer that
 * does not fit) is left to the general code, which decides the same.
 */
#include <string.h>

#include "addr.h"
#include "express.h"
#include "hugemem.h"
#include "memidx.h"
#include "rrwrite.h"
#include "zonectx.h"

/* Labels the walk records; a name with more is not the common shape. */
#define EXPRESS_LABELS	40

/*
 * The decimal octet of the label of c bytes (1 to 3) at l (its length
 * byte), or -1 if it is not one (a leading zero, a byte not a digit,
 * above 255).  Reads l[1] to l[3] whatever c is: the caller makes sure
 * they are in the packet.  No branch on c, whose value is random from
 * one query to the next.
 */
HOT static inline int
octet(const uint8_t *l, unsigned c)
{
	unsigned d0 = (unsigned)l[1] - '0', d1 = (unsigned)l[2] - '0',
	    d2 = (unsigned)l[3] - '0';
	unsigned v1 = d0, v2 = d0 * 10 + d1, v3 = v2 * 10 + d2;
	unsigned ok1 = d0 <= 9, ok2 = d0 - 1 <= 8 && d1 <= 9,
	    ok3 = ok2 && d2 <= 9 && v3 <= 255;
	unsigned m1 = 0u - (c == 1), m2 = 0u - (c == 2), m3 = 0u - (c == 3);
	unsigned v = (v1 & m1) | (v2 & m2) | (v3 & m3);
	unsigned ok = (ok1 & m1) | (ok2 & m2) | (ok3 & m3);

	return ok ? (int)v : -1;
}

/* One hex digit's value plus one, lower case only; 0: not a digit. */
static const uint8_t hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16
};

/*
 * The 32 one-byte labels at name (the rightmost first) as an IPv6
 * address into a6: 1, or 0 if a label is not a lower case hex digit.
 */
HOT static int
nibbles(const uint8_t *name, uint8_t a6[16])
{
	unsigned hi, lo, bad = 0;
	int i;

	for (i = 0; i < 16; i++) {
		lo = hexval[name[4 * i + 1]];
		hi = hexval[name[4 * i + 3]];
		bad |= (lo == 0) | (hi == 0);
		a6[15 - i] = (uint8_t)((hi - 1) << 4 | ((lo - 1) & 0xf));
	}
	return bad == 0;
}

/*
 * The additional section at p (n bytes left, ar records): nothing, or
 * one OPT whose option list is well formed.  Fills q's EDNS fields; 0 if
 * it is anything else (the general parse decides what).
 */
HOT static int
read_opt(const uint8_t *p, size_t n, unsigned ar, struct query *q)
{
	uint32_t ttl;
	size_t rdlen, o, olen;

	q->edns = 0;
	q->payload = 512;
	q->edns_version = 0;
	q->dnssec_ok = 0;
	if (ar == 0)
		return 1;
	/* Root owner, TYPE OPT, CLASS, TTL, RDLENGTH: 11 bytes. */
	if (n < 11 || p[0] != 0 || p[1] != 0 || p[2] != T_OPT)
		return 0;
	rdlen = (size_t)p[9] << 8 | p[10];
	if (rdlen > n - 11)
		return 0;
	for (o = 0; o < rdlen; o += 4 + olen) {
		if (rdlen - o < 4)
			return 0;
		olen = (size_t)p[11 + o + 2] << 8 | p[11 + o + 3];
		if (olen > rdlen - o - 4)
			return 0;
	}
	ttl = (uint32_t)p[5] << 24 | (uint32_t)p[6] << 16 |
	    (uint32_t)p[7] << 8 | p[8];
	q->edns = 1;
	q->payload = (uint16_t)(p[3] << 8 | p[4]);
	if (q->payload < 512)
		q->payload = 512;
	q->edns_version = (uint8_t)(ttl >> 16);
	q->dnssec_ok = (ttl & EDNS_DO) != 0;
	return 1;
}

HOT int
express_query(const struct zoneset *zs, const uint8_t *pkt, size_t len,
    struct query *q, struct respond_hint *h)
{
	const uint8_t *name = pkt + DNS_HDRLEN;
	size_t avail, n = 0;
	unsigned c, ar;
	int nl = 0, rel, v[4], i;

	/* QR 0, opcode QUERY; QDCOUNT 1, ANCOUNT and NSCOUNT 0, ARCOUNT
	 * 0 or 1. */
	if (len < DNS_HDRLEN + 1 + 4 || (pkt[2] & 0xf8) != 0 ||
	    pkt[4] != 0 || pkt[5] != 1 || pkt[6] != 0 || pkt[7] != 0 ||
	    pkt[8] != 0 || pkt[9] != 0 || pkt[10] != 0 || pkt[11] > 1)
		return 0;
	ar = pkt[11];
	avail = len - DNS_HDRLEN;
	/* The name: uncompressed, at most 255 bytes, and its QTYPE and
	 * QCLASS in the packet.  32 labels of one byte (a reversed IPv6
	 * address) are counted at once. */
	if (avail > 64 && wire_nibble_labels(name)) {
		for (i = 0; i < 32; i++)
			q->labels[i] = (uint8_t)(2 * i);
		n = 64;
		nl = 32;
	}
	for (;;) {
		if (n >= avail)
			return 0;
		if ((c = name[n]) == 0)
			break;
		if ((c & 0xc0) != 0 || nl == EXPRESS_LABELS ||
		    n + 1 + c + 1 > WIRE_NAME_MAX)
			return 0;
		q->labels[nl++] = (uint8_t)n;
		n += 1 + c;
	}
	n++;
	if (avail - n < 4)
		return 0;
	q->qtype = (uint16_t)(name[n] << 8 | name[n + 1]);
	q->qclass = (uint16_t)(name[n + 2] << 8 | name[n + 3]);
	if (q->qtype == T_OPT || q->qtype == T_AXFR || q->qtype == T_IXFR ||
	    !read_opt(name + n + 4, avail - n - 4, ar, q))
		return 0;
	memcpy(q->qname, name, n);
	if ((h->z = zoneset_find(zs, q->qname, n, q->labels, nl)) == NULL)
		return 0;
	rel = nl - h->z->nlabels;
	if (rel == 4) {
		/* Every label is followed by at least the root, QTYPE and
		 * QCLASS: octet() may read 3 bytes past its length. */
		for (i = 0; i < 4; i++)
			v[i] = octet(name + q->labels[i],
			    name[q->labels[i]]);
		/* All four of one digit: an IPv6 name too. */
		if ((v[0] | v[1] | v[2] | v[3]) < 0 ||
		    (q->labels[3] == 6 && name[6] == 1))
			return 0;
		for (i = 0; i < 4; i++)
			h->a4[i] = (uint8_t)v[3 - i];
		memset(h->a6, 0, sizeof(h->a6));
		h->v4ok = 1;
		h->v6ok = 0;
	} else if (rel == 32 && q->labels[31] == 62 && name[62] == 1) {
		if (!nibbles(name, h->a6))
			return 0;
		memset(h->a4, 0, sizeof(h->a4));
		h->v4ok = 0;
		h->v6ok = 1;
	} else
		return 0;
	h->rel = rel;
	h->done = 1;
	q->id = (uint16_t)(pkt[0] << 8 | pkt[1]);
	q->flags = (uint16_t)(pkt[2] << 8 | pkt[3]);
	q->qname_raw = name;
	q->qname_len = n;
	q->nlabels = nl;
	q->has_question = 1;
	q->has_soa = 0;
	q->soa_serial = 0;
	q->tsig = 0;
	return 1;
}

/* 1 if a is one of RFC 5782's test entries (listed or not) of family. */
HOT static int
test_entry(const struct respond_hint *h)
{
	static const uint8_t v6[15] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff, 0x7f, 0, 0 };

	if (h->v4ok)
		return h->a4[0] == 127 && h->a4[1] == 0 && h->a4[2] == 0 &&
		    (h->a4[3] == 1 || h->a4[3] == 2);
	return memcmp(h->a6, v6, sizeof(v6)) == 0 &&
	    (h->a6[15] == 1 || h->a6[15] == 2);
}

HOT size_t
express_answer(const struct memidx *mi, const struct query *q,
    const struct respond_hint *h, uint8_t *out, size_t limit)
{
	const struct zctx *z = h->z;
	struct store_hit hit;
	struct wire_writer w;
	size_t i, apex_off;
	int listed, rcode = RC_NOERROR;
	uint16_t an = 0, ns = 0;

	if (mi == NULL || !h->done || z == NULL || q->qclass != C_IN ||
	    (q->qtype != T_A && q->qtype != T_TXT) ||
	    (q->edns && q->edns_version > 0) ||
	    !((h->rel == 4 && h->v4ok && !h->v6ok) ||
	    (h->rel == 32 && h->v6ok)) || test_entry(h))
		return 0;
	for (i = 0; i < z->nglue; i++)
		if (z->glue[i].namelen == q->qname_len &&
		    memcmp(z->glue[i].name, q->qname, q->qname_len) == 0)
			return 0;
	listed = h->v4ok ? memidx_lookup4(mi, z->index, h->a4, &hit) :
	    memidx_lookup6(mi, z->index, h->a6, &hit);
	if (listed && hit.answer != ANSWER_DEFAULT)
		return 0;

	if (limit < DNS_HDRLEN + (q->edns ? OPT_RRLEN : 0))
		return 0;
	wire_writer_init(&w, out, limit - (q->edns ? OPT_RRLEN : 0));
	w.len = DNS_HDRLEN;
	wire_put_bytes(&w, q->qname_raw, q->qname_len);
	wire_put_u16(&w, q->qtype);
	wire_put_u16(&w, q->qclass);
	apex_off = DNS_HDRLEN + q->qname_len - z->namelen;
	if (listed && q->qtype == T_A) {
		rr_a(&w, z->ttl, z->a);
		an = 1;
	} else if (listed && z->txt != NULL) {
		rr_txt(&w, z->ttl, z->txt, z->txtlen, h->v4ok ? ADDR_V4 :
		    ADDR_V6, h->v4ok ? h->a4 : h->a6);
		an = 1;
	} else {
		/* NODATA (a TXT query, the zone has no TXT), or NXDOMAIN:
		 * the SOA in authority (RFC 2308). */
		rcode = listed ? RC_NOERROR : RC_NXDOMAIN;
		rr_soa(&w, z, apex_off, z->neg_ttl, mi->z[z->index].serial);
		ns = 1;
	}
	if (w.err)
		return 0;	/* too large: the general way sets TC */
	if (q->edns) {
		w.cap = limit;
		rr_opt(&w, rcode, q->dnssec_ok);
	}
	rr_header(out, q, rcode, 1, 0, 1, an, ns, (uint16_t)q->edns);
	return w.len;
}

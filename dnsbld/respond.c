/*
 * respond.c -- answer one query from the zone pieces and the store.
 *
 * The decision, for a query of class IN (or ANY) in zone Z:
 *
 *   Z itself            SOA, NS (with in-zone glue in additional), ANY: both
 *                       (over UDP the SOA alone); other types NODATA.
 *   a glue name         its A/AAAA from the config (ANY over UDP: the type
 *                       of the first glue record only); other types NODATA.
 *   d.c.b.a.Z           IPv4 a.b.c.d: listed gives A and/or TXT (ANY: both,
 *                       over UDP the A alone),
 *   32 nibbles.Z        other types NODATA; unlisted NXDOMAIN.  The RFC 5782
 *                       test entries 127.0.0.2 / ::ffff:7f00:2 are always
 *                       listed, 127.0.0.1 / ::ffff:7f00:1 never.
 *   fewer labels        an empty non-terminal (NODATA) if anything listed
 *                       lies below it in either family (RFC 8020), else
 *                       NXDOMAIN.
 *   anything else       NXDOMAIN.  Labels must be decimal octets 0..255
 *                       without leading zeros, or single hex nibbles (either
 *                       case).
 *
 * Negative answers carry the SOA in authority with TTL min(SOA TTL,
 * minimum) (RFC 2308).  A name outside every zone, or a class other than IN
 * or ANY, is REFUSED.  AXFR and IXFR are answered by xfr.c before they
 * get here (the UDP and TCP loops look at the QTYPE first); one that
 * reaches respond() anyway is REFUSED.  The question
 * is copied from the query byte for byte and every owner name in the answer
 * is a compression pointer into it.  An answer that does not fit the size
 * limit is replaced by the question alone with TC set.
 *
 * ANY over UDP gets one RRset (RFC 8482 4.1): the smallest one the name
 * has, so that an ANY is never a larger answer than some other query for
 * the same name.  At the apex that is the SOA (the NS RRset comes with
 * glue); for a listed address the A (the TXT is longer); for a glue name
 * the RRset of its first glue record.  Over TCP, where an answer cannot
 * be spoofed towards a third party, ANY gets every RRset as before.
 */
#include <string.h>

#include "answer.h"
#include "config.h"
#include "err.h"
#include "hugemem.h"
#include "query.h"
#include "respond.h"
#include "rrwrite.h"
#include "zonectx.h"

struct ans {
	const struct query *q;
	const struct zctx *z;
	const struct respond_db *db;
	struct wire_writer w;
	size_t apex_off;
	int rcode;
	int aa;
	int one_rrset;		/* ANY over UDP: one RRset (RFC 8482) */
	uint16_t an, ns, ar;
	int family;		/* of a listed address, for '$' */
	uint8_t addr[16];
};

static const uint8_t test_listed4[4] = { 127, 0, 0, 2 };
static const uint8_t test_unlisted4[4] = { 127, 0, 0, 1 };
static const uint8_t test_listed6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0x7f, 0, 0, 2 };
static const uint8_t test_unlisted6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0x7f, 0, 0, 1 };


static void
put_soa(struct ans *a, uint32_t ttl)
{
	rr_soa(&a->w, a->z, a->apex_off, ttl,
	    a->db->serial(a->db->arg, a->z->index));
}

static void
put_ns(struct ans *a)
{
	struct wire_writer *w = &a->w;
	size_t i;

	for (i = 0; i < a->z->nns; i++) {
		rr_head(w, a->apex_off, T_NS, a->z->soa_ttl);
		wire_put_u16(w, a->z->ns[i].len);
		zpiece_put(w, &a->z->ns[i], a->apex_off);
		a->an++;
	}
}

static void
put_ns_glue(struct ans *a)
{
	size_t i;

	for (i = 0; i < a->z->nglue; i++) {
		if (!a->z->glue[i].is_ns)
			continue;
		zpiece_put(&a->w, &a->z->glue[i].rr, a->apex_off);
		a->ar++;
	}
}

/* A negative answer: the SOA in authority. */
static void
negative(struct ans *a, int rcode)
{
	a->rcode = rcode;
	put_soa(a, a->z->neg_ttl);
	a->ns = 1;
}

/* A listed address: A and/or TXT.  hit is NULL for a test entry. */
static int
listed(struct ans *a, const struct store_hit *hit)
{
	const struct zctx *z = a->z;
	struct store_answer sa;
	struct answer res;
	const uint8_t *aval = z->a;
	const char *txt = z->txt;
	size_t txtlen = z->txtlen;
	uint16_t qt = a->q->qtype;
	int rc, want_a, want_txt;

	if (hit != NULL && hit->answer != ANSWER_DEFAULT) {
		rc = a->db->answer(a->db->arg, z->index, hit->answer, &sa);
		if (rc == 0) {
			answer_resolve(z->cz, &sa, &res);
			aval = res.a;
			txt = res.txt;
			txtlen = res.txtlen;
		} else if (rc != DNSBL_ENOENT)
			return rc;
	}
	want_a = qt == T_A || qt == T_ANY;
	want_txt = (qt == T_TXT || (qt == T_ANY && !a->one_rrset)) &&
	    txt != NULL;
	if (!want_a && !want_txt) {
		negative(a, RC_NOERROR);
		return 0;
	}
	if (want_a) {
		rr_a(&a->w, z->ttl, aval);
		a->an++;
	}
	if (want_txt) {
		rr_txt(&a->w, z->ttl, txt, txtlen, a->family, a->addr);
		a->an++;
	}
	return 0;
}

/* Parse label as a decimal octet without leading zeros; -1 if it is not. */
static int
label_octet(const uint8_t *l)
{
	/* Each digit as unsigned: a byte below '0' wraps above 9. */
	unsigned d0 = (unsigned)l[1] - '0', d1, d2, v;

	switch (l[0]) {
	case 1:
		return d0 <= 9 ? (int)d0 : -1;
	case 2:
		d1 = (unsigned)l[2] - '0';
		return d0 - 1 <= 8 && d1 <= 9 ? (int)(d0 * 10 + d1) : -1;
	case 3:
		d1 = (unsigned)l[2] - '0';
		d2 = (unsigned)l[3] - '0';
		v = d0 * 100 + d1 * 10 + d2;
		return d0 - 1 <= 8 && d1 <= 9 && d2 <= 9 && v <= 255 ?
		    (int)v : -1;
	default:
		return -1;
	}
}

/* One hex digit's value plus one, by byte; 0: not a digit (lower case). */
static const uint8_t hexdigit[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16
};

static int
label_nibble(const uint8_t *l)
{
	/* l[1] is already lower case */
	return l[0] == 1 ? hexdigit[l[1]] - 1 : -1;
}

/* 1 if anything is listed inside family/addr/len (test entries included). */
static int
ent(struct ans *a, int family, const uint8_t *addr, int len)
{
	struct prefix p, t;

	prefix_make(&p, family, addr, len);
	prefix_make(&t, family, family == ADDR_V4 ? test_listed4 :
	    test_listed6, addr_bits(family));
	if (prefix_contains(&p, &t))
		return 1;
	return a->db->any_within(a->db->arg, a->z->index, &p);
}

/* 1 if addr is v4 (family ADDR_V4) or v6; fixed sizes, compared inline. */
static inline int
same_addr(int family, const uint8_t *addr, const uint8_t *v4,
    const uint8_t *v6)
{
	return family == ADDR_V4 ? memcmp(addr, v4, 4) == 0 :
	    memcmp(addr, v6, 16) == 0;
}

/* A full address: 1 if listed (answered), 0 if not, < 0 on error. */
static int
lookup(struct ans *a, int family, const uint8_t *addr)
{
	struct store_hit hit;
	size_t n = addr_len(family);
	int rc;

	a->family = family;
	memcpy(a->addr, addr, n);
	if (same_addr(family, addr, test_unlisted4, test_unlisted6))
		return 0;
	if (same_addr(family, addr, test_listed4, test_listed6))
		return listed(a, NULL) < 0 ? -1 : 1;
	rc = a->db->lookup(a->db->arg, a->z->index, family, addr, &hit);
	if (rc <= 0)
		return rc;
	return listed(a, &hit) < 0 ? -1 : 1;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LANES(x)	((uint64_t)(x) * 0x0001000100010001ULL)
/* Per 16-bit lane of x (each below 256): 0x8000 where the lane >= lo. */
#define GE(x, lo)	(((x) + LANES(0x8000 - (lo))) & LANES(0x8000))

/*
 * The 32 labels of one byte at name (wire form: 1, c, 1, c, ...; c lower
 * case) as the 16 bytes of an IPv6 address, the rightmost label first,
 * into a6; 1 if every c is a hex digit, else 0 (a6 then holds nothing of
 * use).  Eight bytes (four labels) at a time: each label's byte goes to a
 * 16-bit lane, is checked and turned into its value, and two lanes make
 * a byte of the address.
 */
static int
nibbles32(const uint8_t *name, uint8_t a6[16])
{
	uint64_t w, c, dig, alp, v, bad = 0;
	int k;

	for (k = 0; k < 8; k++) {
		memcpy(&w, name + 8 * k, 8);
		c = w >> 8 & LANES(0xff);	/* labels 4k .. 4k + 3 */
		dig = GE(c, '0') & ~GE(c, '9' + 1);
		alp = GE(c, 'a') & ~GE(c, 'f' + 1);
		bad |= (dig | alp) ^ LANES(0x8000);
		/* Valid lanes do not borrow: c - '0', less 39 for a-f. */
		v = c - LANES('0') - (alp >> 15) * 39;
		/* Label 4k is the low nibble of byte 15 - 2k, 4k + 1 its
		 * high nibble; 4k + 2 and 4k + 3 make byte 14 - 2k. */
		v |= v >> 12;
		a6[15 - 2 * k] = (uint8_t)v;
		a6[14 - 2 * k] = (uint8_t)(v >> 32);
	}
	return bad == 0;
}
#else
static int
nibbles32(const uint8_t *name, uint8_t a6[16])
{
	(void)name;
	(void)a6;
	return 0;	/* the label by label loop */
}
#endif

/*
 * Read the rel labels of q below its zone as the bytes of an IPv4 and an
 * IPv6 address, the rightmost label first: h->v4ok while each is a decimal
 * octet (and rel <= 4), h->v6ok while each is one hex digit (rel <= 32).
 * 32 labels of one byte each (the 32nd begins at byte 62 and is one byte
 * long) are read at once (nibbles32()).
 */
static void
decode_labels(const struct query *q, int rel, struct respond_hint *h)
{
	/* Locals, stored once at the end: a byte store through h could
	 * alias q, and would make the compiler read q again each label. */
	uint8_t a4[4] = { 0 }, a6[16] = { 0 };
	const uint8_t *name = q->qname, *lab = q->labels;
	int i, v, v4ok = rel <= 4, v6ok = rel <= 32;
	unsigned j;

	if (rel == 32 && lab[31] == 62 && name[62] == 1) {
		if (nibbles32(name, a6)) {
			memcpy(h->a6, a6, sizeof(a6));
			memset(h->a4, 0, sizeof(h->a4));
			h->rel = rel;
			h->v4ok = 0;
			h->v6ok = 1;
			return;
		}
		memset(a6, 0, sizeof(a6));	/* the loop below says no */
	}
	/* Label i from the left is byte (or nibble) rel - 1 - i. */
	for (i = 0; v4ok && i < rel; i++) {
		if ((v = label_octet(name + lab[i])) < 0)
			v4ok = 0;
		else
			a4[rel - 1 - i] = (uint8_t)v;
	}
	for (i = 0; v6ok && i < rel; i++) {
		if ((v = label_nibble(name + lab[i])) < 0)
			v6ok = 0;
		else {
			j = (unsigned)(rel - 1 - i);
			a6[j / 2] |= (uint8_t)(j % 2 ? v : v << 4);
		}
	}
	memcpy(h->a4, a4, sizeof(a4));
	memcpy(h->a6, a6, sizeof(a6));
	h->rel = rel;
	h->v4ok = v4ok;
	h->v6ok = v6ok;
}

void
respond_hint(const struct zoneset *zs, const struct query *q,
    struct respond_hint *h)
{
	h->done = 1;
	h->z = zoneset_find(zs, q->qname, q->qname_len, q->labels,
	    q->nlabels);
	if (h->z != NULL)
		decode_labels(q, q->nlabels - h->z->nlabels, h);
}

/*
 * The name has h->rel labels below the zone (decode_labels()), none of
 * them a glue name.
 */
static int
address_name(struct ans *a, const struct respond_hint *h)
{
	const uint8_t *a4 = h->a4, *a6 = h->a6;
	int rel = h->rel, v4ok = h->v4ok, v6ok = h->v6ok, exists = 0, rc;

	if (v4ok && rel == 4) {
		if ((rc = lookup(a, ADDR_V4, a4)) != 0)
			return rc < 0 ? rc : 0;
		v4ok = 0;	/* a leaf: nothing below it */
	}
	if (v6ok && rel == 32) {
		if ((rc = lookup(a, ADDR_V6, a6)) != 0)
			return rc < 0 ? rc : 0;
		v6ok = 0;
	}
	if (v4ok && (rc = ent(a, ADDR_V4, a4, rel * 8)) != 0) {
		if (rc < 0)
			return rc;
		exists = 1;
	}
	if (!exists && v6ok && (rc = ent(a, ADDR_V6, a6, rel * 4)) != 0) {
		if (rc < 0)
			return rc;
		exists = 1;
	}
	negative(a, exists ? RC_NOERROR : RC_NXDOMAIN);
	return 0;
}

static void
apex(struct ans *a)
{
	switch (a->q->qtype) {
	case T_SOA:
		put_soa(a, a->z->soa_ttl);
		a->an++;
		break;
	case T_NS:
		put_ns(a);
		put_ns_glue(a);
		break;
	case T_ANY:
		put_soa(a, a->z->soa_ttl);
		a->an++;
		if (a->one_rrset)
			break;
		put_ns(a);
		put_ns_glue(a);
		break;
	default:
		negative(a, RC_NOERROR);
		break;
	}
}

/* 1 if the name is a glue name of the zone (answered), else 0. */
static int
glue_name(struct ans *a)
{
	const struct query *q = a->q;
	const struct zglue *g;
	size_t i;
	int found = 0, fam, only = 0;

	for (i = 0; i < a->z->nglue; i++) {
		g = &a->z->glue[i];
		if (g->namelen != q->qname_len ||
		    memcmp(g->name, q->qname, g->namelen) != 0)
			continue;
		found = 1;
		fam = g->family == ADDR_V4 ? T_A : T_AAAA;
		if (q->qtype != fam && q->qtype != T_ANY)
			continue;
		if (q->qtype == T_ANY && a->one_rrset) {
			if (only != 0 && only != fam)
				continue;
			only = fam;
		}
		rr_head(&a->w, DNS_HDRLEN, (uint16_t)fam, a->z->soa_ttl);
		wire_put_u16(&a->w, (uint16_t)addr_len(g->family));
		wire_put_bytes(&a->w, g->addr, addr_len(g->family));
		a->an++;
	}
	if (found && a->an == 0)
		negative(a, RC_NOERROR);
	return found;
}

size_t
respond(const struct zoneset *zs, const struct respond_db *db,
    const uint8_t *pkt, size_t len, uint8_t *out, size_t cap, int tcp)
{
	struct query q;
	enum query_status st = query_parse(pkt, len, &q);

	return respond_parsed(zs, db, &q, st, out, cap, respond_limit(&q, tcp,
	    cap), tcp);
}

HOT size_t
respond_limit(const struct query *q, int tcp, size_t cap)
{
	size_t limit;

	if (tcp)
		limit = RESPOND_MAX;
	else if (!q->edns || q->payload <= 512)
		limit = 512;
	else
		limit = q->payload < EDNS_PAYLOAD ? q->payload : EDNS_PAYLOAD;
	return limit > cap ? cap : limit;
}

size_t
respond_parsed(const struct zoneset *zs, const struct respond_db *db,
    const struct query *q, enum query_status st, uint8_t *out, size_t cap,
    size_t limit, int tcp)
{
	return respond_hinted(zs, db, q, st, NULL, out, cap, limit, tcp);
}

size_t
respond_hinted(const struct zoneset *zs, const struct respond_db *db,
    const struct query *q, enum query_status st,
    const struct respond_hint *h, uint8_t *out, size_t cap, size_t limit,
    int tcp)
{
	struct respond_hint own;
	struct ans a;
	size_t qend;
	int rc, tc = 0;

	switch (st) {
	case Q_DROP:
		return 0;
	case Q_FORMERR:
		rr_header(out, q, RC_FORMERR, 0, 0, 0, 0, 0, 0);
		return DNS_HDRLEN;
	case Q_NOTIMP:
		rr_header(out, q, RC_NOTIMP, 0, 0, 0, 0, 0, 0);
		return DNS_HDRLEN;
	case Q_OK:
		break;
	}
	if (limit > cap)
		limit = cap;

	memset(&a, 0, sizeof(a));
	a.q = q;
	a.db = db;
	a.one_rrset = !tcp;
	wire_writer_init(&a.w, out, limit - (q->edns ? OPT_RRLEN : 0));
	a.w.len = DNS_HDRLEN;
	wire_put_bytes(&a.w, q->qname_raw, q->qname_len);
	wire_put_u16(&a.w, q->qtype);
	wire_put_u16(&a.w, q->qclass);
	qend = a.w.len;
	if (a.w.err)
		return 0;	/* cap below any answer: the caller's bug */

	if (q->edns && q->edns_version > 0) {
		a.rcode = RC_BADVERS;
		goto finish;
	}
	if (q->qclass != C_IN && q->qclass != C_ANY) {
		a.rcode = RC_REFUSED;
		goto finish;
	}
	if (h == NULL || !h->done) {
		respond_hint(zs, q, &own);
		h = &own;
	}
	if ((a.z = h->z) == NULL) {
		a.rcode = RC_REFUSED;
		goto finish;
	}
	if (q->qtype == T_AXFR || q->qtype == T_IXFR) {
		a.rcode = RC_REFUSED;
		goto finish;
	}
	a.aa = 1;
	a.apex_off = DNS_HDRLEN + q->qname_len - a.z->namelen;
	rc = 0;
	if (q->nlabels == a.z->nlabels)
		apex(&a);
	else if (!glue_name(&a))
		rc = address_name(&a, h);
	if (rc < 0) {
		a.rcode = RC_SERVFAIL;
		a.aa = 0;
		a.an = a.ns = a.ar = 0;
		a.w.len = qend;
		a.w.err = 0;
	}
	if (a.w.err) {
		tc = 1;
		a.an = a.ns = a.ar = 0;
		a.w.len = qend;
		a.w.err = 0;
	}
finish:
	if (q->edns) {
		a.w.cap = limit;
		rr_opt(&a.w, a.rcode, q->dnssec_ok);
		a.ar++;
	}
	rr_header(out, q, a.rcode, a.aa, tc, 1, a.an, a.ns, a.ar);
	return a.w.len;
}

/*
 * respond_bare(): the answer with no records: the header (rcode, TC as asked, the id,
 * opcode, RD and CD of the request), the question if it had one, and an
 * OPT if it had one.  Its length, or 0 if cap is too small.
 */
size_t
respond_bare(const struct query *q, int rcode, int tc, uint8_t *out,
    size_t cap)
{
	struct wire_writer w;
	uint16_t f = F_QR | (q->flags & (0x7800 | F_RD | F_CD)) |
	    (uint16_t)(rcode & 0xf);

	if (tc)
		f |= F_TC;
	wire_writer_init(&w, out, cap);
	wire_put_u16(&w, q->id);
	wire_put_u16(&w, f);
	wire_put_u16(&w, q->has_question);
	wire_put_u16(&w, 0);
	wire_put_u16(&w, 0);
	wire_put_u16(&w, q->edns);
	if (q->has_question) {
		wire_put_bytes(&w, q->qname_raw, q->qname_len);
		wire_put_u16(&w, q->qtype);
		wire_put_u16(&w, q->qclass);
	}
	if (q->edns) {
		wire_put_u8(&w, 0);
		wire_put_u16(&w, T_OPT);
		wire_put_u16(&w, EDNS_PAYLOAD);
		wire_put_u32(&w, (uint32_t)(rcode >> 4) << 24 |
		    (q->dnssec_ok ? EDNS_DO : 0));
		wire_put_u16(&w, 0);
	}
	return w.err ? 0 : w.len;
}

size_t
respond_error(const uint8_t *pkt, size_t len, int rcode, uint8_t *out,
    size_t cap)
{
	struct query q;
	enum query_status st = query_parse(pkt, len, &q);

	if (st == Q_DROP)
		return 0;
	if (!q.has_question || st != Q_OK)
		return respond_parsed(NULL, NULL, &q, st, out, cap, cap, 0);
	return respond_bare(&q, rcode, 0, out, cap);
}

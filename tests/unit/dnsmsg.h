/*
 * dnsmsg.h -- for the responder's unit tests: DNS queries built by hand and
 * answers read back with the wire reader, following compression pointers,
 * so each check sees what a client would.  Static functions, one copy per
 * test program, like tap.h.
 */
#ifndef DNSBL_TEST_DNSMSG_H
#define DNSBL_TEST_DNSMSG_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "../../dnsbld/query.h"
#include "../../dnsbld/respond.h"
#include "../tap.h"
#include "wire.h"
#include "../../dnsbld/zonectx.h"

#define T_MX 15

/* ---- queries and answers ---- */

/* Encode a presentation name as given (case kept). */
static size_t __attribute__((unused))
enc_name(uint8_t *out, const char *name)
{
	size_t n = 0;
	const char *s = name, *dot;

	while (*s) {
		dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		out[n++] = (uint8_t)l;
		memcpy(out + n, s, l);
		n += l;
		s += l + (dot ? 1 : 0);
	}
	out[n++] = 0;
	return n;
}

/* A query; edns < 0: no OPT, else the payload, with version ver. */
static size_t __attribute__((unused))
mkquery(uint8_t *b, const char *name, uint16_t qtype, int edns, int ver)
{
	struct wire_writer w;
	uint8_t nm[256];
	size_t nl = enc_name(nm, name);

	wire_writer_init(&w, b, 512);
	wire_put_u16(&w, 0x1234);
	wire_put_u16(&w, F_RD);
	wire_put_u16(&w, 1);
	wire_put_u16(&w, 0);
	wire_put_u16(&w, 0);
	wire_put_u16(&w, edns >= 0 ? 1 : 0);
	wire_put_bytes(&w, nm, nl);
	wire_put_u16(&w, qtype);
	wire_put_u16(&w, C_IN);
	if (edns >= 0) {
		wire_put_u8(&w, 0);
		wire_put_u16(&w, T_OPT);
		wire_put_u16(&w, (uint16_t)edns);
		wire_put_u32(&w, (uint32_t)ver << 16);
		wire_put_u16(&w, 4);		/* an unknown option */
		wire_put_u16(&w, 65001);
		wire_put_u16(&w, 0);
	}
	return w.len;
}

struct rr {
	int section;			/* 1 answer, 2 authority, 3 additional */
	char owner[300];
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
};

struct resp {
	uint16_t id, flags;
	int rcode;			/* with the extended bits */
	uint16_t qd, an, ns, ar;
	char qname[300];
	struct rr rr[40];
	int nrr;
	int opt;
	uint16_t payload;
};

/* Read a possibly compressed name at *off into text (lower case kept). */
static int __attribute__((unused))
rd_name(const uint8_t *m, size_t len, size_t *off, char *text)
{
	size_t o = *off, t = 0;
	int jumped = 0, hops = 0;

	text[0] = '\0';
	for (;;) {
		if (o >= len || hops > 50)
			return -1;
		uint8_t c = m[o];
		if (c == 0) {
			if (!jumped)
				*off = o + 1;
			break;
		}
		if ((c & 0xc0) == 0xc0) {
			if (o + 1 >= len)
				return -1;
			if (!jumped)
				*off = o + 2;
			jumped = 1;
			o = (size_t)(c & 0x3f) << 8 | m[o + 1];
			hops++;
			continue;
		}
		if (o + 1 + c > len || t + c + 2 > 299)
			return -1;
		memcpy(text + t, m + o + 1, c);
		t += c;
		text[t++] = '.';
		text[t] = '\0';
		o += 1 + c;
	}
	if (t > 0)
		text[t - 1] = '\0';
	return 0;
}

static int __attribute__((unused))
parse(const uint8_t *m, size_t len, struct resp *r)
{
	struct wire_reader rd;
	size_t off;
	int i, total;

	memset(r, 0, sizeof(*r));
	wire_reader_init(&rd, m, len);
	r->id = wire_u16(&rd);
	r->flags = wire_u16(&rd);
	r->rcode = r->flags & 0xf;
	r->qd = wire_u16(&rd);
	r->an = wire_u16(&rd);
	r->ns = wire_u16(&rd);
	r->ar = wire_u16(&rd);
	if (rd.err)
		return -1;
	off = rd.off;
	if (r->qd == 1) {
		if (rd_name(m, len, &off, r->qname) < 0 || off + 4 > len)
			return -1;
		off += 4;
	}
	total = r->an + r->ns + r->ar;
	for (i = 0; i < total && i < 40; i++) {
		struct rr *x = &r->rr[r->nrr++];
		x->section = i < r->an ? 1 : i < r->an + r->ns ? 2 : 3;
		if (rd_name(m, len, &off, x->owner) < 0)
			return -1;
		wire_reader_init(&rd, m, len);
		rd.off = off;
		x->type = wire_u16(&rd);
		uint16_t cls = wire_u16(&rd);
		x->ttl = wire_u32(&rd);
		x->rdlen = wire_u16(&rd);
		x->rdata = wire_skip(&rd, x->rdlen);
		if (rd.err)
			return -1;
		if (x->type == T_OPT) {
			r->opt++;
			r->payload = cls;
			r->rcode |= (int)(x->ttl >> 24) << 4;
		}
		off = rd.off;
	}
	return off == len ? 0 : -1;
}


#endif

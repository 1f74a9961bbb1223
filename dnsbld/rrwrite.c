/*
 * rrwrite.c -- the pieces of an answer, written into a wire_writer.  See
 * rrwrite.h.
 */
#include <string.h>

#include "addr.h"
#include "rrwrite.h"
#include "zonectx.h"

void
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

/* One write, one bounds check. */
void
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

static void
patch_u32(struct wire_writer *w, size_t off, uint32_t v)
{
	if (w->err || off + 4 > w->len)
		return;
	w->buf[off] = (uint8_t)(v >> 24);
	w->buf[off + 1] = (uint8_t)(v >> 16);
	w->buf[off + 2] = (uint8_t)(v >> 8);
	w->buf[off + 3] = (uint8_t)v;
}

void
rr_soa(struct wire_writer *w, const struct zctx *z, size_t apex_off,
    uint32_t ttl, uint32_t serial)
{
	size_t lenpos, start;

	rr_head(w, apex_off, T_SOA, ttl);
	lenpos = w->len;
	wire_put_u16(w, 0);
	start = w->len;
	zpiece_put(w, &z->soa, apex_off);
	patch_u32(w, start + z->soa_serial_off, serial);
	wire_patch_u16(w, lenpos, (uint16_t)(w->len - start));
}

/* Append n bytes to the TXT RDATA, opening a new string every 255. */
static void
txt_bytes(struct wire_writer *w, size_t *lenpos, size_t *cur, const char *s,
    size_t n)
{
	size_t k;

	while (n > 0 && !w->err) {
		if (*cur == 255) {
			w->buf[*lenpos] = 255;
			*lenpos = w->len;
			wire_put_u8(w, 0);
			*cur = 0;
		}
		k = 255 - *cur < n ? 255 - *cur : n;
		wire_put_bytes(w, s, k);
		*cur += k;
		s += k;
		n -= k;
	}
}

void
rr_txt(struct wire_writer *w, uint32_t ttl, const char *tpl, size_t n,
    int family, const uint8_t *addr)
{
	char text[PREFIX_STRLEN];
	size_t rdpos, lenpos, start, cur = 0, alen, i, from = 0;

	alen = addr_text(family, addr, text);
	rr_head(w, DNS_HDRLEN, T_TXT, ttl);
	rdpos = w->len;
	wire_put_u16(w, 0);
	start = w->len;
	lenpos = w->len;
	wire_put_u8(w, 0);
	for (i = 0; i < n; i++) {
		if (tpl[i] != '$')
			continue;
		txt_bytes(w, &lenpos, &cur, tpl + from, i - from);
		txt_bytes(w, &lenpos, &cur, text, alen);
		from = i + 1;
	}
	txt_bytes(w, &lenpos, &cur, tpl + from, n - from);
	if (w->err)
		return;
	w->buf[lenpos] = (uint8_t)cur;
	wire_patch_u16(w, rdpos, (uint16_t)(w->len - start));
}

void
rr_opt(struct wire_writer *w, int rcode, int dnssec_ok)
{
	wire_put_u8(w, 0);			/* root */
	wire_put_u16(w, T_OPT);
	wire_put_u16(w, EDNS_PAYLOAD);
	wire_put_u32(w, (uint32_t)(rcode >> 4) << 24 |
	    (dnssec_ok ? EDNS_DO : 0));
	wire_put_u16(w, 0);
}

/*
 * rrwrite.c -- the pieces of an answer, written into a wire_writer.  See
 * rrwrite.h.
 */
#include <string.h>

#include "addr.h"
#include "hugemem.h"
#include "rrwrite.h"
#include "zonectx.h"

HOT void
rr_soa(struct wire_writer *w, const struct zctx *z, size_t apex_off,
    uint32_t ttl, uint32_t serial)
{
	size_t lenpos, start;

	rr_head(w, apex_off, T_SOA, ttl);
	lenpos = w->len;
	wire_put_u16(w, 0);
	start = w->len;
	zpiece_put(w, &z->soa, apex_off);
	wire_patch_u32(w, start + z->soa_serial_off, serial);
	wire_patch_u16(w, lenpos, (uint16_t)(w->len - start));
}

/* Append n bytes to the TXT RDATA, opening a new string every 255. */
HOT static void
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

HOT void
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

HOT void
rr_opt(struct wire_writer *w, int rcode, int dnssec_ok)
{
	wire_put_u8(w, 0);			/* root */
	wire_put_u16(w, T_OPT);
	wire_put_u16(w, EDNS_PAYLOAD);
	wire_put_u32(w, (uint32_t)(rcode >> 4) << 24 |
	    (dnssec_ok ? EDNS_DO : 0));
	wire_put_u16(w, 0);
}

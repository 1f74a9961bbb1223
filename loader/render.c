/*
 * render.c -- TXT templates, CIDR decomposition and master-file quoting.
 */
#include <string.h>

#include "render.h"

void
txt_render(const char *tmpl, const char *addr, char *out, size_t n)
{
	size_t used = 0, al = strlen(addr);

	if (n == 0)
		return;
	for (; *tmpl && used + 1 < n; tmpl++) {
		if (*tmpl == '$') {
			size_t c = al < n - 1 - used ? al : n - 1 - used;
			memcpy(out + used, addr, c);
			used += c;
		} else
			out[used++] = *tmpl;
	}
	out[used] = '\0';
}

typedef unsigned __int128 u128;

static u128
to_u128(int family, const uint8_t *a)
{
	u128 v = 0;
	size_t i;

	for (i = 0; i < addr_len(family); i++)
		v = v << 8 | a[i];
	return v;
}

int
interval_cidrs(int family, const uint8_t *first, const uint8_t *last,
    cidr_fn fn, void *arg)
{
	int bits = addr_bits(family), k, rc;
	u128 lo = to_u128(family, first), hi = to_u128(family, last), size;
	uint8_t a[16];
	struct prefix p;
	size_t i;

	while (lo <= hi) {
		/* The largest aligned block at lo that stays within hi. */
		for (k = bits; k > 0; k--) {
			size = (u128)1 << (k - 1) << 1;	/* 2^k, k <= 128 */
			if (k == 128 && lo == 0 && hi == ~(u128)0)
				break;
			if (k < 128 && (lo & (size - 1)) == 0 &&
			    hi - lo >= size - 1)
				break;
		}
		memset(a, 0, sizeof(a));
		for (i = addr_len(family); i-- > 0;)
			a[i] = (uint8_t)(lo >> (8 * (addr_len(family) - 1 - i)));
		prefix_make(&p, family, a, bits - k);
		if ((rc = fn(&p, arg)) != 0)
			return rc;
		if (k == bits)
			break;		/* the whole space */
		size = (u128)1 << k;
		if (hi - lo < size)	/* lo + size would pass hi (or wrap) */
			break;
		lo += size;
	}
	return 0;
}

void
zone_quote(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chunk = 0;

	fputc('"', f);
	for (; *p; p++) {
		if (chunk == 255) {
			fputs("\" \"", f);
			chunk = 0;
		}
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			fprintf(f, "\\%03u", *p);
		else
			fputc(*p, f);
		chunk++;
	}
	fputc('"', f);
}

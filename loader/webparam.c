/*
 * webparam.c -- query strings and form bodies (webparam.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "webparam.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
webparam_text_ok(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + n;
	uint32_t cp;
	int k, i;

	while (p < end) {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			k = 1; cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			k = 2; cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			k = 3; cp = *p & 0x07;
		} else
			return 0;
		if (end - p <= k)
			return 0;
		for (i = 1; i <= k; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* overlong forms, surrogates, past U+10FFFF, C1 controls */
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) ||
		    (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0))
			return 0;
		p += k + 1;
	}
	return 1;
}

/* Decode s[0..n) into out (cap bytes with the NUL): length, or -1/-2. */
static long
decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;
	int h, l;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= n)
				return -1;
			if ((h = hexval((unsigned char)s[i + 1])) < 0 ||
			    (l = hexval((unsigned char)s[i + 2])) < 0)
				return -1;
			c = (char)(h << 4 | l);
			i += 2;
		}
		if (o + 1 >= cap)
			return -2;
		out[o++] = c;
	}
	out[o] = '\0';
	return (long)o;
}

struct key {
	const char *name;
	unsigned bit;
	size_t off, size;
};

static const struct key keys[] = {
	{ "ip", WP_IP, offsetof(struct webparam, ip),
	  sizeof(((struct webparam *)0)->ip) },
	{ "zone", WP_ZONE, offsetof(struct webparam, zone),
	  sizeof(((struct webparam *)0)->zone) },
	{ "contact", WP_CONTACT, offsetof(struct webparam, contact),
	  sizeof(((struct webparam *)0)->contact) },
	{ "note", WP_NOTE, offsetof(struct webparam, note),
	  sizeof(((struct webparam *)0)->note) },
	{ "csrf", WP_CSRF, offsetof(struct webparam, csrf),
	  sizeof(((struct webparam *)0)->csrf) },
	{ NULL, 0, 0, 0 }
};

int
webparam_parse(const char *s, size_t n, struct webparam *wp,
    struct errbuf *eb)
{
	char kbuf[16];
	const struct key *k;
	size_t pos = 0, end, eq, npairs = 0;
	long kl, vl;
	char *dst;

	memset(wp, 0, sizeof(*wp));
	if (n > WEBPARAM_INPUT_MAX)
		return errbuf_set(eb, DNSBL_ERANGE, "the parameters are %zu "
		    "bytes, over the %d accepted", n, WEBPARAM_INPUT_MAX);
	while (pos < n) {
		for (end = pos; end < n && s[end] != '&'; end++)
			;
		if (end == pos) {		/* "a=1&&b=2": nothing */
			pos++;
			continue;
		}
		if (++npairs > WEBPARAM_PAIRS)
			return errbuf_set(eb, DNSBL_ERANGE, "more than %d "
			    "parameters", WEBPARAM_PAIRS);
		for (eq = pos; eq < end && s[eq] != '='; eq++)
			;
		kl = decode(s + pos, eq - pos, kbuf, sizeof(kbuf));
		if (kl == -1)
			return errbuf_set(eb, DNSBL_EPARSE, "a parameter name "
			    "has a bad %%-escape");
		for (k = keys; kl >= 0 && k->name != NULL; k++)
			if (strcmp(k->name, kbuf) == 0)
				break;
		if (kl < 0 || k->name == NULL) {	/* unknown: ignored */
			pos = end + 1;
			continue;
		}
		if (wp->seen & k->bit)
			return errbuf_set(eb, DNSBL_EPARSE, "parameter '%s' is "
			    "given twice", k->name);
		wp->seen |= k->bit;
		dst = (char *)wp + k->off;
		vl = eq < end ? decode(s + eq + 1, end - eq - 1, dst, k->size) :
		    (dst[0] = '\0', 0);
		if (vl == -1)
			return errbuf_set(eb, DNSBL_EPARSE, "parameter '%s' has "
			    "a bad %%-escape", k->name);
		if (vl == -2)
			return errbuf_set(eb, DNSBL_ERANGE, "parameter '%s' is "
			    "longer than the %zu bytes accepted", k->name,
			    k->size - 1);
		if (!webparam_text_ok(dst, (size_t)vl))
			return errbuf_set(eb, DNSBL_EPARSE, "parameter '%s' "
			    "holds a control character or invalid UTF-8",
			    k->name);
		pos = end + 1;
	}
	return 0;
}

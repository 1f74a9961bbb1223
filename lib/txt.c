/*
 * txt.c -- TXT templates (see txt.h).
 */
#include <string.h>

#include "err.h"
#include "txt.h"

size_t
txt_worst(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '$' ? TXT_SUBST_MAX : 1;
	return n;
}

int
txt_check(const char *s, struct errbuf *eb)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return errbuf_set(eb, DNSBL_EPARSE, "control character "
			    "0x%02x at byte %zu of the TXT (not allowed in a "
			    "TXT)", p[i], i + 1);
		if (p[i] == '$' && i + 1 < n && ((p[i + 1] >= '0' &&
		    p[i + 1] <= '9') || p[i + 1] == '=' || p[i + 1] == '$'))
			return errbuf_set(eb, DNSBL_EPARSE, "'$%c' at byte %zu "
			    "of the TXT: '$' followed by a digit, '=' or '$' "
			    "cannot be exported to rbldnsd (put a space after "
			    "the '$')", p[i + 1], i + 1);
	}
	if (n > 0 && (p[0] == ' ' || p[n - 1] == ' '))
		return errbuf_set(eb, DNSBL_EPARSE, "the TXT %s with a space "
		    "(rbldnsd would drop it)", p[0] == ' ' ? "begins" : "ends");
	if (n > 0 && p[0] == '=')
		return errbuf_set(eb, DNSBL_EPARSE, "the TXT begins with '=' "
		    "(rbldnsd would drop it)");
	if (txt_worst(s) > TXT_MAX)
		return errbuf_set(eb, DNSBL_ERANGE, "the TXT is longer than "
		    "%d bytes once each '$' is an address (%zu bytes, %zu with "
		    "'$' at its longest)", TXT_MAX, n, txt_worst(s));
	return 0;
}

int
txt_render(const char *tmpl, const char *subst, char *out, size_t n)
{
	size_t used = 0, sl = strlen(subst), k;
	const char *d;

	if (n == 0)
		return DNSBL_ESPACE;
	for (;;) {
		/* The literal run up to the next '$' (or the end), then the
		 * address for the '$'. */
		d = strchr(tmpl, '$');
		k = d != NULL ? (size_t)(d - tmpl) : strlen(tmpl);
		if (n - 1 - used < k)
			goto full;
		memcpy(out + used, tmpl, k);
		used += k;
		if (d == NULL)
			break;
		if (n - 1 - used < sl)
			goto full;
		memcpy(out + used, subst, sl);
		used += sl;
		tmpl = d + 1;
	}
	out[used] = '\0';
	return (int)used;
full:
	out[0] = '\0';
	return DNSBL_ESPACE;
}

int
txt_compile(struct txt_tmpl *t, const char *tmpl)
{
	size_t i;

	t->s = tmpl;
	t->nd = 0;
	for (i = 0; tmpl[i] != '\0'; i++) {
		if (i >= TXT_MAX)
			return DNSBL_ERANGE;
		if (tmpl[i] != '$')
			continue;
		if (t->nd == TXT_DOLLARS)
			return DNSBL_ERANGE;
		t->at[t->nd++] = (uint16_t)i;
	}
	t->len = i;
	return 0;
}

int
txt_render_tmpl(const struct txt_tmpl *t, const char *subst, size_t sl,
    char *out, size_t n)
{
	size_t used, from = 0, d;

	/* The whole length first: nothing is written unless it all fits. */
	if (n == 0 || (t->nd > 0 && sl > n) ||
	    t->len - t->nd + t->nd * sl > n - 1) {
		if (n > 0)
			out[0] = '\0';
		return DNSBL_ESPACE;
	}
	used = 0;
	for (d = 0; d < t->nd; d++) {
		memcpy(out + used, t->s + from, t->at[d] - from);
		used += t->at[d] - from;
		memcpy(out + used, subst, sl);
		used += sl;
		from = t->at[d] + 1u;
	}
	memcpy(out + used, t->s + from, t->len - from);
	used += t->len - from;
	out[used] = '\0';
	return (int)used;
}

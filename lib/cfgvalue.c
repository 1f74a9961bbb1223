/*
 * cfgvalue.c -- parsers of single configuration values.
 *
 * Domain names (presentation form to lower-case wire form), endpoints
 * ("ADDRESS@PORT"), durations ("90d"), sizes ("1G"), plain numbers and a
 * base64 check.  config.c calls these for each scalar of the YAML file;
 * dname_parse, endpoint_parse and duration_parse are public (config.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cfgvalue.h"
#include "config.h"
#include "err.h"

/* Characters allowed in a label: letters, digits, hyphen, underscore. */
static int
label_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

int
dname_parse(const char *s, struct cfg_dname *d, struct errbuf *eb)
{
	size_t n, i, lstart, w, t;
	unsigned char ch;

	if (s == NULL || *s == '\0' || strcmp(s, ".") == 0)
		return errbuf_set(eb, DNSBL_EPARSE, "empty domain name");
	n = strlen(s);
	if (s[n - 1] == '.')
		n--;			/* the trailing dot is optional */
	if (n > DNAME_MAXWIRE - 2)
		return errbuf_set(eb, DNSBL_EPARSE,
		    "domain name '%.64s...' longer than 255 bytes", s);
	memset(d, 0, sizeof(*d));
	w = 0;
	t = 0;
	lstart = 0;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			size_t len = i - lstart;

			if (len == 0)
				return errbuf_set(eb, DNSBL_EPARSE,
				    "empty label in domain name '%.255s'", s);
			if (len > 63)
				return errbuf_set(eb, DNSBL_EPARSE,
				    "label longer than 63 bytes in domain "
				    "name '%.255s'", s);
			d->wire[w++] = (uint8_t)len;
			for (; lstart < i; lstart++)
				d->wire[w++] = (uint8_t)lower(
				    (unsigned char)s[lstart]);
			lstart = i + 1;
			if (i < n)
				d->text[t++] = '.';
			continue;
		}
		ch = (unsigned char)s[i];
		if (!label_char(ch)) {
			if (ch > 0x20 && ch < 0x7f)
				return errbuf_set(eb, DNSBL_EPARSE,
				    "bad character '%c' in domain name "
				    "'%.255s'", ch, s);
			return errbuf_set(eb, DNSBL_EPARSE,
			    "bad character 0x%02x in domain name", ch);
		}
		d->text[t++] = (char)lower(ch);
	}
	d->wire[w++] = 0;		/* the root label */
	if (w > DNAME_MAXWIRE)
		return errbuf_set(eb, DNSBL_EPARSE,
		    "domain name '%.64s...' longer than 255 bytes", s);
	d->wirelen = (uint8_t)w;
	d->text[t] = '\0';
	return 0;
}

static int
port_parse(const char *s, int *port)
{
	uint64_t v;

	if (cfg_uint_parse(s, &v) != 0 || v < 1 || v > 65535)
		return DNSBL_EPARSE;
	*port = (int)v;
	return 0;
}

int
endpoint_parse(const char *s, int default_port, struct cfg_endpoint *e,
    struct errbuf *eb)
{
	char host[64];
	const char *orig = s, *at;
	size_t n;
	int port = default_port;

	if (s == NULL || *s == '\0')
		return errbuf_set(eb, DNSBL_EPARSE, "empty endpoint");
	if (strlen(s) >= sizeof(e->text))
		return errbuf_set(eb, DNSBL_EPARSE, "endpoint '%.64s...' too "
		    "long", s);
	at = strrchr(s, '@');
	n = at ? (size_t)(at - s) : strlen(s);
	if (at != NULL && port_parse(at + 1, &port) != 0)
		return errbuf_set(eb, DNSBL_EPARSE,
		    "bad port in endpoint '%s' (want ADDRESS@1..65535)", s);
	if (port < 1 || port > 65535)
		return errbuf_set(eb, DNSBL_EPARSE, "no port in endpoint '%s'",
		    s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;			/* "[::1]@53" */
		n -= 2;
	}
	if (n == 0)
		return errbuf_set(eb, DNSBL_EPARSE,
		    "no address in endpoint '%s'", orig);
	memcpy(host, s, n);
	host[n] = '\0';
	memset(e, 0, sizeof(*e));
	if (memchr(host, ':', n) != NULL) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&e->ss;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return errbuf_set(eb, DNSBL_EPARSE,
			    "bad IPv6 address '%s' in endpoint", host);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		e->sslen = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&e->ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return errbuf_set(eb, DNSBL_EPARSE,
			    "bad IPv4 address '%s' in endpoint", host);
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		e->sslen = sizeof(*sin);
	}
	/* As written: it passed the length check above. */
	snprintf(e->text, sizeof(e->text), "%s", orig);
	return 0;
}

int
duration_parse(const char *s, uint32_t *out)
{
	uint64_t v;

	if (cfg_duration_parse(s, &v) != 0 || v > UINT32_MAX)
		return DNSBL_EPARSE;
	*out = (uint32_t)v;
	return 0;
}

int
cfg_uint_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int big = 0;

	if (s == NULL || *s < '0' || *s > '9')
		return DNSBL_EPARSE;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > CFG_NUM_MAX / 10)
			big = 1;
		else
			v = v * 10 + (uint64_t)(*s - '0');
		if (v > CFG_NUM_MAX)
			big = 1;
	}
	if (*s != '\0')
		return DNSBL_EPARSE;
	if (big)
		return DNSBL_ERANGE;
	*out = v;
	return 0;
}

/* Seconds in one unit, or 0 for a character that is no unit. */
static uint64_t
duration_unit(int ch)
{
	switch (lower(ch)) {
	case 's': return 1;
	case 'm': return 60;
	case 'h': return 3600;
	case 'd': return 86400;
	case 'w': return 7 * 86400;
	default: return 0;
	}
}

int
cfg_duration_parse(const char *s, uint64_t *out)
{
	uint64_t total = 0, v, unit;
	int big = 0, parts = 0;

	if (s == NULL || *s == '\0')
		return DNSBL_EPARSE;
	while (*s != '\0') {
		if (*s < '0' || *s > '9')
			return DNSBL_EPARSE;
		for (v = 0; *s >= '0' && *s <= '9'; s++) {
			if (v > CFG_NUM_MAX / 10)
				big = 1;
			else
				v = v * 10 + (uint64_t)(*s - '0');
		}
		parts++;
		if (*s == '\0') {
			/* A bare number is seconds, and only alone. */
			if (parts > 1)
				return DNSBL_EPARSE;
			unit = 1;
		} else if ((unit = duration_unit((unsigned char)*s)) == 0)
			return DNSBL_EPARSE;
		else
			s++;
		if (v > CFG_NUM_MAX / unit)
			big = 1;
		else if ((total += v * unit) > CFG_NUM_MAX)
			big = 1;
	}
	if (big)
		return DNSBL_ERANGE;
	*out = total;
	return 0;
}

int
cfg_size_parse(const char *s, uint64_t *out)
{
	char num[24];
	size_t n;
	uint64_t v, mult = 1;
	int rc;

	if (s == NULL || (n = strlen(s)) == 0 || n >= sizeof(num))
		return s && n >= sizeof(num) ? DNSBL_ERANGE : DNSBL_EPARSE;
	switch (lower((unsigned char)s[n - 1])) {
	case 'k': mult = UINT64_C(1) << 10; break;
	case 'm': mult = UINT64_C(1) << 20; break;
	case 'g': mult = UINT64_C(1) << 30; break;
	case 't': mult = UINT64_C(1) << 40; break;
	default: mult = 1; break;
	}
	if (mult != 1)
		n--;
	memcpy(num, s, n);
	num[n] = '\0';
	if ((rc = cfg_uint_parse(num, &v)) != 0)
		return rc;
	if (v > CFG_NUM_MAX / mult)
		return DNSBL_ERANGE;
	*out = v * mult;
	return 0;
}

void
cfg_size_format(uint64_t v, char *buf, size_t n)
{
	static const char suffix[] = "KMGT";
	int i;

	for (i = 3; i >= 0; i--) {
		uint64_t m = UINT64_C(1) << (10 * (i + 1));

		if (v != 0 && v % m == 0) {
			snprintf(buf, n, "%llu%c", (unsigned long long)(v / m),
			    suffix[i]);
			return;
		}
	}
	snprintf(buf, n, "%llu", (unsigned long long)v);
}

int
cfg_base64_ok(const char *s)
{
	size_t n, i, pad = 0;

	if (s == NULL || (n = strlen(s)) == 0 || n % 4 != 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '=') {
			pad++;
			continue;
		}
		if (pad > 0)
			return 0;	/* data after the padding */
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
			return 0;
	}
	return pad <= 2;
}

/*
 * addr.c -- parsing, formatting and arithmetic of IPv4/IPv6 prefixes.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "err.h"
#include "hugemem.h"

void
prefix_make(struct prefix *p, int family, const uint8_t *addr, int len)
{
	size_t n = addr_len(family), i;

	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)family;
	p->len = (uint8_t)len;
	memcpy(p->addr, addr, n);
	for (i = 0; i < n; i++) {
		int bits = len - (int)i * 8;
		if (bits >= 8)
			continue;
		p->addr[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
}

int
prefix_parse(const char *s, struct prefix *p, struct errbuf *eb)
{
	char buf[PREFIX_STRLEN + 8];
	const char *slash;
	uint8_t a[16];
	long len;
	int family;
	size_t n;
	char *end;

	if (s == NULL || *s == '\0')
		return errbuf_set(eb, DNSBL_EPARSE, "empty address");
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return errbuf_set(eb, DNSBL_EPARSE, "bad address '%s'", s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(a, 0, sizeof(a));
	if (strchr(buf, ':') != NULL) {
		family = ADDR_V6;
		if (inet_pton(AF_INET6, buf, a) != 1)
			return errbuf_set(eb, DNSBL_EPARSE,
			    "bad IPv6 address '%s'", buf);
	} else {
		family = ADDR_V4;
		/* inet_pton refuses short forms like "10.1" and octal. */
		if (inet_pton(AF_INET, buf, a) != 1)
			return errbuf_set(eb, DNSBL_EPARSE,
			    "bad IPv4 address '%s'", buf);
	}
	len = addr_bits(family);
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return errbuf_set(eb, DNSBL_EPARSE,
			    "bad prefix length in '%s'", s);
		errno = 0;
		len = strtol(slash + 1, &end, 10);
		if (errno || *end != '\0' || len < 0 ||
		    len > addr_bits(family) || end - slash > 4)
			return errbuf_set(eb, DNSBL_EPARSE,
			    "bad prefix length in '%s'", s);
	}
	prefix_make(p, family, a, (int)len);
	if (memcmp(p->addr, a, addr_len(family)) != 0)
		return errbuf_set(eb, DNSBL_EPARSE,
		    "'%s' has host bits set beyond /%ld", s, len);
	return 0;
}

/*
 * v in decimal at p, without leading zeros; returns the bytes written
 * (1 to 3).  Zone transfers format every listed address this way, twice,
 * so it stays off printf.
 */
HOT static size_t
put_dec8(char *p, unsigned v)
{
	if (v >= 100) {
		p[0] = (char)('0' + v / 100);
		p[1] = (char)('0' + v / 10 % 10);
		p[2] = (char)('0' + v % 10);
		return 3;
	}
	if (v >= 10) {
		p[0] = (char)('0' + v / 10);
		p[1] = (char)('0' + v % 10);
		return 2;
	}
	p[0] = (char)('0' + v);
	return 1;
}

HOT size_t
addr_text(int family, const uint8_t *a, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	uint16_t words[8];
	int i, best = -1, bestlen = 0, run = 0, started;
	char *p = buf;

	if (family == ADDR_V4) {
		for (i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p += put_dec8(p, a[i]);
		}
		*p = '\0';
		return (size_t)(p - buf);
	}
	for (i = 0; i < 8; i++) {
		words[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
		run = words[i] == 0 ? run + 1 : 0;
		if (run > bestlen) {
			bestlen = run;
			best = i - run + 1;
		}
	}
	if (bestlen < 2)
		best = -1;
	/* Embedded IPv4 (::a.b.c.d and ::ffff:a.b.c.d), as inet_ntop(3). */
	if (best == 0 && (bestlen == 6 || (bestlen == 5 &&
	    words[5] == 0xffff))) {
		*p++ = ':';
		*p++ = ':';
		if (bestlen == 5) {
			memcpy(p, "ffff:", 5);
			p += 5;
		}
		return (size_t)(p - buf) + addr_text(ADDR_V4, a + 12, p);
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			*p++ = ':';
		started = 0;
		for (int s = 12; s >= 0; s -= 4) {
			unsigned nib = (words[i] >> s) & 0xf;
			if (nib || started || s == 0) {
				*p++ = hex[nib];
				started = 1;
			}
		}
	}
	*p = '\0';
	return (size_t)(p - buf);
}

void
addr_format(int family, const uint8_t *addr, char buf[PREFIX_STRLEN])
{
	(void)addr_text(family, addr, buf);
}

size_t
prefix_format(const struct prefix *p, char buf[PREFIX_STRLEN])
{
	size_t n = addr_text(p->family, p->addr, buf);

	if (p->len != addr_bits(p->family)) {	/* 45 + "/128" + NUL fit */
		buf[n++] = '/';
		n += (size_t)put_dec8(buf + n, p->len);
		buf[n] = '\0';
	}
	return n;
}

void
prefix_first(const struct prefix *p, uint8_t out[16])
{
	memset(out, 0, 16);
	memcpy(out, p->addr, addr_len(p->family));
}

void
prefix_last(const struct prefix *p, uint8_t out[16])
{
	size_t n = addr_len(p->family), i;

	memset(out, 0, 16);
	for (i = 0; i < n; i++) {
		int bits = p->len - (int)i * 8;
		if (bits >= 8)
			out[i] = p->addr[i];
		else if (bits <= 0)
			out[i] = 0xff;
		else
			out[i] = p->addr[i] | (uint8_t)(0xff >> bits);
	}
}

int
prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	struct prefix t;

	if (outer->family != inner->family || outer->len > inner->len)
		return 0;
	prefix_make(&t, inner->family, inner->addr, outer->len);
	return memcmp(t.addr, outer->addr, addr_len(outer->family)) == 0;
}

int
addr_inc(uint8_t *a, size_t len)
{
	while (len-- > 0)
		if (++a[len] != 0)
			return 0;
	return 1;
}

int
addr_dec(uint8_t *a, size_t len)
{
	while (len-- > 0)
		if (a[len]-- != 0)
			return 0;
	return 1;
}

HOT int
prefix_reverse_wire(const struct prefix *p, uint8_t out[PREFIX_REVWIRE])
{
	static const char hex[] = "0123456789abcdef";
	size_t used = 0, k;
	int i;

	if (p->family == ADDR_V4) {
		if (p->len % 8 != 0 || p->len > 32)
			return DNSBL_ERANGE;
		for (i = p->len / 8 - 1; i >= 0; i--) {
			k = put_dec8((char *)out + used + 1, p->addr[i]);
			out[used] = (uint8_t)k;
			used += 1 + k;
		}
		return (int)used;
	}
	if (p->len % 4 != 0 || p->len > 128)
		return DNSBL_ERANGE;
	for (i = p->len / 4 - 1; i >= 0; i--) {
		uint8_t b = p->addr[i / 2];

		out[used++] = 1;
		out[used++] = (uint8_t)hex[(i % 2) ? (b & 0x0f) : (b >> 4)];
	}
	return (int)used;
}

int
prefix_of_sockaddr(const struct sockaddr *sa, struct prefix *host)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	static const uint8_t zero[16];

	if (sa != NULL && sa->sa_family == AF_INET) {
		prefix_make(host, ADDR_V4, (const uint8_t *)
		    &((const struct sockaddr_in *)sa)->sin_addr, 32);
		return 0;
	}
	if (sa != NULL && sa->sa_family == AF_INET6) {
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			prefix_make(host, ADDR_V4, s6->sin6_addr.s6_addr + 12,
			    32);
		else
			prefix_make(host, ADDR_V6, s6->sin6_addr.s6_addr, 128);
		return 0;
	}
	prefix_make(host, ADDR_V4, zero, 0);
	return DNSBL_EINVAL;
}

void
prefix_client_net(const struct prefix *host, struct prefix *net)
{
	int len = host->family == ADDR_V4 ? 24 : 56;

	prefix_make(net, host->family, host->addr,
	    host->len < len ? host->len : len);
}

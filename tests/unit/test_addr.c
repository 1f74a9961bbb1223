/*
 * test_addr.c -- addresses and CIDRs (lib/addr.c), RFC 3339 times
 * (lib/timefmt.c) and the error strings (lib/err.c).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "../tap.h"
#include "addr.h"
#include "err.h"
#include "timefmt.h"

static void
parses(const char *in, const char *out, int family, int len)
{
	struct prefix p;
	struct errbuf eb = { "" };
	char buf[PREFIX_STRLEN];
	int rc = prefix_parse(in, &p, &eb);

	if (!ok(rc == 0, "'%s' parses", in)) {
		printf("#   %s\n", eb.msg);
		return;
	}
	prefix_format(&p, buf);
	is_str(buf, out, "'%s' formats as '%s'", in, out);
	ok(p.family == family && p.len == len, "'%s' is family %d /%d", in,
	    family, len);
}

static void
refuses(const char *in, const char *why)
{
	struct prefix p;
	struct errbuf eb = { "" };

	ok(prefix_parse(in, &p, &eb) == DNSBL_EPARSE && eb.msg[0] != '\0',
	    "'%s' is refused (%s): %s", in, why, eb.msg);
}

/* The reversed name's labels, written with dots for the comparison. */
static void
reverse(const char *in, const char *want)
{
	struct prefix p;
	uint8_t w[PREFIX_REVWIRE];
	char buf[80];
	int n, i, o = 0;

	prefix_parse(in, &p, NULL);
	n = prefix_reverse_wire(&p, w);
	for (i = 0; i < n && o < 70; i += 1 + w[i]) {
		if (i > 0)
			buf[o++] = '.';
		memcpy(buf + o, w + i + 1, w[i]);
		o += w[i];
	}
	buf[o] = '\0';
	ok(n > 0 && strcmp(buf, want) == 0, "reverse of %s is %s", in, want);
}

static void
times(const char *in, long long want)
{
	int64_t t = -1;

	ok(time_parse(in, &t) == 0 && t == want, "time '%s' = %lld", in, want);
}

/*
 * The formatters against models built on libc: inet_ntop() and "/%u" for
 * prefix_format(), one snprintf() per octet or nibble for the labels of
 * prefix_reverse_wire().
 */
static void
model_reverse(const struct prefix *p, char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t used = 0;
	int i, unit = p->family == ADDR_V4 ? 8 : 4;

	out[0] = '\0';
	for (i = p->len / unit - 1; i >= 0; i--) {
		if (p->family == ADDR_V4)
			used += (size_t)snprintf(out + used, n - used, "%s%u",
			    used ? "." : "", p->addr[i]);
		else
			used += (size_t)snprintf(out + used, n - used, "%s%c",
			    used ? "." : "", hex[(p->addr[i / 2] >>
			    (i % 2 ? 0 : 4)) & 0xf]);
	}
}

static void
test_format_random(void)
{
	static const uint8_t edge[] = { 0, 1, 9, 10, 11, 99, 100, 101, 199,
	    200, 249, 250, 255 };
	unsigned long long seed = tap_seed("test_addr formatting");
	char got[PREFIX_STRLEN], want[PREFIX_STRLEN], mrev[80];
	uint8_t wire[PREFIX_REVWIRE], mwire[PREFIX_REVWIRE + 1];
	int i, j, bad_fmt = 0, bad_wire = 0;
	int bad_len = 0;

	srand((unsigned)seed);
	for (i = 0; i < 50000; i++) {
		int family = i % 3 == 2 ? ADDR_V6 : ADDR_V4;
		int bits = addr_bits(family), unit = family == ADDR_V4 ? 8 : 4;
		uint8_t a[16];
		struct prefix p;
		int rc;

		for (j = 0; j < 16; j++)
			a[j] = (uint8_t)(rand() % 2 ? rand() :
			    edge[rand() % sizeof(edge)]);
		prefix_make(&p, family, a, rand() % 2 ? bits : rand() % (bits + 1));
		if (prefix_format(&p, got) != strlen(got) && bad_len++ < 3)
			printf("#   prefix_format: length of '%s'\n", got);
		inet_ntop(family == ADDR_V4 ? AF_INET : AF_INET6, p.addr, want,
		    sizeof(want));
		if (p.len != bits)
			snprintf(want + strlen(want), sizeof(want) - strlen(want),
			    "/%u", p.len);
		if (strcmp(got, want) != 0 && bad_fmt++ < 3)
			printf("#   prefix_format: '%s', want '%s'\n", got, want);
		/* The reversed name of the prefix cut to a label boundary. */
		prefix_make(&p, family, a, p.len / unit * unit);
		model_reverse(&p, mrev, sizeof(mrev));
		/* The same name as labels: the model's text, each dot a
		 * length byte. */
		{
			size_t o = 0, at = 0, m;

			for (m = 0; mrev[m] != '\0'; m++) {
				if (mrev[m] == '.') {
					mwire[at] = (uint8_t)(o - at);
					at = ++o;
					continue;
				}
				mwire[++o] = (uint8_t)mrev[m];
			}
			if (o > 0)
				mwire[at] = (uint8_t)(o - at), o++;
			rc = prefix_reverse_wire(&p, wire);
			if ((rc != (int)o || memcmp(wire, mwire, o) != 0) &&
			    bad_wire++ < 3)
				printf("#   prefix_reverse_wire of '%s': %d "
				    "bytes, want %zu\n", mrev, rc, o);
		}
	}
	ok(bad_fmt == 0, "prefix_format: 50,000 random prefixes as inet_ntop "
	    "and /len (%d differ)", bad_fmt);
	ok(bad_len == 0, "prefix_format: returns the length of its text (%d "
	    "wrong)", bad_len);
	ok(bad_wire == 0, "prefix_reverse_wire: the reversed names as labels "
	    "(%d differ)", bad_wire);
}

/* addr_text(), the printf-free formatter, against inet_ntop(). */
static void
test_addr_text(void)
{
	struct prefix p;
	char buf[PREFIX_STRLEN];
	static const char *v6[] = { "2001:db8::1", "::", "::1", "1::",
	    "2001:db8:0:1:1:1:1:1", "2001:0:0:1::1", "1:0:0:2::",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:127.0.0.2",
	    "1:0:2:0:3:0:4:0", "::1.2.3.4", "::ffff:0.0.0.1", "::2:0:0:1",
	    "0:0:1::" };
	char want[INET6_ADDRSTRLEN];
	uint8_t a[16];
	size_t i, j, bad = 0;
	unsigned seed = 1;

	prefix_parse("192.0.2.1", &p, NULL);
	addr_text(ADDR_V4, p.addr, buf);
	is_str(buf, "192.0.2.1", "v4 text");
	prefix_parse("0.10.100.255", &p, NULL);
	addr_text(ADDR_V4, p.addr, buf);
	is_str(buf, "0.10.100.255", "v4 text, all widths");
	for (i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		prefix_parse(v6[i], &p, NULL);
		addr_text(ADDR_V6, p.addr, buf);
		is_str(buf, v6[i], "v6 text %zu", i);
	}
	/* 20000 addresses, with many zero words: the same as inet_ntop(). */
	for (i = 0; i < 20000; i++) {
		for (j = 0; j < 16; j += 2) {
			seed = seed * 1103515245 + 12345;
			a[j] = (seed >> 16) % 4 ? 0 : (uint8_t)(seed >> 8);
			a[j + 1] = (seed >> 20) % 3 ? 0 : (uint8_t)seed;
		}
		if (i % 7 == 0)
			memset(a, 0, 10);
		if (i % 14 == 0)
			a[10] = a[11] = 0xff;
		inet_ntop(AF_INET6, a, want, sizeof(want));
		addr_text(ADDR_V6, a, buf);
		bad += strcmp(buf, want) != 0;
		if (bad == 1 && strcmp(buf, want) != 0)
			printf("# got %s, want %s\n", buf, want);
	}
	is_int(bad, 0, "20000 IPv6 texts as inet_ntop writes them");
}

int
main(void)
{
	struct prefix p, q;
	uint8_t a[16], b[16];
	char buf[PREFIX_STRLEN];
	uint8_t w[PREFIX_REVWIRE];
	int64_t t;

	test_format_random();
	test_addr_text();
	parses("192.0.2.1", "192.0.2.1", ADDR_V4, 32);
	parses("192.0.2.0/24", "192.0.2.0/24", ADDR_V4, 24);
	parses("0.0.0.0/0", "0.0.0.0/0", ADDR_V4, 0);
	parses("192.0.2.1/32", "192.0.2.1", ADDR_V4, 32);
	parses("2001:db8::1", "2001:db8::1", ADDR_V6, 128);
	parses("2001:DB8::/32", "2001:db8::/32", ADDR_V6, 32);
	parses("::ffff:127.0.0.2", "::ffff:127.0.0.2", ADDR_V6, 128);
	parses("::/0", "::/0", ADDR_V6, 0);

	refuses("", "empty");
	refuses("192.0.2", "short form");
	refuses("192.0.2.256", "octet over 255");
	refuses("192.0.2.1/24", "host bits set");
	refuses("192.0.2.0/33", "length over 32");
	refuses("192.0.2.0/", "no length");
	refuses("192.0.2.0/-1", "negative length");
	refuses("192.0.2.0/24x", "junk after the length");
	refuses("2001:db8::/129", "length over 128");
	refuses("2001:db8::1/64", "IPv6 host bits set");
	refuses("2001:db8:::1", "bad IPv6");
	refuses("example.com", "a name");
	refuses("1.2.3.4 ", "trailing space");

	prefix_parse("192.0.2.0/23", &p, NULL);
	prefix_first(&p, a);
	prefix_last(&p, b);
	addr_format(ADDR_V4, a, buf);
	is_str(buf, "192.0.2.0", "first of a /23");
	addr_format(ADDR_V4, b, buf);
	is_str(buf, "192.0.3.255", "last of a /23");
	prefix_parse("192.0.3.7", &q, NULL);
	ok(prefix_contains(&p, &q), "the /23 contains 192.0.3.7");
	ok(!prefix_contains(&q, &p), "but not the other way");
	prefix_parse("192.0.4.0", &q, NULL);
	ok(!prefix_contains(&p, &q), "nor 192.0.4.0");
	prefix_parse("2001:db8::/32", &q, NULL);
	ok(!prefix_contains(&p, &q), "families never contain each other");

	prefix_parse("2001:db8::/33", &p, NULL);
	prefix_last(&p, b);
	addr_format(ADDR_V6, b, buf);
	is_str(buf, "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", "last of a v6 /33");

	memset(a, 0xff, 4);
	ok(addr_inc(a, 4) == 1 && a[0] == 0 && a[3] == 0, "inc wraps at the top");
	ok(addr_dec(a, 4) == 1 && a[0] == 0xff, "dec wraps at the bottom");
	a[0] = 1; a[1] = 0; a[2] = 0xff; a[3] = 0xff;
	addr_inc(a, 4);
	ok(a[1] == 1 && a[2] == 0 && a[3] == 0, "inc carries");

	reverse("1.2.3.4", "4.3.2.1");
	reverse("1.2.3.0/24", "3.2.1");
	reverse("10.0.0.0/8", "10");
	reverse("2001:db8::/32", "8.b.d.0.1.0.0.2");
	reverse("::ffff:127.0.0.2",
	    "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0");
	prefix_parse("1.2.3.0/25", &p, NULL);
	ok(prefix_reverse_wire(&p, w) == DNSBL_ERANGE,
	    "a /25 has no reversed name");
	prefix_parse("2001:db8::/30", &p, NULL);
	ok(prefix_reverse_wire(&p, w) == DNSBL_ERANGE,
	    "an IPv6 /30 has none either");

	times("2026-11-23T10:00:00Z", 1795428000LL);
	times("2026-11-23t10:00:00z", 1795428000LL);
	times("2026-11-23 10:00:00Z", 1795428000LL);
	times("2026-11-23T11:00:00+01:00", 1795428000LL);
	times("2026-11-23T08:30:00-01:30", 1795428000LL);
	times("2026-11-23T10:00:00.123456Z", 1795428000LL);
	times("2024-02-29T00:00:00Z", 1709164800LL);
	ok(time_parse("2026-11-23T10:00:00", &t) == DNSBL_EPARSE,
	    "a time without a zone is refused");
	ok(time_parse("2025-02-29T00:00:00Z", &t) == DNSBL_EPARSE,
	    "29 February of a common year is refused");
	ok(time_parse("2026-13-01T00:00:00Z", &t) == DNSBL_EPARSE,
	    "month 13 is refused");
	ok(time_parse("2026-11-23T24:00:00Z", &t) == DNSBL_EPARSE,
	    "hour 24 is refused");
	ok(time_parse("yesterday", &t) == DNSBL_EPARSE, "words are refused");
	ok(time_parse("2026-11-23T10:00:00Zjunk", &t) == DNSBL_EPARSE,
	    "trailing junk is refused");
	/* The times of options: RFC 3339, a date, an age before now. */
	{
		const int64_t now = 1795428000LL;	/* 2026-11-23T10:00Z */
		static const struct { const char *in; int64_t want; } ta[] = {
			{ "2026-11-23T11:00:00+01:00", 1795428000LL },
			{ "2026-11-23", 1795392000LL },
			{ "2024-02-29", 1709164800LL },
			{ "7d", 1795428000LL - 7 * 86400 },
			{ "12h", 1795428000LL - 12 * 3600 },
			{ "30m", 1795428000LL - 1800 },
			{ "45s", 1795428000LL - 45 },
			{ "2w", 1795428000LL - 14 * 86400 },
			{ "1d12h", 1795428000LL - 36 * 3600 },
			{ "0d", 1795428000LL },
		};
		static const char *bad[] = { "", "7", "d", "7x", "-7d", "7d ",
		    " 7d", "2026-11-31", "2026-11-2", "2026-11-23T", "7 d",
		    "yesterday", "1.5d", "+7d" };
		size_t i;

		for (i = 0; i < sizeof(ta) / sizeof(ta[0]); i++) {
			t = -1;
			ok(time_parse_arg(ta[i].in, now, &t) == 0 &&
			    t == ta[i].want, "option time '%s' = %lld",
			    ta[i].in, (long long)ta[i].want);
		}
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ok(time_parse_arg(bad[i], now, &t) == DNSBL_EPARSE,
			    "option time '%s' is refused", bad[i]);
		ok(time_parse_arg("99999999999999999999d", now, &t) ==
		    DNSBL_ERANGE, "a huge age is out of range, not wrapped");
		ok(time_parse_arg("30000d", now, &t) == DNSBL_ERANGE,
		    "an age before 1970 is out of range");
	}
	time_format(1795428000LL, buf);
	is_str(buf, "2026-11-23T10:00:00Z", "time_format is RFC 3339 UTC");
	time_format(0, buf);
	is_str(buf, "never", "time 0 is 'never'");

	is_str(dnsbl_strerror(DNSBL_EPARSE), "malformed input",
	    "dnsbl_strerror knows its codes");
	is_str(dnsbl_strerror(-999), "unknown error", "and not others");
	is_str(dnsbl_strerror(1), "unknown error", "nor positive ones");
	/* A client's address and network. */
	{
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
		struct sockaddr sa;
		struct prefix h, n;
		char buf[PREFIX_STRLEN];

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		inet_pton(AF_INET, "192.0.2.77", &sin.sin_addr);
		ok(prefix_of_sockaddr((struct sockaddr *)&sin, &h) == 0,
		    "an IPv4 client");
		prefix_format(&h, buf);
		is_str(buf, "192.0.2.77", "as a /32");
		prefix_client_net(&h, &n);
		prefix_format(&n, buf);
		is_str(buf, "192.0.2.0/24", "its network: the /24");
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		inet_pton(AF_INET6, "::ffff:198.51.100.9", &sin6.sin6_addr);
		ok(prefix_of_sockaddr((struct sockaddr *)&sin6, &h) == 0 &&
		    h.family == ADDR_V4 && h.len == 32,
		    "an IPv4-mapped client is its IPv4 address");
		inet_pton(AF_INET6, "2001:db8:aa:bbcc:1::1", &sin6.sin6_addr);
		(void)prefix_of_sockaddr((struct sockaddr *)&sin6, &h);
		prefix_client_net(&h, &n);
		prefix_format(&n, buf);
		is_str(buf, "2001:db8:aa:bb00::/56", "an IPv6 client's /56");
		memset(&sa, 0, sizeof(sa));
		sa.sa_family = AF_UNIX;
		ok(prefix_of_sockaddr(&sa, &h) == DNSBL_EINVAL && h.len == 0,
		    "another family: EINVAL, 0.0.0.0/0");
		ok(prefix_of_sockaddr(NULL, &h) == DNSBL_EINVAL, "none: EINVAL");
	}
	return tap_done();
}

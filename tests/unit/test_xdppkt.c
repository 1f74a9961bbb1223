/*
 * test_xdppkt.c -- the frames of the AF_XDP path (dnsbld/xdppkt.h): a
 * query frame read, its answer frame built in place, each kind of frame
 * the path must leave alone (each with its IP checksum set right again,
 * so that only what is wrong with it can make it refused), and seeded
 * random damage, half of it with the checksum set right.  The checksums
 * are checked with a sum written here, not with the one under test, also
 * on random buffers, and an answer whose UDP checksum comes to 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "../../dnsbld/xdppkt.h"
#include "../tap.h"

static const uint8_t srv_mac[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t cli_mac[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t srv_ip[4] = { 198, 18, 0, 1 };
static const uint8_t cli_ip[4] = { 198, 18, 0, 2 };

/* The one's complement sum of 16-bit words, folded: the reference. */
static unsigned
ref_sum(const uint8_t *b, size_t n, unsigned s)
{
	size_t i;

	for (i = 0; i < n; i++)
		s += (i & 1) ? b[i] : (unsigned)b[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static unsigned
ref_udp_sum(const uint8_t *ip, const uint8_t *udp, size_t ulen)
{
	unsigned s = ref_sum(ip + 12, 8, 0);

	s += 17 + (unsigned)ulen;
	return ref_sum(udp, ulen, s);
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A query frame: Ethernet, IPv4, UDP 40000 -> 53, and dnslen bytes. */
static size_t
mkframe(uint8_t *f, size_t dnslen, int with_csum)
{
	uint8_t *ip = f + 14, *udp = f + 34;
	size_t i;

	memset(f, 0, 2048);
	memcpy(f, srv_mac, 6);
	memcpy(f + 6, cli_mac, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 28 + (unsigned)dnslen);
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000);
	ip[8] = 61;
	ip[9] = 17;
	memcpy(ip + 12, cli_ip, 4);
	memcpy(ip + 16, srv_ip, 4);
	put16(ip + 10, ~ref_sum(ip, 20, 0) & 0xffff);
	put16(udp, 40000);
	put16(udp + 2, 53);
	put16(udp + 4, 8 + (unsigned)dnslen);
	for (i = 0; i < dnslen; i++)
		udp[8 + i] = (uint8_t)(i * 7 + 1);
	if (with_csum)
		put16(udp + 6, ~ref_udp_sum(ip, udp, 8 + dnslen) & 0xffff);
	return 42 + dnslen;
}

/* The IP header checksum of frame f set right again after a change, so
 * that only the change can make a frame refused. */
static void
refix(uint8_t *f)
{
	put16(f + 24, 0);
	put16(f + 24, ~ref_sum(f + 14, 20, 0) & 0xffff);
}

static uint32_t
a4(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return v;
}

static uint16_t
p16(unsigned port)
{
	uint8_t b[2] = { (uint8_t)(port >> 8), (uint8_t)port };
	uint16_t v;

	memcpy(&v, b, 2);
	return v;
}

static int
parse(const uint8_t *f, size_t len, struct xdppkt *p)
{
	return xdppkt_parse(f, len, a4(srv_ip), p16(53), p);
}

static void
test_checksum_vector(void)
{
	/* A well-known IPv4 header whose checksum is 0xb861. */
	static const uint8_t h[20] = { 0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40,
	    0x11, 0, 0, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7 };
	uint8_t odd[3] = { 1, 2, 3 };

	is_int(xdppkt_csum(h, 20, 0), 0xb861, "IPv4 header checksum vector");
	is_int(xdppkt_csum(odd, 3, 0), ~ref_sum(odd, 3, 0) & 0xffff,
	    "odd length: the last byte is the high half");
}

/* Sums that carry out of 16 bits twice, and random buffers and starting
 * sums, against the reference. */
static void
test_checksum_random(unsigned seed)
{
	static const uint8_t w[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
	    2 };	/* 0x2fffd + 2: folded once, 0x10001 */
	uint8_t b[1600];
	size_t n, i;
	unsigned s;
	int k, wrong = 0;

	is_int(xdppkt_csum(w, 8, 0), ~ref_sum(w, 8, 0) & 0xffff,
	    "a sum that carries twice is folded twice");
	srand(seed);
	for (k = 0; k < 2000; k++) {
		n = (size_t)rand() % sizeof(b);
		for (i = 0; i < n; i++)
			b[i] = rand() % 4 ? 0xff : (uint8_t)rand();
		s = (unsigned)rand() % 0x50000;
		if (xdppkt_csum(b, n, s) != (~ref_sum(b, n, s) & 0xffff))
			wrong++;
	}
	is_int(wrong, 0, "2000 random buffers, mostly 0xff (seed %u): the "
	    "reference's checksum", seed);
}

/* An answer whose UDP checksum comes to 0 is sent with 0xffff, its other
 * form: 0 would say it has none (RFC 768). */
static void
test_zero_checksum(void)
{
	uint8_t f[2048], g[2048];
	struct xdppkt p;
	size_t len, out;
	unsigned c;

	len = mkframe(f, 40, 0);
	put16(f + 42 + 38, 0);	/* the word that will make the sum */
	memcpy(g, f, len);
	if (!ok(parse(g, len, &p) == 0, "zero checksum: the query parses"))
		return;
	out = xdppkt_answer(g, &p, 40);
	c = (unsigned)(g[40] << 8 | g[41]);
	/* That word set to the first answer's checksum makes the sum
	 * 0xffff, and so the checksum 0. */
	put16(f + 42 + 38, c);
	memcpy(g, f, len);
	(void)parse(g, len, &p);
	out = xdppkt_answer(g, &p, 40);
	is_int(g[40] << 8 | g[41], 0xffff, "a checksum of 0 is sent as 0xffff");
	is_int(ref_udp_sum(g + 14, g + 34, out - 34), 0xffff,
	    "and it is right");
}

static void
test_answer(void)
{
	uint8_t f[2048];
	struct xdppkt p;
	size_t len = mkframe(f, 40, 1), out, i;
	uint8_t *ip = f + 14, *udp = f + 34;
	int bad = 0;

	is_int(parse(f, len, &p), 0, "a query frame is taken");
	is_int(p.dns, 42, "the DNS message starts after 42 bytes");
	is_int(p.dnslen, 40, "its length is the UDP payload's");
	ok(p.saddr == a4(cli_ip), "the client's address");
	ok(p.sport == p16(40000), "the client's port");
	is_int(parse(f, len + 18, &p), 0, "Ethernet padding after it is fine");
	is_int(p.dnslen, 40, "padding is not part of the message");
	/* A query without DF (and with IP ID 0x1234): the answer sets DF
	 * and ID 0 all the same. */
	put16(ip + 6, 0);
	/* An answer of 300 bytes written where the query was. */
	for (i = 0; i < 300; i++)
		f[42 + i] = (uint8_t)(255 - i);
	out = xdppkt_answer(f, &p, 300);
	is_int(out, 342, "the answer frame's length");
	ok(memcmp(f, cli_mac, 6) == 0 && memcmp(f + 6, srv_mac, 6) == 0,
	    "Ethernet addresses swapped");
	ok(memcmp(ip + 12, srv_ip, 4) == 0 && memcmp(ip + 16, cli_ip, 4) == 0,
	    "IP addresses swapped");
	is_int(ip[2] << 8 | ip[3], 328, "IP total length");
	is_int(ip[6] << 8 | ip[7], 0x4000, "DF, no fragment offset");
	is_int(ip[4] << 8 | ip[5], 0, "IP ID 0 (DF set: RFC 6864)");
	is_int(ip[8], 64, "TTL 64");
	is_int(ref_sum(ip, 20, 0), 0xffff, "IP header checksum right");
	is_int(udp[0] << 8 | udp[1], 53, "UDP source port is the server's");
	is_int(udp[2] << 8 | udp[3], 40000, "UDP destination is the client's");
	is_int(udp[4] << 8 | udp[5], 308, "UDP length");
	ok((udp[6] | udp[7]) != 0, "UDP checksum present");
	is_int(ref_udp_sum(ip, udp, 308), 0xffff, "UDP checksum right");
	for (i = 0; i < 300; i++)
		bad += f[42 + i] != (uint8_t)(255 - i);
	is_int(bad, 0, "the answer's bytes untouched");
	/* The answer frame, seen from the client, is itself well formed. */
	ok(xdppkt_parse(f, out, a4(cli_ip), p16(40000), &p) == 0 &&
	    p.dnslen == 300, "the answer parses at the client's end");
}

static void
test_refused(void)
{
	uint8_t f[2048];
	struct xdppkt p;
	size_t len;

	len = mkframe(f, 30, 0);
	is_int(parse(f, len, &p), 0, "UDP checksum 0 (none) is taken");
	len = mkframe(f, 30, 1);
	is_int(parse(f, 41, &p), DNSBL_EPARSE, "shorter than the headers");
	is_int(parse(f, len - 1, &p), DNSBL_EPARSE, "IP length past the frame");
	f[12] = 0x81;
	f[13] = 0x00;
	is_int(parse(f, len, &p), DNSBL_EPARSE, "a VLAN tag: not taken");
	len = mkframe(f, 30, 1);
	f[12] = 0x86;
	f[13] = 0xdd;
	is_int(parse(f, len, &p), DNSBL_EPARSE, "IPv6: not taken");
	len = mkframe(f, 30, 1);
	f[14] = 0x46;
	is_int(parse(f, len, &p), DNSBL_EPARSE, "IP options: not taken");
	refix(f);
	is_int(parse(f, len, &p), DNSBL_EPARSE, "IP options, the checksum "
	    "right over 20 bytes: not taken");
	len = mkframe(f, 30, 1);
	f[14] = 0x65;
	refix(f);
	is_int(parse(f, len, &p), DNSBL_EPARSE, "IP version 6 in an IPv4 "
	    "frame: not taken");
	len = mkframe(f, 30, 1);
	f[14 + 6] = 0x20;	/* MF */
	put16(f + 24, 0);
	put16(f + 24, ~ref_sum(f + 14, 20, 0) & 0xffff);
	is_int(parse(f, len, &p), DNSBL_EPARSE, "a first fragment: not taken");
	len = mkframe(f, 30, 1);
	f[14 + 7] = 0x10;	/* offset */
	put16(f + 24, 0);
	put16(f + 24, ~ref_sum(f + 14, 20, 0) & 0xffff);
	is_int(parse(f, len, &p), DNSBL_EPARSE, "a later fragment: not taken");
	len = mkframe(f, 30, 1);
	f[14 + 9] = 6;
	is_int(parse(f, len, &p), DNSBL_EPARSE, "TCP: not taken");
	refix(f);
	is_int(parse(f, len, &p), DNSBL_EPARSE, "TCP, the checksum right: "
	    "not taken");
	len = mkframe(f, 30, 1);
	f[14 + 10] ^= 1;
	is_int(parse(f, len, &p), DNSBL_EPARSE, "a bad IP checksum");
	len = mkframe(f, 30, 1);
	f[40] ^= 0x40;
	is_int(parse(f, len, &p), 0, "a UDP checksum left partial (veth): "
	    "taken, not checked");
	len = mkframe(f, 30, 1);
	is_int(xdppkt_parse(f, len, a4(cli_ip), p16(53), &p), DNSBL_EPARSE,
	    "to another address");
	is_int(xdppkt_parse(f, len, a4(srv_ip), p16(5353), &p), DNSBL_EPARSE,
	    "to another port");
	len = mkframe(f, 30, 0);
	put16(f + 38, 8 + 29);
	is_int(parse(f, len, &p), DNSBL_EPARSE, "UDP length not the IP one's");
	/* IP lengths too short for a UDP header, the UDP length matching:
	 * the payload's length would be negative. */
	for (len = 20; len < 28; len++) {
		size_t flen = mkframe(f, 30, 0);

		put16(f + 16, (unsigned)len);
		put16(f + 38, (unsigned)len - 20);
		refix(f);
		is_int(parse(f, flen, &p), DNSBL_EPARSE, "IP length %zu, UDP "
		    "length %zu: not taken", len, len - 20);
	}
	len = mkframe(f, 0, 0);
	is_int(parse(f, len, &p), 0, "an empty UDP payload parses");
	is_int(p.dnslen, 0, "of length 0 (respond() drops it)");
}

/* Seeded damage: never a read past the frame, never a length past it. */
static void
test_random(unsigned seed)
{
	uint8_t f[2048];
	struct xdppkt p;
	size_t len, cut;
	int i, k, taken = 0, wrong = 0;

	srand(seed);
	for (i = 0; i < 20000; i++) {
		len = mkframe(f, (size_t)(rand() % 600), rand() & 1);
		for (k = rand() % 4; k >= 0; k--)
			f[rand() % len] ^= (uint8_t)(1 + rand() % 255);
		if (rand() & 1)		/* past the checksum, to the fields */
			refix(f);
		cut = (size_t)rand() % (len + 1);
		if (parse(f, cut, &p) == 0) {
			taken++;
			if (p.dns + p.dnslen > cut)
				wrong++;
		}
	}
	is_int(wrong, 0, "random damage (seed %u): no length past the frame "
	    "(%d taken)", seed, taken);
}

int
main(void)
{
	unsigned seed = getenv("SEED") ? (unsigned)strtoul(getenv("SEED"),
	    NULL, 10) : (unsigned)time(NULL);

	printf("# seed %u\n", seed);
	test_checksum_vector();
	test_checksum_random(seed);
	test_answer();
	test_zero_checksum();
	test_refused();
	test_random(seed);
	return tap_done();
}

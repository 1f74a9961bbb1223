/*
 * xdppkt.c -- read a query frame, build its answer frame in place
 * (xdppkt.h).  Offsets are from the frame's start; every read is checked
 * against its length first.
 */
#include <string.h>

#include "err.h"
#include "xdppkt.h"

#define ETH_LEN		14
#define IP_LEN		20
#define UDP_LEN		8

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint16_t
xdppkt_csum(const uint8_t *buf, size_t len, uint32_t sum)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += get16(buf + i);
	if (len & 1)
		s += (uint32_t)buf[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The sum of the UDP pseudo-header of ip, for a datagram of len bytes. */
static uint32_t
pseudo(const uint8_t *ip, size_t len)
{
	return (uint32_t)get16(ip + 12) + get16(ip + 14) + get16(ip + 16) +
	    get16(ip + 18) + 17 + (uint32_t)len;
}

int
xdppkt_parse(const uint8_t *frame, size_t len, uint32_t addr, uint16_t port,
    struct xdppkt *p)
{
	const uint8_t *ip = frame + ETH_LEN, *udp = ip + IP_LEN;
	size_t iplen, ulen;

	if (len < XDPPKT_HDR || get16(frame + 12) != 0x0800)
		return DNSBL_EPARSE;
	if (ip[0] != 0x45 || ip[9] != 17 || (get16(ip + 6) & 0x3fff) != 0)
		return DNSBL_EPARSE;	/* options, not UDP, a fragment */
	iplen = get16(ip + 2);
	if (iplen < IP_LEN + UDP_LEN || iplen > len - ETH_LEN ||
	    xdppkt_csum(ip, IP_LEN, 0) != 0)
		return DNSBL_EPARSE;
	if (memcmp(ip + 16, &addr, 4) != 0 || memcmp(udp + 2, &port, 2) != 0)
		return DNSBL_EPARSE;
	ulen = get16(udp + 4);
	if (ulen != iplen - IP_LEN)
		return DNSBL_EPARSE;
	/* The UDP checksum is not checked: a sender on the same host (a
	 * veth) leaves it to be filled in later (CHECKSUM_PARTIAL), and a
	 * NIC checks it in hardware without telling XDP the result. */
	memcpy(&p->saddr, ip + 12, 4);
	memcpy(&p->sport, udp, 2);
	p->dns = XDPPKT_HDR;
	p->dnslen = ulen - UDP_LEN;
	return 0;
}

size_t
xdppkt_answer(uint8_t *frame, const struct xdppkt *p, size_t dnslen)
{
	uint8_t *ip = frame + ETH_LEN, *udp = ip + IP_LEN, t[6];
	size_t ulen = UDP_LEN + dnslen;
	uint16_t c;

	(void)p;
	memcpy(t, frame, 6);		/* Ethernet: back where it came from */
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, t, 6);
	memcpy(t, ip + 12, 4);		/* IP addresses */
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, t, 4);
	put16(ip + 2, (uint16_t)(IP_LEN + ulen));
	/* DF and IP ID 0, as the kernel path's answers (server.c, RFC
	 * 9715 and 6864): an answer is at most 1232 bytes. */
	put16(ip + 4, 0);
	put16(ip + 6, 0x4000);		/* DF, fragment offset 0 */
	ip[8] = 64;
	put16(ip + 10, 0);
	put16(ip + 10, xdppkt_csum(ip, IP_LEN, 0));
	memcpy(t, udp, 2);		/* UDP ports */
	memcpy(udp, udp + 2, 2);
	memcpy(udp + 2, t, 2);
	put16(udp + 4, (uint16_t)ulen);
	put16(udp + 6, 0);
	c = xdppkt_csum(udp, ulen, pseudo(ip, ulen));
	put16(udp + 6, c == 0 ? 0xffff : c);	/* 0 would mean none */
	return ETH_LEN + IP_LEN + ulen;
}

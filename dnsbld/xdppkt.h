/*
 * xdppkt.h -- the frames of dnsbld's AF_XDP path (xdp.c, docs/xdp.md):
 * read an Ethernet/IPv4/UDP query frame and turn it, in place, into the
 * frame of its answer.  Pure functions on the caller's buffers: no I/O,
 * no allocation, nothing kept.  Built in every build (the unit test
 * tests/unit/test_xdppkt.c runs without libxdp).
 *
 * Taken: Ethernet II without VLAN tag, IPv4 with no options, not a
 * fragment, a right IP header checksum, UDP to one address and port, a
 * UDP length that agrees with the IP length.  The UDP checksum is not
 * checked (xdppkt.c says why).  The XDP program
 * (xdp_kern.c) passes everything else to the kernel already; this is the
 * second look, for what user space is given.
 */
#ifndef DNSBLD_XDPPKT_H
#define DNSBLD_XDPPKT_H

#include <stddef.h>
#include <stdint.h>

#define XDPPKT_HDR	42	/* Ethernet 14, IPv4 20, UDP 8 */

/* A query frame, read. */
struct xdppkt {
	size_t dns;		/* offset of the DNS message: XDPPKT_HDR */
	size_t dnslen;		/* its length */
	uint32_t saddr;		/* the client's address and port, network */
	uint16_t sport;		/* order */
};

/*
 * Read frame (len bytes) as a UDP datagram to addr@port (network byte
 * order).  Returns 0 and fills p, or DNSBL_EPARSE: not one we answer.
 */
int xdppkt_parse(const uint8_t *frame, size_t len, uint32_t addr,
    uint16_t port, struct xdppkt *p);

/*
 * The answer's frame: frame holds the query's headers and, at p->dns,
 * the answer (dnslen bytes).  Swaps the Ethernet, IP and UDP addresses
 * and ports, sets the lengths and a TTL of 64, sets DF with IP ID 0 and
 * fragment offset 0, and sets both checksums.  Returns the frame's
 * length.
 */
size_t xdppkt_answer(uint8_t *frame, const struct xdppkt *p, size_t dnslen);

/* The Internet checksum (RFC 1071) of buf, added to sum (folded). */
uint16_t xdppkt_csum(const uint8_t *buf, size_t len, uint32_t sum);

#endif

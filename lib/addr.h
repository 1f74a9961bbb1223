/*
 * addr.h -- IPv4 and IPv6 addresses and prefixes (CIDRs).
 *
 * A struct prefix holds its address in network byte order in addr[]: the
 * first 4 bytes for IPv4, all 16 for IPv6.  Bytes past the family's length
 * are zero.  All functions here work on caller-owned memory and keep no
 * state; none allocates.
 */
#ifndef DNSBL_ADDR_H
#define DNSBL_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_V4 4
#define ADDR_V6 6

/* Longest text form of a prefix, with the NUL: "ffff:...:ffff/128". */
#define PREFIX_STRLEN 50

struct prefix {
	uint8_t family;		/* ADDR_V4 or ADDR_V6 */
	uint8_t len;		/* prefix length, 0..32 or 0..128 */
	uint8_t addr[16];	/* network address, host bits zero */
};

/* Address length in bytes of family: 4 or 16. */
static inline size_t
addr_len(int family)
{
	return family == ADDR_V4 ? 4 : 16;
}

/* Maximum prefix length of family: 32 or 128. */
static inline int
addr_bits(int family)
{
	return family == ADDR_V4 ? 32 : 128;
}

/*
 * Parse "192.0.2.1", "192.0.2.0/24", "2001:db8::1" or "2001:db8::/32".
 * An address without a length is a host prefix (/32 or /128).  Host bits set
 * beyond the length are an error, so "192.0.2.1/24" is refused: a typo there
 * would list more than meant.  Returns 0 or DNSBL_EPARSE, with the reason in
 * eb (may be NULL).
 */
struct errbuf;
int prefix_parse(const char *s, struct prefix *p, struct errbuf *eb);

/*
 * Format p as "192.0.2.1" for a host prefix, else "192.0.2.0/24".  Returns
 * the length, without the NUL.
 */
size_t prefix_format(const struct prefix *p, char buf[PREFIX_STRLEN]);

/* Format a bare address of family from its network-order bytes. */
void addr_format(int family, const uint8_t *addr, char buf[PREFIX_STRLEN]);

/*
 * The same text, written without printf (dnsbld's TXT '$' and zone
 * transfers use it per record): a dotted quad, or compressed IPv6 exactly
 * as inet_ntop(3) writes it (RFC 5952: lower case, the longest run of zeros
 * as "::", ::ffff:a.b.c.d for IPv4-mapped).  buf holds at least
 * PREFIX_STRLEN bytes.  Returns the length, NUL not counted.
 */
size_t addr_text(int family, const uint8_t *addr, char *buf);

/* The first and last address covered by p, network order, addr_len() bytes. */
void prefix_first(const struct prefix *p, uint8_t out[16]);
void prefix_last(const struct prefix *p, uint8_t out[16]);

/* Set p to addr masked to len.  len must be within the family's range. */
void prefix_make(struct prefix *p, int family, const uint8_t *addr, int len);

/* 1 if outer covers inner (same family, outer->len <= inner->len), else 0. */
int prefix_contains(const struct prefix *outer, const struct prefix *inner);

struct sockaddr;

/*
 * The address of a client, sa (AF_INET or AF_INET6), as a host prefix: /32
 * or /128, an IPv4-mapped IPv6 address as its IPv4 address.  Returns 0, or
 * DNSBL_EINVAL for another family (host is then 0.0.0.0/0).
 */
int prefix_of_sockaddr(const struct sockaddr *sa, struct prefix *host);

/*
 * The client network of host: its /24 for IPv4, its /56 for IPv6 -- what
 * the TCP limits, the access quotas and the log summaries count by.
 */
void prefix_client_net(const struct prefix *host, struct prefix *net);

/* Add or subtract one, big-endian, over len bytes.  Returns 1 on wrap. */
int addr_inc(uint8_t *a, size_t len);
int addr_dec(uint8_t *a, size_t len);

/*
 * The reversed owner name of a host or octet/nibble-aligned prefix,
 * without the zone, as wire labels, each its length byte and its text, with
 * no root label after them: "4.3.2.1" for 1.2.3.4 is 1 '4' 1 '3' 1 '2'
 * 1 '1', "3.2.1" for 1.2.3.0/24; 32 or fewer nibbles for IPv6.  out holds
 * PREFIX_REVWIRE bytes (32 nibble labels).  Returns the length (0 for
 * /0), or DNSBL_ERANGE if the prefix is not aligned.
 */
#define PREFIX_REVWIRE	64
int prefix_reverse_wire(const struct prefix *p, uint8_t out[PREFIX_REVWIRE]);

#endif

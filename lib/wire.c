/*
 * wire.c -- the out-of-line parts of the wire reader: domain names.
 *
 * Everything else in the reader and writer is small enough to be inline in
 * wire.h.  Both functions here honour the sticky error flag and never read
 * outside [buf, buf + len).
 */
#include <stdint.h>
#include <string.h>

#include "wire.h"

/*
 * Lower-case the ASCII letters among the eight bytes of w.  For each byte
 * b below 0x80, (b + 0x3f) has its top bit set when b >= 'A' and
 * (b + 0x25) when b > 'Z', so their exclusive or marks 'A' to 'Z'; no sum
 * carries into the next byte.  A name's length bytes (0 to 63) are below
 * 'A' and stay as they are.
 */
static inline uint64_t
lower8(uint64_t w)
{
	const uint64_t h = 0x8080808080808080ULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
	uint64_t b = w & low7;
	uint64_t up = ((b + 0x3f3f3f3f3f3f3f3fULL) ^
	    (b + 0x2525252525252525ULL)) & ~w & h;

	return w | up >> 2;	/* 0x80 >> 2 is the case bit, 0x20 */
}

/*
 * Copy the n bytes at p to out, lower-cased: eight at a time, the last
 * eight read again from p + n - 8 when n is not a multiple of eight
 * (lower-casing twice changes nothing), so nothing is read past p + n or
 * written past out + n; fewer than eight one at a time.
 */
static void
copy_lower(uint8_t *out, const uint8_t *p, size_t n)
{
	uint64_t w;
	size_t i;

	if (n < 8) {
		for (i = 0; i < n; i++)
			out[i] = p[i] >= 'A' && p[i] <= 'Z' ?
			    (uint8_t)(p[i] + ('a' - 'A')) : p[i];
		return;
	}
	for (i = 0; i + 8 < n; i += 8) {
		memcpy(&w, p + i, 8);
		w = lower8(w);
		memcpy(out + i, &w, 8);
	}
	memcpy(&w, p + n - 8, 8);
	w = lower8(w);
	memcpy(out + n - 8, &w, 8);
}

/*
 * 1 if the 64 bytes at p are 32 labels of one byte each, as a reversed
 * IPv6 name begins (RFC 5782): every other byte, from the first, is 1.
 * Eight bytes at a time; the bytes between are not looked at.
 */
int
wire_nibble_labels(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t even = 0x00ff00ff00ff00ffULL, ones = 0x0001000100010001ULL;
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	const uint64_t even = 0xff00ff00ff00ff00ULL, ones = 0x0100010001000100ULL;
#else
	const uint64_t even = 0, ones = 1;	/* never: the loop walks */
#endif
	uint64_t w, diff = 0;
	int i;

	for (i = 0; i < 64; i += 8) {
		memcpy(&w, p + i, 8);
		diff |= (w & even) ^ ones;
	}
	return diff == 0;
}

/* Where each of 32 one-byte labels begins. */
static const uint8_t nibble_offsets[32] = {
	0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30,
	32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 62
};

/*
 * The labels are walked in the input first, checked and counted; then the
 * whole name is copied and lower-cased in one pass.  Nothing is written to out
 * or read past r->len on an error.  A name that begins with 32 labels of
 * one byte (a reversed IPv6 address) has them counted at once
 * (wire_nibble_labels()), and the walk goes on after them.
 */
size_t
wire_read_name(struct wire_reader *r, uint8_t *out, uint8_t *labels,
    int *nlabels)
{
	const uint8_t *p;
	size_t n = 0, avail;
	int nl = 0;
	uint8_t c;

	*nlabels = 0;
	if (r->err)
		return 0;
	p = r->buf + r->off;
	avail = r->len - r->off;
	if (avail > 64 && wire_nibble_labels(p)) {
		if (labels != NULL)
			memcpy(labels, nibble_offsets, sizeof(nibble_offsets));
		n = 64;
		nl = 32;
	}
	for (;;) {
		if (n >= avail)
			goto bad;	/* the input ends inside the name */
		if ((c = p[n]) == 0)
			break;
		if (c & 0xc0)		/* a pointer or an extended label type */
			goto bad;
		/* The label and the root after it must fit.  A label
		 * starting at n has nl labels of two bytes or more before
		 * it, so nl <= n / 2 < WIRE_LABELS_MAX here. */
		if (n + 1 + c + 1 > WIRE_NAME_MAX)
			goto bad;
		if (labels != NULL)
			labels[nl] = (uint8_t)n;
		nl++;
		n += 1 + (size_t)c;
	}
	n++;				/* the root label */
	copy_lower(out, p, n);
	r->off += n;
	*nlabels = nl;
	return n;
bad:
	r->err = 1;
	return 0;
}

void
wire_skip_name(struct wire_reader *r)
{
	size_t total = 0;
	uint8_t c;

	for (;;) {
		c = wire_u8(r);
		if (r->err)
			return;
		if (c == 0)
			return;
		if ((c & 0xc0) == 0xc0) {	/* a pointer ends the name */
			(void)wire_u8(r);
			return;
		}
		if (c & 0xc0) {
			r->err = 1;
			return;
		}
		total += 1 + (size_t)c;
		if (total + 1 > WIRE_NAME_MAX) {
			r->err = 1;
			return;
		}
		(void)wire_skip(r, c);
	}
}

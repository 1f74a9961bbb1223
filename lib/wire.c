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
 * Lower-case the ASCII letters of p[0] to p[n - 1], eight bytes at a time.
 * For each byte b below 0x80, (b + 0x3f) has its top bit set when b >= 'A'
 * and (b + 0x25) when b > 'Z', so their exclusive or marks 'A' to 'Z';
 * no sum carries into the next byte.  A name's length bytes (0 to 63) are
 * below 'A' and stay as they are.  n < 8 goes a byte at a time.
 */
static void
lower_ascii(uint8_t *p, size_t n)
{
	const uint64_t h = 0x8080808080808080ULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
	uint64_t w, b, up;
	size_t i = 0;

	if (n < 8) {
		for (; i < n; i++)
			if (p[i] >= 'A' && p[i] <= 'Z')
				p[i] += 'a' - 'A';
		return;
	}
	for (;;) {
		memcpy(&w, p + i, 8);
		b = w & low7;
		up = ((b + 0x3f3f3f3f3f3f3f3fULL) ^ (b + 0x2525252525252525ULL)) &
		    ~w & h;
		w |= up >> 2;		/* 0x80 >> 2 is the case bit, 0x20 */
		memcpy(p + i, &w, 8);
		if (i + 8 == n)
			break;
		/* The last word may overlap the one before: lower-casing
		 * twice changes nothing. */
		i = i + 16 <= n ? i + 8 : n - 8;
	}
}

/*
 * The labels are walked in the input first, checked and counted; then the
 * whole name is copied at once and lower-cased.  Nothing is written to out
 * or read past r->len on an error.
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
	memcpy(out, p, n);
	lower_ascii(out, n);
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

/*
 * wire.c -- the out-of-line parts of the wire reader: domain names.
 *
 * Everything else in the reader and writer is small enough to be inline in
 * wire.h.  Both functions here honour the sticky error flag and never read
 * outside [buf, buf + len).
 */
#include "wire.h"

size_t
wire_read_name(struct wire_reader *r, uint8_t *out, uint8_t *labels,
    int *nlabels)
{
	size_t n = 0;
	int nl = 0;
	uint8_t c;

	*nlabels = 0;
	for (;;) {
		c = wire_u8(r);
		if (r->err)
			return 0;
		if (c == 0) {
			if (n + 1 > WIRE_NAME_MAX)
				goto bad;
			out[n++] = 0;
			break;
		}
		if (c & 0xc0)		/* a pointer or an extended label type */
			goto bad;
		if (n + 1 + c + 1 > WIRE_NAME_MAX || nl >= WIRE_LABELS_MAX)
			goto bad;
		if (!wire_need(r, c))
			return 0;
		if (labels != NULL)
			labels[nl] = (uint8_t)n;
		nl++;
		out[n++] = c;
		for (size_t i = 0; i < c; i++) {
			uint8_t ch = r->buf[r->off + i];
			out[n++] = (ch >= 'A' && ch <= 'Z') ? ch + 32 : ch;
		}
		r->off += c;
	}
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

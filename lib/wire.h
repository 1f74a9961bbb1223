/*
 * wire.h -- a bounds-checked reader and writer for DNS wire format.
 *
 * Both keep a sticky error flag: once a read runs past the end of the input
 * (or a write past the capacity of the output), the flag is set, every later
 * call does nothing and returns zero, and the caller checks the flag once at
 * the end instead of after every field.  Nothing here allocates; the reader
 * and writer point into memory owned by the caller, which must outlive them.
 *
 * Names: wire_read_name() copies an uncompressed name (as found in a
 * question) and refuses compression pointers; wire_skip_name() steps over a
 * name that may end in a pointer (as in the other sections).
 */
#ifndef DNSBL_WIRE_H
#define DNSBL_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WIRE_NAME_MAX 255	/* longest name, wire form */
#define WIRE_LABELS_MAX 128	/* most labels a 255-byte name can hold */

struct wire_reader {
	const uint8_t *buf;
	size_t len;
	size_t off;
	int err;		/* sticky: 1 after any out-of-bounds read */
};

struct wire_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;		/* sticky: 1 after any write past cap */
};

static inline void
wire_reader_init(struct wire_reader *r, const void *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

static inline size_t
wire_remaining(const struct wire_reader *r)
{
	return r->err ? 0 : r->len - r->off;
}

static inline int
wire_need(struct wire_reader *r, size_t n)
{
	if (r->err || r->len - r->off < n) {
		r->err = 1;
		return 0;
	}
	return 1;
}

static inline uint8_t
wire_u8(struct wire_reader *r)
{
	if (!wire_need(r, 1))
		return 0;
	return r->buf[r->off++];
}

static inline uint16_t
wire_u16(struct wire_reader *r)
{
	uint16_t v;

	if (!wire_need(r, 2))
		return 0;
	v = (uint16_t)(r->buf[r->off] << 8 | r->buf[r->off + 1]);
	r->off += 2;
	return v;
}

static inline uint32_t
wire_u32(struct wire_reader *r)
{
	uint32_t v;

	if (!wire_need(r, 4))
		return 0;
	v = (uint32_t)r->buf[r->off] << 24 | (uint32_t)r->buf[r->off + 1] << 16 |
	    (uint32_t)r->buf[r->off + 2] << 8 | r->buf[r->off + 3];
	r->off += 4;
	return v;
}

/* Skip n bytes; returns a pointer to them, or NULL (and the error set). */
static inline const uint8_t *
wire_skip(struct wire_reader *r, size_t n)
{
	const uint8_t *p;

	if (!wire_need(r, n))
		return NULL;
	p = r->buf + r->off;
	r->off += n;
	return p;
}

/*
 * 1 if the 64 bytes at p are 32 labels of one byte each, as a reversed
 * IPv6 name begins (RFC 5782): every other byte, from the first, is 1.
 * Reads exactly 64 bytes.
 */
int wire_nibble_labels(const uint8_t *p);

/*
 * Read an uncompressed name into out (WIRE_NAME_MAX bytes), lower-cased,
 * and the offset of each label inside it into labels (WIRE_LABELS_MAX
 * entries, may be NULL).  Returns the name's wire length (1 for the root)
 * and sets *nlabels; on a pointer, a label type other than 0, a name over
 * 255 bytes or a short input, returns 0 and sets the error flag.
 */
size_t wire_read_name(struct wire_reader *r, uint8_t *out, uint8_t *labels,
    int *nlabels);

/* Step over a name that may end in a compression pointer. */
void wire_skip_name(struct wire_reader *r);

static inline void
wire_writer_init(struct wire_writer *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
}

static inline int
wire_room(struct wire_writer *w, size_t n)
{
	if (w->err || w->cap - w->len < n) {
		w->err = 1;
		return 0;
	}
	return 1;
}

static inline void
wire_put_u8(struct wire_writer *w, uint8_t v)
{
	if (wire_room(w, 1))
		w->buf[w->len++] = v;
}

static inline void
wire_put_u16(struct wire_writer *w, uint16_t v)
{
	if (!wire_room(w, 2))
		return;
	w->buf[w->len] = (uint8_t)(v >> 8);
	w->buf[w->len + 1] = (uint8_t)v;
	w->len += 2;
}

static inline void
wire_put_u32(struct wire_writer *w, uint32_t v)
{
	if (!wire_room(w, 4))
		return;
	w->buf[w->len] = (uint8_t)(v >> 24);
	w->buf[w->len + 1] = (uint8_t)(v >> 16);
	w->buf[w->len + 2] = (uint8_t)(v >> 8);
	w->buf[w->len + 3] = (uint8_t)v;
	w->len += 4;
}

static inline void
wire_put_bytes(struct wire_writer *w, const void *p, size_t n)
{
	if (!wire_room(w, n))
		return;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* Overwrite a 16-bit value already written at off (e.g. an RDLENGTH). */
static inline void
wire_patch_u16(struct wire_writer *w, size_t off, uint16_t v)
{
	if (w->err || off + 2 > w->len)
		return;
	w->buf[off] = (uint8_t)(v >> 8);
	w->buf[off + 1] = (uint8_t)v;
}

/* Overwrite a 32-bit value already written at off (e.g. an SOA serial). */
static inline void
wire_patch_u32(struct wire_writer *w, size_t off, uint32_t v)
{
	if (w->err || off + 4 > w->len)
		return;
	w->buf[off] = (uint8_t)(v >> 24);
	w->buf[off + 1] = (uint8_t)(v >> 16);
	w->buf[off + 2] = (uint8_t)(v >> 8);
	w->buf[off + 3] = (uint8_t)v;
}

/* A compression pointer to off (which must be below 0x4000). */
static inline void
wire_put_ptr(struct wire_writer *w, size_t off)
{
	wire_put_u16(w, (uint16_t)(0xc000 | (off & 0x3fff)));
}

/* Read a big-endian 16-bit value from p (at least 2 bytes). */
static inline uint16_t
wire_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#endif

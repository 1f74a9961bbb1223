/*
 * test_wire.c -- the bounds-checked wire reader and writer (lib/wire.h):
 * every read past the end sets the sticky error and yields zero, names are
 * lower-cased with their label offsets, pointers and oversize names are
 * refused in a question, skipped elsewhere; writes past the capacity stick.
 */
#include <stdint.h>
#include <string.h>

#include "../tap.h"
#include "wire.h"

static void
test_reader(void)
{
	static const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7 };
	struct wire_reader r;

	wire_reader_init(&r, b, sizeof(b));
	is_int(wire_u8(&r), 1, "u8");
	is_int(wire_u16(&r), 0x0203, "u16 big-endian");
	is_int(wire_u32(&r), 0x04050607, "u32 big-endian");
	ok(!r.err, "no error within bounds");
	is_int(wire_remaining(&r), 0, "all consumed");
	is_int(wire_u8(&r), 0, "u8 past the end reads 0");
	ok(r.err, "error set past the end");
	r.off = 0;
	is_int(wire_u8(&r), 0, "error is sticky: no more reads");

	wire_reader_init(&r, b, 3);
	(void)wire_u8(&r);
	is_int(wire_u32(&r), 0, "u32 with 2 bytes left is 0");
	ok(r.err, "and sets the error");
	is_int(r.off, 1, "offset unchanged by a failed read");

	wire_reader_init(&r, b, sizeof(b));
	ok(wire_skip(&r, 7) == b, "skip returns the bytes");
	ok(wire_skip(&r, 0) != NULL, "skip 0 at the end is fine");
	ok(wire_skip(&r, 1) == NULL && r.err, "skip past the end fails");

	wire_reader_init(&r, b, 0);
	is_int(wire_u16(&r), 0, "empty input");
	ok(r.err, "empty input sets the error");
}

static void
test_names(void)
{
	static const uint8_t name[] = { 3, 'W', 'w', 'W', 7, 'E', 'x', 'a',
	    'M', 'p', 'L', 'e', 0, 0xaa };
	static const uint8_t ptr[] = { 3, 'w', 'w', 'w', 0xc0, 12 };
	static const uint8_t ext[] = { 0x41, 0 };
	static const uint8_t cut[] = { 5, 'a', 'b' };
	static const uint8_t noend[] = { 1, 'a' };
	uint8_t out[WIRE_NAME_MAX], labels[WIRE_LABELS_MAX], big[300];
	struct wire_reader r;
	size_t n;
	int nl, i;

	wire_reader_init(&r, name, sizeof(name));
	n = wire_read_name(&r, out, labels, &nl);
	is_int(n, 13, "name length");
	is_int(nl, 2, "two labels");
	is_int(labels[0], 0, "first label at 0");
	is_int(labels[1], 4, "second label at 4");
	ok(memcmp(out, "\3www\7example", 13) == 0, "lower-cased");
	is_int(wire_u8(&r), 0xaa, "reader after the name");

	wire_reader_init(&r, (const uint8_t *)"\0", 1);
	is_int(wire_read_name(&r, out, labels, &nl), 1, "root is 1 byte");
	is_int(nl, 0, "root has no labels");

	wire_reader_init(&r, ptr, sizeof(ptr));
	is_int(wire_read_name(&r, out, labels, &nl), 0, "pointer refused");
	ok(r.err, "pointer sets the error");
	wire_reader_init(&r, ext, sizeof(ext));
	(void)wire_read_name(&r, out, NULL, &nl);
	ok(r.err, "label type 01 refused");
	wire_reader_init(&r, cut, sizeof(cut));
	(void)wire_read_name(&r, out, NULL, &nl);
	ok(r.err, "label cut short refused");
	wire_reader_init(&r, noend, sizeof(noend));
	(void)wire_read_name(&r, out, NULL, &nl);
	ok(r.err, "name without its root refused");

	/* 127 labels of 1 byte: 254 + root = 255, the limit. */
	for (i = 0; i < 127; i++) {
		big[2 * i] = 1;
		big[2 * i + 1] = 'a';
	}
	big[254] = 0;
	wire_reader_init(&r, big, 255);
	is_int(wire_read_name(&r, out, labels, &nl), 255, "255-byte name ok");
	is_int(nl, 127, "127 labels");
	big[254] = 1;
	big[255] = 'a';
	big[256] = 0;
	wire_reader_init(&r, big, 257);
	(void)wire_read_name(&r, out, labels, &nl);
	ok(r.err, "257-byte name refused");

	wire_reader_init(&r, ptr, sizeof(ptr));
	wire_skip_name(&r);
	ok(!r.err && r.off == sizeof(ptr), "skip name ending in a pointer");
	wire_reader_init(&r, name, sizeof(name));
	wire_skip_name(&r);
	ok(!r.err && r.off == 13, "skip plain name");
	wire_reader_init(&r, cut, sizeof(cut));
	wire_skip_name(&r);
	ok(r.err, "skip of a cut name fails");
	wire_reader_init(&r, big, 257);
	wire_skip_name(&r);
	ok(r.err, "skip of an oversize name fails");
}

static void
test_writer(void)
{
	uint8_t buf[8];
	struct wire_writer w;

	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_u8(&w, 0x11);
	wire_put_u16(&w, 0x2233);
	wire_put_u32(&w, 0x44556677);
	ok(!w.err && w.len == 7, "7 bytes written");
	ok(memcmp(buf, "\x11\x22\x33\x44\x55\x66\x77", 7) == 0,
	    "big-endian bytes");
	wire_patch_u16(&w, 1, 0xabcd);
	ok(buf[1] == 0xab && buf[2] == 0xcd, "patch");
	wire_put_u16(&w, 1);
	ok(w.err, "overflow sets the error");
	is_int(w.len, 7, "length unchanged by a failed write");
	wire_put_u8(&w, 1);
	ok(w.err && w.len == 7, "sticky: the byte that fits is not written");

	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_ptr(&w, 12);
	ok(buf[0] == 0xc0 && buf[1] == 12, "pointer to 12");
	wire_put_bytes(&w, "abcdef", 6);
	ok(!w.err && w.len == 8, "bytes up to the capacity");
	wire_put_bytes(&w, "", 0);
	ok(!w.err, "zero bytes at the capacity");
	wire_patch_u16(&w, 7, 1);
	ok(buf[7] == 'f', "patch past the written length ignored");
	is_int(wire_get16((const uint8_t *)"\x01\x02"), 0x102, "get16");
}

int
main(void)
{
	test_reader();
	test_names();
	test_writer();
	return tap_done();
}

/*
 * test_wire.c -- the bounds-checked wire reader and writer (lib/wire.h):
 * every read past the end sets the sticky error and yields zero, names are
 * lower-cased with their label offsets, pointers and oversize names are
 * refused in a question, skipped elsewhere; writes past the capacity stick.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/*
 * The reference model of wire_read_name(): one byte at a time, as RFC 1035
 * reads a name, lower-casing 'A' to 'Z' only.  Returns the length or 0.
 */
static size_t
model_read_name(const uint8_t *b, size_t len, uint8_t *out, uint8_t *labels,
    int *nl)
{
	size_t off = 0, n = 0, i;
	uint8_t c;

	*nl = 0;
	for (;;) {
		if (off >= len)
			return 0;
		c = b[off++];
		if (c == 0)
			break;
		if (c >= 64 || n + c + 2 > WIRE_NAME_MAX ||
		    *nl >= WIRE_LABELS_MAX || len - off < c)
			return 0;
		labels[(*nl)++] = (uint8_t)n;
		out[n++] = c;
		for (i = 0; i < c; i++, off++)
			out[n++] = b[off] >= 'A' && b[off] <= 'Z' ?
			    b[off] + 32 : b[off];
	}
	out[n++] = 0;
	return n;
}

/*
 * Random names, every byte value in the labels, cut, corrupted or too long
 * at random, compared with the model: length, labels, bytes, the reader's
 * offset and error.  The seed is printed; TEST_SEED repeats a run.
 */
static void
test_names_random(void)
{
	uint8_t in[400], out[WIRE_NAME_MAX], mout[WIRE_NAME_MAX];
	uint8_t labels[WIRE_LABELS_MAX], mlabels[WIRE_LABELS_MAX];
	unsigned seed = (unsigned)tap_seed("test_names_random");
	struct wire_reader r;
	int i, k, nl, mnl, bad = 0, errs = 0, maxlab;
	size_t len, n, mn;

	srand(seed);
	for (i = 0; i < 20000 && bad < 5; i++) {
		len = 0;
		maxlab = rand() % 3 == 0 ? 63 : 12;
		/* A third begin as a reversed IPv6 name: 32 labels of one
		 * byte (wire_read_name() counts them at once). */
		if (rand() % 3 == 0)
			for (k = 0; k < 32; k++) {
				in[len++] = 1;
				in[len++] = (uint8_t)rand();
			}
		for (k = rand() % 130; k > 0 && len < sizeof(in) - 70; k--) {
			uint8_t c = (uint8_t)(rand() % (maxlab + 1));
			in[len++] = c;
			while (c-- > 0)
				in[len++] = (uint8_t)(rand() % 4 == 0 ?
				    'A' + rand() % 26 : rand() % 256);
		}
		in[len++] = 0;
		in[len++] = 0xee;	/* what follows the name */
		if (rand() % 4 == 0)	/* a byte anywhere, a pointer or not */
			in[rand() % len] = (uint8_t)rand();
		if (rand() % 4 == 0)	/* the input cut short */
			len = (size_t)rand() % (len + 1);
		wire_reader_init(&r, in, len);
		n = wire_read_name(&r, out, labels, &nl);
		mn = model_read_name(in, len, mout, mlabels, &mnl);
		if (n != mn || (n == 0) != (r.err != 0) ||
		    (n != 0 && (nl != mnl || r.off != mn ||
		    memcmp(out, mout, n) != 0 ||
		    memcmp(labels, mlabels, (size_t)nl) != 0))) {
			printf("# case %d (seed %u): length %zu against the "
			    "model's %zu, labels %d against %d\n", i, seed, n,
			    mn, nl, mnl);
			bad++;
		}
		errs += n == 0;
	}
	ok(bad == 0, "20000 random names read as the model reads them "
	    "(a third of them after 32 one-byte labels)");
	ok(errs > 1000 && errs < 19000, "both good and bad names among them "
	    "(%d bad)", errs);
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
	test_names_random();
	test_writer();
	return tap_done();
}

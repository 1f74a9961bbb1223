/*
 * test_import.c -- the order `loader import` applies a file's records in
 * (loader/import.c, import_order()): the store's key order (family,
 * address, prefix length), then the time tested, then the line.  Seeded
 * random sets, shuffled, already in order, and in order but for one pair,
 * against a model that sorts the indexes with qsort() on the whole key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "addr.h"
#include "../../loader/import.h"

static const struct import_rec *model_recs;

static int
model_cmp(const void *x, const void *y)
{
	const struct import_rec *a = &model_recs[*(const uint32_t *)x];
	const struct import_rec *b = &model_recs[*(const uint32_t *)y];
	int c;

	if (a->prefix.family != b->prefix.family)
		return a->prefix.family < b->prefix.family ? -1 : 1;
	if ((c = memcmp(a->prefix.addr, b->prefix.addr, 16)) != 0)
		return c;
	if (a->prefix.len != b->prefix.len)
		return a->prefix.len < b->prefix.len ? -1 : 1;
	if (a->tested_at != b->tested_at)
		return a->tested_at < b->tested_at ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* n records in a small space, so that addresses, lengths and times repeat. */
static void
make_set(struct import_rec *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t a[16] = { 0 };
		int v6 = rand() % 3 == 0, len;

		if (v6) {
			a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8;
			a[7] = (uint8_t)(rand() % 3);	/* across the 56 bits */
			a[15] = (uint8_t)(rand() % 8);
			len = rand() % 4 ? 128 : 56 + rand() % 9;
		} else {
			a[0] = 192;
			a[2] = (uint8_t)(rand() % 4);
			a[3] = (uint8_t)(rand() % 16);
			len = rand() % 4 ? 32 : 24 + rand() % 9;
		}
		memset(&r[i], 0, sizeof(r[i]));
		prefix_make(&r[i].prefix, v6 ? ADDR_V6 : ADDR_V4, a, len);
		r[i].tested_at = 1795000000 + rand() % 4;
		r[i].line = (uint32_t)(i + 1);
	}
}

static void
check(const char *what, struct import_rec *r, size_t n, int *bad)
{
	struct import_set set = { r, n, n };
	uint32_t *got = import_order(&set), *want = malloc(n * sizeof(*want));
	size_t i;

	for (i = 0; i < n; i++)
		want[i] = (uint32_t)i;
	model_recs = r;
	qsort(want, n, sizeof(*want), model_cmp);
	for (i = 0; got != NULL && i < n; i++)
		if (got[i] != want[i])
			break;
	if ((got == NULL || i < n) && (*bad)++ < 3)
		printf("#   %s, %zu records: position %zu is %u, want %u\n",
		    what, n, i, got ? got[i] : 0, want[i]);
	free(got);
	free(want);
}

int
main(void)
{
	unsigned long long seed = tap_seed("test_import");
	struct import_rec *r, tmp;
	uint32_t *ord;
	int round, bad_shuffled = 0, bad_sorted = 0, bad_swap = 0;

	srand((unsigned)seed);
	r = calloc(3000, sizeof(*r));
	for (round = 0; round < 300; round++) {
		size_t n = (size_t)(rand() % 3000) + 1, i, j;
		struct import_set set = { r, n, n };

		make_set(r, n);
		check("shuffled", r, n, &bad_shuffled);
		/* The same records in the order asked for: lines still rise. */
		ord = import_order(&set);
		if (ord == NULL)
			break;
		{
			struct import_rec *s = malloc(n * sizeof(*s));

			for (i = 0; i < n; i++) {
				s[i] = r[ord[i]];
				s[i].line = (uint32_t)(i + 1);
			}
			memcpy(r, s, n * sizeof(*s));
			free(s);
		}
		free(ord);
		check("in order", r, n, &bad_sorted);
		/* In order but for one pair swapped. */
		if (n > 1) {
			i = (size_t)rand() % n;
			j = (size_t)rand() % n;
			tmp = r[i];
			r[i] = r[j];
			r[j] = tmp;
			check("one pair swapped", r, n, &bad_swap);
		}
	}
	ok(bad_shuffled == 0, "300 random files in no order: the model's order "
	    "(%d differ)", bad_shuffled);
	ok(bad_sorted == 0, "the same files already in order: left as they "
	    "are (%d differ)", bad_sorted);
	ok(bad_swap == 0, "in order but for one swapped pair: the model's "
	    "order (%d differ)", bad_swap);
	{
		struct import_set none = { r, 0, 0 };

		ord = import_order(&none);
		ok(ord != NULL, "an empty file: an empty order");
		free(ord);
	}
	free(r);
	return tap_done();
}

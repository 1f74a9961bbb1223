/*
 * test_hugemem.c -- memory on transparent huge pages (lib/hugemem.c):
 * alignment, the whole size writable, memory given back and handed out
 * again, the sizes refused.  Whether the kernel gave huge pages is shown,
 * not tested: it depends on the kernel's settings and its free memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "hugemem.h"

/* The AnonHugePages of the mapping that holds p, in kB, or -1. */
static long
huge_kb(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[256];
	unsigned long lo, hi;
	long kb = -1;
	int in = 0;
	char c;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx %c", &lo, &hi, &c) == 3)
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return in ? kb : -1;
}

int
main(void)
{
	static const size_t sizes[] = { 1, 4096, 300000, HUGEMEM_PAGE,
	    HUGEMEM_PAGE + 1, 5 * HUGEMEM_PAGE - 7 };
	size_t i, k;
	uint8_t *p;
	int good;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = hugemem_alloc(sizes[i]);
		if (!ok(p != NULL, "%zu bytes", sizes[i]))
			continue;
		ok((uintptr_t)p % HUGEMEM_PAGE == 0, "%zu bytes: aligned to "
		    "a huge page", sizes[i]);
		memset(p, 0xa5, sizes[i]);
		for (good = 1, k = 0; k < sizes[i]; k += 4093)
			good &= p[k] == 0xa5;
		ok(good && p[sizes[i] - 1] == 0xa5, "%zu bytes: all written "
		    "and read back", sizes[i]);
		if (sizes[i] >= HUGEMEM_PAGE)
			printf("# %zu bytes: %ld kB on huge pages\n", sizes[i],
			    huge_kb(p));
		free(p);
	}

	/* Dirty memory freed and asked for again: dropped, so zero. */
	p = hugemem_alloc(3 * HUGEMEM_PAGE);
	if (ok(p != NULL, "a second allocation after frees")) {
		for (good = 1, k = 0; k < 3 * HUGEMEM_PAGE; k += 4096)
			good &= p[k] == 0;
		ok(good, "its pages were dropped: it reads as zero");
		free(p);
	}

	ok(hugemem_alloc(0) == NULL, "0 bytes: NULL");
	ok(hugemem_alloc((size_t)-1) == NULL, "SIZE_MAX bytes: NULL");
	ok(hugemem_alloc((size_t)-1 - HUGEMEM_PAGE / 2) == NULL,
	    "a size that would round past SIZE_MAX: NULL");
	return tap_done();
}

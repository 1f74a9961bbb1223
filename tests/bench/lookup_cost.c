/*
 * lookup_cost.c -- the CPU time of a lookup in the in-memory copy of the
 * served tables (lib/memidx.h) at the bucket widths memidx_build() picks
 * for the store's size, against other widths (by default the fixed
 * 16-bit buckets of before),
 * measured inside one thread, without the kernel's UDP path and without
 * the noise of other programs: tests/bench/lookup.sh builds a store and
 * runs it.
 *
 *   lookup_cost CONFIG QUERYFILE [PASSES [BITS4 BITS6]]
 *
 * It reads the dnsperf query file ("NAME TYPE" a line) and keeps the
 * address of each name under the first zone (4 labels: IPv4, 32: IPv6).
 * Both copies are built from one snapshot of the store.  Then, batch by
 * batch of 64 addresses, as a UDP worker does: both prefetch stages for
 * every address of the batch, then every lookup; each batch once on each
 * copy, in a random order, timed with the thread's CPU clock, so that
 * whatever else the machine does falls on both alike; PASSES times over
 * the file.  It prints the widths, the memory and the nanoseconds per
 * lookup of both copies.  Figures only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "memidx.h"
#include "store.h"

#define BATCH	64

struct key {
	uint8_t a[16];
	int v6;
};

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The address of a reversed name under zone: 0, or -1 if it is none. */
static int
name_key(const char *name, const char *zone, struct key *k)
{
	char lab[32][8];
	size_t nl = strlen(name), zl = strlen(zone), l;
	const char *s = name, *dot;
	char *end;
	unsigned long v;
	int n = 0, i;

	if (nl <= zl + 1 || strcmp(name + nl - zl, zone) != 0 ||
	    name[nl - zl - 1] != '.')
		return -1;
	for (; s < name + nl - zl - 1; s = dot + 1) {
		dot = strchr(s, '.');
		l = (size_t)(dot - s);
		if (n == 32 || l == 0 || l > 3)
			return -1;
		memcpy(lab[n], s, l);
		lab[n++][l] = '\0';
	}
	memset(k, 0, sizeof(*k));
	if (n == 4) {
		for (i = 0; i < 4; i++) {
			v = strtoul(lab[3 - i], &end, 10);
			if (*end != '\0' || v > 255)
				return -1;
			k->a[i] = (uint8_t)v;
		}
		return 0;
	}
	if (n != 32)
		return -1;
	for (i = 0; i < 32; i++) {
		v = strtoul(lab[31 - i], &end, 16);
		if (*end != '\0' || v > 15)
			return -1;
		k->a[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
	}
	k->v6 = 1;
	return 0;
}

/* Look n keys up in m as a worker's batch does; the time it took. */
static double
batch(const struct memidx *m, const struct key *k, size_t n,
    unsigned long *sink)
{
	struct store_hit h;
	double t0 = cpu_now();
	size_t j;
	int stage;

	for (stage = 0; stage < 2; stage++)
		for (j = 0; j < n; j++) {
			if (k[j].v6)
				memidx_prefetch6(m, 0, k[j].a, stage);
			else
				memidx_prefetch4(m, 0, k[j].a, stage);
		}
	for (j = 0; j < n; j++)
		*sink += k[j].v6 ? memidx_lookup6(m, 0, k[j].a, &h) :
		    memidx_lookup4(m, 0, k[j].a, &h);
	return cpu_now() - t0;
}

struct copies {
	struct memidx *m[2];
	unsigned bits4, bits6;		/* the second copy's widths */
};

static int
build_both(struct store_txn *t, void *arg)
{
	struct copies *c = arg;
	int rc;

	if ((rc = memidx_build(t, 1, &c->m[0])) != 0)
		return rc;
	return memidx_build_bits(t, 1, c->bits4, c->bits6, &c->m[1]);
}

int
main(int argc, char **argv)
{
	struct dnsbl_config *cfg = NULL;
	struct store *st = NULL;
	struct copies c = { { NULL, NULL }, 16, 16 };
	struct errbuf eb;
	struct key *k = NULL;
	char line[512], name[400], type[16];
	size_t nk = 0, cap = 0, b, n, nv6 = 0;
	double acc[2] = { 0, 0 };
	unsigned long sink = 0;
	int passes = argc > 3 ? atoi(argv[3]) : 3, i, m, first, rc = 1;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: lookup_cost CONFIG QUERYFILE "
		    "[PASSES [BITS4 BITS6]]\n");
		return 2;
	}
	if (argc > 5) {
		c.bits4 = (unsigned)atoi(argv[4]);
		c.bits6 = (unsigned)atoi(argv[5]);
	}
	memset(&eb, 0, sizeof(eb));
	if (config_load(argv[1], &cfg, &eb) != 0 ||
	    store_open(cfg, STORE_RDONLY, &st, &eb) != 0) {
		fprintf(stderr, "lookup_cost: %s\n", eb.msg);
		goto out;
	}
	if (store_read(st, build_both, &c, &eb) != 0) {
		fprintf(stderr, "lookup_cost: the copies: %s\n", eb.msg);
		goto out;
	}
	if ((f = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%399s %15s", name, type) != 2)
			continue;
		if (nk == cap && (k = realloc(k, (cap = cap ? cap * 2 : 1024) *
		    sizeof(*k))) == NULL) {
			fclose(f);
			goto out;
		}
		if (name_key(name, cfg->zones[0].name.text, &k[nk]) == 0)
			nv6 += k[nk++].v6;
	}
	fclose(f);
	if (nk == 0) {
		fprintf(stderr, "lookup_cost: no address under %s in %s\n",
		    cfg->zones[0].name.text, argv[2]);
		goto out;
	}
	srandom(1);
	for (i = 0; i < passes; i++)
		for (b = 0; b < nk; b += BATCH) {
			n = nk - b < BATCH ? nk - b : BATCH;
			first = (int)(random() & 1);
			for (m = 0; m < 2; m++)
				acc[m ^ first] += batch(c.m[m ^ first],
				    k + b, n, &sink);
		}
	for (m = 0; m < 2; m++) {
		char v4[40], v6[40];

		if (c.m[m]->z[0].lines != NULL)
			snprintf(v4, sizeof(v4), "2^%u hashed IPv4 lines",
			    c.m[m]->z[0].lbits);
		else
			snprintf(v4, sizeof(v4), "%u-bit IPv4 buckets",
			    c.m[m]->z[0].bits4);
		if (c.m[m]->z[0].lines6 != NULL)
			snprintf(v6, sizeof(v6), "2^%u hashed IPv6 buckets",
			    c.m[m]->z[0].l6bits);
		else
			snprintf(v6, sizeof(v6), "%u-bit IPv6 buckets",
			    c.m[m]->z[0].bits6);
		printf("%s: %s and %s, %zu entries, "
		    "%.1f MB: %.1f ns a lookup\n", m == 0 ? "by size" :
		    "given", v4, v6,
		    (size_t)c.m[m]->entries, (double)c.m[m]->bytes / 1e6,
		    acc[m] / (double)nk / passes * 1e9);
	}
	printf("(%zu lookups, %zu of them IPv6, %d passes, %lu found)\n", nk,
	    nv6, passes, sink / 2 / (unsigned long)passes);
	printf("lookup_ns=%.1f given_ns=%.1f\n",
	    acc[0] / (double)nk / passes * 1e9,
	    acc[1] / (double)nk / passes * 1e9);
	rc = 0;
out:
	memidx_free(c.m[0]);
	memidx_free(c.m[1]);
	free(k);
	store_close(st);
	config_free(cfg);
	return rc;
}

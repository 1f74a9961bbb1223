/*
 * stats_cost.c -- the CPU time dnsbld's counters (dnsbld/stats.h) add to
 * a query, measured inside one thread, without the kernel's UDP path and
 * without the noise of other programs on the machine: tests/bench/stats.sh
 * builds and runs it on its store and queries.
 *
 *   stats_cost CONFIG QUERYFILE [PASSES]
 *
 * It reads the dnsperf query file ("NAME TYPE" a line), makes each a
 * query packet, and answers them as a UDP worker does, in batches of 64:
 * a store snapshot, query_parse() and respond_parsed() of each; with
 * counting, stats_answer() of each answer as udp_batch() calls it.  Each
 * batch is answered twice, with and without counting, in a random order,
 * each timed with the thread's CPU clock, so that whatever else the
 * machine does falls on both alike; PASSES times over the file.  It prints
 * the nanoseconds per query of both and their difference.  Figures only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "gen.h"
#include "query.h"
#include "respond.h"
#include "stats.h"
#include "store.h"
#include "zonectx.h"

#define QMAX	300
#define BATCH	64

struct pkt {
	uint32_t off;
	uint16_t len;
};

/* The wire form of a query for name and type, no EDNS; 0 if too long. */
static size_t
wire_query(uint8_t *b, const char *name, uint16_t type, uint16_t id)
{
	size_t n = DNS_HDRLEN, l;
	const char *s = name, *dot;

	memset(b, 0, DNS_HDRLEN);
	b[0] = (uint8_t)(id >> 8);
	b[1] = (uint8_t)id;
	b[5] = 1;			/* QDCOUNT */
	for (; *s != '\0'; s += l + (dot != NULL)) {
		dot = strchr(s, '.');
		l = dot != NULL ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63 || n + l + 6 > QMAX)
			return 0;
		b[n++] = (uint8_t)l;
		memcpy(b + n, s, l);
		n += l;
	}
	b[n++] = 0;
	b[n++] = (uint8_t)(type >> 8);
	b[n++] = (uint8_t)type;
	b[n++] = 0;
	b[n++] = C_IN;
	return n;
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Answer n queries as a worker does, counting them when sg is given. */
static double
batch(const struct zoneset *zs, const struct respond_db *db,
    struct respond_store *rs, const struct stats_gen *sg, const uint8_t *buf,
    const struct pkt *p, size_t n, unsigned long *sink)
{
	static uint8_t out[BATCH][EDNS_PAYLOAD];
	static struct query q[BATCH];
	static size_t len[BATCH];
	double t0 = cpu_now();
	enum query_status st;
	size_t j;

	if (store_reader_begin(rs->r) != 0)
		return 0;
	respond_store_batch(rs);
	for (j = 0; j < n; j++) {
		st = query_parse(buf + p[j].off, p[j].len, &q[j]);
		len[j] = respond_parsed(zs, db, &q[j], st, out[j],
		    sizeof(out[j]), respond_limit(&q[j], 0, sizeof(out[j])),
		    0);
	}
	store_reader_end(rs->r);
	for (j = 0; j < n; j++) {
		if (sg != NULL)
			stats_answer(sg, 0, zs, &q[j], 0, out[j], len[j]);
		*sink += len[j];
	}
	return cpu_now() - t0;
}

int
main(int argc, char **argv)
{
	struct dnsbl_config *cfg = NULL;
	struct zoneset *zs = NULL;
	struct store *st = NULL;
	struct store_reader *rd = NULL;
	struct respond_store rs;
	struct respond_db db;
	struct stats s;
	struct gen g;
	struct errbuf eb;
	struct pkt *p = NULL;
	uint8_t *buf = NULL;
	char line[512], name[400], type[16];
	size_t np = 0, cap = 0, used = 0, bcap = 0, b, k;
	double acc[2] = { 0, 0 }, off, on;
	unsigned long sink = 0;
	int passes = argc > 3 ? atoi(argv[3]) : 3, i, m, first;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: stats_cost CONFIG QUERYFILE [PASSES]\n");
		return 2;
	}
	memset(&eb, 0, sizeof(eb));
	if (config_load(argv[1], &cfg, &eb) != 0 ||
	    store_open(cfg, STORE_RDONLY, &st, &eb) != 0 ||
	    zoneset_build(cfg, &zs, &eb) != 0) {
		fprintf(stderr, "stats_cost: %s\n", eb.msg);
		return 1;
	}
	if (store_reader_new(st, &rd) != 0 ||
	    respond_store_init(&rs, &db, rd, cfg->nzones) != 0 ||
	    stats_init(&s, 1) != 0) {
		fprintf(stderr, "stats_cost: out of memory\n");
		return 1;
	}
	memset(&g, 0, sizeof(g));
	g.cfg = cfg;
	if (stats_gen_attach(&s, &g) != 0)
		return 1;
	if ((f = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%399s %15s", name, type) != 2)
			continue;
		if (np == cap && (p = realloc(p, (cap = cap ? cap * 2 : 1024) *
		    sizeof(*p))) == NULL)
			return 1;
		if (used + QMAX > bcap && (buf = realloc(buf,
		    bcap = bcap ? bcap * 2 : 65536)) == NULL)
			return 1;
		p[np].off = (uint32_t)used;
		p[np].len = (uint16_t)wire_query(buf + used, name,
		    strcmp(type, "TXT") == 0 ? T_TXT : T_A, (uint16_t)np);
		used += p[np].len;
		if (p[np].len > 0)
			np++;
	}
	fclose(f);
	if (np == 0)
		return 1;
	srandom(1);
	for (i = 0; i < passes; i++)
		for (b = 0; b < np; b += BATCH) {
			k = np - b < BATCH ? np - b : BATCH;
			first = (int)(random() & 1);
			for (m = 0; m < 2; m++)
				acc[m ^ first] += batch(zs, &db, &rs,
				    (m ^ first) ? g.st : NULL, buf, p + b, k,
				    &sink);
		}
	off = acc[0] / (double)np / passes * 1e9;
	on = acc[1] / (double)np / passes * 1e9;
	printf("user-space work per query, %zu queries, %d passes: without "
	    "counters %.0f ns, with %.0f ns: counting adds %.1f ns (%.1f%% of "
	    "the user-space work) (%lu bytes answered)\n", np, passes, off, on,
	    on - off, (on - off) * 100 / on, sink);
	printf("stats_cost_ns=%.1f\n", on - off);
	stats_gen_retire(g.st);
	stats_fini(&s);
	respond_store_fini(&rs);
	store_reader_free(rd);
	zoneset_free(zs);
	store_close(st);
	config_free(cfg);
	free(p);
	free(buf);
	return 0;
}

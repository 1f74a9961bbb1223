/*
 * rrl_cost.c -- the CPU time response rate limiting adds to an answer,
 * measured inside one thread, without the kernel's UDP path and without
 * the noise of other programs on the machine: tests/bench/rrl.sh builds
 * and runs it on its store and queries.
 *
 *   rrl_cost CONFIG QUERYFILE [PASSES]
 *
 * It reads the dnsperf query file ("NAME TYPE" a line), makes each a
 * query packet, and answers them as a UDP worker does, in batches of 64:
 * a store snapshot, query_parse() and respond_parsed() of each, then, with
 * rate limiting, rrl_prepare() of each answer and rrl_decide() of each
 * (from 4 client networks, the clock moving on as at 100,000 queries a
 * second).  Each batch is answered twice, with and without rate limiting,
 * in a random order, each timed with the thread's CPU clock, so that
 * whatever else the machine does falls on both alike; PASSES times over
 * the file.  It prints the nanoseconds per query of both and their
 * difference: the cost of rate limiting in user space.  Figures only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "query.h"
#include "respond.h"
#include "rrl.h"
#include "store.h"
#include "zonectx.h"

#define QMAX	300

/* The query packets, back to back (as compact as a worker's buffers). */
struct pkt {
	uint32_t off;
	uint16_t len;
};

/* A query for name (presentation form) and type, no EDNS. */
static size_t
make_query(uint8_t *b, const char *name, uint16_t type, uint16_t id)
{
	size_t n = DNS_HDRLEN, l;
	const char *s = name, *dot;

	memset(b, 0, DNS_HDRLEN);
	b[0] = (uint8_t)(id >> 8);
	b[1] = (uint8_t)id;
	b[5] = 1;
	while (*s != '\0') {
		dot = strchr(s, '.');
		l = dot != NULL ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63 || n + l + 6 > QMAX)
			return 0;
		b[n++] = (uint8_t)l;
		memcpy(b + n, s, l);
		n += l;
		s += l + (dot != NULL);
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

/*
 * Answer the batch of n queries from p (as a worker does: a store
 * snapshot, query_parse() and respond_parsed() of each, rrl_prepare() of
 * each answer, then rrl_decide() of each, from 4 client networks); with
 * rate limiting when t is not NULL.  Returns the thread CPU time taken.
 */
static double
batch(const struct zoneset *zs, const struct respond_db *db,
    struct respond_store *rs, struct rrl *t, const uint8_t *buf,
    const struct pkt *p, size_t n, const struct sockaddr_in *from,
    uint64_t now, unsigned long *sink, unsigned long *limited)
{
	static uint8_t out[64][EDNS_PAYLOAD];
	static struct query q[64];
	static struct rrl_ticket tk[64];
	static size_t len[64];
	static struct rrl_worker w;
	enum query_status st;
	const struct sockaddr *peer;
	double t0 = cpu_now();
	size_t j;

	if (store_reader_begin(rs->r) != 0)
		return 0;
	respond_store_batch(rs);
	for (j = 0; j < n; j++) {
		st = query_parse(buf + p[j].off, p[j].len, &q[j]);
		len[j] = respond_parsed(zs, db, &q[j], st, out[j],
		    sizeof(out[j]), respond_limit(&q[j], 0, sizeof(out[j])),
		    0);
		if (t != NULL)
			rrl_prepare(t, (const struct sockaddr *)&from[j % 4],
			    &q[j], out[j], len[j], &tk[j]);
	}
	store_reader_end(rs->r);
	for (j = 0; j < n; j++) {
		peer = (const struct sockaddr *)&from[j % 4];
		if (t != NULL && rrl_decide(t, &w, now, &tk[j], peer, &q[j],
		    out[j], len[j]) != RRL_SEND)
			(*limited)++;
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
	struct rrl *t = NULL;
	struct sockaddr_in from[4];
	struct errbuf eb;
	struct pkt *p = NULL;
	uint8_t *buf = NULL;
	size_t used = 0, bcap = 0;
	char line[512], name[400], type[16];
	size_t np = 0, cap = 0;
	double best_on, best_off, acc[2] = { 0, 0 };
	uint64_t now;
	size_t b, k;
	int first, m;
	unsigned long sink = 0, limited = 0;
	int passes = argc > 3 ? atoi(argv[3]) : 3, i;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: rrl_cost CONFIG QUERYFILE [PASSES]\n");
		return 2;
	}
	memset(&eb, 0, sizeof(eb));
	if (config_load(argv[1], &cfg, &eb) != 0 ||
	    store_open(cfg, STORE_RDONLY, &st, &eb) != 0 ||
	    zoneset_build(cfg, &zs, &eb) != 0) {
		fprintf(stderr, "rrl_cost: %s\n", eb.msg);
		return 1;
	}
	if (store_reader_new(st, &rd) != 0 ||
	    respond_store_init(&rs, &db, rd, cfg->nzones) != 0) {
		fprintf(stderr, "rrl_cost: store reader\n");
		return 1;
	}
	if ((f = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%399s %15s", name, type) != 2)
			continue;
		if (np == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((p = realloc(p, cap * sizeof(*p))) == NULL)
				return 1;
		}
		if (used + QMAX > bcap) {
			bcap = bcap ? bcap * 2 : 65536;
			if ((buf = realloc(buf, bcap)) == NULL)
				return 1;
		}
		p[np].off = (uint32_t)used;
		p[np].len = (uint16_t)make_query(buf + used, name,
		    strcmp(type, "TXT") == 0 ? T_TXT : T_A, (uint16_t)np);
		used += p[np].len;
		if (p[np].len > 0)
			np++;
	}
	fclose(f);
	for (i = 0; i < 4; i++) {
		memset(&from[i], 0, sizeof(from[i]));
		from[i].sin_family = AF_INET;
		from[i].sin_addr.s_addr = htonl(0x7f000001u + ((uint32_t)(i + 1) << 8));
	}
	if (rrl_update(&t, &cfg->rrl) != 0 || t == NULL) {
		fprintf(stderr, "rrl_cost: the config must enable rrl\n");
		return 1;
	}
	/* Each batch twice, with and without, in a random order: what the
	 * rest of the machine does falls on both alike. */
	srandom(1);
	now = rrl_now();
	for (i = 0; i < passes; i++) {
		for (b = 0; b < np; b += 64) {
			k = np - b < 64 ? np - b : 64;
			now += RRL_TICKS_PER_SEC / 100000 * k;
			first = (int)(random() & 1);
			for (m = 0; m < 2; m++)
				acc[m ^ first] += batch(zs, &db, &rs,
				    (m ^ first) ? t : NULL, buf, p + b, k,
				    from, now, &sink, &limited);
		}
	}
	best_off = acc[0] / (double)np / passes * 1e9;
	best_on = acc[1] / (double)np / passes * 1e9;
	printf("user-space work per query, %zu queries, %d passes: without rrl "
	    "%.0f ns, with rrl %.0f ns: rrl adds %.0f ns (%.1f%%); %lu limited "
	    "(%lu bytes answered)\n", np, passes, best_off, best_on,
	    best_on - best_off, (best_on - best_off) * 100 / best_on, limited,
	    sink);
	rrl_free(t);
	respond_store_fini(&rs);
	store_reader_free(rd);
	zoneset_free(zs);
	store_close(st);
	config_free(cfg);
	free(p);
	free(buf);
	return 0;
}

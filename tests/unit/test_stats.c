/*
 * test_stats.c -- dnsbld's counters (dnsbld/stats.c): per-thread blocks
 * summed by zone name; a generation's counts folded into the totals when
 * it is retired, and matched by name in the next one (zones reordered,
 * added, dropped); the pseudo-zone "-"; blocks on their own cache lines.
 * Four threads count while a reader sums (run under TSan by `make TSAN=1
 * test`): every reading is at most the final count and never goes down,
 * and the final count is exact.  And the JSON and Prometheus renderings
 * of a view carry the same numbers.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "../../dnsbld/control.h"
#include "../../dnsbld/gen.h"
#include "../../dnsbld/metrics.h"
#include "../../dnsbld/stats.h"
#include "../../dnsbld/textbuf.h"
#include "../tap.h"

#define NTHREADS	4
#define PER_THREAD	200000

static struct dnsbl_config *
cfg_of(int n, const char *const *names)
{
	struct dnsbl_config *c = calloc(1, sizeof(*c));
	int i;

	c->nzones = (size_t)n;
	c->zones = calloc((size_t)n, sizeof(*c->zones));
	for (i = 0; i < n; i++)
		snprintf(c->zones[i].name.text, sizeof(c->zones[i].name.text),
		    "%s", names[i]);
	return c;
}

static void
cfg_drop(struct dnsbl_config *c)
{
	free(c->zones);
	free(c);
}

static uint64_t
count_of(struct stats *s, const char *zone, enum stats_ctr k)
{
	struct stats_view v;
	uint64_t n = 0;
	size_t i;

	if (stats_read(s, 1, &v) != 0)
		return UINT64_MAX;
	for (i = 0; i < v.n; i++)
		if (strcmp(v.e[i].name, zone) == 0)
			n = v.e[i].c[k];
	stats_view_free(&v);
	return n;
}

struct counter {
	struct stats_gen *sg;
	unsigned tid;
};

static void *
count_many(void *arg)
{
	struct counter *c = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++)
		stats_inc(stats_at(c->sg, c->tid, i % 2), SC_UDP);
	return NULL;
}

static void
test_fold(void)
{
	static const char *const a[] = { "a.example", "b.example" };
	static const char *const b[] = { "c.example", "b.example", "a.example" };
	struct stats s;
	struct gen g1, g2;
	struct dnsbl_config *c1 = cfg_of(2, a), *c2 = cfg_of(3, b);

	is_int(stats_init(&s, 3), 0, "stats for 3 threads");
	memset(&g1, 0, sizeof(g1));
	g1.cfg = c1;
	is_int(stats_gen_attach(&s, &g1), 0, "a generation's counters");
	ok(((uintptr_t)stats_at(g1.st, 1, 0) % 64) == 0 &&
	    ((uintptr_t)stats_at(g1.st, 2, 0) % 64) == 0,
	    "each thread's block starts a cache line");
	ok((char *)stats_at(g1.st, 1, 0) >= (char *)(stats_at(g1.st, 0,
	    STATS_NOZONE(g1.st)) + 1), "blocks do not overlap");
	stats_inc(stats_at(g1.st, 0, 0), SC_UDP);
	stats_inc(stats_at(g1.st, 1, 0), SC_UDP);
	stats_inc(stats_at(g1.st, 2, 1), SC_TCP);
	stats_inc(stats_at(g1.st, 2, STATS_NOZONE(g1.st)), SC_REFUSED);
	is_int(count_of(&s, "a.example", SC_UDP), 2, "summed over threads");
	is_int(count_of(&s, "b.example", SC_TCP), 1, "per zone");
	is_int(count_of(&s, "-", SC_REFUSED), 1, "the pseudo-zone -");

	/* The next generation reorders, adds c.example; both live at once. */
	memset(&g2, 0, sizeof(g2));
	g2.cfg = c2;
	is_int(stats_gen_attach(&s, &g2), 0, "a second generation");
	stats_inc(stats_at(g2.st, 0, 2), SC_UDP);	/* a.example */
	stats_inc(stats_at(g2.st, 1, 0), SC_UDP);	/* c.example */
	is_int(count_of(&s, "a.example", SC_UDP), 3,
	    "two live generations: added by name");
	stats_gen_retire(g1.st);
	g1.st = NULL;
	is_int(count_of(&s, "a.example", SC_UDP), 3, "retired: folded");
	is_int(count_of(&s, "b.example", SC_TCP), 1, "... each zone");
	is_int(count_of(&s, "c.example", SC_UDP), 1, "a new zone");
	is_int(count_of(&s, "-", SC_REFUSED), 1, "... and -");

	/* Back to the first config: c.example is dropped, keeps its counts. */
	memset(&g1, 0, sizeof(g1));
	g1.cfg = c1;
	is_int(stats_gen_attach(&s, &g1), 0, "a third generation");
	stats_gen_retire(g2.st);
	stats_inc(stats_at(g1.st, 0, 0), SC_UDP);
	is_int(count_of(&s, "a.example", SC_UDP), 4, "counts go on by name");
	is_int(count_of(&s, "c.example", SC_UDP), 1,
	    "a dropped zone keeps its counts");
	stats_reloaded(&s, 0);
	ok(s.nreloads == 1 && s.nreload_fail == 1 && s.reload_at != 0,
	    "a failed reload recorded");
	stats_gen_retire(g1.st);
	stats_fini(&s);
	cfg_drop(c1);
	cfg_drop(c2);
}

static void
test_threads(void)
{
	static const char *const a[] = { "a.example" };
	struct dnsbl_config *c = cfg_of(1, a);
	struct counter ctr[NTHREADS];
	pthread_t th[NTHREADS];
	struct stats s;
	struct gen g;
	uint64_t prev = 0, cur, want = (uint64_t)NTHREADS * PER_THREAD;
	int i, bad = 0, reads = 0;

	stats_init(&s, NTHREADS);
	memset(&g, 0, sizeof(g));
	g.cfg = c;
	stats_gen_attach(&s, &g);
	for (i = 0; i < NTHREADS; i++) {
		ctr[i].sg = g.st;
		ctr[i].tid = (unsigned)i;
		pthread_create(&th[i], NULL, count_many, &ctr[i]);
	}
	for (i = 0; i < 200; i++) {
		cur = count_of(&s, "a.example", SC_UDP) +
		    count_of(&s, "-", SC_UDP);
		if (cur < prev || cur > want)
			bad++;
		prev = cur;
		reads++;
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	is_int(bad, 0, "%d readings while 4 threads count: never down, "
	    "never past the end", reads);
	is_int(count_of(&s, "a.example", SC_UDP) + count_of(&s, "-", SC_UDP),
	    want, "the final count is exact");
	is_int(count_of(&s, "-", SC_UDP), want / 2, "split as counted");
	stats_gen_retire(g.st);
	stats_fini(&s);
	cfg_drop(c);
}

static void
test_render(void)
{
	static const char *const a[] = { "a\"b.example" };
	struct dnsbl_config *c = cfg_of(1, a);
	struct textbuf j = { 0 }, m = { 0 };
	struct stats_view v;
	struct stats s;
	struct gen g;
	int i;

	stats_init(&s, 1);
	memset(&g, 0, sizeof(g));
	g.cfg = c;
	stats_gen_attach(&s, &g);
	for (i = 0; i < 7; i++)
		stats_inc(stats_at(g.st, 0, 0), SC_LISTED);
	stats_read(&s, 1, &v);
	control_stats_json(&v, &j);
	metrics_page(&v, &m);
	ok(!j.err && strstr(j.s, "{\"name\":\"a\\\"b.example\",") != NULL,
	    "JSON: the name escaped");
	ok(strstr(j.s, "\"listed\":7") != NULL, "JSON: the count");
	ok(!m.err && strstr(m.s, "dnsbl_answers_total{zone=\"a\\\"b.example\","
	    "outcome=\"listed\"} 7\n") != NULL, "Prometheus: the label "
	    "escaped, the count");
	ok(strstr(m.s, "# TYPE dnsbl_answers_total counter\n") != NULL,
	    "Prometheus: its TYPE line");
	ok(strstr(m.s, "dnsbl_udp_receive") == NULL &&
	    strstr(j.s, "\"receive_drops\"") == NULL,
	    "no UDP sockets read: no UDP figures");
	tb_free(&j);
	tb_free(&m);

	/* The UDP sockets' figures (server_udp_view() fills them), with
	 * values past 32 bits: the sum over many sockets. */
	v.have_udp = 1;
	v.udp_drops = UINT64_C(5000000000);
	v.udp_queued = 1664;
	v.udp_rcvbuf = 2097152;
	memset(&j, 0, sizeof(j));
	memset(&m, 0, sizeof(m));
	control_status_json(&v, &j);
	metrics_page(&v, &m);
	ok(!j.err && strstr(j.s, ",\"udp\":{\"receive_drops\":5000000000,"
	    "\"receive_queue_bytes\":1664,\"receive_buffer_bytes\":2097152}")
	    != NULL, "status JSON: the UDP sockets' figures");
	ok(!m.err && strstr(m.s, "# TYPE dnsbl_udp_receive_drops_total "
	    "counter\ndnsbl_udp_receive_drops_total 5000000000\n") != NULL,
	    "Prometheus: the drops, a counter");
	ok(strstr(m.s, "# TYPE dnsbl_udp_receive_queue_bytes gauge\n"
	    "dnsbl_udp_receive_queue_bytes 1664\n") != NULL &&
	    strstr(m.s, "# TYPE dnsbl_udp_receive_buffer_bytes gauge\n"
	    "dnsbl_udp_receive_buffer_bytes 2097152\n") != NULL,
	    "Prometheus: the queue and the buffer, gauges");
	stats_view_free(&v);
	tb_free(&j);
	tb_free(&m);
	stats_gen_retire(g.st);
	stats_fini(&s);
	cfg_drop(c);
}

int
main(void)
{
	test_fold();
	test_threads();
	test_render();
	return tap_done();
}

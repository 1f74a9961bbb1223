/*
 * gen.c -- a generation of dnsbld's serving state (gen.h).
 */
#include <stdlib.h>

#include "access.h"
#include "config.h"
#include "err.h"
#include "fastidx.h"
#include "gen.h"
#include "log.h"
#include "rrl.h"
#include "stats.h"
#include "store.h"
#include "zonectx.h"

/* Say what the table limits, or that nothing is. */
static void
rrl_log(const struct rrl *t, const struct cfg_rrl *c)
{
	if (t == NULL) {
		log_info("rrl: off; UDP answers are not rate limited");
		return;
	}
	log_info("rrl: per /%u (IPv4), /%u (IPv6): %u answers/s, %u "
	    "NXDOMAIN/s, %u errors/s (0: no limit), slip %u, %zu exempt; "
	    "table %zu KiB", c->ipv4_prefix, c->ipv6_prefix,
	    c->responses_per_second, c->nxdomains_per_second,
	    c->errors_per_second, c->slip, c->nexempt, rrl_bytes(t) / 1024);
}

int
gen_new(struct gen *prev, struct dnsbl_config *cfg, struct store *st,
    struct zoneset *zs, unsigned nthreads, struct gen **out)
{
	struct gen *g;
	unsigned i;
	int rc;

	*out = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return DNSBL_ENOMEM;
	g->nthreads = nthreads;
	if ((rc = rrl_renew(prev != NULL ? prev->rrl : NULL, &cfg->rrl,
	    &g->rrl)) != 0) {
		log_warnx("rrl: out of memory for %u buckets",
		    cfg->rrl.table_size);
		goto fail;
	}
	if ((rc = access_new(cfg, prev != NULL ? prev->access : NULL,
	    &g->access)) != 0)
		goto fail;
	if (g->access != NULL) {
		if ((g->acc = calloc(nthreads, sizeof(*g->acc))) == NULL) {
			rc = DNSBL_ENOMEM;
			goto fail;
		}
		for (i = 0; i < nthreads; i++)
			if ((rc = access_counts_init(&g->acc[i],
			    g->access)) != 0)
				goto fail;
	}
	rrl_log(g->rrl, &cfg->rrl);
	if (g->access != NULL)
		log_info("access: %zu rule%s", cfg->naccess,
		    cfg->naccess == 1 ? "" : "s");
	g->cfg = cfg;
	gen_store_reopen(g, st);
	g->zs = zs;
	*out = g;
	return 0;
fail:
	if (g->acc != NULL) {		/* nothing counted: nothing to say */
		for (i = 0; i < nthreads; i++)
			access_counts_fini(&g->acc[i]);
		free(g->acc);
		g->acc = NULL;
	}
	gen_free(g);
	return rc;
}

void
gen_store_close(struct gen *g)
{
	fastidx_stop(g->fast);
	g->fast = NULL;
	store_close(g->store);
	g->store = NULL;
}

void
gen_store_reopen(struct gen *g, struct store *st)
{
	g->store = st;
	if (fastidx_start(st, g->cfg->nzones, g->nthreads, 0, &g->fast) != 0)
		log_warnx("memory index: not started; answering from the "
		    "store");
}

void
gen_free(struct gen *g)
{
	unsigned i;

	if (g == NULL)
		return;
	if (g->acc != NULL) {
		if (g->access != NULL)
			access_report(g->access, g->acc, g->nthreads);
		for (i = 0; i < g->nthreads; i++)
			access_counts_fini(&g->acc[i]);
		free(g->acc);
	}
	stats_gen_retire(g->st);
	access_free(g->access);
	rrl_free(g->rrl);
	zoneset_free(g->zs);
	gen_store_close(g);
	config_free(g->cfg);
	free(g);
}

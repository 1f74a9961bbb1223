/*
 * cmd_show.c -- what the store says: show (one address and its history),
 * stats (counts per zone) and check-config.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "events.h"
#include "json.h"
#include "loader.h"
#include "lookup.h"
#include "say.h"
#include "zonegen.h"
#include "store.h"
#include "timefmt.h"
#include "zonefp.h"

struct show_job {
	struct loader_ctx *ctx;
	size_t zone;
	struct prefix p;
	struct lookup lk;		/* lookup.h */
};

static void
print_time_line(const char *label, int64_t t)
{
	char buf[TIME_STRLEN];

	time_format(t, buf);
	say(stdout, "  %-15s %s\n", label, buf);
}

static int
show_txn(struct store_txn *t, void *arg)
{
	struct show_job *job = arg;
	const struct cfg_zone *cz = &job->ctx->cfg->zones[job->zone];
	struct lookup *lk = &job->lk;
	const struct entry *ep = &lk->e, *cp = &lk->cover;
	const char *ptxt = lk->ptxt, *ctxt = lk->ctxt, *code = lk->code;
	const char *txt = lk->txt, *cname;
	int have, covered, listed, test, rc;
	size_t i;
	struct json j;

	if ((rc = lookup_zone(t, job->zone, &job->p, lk)) != 0)
		return rc;
	have = lk->have;
	covered = lk->covered;
	listed = lk->listed;
	test = lk->test;
	cname = lk->cname;
	if (job->ctx->json) {
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "prefix"); json_str(&j, ptxt);
		json_key(&j, "zone"); json_str(&j, cz->name.text);
		json_key(&j, "listed"); json_bool(&j, listed);
		json_key(&j, "test_entry"); json_bool(&j, test != 0);
		json_key(&j, "listed_by");
		json_str(&j, listed && !test ? ctxt : NULL);
		json_key(&j, "excluded_by");
		json_str(&j, covered && cp->state == ENTRY_EXCLUDED ? ctxt :
		    NULL);
		json_key(&j, "code"); json_str(&j, listed ? code : NULL);
		json_key(&j, "code_name"); json_str(&j, listed ? cname : NULL);
		json_key(&j, "txt"); json_str(&j, listed ? txt : NULL);
		json_key(&j, "entry");
		if (!have)
			json_null(&j);
		else {
			json_obj_open(&j);
			json_key(&j, "prefix"); json_str(&j, ptxt);
			json_key(&j, "state");
			json_str(&j, lookup_state_name(ep->state));
			json_key(&j, "reason"); json_str(&j, ep->reason);
			json_key(&j, "first_listed");
			json_time(&j, ep->first_listed);
			json_key(&j, "listed_since");
			json_time(&j, ep->listed_since);
			json_key(&j, "last_tested"); json_time(&j, ep->last_tested);
			json_key(&j, "last_result");
			json_str(&j, test_result_name(ep->last_result));
			json_key(&j, "last_confirmed");
			json_time(&j, ep->last_confirmed);
			json_key(&j, "delisted_at"); json_time(&j, ep->delisted_at);
			json_key(&j, "hold_until"); json_time(&j, ep->hold_until);
			json_key(&j, "times_listed"); json_int(&j, ep->times_listed);
			json_key(&j, "times_delisted");
			json_int(&j, ep->times_delisted);
			json_obj_close(&j);
		}
		json_key(&j, "history");
		json_arr_open(&j);
		for (i = 0; i < lk->nev; i++)
			event_json(&j, &lk->evs[i]);
		json_arr_close(&j);
		json_obj_close(&j);
		json_end(&j);
		return 0;
	}

	if (test)
		say(stdout, "%s: %s in %s (RFC 5782 test entry)\n", ptxt,
		    listed ? "listed" : "never listed", cz->name.text);
	else if (listed)
		say(stdout, "%s: listed in %s by %s\n", ptxt, cz->name.text, ctxt);
	else if (covered && cp->state == ENTRY_EXCLUDED)
		say(stdout, "%s: not listed in %s: excluded by %s (%s)\n", ptxt,
		    cz->name.text, ctxt, cp->reason);
	else
		say(stdout, "%s: not listed in %s\n", ptxt, cz->name.text);
	if (listed) {
		say(stdout, "  %-15s %s%s%s%s\n", "code", code, cname ? " (" : "",
		    cname ? cname : "", cname ? ")" : "");
		say(stdout, "  %-15s %s\n", "txt", txt);
	}
	if (have) {
		say(stdout, "  %-15s %s\n", "entry", lookup_state_name(ep->state));
		if (ep->reason[0])
			say(stdout, "  %-15s %s\n", "reason", ep->reason);
		print_time_line("first listed", ep->first_listed);
		print_time_line("listed since", ep->listed_since);
		print_time_line("last tested", ep->last_tested);
		say(stdout, "  %-15s %s\n", "last result",
		    test_result_name(ep->last_result));
		print_time_line("last confirmed", ep->last_confirmed);
		if (ep->delisted_at)
			print_time_line("delisted", ep->delisted_at);
		if (ep->hold_until)
			print_time_line("held until", ep->hold_until);
		say(stdout, "  %-15s %u listed, %u delisted\n", "times",
		    ep->times_listed, ep->times_delisted);
	}
	say(stdout, "history:%s\n", lk->nev ? "" : " none");
	for (i = 0; i < lk->nev; i++)
		event_print(stdout, &lk->evs[i], "  ", 0, 1);
	return 0;
}

int
cmd_show(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("show");
	struct show_job job;
	struct errbuf eb = { "" };
	const char *zone = NULL;
	long zi;
	int ch, rc;

	memset(&job, 0, sizeof(job));
	job.ctx = ctx;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'j': ctx->json = 1; break;
		default: return command_usage(cmd);
		}
	}
	if (optind != argc - 1)
		return command_usage(cmd);
	if (prefix_parse(argv[optind], &job.p, &eb) != 0)
		return ctx_fail(ctx, EXIT_USAGE, "parse", "%s", eb.msg);
	if ((zi = ctx_zone(ctx, zone)) < 0)
		return 1;
	job.zone = (size_t)zi;
	rc = store_read(ctx->st, show_txn, &job, &eb);
	lookup_free(&job.lk);
	if (rc)
		return ctx_fail(ctx, 1, cli_code_of(rc), "%s", eb.msg[0] ?
		    eb.msg : dnsbl_strerror(rc));
	return 0;
}

/* ---------------------------------------------------------------------
 * stats
 */

struct zone_counts {
	uint64_t v4, v6, cidr4, cidr6, excluded, delisted, seen;
	uint64_t ivals4, ivals6;
	uint32_t serial;
	int applied;		/* the config is the one applied to the store */
};

static int
count_entry(const struct entry *e, void *arg)
{
	struct zone_counts *c = arg;
	int host = e->prefix.len == addr_bits(e->prefix.family);

	switch (e->state) {
	case ENTRY_LISTED:
		if (e->prefix.family == ADDR_V4)
			host ? c->v4++ : c->cidr4++;
		else
			host ? c->v6++ : c->cidr6++;
		break;
	case ENTRY_EXCLUDED: c->excluded++; break;
	case ENTRY_DELISTED: c->delisted++; break;
	default: c->seen++; break;
	}
	return 0;
}

struct stats_job {
	struct loader_ctx *ctx;
	struct zone_counts *c;
};

static int
stats_txn(struct store_txn *t, void *arg)
{
	struct stats_job *job = arg;
	uint8_t fp[ZONEFP_LEN], cur[ZONEFP_LEN];
	size_t i;
	int rc;

	for (i = 0; i < job->ctx->cfg->nzones; i++) {
		memset(&job->c[i], 0, sizeof(job->c[i]));
		if ((rc = store_entry_walk(t, i, count_entry, &job->c[i])) ||
		    (rc = store_serve_count(t, i, ADDR_V4, &job->c[i].ivals4)) ||
		    (rc = store_serve_count(t, i, ADDR_V6, &job->c[i].ivals6)))
			return rc;
		job->c[i].serial = store_serial(t, i);
		rc = store_zone_fp(t, i, cur);
		job->c[i].applied = rc == 0 && zonefp(&job->ctx->cfg->zones[i],
		    fp) == 0 && memcmp(fp, cur, ZONEFP_LEN) == 0;
	}
	return 0;
}

int
cmd_stats(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct stats_job job = { ctx, NULL };
	struct errbuf eb = { "" };
	uint64_t fb = 0, mb = 0;
	struct json j;
	size_t i;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j')
			return command_usage(command_find("stats"));
		ctx->json = 1;
	}
	if (optind != argc)
		return command_usage(command_find("stats"));
	if ((job.c = calloc(ctx->cfg->nzones, sizeof(*job.c))) == NULL)
		return 1;
	if ((rc = store_read(ctx->st, stats_txn, &job, &eb)) != 0) {
		free(job.c);
		return ctx_fail(ctx, 1, cli_code_of(rc), "%s", eb.msg);
	}
	store_size(ctx->st, &fb, &mb);
	if (ctx->json) {
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "database"); json_str(&j, ctx->cfg->database);
		json_key(&j, "file_bytes"); json_int(&j, (int64_t)fb);
		json_key(&j, "map_bytes"); json_int(&j, (int64_t)mb);
		json_key(&j, "zones");
		json_arr_open(&j);
		for (i = 0; i < ctx->cfg->nzones; i++) {
			struct zone_counts *c = &job.c[i];
			json_obj_open(&j);
			json_key(&j, "zone");
			json_str(&j, ctx->cfg->zones[i].name.text);
			json_key(&j, "serial"); json_int(&j, c->serial);
			json_key(&j, "config_applied"); json_bool(&j, c->applied);
			json_key(&j, "ipv4"); json_int(&j, (int64_t)c->v4);
			json_key(&j, "ipv6"); json_int(&j, (int64_t)c->v6);
			json_key(&j, "cidr");
			json_int(&j, (int64_t)(c->cidr4 + c->cidr6));
			json_key(&j, "cidr4"); json_int(&j, (int64_t)c->cidr4);
			json_key(&j, "cidr6"); json_int(&j, (int64_t)c->cidr6);
			json_key(&j, "excluded");
			json_int(&j, (int64_t)c->excluded);
			json_key(&j, "delisted");
			json_int(&j, (int64_t)c->delisted);
			json_key(&j, "intervals");
			json_int(&j, (int64_t)(c->ivals4 + c->ivals6));
			json_obj_close(&j);
		}
		json_arr_close(&j);
		json_obj_close(&j);
		json_end(&j);
	} else {
		say(stdout, "database %s: %.1f MB on disk, map %.1f MB\n",
		    ctx->cfg->database, fb / 1e6, mb / 1e6);
		for (i = 0; i < ctx->cfg->nzones; i++) {
			struct zone_counts *c = &job.c[i];
			say(stdout, "%s: serial %u%s\n",
			    ctx->cfg->zones[i].name.text, c->serial,
			    c->applied ? "" : " (config changed since "
			    "applied: run apply-config)");
			say(stdout, "  listed: %llu IPv4, %llu IPv6, "
			    "%llu CIDRs (%llu IPv4, %llu IPv6)\n",
			    (unsigned long long)c->v4, (unsigned long long)c->v6,
			    (unsigned long long)(c->cidr4 + c->cidr6),
			    (unsigned long long)c->cidr4,
			    (unsigned long long)c->cidr6);
			say(stdout, "  excluded: %llu, delisted: %llu, served "
			    "intervals: %llu\n",
			    (unsigned long long)c->excluded,
			    (unsigned long long)c->delisted,
			    (unsigned long long)(c->ivals4 + c->ivals6));
		}
	}
	free(job.c);
	return 0;
}

/* ---------------------------------------------------------------------
 * check-config
 */

int
cmd_check_config(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct dnsbl_config *cfg = NULL;
	struct errbuf eb = { "" };
	struct json j;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j')
			return command_usage(command_find("check-config"));
		ctx->json = 1;
	}
	if (optind != argc)
		return command_usage(command_find("check-config"));
	rc = config_load(ctx->config_path, &cfg, &eb);
	if (rc) {
		/* FILE:LINE:COLUMN: reason, the place also as fields */
		ctx_fail_place_msg(ctx, ctx->config_path, eb.msg);
		if (ctx->json)
			return ctx_fail(ctx, 1, "config", "%s", eb.msg);
		say(stderr, "%s\n", eb.msg);
		return 1;
	}
	if (ctx->json) {
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "file"); json_str(&j, ctx->config_path);
		json_key(&j, "valid"); json_bool(&j, 1);
		json_key(&j, "zones"); json_int(&j, (int64_t)cfg->nzones);
		json_obj_close(&j);
		json_end(&j);
	} else
		say(stdout, "%s: valid, %zu zone%s\n", ctx->config_path,
		    cfg->nzones, cfg->nzones == 1 ? "" : "s");
	config_free(cfg);
	return rc ? 1 : 0;
}

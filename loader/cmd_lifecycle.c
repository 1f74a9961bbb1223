/*
 * cmd_lifecycle.c -- the listing lifecycle (RFC 6471): exclusions, retest
 * requests, expiry and the audit trail.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "events.h"
#include "json.h"
#include "lifecycle.h"
#include "loader.h"
#include "retest.h"
#include "say.h"
#include "store.h"
#include "timefmt.h"

/* ---------------------------------------------------------------------
 * exclude, unexclude
 */

struct excl_job {
	struct loader_ctx *ctx;
	size_t zone;
	struct prefix *p;
	int n, *outcomes, undo, force;
	const char *reason;
	uint32_t serial;
	struct errbuf eb;
};

static int
excl_txn(struct store_txn *t, void *arg)
{
	struct excl_job *job = arg;
	struct lc_req rq;
	int i, rc;

	for (i = 0; i < job->n; i++) {
		memset(&rq, 0, sizeof(rq));
		rq.zone = job->zone;
		rq.prefix = job->p[i];
		rq.actor = job->ctx->actor;
		rq.reason = job->reason;
		rc = job->undo ? lc_unexclude(t, &rq, &job->outcomes[i],
		    &job->eb) : lc_exclude(t, &rq, &job->outcomes[i], &job->eb);
		if (rc)
			return rc;
	}
	if ((rc = lc_guard(t, job->zone, job->force, &job->eb)) != 0)
		return rc;
	job->serial = store_serial(t, job->zone) +
	    (store_zone_dirty(t, job->zone) ? 1 : 0);
	return 0;
}

static int
excl_run(struct loader_ctx *ctx, int argc, char **argv, int undo)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "reason", required_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find(undo ? "unexclude" :
	    "exclude");
	struct excl_job job;
	const char *zone = NULL;
	const char **words = NULL;
	long zi;
	int ch, i, rc = 1;

	memset(&job, 0, sizeof(job));
	job.ctx = ctx;
	job.undo = undo;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'r': job.reason = optarg; break;
		case 'f': job.force = 1; break;
		case 'j': ctx->json = 1; break;
		default: return command_usage(cmd);
		}
	}
	if (optind >= argc)
		return command_usage(cmd);
	if (!undo && (job.reason == NULL || *job.reason == '\0')) {
		say(stderr, PROG ": exclude needs --reason\n");
		return EXIT_USAGE;
	}
	if (lc_text_check("--reason", job.reason, &job.eb) != 0)
		return ctx_fail(ctx, EXIT_USAGE, "invalid", "%s", job.eb.msg);
	if ((zi = ctx_zone(ctx, zone)) < 0)
		return 1;
	job.zone = (size_t)zi;
	job.n = argc - optind;
	job.outcomes = calloc((size_t)job.n, sizeof(int));
	words = calloc((size_t)job.n, sizeof(*words));
	if (job.outcomes == NULL || words == NULL)
		goto done;
	if ((rc = ctx_prefixes(ctx, job.n, argv + optind, &job.p)) != 0)
		goto done;
	if ((rc = store_write(ctx->st, excl_txn, &job, &job.eb)) != 0) {
		rc = ctx_fail(ctx, 1, cli_code_of(rc), "%s", job.eb.msg);
		goto done;
	}
	rc = 1;
	for (i = 0; i < job.n; i++)
		words[i] = job.outcomes[i] == LC_NOCHANGE ? NULL :
		    undo ? "unexcluded" : "excluded";
	ctx_print_results(ctx, job.zone, job.serial, job.p, words, job.n,
	    "already excluded; nothing changed");
	rc = 0;
done:
	free(job.p);
	free(job.outcomes);
	free(words);
	return rc;
}

int
cmd_exclude(struct loader_ctx *ctx, int argc, char **argv)
{
	return excl_run(ctx, argc, argv, 0);
}

int
cmd_unexclude(struct loader_ctx *ctx, int argc, char **argv)
{
	return excl_run(ctx, argc, argv, 1);
}

/* ---------------------------------------------------------------------
 * retest-request, retests
 */

struct rq_job {
	struct loader_ctx *ctx;
	size_t zone;
	struct prefix p;
	const char *contact, *note;
	uint64_t id;
	int64_t retry_at;		/* a refusal until then */
	struct errbuf eb;
};

static int
rq_txn(struct store_txn *t, void *arg)
{
	struct rq_job *job = arg;

	return retest_request(t, job->zone, &job->p, job->contact, job->note,
	    job->ctx->actor, &job->id, &job->retry_at, &job->eb);
}

int
cmd_retest_request(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "contact", required_argument, NULL, 'c' },
		{ "note", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("retest-request");
	struct rq_job job;
	const char *zone = NULL;
	char ptxt[PREFIX_STRLEN];
	struct json j;
	long zi;
	int ch, rc;

	memset(&job, 0, sizeof(job));
	job.ctx = ctx;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'c': job.contact = optarg; break;
		case 'n': job.note = optarg; break;
		case 'j': ctx->json = 1; break;
		default: return command_usage(cmd);
		}
	}
	if (optind != argc - 1 || job.contact == NULL)
		return command_usage(cmd);
	if (retest_text_check("--contact", job.contact, RETEST_CONTACT_MAX,
	    &job.eb) != 0 || retest_text_check("--note", job.note,
	    RETEST_NOTE_MAX, &job.eb) != 0)
		return ctx_fail(ctx, EXIT_USAGE, "invalid", "%s", job.eb.msg);
	if (prefix_parse(argv[optind], &job.p, &job.eb) != 0)
		return ctx_fail(ctx, EXIT_USAGE, "parse", "%s", job.eb.msg);
	if ((zi = ctx_zone(ctx, zone)) < 0)
		return 1;
	job.zone = (size_t)zi;
	if ((rc = store_write(ctx->st, rq_txn, &job, &job.eb)) != 0) {
		/* Refused until a time: rate_limited, with retry_after. */
		if (rc == DNSBL_EREFUSED && job.retry_at) {
			ctx_fail_retry(ctx, job.retry_at);
			return ctx_fail(ctx, 1, "rate_limited", "retest request "
			    "refused: %s", job.eb.msg);
		}
		return ctx_fail(ctx, 1, cli_code_of(rc), "retest request "
		    "refused: %s", job.eb.msg);
	}
	prefix_format(&job.p, ptxt);
	if (ctx->json) {
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "id"); json_int(&j, (int64_t)job.id);
		json_key(&j, "prefix"); json_str(&j, ptxt);
		json_key(&j, "zone");
		json_str(&j, ctx->cfg->zones[job.zone].name.text);
		json_key(&j, "contact"); json_str(&j, job.contact);
		json_obj_close(&j);
		json_end(&j);
	} else
		say(stdout, "%s: retest request #%llu queued for %s\n", ptxt,
		    (unsigned long long)job.id, job.contact);
	return 0;
}

struct rl_job {
	struct loader_ctx *ctx;
	size_t zone;
	int open_only;
	int64_t now;
	struct json j;
	unsigned long n;
};

static void
age_text(int64_t secs, char *buf, size_t n)
{
	if (secs < 3600)
		snprintf(buf, n, "%lldm", (long long)(secs / 60));
	else if (secs < 86400 * 2)
		snprintf(buf, n, "%lldh%02lldm", (long long)(secs / 3600),
		    (long long)(secs % 3600 / 60));
	else
		snprintf(buf, n, "%lldd", (long long)(secs / 86400));
}

static int
rl_each(const struct retest *r, void *arg)
{
	struct rl_job *job = arg;
	char ptxt[PREFIX_STRLEN], when[TIME_STRLEN], age[32], res[TIME_STRLEN];
	int64_t until = r->resolved_at ? r->resolved_at : job->now;

	prefix_format(&r->prefix, ptxt);
	time_format(r->requested_at, when);
	age_text(until - r->requested_at, age, sizeof(age));
	job->n++;
	if (job->ctx->json) {
		struct json *j = &job->j;
		json_obj_open(j);
		json_key(j, "id"); json_int(j, (int64_t)r->id);
		json_key(j, "prefix"); json_str(j, ptxt);
		json_key(j, "contact"); json_str(j, r->contact);
		json_key(j, "note"); json_str(j, r->note[0] ? r->note : NULL);
		json_key(j, "requested_at"); json_time(j, r->requested_at);
		json_key(j, "age_seconds");
		json_int(j, job->now - r->requested_at);
		json_key(j, "open"); json_bool(j, r->resolved_at == 0);
		json_key(j, "resolved_at"); json_time(j, r->resolved_at);
		json_key(j, "result");
		json_str(j, r->result ? test_result_name(r->result) : NULL);
		json_key(j, "tested_at"); json_time(j, r->tested_at);
		json_key(j, "delisted"); json_bool(j, r->delisted);
		json_key(j, "entered_by"); json_str(j, r->actor);
		json_obj_close(j);
		return 0;
	}
	if (r->resolved_at == 0)
		say(stdout, "#%-5llu %-20s %-30s open     %s (waiting %s)%s%s\n",
		    (unsigned long long)r->id, ptxt, r->contact, when, age,
		    r->note[0] ? "  note: " : "", r->note);
	else {
		time_format(r->resolved_at, res);
		say(stdout, "#%-5llu %-20s %-30s resolved %s: %s%s (after %s)\n",
		    (unsigned long long)r->id, ptxt, r->contact, res,
		    test_result_name(r->result), r->delisted ? ", delisted" :
		    "", age);
	}
	return 0;
}

static int
rl_txn(struct store_txn *t, void *arg)
{
	struct rl_job *job = arg;

	job->now = store_txn_now(t);
	return retest_walk(t, job->zone, job->open_only, rl_each, job);
}

int
cmd_retests(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "open", no_argument, NULL, 'o' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		/* retests --run: the relay tester, cmd_test.c */
		{ "run", no_argument, NULL, 'r' },
		{ "deliver", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("retests");
	struct rl_job job;
	struct errbuf eb = { "" };
	const char *zone = NULL;
	long zi;
	int ch, rc, run = 0, deliver = 0;

	memset(&job, 0, sizeof(job));
	job.ctx = ctx;
	job.open_only = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'o': job.open_only = 1; break;
		case 'a': job.open_only = 0; break;
		case 'j': ctx->json = 1; break;
		case 'r': run = 1; break;
		case 'd': deliver = 1; break;
		default: return command_usage(cmd);
		}
	}
	if (optind != argc || (deliver && !run))
		return command_usage(cmd);
	if ((zi = ctx_zone(ctx, zone)) < 0)
		return 1;
	job.zone = (size_t)zi;
	if (run)
		return (rc = ctx_store_writable(ctx)) != 0 ? rc :
		    retests_run(ctx, job.zone, deliver);
	if (ctx->json) {
		json_init(&job.j, stdout);
		json_obj_open(&job.j);
		json_key(&job.j, "zone");
		json_str(&job.j, ctx->cfg->zones[job.zone].name.text);
		json_key(&job.j, "open_only"); json_bool(&job.j, job.open_only);
		json_key(&job.j, "retests");
		json_arr_open(&job.j);
	}
	if ((rc = store_read(ctx->st, rl_txn, &job, &eb)) != 0)
		return ctx_fail(ctx, 1, cli_code_of(rc), "%s", eb.msg);
	if (ctx->json) {
		json_arr_close(&job.j);
		json_obj_close(&job.j);
		json_end(&job.j);
	} else if (job.n == 0)
		say(stdout, "no %sretest requests\n", job.open_only ? "open " : "");
	return 0;
}

/* ---------------------------------------------------------------------
 * expire
 */

struct exp_item {
	struct prefix prefix;
	int64_t last;
};

struct exp_job {
	struct loader_ctx *ctx;
	size_t zone;
	int dry_run, force;
	uint64_t count;
	uint32_t serial;
	/* Collected in the transaction, printed once it has committed. */
	struct exp_item *items;
	size_t n, cap;
	struct errbuf eb;
};

static int
exp_each(const struct entry *e, int64_t last, void *arg)
{
	struct exp_job *job = arg;
	struct exp_item *n;

	if (job->n == job->cap) {
		size_t nc = job->cap ? job->cap * 2 : 256;
		if ((n = realloc(job->items, nc * sizeof(*n))) == NULL)
			return DNSBL_ENOMEM;
		job->items = n;
		job->cap = nc;
	}
	job->items[job->n].prefix = e->prefix;
	job->items[job->n].last = last;
	job->n++;
	return 0;
}

static int
exp_txn(struct store_txn *t, void *arg)
{
	struct exp_job *job = arg;
	int rc;

	/* store_write() may run this again after growing the map. */
	job->n = 0;
	if ((rc = lc_expire(t, job->zone, "expiry", job->dry_run,
	    exp_each, job, &job->count, &job->eb)) != 0)
		return rc;
	if (!job->dry_run &&
	    (rc = lc_guard(t, job->zone, job->force, &job->eb)) != 0)
		return rc;
	job->serial = store_serial(t, job->zone) +
	    (store_zone_dirty(t, job->zone) ? 1 : 0);
	return 0;
}

static void
exp_print(struct exp_job *job)
{
	char ptxt[PREFIX_STRLEN], when[TIME_STRLEN];
	struct json j;
	size_t i;

	if (job->ctx->json) {
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "zone");
		json_str(&j, job->ctx->cfg->zones[job->zone].name.text);
		/* With dry_run: what would expire. */
		json_key(&j, "expired");
		json_arr_open(&j);
	}
	for (i = 0; i < job->n; i++) {
		prefix_format(&job->items[i].prefix, ptxt);
		if (job->ctx->json) {
			json_obj_open(&j);
			json_key(&j, "prefix"); json_str(&j, ptxt);
			json_key(&j, "last_confirmed");
			json_time(&j, job->items[i].last);
			json_obj_close(&j);
		} else {
			time_format(job->items[i].last, when);
			say(stdout, "%s %s (last confirmed %s)\n", job->dry_run ?
			    "would expire" : "expired", ptxt, when);
		}
	}
	if (job->ctx->json) {
		json_arr_close(&j);
		json_key(&j, "count"); json_int(&j, (int64_t)job->count);
		json_key(&j, "dry_run"); json_bool(&j, job->dry_run);
		json_key(&j, "serial"); json_int(&j, job->serial);
		json_obj_close(&j);
		json_end(&j);
	} else
		say(stdout, "%s: %llu listing%s %s\n",
		    job->ctx->cfg->zones[job->zone].name.text,
		    (unsigned long long)job->count, job->count == 1 ? "" : "s",
		    job->dry_run ? "would expire (dry run: nothing changed)" :
		    "expired");
}

int
cmd_expire(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("expire");
	struct exp_job job;
	const char *zone = NULL;
	long zi;
	int ch, rc;

	memset(&job, 0, sizeof(job));
	job.ctx = ctx;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'n': job.dry_run = 1; break;
		case 'f': job.force = 1; break;
		case 'j': ctx->json = 1; break;
		default: return command_usage(cmd);
		}
	}
	if (optind != argc)
		return command_usage(cmd);
	if ((zi = ctx_zone(ctx, zone)) < 0)
		return 1;
	job.zone = (size_t)zi;
	/* A dry run reads a snapshot and so cannot write. */
	rc = job.dry_run ? store_read(ctx->st, exp_txn, &job, &job.eb) :
	    store_write(ctx->st, exp_txn, &job, &job.eb);
	if (rc != 0)
		(void)ctx_fail(ctx, 1, cli_code_of(rc), "expire: %s",
		    job.eb.msg);
	else
		exp_print(&job);
	free(job.items);
	return rc != 0;
}

/* ---------------------------------------------------------------------
 * history
 */

struct hist_job {
	struct loader_ctx *ctx;
	size_t zone;
	int64_t since;
	unsigned long n;
	struct json j;
};

static int
hist_each(const struct event *ev, void *arg)
{
	struct hist_job *job = arg;

	if (ev->time < job->since)
		return 0;
	job->n++;
	if (job->ctx->json)
		event_json(&job->j, ev);
	else
		event_print(stdout, ev, "", 20, 0);
	return 0;
}

static int
hist_txn(struct store_txn *t, void *arg)
{
	struct hist_job *job = arg;

	return store_event_walk(t, job->zone, NULL, hist_each, job);
}

int
cmd_history(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("history");
	struct hist_job job;
	struct errbuf eb = { "" };
	const char *zone = NULL;
	long zi;
	int ch, rc;

	memset(&job, 0, sizeof(job));
	job.ctx = ctx;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 's':
			if (time_parse_arg(optarg, (int64_t)time(NULL),
			    &job.since) != 0)
				return ctx_fail(ctx, EXIT_USAGE, "usage",
				    "--since %s: want an RFC 3339 time "
				    "(2026-11-23T10:00:00Z), a date (2026-11-23, "
				    "midnight UTC) or an age (7d, 12h, 30m)",
				    optarg);
			break;
		case 'j': ctx->json = 1; break;
		default: return command_usage(cmd);
		}
	}
	if (optind != argc)
		return command_usage(cmd);
	if ((zi = ctx_zone(ctx, zone)) < 0)
		return 1;
	job.zone = (size_t)zi;
	if (ctx->json) {
		json_init(&job.j, stdout);
		json_obj_open(&job.j);
		json_key(&job.j, "zone");
		json_str(&job.j, ctx->cfg->zones[job.zone].name.text);
		json_key(&job.j, "since"); json_time(&job.j, job.since);
		json_key(&job.j, "history");
		json_arr_open(&job.j);
	}
	if ((rc = store_read(ctx->st, hist_txn, &job, &eb)) != 0)
		return ctx_fail(ctx, 1, cli_code_of(rc), "%s", eb.msg);
	if (ctx->json) {
		json_arr_close(&job.j);
		json_obj_close(&job.j);
		json_end(&job.j);
	} else if (job.n == 0)
		say(stdout, "no changes%s\n", job.since ? " since then" : "");
	return 0;
}

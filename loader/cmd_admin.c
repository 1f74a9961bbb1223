/*
 * cmd_admin.c -- the admin's own actions: list and delist.
 *
 * Each runs in one write transaction: with several addresses on the command
 * line, either all change or none does.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "json.h"
#include "lifecycle.h"
#include "loader.h"
#include "say.h"
#include "store.h"
#include "txt.h"

struct admin_job {
	struct loader_ctx *ctx;
	int delist;
	size_t zone;
	struct prefix *prefixes;
	int n;
	int *outcomes;
	const char *reason, *txt;
	const uint8_t *code;
	const char *code_name;
	int force;
	uint32_t serial;
	struct errbuf eb;
};

static int
admin_txn(struct store_txn *t, void *arg)
{
	struct admin_job *job = arg;
	struct lc_req rq;
	int i, rc;

	for (i = 0; i < job->n; i++) {
		memset(&rq, 0, sizeof(rq));
		rq.zone = job->zone;
		rq.prefix = job->prefixes[i];
		rq.actor = job->ctx->actor;
		rq.reason = job->reason;
		rq.code = job->code;
		rq.code_name = job->code_name;
		rq.txt = job->txt;
		rq.force = job->force;
		rc = job->delist ?
		    lc_delist(t, &rq, &job->outcomes[i], &job->eb) :
		    lc_list(t, &rq, &job->outcomes[i], &job->eb);
		if (rc)
			return rc;
	}
	if (job->delist && (rc = lc_guard(t, job->zone, job->force,
	    &job->eb)) != 0)
		return rc;
	job->serial = store_serial(t, job->zone);
	if (store_zone_dirty(t, job->zone))
		job->serial++;	/* what the commit will make it */
	return 0;
}

/*
 * Parse a return code: a name from the zone's codes (*name set: the
 * listing follows that code's current a and txt), or an address in
 * 127.0.0.0/8 other than 127.0.0.0 and .1 (out set).
 */
static int
parse_code(const struct cfg_zone *cz, const char *s, uint8_t out[4],
    const char **name)
{
	struct prefix p;
	size_t i;

	*name = NULL;
	for (i = 0; i < cz->ncodes; i++)
		if (strcmp(cz->codes[i].name, s) == 0) {
			*name = cz->codes[i].name;
			return 0;
		}
	if (prefix_parse(s, &p, NULL) != 0 || p.family != ADDR_V4 ||
	    p.len != 32 || p.addr[0] != 127 ||
	    (p.addr[1] == 0 && p.addr[2] == 0 && p.addr[3] <= 1)) {
		say(stderr, PROG ": --code %s: want a code name of %s",
		    s, cz->name.text);
		for (i = 0; i < cz->ncodes; i++)
			say(stderr, "%s%s", i ? ", " : " (", cz->codes[i].name);
		say(stderr, "%s or an address in 127.0.0.0/8 other than "
		    "127.0.0.0 and 127.0.0.1\n", cz->ncodes ? ")" : "");
		return -1;
	}
	memcpy(out, p.addr, 4);
	return 0;
}

static int
admin_run(struct loader_ctx *ctx, int argc, char **argv, int delist)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "reason", required_argument, NULL, 'r' },
		{ "code", required_argument, NULL, 'C' },
		{ "txt", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find(delist ? "delist" : "list");
	struct admin_job job;
	const char *zone = NULL, *codearg = NULL;
	uint8_t code[4];
	const char **words = NULL;
	char unchanged[400];
	long zi;
	int ch, i, rc = 1;

	memset(&job, 0, sizeof(job));
	job.ctx = ctx;
	job.delist = delist;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'r': job.reason = optarg; break;
		case 'C':
			if (delist)
				return command_usage(cmd);
			codearg = optarg;
			break;
		case 't':
			if (delist)
				return command_usage(cmd);
			if (lc_text_check("--txt", optarg, &job.eb) != 0) {
				say(stderr, PROG ": %s\n", job.eb.msg);
				return EXIT_USAGE;
			}
			if (txt_check(optarg, &job.eb) != 0) {
				say(stderr, PROG ": --txt: %s\n",
				    job.eb.msg);
				return EXIT_USAGE;
			}
			job.txt = optarg;
			break;
		case 'f': job.force = 1; break;
		case 'j': ctx->json = 1; break;
		default: return command_usage(cmd);
		}
	}
	if (optind >= argc)
		return command_usage(cmd);
	/* An entry keeps 255 bytes of a reason: a longer one is refused. */
	if (lc_text_check("--reason", job.reason, &job.eb) != 0)
		return ctx_fail(ctx, EXIT_USAGE, "invalid", "%s", job.eb.msg);
	if ((zi = ctx_zone(ctx, zone)) < 0)
		return 1;
	job.zone = (size_t)zi;
	if (codearg) {
		if (parse_code(&ctx->cfg->zones[zi], codearg, code,
		    &job.code_name) != 0)
			return EXIT_USAGE;
		if (job.code_name == NULL)
			job.code = code;
	}
	job.n = argc - optind;
	job.outcomes = calloc((size_t)job.n, sizeof(*job.outcomes));
	words = calloc((size_t)job.n, sizeof(*words));
	if (job.outcomes == NULL || words == NULL) {
		say(stderr, PROG ": out of memory\n");
		goto done;
	}
	if ((rc = ctx_prefixes(ctx, job.n, argv + optind, &job.prefixes)) != 0)
		goto done;
	if ((rc = store_write(ctx->st, admin_txn, &job, &job.eb)) != 0) {
		rc = ctx_fail(ctx, 1, cli_code_of(rc), "%s", job.eb.msg);
		goto done;
	}
	rc = 1;
	for (i = 0; i < job.n; i++)
		words[i] = job.outcomes[i] == LC_NOCHANGE ? NULL :
		    lc_outcome_name(job.outcomes[i]);
	snprintf(unchanged, sizeof(unchanged), "already listed so in %s; "
	    "nothing changed", ctx->cfg->zones[job.zone].name.text);
	ctx_print_results(ctx, job.zone, job.serial, job.prefixes, words,
	    job.n, unchanged);
	rc = 0;
done:
	free(job.prefixes);
	free(job.outcomes);
	free(words);
	return rc;
}

int
cmd_list(struct loader_ctx *ctx, int argc, char **argv)
{
	return admin_run(ctx, argc, argv, 0);
}

int
cmd_delist(struct loader_ctx *ctx, int argc, char **argv)
{
	return admin_run(ctx, argc, argv, 1);
}

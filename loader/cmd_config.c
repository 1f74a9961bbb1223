/*
 * cmd_config.c -- apply-config: make a change of the config reach the
 * mirrors.
 *
 * A zone's records depend on its config (SOA fields, NS, glue, ttl, a,
 * txt, codes), but the journal records listings only.  apply-config
 * records the digest of each zone's config in the store (zonefp.h); for
 * every zone whose digest changed, in one write transaction, the serial
 * goes up by one and the journal starts again, so a secondary at any older
 * serial gets the whole zone.  dnsbld sees the new digest within a second,
 * reloads its config, and then sends NOTIFY: mirrors converge by
 * themselves.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "json.h"
#include "loader.h"
#include "say.h"
#include "store.h"
#include "zonefp.h"

struct apply_job {
	struct loader_ctx *ctx;
	long only;		/* a zone index, or -1 for every zone */
	int dry_run;
	int *changed;		/* per zone: 1 applied (or would be) */
	uint32_t *before, *after;
	struct errbuf eb;
};

static int
apply_txn(struct store_txn *t, void *arg)
{
	struct apply_job *job = arg;
	const struct dnsbl_config *cfg = job->ctx->cfg;
	uint8_t fp[ZONEFP_LEN], cur[ZONEFP_LEN];
	size_t i;
	int rc;

	for (i = 0; i < cfg->nzones; i++) {
		job->changed[i] = 0;
		job->before[i] = job->after[i] = store_serial(t, i);
		if (job->only >= 0 && (size_t)job->only != i)
			continue;
		if (zonefp(&cfg->zones[i], fp) != 0)
			return errbuf_set(&job->eb, DNSBL_ENOMEM,
			    "out of memory");
		rc = store_zone_fp(t, i, cur);
		if (rc != 0 && rc != DNSBL_ENOENT)
			return errbuf_set(&job->eb, rc, "%s: %s",
			    cfg->zones[i].name.text, dnsbl_strerror(rc));
		if (rc == 0 && memcmp(fp, cur, ZONEFP_LEN) == 0)
			continue;
		job->changed[i] = 1;
		job->after[i] = job->before[i] + 1 ? job->before[i] + 1 : 1;
		if (job->dry_run)
			continue;
		if ((rc = store_zone_apply(t, i, fp)) < 0)
			return errbuf_set(&job->eb, rc, "%s: %s",
			    cfg->zones[i].name.text, dnsbl_strerror(rc));
	}
	return 0;
}

int
cmd_apply_config(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("apply-config");
	const struct dnsbl_config *cfg = ctx->cfg;
	struct apply_job job;
	const char *zone = NULL;
	struct json j;
	size_t i;
	int ch, rc = 1, n = 0;

	memset(&job, 0, sizeof(job));
	job.ctx = ctx;
	job.only = -1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'n': job.dry_run = 1; break;
		case 'j': ctx->json = 1; break;
		default: return command_usage(cmd);
		}
	}
	if (optind != argc)
		return command_usage(cmd);
	if (zone != NULL && (job.only = ctx_zone(ctx, zone)) < 0)
		return 1;
	job.changed = calloc(cfg->nzones, sizeof(*job.changed));
	job.before = calloc(cfg->nzones, sizeof(*job.before));
	job.after = calloc(cfg->nzones, sizeof(*job.after));
	if (job.changed == NULL || job.before == NULL || job.after == NULL) {
		say(stderr, PROG ": out of memory\n");
		goto done;
	}
	if ((rc = job.dry_run ? store_read(ctx->st, apply_txn, &job,
	    &job.eb) : store_write(ctx->st, apply_txn, &job, &job.eb)) != 0) {
		rc = ctx_fail(ctx, 1, cli_code_of(rc), "apply-config: %s",
		    job.eb.msg);
		goto done;
	}
	if (ctx->json) {
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "dry_run"); json_bool(&j, job.dry_run);
		json_key(&j, "zones");
		json_arr_open(&j);
	}
	for (i = 0; i < cfg->nzones; i++) {
		if (job.only >= 0 && (size_t)job.only != i)
			continue;
		n += job.changed[i];
		if (ctx->json) {
			json_obj_open(&j);
			json_key(&j, "zone"); json_str(&j, cfg->zones[i].name.text);
			json_key(&j, "changed"); json_bool(&j, job.changed[i]);
			json_key(&j, "serial_before"); json_int(&j, job.before[i]);
			json_key(&j, "serial"); json_int(&j, job.after[i]);
			json_obj_close(&j);
		} else if (job.changed[i])
			say(stdout, "%s: config %s: serial %u -> %u; secondaries %s "
			    "a full transfer\n", cfg->zones[i].name.text,
			    job.dry_run ? "differs" : "applied", job.before[i],
			    job.after[i], job.dry_run ? "would get" : "get");
		else
			say(stdout, "%s: config unchanged (serial %u)\n",
			    cfg->zones[i].name.text, job.before[i]);
	}
	if (ctx->json) {
		json_arr_close(&j);
		json_obj_close(&j);
		json_end(&j);
	} else if (n > 0 && !job.dry_run)
		say(stdout, "dnsbld reloads its config by itself within a second "
		    "and notifies the secondaries.\n");
	rc = 0;
done:
	free(job.changed);
	free(job.before);
	free(job.after);
	return rc;
}

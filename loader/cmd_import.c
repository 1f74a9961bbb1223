/*
 * cmd_import.c -- import relay-test results.
 *
 * The file is parsed whole (import.c), the records are sorted by address
 * and time so the store is written in key order, and all of them are
 * applied in one write transaction through lc_result(): a file is either
 * imported entirely or not at all.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "import.h"
#include "json.h"
#include "lifecycle.h"
#include "loader.h"
#include "say.h"
#include "store.h"

struct import_job {
	struct loader_ctx *ctx;
	struct import_set set;
	uint32_t *order;	/* the order to apply set.recs in */
	struct import_rec *blk;	/* IMPORT_BLOCK of them, in that order */
	int force;		/* allow listings wider than /8 or /16 */
	size_t zone;
	const char *name;
	char actor[ACTOR_MAX + 80];
	unsigned long counts[LC_OUTCOME_MAX];
	uint32_t serial;
	struct errbuf eb;
};

static void
progress(struct import_job *job, size_t done, int last)
{
	if (!job->ctx->progress || job->set.n < 100000)
		return;
	if (!last && done % 50000 != 0)
		return;
	/* On a terminal only, and no input in it: straight to the terminal,
	 * its carriage return too (say.h would show it as \r). */
	fflush(stderr);
	dprintf(STDERR_FILENO, "\rimport: %zu/%zu records (%zu%%)%s", done,
	    job->set.n, job->set.n ? done * 100 / job->set.n : 100,
	    last ? "\n" : "");
}

/* Apply one record r in t: *outcome the lifecycle's outcome. */
static int
import_one(struct store_txn *t, struct import_job *job,
    const struct import_rec *r, int *outcome)
{
	struct lc_req req, *rq = &req;
	char extra[600];
	int rc;

	memset(rq, 0, sizeof(*rq));
	rq->zone = job->zone;
	rq->prefix = r->prefix;
	rq->actor = job->actor;
	rq->result = r->result;
	rq->tested_at = r->tested_at;
	rq->force = job->force;
	extra[0] = '\0';
	if (r->x) {
		const struct import_extra *x = r->x;
		rq->evidence = x->transcript;
		if (x->tester || x->helo)
			snprintf(extra, sizeof(extra), "%s%s%s%s%s",
			    x->tester ? "tester=" : "",
			    x->tester ? x->tester : "",
			    x->tester && x->helo ? " " : "",
			    x->helo ? "helo=" : "",
			    x->helo ? x->helo : "");
	}
	rq->extra = extra[0] ? extra : NULL;
	if ((rc = lc_result(t, rq, outcome, &job->eb)) != 0) {
		char msg[sizeof(job->eb.msg)];
		snprintf(msg, sizeof(msg), "%s", job->eb.msg);
		return errbuf_set(&job->eb, rc, "%s:%lu: %s", job->name,
		    (unsigned long)r->line, msg);
	}
	return 0;
}

/*
 * The records are applied in key order, which is no order in memory: they
 * are copied a block at a time (IMPORT_BLOCK records) into job->blk in that
 * order first.  The copy's loads do not depend on each other, so their
 * cache and TLB misses overlap, where one record's miss in the loop that
 * applies it would wait behind the record before it.
 */
#define IMPORT_BLOCK	1024

static int
import_txn(struct store_txn *t, void *arg)
{
	struct import_job *job = arg;
	size_t i, j, nb;
	int rc, outcome;

	/* store_write() may run this again after growing the map. */
	memset(job->counts, 0, sizeof(job->counts));
	for (i = 0; i < job->set.n; i += nb) {
		nb = job->set.n - i < IMPORT_BLOCK ? job->set.n - i :
		    IMPORT_BLOCK;
		for (j = 0; j < nb; j++)
			job->blk[j] = job->set.recs[job->order[i + j]];
		for (j = 0; j < nb; j++) {
			const struct import_rec *r = &job->blk[j];

			if ((rc = import_one(t, job, r, &outcome)) != 0)
				return rc;
			job->counts[outcome]++;
			progress(job, i + j + 1, 0);
		}
	}
	progress(job, job->set.n, 1);
	if ((rc = lc_guard(t, job->zone, job->force, &job->eb)) != 0)
		return rc;
	job->serial = store_serial(t, job->zone) +
	    (store_zone_dirty(t, job->zone) ? 1 : 0);
	return 0;
}

/*
 * What one record may need in each environment within the transaction,
 * generously: a fresh address takes about 180 bytes of meta (entry,
 * history, index, journal) and 16 of serve; an address already there
 * has its pages copied, and the old copies are freed only at the commit.
 */
#define IMPORT_META_BYTES	512
#define IMPORT_SERVE_BYTES	64

static uint64_t
import_bytes(const struct import_set *set)
{
	uint64_t n = (uint64_t)set->n * IMPORT_META_BYTES;
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct import_extra *x = set->recs[i].x;
		if (x == NULL)
			continue;
		n += (x->transcript ? strlen(x->transcript) : 0) +
		    (x->tester ? strlen(x->tester) : 0) +
		    (x->helo ? strlen(x->helo) : 0);
	}
	return n;
}

static int
ends_with(const char *s, const char *sfx)
{
	size_t a = strlen(s), b = strlen(sfx);

	return a >= b && strcmp(s + a - b, sfx) == 0;
}

/*
 * Standard input without --format: read it whole (*buf, *len; the caller
 * frees *buf) and tell its format by its first line that is neither blank
 * nor a comment: YAML starts with "---", "%YAML", "- " or "[".
 */
static int
stdin_sniff(char **buf, size_t *len, const char **format)
{
	FILE *m;
	char chunk[8192];
	const char *p, *end;
	size_t n;

	*buf = NULL;
	*len = 0;
	if ((m = open_memstream(buf, len)) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (fwrite(chunk, 1, n, m) != n)
			break;
	if (ferror(stdin) || fclose(m) != 0)
		return -1;
	*format = "lines";
	for (p = *buf, end = *buf + *len; p < end; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		if (*p == '#') {
			while (p < end && *p != '\n')
				p++;
			continue;
		}
		if ((end - p >= 3 && strncmp(p, "---", 3) == 0) ||
		    (end - p >= 5 && strncmp(p, "%YAML", 5) == 0) || *p == '[' ||
		    (*p == '-' && (p + 1 == end || p[1] == ' ' ||
		    p[1] == '\n' || p[1] == '\r' || p[1] == '\t')))
			*format = "yaml";
		break;
	}
	return 0;
}

int
cmd_import(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "format", required_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("import");
	struct import_job job;
	const char *zone = NULL, *format = NULL, *path;
	char *inbuf = NULL;
	size_t inlen = 0;
	int stdin_in;
	FILE *f;
	struct json j;
	long zi;
	int ch, rc, i;

	memset(&job, 0, sizeof(job));
	job.ctx = ctx;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'F': format = optarg; break;
		case 'j': ctx->json = 1; break;
		case 'f': job.force = 1; break;
		default: return command_usage(cmd);
		}
	}
	if (optind != argc - 1)
		return command_usage(cmd);
	path = argv[optind];
	stdin_in = strcmp(path, "-") == 0;
	if (format == NULL && !stdin_in)
		format = ends_with(path, ".yaml") || ends_with(path, ".yml") ?
		    "yaml" : "lines";
	if (format != NULL && strcmp(format, "yaml") != 0 &&
	    strcmp(format, "lines") != 0)
		return ctx_fail(ctx, EXIT_USAGE, "usage", "unknown format "
		    "'%s' (want yaml or lines)", format);
	if ((zi = ctx_zone(ctx, zone)) < 0)
		return 1;
	job.zone = (size_t)zi;
	job.name = stdin_in ? "(stdin)" : path;
	if ((size_t)snprintf(job.actor, sizeof(job.actor), "import:%s (%s)",
	    job.name, ctx->actor) > ACTOR_MAX)
		return ctx_fail(ctx, 1, "invalid", "import: the history names "
		    "the file of each result, and '%s' makes that longer than "
		    "%d bytes; import it from a shorter path", job.name,
		    ACTOR_MAX);
	/* Standard input, in every format; without --format, sniffed. */
	if (format == NULL && stdin_sniff(&inbuf, &inlen, &format) != 0) {
		free(inbuf);
		return ctx_fail(ctx, 1, "io", "reading standard input: %s",
		    strerror(errno));
	}
	if (inbuf != NULL && inlen > 0) {
		if ((f = fmemopen(inbuf, inlen, "r")) == NULL) {
			free(inbuf);
			return ctx_fail(ctx, 1, "internal", "out of memory");
		}
	} else if (stdin_in)
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL) {
		ctx_fail_place(ctx, path, 0, 0);
		return ctx_fail(ctx, 1, errno == ENOENT ? "not_found" : "io",
		    "%s: %s", path, strerror(errno));
	}
	if (strcmp(format, "yaml") == 0)
		rc = import_parse_yaml(f, job.name, (int64_t)time(NULL),
		    &job.set, &job.eb);
	else
		rc = import_parse_lines(f, job.name, (int64_t)time(NULL),
		    &job.set, &job.eb);
	if (f != stdin)
		fclose(f);
	free(inbuf);
	if (rc) {
		ctx_fail_place_msg(ctx, job.name, job.eb.msg);
		(void)ctx_fail(ctx, 1, rc == DNSBL_EIO ? "io" : "parse", "%s",
		    job.eb.msg);
		if (!ctx->json)
			say(stderr, "%s: %s rejected; nothing was imported\n",
			    PROG, job.name);
		import_set_free(&job.set);
		return 1;
	}
	job.order = import_order(&job.set);
	job.blk = malloc(IMPORT_BLOCK * sizeof(*job.blk));
	if (job.order == NULL || job.blk == NULL) {
		free(job.order);
		free(job.blk);
		import_set_free(&job.set);
		return ctx_fail(ctx, 1, "internal", "out of memory");
	}
	/* Room for the whole file first: a map that fills halfway would
	 * run the transaction again from the start (store_reserve()). */
	if ((rc = store_reserve(ctx->st, import_bytes(&job.set),
	    (uint64_t)job.set.n * IMPORT_SERVE_BYTES)) != 0) {
		free(job.order);
		free(job.blk);
		import_set_free(&job.set);
		return ctx_fail(ctx, 1, cli_code_of(rc), "%s: cannot grow the "
		    "map: %s", ctx->cfg->database, dnsbl_strerror(rc));
	}
	if ((rc = store_write(ctx->st, import_txn, &job, &job.eb)) != 0) {
		ctx_fail_place_msg(ctx, job.name, job.eb.msg);
		(void)ctx_fail(ctx, 1, cli_code_of(rc), "%s", job.eb.msg);
		if (!ctx->json)
			say(stderr, "%s: %s rejected; nothing was imported\n",
			    PROG, job.name);
		free(job.order);
		free(job.blk);
		import_set_free(&job.set);
		return 1;
	}
	free(job.order);
	free(job.blk);
	if (ctx->json) {
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "file");
		json_str(&j, job.name);
		json_key(&j, "zone");
		json_str(&j, ctx->cfg->zones[job.zone].name.text);
		json_key(&j, "format"); json_str(&j, format);
		json_key(&j, "records");
		json_int(&j, (int64_t)job.set.n);
		for (i = 0; i < LC_OUTCOME_MAX; i++) {
			json_key(&j, lc_outcome_name(i));
			json_int(&j, (int64_t)job.counts[i]);
		}
		json_key(&j, "serial");
		json_int(&j, job.serial);
		json_obj_close(&j);
		json_end(&j);
	} else {
		say(stdout, "%s: %zu records: %lu listed, %lu confirmed, %lu "
		    "delisted, %lu recorded, %lu stale; %s serial %u\n",
		    job.name, job.set.n, job.counts[LC_LISTED],
		    job.counts[LC_CONFIRMED], job.counts[LC_DELISTED],
		    job.counts[LC_RECORDED], job.counts[LC_STALE],
		    ctx->cfg->zones[job.zone].name.text, job.serial);
	}
	import_set_free(&job.set);
	return 0;
}

/*
 * cmd_test.c -- loader test: run the relay battery (tester.c) against SMTP
 * servers and record each result as an import would: lc_result() in one
 * write transaction per host, actor "tester", the SMTP transcript as
 * evidence.  Also the engine of "loader retests --run".
 *
 * Hosts are tested by a bounded pool of threads (--parallel, default the
 * config's tester.parallel); the threads only talk SMTP, and the main
 * thread records and prints the results in input order as they complete,
 * so the store is only ever written from one thread.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "json.h"
#include "lifecycle.h"
#include "loader.h"
#include "retest.h"
#include "say.h"
#include "store.h"
#include "tester.h"

struct target {
	char text[80];			/* as given */
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct tester_result r;
	int done;
};

struct batch {
	struct loader_ctx *ctx;
	size_t zone;
	struct tester_opts o;
	char helo[256], local[256], domain[256], hostname[256];
	struct target *t;
	size_t n, cap;
	size_t next;			/* the next target a worker takes */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long failed;		/* results not recorded */
	unsigned long counts[5];	/* by result */
	struct json j;
};

/* The tester's reason is the entry's: it must fit whole (lifecycle.h). */
_Static_assert(sizeof(((struct tester_result *)0)->reason) <= ENTRY_TEXT_MAX,
    "a tester's reason must fit in an entry");

/* The record transaction of one result. */
struct rec_job {
	struct batch *b;
	struct target *tg;
	int outcome;
	struct errbuf eb;
};

static int
rec_txn(struct store_txn *t, void *arg)
{
	struct rec_job *job = arg;
	const struct tester_result *r = &job->tg->r;
	const struct cfg_zone *cz = &job->b->ctx->cfg->zones[job->b->zone];
	char extra[1400], forms[80], sent[80];
	int64_t when = (int64_t)time(NULL);
	struct lc_req rq;
	struct entry e;
	int listed_suspect;

	/*
	 * A test that just ended is newer than any stored result: two tests
	 * of one host within a second must not make the second stale.
	 */
	if (store_entry_get(t, job->b->zone, &r->addr, &e) == 0 &&
	    e.last_tested >= when && e.last_tested < when + 5)
		when = e.last_tested + 1;
	listed_suspect = r->result == RESULT_SUSPECTED &&
	    cz->list_suspected && strcmp(cz->list_suspected, "true") == 0;
	tester_forms_text(r->accepted, forms, sizeof(forms));
	tester_forms_text(r->arrived, sent, sizeof(sent));
	snprintf(extra, sizeof(extra), "tester=%s helo=%s port=%d%s%s%s%s%s%s"
	    "%s%s%s", job->b->hostname, job->b->o.helo, r->port,
	    r->server[0] ? " server=" : "", r->server,
	    forms[0] ? " forms=" : "", forms,
	    sent[0] ? " delivered=" : "", sent,
	    job->b->o.deliver ? " token=" : "",
	    job->b->o.deliver ? r->token : "",
	    listed_suspect ? " suspected=listed-by-policy" : "");
	memset(&rq, 0, sizeof(rq));
	rq.zone = job->b->zone;
	rq.prefix = r->addr;
	rq.actor = "tester";
	rq.reason = r->reason;
	rq.evidence = r->ts.buf;
	rq.extra = extra;
	rq.result = listed_suspect ? RESULT_OPEN : r->result;
	rq.tested_at = when;
	return lc_result(t, &rq, &job->outcome, &job->eb);
}

/* The forms set in f (TESTER_FORMS + 1 flags) as an array of numbers. */
static void
forms_json(struct json *j, const unsigned char *f)
{
	int i;

	json_arr_open(j);
	for (i = 1; i <= TESTER_FORMS; i++)
		if (f[i])
			json_int(j, i);
	json_arr_close(j);
}

/* --json: {"zone", "results": [...], counts} around a batch. */
static void
batch_json_open(struct batch *b)
{
	json_obj_open(&b->j);
	json_key(&b->j, "zone");
	json_str(&b->j, b->ctx->cfg->zones[b->zone].name.text);
	json_key(&b->j, "results");
	json_arr_open(&b->j);
}

static void
batch_json_close(struct batch *b)
{
	json_arr_close(&b->j);
	json_key(&b->j, "open"); json_int(&b->j, (int64_t)b->counts[RESULT_OPEN]);
	json_key(&b->j, "suspected");
	json_int(&b->j, (int64_t)b->counts[RESULT_SUSPECTED]);
	json_key(&b->j, "closed");
	json_int(&b->j, (int64_t)b->counts[RESULT_CLOSED]);
	json_key(&b->j, "unreachable");
	json_int(&b->j, (int64_t)b->counts[RESULT_UNREACHABLE]);
	json_key(&b->j, "not_recorded"); json_int(&b->j, (int64_t)b->failed);
	json_obj_close(&b->j);
	json_end(&b->j);
}

static void
report(struct batch *b, struct target *tg, int outcome, const char *err)
{
	const struct tester_result *r = &tg->r;

	if (!b->ctx->json) {
		if (err)
			say(stdout, "%s: %s, not recorded: %s\n", tg->text,
			    test_result_name(r->result), err);
		else
			say(stdout, "%s: %s (%s): %s\n", tg->text,
			    test_result_name(r->result),
			    lc_outcome_name(outcome), r->reason);
		fflush(stdout);
		return;
	}
	json_obj_open(&b->j);
	json_key(&b->j, "host"); json_str(&b->j, tg->text);
	{
		char a[PREFIX_STRLEN];
		prefix_format(&r->addr, a);
		json_key(&b->j, "address"); json_str(&b->j, a);
	}
	json_key(&b->j, "port"); json_int(&b->j, r->port);
	json_key(&b->j, "result");
	json_str(&b->j, test_result_name(r->result));
	json_key(&b->j, "reason"); json_str(&b->j, r->reason);
	json_key(&b->j, "server");
	json_str(&b->j, r->server[0] ? r->server : NULL);
	json_key(&b->j, "forms_accepted"); forms_json(&b->j, r->accepted);
	json_key(&b->j, "forms_delivered"); forms_json(&b->j, r->arrived);
	json_key(&b->j, "token");
	json_str(&b->j, b->o.deliver ? r->token : NULL);
	json_key(&b->j, "tested_at"); json_time(&b->j, r->tested_at);
	json_key(&b->j, "recorded"); json_bool(&b->j, err == NULL);
	json_key(&b->j, "outcome");
	json_str(&b->j, err ? NULL : lc_outcome_name(outcome));
	if (err) {
		json_key(&b->j, "error"); json_str(&b->j, err);
	}
	json_obj_close(&b->j);
}

static void *
worker(void *arg)
{
	struct batch *b = arg;
	struct target *tg;

	for (;;) {
		pthread_mutex_lock(&b->mu);
		tg = b->next < b->n ? &b->t[b->next++] : NULL;
		pthread_mutex_unlock(&b->mu);
		if (tg == NULL)
			return NULL;
		tester_run(&b->o, &tg->ss, tg->sslen, &tg->r);
		pthread_mutex_lock(&b->mu);
		tg->done = 1;
		pthread_cond_broadcast(&b->cv);
		pthread_mutex_unlock(&b->mu);
	}
}

/* Test every target with at most parallel at once; record each. */
static int
batch_run(struct batch *b, unsigned parallel)
{
	pthread_t *th;
	unsigned i, nth;
	struct rec_job job;
	size_t k;
	int rc;

	nth = parallel < b->n ? parallel : (unsigned)b->n;
	if (nth == 0)
		nth = 1;
	if ((th = calloc(nth, sizeof(*th))) == NULL)
		return DNSBL_ENOMEM;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	for (i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, worker, b) != 0)
			break;
	nth = i;
	if (nth == 0)
		worker(b);	/* no threads: test here, one by one */
	if (b->ctx->json)
		batch_json_open(b);
	for (k = 0; k < b->n; k++) {
		struct target *tg = &b->t[k];

		pthread_mutex_lock(&b->mu);
		while (!tg->done)
			pthread_cond_wait(&b->cv, &b->mu);
		pthread_mutex_unlock(&b->mu);
		memset(&job, 0, sizeof(job));
		job.b = b;
		job.tg = tg;
		rc = store_write(b->ctx->st, rec_txn, &job, &job.eb);
		if (rc) {
			say(stderr, PROG ": %s: %s\n", tg->text,
			    job.eb.msg[0] ? job.eb.msg : dnsbl_strerror(rc));
			b->failed++;
		}
		b->counts[tg->r.result < 5 ? tg->r.result : 0]++;
		report(b, tg, job.outcome, rc ? (job.eb.msg[0] ? job.eb.msg :
		    dnsbl_strerror(rc)) : NULL);
		tester_result_free(&tg->r);
	}
	if (b->ctx->json)
		batch_json_close(b);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	free(th);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	return 0;
}

static int
add_target(struct batch *b, const char *text, int port, const char *where)
{
	struct errbuf eb = { "" };
	struct target *tg;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		if ((tg = realloc(b->t, cap * sizeof(*tg))) == NULL)
			return DNSBL_ENOMEM;
		b->t = tg;
		b->cap = cap;
	}
	tg = &b->t[b->n];
	memset(tg, 0, sizeof(*tg));
	if (tester_target(text, port, &tg->ss, &tg->sslen, &eb) != 0)
		return ctx_fail(b->ctx, DNSBL_EPARSE, "parse", "%s%s", where,
		    eb.msg);
	snprintf(tg->text, sizeof(tg->text), "%s", text);
	b->n++;
	return 0;
}

/* Hosts from a file, one a line; # starts a comment. */
static int
read_targets(struct batch *b, const char *path, int port)
{
	char line[512], where[600], *p, *e;
	unsigned long ln = 0;
	FILE *f;
	int rc = 0;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL)
		return ctx_fail(b->ctx, DNSBL_EIO, errno == ENOENT ?
		    "not_found" : "io", "%s: %s", path, strerror(errno));
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		ln++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (e = p + strlen(p); e > p && (e[-1] == '\n' ||
		    e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		if (*p == '\0')
			continue;
		snprintf(where, sizeof(where), "%s:%lu: ", path, ln);
		rc = add_target(b, p, port, where);
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

/* The tester's settings from the config and the options. */
static int
batch_init(struct batch *b, struct loader_ctx *ctx, size_t zone, int deliver,
    long wait_s, long timeout_s)
{
	const struct cfg_tester *ct = &ctx->cfg->tester;
	const char *at;

	memset(b, 0, sizeof(*b));
	b->ctx = ctx;
	b->zone = zone;
	if (gethostname(b->hostname, sizeof(b->hostname) - 1) != 0)
		snprintf(b->hostname, sizeof(b->hostname), "localhost");
	snprintf(b->helo, sizeof(b->helo), "%s", ct->helo ? ct->helo :
	    b->hostname);
	if (ct->dropbox) {
		at = strrchr(ct->dropbox, '@');
		if (at == NULL || at == ct->dropbox || at[1] == '\0') {
			say(stderr, PROG ": tester.dropbox '%s' is not "
			    "local@domain\n", ct->dropbox);
			return 1;
		}
		snprintf(b->local, sizeof(b->local), "%.*s",
		    (int)(at - ct->dropbox), ct->dropbox);
		snprintf(b->domain, sizeof(b->domain), "%s", at + 1);
	} else {
		if (deliver) {
			say(stderr, PROG ": --deliver needs tester.dropbox "
			    "in %s\n", ctx->config_path);
			return 1;
		}
		snprintf(b->local, sizeof(b->local), "relaytest");
		snprintf(b->domain, sizeof(b->domain), "%s",
		    ct->domain.text);
	}
	b->o.helo = b->helo;
	b->o.domain = ct->domain.text;
	b->o.rcpt_local = b->local;
	b->o.rcpt_domain = b->domain;
	b->o.spool = ct->spool;
	b->o.deliver = deliver;
	b->o.timeout_ms = (int)(timeout_s >= 0 ? timeout_s : ct->timeout) *
	    1000;
	b->o.wait_ms = (int)(wait_s >= 0 ? wait_s : ct->wait) * 1000;
	if (ctx->json)
		json_init(&b->j, stdout);
	return 0;
}

static int
batch_finish(struct batch *b)
{
	if (!b->ctx->json && b->n > 1)
		say(stdout, "%zu hosts: %lu open, %lu suspected, %lu closed, %lu "
		    "unreachable%s\n", b->n, b->counts[RESULT_OPEN],
		    b->counts[RESULT_SUSPECTED], b->counts[RESULT_CLOSED],
		    b->counts[RESULT_UNREACHABLE], b->failed ?
		    "; some not recorded" : "");
	free(b->t);
	return b->failed ? 1 : 0;
}

static int
number(const char *s, long lo, long hi, long *out)
{
	char *e;

	*out = strtol(s, &e, 10);
	if (*s == '\0' || *e != '\0' || *out < lo || *out > hi) {
		say(stderr, PROG ": '%s': want a number %ld..%ld\n", s,
		    lo, hi);
		return -1;
	}
	return 0;
}

int
cmd_test(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "from", required_argument, NULL, 'F' },
		{ "parallel", required_argument, NULL, 'P' },
		{ "deliver", no_argument, NULL, 'd' },
		{ "wait", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("test");
	const char *zone = NULL, *from = NULL;
	long parallel = -1, wait_s = -1, timeout_s = -1, zi;
	struct batch b;
	int ch, i, deliver = 0, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'F': from = optarg; break;
		case 'd': deliver = 1; break;
		case 'j': ctx->json = 1; break;
		case 'P':
			if (number(optarg, 1, 1024, &parallel))
				return EXIT_USAGE;
			break;
		case 'w':
			if (number(optarg, 0, 86400, &wait_s))
				return EXIT_USAGE;
			break;
		case 't':
			if (number(optarg, 1, 3600, &timeout_s))
				return EXIT_USAGE;
			break;
		default: return command_usage(cmd);
		}
	}
	if (optind == argc && from == NULL)
		return command_usage(cmd);
	if ((zi = ctx_zone(ctx, zone)) < 0)
		return 1;
	if (batch_init(&b, ctx, (size_t)zi, deliver, wait_s, timeout_s))
		return 1;
	for (i = optind; i < argc; i++)
		if (add_target(&b, argv[i], 25, "") != 0) {
			free(b.t);
			return 1;
		}
	if (from && read_targets(&b, from, 25) != 0) {
		free(b.t);
		return 1;
	}
	if (b.n == 0) {
		say(stderr, PROG ": no hosts to test\n");
		free(b.t);
		return 1;
	}
	if ((rc = batch_run(&b, parallel > 0 ? (unsigned)parallel :
	    ctx->cfg->tester.parallel)) != 0) {
		say(stderr, PROG ": %s\n", dnsbl_strerror(rc));
		free(b.t);
		return 1;
	}
	return batch_finish(&b);
}

/* ---------------------------------------------------------------------
 * retests --run
 */

struct rr_job {
	struct batch *b;
	int port;
	unsigned long skipped;
	int rc;
};

static int
rr_each(const struct retest *r, void *arg)
{
	struct rr_job *job = arg;
	char a[PREFIX_STRLEN], text[PREFIX_STRLEN + 10];

	prefix_format(&r->prefix, a);
	if (r->prefix.len != addr_bits(r->prefix.family)) {
		say(stderr, PROG ": retest #%llu: %s is a network, not a "
		    "host; test its hosts one by one\n",
		    (unsigned long long)r->id, a);
		job->skipped++;
		return 0;
	}
	snprintf(text, sizeof(text), r->prefix.family == ADDR_V4 ? "%s:%d" :
	    "[%s]:%d", a, job->port);
	if ((job->rc = add_target(job->b, text, job->port, "")) != 0)
		return job->rc;
	return 0;
}

static int
rr_txn(struct store_txn *t, void *arg)
{
	struct rr_job *job = arg;

	return retest_walk(t, job->b->zone, 1, rr_each, job);
}

int
retests_run(struct loader_ctx *ctx, size_t zone, int deliver)
{
	struct errbuf eb = { "" };
	struct rr_job job;
	struct batch b;
	int rc;

	if (batch_init(&b, ctx, zone, deliver, -1, -1))
		return 1;
	memset(&job, 0, sizeof(job));
	job.b = &b;
	job.port = (int)ctx->cfg->tester.port;
	if ((rc = store_read(ctx->st, rr_txn, &job, &eb)) != 0) {
		say(stderr, PROG ": %s\n", eb.msg[0] ? eb.msg :
		    dnsbl_strerror(rc));
		free(b.t);
		return 1;
	}
	if (b.n == 0) {
		if (ctx->json) {
			batch_json_open(&b);
			batch_json_close(&b);
		} else
			say(stdout, "no open retest requests to test\n");
		free(b.t);
		return job.skipped ? 1 : 0;
	}
	if ((rc = batch_run(&b, ctx->cfg->tester.parallel)) != 0) {
		say(stderr, PROG ": %s\n", dnsbl_strerror(rc));
		free(b.t);
		return 1;
	}
	return batch_finish(&b) || job.skipped ? 1 : 0;
}

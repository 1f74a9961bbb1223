/*
 * cmd_web.c -- "dnsbl-loader web": start the lookup and retest-request
 * page (web.h) and run it until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "json.h"
#include "loader.h"
#include "log.h"
#include "privdrop.h"
#include "say.h"
#include "store.h"
#include "web.h"

/* As root: become the config's user ("root" stays).  0 or 1. */
static int
web_become_user(struct loader_ctx *ctx)
{
	struct errbuf eb = { "" };
	struct priv_user u;

	if (geteuid() != 0)
		return 0;
	if (priv_lookup(ctx->cfg->user, &u, &eb) != 0 ||
	    priv_drop(&u, &eb) != 0) {
		log_warnx("web: %s (user: in %s)", eb.msg, ctx->config_path);
		return 1;
	}
	return 0;
}

static uint64_t
total(const struct web_ctx *w)
{
	uint64_t n = 0;
	int r, s;

	for (r = 0; r < WR_MAX; r++)
		for (s = 0; s < WS_MAX; s++)
			n += __atomic_load_n(&w->requests[r][s],
			    __ATOMIC_RELAXED);
	return n;
}

int
cmd_web(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct web_ctx *wp;		/* big (counters): not on the stack */
	struct errbuf eb = { "" };
	FILE *held = stderr, *logf = NULL;
	sigset_t set;
	struct json j;
	int ch, sig, rc = 1, lvl, fd;
	size_t i;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j')
			return command_usage(command_find("web"));
		ctx->json = 1;
	}
	if (optind != argc)
		return command_usage(command_find("web"));
	/*
	 * The log goes to the real standard error, also under --json (which
	 * holds stderr), through a stream of its own: stdio's lock makes its
	 * lines whole from every thread, where say.h's filter (main.c's
	 * stderr) keeps state that is not for threads.  What is logged from
	 * the requests is made printable first (web.c).
	 */
	if ((fd = dup(STDERR_FILENO)) >= 0 &&
	    (logf = fdopen(fd, "w")) == NULL)
		close(fd);
	if (logf != NULL) {
		setvbuf(logf, NULL, _IOLBF, 0);
		stderr = logf;
	} else if (ctx->cap.active)
		stderr = ctx->cap.err;
	if ((lvl = log_level_parse(ctx->cfg->log_level)) >= 0)
		log_set_level(lvl);
	if ((wp = calloc(1, sizeof(*wp))) == NULL) {
		stderr = held;
		if (logf != NULL)
			fclose(logf);
		return ctx_fail(ctx, 1, "internal", "out of memory");
	}
	wp->cfg = ctx->cfg;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Blocked before any thread starts: sigwait() below takes them. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (web_bind(wp, &eb) != 0 || webguard_init(&wp->guard, &ctx->cfg->web,
	    &eb) != 0) {
		log_warnx("%s", eb.msg);
		goto cleanup;
	}
	if (web_become_user(ctx) != 0)
		goto cleanup;
	if (store_open(ctx->cfg, 0, &wp->st, &eb) != 0) {
		log_warnx("web: %s", eb.msg);
		goto cleanup;
	}
	if (web_start(wp, &eb) != 0) {
		log_warnx("%s", eb.msg);
		goto cleanup;
	}
	for (i = 0; i < ctx->cfg->web.nlisten; i++)
		log_notice("web: listening on %s (%s), as uid %u",
		    ctx->cfg->web.listen[i].text, ctx->cfg->web.public_url,
		    (unsigned)getuid());
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_notice("web: SIGHUP: nothing reloaded; a change of "
			    "the config takes a restart");
			continue;
		}
		break;
	}
	log_notice("web: stopping (signal %d) after %llu requests", sig,
	    (unsigned long long)total(wp));
	rc = 0;
cleanup:
	web_stop(wp);
	store_close(wp->st);
	webguard_fini(&wp->guard);
	stderr = held;
	if (logf != NULL)
		fclose(logf);
	if (rc == 0 && ctx->json) {
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "stopped"); json_bool(&j, 1);
		json_key(&j, "requests"); json_int(&j, (int64_t)total(wp));
		json_key(&j, "retests_accepted");
		json_int(&j, (int64_t)wp->retests_accepted);
		json_obj_close(&j);
		json_end(&j);
	}
	free(wp);
	if (rc != 0)
		return ctx_fail(ctx, 1, "failed", "web: not started (see the "
		    "log above)");
	return 0;
}

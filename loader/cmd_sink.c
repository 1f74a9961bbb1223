/*
 * cmd_sink.c -- loader sink: the drop box of the relay tester's delivery
 * proof (sink.h), in the foreground until SIGTERM or SIGINT.
 *
 * Started as root (to bind port 25), it binds, makes the spool if it is
 * missing (owned by the user it becomes), then becomes the config's `user`
 * for good, "dnsbl" when the config names none; only an explicit
 * `user: root` keeps root.  The signals are taken through a signalfd
 * polled with the sessions, so no handler and no global flag are needed.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "json.h"
#include "loader.h"
#include "privdrop.h"
#include "say.h"
#include "sink.h"
#include "spool.h"

#define SINK_USER_DEFAULT "dnsbl"

/* A name for the banner: a host name of 1 to 255 bytes. */
static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 256 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n;
}

/*
 * As root: become the configured user (bound already, the spool made).
 * Not root: stay who we are.  0, or 1 after a message.
 */
static int
become_user(struct loader_ctx *ctx, const char *spool)
{
	const char *name = ctx->cfg->user ? ctx->cfg->user : SINK_USER_DEFAULT;
	struct errbuf eb = { "" };
	struct priv_user u;

	if (geteuid() != 0) {
		if (spool_prepare(spool, NULL, &eb) != 0 ||
		    spool_usable(spool, "(the current one)", &eb) != 0) {
			say(stderr, PROG ": sink: %s\n", eb.msg);
			return 1;
		}
		return 0;
	}
	if (priv_lookup(name, &u, &eb) != 0) {
		say(stderr, PROG ": sink: %s: %s; create it, or name the user "
		    "to run as in %s (user: NAME; user: root to stay root)\n",
		    ctx->cfg->user ? "user" : "the default user", eb.msg,
		    ctx->config_path);
		return 1;
	}
	if (spool_prepare(spool, &u, &eb) != 0 || priv_drop(&u, &eb) != 0 ||
	    spool_usable(spool, u.name, &eb) != 0) {
		say(stderr, PROG ": sink: %s\n", eb.msg);
		return 1;
	}
	return 0;
}

/* The drop box's domain, from tester.dropbox; NULL after a message. */
static const char *
dropbox_domain(struct loader_ctx *ctx)
{
	const char *d = ctx->cfg->tester.dropbox, *at;

	if (d == NULL || (at = strrchr(d, '@')) == NULL || at == d ||
	    at[1] == '\0') {
		say(stderr, PROG ": sink: tester.dropbox in %s must name the "
		    "drop box (local@domain): the sink takes mail for its "
		    "domain only\n", ctx->config_path);
		return NULL;
	}
	return at + 1;
}

int
cmd_sink(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "spool", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("sink");
	const struct cfg_tester *ct = &ctx->cfg->tester;
	struct cfg_endpoint ep;
	struct errbuf eb = { "" };
	struct sink_opts o;
	const char *listen_on = NULL;
	char host[256];
	sigset_t set;
	FILE *logf;
	struct json j;
	long v;
	char *end;
	int ch, sfd = -1, lfd = -1, rc = 1;

	memset(&o, 0, sizeof(o));
	o.spool = ct->spool;
	o.spool_max_bytes = ct->spool_max_size;
	o.spool_max_age = ct->spool_max_age;
	o.timeout_ms = (int)ct->timeout * 1000;
	o.max_conn = 64;
	o.max_msg = 10 * 1024 * 1024;
	/*
	 * The log, a line per token: stdout, or under --json (which holds
	 * stdout and stderr for the one object printed at the end) the real
	 * stderr, as the sink runs until it is stopped.
	 */
	o.log = ctx->cap.active ? ctx->cap.err : stdout;
	logf = ctx->cap.active ? ctx->cap.err : stderr;
	if (gethostname(host, sizeof(host) - 1) != 0 || !name_ok(host))
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	o.name = host;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen_on = optarg; break;
		case 'j': ctx->json = 1; break;
		case 's': o.spool = optarg; break;
		case 'n':
			if (!name_ok(optarg)) {
				say(stderr, PROG ": bad --name '%s' (want a "
				    "host name, 1 to 255 bytes)\n", optarg);
				return EXIT_USAGE;
			}
			o.name = optarg;
			break;
		case 't':
		case 'm':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > (ch == 't' ? 3600 : 10000)) {
				say(stderr, PROG ": bad --%s '%s'\n",
				    ch == 't' ? "timeout" : "max-connections",
				    optarg);
				return EXIT_USAGE;
			}
			if (ch == 't')
				o.timeout_ms = (int)v * 1000;
			else
				o.max_conn = (int)v;
			break;
		default: return command_usage(cmd);
		}
	}
	if (optind != argc || listen_on == NULL)
		return command_usage(cmd);
	if (endpoint_parse(listen_on, 25, &ep, &eb) != 0) {
		say(stderr, PROG ": %s\n", eb.msg);
		return EXIT_USAGE;
	}
	if ((o.domain = dropbox_domain(ctx)) == NULL)
		return 1;
	if (o.spool_max_age < ct->wait)
		say(logf, PROG ": sink: warning: tester.spool_max_age (%us) "
		    "is shorter than tester.wait (%us): a token may go before "
		    "the tester looks\n", o.spool_max_age, ct->wait);
	memcpy(&o.ss, &ep.ss, sizeof(o.ss));
	o.sslen = ep.sslen;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		say(stderr, PROG ": signalfd: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((lfd = sink_listen(&o, &eb)) < 0) {
		say(stderr, PROG ": sink: %s: %s\n", ep.text, eb.msg);
		goto done;
	}
	if (become_user(ctx, o.spool) != 0)
		goto done;
	say(logf, "sink: listening on %s as uid %u, mail for %s, spool %s\n",
	    ep.text, (unsigned)getuid(), o.domain, o.spool);
	fflush(logf);
	if ((rc = sink_serve(&o, lfd, sfd, &eb)) != 0) {
		rc = ctx_fail(ctx, 1, cli_code_of(rc), "sink: %s", eb.msg);
		goto done;
	}
	say(logf, "sink: stopped\n");
	if (ctx->json) {
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "listen"); json_str(&j, ep.text);
		json_key(&j, "domain"); json_str(&j, o.domain);
		json_key(&j, "spool"); json_str(&j, o.spool);
		json_key(&j, "name"); json_str(&j, o.name);
		json_key(&j, "uid"); json_int(&j, (int64_t)getuid());
		json_key(&j, "stopped"); json_bool(&j, 1);
		json_obj_close(&j);
		json_end(&j);
	}
	rc = 0;
done:
	if (lfd >= 0)
		close(lfd);
	close(sfd);
	return rc;
}

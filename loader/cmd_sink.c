/*
 * cmd_sink.c -- loader sink: the drop box of the relay tester's delivery
 * proof (sink.h), in the foreground until SIGTERM or SIGINT.
 *
 * The signals are taken through a signalfd polled with the sessions, so
 * no handler and no global flag are needed.
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
#include "loader.h"
#include "say.h"
#include "sink.h"

int
cmd_sink(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "spool", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("sink");
	struct cfg_endpoint ep;
	struct errbuf eb = { "" };
	struct sink_opts o;
	const char *listen_on = NULL;
	char host[256];
	sigset_t set;
	long v;
	char *end;
	int ch, sfd, rc;

	memset(&o, 0, sizeof(o));
	o.spool = ctx->cfg->tester.spool;
	o.timeout_ms = (int)ctx->cfg->tester.timeout * 1000;
	o.max_conn = 64;
	o.max_msg = 10 * 1024 * 1024;
	o.log = stdout;
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	o.name = host;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen_on = optarg; break;
		case 's': o.spool = optarg; break;
		case 'n': o.name = optarg; break;
		case 't':
		case 'm':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > (ch == 't' ? 3600 : 10000)) {
				say(stderr, "loader: bad --%s '%s'\n",
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
		say(stderr, "loader: %s\n", eb.msg);
		return EXIT_USAGE;
	}
	memcpy(&o.ss, &ep.ss, sizeof(o.ss));
	o.sslen = ep.sslen;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		say(stderr, "%s: %s\n", "loader: signalfd", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	say(stderr, "sink: listening on %s, spool %s\n", ep.text,
	    o.spool);
	rc = sink_serve(&o, sfd, &eb);
	close(sfd);
	if (rc) {
		say(stderr, "loader: sink: %s\n", eb.msg);
		return 1;
	}
	say(stderr, "sink: stopped\n");
	return 0;
}

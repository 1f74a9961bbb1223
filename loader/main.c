/*
 * main.c -- the loader: dnsbl's admin command line.
 *
 *   dnsbl-loader [-c FILE] [--json] COMMAND [ARGS...]
 *
 * Commands are dispatched through the table below; each has --help and a
 * section in docs/dnsbl-loader.8.  -c and --json may also follow the command
 * (cli.c); under --json a run prints one JSON object, an error too.  Every message goes through say() (say.h),
 * which shows the control bytes of the input escaped.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "json.h"
#include "loader.h"
#include "say.h"
#include "store.h"
#include "version.h"

/* The state of the filtered stderr stream (say.h), in use until exit. */
static struct say_guard stderr_guard;

static const struct command commands[] = {
	{ "list", cmd_list, NEED_STORE,
	  "list ADDRESS|CIDR ... [--zone Z] [--reason TEXT] "
	  "[--code 127.0.0.N|NAME] [--txt TEXT] [--force]",
	  "List an address or CIDR, or change the code or text of a listed "
	  "one.\nThe most specific listing wins inside a CIDR.  --code sets "
	  "the A answer, or\nnames one of the zone's codes (which may bring "
	  "its own TXT); default: the\nzone's a.  --txt sets the TXT ($ is "
	  "the queried address; default: the code's\nor the zone's txt).  --reason is kept "
	  "with the entry and in the history with\nwho did it.  A reason or "
	  "text over 255 bytes is refused.\nA listing wider than /8 (IPv4) or "
	  "/16 (IPv6) needs --force." },
	{ "delist", cmd_delist, NEED_STORE,
	  "delist ADDRESS|CIDR ... [--zone Z] [--reason TEXT] [--force]",
	  "Delist an address or CIDR that is listed itself.  The entry and its "
	  "history\nare kept; the address stops being answered at once.  "
	  "Delisting more than\nmax_drop of the zone at once needs --force." },
	{ "import", cmd_import, NEED_STORE,
	  "import [--zone Z] [--format yaml|lines] [--force] FILE|-",
	  "Import relay-test results.  yaml: a sequence of records with ip, "
	  "result\n(open, closed, unreachable) and tested_at (RFC 3339), and "
	  "optionally tester,\nhelo and transcript.  lines: ADDRESS [RESULT "
	  "[TIME]] a line; a bare address\nmeans open, now; # starts a "
	  "comment.  open lists or reconfirms, closed delists,\nunreachable is "
	  "only recorded.  A result not newer than the stored one is\nignored, "
	  "so a file imported twice changes nothing.  A file with a bad record\n"
	  "is rejected whole (FILE:LINE: reason) and nothing is written.  An "
	  "open result\nwider than /8 (IPv4) or /16 (IPv6) needs --force, and so does a file "
	  "that\nwould delist more than max_drop of the zone.  The format "
	  "defaults to yaml\nfor *.yaml/*.yml and lines otherwise." },
	{ "show", cmd_show, NEED_READ,
	  "show ADDRESS|CIDR [--zone Z]",
	  "Tell whether an address is listed, and by which entry; its code, "
	  "text,\nreason, dates and full history.  --json prints one object "
	  "with a boolean\n\"listed\" and a \"history\" array." },
	{ "export", cmd_export, NEED_READ,
	  "export [--zone Z] [--format zone|rbldnsd|lines] [--family 4|6] "
	  "[--cut-txt] [-o FILE]",
	  "Write the zone: zone is an RFC 1035 master file (CIDRs become "
	  "wildcards\nat octet or nibble boundaries), rbldnsd an ip4set (or "
	  "with --family 6 an\nip6trie) data file, lines one address or CIDR "
	  "a line.\n--json needs -o FILE: the data goes to FILE and a summary "
	  "object to stdout." },
	{ "stats", cmd_stats, NEED_READ,
	  "stats",
	  "Entries per zone (IPv4 and IPv6 addresses, CIDRs, exclusions), the "
	  "serial,\nand the database size." },
	{ "exclude", cmd_exclude, NEED_STORE,
	  "exclude ADDRESS|CIDR ... --reason TEXT [--zone Z] [--force]",
	  "Mark addresses that are never listed, such as the list's own "
	  "networks or a\nmail provider verified closed.  An exclusion wins "
	  "over any listing, at any\nprefix length; listings inside it are "
	  "kept but not answered.  Test results\nfor excluded addresses are "
	  "recorded but list nothing.  An exclusion that would\nhide more "
	  "than max_drop of the zone needs --force." },
	{ "unexclude", cmd_unexclude, NEED_STORE,
	  "unexclude ADDRESS|CIDR ... [--reason TEXT] [--zone Z]",
	  "Undo the exclusion of exactly this address or CIDR.  It is not "
	  "listed again\nby this; listings inside it are answered again." },
	{ "retest-request", cmd_retest_request, NEED_STORE,
	  "retest-request ADDRESS --contact EMAIL [--note TEXT] [--zone Z]",
	  "Queue a retest of a listed address, for its operator at EMAIL.  "
	  "Refused, with\nthe reason, when the address already has an open "
	  "request, was tested less\nthan retest_min_interval ago, is held by "
	  "the relist penalty, or when EMAIL\nmade retest_per_contact requests "
	  "today (UTC).  The request stays open until\na test result for the "
	  "address arrives (import or tester): closed delists it\nat once, "
	  "open keeps it listed, and the request records the outcome." },
	{ "retests", cmd_retests, NEED_READ,
	  "retests [--open|--all] [--zone Z] | retests --run "
	  "[--deliver] [--zone Z]",
	  "Show the retest queue, oldest first, with each request's age "
	  "(--open, the\ndefault) or every request with its outcome (--all).  "
	  "--run tests the address\nof every open request with the relay "
	  "tester (see test) on tester.port and\nrecords the results: closed "
	  "delists and resolves the request, open keeps\nthe listing and "
	  "resolves it, suspected and unreachable leave it open." },
	{ "expire", cmd_expire, NEED_STORE,
	  "expire [--dry-run] [--force] [--zone Z]",
	  "Delist every listing not confirmed (nor listed) within the zone's "
	  "expire_after,\nunless the relist penalty holds it.  --dry-run shows "
	  "what would expire and\nchanges nothing.  Run it daily from a timer "
	  "(see dnsbl-loader(8)).  An expiry that\nwould remove more than max_drop "
	  "of the zone needs --force." },
	{ "history", cmd_history, NEED_READ,
	  "history [--since TIME] [--zone Z]",
	  "List every recorded change, oldest first: listings, "
	  "reconfirmations,\ndelistings, exclusions, retest requests and "
	  "their outcomes, expiry; each with\nits time, actor, reason and "
	  "evidence.  --since takes an RFC 3339 time, a date (2026-11-23,\n"
	  "midnight UTC) or an age before now (7d, 12h, 30m, 1d12h)." },
	{ "test", cmd_test, NEED_STORE,
	  "test HOST[:PORT] ... | --from FILE [--parallel N] [--deliver] "
	  "[--wait SEC] [--timeout SEC] [--zone Z]",
	  "Test SMTP servers for open relaying and record each result as an "
	  "import\nwould, with the SMTP transcript as evidence (actor "
	  "tester).  HOST is an IP\naddress ([V6]:PORT with a port); the port "
	  "defaults to 25.  The battery is\nnmap's sixteen smtp-open-relay "
	  "forms plus an unqualified and a localhost\nsender, each MAIL, RCPT, "
	  "RSET after EHLO (or HELO).  A 5xx or 421 banner, a\nrefused HELO, "
	  "a 530 or every form refused: closed.  No connection, no\nbanner "
	  "within --timeout (tester.timeout): unreachable.  RCPT accepted for "
	  "an\noutside recipient: suspected, recorded but not listed unless "
	  "the zone has\nlist_suspected.  --deliver also sends a message with "
	  "a unique token to\ntester.dropbox and waits up to --wait seconds "
	  "(tester.wait) for the sink to\nreceive it: then the host is open "
	  "and listed.  --from reads hosts from\nFILE (- is stdin), one a line; "
	  "--parallel bounds how many are tested at\nonce (tester.parallel)." },
	{ "sink", cmd_sink, NEED_CONFIG,
	  "sink --listen ADDRESS@PORT [--spool DIR] [--name NAME] "
	  "[--timeout SEC] [--max-connections N]",
	  "A minimal SMTP receiver for the tester's drop box: accepts mail only "
	  "for\nthe domain of tester.dropbox (550 to any other recipient; it "
	  "never relays),\nkeeps nothing but the tokens found in it, each as "
	  "a file in the spool\n(tester.spool) where test --deliver looks for "
	  "it.  Token files older than\ntester.spool_max_age are removed; while "
	  "the spool holds tester.spool_max_size\nnew mail gets 452.  Started "
	  "as root, it binds, then runs as the config's\nuser (default dnsbl; "
	  "user: root to stay root).  Runs in the foreground until\nSIGTERM or "
	  "SIGINT; sessions idle for --timeout (tester.timeout) are closed.\n"
	  "Its log goes to stdout, or with --json to stderr (the object is "
	  "printed\nwhen it stops)." },
	{ "apply-config", cmd_apply_config, NEED_STORE,
	  "apply-config [--zone Z] [--dry-run]",
	  "Make a change of the config reach the secondaries.  A zone's "
	  "records depend\non its soa, ns, glue, ttl, a, txt and codes, which "
	  "the IXFR journal does not\nrecord.  For each zone whose config "
	  "changed since it was last applied, the\nserial goes up by one and "
	  "secondaries at an older serial get a full\ntransfer.  dnsbld "
	  "reloads the config by itself within a second and sends\nNOTIFY; "
	  "until then it refuses transfers of the zone.  --dry-run only tells\n"
	  "which zones differ." },
	{ "backup", cmd_backup, NEED_STORE,
	  "backup DIR",
	  "Copy the whole store into the new (or empty) directory DIR: both "
	  "databases,\ncompacted, as one commit (writers wait while it copies; "
	  "dnsbld goes on\nanswering), and DIR/MANIFEST with each zone's "
	  "serial and counts, the\ngeneration and the files' SHA-256.  See "
	  "restore, and dnsbl-loader(8), BACKUPS." },
	{ "restore", cmd_restore, NEED_CONFIG,
	  "restore DIR [--force]",
	  "Put the backup in DIR back as the database.  Refused when its "
	  "manifest is\nmissing or damaged, its files do not match it, its "
	  "zones are not the\nconfig's, or the live store holds history "
	  "newer than the backup (it would\nbe lost: --force).  Every zone's "
	  "serial goes past the live one and the\nbackup's, so secondaries "
	  "take the whole zone; the live database is kept\nas "
	  "DATABASE.replaced-TIME; dnsbld reopens the store by itself." },
	{ "server", cmd_server, NEED_CONFIG,
	  "server status|stats|reload [--socket PATH]",
	  "Ask the running dnsbld through its control socket (control: in "
	  "the config,\nor --socket): status (uptime, workers, store size, "
	  "the last reload, each\nzone's serial), stats (every counter, per "
	  "zone and in total) or reload\n(as SIGHUP; waits for the result).  "
	  "--json prints dnsbld's JSON object as\nit came.  Exits 1 when "
	  "dnsbld cannot be reached or answers an error." },
	{ "web", cmd_web, NEED_CONFIG,
	  "web",
	  "Serve the public lookup page that every listing's TXT points to "
	  "(web: in\nthe config): GET /lookup?ip=ADDRESS tells, for each zone, "
	  "whether the\naddress is listed, why, the evidence of the last test, "
	  "and takes a retest\nrequest (POST /retest, as retest-request does, "
	  "with its limits); the same\nas JSON under /api/v1/.  Started as "
	  "root, it binds, then runs as the\nconfig's user.  Runs in the "
	  "foreground until SIGTERM or SIGINT; a config\nchange takes a "
	  "restart.  Logs a line per request to stderr.  See\ndocs/web.md." },
	{ "check-config", cmd_check_config, 0,
	  "check-config",
	  "Read and check the config file; report the first error as "
	  "FILE:LINE:COLUMN\nand exit 1, or say it is valid and exit 0." },
	{ NULL, NULL, 0, NULL, NULL }
};

const struct command *
command_find(const char *name)
{
	const struct command *c;

	for (c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Print the command's synopsis and help to f. */
static void
command_help_text(const struct command *c, FILE *f)
{
	const char *h;
	size_t n;

	say(f, "usage: %s [-c FILE] [--json] %s\n", PROG, c->synopsis);
	say(f, "\n");
	for (h = c->help; *h; h += n + (h[n] == '\n')) {
		n = strcspn(h, "\n");
		say(f, "%.*s\n", (int)n, h);
	}
}

/* Under --json: {"command", "synopsis", "help"}. */
static void
command_help_json(const struct command *c)
{
	char syn[1024];
	struct json j;

	snprintf(syn, sizeof(syn), "%s [-c FILE] [--json] %s", PROG,
	    c->synopsis);
	json_init(&j, stdout);
	json_obj_open(&j);
	json_key(&j, "command"); json_str(&j, c->name);
	json_key(&j, "synopsis"); json_str(&j, syn);
	json_key(&j, "help"); json_str(&j, c->help);
	json_obj_close(&j);
	json_end(&j);
}

int
command_wants_help(const struct command *c, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

int
command_usage(const struct command *c)
{
	say(stderr, "usage: %s [-c FILE] [--json] %s\n", PROG, c->synopsis);
	return EXIT_USAGE;
}

long
ctx_zone(struct loader_ctx *ctx, const char *name)
{
	const struct cfg_zone *z;

	if (name == NULL)
		return 0;
	if ((z = config_zone(ctx->cfg, name)) == NULL)
		return ctx_fail(ctx, -1, "not_found", "no zone '%s' in %s",
		    name, ctx->config_path);
	return (long)config_zone_index(ctx->cfg, z);
}

int
ctx_prefixes(struct loader_ctx *ctx, int n, char **args,
    struct prefix **out)
{
	struct errbuf eb = { "" };
	int i;

	if ((*out = calloc((size_t)n, sizeof(**out))) == NULL)
		return ctx_fail(ctx, 1, "internal", "out of memory");
	for (i = 0; i < n; i++)
		if (prefix_parse(args[i], &(*out)[i], &eb) != 0)
			return ctx_fail(ctx, EXIT_USAGE, "parse", "%s", eb.msg);
	return 0;
}

void
ctx_print_results(struct loader_ctx *ctx, size_t zone, uint32_t serial,
    const struct prefix *p, const char *const *word, int n,
    const char *unchanged)
{
	const char *zname = ctx->cfg->zones[zone].name.text;
	char ptxt[PREFIX_STRLEN];
	struct json j;
	int i;

	if (ctx->json) {
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "zone"); json_str(&j, zname);
		json_key(&j, "serial"); json_int(&j, serial);
		json_key(&j, "results");
		json_arr_open(&j);
	}
	for (i = 0; i < n; i++) {
		prefix_format(&p[i], ptxt);
		if (ctx->json) {
			json_obj_open(&j);
			json_key(&j, "prefix"); json_str(&j, ptxt);
			json_key(&j, "outcome");
			json_str(&j, word[i] ? word[i] : "unchanged");
			json_obj_close(&j);
		} else if (word[i] == NULL)
			say(stdout, "%s: %s\n", ptxt, unchanged);
		else
			say(stdout, "%s: %s in %s (serial %u)\n", ptxt, word[i], zname,
			    serial);
	}
	if (ctx->json) {
		json_arr_close(&j);
		json_obj_close(&j);
		json_end(&j);
	}
}

static void
usage(FILE *f)
{
	const struct command *c;

	say(f, "usage: %s [-c FILE] [--json] COMMAND [ARGS]\n", PROG);
	say(f, "\n");
	say(f, "commands:\n");
	for (c = commands; c->name; c++)
		say(f, "  %s\n", c->synopsis);
	say(f, "\n");
	say(f, "-c FILE and --json may also follow the command.  %s COMMAND "
	    "--help tells\n", PROG);
	say(f, "more; the config defaults to %s.\n", CONFIG_DEFAULT_PATH);
}

static void
set_actor(struct loader_ctx *ctx)
{
	const char *who = getenv("SUDO_USER");
	struct passwd *pw;

	if (who == NULL || *who == '\0') {
		pw = getpwuid(getuid());
		who = pw ? pw->pw_name : NULL;
	}
	/* A name the actor cannot hold whole is not cut: the uid instead. */
	if (who && strlen(who) + sizeof("admin:") <= sizeof(ctx->actor))
		snprintf(ctx->actor, sizeof(ctx->actor), "admin:%s", who);
	else
		snprintf(ctx->actor, sizeof(ctx->actor), "admin:uid%u",
		    (unsigned)getuid());
}

/* Run cmd with its argv (argv[0] its name): an exit status. */
static int
dispatch(struct loader_ctx *ctx, const struct command *cmd, int argc,
    char **argv)
{
	struct errbuf eb = { "" };
	int rc;

	optind = 0;	/* re-initialise getopt for the command's own argv */
	if (command_wants_help(cmd, argc, argv)) {
		if (ctx->json)
			command_help_json(cmd);
		else
			command_help_text(cmd, stdout);
		return 0;
	}
	set_actor(ctx);
	ctx->progress = !ctx->json && isatty(STDERR_FILENO);
	if ((cmd->needs & NEED_CONFIG) &&
	    config_load(ctx->config_path, &ctx->cfg, &eb) != 0) {
		ctx_fail_place_msg(ctx, ctx->config_path, eb.msg);
		return ctx_fail(ctx, 1, "config", "%s", eb.msg);
	}
	ctx->readonly = (cmd->needs & NEED_READ) == NEED_READ;
	if ((cmd->needs & NEED_STORE) == NEED_STORE &&
	    store_open(ctx->cfg, ctx->readonly ? STORE_RDONLY : 0, &ctx->st,
	    &eb) != 0) {
		rc = ctx_fail(ctx, 1, "db", "%s", eb.msg);
		config_free(ctx->cfg);
		ctx->cfg = NULL;
		return rc;
	}
	if (ctx->st && eb.msg[0] != '\0')	/* a repair, done */
		say(stderr, "%s: warning: %s\n", PROG, eb.msg);
	rc = cmd->run(ctx, argc, argv);
	store_close(ctx->st);
	config_free(ctx->cfg);
	ctx->st = NULL;
	ctx->cfg = NULL;
	if (fflush(stdout) == EOF || ferror(stdout))
		return ctx_fail(ctx, 1, "io", "writing output: %s",
		    strerror(errno));
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct loader_ctx ctx;
	const struct command *cmd = NULL;
	int ch, rc;

	/* Whatever reaches stderr shows control bytes escaped (say.h). */
	(void)say_guard_stderr(&stderr_guard);
	memset(&ctx, 0, sizeof(ctx));
	ctx.config_path = CONFIG_DEFAULT_PATH;
	/* "+": stop at the command name; the command parses the rest. */
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			ctx.config_path = optarg;
			break;
		case 'j':
			ctx.json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			say(stdout, "dnsbl-loader %s\n", DNSBL_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	/* -c and --json after the command name too (cli.c). */
	rc = argc > 0 ? cli_global_opts(&ctx, &argc, argv) : 0;
	if (ctx.json)
		(void)cli_capture_begin(&ctx);
	if (rc != 0)
		rc = ctx_fail(&ctx, EXIT_USAGE, "usage", "-c needs a FILE");
	else if (argc < 1) {
		usage(stderr);
		rc = EXIT_USAGE;
	} else if ((cmd = command_find(argv[0])) == NULL) {
		rc = ctx_fail(&ctx, EXIT_USAGE, "usage",
		    "unknown command '%s' (%s --help lists them)", argv[0],
		    PROG);
		if (!ctx.json)
			usage(stderr);
	} else
		rc = dispatch(&ctx, cmd, argc, argv);
	return cli_capture_end(&ctx, rc);
}

int
ctx_store_writable(struct loader_ctx *ctx)
{
	struct errbuf eb = { "" };

	if (!ctx->readonly)
		return 0;
	store_close(ctx->st);
	ctx->st = NULL;
	if (store_open(ctx->cfg, 0, &ctx->st, &eb) != 0)
		return ctx_fail(ctx, 1, "db", "%s", eb.msg);
	if (eb.msg[0] != '\0')
		say(stderr, "%s: warning: %s\n", PROG, eb.msg);
	ctx->readonly = 0;
	return 0;
}

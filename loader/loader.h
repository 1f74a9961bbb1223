/*
 * loader.h -- what the loader's commands share: the context and the
 * command table.
 *
 * main.c loads the config and opens the store (when the command needs
 * them) into a struct loader_ctx it owns for the whole run; each command
 * borrows it.  A command returns an exit status: 0 success, 1 the operation
 * failed or was refused (with a message on stderr), 2 a usage error.
 */
#ifndef DNSBL_LOADER_H
#define DNSBL_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct dnsbl_config;
struct store;

#define EXIT_USAGE 2

/* The installed name, in every usage line and message. */
#define PROG "dnsbl-loader"

/*
 * The error of a run, recorded by ctx_fail() (cli.c): under --json it
 * becomes the one object printed, {"error": {...}} (docs/loader.8, JSON
 * OUTPUT).  code is one of a fixed vocabulary: usage, config, parse,
 * invalid, not_found, exists, refused, rate_limited, io, db, internal,
 * failed.
 */
struct cli_error {
	const char *code;		/* NULL: none recorded */
	char message[512];
	int64_t retry_at;		/* rate_limited: when to try again */
	char file[256];			/* parse, config: where */
	long line, column;
};

/* Under --json, stdout and stderr held in memory until the end (cli.c). */
struct cli_capture {
	int active;
	FILE *out, *err;		/* the real streams */
	char *obuf, *ebuf;
	size_t olen, elen;
};

struct loader_ctx {
	const char *config_path;
	struct dnsbl_config *cfg;	/* NULL for commands that need none */
	struct store *st;		/* NULL unless the command needs it */
	int json;			/* --json, before or after the command */
	int readonly;			/* st was opened read-only */
	char actor[80];			/* "admin:NAME" */
	int progress;			/* stderr is a terminal */
	struct cli_error err;
	struct cli_capture cap;
};

/*
 * Record the failure of the run (the first one recorded is kept) and,
 * without --json, print "dnsbl-loader: MESSAGE" to stderr.  code is from
 * the vocabulary above (cli_code_of() maps a DNSBL_E* code to it).
 * Returns status, so that a command can return ctx_fail(...).
 */
int ctx_fail(struct loader_ctx *ctx, int status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *cli_code_of(int dnsbl_err);
/* Add to the recorded failure: when to retry (Unix seconds)... */
void ctx_fail_retry(struct loader_ctx *ctx, int64_t retry_at);
/* ...or where in a file (column 0: none). */
void ctx_fail_place(struct loader_ctx *ctx, const char *file, long line,
    long column);
/* The place from a message "FILE:LINE[:COLUMN]: reason", if it has one. */
void ctx_fail_place_msg(struct loader_ctx *ctx, const char *file,
    const char *msg);

/*
 * Take -c FILE (-cFILE, --config FILE, --config=FILE) and --json out of a
 * command's argv (up to "--"), wherever they stand: 0, or -1 for a -c
 * without its value.
 */
int cli_global_opts(struct loader_ctx *ctx, int *argc, char **argv);
/* Under --json: hold stdout and stderr (0, or -1: they stay as they are). */
int cli_capture_begin(struct loader_ctx *ctx);
/* Print the run's one JSON object; returns the exit status to use. */
int cli_capture_end(struct loader_ctx *ctx, int status);

#define NEED_CONFIG 0x1
#define NEED_STORE 0x3
/*
 * The store read-only: no writer lock, no repair, no change to any file,
 * so the command works for a user who may only read the database (read
 * access to data.mdb, and write access to lock.mdb, LMDB's reader table).
 */
#define NEED_READ 0x7

struct command {
	const char *name;
	int (*run)(struct loader_ctx *ctx, int argc, char **argv);
	unsigned needs;
	const char *synopsis;		/* "list ADDRESS|CIDR [--zone Z] ..." */
	const char *help;		/* a paragraph or two */
};

/* The table, in main.c, ended by a NULL name. */
const struct command *command_find(const char *name);

/*
 * Common option handling for commands: print the command's help to stdout
 * when --help is among argv and return 1 (the caller exits 0).
 */
int command_wants_help(const struct command *c, int argc, char **argv);
/* Print "usage: dnsbl-loader [-c FILE] SYNOPSIS" to stderr; return 2. */
int command_usage(const struct command *c);

/*
 * Make ctx->st writable (a read-only command that is asked to write, such
 * as retests --run).  0, or an exit status after a message.
 */
int ctx_store_writable(struct loader_ctx *ctx);

/*
 * Resolve --zone (NULL: the first zone) to an index; on error print a
 * message and return -1.
 */
long ctx_zone(struct loader_ctx *ctx, const char *name);

/*
 * Parse n addresses or CIDRs into a new array *out (the caller frees it,
 * also on error).  Returns 0, or an exit status after a message.
 */
struct prefix;
int ctx_prefixes(struct loader_ctx *ctx, int n, char **args,
    struct prefix **out);

/*
 * Print what a command did to each of n prefixes: "P: WORD in ZONE (serial
 * S)", or "P: UNCHANGED" where word[i] is NULL; with --json one object
 * {zone, serial, results: [{prefix, outcome}]} ("unchanged" for NULL).
 */
void ctx_print_results(struct loader_ctx *ctx, size_t zone, uint32_t serial,
    const struct prefix *p, const char *const *word, int n,
    const char *unchanged);

int cmd_list(struct loader_ctx *, int, char **);
int cmd_delist(struct loader_ctx *, int, char **);
int cmd_import(struct loader_ctx *, int, char **);
int cmd_show(struct loader_ctx *, int, char **);
int cmd_stats(struct loader_ctx *, int, char **);
int cmd_export(struct loader_ctx *, int, char **);
int cmd_check_config(struct loader_ctx *, int, char **);
int cmd_exclude(struct loader_ctx *, int, char **);
int cmd_unexclude(struct loader_ctx *, int, char **);
int cmd_retest_request(struct loader_ctx *, int, char **);
int cmd_retests(struct loader_ctx *, int, char **);
int cmd_expire(struct loader_ctx *, int, char **);
int cmd_history(struct loader_ctx *, int, char **);
int cmd_test(struct loader_ctx *, int, char **);
int cmd_sink(struct loader_ctx *, int, char **);
int cmd_apply_config(struct loader_ctx *, int, char **);
int cmd_backup(struct loader_ctx *, int, char **);
int cmd_restore(struct loader_ctx *, int, char **);
int cmd_server(struct loader_ctx *, int, char **);
int cmd_web(struct loader_ctx *, int, char **);

/*
 * retests --run: test every open retest request of zone with the relay
 * tester (cmd_test.c) and record the results; an exit status.
 */
int retests_run(struct loader_ctx *ctx, size_t zone, int deliver);

#endif

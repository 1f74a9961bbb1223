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

struct loader_ctx {
	const char *config_path;
	struct dnsbl_config *cfg;	/* NULL for commands that need none */
	struct store *st;		/* NULL unless the command needs it */
	int json;			/* --json given before the command */
	int readonly;			/* st was opened read-only */
	char actor[80];			/* "admin:NAME" */
	int progress;			/* stderr is a terminal */
};

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
/* Print "usage: loader [-c FILE] SYNOPSIS" to stderr and return 2. */
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
int ctx_prefixes(int n, char **args, struct prefix **out);

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

/*
 * retests --run: test every open retest request of zone with the relay
 * tester (cmd_test.c) and record the results; an exit status.
 */
int retests_run(struct loader_ctx *ctx, size_t zone, int deliver);

#endif

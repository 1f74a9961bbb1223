/*
 * main.c -- dnsbld: serve the DNSBL zones of the config from the LMDB store.
 *
 *   dnsbld [-dtv] [-c FILE] | -h | --help | --version
 *
 * Start-up order: read the config; with -d open and lock the pidfile
 * (before binding: a second dnsbld is refused before it touches the
 * sockets, which SO_REUSEPORT would let it share); bind every listen
 * endpoint (UDP, one socket per worker, and TCP) while still privileged;
 * with -d fork (detach.h); drop to `user`; open the store; render the
 * zones; start the threads; with -d, only now tell the waiting parent to
 * exit 0.  So every error before serving reaches the caller's stderr and
 * exit status, also with -d.  The fork comes before the store is opened
 * and the threads start, as LMDB and threads both require.  The main
 * thread then sleeps in sigsuspend(2) with SIGTERM, SIGINT and SIGHUP
 * blocked everywhere else, so the handlers only set the flags below and
 * all the work happens here.  systemd hears of each step through
 * sd_notify(3) (a no-op without NOTIFY_SOCKET).
 *
 * SIGHUP: the config is read again and its zones rendered while the
 * threads go on answering.  If it is good, the threads are stopped (each
 * stops at once: the workers and the TCP thread between two batches, the
 * transfers between two writes, see xfr.h), the store closed and reopened
 * with the new config, and the threads restarted; queries that arrive in
 * that pause, a few milliseconds (logged), wait in the socket buffers, and
 * open TCP connections stay open (tcp.c keeps them in the server).  The sockets, the
 * number of workers, the user and the pidfile stay as they were: changes
 * to `listen`, `workers`, `user` or `pidfile` need a restart (a warning
 * says so).  If the new config or store cannot be loaded, the old ones stay.
 * log_level takes effect at once.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "config.h"
#include "detach.h"
#include "err.h"
#include "gen.h"
#include "log.h"
#include "pidfile.h"
#include "privdrop.h"
#include "server.h"
#include "store.h"
#include "version.h"
#include "zonectx.h"

/* The command line. */
struct options {
	const char *path;	/* the config */
	int daemonize;		/* -d */
	int check;		/* -t */
	int verbose;		/* -v, counted */
};

static volatile sig_atomic_t got_quit;
static volatile sig_atomic_t got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_quit = 1;
}

/*
 * With -d, the pidfile, removed at any exit of the daemon (fatal() too)
 * from the moment it is locked; the parent that detach_fork() leaves
 * exits with _exit() and does not remove it.
 */
static struct pidfile pidf = { .path = NULL, .fd = -1 };

static void
remove_pidfile(void)
{
	pidfile_remove(&pidf);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dnsbld [-dtv] [-c FILE]\n"
	    "       dnsbld -h | --help | --version\n"
	    "\n"
	    "Serve the DNSBL zones of the configuration from the LMDB store.\n"
	    "\n"
	    "  -c FILE    read the configuration from FILE (default %s)\n"
	    "  -d         detach once serving: log to syslog, write and lock\n"
	    "             the pidfile; every start-up error is still said\n"
	    "             here, with exit status 1\n"
	    "  -t         check the configuration and open the store\n"
	    "             read-only, say \"configuration ok\" or the error, and\n"
	    "             exit 0 or 1 without serving\n"
	    "  -v         log more: each -v one level beyond log_level\n"
	    "             (info, then debug)\n"
	    "  -h, --help print this help and exit\n"
	    "  --version  print the version and exit\n"
	    "\n"
	    "See dnsbld(8) and dnsbl.yaml(5).\n", CONFIG_DEFAULT_PATH);
}

static void
parse_options(int argc, char *argv[], struct options *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->path = CONFIG_DEFAULT_PATH;
	while ((ch = getopt_long(argc, argv, "c:dhtv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->path = optarg;
			break;
		case 'd':
			o->daemonize = 1;
			break;
		case 't':
			o->check = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("dnsbld %s\n", DNSBL_VERSION);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "dnsbld: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		exit(2);
	}
}

/* The config's log_level, raised by one step for each -v. */
static void
apply_log_level(const struct dnsbl_config *cfg, int verbose)
{
	int pri = log_level_parse(cfg->log_level);

	if (pri < 0)
		pri = LOG_INFO;
	log_set_level(pri + verbose);
	log_debug("log level %s", log_level_name(log_get_level()));
}

/*
 * Give the database to the user dnsbld runs as: the directory, serve/ and
 * meta/ and the files in them, where root owns them (the loader run as root
 * made them).  Anything owned by another user is left alone.
 */
static void
hand_database(const char *db, const struct priv_user *u)
{
	static const char *const sub[] = { "", "/serve", "/meta",
	    "/serve/data.mdb", "/serve/lock.mdb", "/meta/data.mdb",
	    "/meta/lock.mdb" };
	char path[4096];
	struct stat sb;
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if (snprintf(path, sizeof(path), "%s%s", db, sub[i]) >=
		    (int)sizeof(path))
			fatalx("database path too long");
		if (lstat(path, &sb) == -1 || sb.st_uid != 0 ||
		    !(S_ISDIR(sb.st_mode) || S_ISREG(sb.st_mode)))
			continue;
		if (chown(path, u->uid, u->gid) == -1)
			fatal("chown %s", path);
		n++;
	}
	if (n > 0)
		log_info("%s: %d file%s handed to user %s", db, n,
		    n == 1 ? "" : "s", u->name);
}

/*
 * Started as root: become `user` (default "dnsbl") after binding, unless
 * the config says "user: root".  Started as another user: nothing to drop.
 */
static void
drop_privileges(const struct dnsbl_config *cfg)
{
	const char *user = cfg->user != NULL ? cfg->user : "dnsbl";
	struct errbuf eb = { "" };
	struct priv_user u;

	if (geteuid() != 0)
		return;
	if (strcmp(user, "root") == 0) {
		log_warnx("running as root, as the config asks (user: root)");
		return;
	}
	if (priv_lookup(user, &u, &eb) != 0)
		fatalx("%s: user %s does not exist: create it (useradd "
		    "--system %s), or name another, or set \"user: root\" to "
		    "run as root", cfg->path ? cfg->path : "config", user,
		    user);
	hand_database(cfg->database, &u);
	if (priv_drop(&u, &eb) != 0)
		fatalx("%s", eb.msg);
}

/*
 * Open the store read-only; if that fails (no environment yet, or a zone
 * the loader has not created), open it read-write, which creates what is
 * missing.
 */
static int
open_store(const struct dnsbl_config *cfg, struct store **st,
    struct errbuf *eb)
{
	if (store_open(cfg, STORE_RDONLY, st, eb) == 0)
		return 0;
	return store_open(cfg, 0, st, eb);
}

static int
same_endpoints(const struct dnsbl_config *a, const struct dnsbl_config *b)
{
	size_t i;

	if (a->nlisten != b->nlisten)
		return 0;
	for (i = 0; i < a->nlisten; i++)
		if (a->listen[i].sslen != b->listen[i].sslen ||
		    memcmp(&a->listen[i].ss, &b->listen[i].ss,
		    a->listen[i].sslen) != 0)
			return 0;
	return 1;
}

static int
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/*
 * SIGHUP, first half, while the threads still answer: read and check the
 * new config and render its zones.  Returns 0 with *ncfg and *nzs owned by
 * the caller, or -1 (logged; the running config stays).
 */
static int
reload_prepare(const char *path, const struct dnsbl_config *cfg,
    struct dnsbl_config **ncfg, struct zoneset **nzs)
{
	struct errbuf eb;

	memset(&eb, 0, sizeof(eb));
	*ncfg = NULL;
	*nzs = NULL;
	if (config_load(path, ncfg, &eb) != 0) {
		log_warnx("reload: %s; keeping the running config", eb.msg);
		return -1;
	}
	if (!same_endpoints(cfg, *ncfg))
		log_warnx("reload: listen changed; restart dnsbld to apply");
	if (cfg->workers != (*ncfg)->workers)
		log_warnx("reload: workers changed; restart dnsbld to apply");
	if (str_differs(cfg->user, (*ncfg)->user) ||
	    str_differs(cfg->pidfile, (*ncfg)->pidfile))
		log_warnx("reload: user or pidfile changed; restart dnsbld "
		    "to apply");
	if (zoneset_build(*ncfg, nzs, &eb) != 0) {
		log_warnx("reload: %s; keeping the running config", eb.msg);
		config_free(*ncfg);
		*ncfg = NULL;
		return -1;
	}
	return 0;
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * SIGHUP, second half, with every thread answering: a store for the new
 * config over the same files (store_rebind()), or the new database when
 * the config names another or a restore put one in place.  Then a new
 * generation, which the workers move to between batches.  Returns 0 when
 * done (ncfg and nzs taken), 1 when the store must be closed before the
 * new one can open (ncfg and nzs untouched), -1 when the reload failed
 * (logged; ncfg and nzs freed; the running config stays).
 */
static int
reload_swap(struct server *sv, unsigned nworkers, struct dnsbl_config *ncfg,
    struct zoneset *nzs)
{
	struct store *nst = NULL;
	struct gen *ng, *old;
	struct errbuf eb;
	double paused;
	int rc;

	memset(&eb, 0, sizeof(eb));
	if (store_same_files(sv->g->store, ncfg))
		rc = store_rebind(sv->g->store, ncfg, &nst, &eb);
	else
		rc = open_store(ncfg, &nst, &eb);
	if (rc != 0 && store_same_files(sv->g->store, ncfg)) {
		log_info("reload: %s; reopening the store", eb.msg);
		return 1;
	}
	if (rc != 0) {
		log_warnx("reload: store: %s; keeping the running config",
		    eb.msg);
		goto fail;
	}
	if (gen_new(sv->g, ncfg, nst, nzs, nworkers + 1, &ng) != 0) {
		log_warnx("reload: out of memory; keeping the running config");
		store_close(nst);
		goto fail;
	}
	old = server_swap(sv, ng, &paused);
	gen_free(old);
	log_notice("reloaded %s: %zu zone%s; UDP answered throughout, TCP "
	    "and transfers paused for %.1f ms", ncfg->path, ncfg->nzones,
	    ncfg->nzones == 1 ? "" : "s", paused);
	return 0;
fail:
	zoneset_free(nzs);
	config_free(ncfg);
	return -1;
}

/*
 * SIGHUP when the store cannot be rebound (a zone the read-only database
 * does not hold yet, or no room for more zones): stop every thread, close
 * the store, open it for the new config and start again.  UDP answering
 * pauses for as long as that takes (logged).  ncfg and nzs are taken.
 */
static void
reload_stopped(struct server *sv, unsigned nworkers,
    struct dnsbl_config *ncfg, struct zoneset *nzs)
{
	struct gen *old = sv->g, *ng;
	struct store *nst = NULL;
	struct errbuf eb;
	double t0 = mono_ms();

	memset(&eb, 0, sizeof(eb));
	server_stop(sv);
	gen_store_close(old);
	if (open_store(ncfg, &nst, &eb) != 0 ||
	    gen_new(old, ncfg, nst, nzs, nworkers + 1, &ng) != 0) {
		log_warnx("reload: store: %s; keeping the running config",
		    eb.msg[0] ? eb.msg : "out of memory");
		store_close(nst);
		zoneset_free(nzs);
		config_free(ncfg);
		if (open_store(old->cfg, &nst, &eb) != 0)
			fatalx("reload: cannot reopen the store: %s", eb.msg);
		gen_store_reopen(old, nst);
	} else {
		sv->g = ng;
		gen_free(old);
	}
	if (server_start(sv) != 0)
		fatalx("cannot restart the threads");
	log_notice("reloaded %s: %zu zone%s; answering paused for %.1f ms "
	    "while the store reopened", sv->g->cfg->path, sv->g->cfg->nzones,
	    sv->g->cfg->nzones == 1 ? "" : "s", mono_ms() - t0);
}

/*
 * -t: read the config, render its zones and open the store read-only, as
 * dnsbld would serve them.  Exits 0 ("configuration ok") or 1.  A database
 * not made yet, or without a zone yet, is no error: dnsbld makes them when
 * it starts (so a service's first start, with `dnsbld -t` before it,
 * works); the message says so.
 */
static void __attribute__((noreturn))
check_only(const char *path)
{
	struct dnsbl_config *cfg = NULL;
	struct zoneset *zs = NULL;
	struct store *st = NULL;
	struct errbuf eb;
	int rc;

	memset(&eb, 0, sizeof(eb));
	if (config_load(path, &cfg, &eb) != 0)
		fatalx("%s", eb.msg);
	if (cfg->nlisten == 0)
		fatalx("%s: no listen address", path);
	if (zoneset_build(cfg, &zs, &eb) != 0)
		fatalx("%s", eb.msg);
	if ((rc = store_open(cfg, STORE_RDONLY, &st, &eb)) != 0 &&
	    rc != DNSBL_ENOENT)
		fatalx("%s: store: %s", path, eb.msg);
	store_close(st);
	zoneset_free(zs);
	printf("%s: configuration ok (%zu zone%s, store %s%s)\n", path,
	    cfg->nzones, cfg->nzones == 1 ? "" : "s", cfg->database,
	    rc == DNSBL_ENOENT ? ": not made yet; dnsbld makes it when it "
	    "starts" : "");
	config_free(cfg);
	exit(0);
}

/*
 * sd_notify(3) to systemd: nothing happens without NOTIFY_SOCKET, and a
 * failure to tell is no reason to stop serving.
 */
static void
notify_ready(const struct dnsbl_config *cfg, unsigned nworkers, int detached)
{
	char pid[40] = "";

	/* Detached, the pid systemd knows is the parent's: name ours. */
	if (detached)
		snprintf(pid, sizeof(pid), "\nMAINPID=%lu",
		    (unsigned long)getpid());
	(void)sd_notifyf(0, "READY=1\nSTATUS=serving %zu zone%s on %zu "
	    "address%s with %u worker%s%s", cfg->nzones,
	    cfg->nzones == 1 ? "" : "s", cfg->nlisten,
	    cfg->nlisten == 1 ? "" : "es", nworkers, nworkers == 1 ? "" : "s",
	    pid);
}

static void
notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	(void)sd_notifyf(0, "RELOADING=1\nSTATUS=reloading\n"
	    "MONOTONIC_USEC=%llu", (unsigned long long)ts.tv_sec * 1000000 +
	    (unsigned long long)ts.tv_nsec / 1000);
}

static void
notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1\nSTATUS=exiting");
}

/* The workers the config asks for (0: one per online core). */
static unsigned
worker_count(const struct dnsbl_config *cfg)
{
	long ncpu;

	if (cfg->workers != 0)
		return cfg->workers;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	return ncpu > 0 ? (unsigned)ncpu : 1;
}

/*
 * -d: lock the pidfile (removed at exit from now on).  Before binding, so
 * that a second dnsbld with the same pidfile is refused at once.
 */
static void
lock_pidfile(const struct dnsbl_config *cfg)
{
	struct errbuf eb;

	memset(&eb, 0, sizeof(eb));
	if (cfg->pidfile == NULL)
		return;
	if (pidfile_open(&pidf, cfg->pidfile, &eb) != 0)
		fatalx("%s", eb.msg);
	if (atexit(remove_pidfile) != 0)
		fatalx("atexit failed");
	log_debug("pidfile %s locked", cfg->pidfile);
}

/*
 * Only the main thread takes the signals, inside sigsuspend(); *waitmask
 * is what it waits with.
 */
static void
setup_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGHUP);
}

/* SIGHUP: the new config if it loads, the running one if not. */
static void
reload(struct server *sv, unsigned nworkers, const char *path, int verbose)
{
	struct dnsbl_config *ncfg;
	struct zoneset *nzs;
	int rc;

	notify_reloading();
	log_notice("reloading %s", path);
	if ((rc = reload_prepare(path, sv->g->cfg, &ncfg, &nzs)) == 0 &&
	    (rc = reload_swap(sv, nworkers, ncfg, nzs)) == 1) {
		reload_stopped(sv, nworkers, ncfg, nzs);
		rc = 0;
	}
	stats_reloaded(&sv->stats, rc == 0);	/* stats.h */
	apply_log_level(sv->g->cfg, verbose);
	notify_ready(sv->g->cfg, nworkers, 0);
}

int
main(int argc, char *argv[])
{
	struct options o;
	struct dnsbl_config *cfg = NULL;
	struct zoneset *zs = NULL;
	struct store *st = NULL;
	struct gen *g;
	struct server sv;
	sigset_t waitmask;
	struct errbuf eb;
	char *abspath = NULL;
	const char *path;
	unsigned nworkers;
	int readyfd = -1;

	parse_options(argc, argv, &o);
	if (o.check)
		check_only(o.path);
	/* -d changes to /: keep the path good for SIGHUP. */
	path = o.path;
	if ((abspath = realpath(path, NULL)) != NULL)
		path = abspath;

	memset(&eb, 0, sizeof(eb));
	if (config_load(path, &cfg, &eb) != 0)
		fatalx("%s", eb.msg);
	apply_log_level(cfg, o.verbose);
	if (cfg->nlisten == 0)
		fatalx("%s: no listen address", path);
	nworkers = worker_count(cfg);
	if (o.daemonize)
		lock_pidfile(cfg);
	if (server_bind(&sv, cfg, nworkers, &eb) != 0)
		fatalx("%s", eb.msg);
	log_debug("bound %zu address%s, %u UDP socket%s each", cfg->nlisten,
	    cfg->nlisten == 1 ? "" : "es", nworkers, nworkers == 1 ? "" : "s");

	if (o.daemonize) {
		if (detach_fork(&readyfd, &eb) != 0)
			fatalx("%s", eb.msg);
		/* The child: syslog, and errors on the caller's stderr too. */
		(void)log_to_syslog("dnsbld", 1);
		if (pidfile_write(&pidf, &eb) != 0)
			fatalx("%s", eb.msg);
	}

	setup_signals(&waitmask);
	drop_privileges(cfg);
	if (open_store(cfg, &st, &eb) != 0)
		fatalx("store: %s", eb.msg);
	log_debug("store %s open", cfg->database);
	if (zoneset_build(cfg, &zs, &eb) != 0)
		fatalx("%s", eb.msg);
	if (gen_new(NULL, cfg, st, zs, nworkers + 1, &g) != 0)
		fatalx("out of memory");
	sv.g = g;
	if (server_start(&sv) != 0)
		fatalx("cannot start the threads");
	if (o.daemonize) {
		log_echo_off();
		if (detach_done(readyfd, &eb) != 0)
			fatalx("%s", eb.msg);
	}
	log_notice("serving %zu zone%s on %zu address%s with %u worker%s "
	    "(version %s)", cfg->nzones, cfg->nzones == 1 ? "" : "s",
	    cfg->nlisten, cfg->nlisten == 1 ? "" : "es", nworkers,
	    nworkers == 1 ? "" : "s", DNSBL_VERSION);
	notify_ready(cfg, nworkers, o.daemonize);

	while (!got_quit) {
		sigsuspend(&waitmask);
		if (got_hup && !got_quit) {
			got_hup = 0;
			reload(&sv, nworkers, path, o.verbose);
		}
	}

	notify_stopping();
	log_notice("exiting");
	server_stop(&sv);
	server_close(&sv);
	gen_free(sv.g);
	pidfile_remove(&pidf);
	free(abspath);
	return 0;
}

/*
 * main.c -- dnsbld: serve the DNSBL zones of the config from the LMDB store.
 *
 *   dnsbld [-d] [-c FILE]
 *
 * Start-up order: read the config; bind every listen endpoint (UDP, one
 * socket per worker, and TCP) while still privileged; with -d detach, log
 * to syslog and write the pidfile; drop to `user`; open the store; render
 * the zones; start the threads.  The main thread then sleeps in
 * sigsuspend(2) with SIGTERM, SIGINT and SIGHUP blocked everywhere else, so
 * the handlers only set the flags below and all the work happens here.
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
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "gen.h"
#include "log.h"
#include "privdrop.h"
#include "server.h"
#include "store.h"
#include "zonectx.h"

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

static void
usage(void)
{
	fprintf(stderr, "usage: dnsbld [-d] [-c config]\n");
	exit(2);
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

static void
write_pidfile(const char *path)
{
	FILE *f;

	if (path == NULL)
		return;
	if ((f = fopen(path, "w")) == NULL)
		fatal("pidfile %s", path);
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0)
		fatal("pidfile %s", path);
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
	log_info("reloaded %s: %zu zone%s; UDP answered throughout, TCP "
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
	store_close(old->store);
	old->store = NULL;
	if (open_store(ncfg, &nst, &eb) != 0 ||
	    gen_new(old, ncfg, nst, nzs, nworkers + 1, &ng) != 0) {
		log_warnx("reload: store: %s; keeping the running config",
		    eb.msg[0] ? eb.msg : "out of memory");
		store_close(nst);
		zoneset_free(nzs);
		config_free(ncfg);
		if (open_store(old->cfg, &old->store, &eb) != 0)
			fatalx("reload: cannot reopen the store: %s", eb.msg);
	} else {
		sv->g = ng;
		gen_free(old);
	}
	if (server_start(sv) != 0)
		fatalx("cannot restart the threads");
	log_info("reloaded %s: %zu zone%s; answering paused for %.1f ms "
	    "while the store reopened", sv->g->cfg->path, sv->g->cfg->nzones,
	    sv->g->cfg->nzones == 1 ? "" : "s", mono_ms() - t0);
}

int
main(int argc, char *argv[])
{
	const char *path = CONFIG_DEFAULT_PATH;
	struct dnsbl_config *cfg = NULL, *ncfg;
	struct zoneset *zs = NULL, *nzs;
	struct store *st = NULL;
	struct gen *g;
	struct server sv;
	struct sigaction sa;
	sigset_t block, waitmask;
	struct errbuf eb;
	char *pidfile = NULL, *abspath = NULL;
	unsigned nworkers;
	long ncpu;
	int ch, daemonize = 0, rc;

	while ((ch = getopt(argc, argv, "c:dh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			daemonize = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	/* -d changes to /: keep the path good for SIGHUP. */
	if ((abspath = realpath(path, NULL)) != NULL)
		path = abspath;

	memset(&eb, 0, sizeof(eb));
	if ((rc = config_load(path, &cfg, &eb)) != 0)
		fatalx("%s", eb.msg);
	if (cfg->nlisten == 0)
		fatalx("%s: no listen address", path);
	nworkers = cfg->workers;
	if (nworkers == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		nworkers = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	if (server_bind(&sv, cfg, nworkers, &eb) != 0)
		fatalx("%s", eb.msg);

	if (daemonize) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		if (log_to_syslog("dnsbld") != 0)
			fatalx("cannot log to syslog");
	}
	if (cfg->pidfile != NULL) {
		write_pidfile(cfg->pidfile);
		if ((pidfile = strdup(cfg->pidfile)) == NULL)
			fatalx("out of memory");
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Only this thread takes the signals, inside sigsuspend(). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);

	drop_privileges(cfg);
	if (open_store(cfg, &st, &eb) != 0)
		fatalx("store: %s", eb.msg);
	if (zoneset_build(cfg, &zs, &eb) != 0)
		fatalx("%s", eb.msg);

	if (gen_new(NULL, cfg, st, zs, nworkers + 1, &g) != 0)
		fatalx("out of memory");
	sv.g = g;
	if (server_start(&sv) != 0)
		fatalx("cannot start the threads");
	log_info("serving %zu zone%s on %zu address%s with %u worker%s",
	    cfg->nzones, cfg->nzones == 1 ? "" : "s", cfg->nlisten,
	    cfg->nlisten == 1 ? "" : "es", nworkers, nworkers == 1 ? "" : "s");

	while (!got_quit) {
		sigsuspend(&waitmask);
		if (got_hup && !got_quit) {
			got_hup = 0;
			if ((rc = reload_prepare(path, sv.g->cfg, &ncfg,
			    &nzs)) == 0 && (rc = reload_swap(&sv, nworkers,
			    ncfg, nzs)) == 1) {
				reload_stopped(&sv, nworkers, ncfg, nzs);
				rc = 0;
			}
			stats_reloaded(&sv.stats, rc == 0);	/* stats.h */
		}
	}

	log_info("exiting");
	server_stop(&sv);
	server_close(&sv);
	gen_free(sv.g);
	if (pidfile != NULL) {
		(void)unlink(pidfile);
		free(pidfile);
	}
	free(abspath);
	return 0;
}

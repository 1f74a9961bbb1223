/*
 * storeopen.c -- opening and closing the store: the two environments, each
 * zone's tables, the store-wide table, and store_rebind(), which gives a
 * running process a store for a new config over the environments it
 * already has open (LMDB allows one open of an environment per process).
 *
 * See store.h for the schema and the ownership rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "err.h"
#include "store_int.h"
#include "zonefp.h"

/*
 * Database handles per zone and environment (6 in meta), and the room a
 * process keeps for zones that a reload adds (store_rebind()).
 */
#define DBS_PER_ZONE	8
#define ZONES_SPARE	32
static int
mkdir_p(const char *path)
{
	char buf[4096], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return DNSBL_ERANGE;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return DNSBL_EIO;
		*p = '/';
	}
	if (mkdir(buf, 0755) == -1 && errno != EEXIST)
		return DNSBL_EIO;
	return 0;
}

static int
open_dbs(struct store *st, MDB_txn *txn, const struct cfg_zone *cz,
    const char *const *sfx, MDB_dbi *const *dbi, int n, struct errbuf *eb)
{
	unsigned flags = (st->flags & STORE_RDONLY) ? 0 : MDB_CREATE;
	char name[300];
	int i, rc;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s/%s", cz->name.text, sfx[i]);
		rc = mdb_dbi_open(txn, name, flags, dbi[i]);
		if (rc == MDB_NOTFOUND)
			return errbuf_set(eb, DNSBL_ENOENT,
			    "%s: zone %s is not in the database yet",
			    st->cfg->database, cz->name.text);
		if (rc)
			return errbuf_set(eb, store_mdb(rc),
			    "%s: opening %s: %s", st->cfg->database, name,
			    mdb_strerror(rc));
	}
	return 0;
}

static int
open_zone(struct store *st, MDB_txn *stxn, MDB_txn *mtxn,
    const struct cfg_zone *cz, struct store_zone *z, struct errbuf *eb)
{
	static const char *const ssfx[] = { "v4", "v6", "smeta" };
	static const char *const msfx[] = {
		"ent", "hist", "hidx", "jrnl", "rtst", "meta"
	};
	MDB_dbi *const sdbi[] = { &z->serve[0], &z->serve[1], &z->smeta };
	MDB_dbi *const mdbi[] = {
		&z->ent, &z->hist, &z->hidx, &z->jrnl, &z->rtst, &z->meta
	};
	MDB_val k, v;
	uint8_t serial[4], fp[ZONEFP_LEN];
	int rc;

	if ((rc = open_dbs(st, stxn, cz, ssfx, sdbi, 3, eb)) != 0 ||
	    (rc = open_dbs(st, mtxn, cz, msfx, mdbi, 6, eb)) != 0)
		return rc;
	if (st->flags & STORE_RDONLY)
		return 0;
	k.mv_data = SERIAL_KEY;
	k.mv_size = strlen(SERIAL_KEY);
	if ((rc = mdb_get(stxn, z->smeta, &k, &v)) == MDB_NOTFOUND) {
		/* A new zone starts at serial 1. */
		put32(serial, 1);
		v.mv_data = serial;
		v.mv_size = 4;
		rc = mdb_put(stxn, z->smeta, &k, &v, 0);
	}
	if (rc == 0) {
		/* A zone first opened records its config as applied. */
		k.mv_data = CFGFP_KEY;
		k.mv_size = strlen(CFGFP_KEY);
		if ((rc = mdb_get(stxn, z->smeta, &k, &v)) == MDB_NOTFOUND) {
			if (zonefp(cz, fp) != 0)
				return errbuf_set(eb, DNSBL_ENOMEM,
				    "out of memory");
			v.mv_data = fp;
			v.mv_size = ZONEFP_LEN;
			rc = mdb_put(stxn, z->smeta, &k, &v, 0);
		}
	}
	if (rc)
		return errbuf_set(eb, store_mdb(rc), "%s: %s",
		    st->cfg->database, mdb_strerror(rc));
	return 0;
}

/* The largest 4- or 8-byte counter key of every zone's table. */
static uint64_t
zones_max(struct store *st, MDB_txn *txn, int meta, const char *key)
{
	MDB_val k = { strlen(key), (void *)key }, v;
	uint64_t best = 0, x;
	size_t i;

	for (i = 0; i < st->nzones; i++) {
		if (mdb_get(txn, meta ? st->zones[i].meta : st->zones[i].smeta,
		    &k, &v) != 0)
			continue;
		x = v.mv_size == 8 ? get64(v.mv_data) : v.mv_size == 4 ?
		    get32(v.mv_data) : 0;
		if (x > best)
			best = x;
	}
	return best;
}

/* The history sequence after every event of every zone. */
static uint64_t
hist_next(struct store *st, MDB_txn *mtxn)
{
	uint64_t best = zones_max(st, mtxn, 1, HSEQ_KEY), x;
	MDB_cursor *c;
	MDB_val k, v;
	size_t i;

	for (i = 0; i < st->nzones; i++) {
		if (mdb_cursor_open(mtxn, st->zones[i].hist, &c) != 0)
			continue;
		if (mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 &&
		    k.mv_size == 8 && (x = get64(k.mv_data) + 1) > best)
			best = x;
		mdb_cursor_close(c);
	}
	return best ? best : 1;
}

/*
 * Open @store in both environments.  A store made before it existed kept
 * the generation and the history sequence in whichever zone came first in
 * the config then: they are carried over as the largest any zone holds
 * (and the sequence past every event), so no event is ever written twice
 * under one number.
 */
static int
open_global(struct store *st, MDB_txn *stxn, MDB_txn *mtxn, struct errbuf *eb)
{
	unsigned flags = (st->flags & STORE_RDONLY) ? 0 : MDB_CREATE;
	MDB_val k, v;
	uint8_t b[8];
	int rc;

	rc = mdb_dbi_open(stxn, GLOBAL_DB, flags, &st->sglobal);
	if (rc == 0)
		rc = mdb_dbi_open(mtxn, GLOBAL_DB, flags, &st->mglobal);
	if (rc == MDB_NOTFOUND && (st->flags & STORE_RDONLY))
		return 0;	/* an old store, read-only: nothing needed */
	if (rc)
		return errbuf_set(eb, store_mdb(rc), "%s: opening %s: %s",
		    st->cfg->database, GLOBAL_DB, mdb_strerror(rc));
	st->have_global = 1;
	if (st->flags & STORE_RDONLY)
		return 0;
	k.mv_data = GEN_KEY;
	k.mv_size = strlen(GEN_KEY);
	if ((rc = mdb_get(mtxn, st->mglobal, &k, &v)) == MDB_NOTFOUND) {
		put32(b, (uint32_t)zones_max(st, mtxn, 1, GEN_KEY));
		v.mv_data = b;
		v.mv_size = 4;
		if ((rc = mdb_put(mtxn, st->mglobal, &k, &v, 0)) == 0) {
			put32(b, (uint32_t)zones_max(st, stxn, 0, GEN_KEY));
			rc = mdb_put(stxn, st->sglobal, &k, &v, 0);
		}
	}
	k.mv_data = HSEQ_KEY;
	k.mv_size = strlen(HSEQ_KEY);
	if (rc == 0 && (rc = mdb_get(mtxn, st->mglobal, &k, &v)) ==
	    MDB_NOTFOUND) {
		put64(b, hist_next(st, mtxn));
		v.mv_data = b;
		v.mv_size = 8;
		rc = mdb_put(mtxn, st->mglobal, &k, &v, 0);
	}
	if (rc)
		return errbuf_set(eb, store_mdb(rc), "%s: %s: %s",
		    st->cfg->database, GLOBAL_DB, mdb_strerror(rc));
	return 0;
}

/* Create and open the environment in DATABASE/sub. */
static int
open_env(struct store *st, const char *sub, MDB_env **env, unsigned nzones,
    struct errbuf *eb)
{
	const struct dnsbl_config *cfg = st->cfg;
	unsigned envflags = MDB_NOTLS | MDB_NORDAHEAD;
	char path[4200];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", cfg->database, sub);
	if (!(st->flags & STORE_RDONLY) && mkdir_p(path) != 0)
		return errbuf_set(eb, DNSBL_EIO, "%s: cannot create: %s", path,
		    strerror(errno));
	if ((rc = mdb_env_create(env)) != 0)
		return errbuf_set(eb, store_mdb(rc), "mdb_env_create: %s",
		    mdb_strerror(rc));
	mdb_env_set_maxdbs(*env,
	    (MDB_dbi)((nzones + ZONES_SPARE) * DBS_PER_ZONE + 4));
	mdb_env_set_maxreaders(*env, 512);
	mdb_env_set_mapsize(*env, (size_t)cfg->map_size);
	/*
	 * Never MDB_WRITEMAP: pages are written with write(2), so a full disk
	 * is an ENOSPC at commit (DNSBL_ENOSPC, nothing changed), not a
	 * SIGBUS in a page of a sparse map.  It cost the import nothing
	 * measurable (1M addresses, docs/store.md).
	 */
	if (st->flags & STORE_RDONLY)
		envflags |= MDB_RDONLY;
	if ((rc = mdb_env_open(*env, path, envflags, 0644)) != 0) {
		if (rc == ENOENT && (st->flags & STORE_RDONLY))
			rc = errbuf_set(eb, DNSBL_ENOENT, "%s: no database "
			    "yet: nothing has been written to it (the first "
			    "write, such as loader list, makes it)",
			    cfg->database);
		else
			rc = errbuf_set(eb, store_mdb(rc), "%s: %s", path,
			    mdb_strerror(rc));
		mdb_env_close(*env);
		*env = NULL;
		return rc;
	}
	return 0;
}

/*
 * Open cfg's zones and @store in st's environments: txns begun by the
 * caller (read-only ones when st is), committed here.  On failure they
 * are aborted; eb says why.
 */
static int
open_tables(struct store *st, MDB_txn *stxn, MDB_txn *mtxn,
    struct errbuf *eb)
{
	size_t i;
	int rc;

	for (i = 0; i < st->nzones; i++)
		if ((rc = open_zone(st, stxn, mtxn, &st->cfg->zones[i],
		    &st->zones[i], eb)) != 0)
			goto fail;
	if ((rc = open_global(st, stxn, mtxn, eb)) != 0)
		goto fail;
	rc = mdb_txn_commit(mtxn);
	mtxn = NULL;
	if (rc == 0)
		rc = mdb_txn_commit(stxn);
	stxn = NULL;
	if (rc) {
		rc = errbuf_set(eb, store_mdb(rc), "%s: %s", st->cfg->database,
		    mdb_strerror(rc));
		goto fail;
	}
	return 0;
fail:
	if (stxn)
		mdb_txn_abort(stxn);
	if (mtxn)
		mdb_txn_abort(mtxn);
	return rc;
}

/* A struct store for cfg, without environments yet. */
static int
store_alloc(const struct dnsbl_config *cfg, unsigned flags,
    struct store **out, struct errbuf *eb)
{
	struct store *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	st->cfg = cfg;
	st->flags = flags;
	st->nzones = cfg->nzones;
	if ((st->zones = calloc(cfg->nzones ? cfg->nzones : 1,
	    sizeof(*st->zones))) == NULL) {
		free(st);
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	}
	*out = st;
	return 0;
}

int
store_open(const struct dnsbl_config *cfg, unsigned flags,
    struct store **out, struct errbuf *eb)
{
	struct store *st;
	struct store_shared *sh;
	MDB_txn *stxn = NULL, *mtxn = NULL;
	unsigned tflags = (flags & STORE_RDONLY) ? MDB_RDONLY : 0;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = store_alloc(cfg, flags, &st, eb)) != 0)
		return rc;
	if ((sh = calloc(1, sizeof(*sh))) == NULL) {
		rc = errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
		goto fail_st;
	}
	st->sh = sh;
	sh->refs = 1;
	{
		pthread_rwlockattr_t ra;
		pthread_rwlockattr_init(&ra);
		pthread_rwlockattr_setkind_np(&ra,
		    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&sh->resize, &ra);
		pthread_rwlockattr_destroy(&ra);
	}
	if ((rc = open_env(st, "serve", &sh->env, (unsigned)cfg->nzones,
	    eb)) != 0)
		goto fail_sh;
	if ((rc = open_env(st, "meta", &sh->menv, (unsigned)cfg->nzones,
	    eb)) != 0)
		goto fail_env;
	st->env = sh->env;
	st->menv = sh->menv;
	/* Another process may have grown a map past map_size: adopt its
	 * size (no transaction of ours is live yet) and begin again. */
	for (i = 0; i < 3; i++) {
		if ((rc = mdb_txn_begin(st->menv, NULL, tflags, &mtxn)) == 0 &&
		    (rc = mdb_txn_begin(st->env, NULL, tflags, &stxn)) == 0)
			break;
		if (mtxn != NULL)
			mdb_txn_abort(mtxn);
		mtxn = NULL;
		if (rc != MDB_MAP_RESIZED)
			break;
		mdb_env_set_mapsize(st->menv, 0);
		mdb_env_set_mapsize(st->env, 0);
	}
	if (rc != 0) {
		rc = errbuf_set(eb, store_mdb(rc), "%s: %s", cfg->database,
		    mdb_strerror(rc));
		goto fail_menv;
	}
	if ((rc = open_tables(st, stxn, mtxn, eb)) != 0)
		goto fail_menv;
	if (!(flags & STORE_RDONLY) && (rc = store_repair(st, eb)) != 0)
		goto fail_menv;
	{
		struct stat sb;
		mdb_filehandle_t fd;
		if (mdb_env_get_fd(st->env, &fd) == 0 && fstat(fd, &sb) == 0) {
			st->serve_dev = sb.st_dev;
			st->serve_ino = sb.st_ino;
		}
	}
	*out = st;
	return 0;

fail_menv:
	mdb_env_close(sh->menv);
fail_env:
	mdb_env_close(sh->env);
fail_sh:
	pthread_rwlock_destroy(&sh->resize);
	free(sh);
fail_st:
	free(st->zones);
	free(st);
	return rc;
}

int
store_same_files(const struct store *st, const struct dnsbl_config *cfg)
{
	char path[4200];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/serve/data.mdb", cfg->database);
	if (stat(path, &sb) != 0)
		return 0;
	return sb.st_dev == st->serve_dev && sb.st_ino == st->serve_ino;
}

int
store_rebind(struct store *old, const struct dnsbl_config *cfg,
    struct store **out, struct errbuf *eb)
{
	struct store *st;
	MDB_txn *stxn = NULL, *mtxn = NULL;
	unsigned tflags = (old->flags & STORE_RDONLY) ? MDB_RDONLY : 0;
	int rc, tries;

	*out = NULL;
	if ((rc = store_alloc(cfg, old->flags, &st, eb)) != 0)
		return rc;
	st->sh = old->sh;
	st->env = old->env;
	st->menv = old->menv;
	st->fixed_now = old->fixed_now;
	st->serve_dev = old->serve_dev;
	st->serve_ino = old->serve_ino;
	/* Transactions under the resize lock, as every other (store_int.h). */
	for (tries = 0; tries < 10; tries++) {
		pthread_rwlock_rdlock(&st->sh->resize);
		if ((rc = mdb_txn_begin(st->menv, NULL, tflags, &mtxn)) == 0 &&
		    (rc = mdb_txn_begin(st->env, NULL, tflags, &stxn)) == 0)
			break;
		if (mtxn != NULL)
			mdb_txn_abort(mtxn);
		mtxn = NULL;
		pthread_rwlock_unlock(&st->sh->resize);
		if (rc != MDB_MAP_RESIZED)
			break;
		if ((rc = store_resize(st, 0)) != 0)
			break;
		rc = MDB_MAP_RESIZED;
	}
	if (stxn == NULL) {
		rc = errbuf_set(eb, store_mdb(rc), "%s: %s", cfg->database,
		    mdb_strerror(rc));
		goto fail;
	}
	rc = open_tables(st, stxn, mtxn, eb);
	pthread_rwlock_unlock(&st->sh->resize);
	if (rc != 0)
		goto fail;
	st->sh->refs++;
	*out = st;
	return 0;
fail:
	free(st->zones);
	free(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (--st->sh->refs == 0) {
		mdb_env_close(st->sh->env);
		mdb_env_close(st->sh->menv);
		pthread_rwlock_destroy(&st->sh->resize);
		free(st->sh);
	}
	free(st->zones);
	free(st);
}

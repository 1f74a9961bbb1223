/*
 * store.c -- the LMDB environment, transactions and readers.
 *
 * See store.h for the schema and docs/store.md for the reasoning.  The
 * served table's derivation lives in serve.c, the record formats in
 * record.c; entries, events, answers and the journal are here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "store_int.h"
#include "zonefp.h"

#define DBS_PER_ZONE 8	/* an upper bound per environment */

int
store_mdb(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_MAP_FULL:
		return DNSBL_EMAPFULL;
	case ENOSPC:
	case EDQUOT:
		return DNSBL_ENOSPC;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return DNSBL_ECORRUPT;
	case ENOMEM:
		return DNSBL_ENOMEM;
	default:
		return DNSBL_EDB;
	}
}

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
	mdb_env_set_maxdbs(*env, (MDB_dbi)(nzones * DBS_PER_ZONE + 4));
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

int
store_open(const struct dnsbl_config *cfg, unsigned flags,
    struct store **out, struct errbuf *eb)
{
	struct store *st;
	MDB_txn *stxn = NULL, *mtxn = NULL;
	unsigned tflags = (flags & STORE_RDONLY) ? MDB_RDONLY : 0;
	size_t i;
	int rc;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	st->cfg = cfg;
	st->flags = flags;
	st->nzones = cfg->nzones;
	if ((st->zones = calloc(cfg->nzones, sizeof(*st->zones))) == NULL) {
		rc = errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
		goto fail_st;
	}
	{
		pthread_rwlockattr_t ra;
		pthread_rwlockattr_init(&ra);
		pthread_rwlockattr_setkind_np(&ra,
		    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&st->resize, &ra);
		pthread_rwlockattr_destroy(&ra);
	}
	if ((rc = open_env(st, "serve", &st->env, (unsigned)cfg->nzones,
	    eb)) != 0)
		goto fail_zones;
	if ((rc = open_env(st, "meta", &st->menv, (unsigned)cfg->nzones,
	    eb)) != 0)
		goto fail_env;
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
		goto fail_txn;
	}
	for (i = 0; i < cfg->nzones; i++)
		if ((rc = open_zone(st, stxn, mtxn, &cfg->zones[i],
		    &st->zones[i], eb)) != 0)
			goto fail_txn;
	if ((rc = open_global(st, stxn, mtxn, eb)) != 0)
		goto fail_txn;
	rc = mdb_txn_commit(mtxn);
	mtxn = NULL;
	if (rc == 0)
		rc = mdb_txn_commit(stxn);
	stxn = NULL;
	if (rc) {
		rc = errbuf_set(eb, store_mdb(rc), "%s: %s", cfg->database,
		    mdb_strerror(rc));
		goto fail_txn;
	}
	if (!(flags & STORE_RDONLY) && (rc = store_repair(st, eb)) != 0)
		goto fail_txn;
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

fail_txn:
	if (stxn)
		mdb_txn_abort(stxn);
	if (mtxn)
		mdb_txn_abort(mtxn);
	mdb_env_close(st->menv);
fail_env:
	mdb_env_close(st->env);
fail_zones:
	pthread_rwlock_destroy(&st->resize);
	free(st->zones);
fail_st:
	free(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	mdb_env_close(st->env);
	mdb_env_close(st->menv);
	pthread_rwlock_destroy(&st->resize);
	free(st->zones);
	free(st);
}

/* Bytes of disk in use by one environment's data file. */
static uint64_t
env_disk(const char *db, const char *sub)
{
	char path[4200];
	struct stat sb;
	uint64_t n;

	snprintf(path, sizeof(path), "%s/%s/data.mdb", db, sub);
	if (stat(path, &sb) != 0)
		return 0;
	/* Blocks in use: a store written with MDB_WRITEMAP by an earlier
	 * release has a file as long as its map. */
	n = (uint64_t)sb.st_blocks * 512;
	return n > (uint64_t)sb.st_size ? (uint64_t)sb.st_size : n;
}

int
store_size(struct store *st, uint64_t *file_bytes, uint64_t *map_bytes)
{
	MDB_envinfo si, mi;

	*file_bytes = env_disk(st->cfg->database, "serve") +
	    env_disk(st->cfg->database, "meta");
	if (mdb_env_info(st->env, &si) != 0 || mdb_env_info(st->menv, &mi))
		return DNSBL_EDB;
	*map_bytes = si.me_mapsize + mi.me_mapsize;
	return 0;
}

int
store_serve_size(struct store *st, uint64_t *bytes)
{
	*bytes = env_disk(st->cfg->database, "serve");
	return 0;
}

/* ---------------------------------------------------------------------
 * Readers
 */

int
store_reader_new(struct store *st, struct store_reader **out)
{
	struct store_reader *r;
	size_t i;
	int rc, tries;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return DNSBL_ENOMEM;
	r->st = st;
	if ((r->cur = calloc(st->nzones * 2, sizeof(*r->cur))) == NULL) {
		rc = DNSBL_ENOMEM;
		goto fail_r;
	}
	for (tries = 0; tries < 10; tries++) {
		pthread_rwlock_rdlock(&st->resize);	/* see struct store */
		if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY,
		    &r->txn)) != MDB_MAP_RESIZED)
			break;
		pthread_rwlock_unlock(&st->resize);
		if ((rc = store_resize(st, 0)) != 0)
			goto fail_cur;
		rc = MDB_MAP_RESIZED;
	}
	if (rc != 0) {
		if (rc != MDB_MAP_RESIZED)
			pthread_rwlock_unlock(&st->resize);
		rc = store_mdb(rc);
		goto fail_cur;
	}
	for (i = 0; i < st->nzones * 2; i++)
		if ((rc = mdb_cursor_open(r->txn, st->zones[i / 2].serve[i % 2],
		    &r->cur[i])) != 0) {
			rc = store_mdb(rc);
			goto fail_txn;
		}
	mdb_txn_reset(r->txn);
	pthread_rwlock_unlock(&st->resize);
	*out = r;
	return 0;

fail_txn:
	while (i-- > 0)
		mdb_cursor_close(r->cur[i]);
	mdb_txn_abort(r->txn);
	pthread_rwlock_unlock(&st->resize);
fail_cur:
	free(r->cur);
fail_r:
	free(r);
	return rc;
}

void
store_reader_free(struct store_reader *r)
{
	size_t i;

	if (r == NULL)
		return;
	store_reader_end(r);
	for (i = 0; i < r->st->nzones * 2; i++)
		mdb_cursor_close(r->cur[i]);
	mdb_txn_abort(r->txn);
	free(r->cur);
	free(r);
}

int
store_reader_begin(struct store_reader *r)
{
	struct store *st = r->st;
	size_t i;
	int rc, tries;

	for (tries = 0; tries < 10; tries++) {
		pthread_rwlock_rdlock(&st->resize);
		rc = mdb_txn_renew(r->txn);
		if (rc == 0)
			break;
		pthread_rwlock_unlock(&st->resize);
		if (rc != MDB_MAP_RESIZED)
			return store_mdb(rc);
		/* Another process grew the map: adopt its size. */
		if ((rc = store_resize(st, 0)) != 0)
			return rc;
		rc = MDB_MAP_RESIZED;
	}
	if (rc != 0)
		return store_mdb(rc);
	for (i = 0; i < st->nzones * 2; i++)
		if ((rc = mdb_cursor_renew(r->txn, r->cur[i])) != 0) {
			mdb_txn_reset(r->txn);
			pthread_rwlock_unlock(&st->resize);
			return store_mdb(rc);
		}
	r->live = 1;
	return 0;
}

void
store_reader_end(struct store_reader *r)
{
	if (!r->live)
		return;
	mdb_txn_reset(r->txn);
	pthread_rwlock_unlock(&r->st->resize);
	r->live = 0;
}

/* Decode a served value into hit, given its key. */
static void
serve_value(int family, const MDB_val *k, const MDB_val *v,
    struct store_hit *hit)
{
	size_t n = addr_len(family);
	const uint8_t *p = v->mv_data;

	memset(hit, 0, sizeof(*hit));
	memcpy(hit->first, k->mv_data, n);
	hit->answer = get16(p);
	if (v->mv_size >= 2 + n)
		memcpy(hit->last, p + 2, n);
	else
		memcpy(hit->last, k->mv_data, n);
}

/*
 * The interval that starts at or before a, if any: position the cursor on
 * the greatest key <= a.  Returns 1 found, 0 none, or DNSBL_EDB.
 */
static int
seek_le(struct store *st, MDB_cursor *c, size_t n, const uint8_t *a,
    MDB_val *k, MDB_val *v)
{
	int rc;

	k->mv_data = (void *)a;
	k->mv_size = n;
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc == 0 && memcmp(k->mv_data, a, n) == 0)
		return 1;
	if (rc == 0)
		rc = mdb_cursor_get(c, k, v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, k, v, MDB_LAST);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_mdb(rc);
	return 1;
}

int
store_lookup(struct store_reader *r, size_t zone, int family,
    const uint8_t *addr, struct store_hit *hit)
{
	MDB_cursor *c = r->cur[zone * 2 + (family == ADDR_V6)];
	size_t n = addr_len(family);
	MDB_val k, v;
	int rc;

	if ((rc = seek_le(r->st, c, n, addr, &k, &v)) <= 0)
		return rc;
	if (k.mv_size != n || v.mv_size < 2)
		return 0;
	serve_value(family, &k, &v, hit);
	return memcmp(hit->last, addr, n) >= 0 ? 1 : 0;
}

int
store_any_within(struct store_reader *r, size_t zone, const struct prefix *p)
{
	MDB_cursor *c = r->cur[zone * 2 + (p->family == ADDR_V6)];
	size_t n = addr_len(p->family);
	uint8_t first[16], last[16];
	struct store_hit hit;
	MDB_val k, v;
	int rc;

	prefix_first(p, first);
	prefix_last(p, last);
	/* An interval starting at or before first that reaches it... */
	if ((rc = seek_le(r->st, c, n, first, &k, &v)) < 0)
		return rc;
	if (rc == 1) {
		serve_value(p->family, &k, &v, &hit);
		if (memcmp(hit.last, first, n) >= 0)
			return 1;
	}
	/* ...or one starting inside the prefix. */
	k.mv_data = first;
	k.mv_size = n;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_mdb(rc);
	return memcmp(k.mv_data, last, n) <= 0 ? 1 : 0;
}

int
store_answer_read_txn(struct store *st, MDB_txn *txn, size_t zone, uint16_t idx,
    struct store_answer *out)
{
	const uint8_t *p, *end;
	uint8_t key[3];
	MDB_val k, v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (idx == ANSWER_DEFAULT)
		return 0;
	key[0] = 'A';
	put16(key + 1, idx);
	k.mv_data = key;
	k.mv_size = 3;
	rc = mdb_get(txn, st->zones[zone].smeta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return DNSBL_ENOENT;
	if (rc)
		return store_mdb(rc);
	/* a(4) txt NUL [code NUL] */
	p = v.mv_data;
	if (v.mv_size < 5 || p[v.mv_size - 1] != 0)
		return DNSBL_EPARSE;
	end = memchr(p + 4, 0, v.mv_size - 4);
	memcpy(out->a, p, 4);
	out->txtlen = (size_t)(end - (p + 4));
	out->txt = out->txtlen ? (const char *)p + 4 : NULL;
	if (end + 1 < p + v.mv_size && end[1] != 0)
		out->code = (const char *)end + 1;
	return 0;
}

int
store_reader_answer(struct store_reader *r, size_t zone, uint16_t idx,
    struct store_answer *out)
{
	return store_answer_read_txn(r->st, r->txn, zone, idx, out);
}

static uint32_t
serial_read(struct store *st, MDB_txn *txn, size_t zone)
{
	MDB_val k = { strlen(SERIAL_KEY), SERIAL_KEY }, v;

	if (mdb_get(txn, st->zones[zone].smeta, &k, &v) != 0 || v.mv_size != 4)
		return 1;
	return get32(v.mv_data);
}

uint32_t
store_reader_serial(struct store_reader *r, size_t zone)
{
	return serial_read(r->st, r->txn, zone);
}

int
store_fp_read(struct store *st, MDB_txn *txn, size_t zone,
    uint8_t fp[ZONEFP_LEN])
{
	MDB_val k = { strlen(CFGFP_KEY), CFGFP_KEY }, v;
	int rc = mdb_get(txn, st->zones[zone].smeta, &k, &v);

	if (rc == MDB_NOTFOUND)
		return DNSBL_ENOENT;
	if (rc)
		return store_mdb(rc);
	if (v.mv_size != ZONEFP_LEN)
		return DNSBL_EPARSE;
	memcpy(fp, v.mv_data, ZONEFP_LEN);
	return 0;
}

int
store_reader_zone_fp(struct store_reader *r, size_t zone,
    uint8_t fp[ZONEFP_LEN])
{
	return store_fp_read(r->st, r->txn, zone, fp);
}

int
store_resize(struct store *st, int grow)
{
	MDB_envinfo info;
	MDB_env *envs[2] = { st->env, st->menv };
	int i, rc = 0;

	atomic_fetch_add(&st->resize_waiting, 1);
	pthread_rwlock_wrlock(&st->resize);
	for (i = 0; i < 2 && rc == 0; i++) {
		if (!grow)
			rc = mdb_env_set_mapsize(envs[i], 0);
		else if ((rc = mdb_env_info(envs[i], &info)) == 0)
			rc = mdb_env_set_mapsize(envs[i], info.me_mapsize * 2);
	}
	pthread_rwlock_unlock(&st->resize);
	atomic_fetch_sub(&st->resize_waiting, 1);
	return store_mdb(rc);
}

int
store_resize_pending(struct store *st)
{
	return atomic_load(&st->resize_waiting) > 0;
}

int
store_replaced(struct store *st)
{
	char path[4200];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/serve/data.mdb", st->cfg->database);
	if (stat(path, &sb) != 0)
		return 0;	/* in the middle of a swap: look again later */
	return sb.st_dev != st->serve_dev || sb.st_ino != st->serve_ino;
}

int
store_copy(struct store *st, const char *dir, struct errbuf *eb)
{
	static const char *const sub[2] = { "serve", "meta" };
	MDB_env *envs[2] = { st->env, st->menv };
	MDB_txn *lock[2] = { NULL, NULL };
	char path[4200];
	int i, rc = 0;

	/* Both writer locks, in the writers' order (meta, then serve): no
	 * write is half way between the two commits while we copy. */
	pthread_rwlock_rdlock(&st->resize);
	if ((rc = mdb_txn_begin(st->menv, NULL, 0, &lock[1])) != 0 ||
	    (rc = mdb_txn_begin(st->env, NULL, 0, &lock[0])) != 0) {
		rc = errbuf_set(eb, store_mdb(rc), "%s: %s", st->cfg->database,
		    mdb_strerror(rc));
		goto done;
	}
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
		if (mkdir(path, 0750) == -1) {
			rc = errbuf_set(eb, DNSBL_EIO, "%s: %s", path,
			    strerror(errno));
			goto done;
		}
		if ((rc = mdb_env_copy2(envs[i], path, MDB_CP_COMPACT)) != 0) {
			rc = errbuf_set(eb, store_mdb(rc), "copying %s/%s to "
			    "%s: %s", st->cfg->database, sub[i], path,
			    mdb_strerror(rc));
			goto done;
		}
	}
done:
	for (i = 0; i < 2; i++)
		if (lock[i] != NULL)
			mdb_txn_abort(lock[i]);
	pthread_rwlock_unlock(&st->resize);
	return rc;
}

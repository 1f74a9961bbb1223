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
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "hugemem.h"
#include "store_int.h"
#include "zonefp.h"


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

HOT uint64_t
store_last_txnid(struct store *st)
{
	MDB_envinfo ei;
	int rc;

	/* The meta pages are in the map: not while it changes size. */
	pthread_rwlock_rdlock(&st->sh->resize);
	rc = mdb_env_info(st->env, &ei);
	pthread_rwlock_unlock(&st->sh->resize);
	return rc != 0 ? 0 : (uint64_t)ei.me_last_txnid;
}

uint64_t
store_txn_id(const struct store_txn *t)
{
	return (uint64_t)mdb_txn_id(t->txn);
}

/*
 * The mapping of serve/data.mdb that holds p, from /proc/self/maps: 0 and
 * [*lo, *hi), or DNSBL_ENOENT.
 */
static int
map_range(const void *p, uintptr_t *lo, uintptr_t *hi)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	unsigned long a, b;
	int rc = DNSBL_ENOENT;

	if (f == NULL)
		return DNSBL_EIO;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx", &a, &b) != 2)
			continue;
		if ((uintptr_t)p >= a && (uintptr_t)p < b) {
			*lo = a;
			*hi = b;
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

/*
 * The part of t's serve map that holds the file's pages: [*lo, *lo +
 * *len), found from a record in it (map_range()) and cut to the pages the
 * environment uses.  0, or DNSBL_ENOENT when the store has nothing to
 * walk, or an error.
 */
static int
serve_pages(struct store_txn *t, uintptr_t *lo, size_t *len)
{
	MDB_cursor *c;
	MDB_val k, v;
	MDB_envinfo ei;
	MDB_stat ms;
	uintptr_t hi;
	size_t used;
	int rc;

	if (t->st->nzones == 0)
		return DNSBL_ENOENT;
	if ((rc = mdb_cursor_open(t->txn, t->st->zones[0].smeta, &c)) != 0)
		return store_mdb(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	mdb_cursor_close(c);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? DNSBL_ENOENT : store_mdb(rc);
	if ((rc = map_range(v.mv_data, lo, &hi)) != 0)
		return rc;
	/* The map does not change size while t holds the resize lock. */
	if ((rc = mdb_env_info(t->st->env, &ei)) != 0 ||
	    (rc = mdb_env_stat(t->st->env, &ms)) != 0)
		return store_mdb(rc);
	used = ((size_t)ei.me_last_pgno + 1) * ms.ms_psize;
	*len = used < hi - *lo ? used : hi - *lo;
	return 0;
}

int
store_serve_release(struct store_txn *t)
{
	uintptr_t lo;
	size_t len;
	int rc;

	if ((rc = serve_pages(t, &lo, &len)) != 0)
		return rc == DNSBL_ENOENT ? 0 : rc;
	if (madvise((void *)lo, len, MADV_DONTNEED) == -1)
		return DNSBL_EIO;
	return 0;
}

/*
 * The kernel reads ahead at most its readahead window (read_ahead_kb,
 * 128 KB by default) for one MADV_WILLNEED: the map is asked for in
 * pieces of that size.
 */
#define WILLNEED_STEP	(128 * 1024)

int
store_serve_willneed(struct store_txn *t)
{
	uintptr_t lo;
	size_t len, off, n;
	int rc;

	if ((rc = serve_pages(t, &lo, &len)) != 0)
		return rc == DNSBL_ENOENT ? 0 : rc;
	for (off = 0; off < len; off += n) {
		n = len - off < WILLNEED_STEP ? len - off : WILLNEED_STEP;
		if (madvise((void *)(lo + off), n, MADV_WILLNEED) == -1)
			return DNSBL_EIO;
	}
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
		pthread_rwlock_rdlock(&st->sh->resize);	/* see struct store */
		if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY,
		    &r->txn)) != MDB_MAP_RESIZED)
			break;
		pthread_rwlock_unlock(&st->sh->resize);
		if ((rc = store_resize(st, 0)) != 0)
			goto fail_cur;
		rc = MDB_MAP_RESIZED;
	}
	if (rc != 0) {
		if (rc != MDB_MAP_RESIZED)
			pthread_rwlock_unlock(&st->sh->resize);
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
	pthread_rwlock_unlock(&st->sh->resize);
	*out = r;
	return 0;

fail_txn:
	while (i-- > 0)
		mdb_cursor_close(r->cur[i]);
	mdb_txn_abort(r->txn);
	pthread_rwlock_unlock(&st->sh->resize);
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
		pthread_rwlock_rdlock(&st->sh->resize);
		rc = mdb_txn_renew(r->txn);
		if (rc == 0)
			break;
		pthread_rwlock_unlock(&st->sh->resize);
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
			pthread_rwlock_unlock(&st->sh->resize);
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
	pthread_rwlock_unlock(&r->st->sh->resize);
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

	atomic_fetch_add(&st->sh->resize_waiting, 1);
	pthread_rwlock_wrlock(&st->sh->resize);
	for (i = 0; i < 2 && rc == 0; i++) {
		if (!grow)
			rc = mdb_env_set_mapsize(envs[i], 0);
		else if ((rc = mdb_env_info(envs[i], &info)) == 0)
			rc = mdb_env_set_mapsize(envs[i], info.me_mapsize * 2);
	}
	pthread_rwlock_unlock(&st->sh->resize);
	atomic_fetch_sub(&st->sh->resize_waiting, 1);
	return store_mdb(rc);
}

int
store_reserve(struct store *st, uint64_t meta_bytes, uint64_t serve_bytes)
{
	MDB_envinfo info;
	MDB_stat ms;
	MDB_env *envs[2] = { st->env, st->menv };
	uint64_t need[2] = { serve_bytes, meta_bytes }, used, size;
	int i, rc = 0;

	atomic_fetch_add(&st->sh->resize_waiting, 1);
	pthread_rwlock_wrlock(&st->sh->resize);
	for (i = 0; i < 2 && rc == 0; i++) {
		/* Adopt a size another process gave the map first. */
		if ((rc = mdb_env_set_mapsize(envs[i], 0)) != 0 ||
		    (rc = mdb_env_info(envs[i], &info)) != 0 ||
		    (rc = mdb_env_stat(envs[i], &ms)) != 0)
			break;
		used = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
		size = info.me_mapsize;
		while (size < used + need[i] && size < (UINT64_C(1) << 46))
			size *= 2;
		if (size != info.me_mapsize)
			rc = mdb_env_set_mapsize(envs[i], (size_t)size);
	}
	pthread_rwlock_unlock(&st->sh->resize);
	atomic_fetch_sub(&st->sh->resize_waiting, 1);
	return store_mdb(rc);
}

int
store_resize_pending(struct store *st)
{
	return atomic_load(&st->sh->resize_waiting) > 0;
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
	pthread_rwlock_rdlock(&st->sh->resize);
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
	pthread_rwlock_unlock(&st->sh->resize);
	return rc;
}

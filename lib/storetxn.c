/*
 * storetxn.c -- transactions over the store: running a caller's function
 * in one LMDB transaction (growing the map when it fills), and the
 * per-transaction operations on the journal and the listed count (entries
 * are in storeent.c, answers and the applied config in storeans.c, history
 * in storelog.c).
 *
 * A write transaction collects, per zone, whether the served table changed
 * and what changed.  At commit each changed zone's serial goes up by one and
 * the changes are journaled under the new serial; the journal is then cut
 * back to cfg->journal_max serials.
 */
#include <sys/statvfs.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "store_int.h"
#include "zonefp.h"

/* Less room than this left after a failed write: the disk is full. */
#define COMMIT_SLACK	(4u << 20)

#define HIDX_LEN (ENTKEY_LEN + 8)

int64_t
store_txn_now(const struct store_txn *t)
{
	return t->now;
}

const struct dnsbl_config *
store_txn_config(const struct store_txn *t)
{
	return t->st->cfg;
}

static void
txn_scratch_free(struct store_txn *t)
{
	size_t i;

	if (t->z)
		for (i = 0; i < t->st->nzones; i++)
			free(t->z[i].journal.p);
	free(t->z);
	free(t->old);
	free(t->neu);
	free(t->ents);
	free(t->enc.p);
}

int
txn_wcursor(struct store_txn *t, size_t zone, enum wcur which,
    MDB_cursor **out)
{
	const struct store_zone *sz = &t->st->zones[zone];
	MDB_cursor **c = &t->z[zone].wc[which];
	MDB_txn *txn = t->mtxn;
	MDB_dbi dbi;
	int rc;

	if (*c == NULL) {
		switch (which) {
		case WC_ENT:
			dbi = sz->ent;
			break;
		case WC_HIST:
			dbi = sz->hist;
			break;
		case WC_HIDX:
			dbi = sz->hidx;
			break;
		default:
			dbi = sz->serve[which == WC_SRV6];
			txn = t->txn;
			break;
		}
		if ((rc = mdb_cursor_open(txn, dbi, c)) != 0) {
			*c = NULL;
			return store_mdb(rc);
		}
	}
	*out = *c;
	return 0;
}

void
txn_wcursor_close(struct store_txn *t, size_t zone)
{
	int i;

	for (i = 0; i < WC_MAX; i++) {
		if (t->z[zone].wc[i] != NULL)
			mdb_cursor_close(t->z[zone].wc[i]);
		t->z[zone].wc[i] = NULL;
	}
}

int
put_ordered(MDB_cursor *c, MDB_val *k, MDB_val *v)
{
	int rc = mdb_cursor_put(c, k, v, MDB_APPEND);

	if (rc == MDB_KEYEXIST)
		rc = mdb_cursor_put(c, k, v, 0);
	return rc;
}

int
walk_end(int cursor_rc, int cb)
{
	if (cb != 0)
		return cb == STORE_STOP ? 0 : cb;
	if (cursor_rc == 0 || cursor_rc == MDB_NOTFOUND)
		return 0;
	return store_mdb(cursor_rc);
}

/* Read a 4-byte counter from table dbi of txn, or dflt if absent. */
int
get32_at(struct store *st, MDB_txn *txn, MDB_dbi dbi, const char *key,
    uint32_t *out, uint32_t dflt)
{
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc = mdb_get(txn, dbi, &k, &v);

	if (rc == MDB_NOTFOUND || (rc == 0 && v.mv_size != 4)) {
		*out = dflt;
		return 0;
	}
	if (rc)
		return store_mdb(rc);
	*out = get32(v.mv_data);
	return 0;
}

int
put_at(struct store *st, MDB_txn *txn, MDB_dbi dbi, const void *key,
    size_t klen, const void *val, size_t vlen)
{
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };

	return store_mdb(mdb_put(txn, dbi, &k, &v, 0));
}

int
put32_at(struct store *st, MDB_txn *txn, MDB_dbi dbi, const char *key,
    uint32_t val)
{
	uint8_t b[4];

	put32(b, val);
	return put_at(st, txn, dbi, key, strlen(key), b, 4);
}

uint32_t
store_serial(struct store_txn *t, size_t zone)
{
	uint32_t s;

	if (get32_at(t->st, t->txn, t->st->zones[zone].smeta, SERIAL_KEY, &s,
	    1) != 0)
		return 1;
	return s;
}

int
store_zone_dirty(const struct store_txn *t, size_t zone)
{
	return t->z != NULL && t->z[zone].dirty;
}

static int
nlisted_load(struct store_txn *t, size_t zone)
{
	struct zone_txn *z = &t->z[zone];
	MDB_val k = { strlen(NLISTED_KEY), NLISTED_KEY }, v;
	int rc;

	if (z->nl_loaded)
		return 0;
	rc = mdb_get(t->mtxn, t->st->zones[zone].meta, &k, &v);
	if (rc && rc != MDB_NOTFOUND)
		return store_mdb(rc);
	z->nl_start = rc == 0 && v.mv_size == 8 ? get64(v.mv_data) : 0;
	z->nl_loaded = 1;
	return 0;
}

int
store_zone_listed(struct store_txn *t, size_t zone, uint64_t *at_start,
    uint64_t *removed)
{
	int rc;

	if ((rc = nlisted_load(t, zone)) != 0)
		return rc;
	*at_start = t->z[zone].nl_start;
	*removed = t->z[zone].nl_removed;
	return 0;
}

/* Count an entry's move into or out of ENTRY_LISTED (store_int.h). */
int
nlisted_note(struct store_txn *t, size_t zone, int was, int is)
{
	struct zone_txn *z = &t->z[zone];
	int rc;

	if (was == is)
		return 0;
	if ((rc = nlisted_load(t, zone)) != 0)
		return rc;
	if (is) {
		z->nl_delta++;
	} else {
		z->nl_delta--;
		z->nl_removed++;
	}
	return 0;
}

/* Drop the oldest journal serials beyond journal_max. */
static int
journal_trim(struct store_txn *t, size_t zone)
{
	MDB_cursor *c;
	MDB_stat ms;
	MDB_val k, v;
	size_t excess;
	int rc;

	if ((rc = mdb_stat(t->mtxn, t->st->zones[zone].jrnl, &ms)) != 0)
		return store_mdb(rc);
	if (ms.ms_entries <= t->st->cfg->journal_max)
		return 0;
	excess = ms.ms_entries - t->st->cfg->journal_max;
	if ((rc = mdb_cursor_open(t->mtxn, t->st->zones[zone].jrnl, &c)) != 0)
		return store_mdb(rc);
	while (excess-- > 0 &&
	    (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) == 0)
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_mdb(rc);
}

/*
 * Bump serials and write journals of the zones this txn changed, and give
 * both environments the next generation when the serve env changes.
 */
static int
txn_finish(struct store_txn *t)
{
	struct store *st = t->st;
	uint8_t sv[4], hv[8];
	uint32_t serial, gen;
	MDB_val k, v;
	size_t i;
	int rc, dirty = 0;

	for (i = 0; i < st->nzones; i++) {
		if (!t->z[i].dirty)
			continue;
		dirty = 1;
		if ((rc = get32_at(st, t->txn, st->zones[i].smeta, SERIAL_KEY,
		    &serial, 1)) != 0)
			return rc;
		serial++;
		if (serial == 0)	/* RFC 1982: keep clear of 0 */
			serial = 1;
		if ((rc = put32_at(st, t->txn, st->zones[i].smeta, SERIAL_KEY,
		    serial)) != 0)
			return rc;
		if (t->z[i].restart &&
		    (rc = mdb_drop(t->mtxn, st->zones[i].jrnl, 0)) != 0)
			return store_mdb(rc);
		if (t->no_journal || t->z[i].restart)
			continue;
		put32(sv, serial);
		k.mv_data = sv;
		k.mv_size = 4;
		v.mv_data = t->z[i].journal.p;
		v.mv_size = t->z[i].journal.len;
		if ((rc = mdb_put(t->mtxn, st->zones[i].jrnl, &k, &v, 0)) != 0)
			return store_mdb(rc);
		if ((rc = journal_trim(t, i)) != 0)
			return rc;
	}
	for (i = 0; i < st->nzones; i++) {
		uint8_t nv[8];
		if (!t->z[i].nl_loaded || t->z[i].nl_delta == 0)
			continue;
		put64(nv, (uint64_t)((int64_t)t->z[i].nl_start +
		    t->z[i].nl_delta));
		if ((rc = put_at(st, t->mtxn, st->zones[i].meta, NLISTED_KEY,
		    strlen(NLISTED_KEY), nv, 8)) != 0)
			return rc;
	}
	if (t->hseq_dirty) {
		/* One counter for the whole store. */
		put64(hv, t->hseq);
		if ((rc = put_at(st, t->mtxn, st->mglobal, HSEQ_KEY,
		    strlen(HSEQ_KEY), hv, 8)) != 0)
			return rc;
	}
	if (dirty) {
		if ((rc = get32_at(st, t->mtxn, st->mglobal, GEN_KEY,
		    &gen, 0)) != 0)
			return rc;
		if ((rc = put32_at(st, t->mtxn, st->mglobal, GEN_KEY,
		    gen + 1)) != 0 ||
		    (rc = put32_at(st, t->txn, st->sglobal, GEN_KEY,
		    gen + 1)) != 0)
			return rc;
	}
	return 0;
}

/*
 * A commit's error.  LMDB reports a write cut short by a full disk as EIO
 * (a short write), so an EIO on a filesystem with (almost) no room left is
 * called what it is: DNSBL_ENOSPC.
 */
static int
commit_error(struct store *st, int rc)
{
	struct statvfs sv;

	if (rc == EIO && statvfs(st->cfg->database, &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < COMMIT_SLACK)
		return DNSBL_ENOSPC;
	return store_mdb(rc);
}

/* Commit meta first: a crash in between leaves serve behind, to repair. */
static int
txn_commit(struct store_txn *t)
{
	int rc;

	rc = mdb_txn_commit(t->mtxn);
	t->mtxn = NULL;
	if (rc == 0) {
		rc = mdb_txn_commit(t->txn);
		t->txn = NULL;
	}
	return commit_error(t->st, rc);
}

static void
txn_abort(struct store_txn *t)
{
	if (t->txn)
		mdb_txn_abort(t->txn);
	if (t->mtxn)
		mdb_txn_abort(t->mtxn);
	t->txn = t->mtxn = NULL;
}

static int
run_txn(struct store *st, int write, store_txn_fn fn, void *arg,
    struct errbuf *eb)
{
	struct store_txn t;
	unsigned fl = write ? 0 : MDB_RDONLY;
	int rc, tries;

	for (tries = 0; tries < 20; tries++) {
		if (eb != NULL)
			eb->msg[0] = '\0';	/* a message of an earlier try */
		memset(&t, 0, sizeof(t));
		t.st = st;
		t.write = write;
		t.now = st->fixed_now ? st->fixed_now : (int64_t)time(NULL);
		if ((t.z = calloc(st->nzones, sizeof(*t.z))) == NULL)
			return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
		/* Held from begin to commit or abort: see struct store. */
		pthread_rwlock_rdlock(&st->sh->resize);
		rc = mdb_txn_begin(st->menv, NULL, fl, &t.mtxn);
		if (rc == 0)
			rc = mdb_txn_begin(st->env, NULL, fl, &t.txn);
		if (rc != 0) {
			txn_abort(&t);
			pthread_rwlock_unlock(&st->sh->resize);
			txn_scratch_free(&t);
			if (rc == MDB_MAP_RESIZED) {
				/* Another process grew the map: adopt it. */
				if ((rc = store_resize(st, 0)) != 0)
					break;
				continue;
			}
			return errbuf_set(eb, store_mdb(rc), "%s: %s",
			    st->cfg->database, mdb_strerror(rc));
		}
		rc = fn(&t, arg);
		if (rc == 0 && write)
			rc = txn_finish(&t);
		if (rc == 0 && write)
			rc = txn_commit(&t);
		txn_abort(&t);
		pthread_rwlock_unlock(&st->sh->resize);
		txn_scratch_free(&t);
		if (rc == DNSBL_EMAPFULL && write) {
			/* Grow and run the whole transaction again. */
			if (store_resize(st, 1) != 0)
				break;
			continue;
		}
		if (rc < 0 && eb && eb->msg[0] == '\0')
			errbuf_set(eb, rc, "%s: %s", st->cfg->database,
			    dnsbl_strerror(rc));
		return rc;
	}
	return errbuf_set(eb, DNSBL_EDB, "%s: cannot grow the map",
	    st->cfg->database);
}

/*
 * After a crash between the two commits of a write, meta's generation is
 * ahead of serve's.  Rebuild every zone's served table from its entries,
 * raise the serial past anything journaled, and drop the journal: a
 * secondary then gets a full transfer.
 */
static int
repair_txn(struct store_txn *t, void *arg)
{
	struct store *st = t->st;
	struct prefix all;
	uint8_t zero[16] = { 0 };
	uint32_t sgen, mgen, serial, last;
	MDB_cursor *c;
	MDB_val k, v;
	size_t i;
	int rc, fam, *repaired = arg;

	*repaired = 0;
	if ((rc = get32_at(st, t->txn, st->sglobal, GEN_KEY, &sgen,
	    0)) != 0 ||
	    (rc = get32_at(st, t->mtxn, st->mglobal, GEN_KEY, &mgen,
	    0)) != 0)
		return rc;
	if (sgen == mgen)
		return 0;
	t->no_journal = 1;
	for (i = 0; i < st->nzones; i++) {
		serial = store_serial(t, i);
		if ((rc = mdb_cursor_open(t->mtxn, st->zones[i].jrnl, &c)) != 0)
			return store_mdb(rc);
		if (mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 && k.mv_size == 4) {
			last = get32(k.mv_data);
			if ((int32_t)(last - serial) > 0)
				serial = last;
		}
		mdb_cursor_close(c);
		if ((rc = put32_at(st, t->txn, st->zones[i].smeta, SERIAL_KEY,
		    serial)) != 0)
			return rc;
		txn_wcursor_close(t, i);
		if ((rc = mdb_drop(t->mtxn, st->zones[i].jrnl, 0)) != 0 ||
		    (rc = mdb_drop(t->txn, st->zones[i].serve[0], 0)) != 0 ||
		    (rc = mdb_drop(t->txn, st->zones[i].serve[1], 0)) != 0)
			return store_mdb(rc);
		for (fam = 0; fam < 2; fam++) {
			prefix_make(&all, fam ? ADDR_V6 : ADDR_V4, zero, 0);
			if ((rc = serve_rebuild(t, i, &all)) != 0)
				return rc;
		}
		t->z[i].dirty = 1;	/* a new serial, even if empty */
	}
	*repaired = 1;
	return 0;
}

int
store_repair(struct store *st, struct errbuf *eb)
{
	int repaired = 0, rc;

	if ((rc = run_txn(st, 1, repair_txn, &repaired, eb)) != 0)
		return rc;
	if (repaired)
		errbuf_set(eb, 0, "%s: the served tables were behind the "
		    "entries (an interrupted write) and were rebuilt",
		    st->cfg->database);
	return 0;
}

int
store_write(struct store *st, store_txn_fn fn, void *arg, struct errbuf *eb)
{
	if (st->flags & STORE_RDONLY)
		return errbuf_set(eb, DNSBL_EINVAL, "store opened read-only");
	return run_txn(st, 1, fn, arg, eb);
}

int
store_read(struct store *st, store_txn_fn fn, void *arg, struct errbuf *eb)
{
	return run_txn(st, 0, fn, arg, eb);
}

void
store_zone_hidden(struct store_txn *t, size_t zone, uint64_t n)
{
	if (nlisted_load(t, zone) == 0)
		t->z[zone].nl_removed += n;
}

/* ---------------------------------------------------------------------
 * The served table, read side
 */

int
store_serve_walk(struct store_txn *t, size_t zone, int family,
    store_interval_fn fn, void *arg)
{
	size_t n = addr_len(family);
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t first[16], last[16];
	int rc, cb = 0, op;

	rc = mdb_cursor_open(t->txn,
	    t->st->zones[zone].serve[family == ADDR_V6], &c);
	if (rc)
		return store_mdb(rc);
	memset(first, 0, sizeof(first));
	memset(last, 0, sizeof(last));
	for (op = MDB_FIRST; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != n || v.mv_size < 2)
			continue;
		memcpy(first, k.mv_data, n);
		memcpy(last, v.mv_size >= 2 + n ?
		    (uint8_t *)v.mv_data + 2 : first, n);
		if ((cb = fn(family, first, last, get16(v.mv_data), arg)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return walk_end(rc, cb);
}

int
store_serve_count(struct store_txn *t, size_t zone, int family, uint64_t *n)
{
	MDB_stat ms;
	int rc;

	rc = mdb_stat(t->txn, t->st->zones[zone].serve[family == ADDR_V6], &ms);
	if (rc)
		return store_mdb(rc);
	*n = ms.ms_entries;
	return 0;
}

/* ---------------------------------------------------------------------
 * Raw tables
 */

static MDB_dbi
kv_dbi(struct store_txn *t, size_t zone, enum store_table tb)
{
	return tb == TABLE_RTST ? t->st->zones[zone].rtst :
	    t->st->zones[zone].meta;
}

int
store_kv_get(struct store_txn *t, size_t zone, enum store_table tb,
    const void *key, size_t klen, const void **val, size_t *vlen)
{
	MDB_val k = { klen, (void *)key }, v;
	int rc = mdb_get(t->mtxn, kv_dbi(t, zone, tb), &k, &v);

	if (rc == MDB_NOTFOUND)
		return DNSBL_ENOENT;
	if (rc)
		return store_mdb(rc);
	*val = v.mv_data;
	*vlen = v.mv_size;
	return 0;
}

int
store_kv_put(struct store_txn *t, size_t zone, enum store_table tb,
    const void *key, size_t klen, const void *val, size_t vlen)
{
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };

	if (!t->write)
		return DNSBL_EINVAL;
	return store_mdb(mdb_put(t->mtxn, kv_dbi(t, zone, tb), &k, &v,
	    0));
}

int
store_kv_del(struct store_txn *t, size_t zone, enum store_table tb,
    const void *key, size_t klen)
{
	MDB_val k = { klen, (void *)key };
	int rc;

	if (!t->write)
		return DNSBL_EINVAL;
	rc = mdb_del(t->mtxn, kv_dbi(t, zone, tb), &k, NULL);
	if (rc == MDB_NOTFOUND)
		return DNSBL_ENOENT;
	return store_mdb(rc);
}

void
store_set_now(struct store *st, int64_t now)
{
	st->fixed_now = now;
}

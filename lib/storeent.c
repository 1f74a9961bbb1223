/*
 * storeent.c -- the entries of a zone (ZONE/ent) within a transaction:
 * reading one, writing one (which keeps the listed count and rebuilds the
 * served table where the change matters, serve.c), the entry covering a
 * prefix, and walks in key order.
 *
 * A write transaction that appends (a sorted import) skips the lookups
 * that cannot find anything: see the bounds in struct zone_txn.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "store_int.h"

/*
 * 1 if key sorts after every key of ZONE/ent, so is absent; 0 if it may be
 * there (always in a read txn: the bound is for the appends of a writer);
 * or a store error.
 */
static int
ent_past_end(struct store_txn *t, size_t zone, const uint8_t *key)
{
	struct zone_txn *z = &t->z[zone];
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (!t->write)
		return 0;
	if (z->ent_end_state == END_UNKNOWN) {
		if ((rc = mdb_cursor_open(t->mtxn, t->st->zones[zone].ent,
		    &c)) != 0)
			return store_mdb(rc);
		rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
		if (rc == 0 && k.mv_size == ENTKEY_LEN) {
			memcpy(z->ent_end, k.mv_data, ENTKEY_LEN);
			z->ent_end_state = END_KNOWN;
		} else if (rc == MDB_NOTFOUND)
			z->ent_end_state = END_EMPTY;
		mdb_cursor_close(c);
		if (rc == 0 && z->ent_end_state == END_UNKNOWN)
			return 0;	/* an odd key: no bound, look up */
		if (rc && rc != MDB_NOTFOUND)
			return store_mdb(rc);
	}
	return z->ent_end_state == END_EMPTY ||
	    memcmp(key, z->ent_end, ENTKEY_LEN) > 0;
}

/* Raise the bound of ZONE/ent past key, just put. */
static void
ent_end_raise(struct store_txn *t, size_t zone, const uint8_t *key)
{
	struct zone_txn *z = &t->z[zone];

	if (z->ent_end_state == END_UNKNOWN)
		return;
	if (z->ent_end_state == END_EMPTY ||
	    memcmp(key, z->ent_end, ENTKEY_LEN) > 0)
		memcpy(z->ent_end, key, ENTKEY_LEN);
	z->ent_end_state = END_KNOWN;
}

/*
 * *d = *s, but of each text only its string: an entry is mostly its two
 * text buffers, and most texts are short or empty.
 */
static void
entry_copy(struct entry *d, const struct entry *s)
{
	size_t n;

	memcpy(d, s, offsetof(struct entry, reason));
	n = strnlen(s->reason, sizeof(s->reason) - 1);
	memcpy(d->reason, s->reason, n);
	d->reason[n] = '\0';
	n = strnlen(s->txt, sizeof(s->txt) - 1);
	memcpy(d->txt, s->txt, n);
	d->txt[n] = '\0';
}

int
store_entry_get(struct store_txn *t, size_t zone, const struct prefix *p,
    struct entry *e)
{
	uint8_t key[ENTKEY_LEN];
	MDB_val k = { ENTKEY_LEN, key }, v;
	int rc;

	if (t->cache_valid && t->cache_zone == zone &&
	    memcmp(&t->cache.prefix, p, sizeof(*p)) == 0) {
		entry_copy(e, &t->cache);
		return t->cache_had ? 0 : DNSBL_ENOENT;
	}
	t->cache_valid = 0;
	entry_key(p, key);
	if ((rc = ent_past_end(t, zone, key)) < 0)
		return rc;
	if (rc == 0)
		rc = mdb_get(t->mtxn, t->st->zones[zone].ent, &k, &v);
	else
		rc = MDB_NOTFOUND;	/* past the end: absent */
	if (rc == MDB_NOTFOUND) {
		memset(e, 0, offsetof(struct entry, reason));
		e->reason[0] = e->txt[0] = '\0';
		e->prefix = *p;
		rc = DNSBL_ENOENT;
	} else if (rc)
		return store_mdb(rc);
	else {
		e->prefix = *p;
		if ((rc = entry_decode(v.mv_data, v.mv_size, e)) != 0)
			return rc;
	}
	entry_copy(&t->cache, e);
	t->cache_zone = zone;
	t->cache_had = rc == 0;
	t->cache_valid = 1;
	return rc;
}

int
store_entry_put(struct store_txn *t, size_t zone, const struct entry *e)
{
	uint8_t key[ENTKEY_LEN];
	struct entry old;
	MDB_val k = { ENTKEY_LEN, key }, v;
	MDB_cursor *c;
	int rc, had, serving, was, old_state;
	uint16_t old_answer;

	if (!t->write)
		return DNSBL_EINVAL;
	/* Of the entry stored, only its state and answer are needed. */
	if (!(t->cache_valid && t->cache_zone == zone &&
	    memcmp(&t->cache.prefix, &e->prefix, sizeof(e->prefix)) == 0)) {
		had = store_entry_get(t, zone, &e->prefix, &old);
		if (had != 0 && had != DNSBL_ENOENT)
			return had;
	}
	had = t->cache_had ? 0 : DNSBL_ENOENT;	/* the get filled it */
	old_state = t->cache.state;
	old_answer = t->cache.answer;
	t->cache_valid = 0;
	if ((rc = entry_encode(e, &t->enc)) != 0)
		return rc;
	entry_key(&e->prefix, key);
	v.mv_data = t->enc.p;
	v.mv_size = t->enc.len;
	if ((rc = txn_wcursor(t, zone, WC_ENT, &c)) != 0 ||
	    (rc = store_mdb(put_ordered(c, &k, &v))) != 0)
		return rc;
	ent_end_raise(t, zone, key);
	entry_copy(&t->cache, e);
	t->cache_zone = zone;
	t->cache_had = 1;
	t->cache_valid = 1;
	if ((rc = nlisted_note(t, zone, had == 0 && old_state == ENTRY_LISTED,
	    e->state == ENTRY_LISTED)) != 0)
		return rc;
	serving = (e->state == ENTRY_LISTED || e->state == ENTRY_EXCLUDED);
	was = had == 0 && (old_state == ENTRY_LISTED ||
	    old_state == ENTRY_EXCLUDED);
	if (serving && (rc = serve_note_len(t, zone, &e->prefix)) != 0)
		return rc;
	if (!was && !serving)
		return 0;
	if (was && serving && old_state == e->state &&
	    (e->state != ENTRY_LISTED || old_answer == e->answer))
		return 0;
	return serve_rebuild(t, zone, &e->prefix);
}

int
store_entry_cover(struct store_txn *t, size_t zone, const struct prefix *p,
    struct entry *e)
{
	uint8_t mask[17];
	struct entry cur;
	struct prefix q;
	int len, rc, found = 0;

	if ((rc = serve_lens(t, zone, p->family, mask)) != 0)
		return rc;
	for (len = p->len; len >= 0; len--) {
		if (!(mask[len / 8] & (0x80 >> (len % 8))))
			continue;
		prefix_make(&q, p->family, p->addr, len);
		rc = store_entry_get(t, zone, &q, &cur);
		if (rc == DNSBL_ENOENT)
			continue;
		if (rc)
			return rc;
		if (cur.state == ENTRY_EXCLUDED) {
			*e = cur;
			return 0;
		}
		if (cur.state == ENTRY_LISTED && !found) {
			*e = cur;
			found = 1;
		}
	}
	return found ? 0 : DNSBL_ENOENT;
}

/* Walk entries with keys in [lo, hi] (whole table when lo is NULL). */
static int
entry_walk(struct store_txn *t, size_t zone, const uint8_t *lo,
    const uint8_t *hi, store_entry_fn fn, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	struct entry e;
	int rc, cb = 0, op;

	if ((rc = mdb_cursor_open(t->mtxn, t->st->zones[zone].ent, &c)) != 0)
		return store_mdb(rc);
	k.mv_data = (void *)lo;
	k.mv_size = ENTKEY_LEN;
	for (op = lo ? MDB_SET_RANGE : MDB_FIRST;
	    (rc = mdb_cursor_get(c, &k, &v, op)) == 0; op = MDB_NEXT) {
		if (k.mv_size != ENTKEY_LEN)
			continue;
		if (hi && memcmp(k.mv_data, hi, ENTKEY_LEN) > 0)
			break;
		entry_key_prefix(k.mv_data, &e.prefix);
		if (entry_decode(v.mv_data, v.mv_size, &e) != 0)
			continue;
		if ((cb = fn(&e, arg)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return walk_end(rc, cb);
}

int
store_entry_walk(struct store_txn *t, size_t zone, store_entry_fn fn,
    void *arg)
{
	return entry_walk(t, zone, NULL, NULL, fn, arg);
}

int
store_entry_walk_within(struct store_txn *t, size_t zone,
    const struct prefix *p, store_entry_fn fn, void *arg)
{
	uint8_t lo[ENTKEY_LEN], hi[ENTKEY_LEN];
	struct prefix q;
	uint8_t last[16];

	/* From p itself (a shorter prefix at its address contains it)... */
	entry_key(p, lo);
	/* ...to the last address, at any length. */
	prefix_last(p, last);
	memset(&q, 0, sizeof(q));
	q.family = p->family;
	memcpy(q.addr, last, 16);
	q.len = 255;
	entry_key(&q, hi);
	return entry_walk(t, zone, lo, hi, fn, arg);
}


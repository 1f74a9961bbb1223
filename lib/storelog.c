/*
 * storelog.c -- the audit trail (history events) and the IXFR journal.
 *
 * History: ZONE/hist maps a sequence number (u64, big-endian, one counter
 * for the whole store) to an event; ZONE/hidx maps family|addr16|len|seq to
 * nothing, so one prefix's events are a range scan.  Events are never
 * changed or removed.  Actors ("import:FILE (admin:root)") repeat across
 * thousands of events, so ZONE/meta keeps each once: 'c'+text -> id and
 * 'C'+id -> text.
 *
 * Journal: ZONE/jrnl maps a serial (u32, big-endian) to the served-table
 * changes that produced it from the serial before, as packed records
 * op(1) family(1) answer(2) first(n) last(n) with n = 4 or 16.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "store_int.h"

#define HIDX_LEN (ENTKEY_LEN + 8)

static int
hseq_load(struct store_txn *t)
{
	MDB_val k = { strlen(HSEQ_KEY), HSEQ_KEY }, v;
	int rc;

	if (t->hseq != 0)
		return 0;
	if (!t->st->have_global)
		return DNSBL_EINVAL;		/* a write needs @store */
	rc = mdb_get(t->mtxn, t->st->mglobal, &k, &v);
	if (rc == MDB_NOTFOUND || (rc == 0 && v.mv_size != 8)) {
		t->hseq = 1;
		return 0;
	}
	if (rc)
		return store_mdb(rc);
	t->hseq = get64(v.mv_data);
	if (t->hseq == 0)
		t->hseq = 1;
	return 0;
}

/* The id of actor in zone's actor table, adding it if new. */
static int
actor_intern(struct store_txn *t, size_t zone, const char *actor,
    uint32_t *id)
{
	MDB_dbi meta = t->st->zones[zone].meta;
	uint8_t key[1 + ACTOR_MAX + 1], idk[5], idv[4];
	size_t n = strlen(actor);
	MDB_val k, v;
	uint32_t next;
	int rc;

	if (t->actor_valid && t->actor_zone == zone &&
	    strcmp(t->actor, actor) == 0) {
		*id = t->actor_id;
		return 0;
	}
	if (n > ACTOR_MAX)
		return DNSBL_ERANGE;	/* never cut: it would merge actors */
	key[0] = 'c';
	memcpy(key + 1, actor, n);
	k.mv_data = key;
	k.mv_size = 1 + n;
	rc = mdb_get(t->mtxn, meta, &k, &v);
	if (rc == 0 && v.mv_size == 4)
		*id = get32(v.mv_data);
	else if (rc == MDB_NOTFOUND) {
		MDB_val nk = { 6, "nactor" }, nv;
		rc = mdb_get(t->mtxn, meta, &nk, &nv);
		next = rc == 0 && nv.mv_size == 4 ? get32(nv.mv_data) : 1;
		if (rc && rc != MDB_NOTFOUND)
			return store_mdb(rc);
		put32(idv, next);
		v.mv_data = idv;
		v.mv_size = 4;
		if ((rc = mdb_put(t->mtxn, meta, &k, &v, 0)) != 0)
			return store_mdb(rc);
		idk[0] = 'C';
		put32(idk + 1, next);
		k.mv_data = idk;
		k.mv_size = 5;
		key[1 + n] = '\0';	/* stored with its NUL, see event_load() */
		v.mv_data = key + 1;
		v.mv_size = n + 1;
		if ((rc = mdb_put(t->mtxn, meta, &k, &v, 0)) != 0)
			return store_mdb(rc);
		put32(idv, next + 1);
		v.mv_data = idv;
		v.mv_size = 4;
		if ((rc = mdb_put(t->mtxn, meta, &nk, &v, 0)) != 0)
			return store_mdb(rc);
		*id = next;
	} else
		return store_mdb(rc ? rc : MDB_CORRUPTED);
	memcpy(t->actor, actor, n + 1);	/* ours: the caller's may go */
	t->actor_valid = 1;
	t->actor_zone = zone;
	t->actor_id = *id;
	return 0;
}

/* Decode an event and resolve its actor (text in the map, NUL-ended). */
static int
event_load(struct store_txn *t, size_t zone, const MDB_val *k,
    const MDB_val *v, struct event *ev)
{
	uint8_t idk[5];
	uint32_t actor;
	MDB_val ak = { 5, idk }, av;
	int rc;

	if ((rc = event_decode(v->mv_data, v->mv_size, ev, &actor)) != 0)
		return rc;
	if (k->mv_size == 8)
		ev->seq = get64(k->mv_data);
	idk[0] = 'C';
	put32(idk + 1, actor);
	ev->actor = "";
	if (mdb_get(t->mtxn, t->st->zones[zone].meta, &ak, &av) == 0 &&
	    av.mv_size > 0 &&
	    ((const char *)av.mv_data)[av.mv_size - 1] == '\0')
		ev->actor = av.mv_data;
	return 0;
}

int
store_event_add(struct store_txn *t, size_t zone, struct event *ev)
{
	uint8_t sk[8], ik[HIDX_LEN];
	uint32_t actor = 0;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (!t->write)
		return DNSBL_EINVAL;
	if ((rc = hseq_load(t)) != 0 ||
	    (rc = actor_intern(t, zone, ev->actor ? ev->actor : "", &actor)))
		return rc;
	ev->seq = t->hseq;
	if (ev->time == 0)
		ev->time = t->now;
	if ((rc = event_encode(ev, actor, &t->enc)) != 0)
		return rc;
	put64(sk, ev->seq);
	k.mv_data = sk;
	k.mv_size = 8;
	v.mv_data = t->enc.p;
	v.mv_size = t->enc.len;
	/*
	 * The history is append-only: a sequence number only grows, so this
	 * appends, and one that is not past the last event means a damaged
	 * store.  Never overwrite an event.
	 */
	if ((rc = txn_wcursor(t, zone, WC_HIST, &c)) != 0)
		return rc;
	rc = mdb_cursor_put(c, &k, &v, MDB_APPEND);
	if (rc == MDB_KEYEXIST)
		return DNSBL_ECORRUPT;
	if (rc)
		return store_mdb(rc);
	entry_key(&ev->prefix, ik);
	put64(ik + ENTKEY_LEN, ev->seq);
	k.mv_data = ik;
	k.mv_size = HIDX_LEN;
	v.mv_data = "";
	v.mv_size = 0;
	/* Appended when it sorts last (a sorted import): where the table's
	 * write cursor was left, without a descent; else inserted. */
	if ((rc = txn_wcursor(t, zone, WC_HIDX, &c)) != 0)
		return rc;
	rc = mdb_cursor_put(c, &k, &v, MDB_APPEND);
	if (rc == MDB_KEYEXIST)
		rc = mdb_cursor_put(c, &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return DNSBL_ECORRUPT;
	if (rc)
		return store_mdb(rc);
	t->hseq++;
	t->hseq_dirty = 1;
	return 0;
}

static int
event_at(struct store_txn *t, size_t zone, const uint8_t seq[8],
    struct event *ev)
{
	MDB_val k = { 8, (void *)seq }, v;
	int rc = mdb_get(t->mtxn, t->st->zones[zone].hist, &k, &v);

	if (rc == MDB_NOTFOUND)
		return DNSBL_ENOENT;
	if (rc)
		return store_mdb(rc);
	return event_load(t, zone, &k, &v, ev);
}

int
store_event_walk(struct store_txn *t, size_t zone, const struct prefix *p,
    store_event_fn fn, void *arg)
{
	uint8_t ik[HIDX_LEN];
	struct event ev;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, cb = 0, op;

	if (p == NULL) {
		rc = mdb_cursor_open(t->mtxn, t->st->zones[zone].hist, &c);
		if (rc)
			return store_mdb(rc);
		for (op = MDB_FIRST; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
		    op = MDB_NEXT) {
			if (event_load(t, zone, &k, &v, &ev) != 0)
				continue;
			if ((cb = fn(&ev, arg)) != 0)
				break;
		}
		goto done;
	}
	rc = mdb_cursor_open(t->mtxn, t->st->zones[zone].hidx, &c);
	if (rc)
		return store_mdb(rc);
	entry_key(p, ik);
	memset(ik + ENTKEY_LEN, 0, 8);
	k.mv_data = ik;
	k.mv_size = HIDX_LEN;
	for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != HIDX_LEN || memcmp(k.mv_data, ik, ENTKEY_LEN))
			break;
		if (event_at(t, zone, (uint8_t *)k.mv_data + ENTKEY_LEN,
		    &ev) != 0)
			continue;
		if ((cb = fn(&ev, arg)) != 0)
			break;
	}
done:
	mdb_cursor_close(c);
	return walk_end(rc, cb);
}

int
journal_add(struct store_txn *t, size_t zone, int op, int family,
    uint16_t answer, const uint8_t *first, const uint8_t *last)
{
	struct buf *b = &t->z[zone].journal;
	size_t n = addr_len(family);
	uint8_t h[4];
	int rc;

	h[0] = (uint8_t)op;
	h[1] = (uint8_t)family;
	put16(h + 2, answer);
	if ((rc = buf_append(b, h, 4)) != 0 ||
	    (rc = buf_append(b, first, n)) != 0 ||
	    (rc = buf_append(b, last, n)) != 0)
		return rc;
	t->z[zone].dirty = 1;
	return 0;
}

/* Call fn for each record packed in one journal value. */
static int
journal_unpack(uint32_t serial, const uint8_t *p, size_t len,
    store_journal_fn fn, void *arg)
{
	struct journal_rec rec;
	size_t n;
	int rc;

	while (len >= 4) {
		memset(&rec, 0, sizeof(rec));
		rec.op = p[0];
		rec.family = p[1];
		rec.answer = get16(p + 2);
		if (rec.family != ADDR_V4 && rec.family != ADDR_V6)
			return DNSBL_EPARSE;
		n = addr_len(rec.family);
		if (len < 4 + 2 * n)
			return DNSBL_EPARSE;
		memcpy(rec.first, p + 4, n);
		memcpy(rec.last, p + 4 + n, n);
		if ((rc = fn(serial, &rec, arg)) != 0)
			return rc;
		p += 4 + 2 * n;
		len -= 4 + 2 * n;
	}
	return len == 0 ? 0 : DNSBL_EPARSE;
}

int
store_journal_walk(struct store_txn *t, size_t zone, uint32_t from,
    store_journal_fn fn, void *arg)
{
	uint32_t cur = store_serial(t, zone), want;
	uint8_t key[4];
	MDB_cursor *c;
	MDB_val k, v;
	int rc, cb = 0, op;

	if (from == cur)
		return 0;
	/* The client must be behind us (RFC 1982 arithmetic). */
	if ((int32_t)(cur - from) < 0)
		return DNSBL_ENOENT;
	want = from + 1;
	if (want == 0)
		want = 1;
	put32(key, want);
	k.mv_data = key;
	k.mv_size = 4;
	if (mdb_get(t->mtxn, t->st->zones[zone].jrnl, &k, &v) != 0)
		return DNSBL_ENOENT;
	if ((rc = mdb_cursor_open(t->mtxn, t->st->zones[zone].jrnl, &c)) != 0)
		return store_mdb(rc);
	for (op = MDB_SET_KEY; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != 4 || get32(k.mv_data) != want) {
			cb = DNSBL_ENOENT;	/* a gap: cannot serve IXFR */
			break;
		}
		if ((cb = journal_unpack(want, v.mv_data, v.mv_size, fn,
		    arg)) != 0)
			break;
		if (want == cur)
			break;
		want++;
	}
	mdb_cursor_close(c);
	if (cb == 0 && rc == MDB_NOTFOUND && want != cur)
		return DNSBL_ENOENT;	/* the journal stops short */
	return walk_end(rc, cb);
}

uint64_t
store_history_next(struct store_txn *t)
{
	if (!t->st->have_global)
		return 0;
	return hseq_load(t) == 0 ? t->hseq : 0;
}

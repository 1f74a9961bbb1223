/*
 * storelog.c -- the audit trail (history events) and the IXFR journal.
 *
 * History: ZONE/hist maps a sequence number (u64, big-endian, one counter
 * for the whole store) to an event; ZONE/hidx maps family|addr16|len|seq to
 * nothing, so one prefix's events are a range scan.  Events are never
 * changed or removed.
 *
 * Journal: ZONE/jrnl maps a serial (u32, big-endian) to the served-table
 * changes that produced it from the serial before, as packed records
 * op(1) family(1) answer(2) first(n) last(n) with n = 4 or 16.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "store_int.h"

#define HSEQ_KEY "hseq"
#define HIDX_LEN (ENTKEY_LEN + 8)

static int
hseq_load(struct store_txn *t)
{
	MDB_val k = { strlen(HSEQ_KEY), HSEQ_KEY }, v;
	int rc;

	if (t->hseq != 0)
		return 0;
	rc = mdb_get(t->txn, t->st->zones[0].meta, &k, &v);
	if (rc == MDB_NOTFOUND || (rc == 0 && v.mv_size != 8)) {
		t->hseq = 1;
		return 0;
	}
	if (rc)
		return store_mdb(t->st, rc);
	t->hseq = get64(v.mv_data);
	if (t->hseq == 0)
		t->hseq = 1;
	return 0;
}

int
store_event_add(struct store_txn *t, size_t zone, struct event *ev)
{
	uint8_t sk[8], ik[HIDX_LEN];
	MDB_val k, v;
	int rc;

	if (!t->write)
		return DNSBL_EINVAL;
	if ((rc = hseq_load(t)) != 0)
		return rc;
	ev->seq = t->hseq;
	if (ev->time == 0)
		ev->time = t->now;
	if ((rc = event_encode(ev, &t->enc)) != 0)
		return rc;
	put64(sk, ev->seq);
	k.mv_data = sk;
	k.mv_size = 8;
	v.mv_data = t->enc.p;
	v.mv_size = t->enc.len;
	/* Sequence numbers only grow: this appends. */
	if ((rc = put_ordered(t->txn, t->st->zones[zone].hist, &k, &v)) != 0)
		return store_mdb(t->st, rc);
	entry_key(&ev->prefix, ik);
	put64(ik + ENTKEY_LEN, ev->seq);
	k.mv_data = ik;
	k.mv_size = HIDX_LEN;
	v.mv_data = "";
	v.mv_size = 0;
	if ((rc = put_ordered(t->txn, t->st->zones[zone].hidx, &k, &v)) != 0)
		return store_mdb(t->st, rc);
	t->hseq++;
	t->hseq_dirty = 1;
	return 0;
}

static int
event_at(struct store_txn *t, size_t zone, const uint8_t seq[8],
    struct event *ev)
{
	MDB_val k = { 8, (void *)seq }, v;
	int rc = mdb_get(t->txn, t->st->zones[zone].hist, &k, &v);

	if (rc == MDB_NOTFOUND)
		return DNSBL_ENOENT;
	if (rc)
		return store_mdb(t->st, rc);
	return event_decode(v.mv_data, v.mv_size, ev);
}

int
store_event_walk(struct store_txn *t, size_t zone, const struct prefix *p,
    store_event_fn fn, void *arg)
{
	uint8_t ik[HIDX_LEN];
	struct event ev;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, op;

	if (p == NULL) {
		rc = mdb_cursor_open(t->txn, t->st->zones[zone].hist, &c);
		if (rc)
			return store_mdb(t->st, rc);
		for (op = MDB_FIRST; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
		    op = MDB_NEXT) {
			if (event_decode(v.mv_data, v.mv_size, &ev) != 0)
				continue;
			if ((rc = fn(&ev, arg)) != 0)
				break;
		}
		goto done;
	}
	rc = mdb_cursor_open(t->txn, t->st->zones[zone].hidx, &c);
	if (rc)
		return store_mdb(t->st, rc);
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
		if ((rc = fn(&ev, arg)) != 0)
			break;
	}
	if (rc == 0)	/* left the prefix's range */
		rc = MDB_NOTFOUND;
done:
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc > 0 ? store_mdb(t->st, rc) : rc;
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
	int rc, op;

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
	if (mdb_get(t->txn, t->st->zones[zone].jrnl, &k, &v) != 0)
		return DNSBL_ENOENT;
	if ((rc = mdb_cursor_open(t->txn, t->st->zones[zone].jrnl, &c)) != 0)
		return store_mdb(t->st, rc);
	for (op = MDB_SET_KEY; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != 4 || get32(k.mv_data) != want) {
			rc = DNSBL_ENOENT;	/* a gap: cannot serve IXFR */
			break;
		}
		if ((rc = journal_unpack(want, v.mv_data, v.mv_size, fn,
		    arg)) != 0)
			break;
		if (want == cur)
			break;
		want++;
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		rc = want == cur ? 0 : DNSBL_ENOENT;
	return rc > 0 ? store_mdb(t->st, rc) : rc;
}

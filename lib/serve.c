/*
 * serve.c -- derive the served table from the entries.
 *
 * dnsbld reads only ZONE/v4 and ZONE/v6: disjoint intervals, each with an
 * answer index.  Whenever a prefix's entry changes in a way that matters
 * (state or answer), serve_rebuild() recomputes the intervals over that
 * prefix's range from the entries that bear on it:
 *
 *   - the entries that contain the prefix (found by point lookups, one per
 *     prefix length in use, which ZONE/meta records as a bitmap), and
 *   - the entries inside the affected range (a range scan of ZONE/ent).
 *
 * Prefixes nest or are disjoint, so a sweep over them sorted by (start,
 * length) with a stack gives each address its deepest covering entry.  An
 * exclusion anywhere on the stack wins over any listing; otherwise the
 * deepest listing gives the answer.  The new intervals are compared with
 * the old ones and only the differences are written and journaled, so a
 * change that changes nothing leaves the zone (and its serial) alone.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "store_int.h"

#define VAL_EXCLUDED (-1)
#define VAL_NONE (-2)

typedef unsigned __int128 u128;

static u128
umax(int family)
{
	return family == ADDR_V4 ? (u128)0xffffffffu : ~(u128)0;
}

int
serve_lens(struct store_txn *t, size_t zone, int family, uint8_t mask[17])
{
	struct zone_txn *z = &t->z[zone];
	int fi = family == ADDR_V6;
	const char *key = fi ? LENS_KEY6 : LENS_KEY4;
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc;

	if (z->lens_loaded[fi]) {
		memcpy(mask, z->lens[fi], 17);
		return 0;
	}
	rc = mdb_get(t->mtxn, t->st->zones[zone].meta, &k, &v);
	if (rc && rc != MDB_NOTFOUND)
		return store_mdb(rc);
	memset(z->lens[fi], 0, 17);
	if (rc == 0 && v.mv_size == 17)
		memcpy(z->lens[fi], v.mv_data, 17);
	z->lens_loaded[fi] = 1;
	memcpy(mask, z->lens[fi], 17);
	return 0;
}

int
serve_note_len(struct store_txn *t, size_t zone, const struct prefix *p)
{
	struct zone_txn *z = &t->z[zone];
	int fi = p->family == ADDR_V6;
	const char *key = fi ? LENS_KEY6 : LENS_KEY4;
	uint8_t mask[17], bit = (uint8_t)(0x80 >> (p->len % 8));
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc;

	if ((rc = serve_lens(t, zone, p->family, mask)) != 0)
		return rc;
	if (mask[p->len / 8] & bit)
		return 0;
	z->lens[fi][p->len / 8] |= bit;
	v.mv_data = z->lens[fi];
	v.mv_size = 17;
	return store_mdb(mdb_put(t->mtxn, t->st->zones[zone].meta, &k,
	    &v, 0));
}

static int
push_ival(struct store_txn *t, int neu, u128 first, u128 last, uint16_t ans)
{
	struct ival **arr = neu ? &t->neu : &t->old;
	size_t *n = neu ? &t->nneu : &t->nold, *cap = neu ? &t->cneu : &t->cold;
	struct ival *na;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		if ((na = realloc(*arr, nc * sizeof(*na))) == NULL)
			return DNSBL_ENOMEM;
		*arr = na;
		*cap = nc;
	}
	(*arr)[*n].first = first;
	(*arr)[*n].last = last;
	(*arr)[*n].answer = ans;
	(*n)++;
	return 0;
}

/* Append e to t->ents (push_ent(): what the rebuild needs of an entry). */
static int
push_brief(struct store_txn *t, const struct ent_brief *e)
{
	struct ent_brief *na;

	if (t->nents == t->cents) {
		size_t nc = t->cents ? t->cents * 2 : 64;
		if ((na = realloc(t->ents, nc * sizeof(*na))) == NULL)
			return DNSBL_ENOMEM;
		t->ents = na;
		t->cents = nc;
	}
	t->ents[t->nents++] = *e;
	return 0;
}

static int
push_ent(struct store_txn *t, const struct entry *e)
{
	struct ent_brief b;

	b.prefix = e->prefix;
	b.state = e->state;
	b.answer = e->answer;
	return push_brief(t, &b);
}

static void
decode_ival(int family, const MDB_val *k, const MDB_val *v, struct ival *iv)
{
	size_t n = addr_len(family);

	iv->first = addr_to_u128(family, k->mv_data);
	iv->answer = get16(v->mv_data);
	iv->last = v->mv_size >= 2 + n ?
	    addr_to_u128(family, (uint8_t *)v->mv_data + 2) : iv->first;
}

/*
 * 1 if pf is past the end of every served interval of family, so that an
 * interval from pf overlaps none; 0 if it may overlap; or a store error.
 * Write txns only: see zone_txn.
 */
static int
srv_past_end(struct store_txn *t, size_t zone, int family, u128 pf)
{
	struct zone_txn *z = &t->z[zone];
	int fi = family == ADDR_V6, rc;
	MDB_cursor *c;
	struct ival iv;
	MDB_val k, v;

	if (!t->write)
		return 0;
	if (z->srv_end_state[fi] == END_UNKNOWN) {
		if ((rc = mdb_cursor_open(t->txn, t->st->zones[zone].serve[fi],
		    &c)) != 0)
			return store_mdb(rc);
		rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
		if (rc == 0 && k.mv_size == addr_len(family) &&
		    v.mv_size >= 2) {
			decode_ival(family, &k, &v, &iv);
			z->srv_end[fi] = iv.last;
			z->srv_end_state[fi] = END_KNOWN;
		} else if (rc == MDB_NOTFOUND)
			z->srv_end_state[fi] = END_EMPTY;
		mdb_cursor_close(c);
		if (rc && rc != MDB_NOTFOUND)
			return store_mdb(rc);
		if (z->srv_end_state[fi] == END_UNKNOWN)
			return 0;	/* an odd record: no bound */
	}
	return z->srv_end_state[fi] == END_EMPTY || pf > z->srv_end[fi];
}

/* Raise the bound of family's served table to last, just put. */
static void
srv_end_raise(struct store_txn *t, size_t zone, int family, u128 last)
{
	struct zone_txn *z = &t->z[zone];
	int fi = family == ADDR_V6;

	if (z->srv_end_state[fi] == END_UNKNOWN)
		return;
	if (z->srv_end_state[fi] == END_EMPTY || last > z->srv_end[fi])
		z->srv_end[fi] = last;
	z->srv_end_state[fi] = END_KNOWN;
}

/* The served intervals that overlap [pf, pl], in order, into t->old. */
static int
collect_old(struct store_txn *t, MDB_cursor *c, int family, u128 pf, u128 pl)
{
	size_t n = addr_len(family);
	uint8_t key[16];
	struct ival iv;
	MDB_val k, v;
	int rc;

	t->nold = 0;
	u128_to_addr(family, pf, key);
	k.mv_data = key;
	k.mv_size = n;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc != 0 || memcmp(k.mv_data, key, n) != 0) {
		/* Does the interval before pf reach into the range? */
		if (rc == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
		else if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
		if (rc == 0 && k.mv_size == n && v.mv_size >= 2) {
			decode_ival(family, &k, &v, &iv);
			if (iv.last >= pf && (rc = push_ival(t, 0, iv.first,
			    iv.last, iv.answer)) != 0)
				return rc;
		} else if (rc && rc != MDB_NOTFOUND)
			return store_mdb(rc);
	}
	k.mv_data = key;
	k.mv_size = n;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != n || v.mv_size < 2)
			continue;
		decode_ival(family, &k, &v, &iv);
		if (iv.first > pl)
			break;
		if ((rc = push_ival(t, 0, iv.first, iv.last, iv.answer)) != 0)
			return rc;
	}
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_mdb(rc);
}

static int
active(int state)
{
	return state == ENTRY_LISTED || state == ENTRY_EXCLUDED;
}

/* The active entries bearing on [s, e] around p, into t->ents. */
static int
collect_entries(struct store_txn *t, size_t zone, const struct prefix *p,
    u128 s, u128 e)
{
	uint8_t mask[17], key[ENTKEY_LEN], a[16];
	struct entry ent;
	struct ent_brief self;
	struct prefix q;
	MDB_cursor *c;
	MDB_val k, v;
	int len, rc, cb = 0, host, self_had = 0;

	t->nents = 0;
	/*
	 * A host prefix whose range is its one address (no wider interval
	 * met, the usual case of a bulk import): the range scan below would
	 * find p's own entry and nothing else, and store_entry_put() has
	 * just left it in the cache: take it from there.
	 */
	host = p->len == addr_len(p->family) * 8 && s == e &&
	    s == addr_to_u128(p->family, p->addr) && t->cache_valid &&
	    t->cache_zone == zone && memcmp(&t->cache.prefix, p,
	    sizeof(*p)) == 0;
	if (host) {
		self.prefix = t->cache.prefix;
		self.state = t->cache.state;
		self.answer = t->cache.answer;
		self_had = t->cache_had;
	}
	if ((rc = serve_lens(t, zone, p->family, mask)) != 0)
		return rc;
	for (len = 0; len < p->len; len++) {
		if (!(mask[len / 8] & (0x80 >> (len % 8))))
			continue;
		prefix_make(&q, p->family, p->addr, len);
		rc = store_entry_get(t, zone, &q, &ent);
		if (rc == DNSBL_ENOENT)
			continue;
		if (rc)
			return rc;
		if (active(ent.state) && (rc = push_ent(t, &ent)) != 0)
			return rc;
	}
	if (host) {
		if (self_had && active(self.state))
			return push_brief(t, &self);
		return 0;
	}
	if ((rc = mdb_cursor_open(t->mtxn, t->st->zones[zone].ent, &c)) != 0)
		return store_mdb(rc);
	memset(a, 0, sizeof(a));
	u128_to_addr(p->family, s, a);
	prefix_make(&q, p->family, a, 0);
	memcpy(q.addr, a, 16);		/* the key only: start at s, len 0 */
	entry_key(&q, key);
	k.mv_data = key;
	k.mv_size = ENTKEY_LEN;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kp = k.mv_data;
		if (k.mv_size != ENTKEY_LEN || kp[0] != p->family)
			break;
		if (addr_to_u128(p->family, kp + 1) > e)
			break;
		entry_key_prefix(kp, &ent.prefix);
		if (entry_decode(v.mv_data, v.mv_size, &ent) != 0)
			continue;
		/* Containers of p were found above. */
		if (ent.prefix.len < p->len && prefix_contains(&ent.prefix, p))
			continue;
		if (active(ent.state) && (cb = push_ent(t, &ent)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return walk_end(rc, cb);
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct ent_brief *x = a, *y = b;
	int c = memcmp(x->prefix.addr, y->prefix.addr, 16);

	if (c)
		return c;
	return (int)x->prefix.len - (int)y->prefix.len;
}

struct frame {
	u128 last;
	int val;
};

/* Append [from, to] with val to t->neu, clipped to [s, e]. */
static int
emit(struct store_txn *t, u128 from, u128 to, int val, u128 s, u128 e)
{
	if (val < 0)
		return 0;
	if (from < s)
		from = s;
	if (to > e)
		to = e;
	if (from > to)
		return 0;
	return push_ival(t, 1, from, to, (uint16_t)val);
}

/* Sweep t->ents (sorted) into t->neu over [s, e]. */
static int
sweep(struct store_txn *t, int family, u128 s, u128 e)
{
	struct frame stack[130];
	size_t i, sp = 0;
	u128 cur = s, ef, el, top = umax(family);
	uint8_t buf[16];
	int rc, val, done = 0;

	t->nneu = 0;
	for (i = 0; i < t->nents; i++) {
		const struct ent_brief *en = &t->ents[i];

		prefix_first(&en->prefix, buf);
		ef = addr_to_u128(family, buf);
		prefix_last(&en->prefix, buf);
		el = addr_to_u128(family, buf);
		while (sp > 0 && stack[sp - 1].last < ef) {
			if ((rc = emit(t, cur, stack[sp - 1].last,
			    stack[sp - 1].val, s, e)) != 0)
				return rc;
			cur = stack[sp - 1].last + 1;
			sp--;
		}
		if (cur < ef) {
			if ((rc = emit(t, cur, ef - 1, sp ? stack[sp - 1].val :
			    VAL_NONE, s, e)) != 0)
				return rc;
			cur = ef;
		}
		if (sp >= sizeof(stack) / sizeof(stack[0]))
			return DNSBL_EINVAL;	/* not nested: cannot happen */
		if (en->state == ENTRY_EXCLUDED ||
		    (sp && stack[sp - 1].val == VAL_EXCLUDED))
			val = VAL_EXCLUDED;
		else
			val = en->answer;
		stack[sp].last = el;
		stack[sp].val = val;
		sp++;
	}
	while (sp > 0 && !done) {
		if ((rc = emit(t, cur, stack[sp - 1].last, stack[sp - 1].val,
		    s, e)) != 0)
			return rc;
		if (stack[sp - 1].last == top)
			done = 1;
		else
			cur = stack[sp - 1].last + 1;
		sp--;
	}
	return 0;
}

static int
put_ival(struct store_txn *t, size_t zone, int family, const struct ival *iv,
    int del)
{
	size_t n = addr_len(family);
	uint8_t key[16], val[18], last[16];
	MDB_val k = { n, key }, v = { 2, val }, old;
	MDB_cursor *c;
	int rc;

	if ((rc = txn_wcursor(t, zone, family == ADDR_V6 ? WC_SRV6 : WC_SRV4,
	    &c)) != 0)
		return rc;
	u128_to_addr(family, iv->first, key);
	u128_to_addr(family, iv->last, last);
	if (del) {
		if ((rc = mdb_cursor_get(c, &k, &old, MDB_SET)) != 0 ||
		    (rc = mdb_cursor_del(c, 0)) != 0)
			return store_mdb(rc);
		return journal_add(t, zone, JOURNAL_DEL, family, iv->answer,
		    key, last);
	}
	put16(val, iv->answer);
	if (iv->last != iv->first) {
		memcpy(val + 2, last, n);
		v.mv_size = 2 + n;
	}
	if ((rc = put_ordered(c, &k, &v)) != 0)
		return store_mdb(rc);
	srv_end_raise(t, zone, family, iv->last);
	return journal_add(t, zone, JOURNAL_ADD, family, iv->answer, key, last);
}

/* Write the differences between t->old and t->neu. */
static int
apply_diff(struct store_txn *t, size_t zone, int family)
{
	size_t i = 0, j = 0;
	int rc;

	while (i < t->nold || j < t->nneu) {
		struct ival *o = i < t->nold ? &t->old[i] : NULL;
		struct ival *nw = j < t->nneu ? &t->neu[j] : NULL;

		if (nw == NULL || (o && o->first < nw->first)) {
			rc = put_ival(t, zone, family, o, 1);
			i++;
		} else if (o == NULL || nw->first < o->first) {
			rc = put_ival(t, zone, family, nw, 0);
			j++;
		} else {
			rc = 0;
			if (o->last != nw->last || o->answer != nw->answer) {
				if ((rc = put_ival(t, zone, family, o, 1)) == 0)
					rc = put_ival(t, zone, family, nw, 0);
			}
			i++;
			j++;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int
serve_rebuild(struct store_txn *t, size_t zone, const struct prefix *p)
{
	MDB_cursor *c;
	uint8_t buf[16];
	u128 pf, pl, s, e;
	int rc;

	prefix_first(p, buf);
	pf = addr_to_u128(p->family, buf);
	prefix_last(p, buf);
	pl = addr_to_u128(p->family, buf);
	t->nold = 0;
	if ((rc = srv_past_end(t, zone, p->family, pf)) < 0)
		return rc;
	if (rc == 0) {
		rc = mdb_cursor_open(t->txn,
		    t->st->zones[zone].serve[p->family == ADDR_V6], &c);
		if (rc)
			return store_mdb(rc);
		rc = collect_old(t, c, p->family, pf, pl);
		mdb_cursor_close(c);
		if (rc)
			return rc;
	}
	s = pf;
	e = pl;
	if (t->nold > 0 && t->old[0].first < s)
		s = t->old[0].first;
	if (t->nold > 0 && t->old[t->nold - 1].last > e)
		e = t->old[t->nold - 1].last;
	if ((rc = collect_entries(t, zone, p, s, e)) != 0)
		return rc;
	if (t->nents > 1)
		qsort(t->ents, t->nents, sizeof(*t->ents), ent_cmp);
	if ((rc = sweep(t, p->family, s, e)) != 0)
		return rc;
	return apply_diff(t, zone, p->family);
}

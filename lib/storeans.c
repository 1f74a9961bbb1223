/*
 * storeans.c -- a zone's answers (the A and TXT a listing gives, or the
 * code it names) and the config applied to it; see store.h.  Both live in
 * serve's ZONE/smeta, where dnsbld reads them.
 */
#include <string.h>

#include "config.h"
#include "err.h"
#include "store_int.h"
#include "zonefp.h"

/* ---------------------------------------------------------------------
 * Answers
 */

int
store_answer_intern(struct store_txn *t, size_t zone, const uint8_t a[4],
    const char *txt, const char *code, uint16_t *idx)
{
	const struct cfg_zone *cz = &t->st->cfg->zones[zone];
	size_t tl = txt ? strlen(txt) : 0, cl = code ? strlen(code) : 0, kl;
	uint8_t key[1 + 4 + 2 * ENTRY_TEXT_MAX];
	uint8_t val[4 + 2 * ENTRY_TEXT_MAX + 2], iv[2];
	uint32_t next;
	MDB_val k, v;
	int rc;

	if (tl >= ENTRY_TEXT_MAX || cl >= ENTRY_TEXT_MAX)
		return DNSBL_ERANGE;
	if (tl == 0 && cl == 0 && memcmp(a, cz->a, 4) == 0) {
		*idx = ANSWER_DEFAULT;
		return 0;
	}
	/* 'a' A txt, or 'c' code NUL txt: a code's answer follows the code. */
	if (cl == 0) {
		key[0] = 'a';
		memcpy(key + 1, a, 4);
		kl = 5;
	} else {
		key[0] = 'c';
		memcpy(key + 1, code, cl + 1);
		kl = 2 + cl;
	}
	memcpy(key + kl, txt ? txt : "", tl);
	k.mv_data = key;
	k.mv_size = kl + tl;
	rc = mdb_get(t->txn, t->st->zones[zone].smeta, &k, &v);
	if (rc == 0 && v.mv_size == 2) {
		*idx = get16(v.mv_data);
		return 0;
	}
	if (rc != MDB_NOTFOUND)
		return store_mdb(rc ? rc : MDB_CORRUPTED);
	if (!t->write)
		return DNSBL_ENOENT;
	if ((rc = get32_at(t->st, t->txn, t->st->zones[zone].smeta, ANEXT_KEY,
	    &next, 1)) != 0)
		return rc;
	if (next > 0xffff)
		return DNSBL_ESPACE;
	put16(iv, (uint16_t)next);
	if ((rc = put_at(t->st, t->txn, t->st->zones[zone].smeta, key,
	    kl + tl, iv, 2)) != 0)
		return rc;
	/* a(4) txt NUL [code NUL] */
	memcpy(val, a, 4);
	memcpy(val + 4, txt ? txt : "", tl);
	val[4 + tl] = '\0';
	if (cl > 0)
		memcpy(val + 5 + tl, code, cl + 1);
	key[0] = 'A';
	put16(key + 1, (uint16_t)next);
	if ((rc = put_at(t->st, t->txn, t->st->zones[zone].smeta, key, 3, val,
	    5 + tl + (cl ? cl + 1 : 0))) != 0)
		return rc;
	*idx = (uint16_t)next;
	return put32_at(t->st, t->txn, t->st->zones[zone].smeta, ANEXT_KEY,
	    next + 1);
}

int
store_answer_get(struct store_txn *t, size_t zone, uint16_t idx,
    struct store_answer *out)
{
	return store_answer_read_txn(t->st, t->txn, zone, idx, out);
}

/* ---------------------------------------------------------------------
 * The applied config
 */

int
store_zone_fp(struct store_txn *t, size_t zone, uint8_t fp[ZONEFP_LEN])
{
	return store_fp_read(t->st, t->txn, zone, fp);
}

int
store_zone_apply(struct store_txn *t, size_t zone,
    const uint8_t fp[ZONEFP_LEN])
{
	uint8_t cur[ZONEFP_LEN];
	int rc;

	if (!t->write)
		return DNSBL_EINVAL;
	rc = store_zone_fp(t, zone, cur);
	if (rc == 0 && memcmp(cur, fp, ZONEFP_LEN) == 0)
		return 0;
	if (rc != 0 && rc != DNSBL_ENOENT)
		return rc;
	if ((rc = put_at(t->st, t->txn, t->st->zones[zone].smeta, CFGFP_KEY,
	    strlen(CFGFP_KEY), fp, ZONEFP_LEN)) != 0)
		return rc;
	t->z[zone].dirty = 1;
	t->z[zone].restart = 1;
	return 1;
}

int
store_zone_restart(struct store_txn *t, size_t zone, uint32_t serial)
{
	int rc;

	if (!t->write)
		return DNSBL_EINVAL;
	if ((int32_t)(serial - store_serial(t, zone)) <= 0)
		return DNSBL_ERANGE;
	/* The commit raises it once more: one below, and dirty. */
	if ((rc = put32_at(t->st, t->txn, t->st->zones[zone].smeta,
	    SERIAL_KEY, serial - 1 ? serial - 1 : 0xffffffffu)) != 0)
		return rc;
	t->z[zone].dirty = 1;
	t->z[zone].restart = 1;
	return 0;
}

uint32_t
store_generation(struct store_txn *t)
{
	uint32_t gen = 0;

	if (t->st->have_global)
		(void)get32_at(t->st, t->txn, t->st->sglobal, GEN_KEY, &gen, 0);
	return gen;
}

/*
 * lookup.c -- one address in one zone, as the store has it (lookup.h).
 */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "config.h"
#include "err.h"
#include "lookup.h"

const char *
lookup_state_name(int state)
{
	static const char *const names[] = {
		"seen", "listed", "delisted", "excluded"
	};

	return names[state & 3];
}

static int
collect_ev(const struct event *ev, void *arg)
{
	struct lookup *lk = arg;
	struct event *n;

	if (lk->nev == lk->cev) {
		size_t nc = lk->cev ? lk->cev * 2 : 16;
		if ((n = realloc(lk->evs, nc * sizeof(*n))) == NULL)
			return DNSBL_ENOMEM;
		lk->evs = n;
		lk->cev = nc;
	}
	lk->evs[lk->nev++] = *ev;
	return 0;
}

static int
ev_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The RFC 5782 test addresses: 2 listed, 1 never; else 0. */
static int
test_entry(const struct prefix *p)
{
	static const uint8_t v6[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff };
	const uint8_t *a = p->addr;

	if (p->len != addr_bits(p->family))
		return 0;
	if (p->family == ADDR_V6) {
		if (memcmp(a, v6, 12) != 0)
			return 0;
		a += 12;
	}
	if (a[0] == 127 && a[1] == 0 && a[2] == 0 && (a[3] == 1 || a[3] == 2))
		return a[3];
	return 0;
}

int
lookup_zone(struct store_txn *t, size_t zone, const struct prefix *p,
    struct lookup *lk)
{
	const struct cfg_zone *cz = &store_txn_config(t)->zones[zone];
	struct store_answer ans;
	struct answer res;
	uint16_t idx;
	int rc;

	lk->p = *p;
	lk->nev = 0;
	lk->cname = NULL;
	lk->code[0] = lk->txt[0] = lk->ctxt[0] = '\0';
	prefix_format(p, lk->ptxt);
	lk->have = store_entry_get(t, zone, p, &lk->e) == 0;
	rc = store_entry_cover(t, zone, p, &lk->cover);
	if (rc && rc != DNSBL_ENOENT)
		return rc;
	lk->covered = rc == 0;
	lk->test = test_entry(p);
	lk->listed = lk->test ? lk->test == 2 :
	    lk->covered && lk->cover.state == ENTRY_LISTED;
	lk->excluded = !lk->test && lk->covered &&
	    lk->cover.state == ENTRY_EXCLUDED;
	if (lk->covered)
		prefix_format(&lk->cover.prefix, lk->ctxt);
	if (lk->listed) {
		idx = lk->test ? ANSWER_DEFAULT : lk->cover.answer;
		if ((rc = store_answer_get(t, zone, idx, &ans)) != 0)
			return rc;
		answer_resolve(cz, idx == ANSWER_DEFAULT ? NULL : &ans, &res);
		if (idx != ANSWER_DEFAULT && answer_code(cz, ans.code) != NULL)
			lk->cname = ans.code;
		addr_format(ADDR_V4, res.a, lk->code);
		if (txt_render(res.txt ? res.txt : "", lk->ptxt, lk->txt,
		    sizeof(lk->txt)) < 0)
			return DNSBL_ERANGE;
	}
	if ((rc = store_event_walk(t, zone, p, collect_ev, lk)) != 0)
		return rc;
	if (lk->covered && memcmp(&lk->cover.prefix, p, sizeof(*p)) != 0 &&
	    (rc = store_event_walk(t, zone, &lk->cover.prefix, collect_ev,
	    lk)) != 0)
		return rc;
	if (lk->nev > 1)	/* evs is NULL when there are none */
		qsort(lk->evs, lk->nev, sizeof(*lk->evs), ev_cmp);
	return 0;
}

void
lookup_free(struct lookup *lk)
{
	free(lk->evs);
	lk->evs = NULL;
	lk->nev = lk->cev = 0;
}

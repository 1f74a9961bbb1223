/*
 * test_lifecycle_model.c -- the listing lifecycle against a reference
 * model of docs/policy.md.
 *
 * Random sequences, on eight addresses and a /30 around four of them:
 * test results (open, closed, unreachable) dated from now to two months
 * back, an admin's list and delist, exclusions of an address or of the
 * /30 and their undoing, expiry, and retest requests; the clock moves on
 * by up to two days a step.  After every step, for every address, the
 * store must agree with the model: answered as listed or not (the served
 * table, exclusions hiding listings), held by the relist penalty or not,
 * and with a retest request open or not.  The model is written from the
 * policy, not from the code: a result changes no listing when it is not
 * newer than the last test, older than the last admin decision, or (open,
 * on an unlisted address) older than expire_after; expiry ages a listing
 * by its evidence.  The seed comes from the clock or DNSBL_SEED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "addr.h"
#include "config.h"
#include "err.h"
#include "lifecycle.h"
#include "retest.h"
#include "store.h"

#define NADDR 8
#define STEPS 2500
#define DAY 86400
#define EXPIRE (30 * DAY)
#define WINDOW (7 * DAY)
#define PENALTY (3 * DAY)
#define MIN_INTERVAL 3600
#define PER_CONTACT 3

enum { NONE, LISTED, DELISTED, EXCLUDED };

struct maddr {
	int state;
	int64_t last_tested, last_admin, evidence, delisted_at, hold_until;
	int req_open;
	int64_t req_time;
};

struct model {
	struct maddr a[NADDR];
	int net_excluded;		/* 192.0.2.4/30 */
	int64_t now;
	int contact_count[4];		/* requests today, per contact */
	int64_t contact_day;
};

static int
covered(const struct model *m, int i)
{
	return m->a[i].state == EXCLUDED ||
	    (m->net_excluded && i >= 4 && i < 8);
}

/* ---- the model: docs/policy.md ---- */

static void
m_start_listing(struct model *m, struct maddr *a)
{
	a->state = LISTED;
	a->hold_until = a->delisted_at && m->now - a->delisted_at <= WINDOW ?
	    m->now + PENALTY : 0;
}

static void
m_result(struct model *m, int i, int result, int64_t when)
{
	struct maddr *a = &m->a[i];
	int stale = when <= a->last_tested || when < a->last_admin ||
	    (result == RESULT_OPEN && a->state != LISTED &&
	    when < m->now - EXPIRE);
	int delisted = 0;

	if (stale) {
		if (when > a->last_tested)
			a->last_tested = when;
		return;
	}
	a->last_tested = when;
	if (result == RESULT_OPEN) {
		if (a->state == LISTED) {
			if (when > a->evidence)
				a->evidence = when;
		} else if (!covered(m, i)) {
			m_start_listing(m, a);
			a->evidence = when;
		}
	} else if (result == RESULT_CLOSED && a->state == LISTED) {
		a->state = DELISTED;
		a->delisted_at = m->now;
		delisted = 1;
	}
	/* A test after the request (or one that delists) answers it. */
	if ((result == RESULT_OPEN || result == RESULT_CLOSED) &&
	    a->req_open && (when >= a->req_time || delisted))
		a->req_open = 0;
}

/* 0 done, 1 refused. */
static int
m_list(struct model *m, int i)
{
	struct maddr *a = &m->a[i];

	if (covered(m, i))
		return 1;
	if (a->state == LISTED)
		return 0;		/* the same answer: nothing */
	a->last_admin = m->now;
	m_start_listing(m, a);
	a->evidence = m->now;
	return 0;
}

static int
m_delist(struct model *m, int i)
{
	struct maddr *a = &m->a[i];

	if (a->state != LISTED)
		return 1;
	a->state = DELISTED;
	a->delisted_at = a->last_admin = m->now;
	return 0;
}

static void
m_exclude(struct model *m, int i)
{
	struct maddr *a = &m->a[i];

	if (a->state == EXCLUDED)
		return;
	if (a->state == LISTED)
		a->delisted_at = m->now;
	a->state = EXCLUDED;
	a->last_admin = m->now;
}

static int
m_unexclude(struct model *m, int i, int listed_before)
{
	struct maddr *a = &m->a[i];

	if (a->state != EXCLUDED)
		return 1;
	a->state = listed_before ? DELISTED : NONE;
	a->last_admin = m->now;
	return 0;
}

static void
m_expire(struct model *m)
{
	int i;

	for (i = 0; i < NADDR; i++) {
		struct maddr *a = &m->a[i];
		if (a->state == LISTED && a->evidence <= m->now - EXPIRE &&
		    a->hold_until <= m->now) {
			a->state = DELISTED;
			a->delisted_at = m->now;
		}
	}
}

static int
m_request(struct model *m, int i, int contact)
{
	struct maddr *a = &m->a[i];
	int64_t day = m->now / DAY;

	if (day != m->contact_day) {
		memset(m->contact_count, 0, sizeof(m->contact_count));
		m->contact_day = day;
	}
	if (a->state != LISTED || a->req_open || a->hold_until > m->now ||
	    (a->last_tested && a->last_tested + MIN_INTERVAL > m->now) ||
	    m->contact_count[contact] >= PER_CONTACT)
		return 1;
	m->contact_count[contact]++;
	a->req_open = 1;
	a->req_time = m->now;
	return 0;
}

/* ---- the store ---- */

struct step {
	int kind, addr, result, contact;
	int64_t when;
	int rc, outcome;
	uint64_t id, n;
	struct errbuf eb;
};

static void
addr_prefix(int i, struct prefix *p)
{
	char s[32];

	if (i < 0)
		snprintf(s, sizeof(s), "192.0.2.4/30");
	else
		snprintf(s, sizeof(s), "192.0.2.%d", i);
	prefix_parse(s, p, NULL);
}

static const char *const contacts[4] = { "a@example.net", "b@example.net",
    "c@example.net", "d@example.net" };

static int
step_txn(struct store_txn *t, void *arg)
{
	struct step *s = arg;
	struct lc_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.zone = 0;
	addr_prefix(s->addr, &rq.prefix);
	rq.actor = "model";
	rq.reason = "model step";
	rq.result = s->result;
	rq.tested_at = s->when;
	rq.force = 1;
	switch (s->kind) {
	case 0: s->rc = lc_result(t, &rq, &s->outcome, &s->eb); break;
	case 1: s->rc = lc_list(t, &rq, &s->outcome, &s->eb); break;
	case 2: s->rc = lc_delist(t, &rq, &s->outcome, &s->eb); break;
	case 3: s->rc = lc_exclude(t, &rq, &s->outcome, &s->eb); break;
	case 4: s->rc = lc_unexclude(t, &rq, &s->outcome, &s->eb); break;
	case 5: s->rc = lc_expire(t, 0, "model", 0, NULL, NULL, &s->n,
	    &s->eb); break;
	case 6: s->rc = retest_request(t, 0, &rq.prefix, contacts[s->contact],
	    NULL, "model", &s->id, NULL, &s->eb); break;
	}
	/* A refusal writes nothing; so does the store on an error. */
	return s->rc;
}

struct seen {
	int served, held, req_open, state;
};

struct look {
	struct seen s[NADDR];
	int64_t now;
};

static int
look_txn(struct store_txn *t, void *arg)
{
	struct look *l = arg;
	struct entry e;
	struct retest r;
	struct prefix p;
	int i, rc;

	for (i = 0; i < NADDR; i++) {
		addr_prefix(i, &p);
		rc = store_entry_get(t, 0, &p, &e);
		if (rc && rc != DNSBL_ENOENT)
			return rc;
		l->s[i].state = e.state;
		l->s[i].held = e.state == ENTRY_LISTED && e.hold_until > l->now;
		l->s[i].req_open = retest_open_for(t, 0, &p, &r) == 0;
	}
	return 0;
}

static int
served(struct store *st, int i)
{
	struct store_reader *r;
	struct store_hit hit;
	struct prefix p;
	int v = -1;

	addr_prefix(i, &p);
	if (store_reader_new(st, &r) == 0 && store_reader_begin(r) == 0)
		v = store_lookup(r, 0, ADDR_V4, p.addr, &hit);
	store_reader_free(r);
	return v;
}

static int
run_seed(struct store *st, unsigned seed)
{
	struct model m;
	struct step s;
	struct look l;
	struct errbuf eb;
	unsigned seed0 = seed;
	int step, i, k, bad = 0, refused, mref, listed_before[NADDR] = { 0 };
	int kinds[7] = { 0 };

	memset(&m, 0, sizeof(m));
	m.now = 1767225600;	/* 2026-01-01 */
	m.contact_day = -1;
	for (step = 0; step < STEPS && bad < 3; step++) {
		m.now += rand_r(&seed) % (2 * DAY);
		store_set_now(st, m.now);
		memset(&s, 0, sizeof(s));
		k = rand_r(&seed) % 100;
		s.kind = k < 45 ? 0 : k < 58 ? 1 : k < 66 ? 2 : k < 72 ? 3 :
		    k < 78 ? 4 : k < 85 ? 5 : 6;
		s.addr = rand_r(&seed) % NADDR;
		if ((s.kind == 3 || s.kind == 4) && rand_r(&seed) % 3 == 0)
			s.addr = -1;	/* the /30 */
		s.result = RESULT_OPEN + rand_r(&seed) % 3;
		s.when = m.now - (rand_r(&seed) % 2 ? rand_r(&seed) % 600 :
		    rand_r(&seed) % (60 * DAY));
		s.contact = rand_r(&seed) % 4;
		memset(&eb, 0, sizeof(eb));
		(void)store_write(st, step_txn, &s, &eb);
		refused = s.rc != 0;
		kinds[s.kind]++;
		mref = 0;
		switch (s.kind) {
		case 0: m_result(&m, s.addr, s.result, s.when); break;
		case 1: mref = m_list(&m, s.addr); break;
		case 2: mref = m_delist(&m, s.addr); break;
		case 3:
			if (s.addr < 0)
				m.net_excluded = 1;
			else
				m_exclude(&m, s.addr);
			break;
		case 4:
			if (s.addr < 0) {
				mref = !m.net_excluded;
				m.net_excluded = 0;
			} else
				mref = m_unexclude(&m, s.addr,
				    listed_before[s.addr]);
			break;
		case 5: m_expire(&m); break;
		case 6: mref = m_request(&m, s.addr, s.contact); break;
		}
		for (i = 0; i < NADDR; i++)
			if (m.a[i].state == LISTED)
				listed_before[i] = 1;
		if (refused != mref) {
			ok(0, "seed %u step %d: kind %d addr %d: the store %s, "
			    "the model %s (%s)", seed0, step, s.kind, s.addr,
			    refused ? "refused" : "did it", mref ? "refuses" :
			    "does it", s.eb.msg);
			bad++;
			continue;
		}
		memset(&l, 0, sizeof(l));
		l.now = m.now;
		if (store_read(st, look_txn, &l, &eb) != 0) {
			ok(0, "seed %u step %d: read: %s", seed0, step, eb.msg);
			bad++;
			continue;
		}
		for (i = 0; i < NADDR; i++) {
			int want_served = m.a[i].state == LISTED &&
			    !covered(&m, i);
			int got = served(st, i);
			int want_held = m.a[i].state == LISTED &&
			    m.a[i].hold_until > m.now;
			if (got != want_served || l.s[i].held != want_held ||
			    l.s[i].req_open != m.a[i].req_open) {
				ok(0, "seed %u step %d (kind %d addr %d result "
				    "%d, tested %llds ago): 192.0.2.%d served "
				    "%d/%d held %d/%d request %d/%d "
				    "(store/model)", seed0, step, s.kind, s.addr,
				    s.result, (long long)(m.now - s.when), i,
				    got, want_served, l.s[i].held, want_held,
				    l.s[i].req_open, m.a[i].req_open);
				bad++;
				break;
			}
		}
	}
	ok(bad == 0, "seed %u: %d steps (%d results, %d lists, %d delists, "
	    "%d exclusions, %d unexclusions, %d expiries, %d requests): the "
	    "store follows the policy", seed0, step, kinds[0], kinds[1],
	    kinds[2], kinds[3], kinds[4], kinds[5], kinds[6]);
	return bad;
}

int
main(void)
{
	char dir[] = "/tmp/dnsbl-model.XXXXXX", path[300], cmd[340];
	struct dnsbl_config *c = NULL;
	struct store *st = NULL;
	struct errbuf eb;
	const char *env = getenv("DNSBL_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) :
	    (unsigned)time(NULL) ^ (unsigned)getpid();
	FILE *f;
	int r;

	printf("# seed %u (replay: DNSBL_SEED=%u build/tests/"
	    "test_lifecycle_model)\n", seed, seed);
	memset(&eb, 0, sizeof(eb));
	if (mkdtemp(dir) == NULL)
		return 1;
	for (r = 0; r < 4; r++) {
		snprintf(path, sizeof(path), "%s/dnsbl%d.yaml", dir, r);
		if ((f = fopen(path, "w")) == NULL)
			return 1;
		fprintf(f, "database: %s/db%d\nlisten: [127.0.0.1@53]\n"
		    "zones:\n  - name: relays.example\n"
		    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
		    "    ns: [ns1.relays.example]\n    expire_after: 30d\n"
		    "    relist_window: 7d\n    relist_penalty: 3d\n"
		    "    retest_min_interval: 1h\n    retest_per_contact: 3\n"
		    "    max_drop: 100\n", dir, r);
		fclose(f);
		c = NULL;
		st = NULL;
		ok(config_load(path, &c, &eb) == 0 &&
		    store_open(c, 0, &st, &eb) == 0, "store %d: %s", r, eb.msg);
		if (st != NULL)
			(void)run_seed(st, seed + (unsigned)r);
		store_close(st);
		config_free(c);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}

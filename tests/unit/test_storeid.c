/*
 * test_storeid.c -- the store's identity and memory: zones found by name
 * whatever their order in the config, one history sequence for the whole
 * store (carried over from a store that kept it in its first zone), an
 * append-only history that refuses to write over an event, actors copied
 * and never cut, and walks that keep their callback's codes apart from
 * their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "../tap.h"
#include "addr.h"
#include "config.h"
#include "err.h"
#include "store.h"

static struct cfg_zone zones[2];

/* A config of the zones named a (and b), in that order. */
static void
make_config(struct dnsbl_config *cfg, const char *dir, const char *a,
    const char *b)
{
	const char *names[2] = { a, b };
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	memset(zones, 0, sizeof(zones));
	for (i = 0; i < 2; i++) {
		snprintf(zones[i].name.text, sizeof(zones[i].name.text), "%s",
		    names[i] ? names[i] : "");
		zones[i].a[0] = 127;
		zones[i].a[3] = 2;
	}
	cfg->database = (char *)dir;
	cfg->map_size = 1 << 20;
	cfg->journal_max = 10;
	cfg->zones = zones;
	cfg->nzones = b ? 2 : 1;
}

static long
zone_of(const struct dnsbl_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nzones; i++)
		if (strcmp(cfg->zones[i].name.text, name) == 0)
			return (long)i;
	return -1;
}

struct ev_job {
	size_t zone;
	const char *prefix;
	const char *actor;
	const char *reason;
	int rc;
};

static int
add_ev(struct store_txn *t, void *arg)
{
	struct ev_job *j = arg;
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	prefix_parse(j->prefix, &ev.prefix, NULL);
	ev.action = EV_LISTED;
	ev.actor = j->actor;
	ev.reason = j->reason;
	j->rc = store_event_add(t, j->zone, &ev);
	return j->rc;
}

static int
event(struct store *st, size_t zone, const char *prefix, const char *reason)
{
	struct ev_job j = { zone, prefix, "test", reason, 0 };
	struct errbuf eb = { "" };

	(void)store_write(st, add_ev, &j, &eb);
	return j.rc;
}

/* The events of a zone (or of one prefix), as "prefix:reason;..." */
struct collect {
	char out[2048];
	int stop_after;		/* STORE_STOP after this many, or 0 */
	int fail_after;		/* DNSBL_EINVAL after this many, or 0 */
	int n;
};

static int
collect_cb(const struct event *ev, void *arg)
{
	struct collect *c = arg;
	char p[PREFIX_STRLEN];
	size_t l = strlen(c->out);

	prefix_format(&ev->prefix, p);
	snprintf(c->out + l, sizeof(c->out) - l, "%s:%s;", p,
	    ev->reason ? ev->reason : "");
	c->n++;
	if (c->stop_after && c->n == c->stop_after)
		return STORE_STOP;
	if (c->fail_after && c->n == c->fail_after)
		return DNSBL_EINVAL;
	return 0;
}

struct walk_job {
	size_t zone;
	const char *prefix;	/* NULL: the whole zone */
	struct collect *c;
	int rc;
};

static int
walk_txn(struct store_txn *t, void *arg)
{
	struct walk_job *w = arg;
	struct prefix p;

	if (w->prefix)
		prefix_parse(w->prefix, &p, NULL);
	w->rc = store_event_walk(t, w->zone, w->prefix ? &p : NULL,
	    collect_cb, w->c);
	return 0;
}

static int
walk(struct store *st, size_t zone, const char *prefix, struct collect *c)
{
	struct walk_job w = { zone, prefix, c, 0 };
	struct errbuf eb = { "" };

	memset(c->out, 0, sizeof(c->out));
	c->n = 0;
	(void)store_read(st, walk_txn, &w, &eb);
	return w.rc;
}

static void
test_reorder(const char *dir)
{
	struct dnsbl_config cfg;
	struct store *st = NULL;
	struct errbuf eb = { "" };
	struct collect c;
	long a, b;

	memset(&c, 0, sizeof(c));
	make_config(&cfg, dir, "a.example", "b.example");
	ok(store_open(&cfg, 0, &st, &eb) == 0, "zones [a, b]: open (%s)",
	    eb.msg);
	if (st == NULL)
		return;
	a = zone_of(&cfg, "a.example");
	b = zone_of(&cfg, "b.example");
	is_int(event(st, (size_t)a, "192.0.2.1", "a1"), 0, "event in a");
	is_int(event(st, (size_t)b, "192.0.2.2", "b1"), 0, "event in b");
	is_int(event(st, (size_t)a, "192.0.2.3", "a2"), 0, "event in a");
	store_close(st);
	st = NULL;

	/* The same store, the zones the other way round. */
	make_config(&cfg, dir, "b.example", "a.example");
	ok(store_open(&cfg, 0, &st, &eb) == 0, "zones [b, a]: open (%s)",
	    eb.msg);
	if (st == NULL)
		return;
	a = zone_of(&cfg, "a.example");
	b = zone_of(&cfg, "b.example");
	is_int(event(st, (size_t)b, "192.0.2.4", "b2"), 0, "event in b");
	is_int(event(st, (size_t)b, "192.0.2.5", "b3"), 0, "another in b");
	walk(st, (size_t)b, NULL, &c);
	is_str(c.out, "192.0.2.2:b1;192.0.2.4:b2;192.0.2.5:b3;",
	    "b keeps its first event, and its own events only");
	walk(st, (size_t)a, NULL, &c);
	is_str(c.out, "192.0.2.1:a1;192.0.2.3:a2;", "a's events are intact");
	walk(st, (size_t)b, "192.0.2.2", &c);
	is_str(c.out, "192.0.2.2:b1;", "show of 192.0.2.2 prints its event");
	walk(st, (size_t)b, "192.0.2.4", &c);
	is_str(c.out, "192.0.2.4:b2;", "and 192.0.2.4 its own");
	store_close(st);

	/* A zone alone, then back with the other: still nothing lost. */
	make_config(&cfg, dir, "a.example", NULL);
	ok(store_open(&cfg, 0, &st, &eb) == 0, "zone [a] alone: open");
	if (st == NULL)
		return;
	is_int(event(st, 0, "192.0.2.6", "a3"), 0, "event in a alone");
	store_close(st);
	make_config(&cfg, dir, "b.example", "a.example");
	ok(store_open(&cfg, 0, &st, &eb) == 0, "zones [b, a] again");
	if (st == NULL)
		return;
	is_int(event(st, 0, "192.0.2.7", "b4"), 0, "event in b");
	walk(st, 0, NULL, &c);
	is_str(c.out, "192.0.2.2:b1;192.0.2.4:b2;192.0.2.5:b3;192.0.2.7:b4;",
	    "b's history is whole");
	walk(st, 1, NULL, &c);
	is_str(c.out, "192.0.2.1:a1;192.0.2.3:a2;192.0.2.6:a3;",
	    "and a's");
	store_close(st);
}

/*
 * Set (or with del, remove) the 8-byte value of key in table db of the
 * meta environment, behind the store's back: damage, or an old layout.
 */
static int
poke(const char *dir, const char *db, const char *key, uint64_t to, int del)
{
	char path[300];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { strlen(key), (void *)key }, v;
	uint8_t b[8];
	int i, rc;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(to >> (8 * (7 - i)));
	snprintf(path, sizeof(path), "%s/meta", dir);
	if ((rc = mdb_env_create(&env)) != 0)
		return rc;
	mdb_env_set_maxdbs(env, 32);
	mdb_env_set_mapsize(env, 1 << 20);
	if ((rc = mdb_env_open(env, path, 0, 0644)) == 0 &&
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) == 0) {
		if ((rc = mdb_dbi_open(txn, db, 0, &dbi)) == 0) {
			v.mv_data = b;
			v.mv_size = 8;
			rc = del ? mdb_del(txn, dbi, &k, NULL) :
			    mdb_put(txn, dbi, &k, &v, 0);
		}
		rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	}
	mdb_env_close(env);
	return rc;
}

/* Put the store-wide sequence back, as damage would: refused, not lost. */
static int
rewind_hseq(const char *dir, uint64_t to)
{
	return poke(dir, "@store", "hseq", to, 0);
}

/*
 * A store from before @store: the sequence lived in the first zone of the
 * config of the day, here a stale one.  Opening carries it over past every
 * event of every zone.
 */
static void
test_migration(const char *dir)
{
	struct dnsbl_config cfg;
	struct store *st = NULL;
	struct errbuf eb = { "" };
	struct collect c;

	memset(&c, 0, sizeof(c));
	ok(poke(dir, "@store", "hseq", 0, 1) == 0 &&
	    poke(dir, "a.example/meta", "hseq", 2, 0) == 0,
	    "the old layout: no store-wide sequence, a stale one in a");
	make_config(&cfg, dir, "a.example", "b.example");
	ok(store_open(&cfg, 0, &st, &eb) == 0, "open (%s)", eb.msg);
	if (st == NULL)
		return;
	is_int(event(st, 0, "192.0.2.8", "a4"), 0, "a new event in a");
	is_int(event(st, 1, "192.0.2.9", "b5"), 0, "and in b");
	walk(st, 0, NULL, &c);
	is_str(c.out, "192.0.2.1:a1;192.0.2.3:a2;192.0.2.6:a3;192.0.2.8:a4;",
	    "a: every event, the new one last");
	walk(st, 1, NULL, &c);
	is_str(c.out, "192.0.2.2:b1;192.0.2.4:b2;192.0.2.5:b3;192.0.2.7:b4;"
	    "192.0.2.9:b5;", "b: every event, the new one last");
	store_close(st);
}

static void
test_append_only(const char *dir)
{
	struct dnsbl_config cfg;
	struct store *st = NULL;
	struct errbuf eb = { "" };
	struct collect c;

	memset(&c, 0, sizeof(c));
	make_config(&cfg, dir, "a.example", NULL);
	ok(store_open(&cfg, 0, &st, &eb) == 0, "open");
	if (st == NULL)
		return;
	is_int(event(st, 0, "10.0.0.1", "one"), 0, "an event");
	is_int(event(st, 0, "10.0.0.2", "two"), 0, "a second");
	store_close(st);
	is_int(rewind_hseq(dir, 1), 0, "the sequence set back to 1 (damage)");
	ok(store_open(&cfg, 0, &st, &eb) == 0, "open again");
	if (st == NULL)
		return;
	is_int(event(st, 0, "10.0.0.3", "three"), DNSBL_ECORRUPT,
	    "an event under a number in use: refused as a damaged store");
	walk(st, 0, NULL, &c);
	is_str(c.out, "10.0.0.1:one;10.0.0.2:two;", "no event was written over");
	store_close(st);
}

static int
two_actors(struct store_txn *t, void *arg)
{
	char buf[64];
	struct event ev;
	int rc;

	(void)arg;
	memset(&ev, 0, sizeof(ev));
	prefix_parse("10.9.0.1", &ev.prefix, NULL);
	ev.action = EV_LISTED;
	/* One buffer, two actors: the store must keep its own copy. */
	snprintf(buf, sizeof(buf), "admin:alice");
	ev.actor = buf;
	if ((rc = store_event_add(t, 0, &ev)) != 0)
		return rc;
	snprintf(buf, sizeof(buf), "admin:bobby");
	if ((rc = store_event_add(t, 0, &ev)) != 0)
		return rc;
	snprintf(buf, sizeof(buf), "admin:alice");
	return store_event_add(t, 0, &ev);
}

static int
actors_cb(const struct event *ev, void *arg)
{
	strncat(arg, ev->actor, 100);
	strcat(arg, ";");
	return 0;
}

struct actor_walk {
	char out[512];
};

static int
actors_txn(struct store_txn *t, void *arg)
{
	struct prefix p;

	prefix_parse("10.9.0.1", &p, NULL);
	return store_event_walk(t, 0, &p, actors_cb, arg);
}

static void
test_actors(const char *dir)
{
	struct dnsbl_config cfg;
	struct store *st = NULL;
	struct errbuf eb = { "" };
	struct actor_walk w;
	char longer[300];
	struct ev_job j = { 0, "10.9.0.2", longer, "x", 0 };

	make_config(&cfg, dir, "a.example", NULL);
	ok(store_open(&cfg, 0, &st, &eb) == 0, "open");
	if (st == NULL)
		return;
	is_int(store_write(st, two_actors, NULL, &eb), 0,
	    "three events, two actors from one buffer");
	memset(&w, 0, sizeof(w));
	store_read(st, actors_txn, w.out, &eb);
	is_str(w.out, "admin:alice;admin:bobby;admin:alice;",
	    "each event has the actor it was given");
	memset(longer, 'x', 256);
	longer[256] = '\0';
	(void)store_write(st, add_ev, &j, &eb);
	is_int(j.rc, DNSBL_ERANGE, "an actor of 256 bytes: refused, not cut");
	longer[255] = '\0';
	(void)store_write(st, add_ev, &j, &eb);
	is_int(j.rc, 0, "an actor of 255 bytes is kept");
	store_close(st);
}

static void
test_walk_codes(const char *dir)
{
	struct dnsbl_config cfg;
	struct store *st = NULL;
	struct errbuf eb = { "" };
	struct collect c;

	make_config(&cfg, dir, "a.example", NULL);
	ok(store_open(&cfg, 0, &st, &eb) == 0, "open");
	if (st == NULL)
		return;
	memset(&c, 0, sizeof(c));
	is_int(walk(st, 0, NULL, &c), 0, "a whole walk returns 0");
	ok(c.n >= 3, "and saw every event (%d)", c.n);
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	is_int(walk(st, 0, NULL, &c), 0, "STORE_STOP ends a walk with 0");
	is_int(c.n, 2, "after the callback asked");
	memset(&c, 0, sizeof(c));
	c.fail_after = 1;
	is_int(walk(st, 0, NULL, &c), DNSBL_EINVAL,
	    "a callback's error comes back as it is");
	memset(&c, 0, sizeof(c));
	c.fail_after = 1;
	is_int(walk(st, 0, "10.9.0.1", &c), DNSBL_EINVAL,
	    "from a prefix's walk too");
	ok(strcmp(dnsbl_strerror(DNSBL_ECORRUPT), "unknown error") != 0 &&
	    strcmp(dnsbl_strerror(DNSBL_EMAPFULL), "unknown error") != 0 &&
	    strcmp(dnsbl_strerror(DNSBL_ENOSPC), "unknown error") != 0,
	    "the store's codes have words");
	store_close(st);
}

int
main(void)
{
	char d1[] = "/tmp/dnsbl-id.XXXXXX", d2[] = "/tmp/dnsbl-ao.XXXXXX";
	char d3[] = "/tmp/dnsbl-ac.XXXXXX", cmd[200];

	if (!mkdtemp(d1) || !mkdtemp(d2) || !mkdtemp(d3))
		return 1;
	test_reorder(d1);
	test_migration(d1);
	test_append_only(d2);
	test_actors(d3);
	test_walk_codes(d3);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s %s", d1, d2, d3);
	if (system(cmd) != 0)
		printf("# could not remove %s %s\n", d1, d2);
	return tap_done();
}

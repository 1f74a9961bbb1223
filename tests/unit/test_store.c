/*
 * test_store.c -- the LMDB store: served-table derivation, serials, the
 * journal, history, answers and map growth.  The config is built by hand
 * so this test depends on the store alone.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "../tap.h"
#include "addr.h"
#include "config.h"
#include "err.h"
#include "lifecycle.h"
#include "store.h"

struct op {
	const char *prefix;
	int kind;		/* 0 list, 1 delist, 2 exclude, 3 result */
	const char *code;
	int result;
	int64_t when;
	const char *reason;	/* NULL: "unit test" */
	int outcome;
	int rc;
	struct errbuf eb;
};

static int
do_op(struct store_txn *t, void *arg)
{
	struct op *o = arg;
	struct lc_req rq;
	uint8_t code[4];
	struct entry e;

	memset(&rq, 0, sizeof(rq));
	if (prefix_parse(o->prefix, &rq.prefix, &o->eb))
		return DNSBL_EPARSE;
	rq.actor = "test";
	rq.reason = o->reason ? o->reason : "unit test";
	rq.result = o->result;
	rq.tested_at = o->when;
	if (o->code) {
		struct prefix c;
		prefix_parse(o->code, &c, NULL);
		memcpy(code, c.addr, 4);
		rq.code = code;
	}
	switch (o->kind) {
	case 0:
		o->rc = lc_list(t, &rq, &o->outcome, &o->eb);
		break;
	case 1:
		o->rc = lc_delist(t, &rq, &o->outcome, &o->eb);
		break;
	case 2:
	case 4:
		store_entry_get(t, 0, &rq.prefix, &e);
		e.state = o->kind == 2 ? ENTRY_EXCLUDED : ENTRY_NONE;
		o->rc = store_entry_put(t, 0, &e);
		break;
	case 3:
		o->rc = lc_result(t, &rq, &o->outcome, &o->eb);
		break;
	}
	return o->rc;
}

static int
run(struct store *st, const char *prefix, int kind, const char *code)
{
	struct op o = { .prefix = prefix, .kind = kind, .code = code };
	int rc = store_write(st, do_op, &o, &o.eb);

	if (rc && rc != DNSBL_EREFUSED && rc != DNSBL_ENOENT)
		printf("# %s: %s\n", prefix, o.eb.msg);
	return rc ? rc : o.outcome;
}

/* -1: not listed; else the answer's A last octet (zone default 2). */
static int
lookup(struct store_reader *r, const char *addr)
{
	struct prefix p;
	struct store_hit hit;
	struct store_answer a;
	int rc;

	prefix_parse(addr, &p, NULL);
	rc = store_lookup(r, 0, p.family, p.addr, &hit);
	if (rc <= 0)
		return rc < 0 ? -100 : -1;
	if (hit.answer == ANSWER_DEFAULT)
		return 2;
	if (store_reader_answer(r, 0, hit.answer, &a) != 0)
		return -101;
	return a.a[3];
}

static int
q(struct store *st, const char *addr)
{
	struct store_reader *r;
	int v;

	if (store_reader_new(st, &r) != 0 || store_reader_begin(r) != 0)
		return -200;
	v = lookup(r, addr);
	store_reader_free(r);
	return v;
}

static uint32_t
serial(struct store *st)
{
	struct store_reader *r;
	uint32_t s;

	store_reader_new(st, &r);
	store_reader_begin(r);
	s = store_reader_serial(r, 0);
	store_reader_free(r);
	return s;
}

static int
within(struct store *st, const char *pfx)
{
	struct store_reader *r;
	struct prefix p;
	int v;

	prefix_parse(pfx, &p, NULL);
	store_reader_new(st, &r);
	store_reader_begin(r);
	v = store_any_within(r, 0, &p);
	store_reader_free(r);
	return v;
}

struct jcount {
	int add, del;
};

static int
jcb(uint32_t serial, const struct journal_rec *rec, void *arg)
{
	struct jcount *c = arg;

	(void)serial;
	if (rec->op == JOURNAL_ADD)
		c->add++;
	else
		c->del++;
	return 0;
}

struct jarg {
	uint32_t from;
	struct jcount c;
	int rc;
};

static int
jwalk(struct store_txn *t, void *arg)
{
	struct jarg *j = arg;

	j->rc = store_journal_walk(t, 0, j->from, jcb, &j->c);
	return 0;
}

static int
hcount_cb(const struct event *ev, void *arg)
{
	(void)ev;
	(*(int *)arg)++;
	return 0;
}

static int
hwalk(struct store_txn *t, void *arg)
{
	struct prefix p;

	prefix_parse("1.2.3.0/24", &p, NULL);
	return store_event_walk(t, 0, &p, hcount_cb, arg);
}

/* A reason longer than an entry keeps is refused by every lc_*(), whole. */
static void
long_reason(struct store *st)
{
	char r[ENTRY_TEXT_MAX + 1];
	struct op o;
	uint32_t s0 = serial(st);
	int kind;

	memset(r, 'x', sizeof(r) - 1);
	r[sizeof(r) - 1] = '\0';
	for (kind = 0; kind <= 3; kind += 3) {
		memset(&o, 0, sizeof(o));
		o.prefix = "1.2.200.1";
		o.kind = kind;
		o.reason = r;
		o.result = RESULT_OPEN;
		o.when = (int64_t)time(NULL) - 10;
		is_int(store_write(st, do_op, &o, &o.eb), DNSBL_ERANGE,
		    "%s with a reason of %zu bytes: refused", kind ? "a result" :
		    "a listing", sizeof(r) - 1);
		ok(strstr(o.eb.msg, "reason is 256 bytes, over the 255") != NULL,
		    "the message says so: %s", o.eb.msg);
	}
	r[ENTRY_TEXT_MAX - 1] = '\0';
	o.kind = 0;
	o.reason = r;
	is_int(store_write(st, do_op, &o, &o.eb), 0,
	    "a reason of 255 bytes is kept");
	is_int(serial(st), s0 + 1, "only the accepted listing changed the zone");
	o.kind = 1;
	o.reason = NULL;
	is_int(store_write(st, do_op, &o, &o.eb), 0, "and delisted again");
}

static void
make_config(struct dnsbl_config *cfg, struct cfg_zone *z, const char *dir,
    uint64_t map_size)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(z, 0, sizeof(*z));
	snprintf(z->name.text, sizeof(z->name.text), "relays.example");
	z->a[0] = 127;
	z->a[3] = 2;
	cfg->database = (char *)dir;
	cfg->map_size = map_size;
	cfg->journal_max = 5;
	cfg->zones = z;
	cfg->nzones = 1;
}

/* A brute-force model over 10.0.0.0/24 against the derived table. */
static void
random_model(const char *dir)
{
	struct dnsbl_config cfg;
	struct cfg_zone z;
	struct store *st;
	struct store_reader *r;
	struct errbuf eb = { "" };
	int state[64][33];	/* [addr>>2 unused]; model per prefix */
	int model[256], i, step, bad = 0;
	unsigned seed = 12345;

	(void)state;
	make_config(&cfg, &z, dir, 1 << 20);
	if (store_open(&cfg, 0, &st, &eb) != 0) {
		ok(0, "open store for the model: %s", eb.msg);
		return;
	}
	/* entries: key (start,len) -> 0 none, 1 listed(code), 2 excluded */
	static int ent[256][33], code[256][33];
	memset(ent, 0, sizeof(ent));
	for (step = 0; step < 2000 && !bad; step++) {
		int len = 24 + (int)(rand_r(&seed) % 9);
		int a = (int)(rand_r(&seed) % 256) & ~((1 << (32 - len)) - 1);
		int kind = (int)(rand_r(&seed) % 6), c = 2 + (int)(rand_r(&seed) % 3);
		char pfx[32], cs[16];

		snprintf(pfx, sizeof(pfx), "10.0.0.%d/%d", a, len);
		snprintf(cs, sizeof(cs), "127.0.0.%d", c);
		if (kind <= 1) {		/* list, unless excluded */
			if (run(st, pfx, 0, cs) >= 0) {
				ent[a][len] = 1;
				code[a][len] = c;
			}
		} else if (kind == 2) {		/* delist */
			if (ent[a][len] == 1 && run(st, pfx, 1, NULL) >= 0)
				ent[a][len] = 0;
		} else if (kind == 3) {		/* exclude */
			if (run(st, pfx, 2, NULL) >= 0)
				ent[a][len] = 2;
		} else {			/* unexclude */
			if (ent[a][len] == 2 && run(st, pfx, 4, NULL) >= 0)
				ent[a][len] = 0;
		}
		/* Expected value of every address. */
		for (i = 0; i < 256; i++) {
			int l, v = -1, ex = 0;
			for (l = 24; l <= 32; l++) {
				int s = i & ~((1 << (32 - l)) - 1);
				if (ent[s][l] == 2)
					ex = 1;
				else if (ent[s][l] == 1)
					v = code[s][l];
			}
			model[i] = ex ? -1 : v;
		}
		store_reader_new(st, &r);
		store_reader_begin(r);
		for (i = 0; i < 256; i++) {
			char as[32];
			snprintf(as, sizeof(as), "10.0.0.%d", i);
			if (lookup(r, as) != model[i]) {
				printf("# step %d %s: %s got %d want %d\n", step,
				    pfx, as, lookup(r, as), model[i]);
				bad = 1;
				break;
			}
		}
		store_reader_free(r);
	}
	ok(!bad, "served table matches a brute-force model over 2000 random "
	    "list/delist/exclude/unexclude steps");
	store_close(st);
}

struct fill {
	int n;
	int step;	/* from one host to the next: 0 or 1 (one interval), 2 */
};

static int
fill_fn(struct store_txn *t, void *arg)
{
	struct fill *f = arg;
	struct lc_req rq;
	struct errbuf eb;
	int i, out, rc;

	for (i = 0; i < f->n; i++) {
		unsigned v = (unsigned)i * (f->step > 1 ? (unsigned)f->step : 1);
		uint8_t a[4] = { 20, (uint8_t)(v >> 16), (uint8_t)(v >> 8),
		    (uint8_t)v };

		memset(&rq, 0, sizeof(rq));
		prefix_make(&rq.prefix, ADDR_V4, a, 32);
		rq.actor = "test";
		rq.reason = "a reason long enough to fill pages quickly";
		if ((rc = lc_list(t, &rq, &out, &eb)) != 0)
			return rc;
	}
	return 0;
}

/* ---- store_serve_willneed(): the served table read back in ---- */

static int
release_fn(struct store_txn *t, void *arg)
{
	(void)arg;
	return store_serve_release(t);
}

static int
willneed_fn(struct store_txn *t, void *arg)
{
	(void)arg;
	return store_serve_willneed(t);
}

/* The share of path's pages in the page cache, in percent, or -1. */
static int
resident_pct(const char *path, size_t *npages)
{
	long ps = sysconf(_SC_PAGESIZE);
	unsigned char *v = NULL;
	struct stat sb;
	void *m = MAP_FAILED;
	size_t i, n = 0, np = 0;
	int fd, pct = -1;

	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || sb.st_size == 0)
		goto out;
	np = ((size_t)sb.st_size + (size_t)ps - 1) / (size_t)ps;
	m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED || (v = malloc(np)) == NULL ||
	    mincore(m, (size_t)sb.st_size, v) == -1)
		goto out;
	for (i = 0; i < np; i++)
		n += v[i] & 1;
	pct = (int)(n * 100 / np);
out:
	free(v);
	if (m != MAP_FAILED)
		munmap(m, (size_t)sb.st_size);
	close(fd);
	*npages = np;
	return pct;
}

/* Write path's pages out and drop them from the page cache. */
static void
evict(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd == -1)
		return;
	(void)fdatasync(fd);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

/*
 * A served table out of the page cache comes back whole when asked for,
 * not just the kernel's readahead window (one MADV_WILLNEED reads that
 * much at most): some 300 KB of intervals, asked for in 128 KB pieces.
 */
static void
test_willneed(const char *dir)
{
	struct dnsbl_config cfg;
	struct cfg_zone z;
	struct store *st;
	struct errbuf eb = { "" };
	struct fill f = { 40000, 2 };	/* each host an interval */
	char path[300];
	size_t np = 0;
	int before, idle, after = -1, i;

	make_config(&cfg, &z, dir, 16 << 20);
	snprintf(path, sizeof(path), "%s/serve/data.mdb", dir);
	if (!ok(store_open(&cfg, 0, &st, &eb) == 0 &&
	    store_write(st, fill_fn, &f, &eb) == 0,
	    "willneed: 40000 intervals (%s)", eb.msg))
		return;
	/* This process's mappings of it first: pages mapped stay. */
	store_read(st, release_fn, NULL, &eb);
	evict(path);
	before = resident_pct(path, &np);
	if (before < 0 || before > 20) {
		ok(1, "willneed: skipped, the file system keeps the file in "
		    "memory (%d%% of %zu pages after eviction)", before, np);
		store_close(st);
		return;
	}
	usleep(300 * 1000);
	idle = resident_pct(path, &np);
	ok(idle <= before + 5, "willneed: unasked, the table stays out of "
	    "the page cache (%d%%, then %d%% of %zu pages)", before, idle,
	    np);
	is_int(store_read(st, willneed_fn, NULL, &eb), 0,
	    "willneed: store_serve_willneed()");
	for (i = 0; i < 1000; i++) {		/* 10 s at most */
		if ((after = resident_pct(path, &np)) >= 95)
			break;
		usleep(10 * 1000);
	}
	ok(after >= 95, "willneed: then all of it is read in (%d%% of %zu "
	    "pages, after %d ms)", after, np, i * 10);
	store_close(st);
}

/*
 * Simulate a crash between the meta and the serve commits of a write: the
 * served tables lose their content and meta's generation is ahead.
 */
static int
break_serve(const char *dir)
{
	char path[300];
	MDB_env *se, *me;
	MDB_txn *st, *mt;
	MDB_dbi v4, smeta, meta;
	MDB_val k = { 3, "gen" }, v;
	uint8_t g[4];
	uint32_t gen = 0;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/serve", dir);
	mdb_env_create(&se);
	mdb_env_set_maxdbs(se, 16);
	rc |= mdb_env_open(se, path, MDB_NOTLS, 0644);
	snprintf(path, sizeof(path), "%s/meta", dir);
	mdb_env_create(&me);
	mdb_env_set_maxdbs(me, 16);
	rc |= mdb_env_open(me, path, MDB_NOTLS, 0644);
	if (rc)
		return rc;
	rc |= mdb_txn_begin(se, NULL, 0, &st);
	rc |= mdb_txn_begin(me, NULL, 0, &mt);
	rc |= mdb_dbi_open(st, "relays.example/v4", 0, &v4);
	rc |= mdb_dbi_open(st, "relays.example/smeta", 0, &smeta);
	rc |= mdb_dbi_open(mt, "@store", 0, &meta);	/* store-wide */
	if (mdb_get(mt, meta, &k, &v) == 0 && v.mv_size == 4)
		gen = (uint32_t)((uint8_t *)v.mv_data)[3];
	g[0] = g[1] = g[2] = 0;
	g[3] = (uint8_t)(gen + 1);
	v.mv_data = g;
	v.mv_size = 4;
	rc |= mdb_put(mt, meta, &k, &v, 0);
	rc |= mdb_drop(st, v4, 0);
	rc |= mdb_txn_commit(mt);
	rc |= mdb_txn_commit(st);
	mdb_env_close(se);
	mdb_env_close(me);
	return rc;
}

int
main(void)
{
	char dir[] = "/tmp/dnsbl-store.XXXXXX", dir2[] = "/tmp/dnsbl-grow.XXXXXX";
	char dir3[] = "/tmp/dnsbl-model.XXXXXX", cmd[200];
	char dir4[] = "/tmp/dnsbl-willneed.XXXXXX";
	struct dnsbl_config cfg, cfg2;
	struct cfg_zone z, z2;
	struct store *st;
	struct errbuf eb = { "" };
	struct jarg j;
	uint64_t fb, mb;
	int n;

	if (!mkdtemp(dir) || !mkdtemp(dir2) || !mkdtemp(dir3) ||
	    !mkdtemp(dir4))
		return 1;
	make_config(&cfg, &z, dir, 1 << 20);
	ok(store_open(&cfg, 0, &st, &eb) == 0, "open a new store (%s)", eb.msg);
	is_int(serial(st), 1, "a new zone starts at serial 1");

	is_int(run(st, "1.2.3.0/24", 0, NULL), LC_LISTED, "list a /24");
	is_int(q(st, "1.2.3.77"), 2, "an address inside it is listed");
	is_int(q(st, "1.2.4.1"), -1, "an address outside it is not");
	is_int(q(st, "1.2.2.255"), -1, "the address before it is not");
	is_int(serial(st), 2, "the serial went up once");

	is_int(run(st, "1.2.3.0/24", 0, NULL), LC_NOCHANGE,
	    "listing it again changes nothing");
	is_int(serial(st), 2, "and bumps no serial");

	is_int(run(st, "1.2.3.7", 0, "127.0.0.3"), LC_LISTED,
	    "list a /32 inside it with its own code");
	is_int(q(st, "1.2.3.7"), 3, "the most specific entry wins");
	is_int(q(st, "1.2.3.6"), 2, "its neighbours keep the /24's code");
	is_int(q(st, "1.2.3.8"), 2, "on both sides");
	is_int(serial(st), 3, "one change, one serial");

	is_int(run(st, "1.2.3.9", 2, NULL), 0, "exclude an address");
	is_int(q(st, "1.2.3.9"), -1, "an excluded address is not listed");
	is_int(q(st, "1.2.3.10"), 2, "its neighbour still is");

	is_int(run(st, "1.2.3.0/24", 1, NULL), LC_DELISTED, "delist the /24");
	is_int(q(st, "1.2.3.6"), -1, "its addresses are gone");
	is_int(q(st, "1.2.3.7"), 3, "but the /32 listed inside stays");
	ok(run(st, "1.2.3.0/24", 1, NULL) == DNSBL_ENOENT,
	    "delisting it twice is an error");
	ok(run(st, "0.0.0.0/4", 0, NULL) == DNSBL_EREFUSED,
	    "a listing wider than /8 needs --force");

	is_int(run(st, "2001:db8::/32", 0, NULL), LC_LISTED, "list an IPv6 /32");
	is_int(q(st, "2001:db8:1::1"), 2, "an IPv6 address inside is listed");
	is_int(q(st, "2001:db9::1"), -1, "one outside is not");
	is_int(within(st, "2001:db8::/28"), 1, "an ENT above a listing");
	is_int(within(st, "2001:db8:1::/48"), 1, "a prefix inside a listing");
	is_int(within(st, "2001:db9::/32"), 0, "an empty prefix");
	is_int(within(st, "1.2.3.0/24"), 1, "an IPv4 ENT");
	is_int(within(st, "1.2.4.0/24"), 0, "an empty IPv4 prefix");

	memset(&j, 0, sizeof(j));
	j.from = serial(st) - 2;
	store_read(st, jwalk, &j, &eb);
	ok(j.rc == 0 && j.c.add > 0, "the journal covers the last two serials "
	    "(%d adds, %d dels)", j.c.add, j.c.del);
	memset(&j, 0, sizeof(j));
	j.from = 1;
	store_read(st, jwalk, &j, &eb);
	is_int(j.rc, 0, "journal_max=5 still reaches serial 1 at serial 6");

	n = 0;
	store_read(st, hwalk, &n, &eb);
	is_int(n, 2, "the /24 has two history events (listed, delisted)");

	{
		struct op o = { .prefix = "5.6.7.8", .kind = 3,
		    .result = RESULT_OPEN, .when = 1000 };
		store_write(st, do_op, &o, &o.eb);
		is_int(o.outcome, LC_LISTED, "an open result lists");
		o.when = 999;
		o.result = RESULT_CLOSED;
		store_write(st, do_op, &o, &o.eb);
		is_int(o.outcome, LC_STALE, "an older closed result is stale");
		is_int(q(st, "5.6.7.8"), 2, "and does not delist");
		o.when = 1000;
		store_write(st, do_op, &o, &o.eb);
		is_int(o.outcome, LC_STALE, "a result as old as the last is stale");
		o.when = 1001;
		o.result = RESULT_UNREACHABLE;
		store_write(st, do_op, &o, &o.eb);
		is_int(o.outcome, LC_RECORDED, "unreachable is recorded");
		is_int(q(st, "5.6.7.8"), 2, "and changes no listing");
		o.when = 1002;
		o.result = RESULT_CLOSED;
		store_write(st, do_op, &o, &o.eb);
		is_int(o.outcome, LC_DELISTED, "a newer closed result delists");
		is_int(q(st, "5.6.7.8"), -1, "so it is no longer listed");
	}
	memset(&j, 0, sizeof(j));
	j.from = 1;
	store_read(st, jwalk, &j, &eb);
	is_int(j.rc, DNSBL_ENOENT, "two serials later it no longer does");
	long_reason(st);
	store_close(st);

	/* Map growth: a 64 KiB map must grow to hold 20000 entries. */
	make_config(&cfg2, &z2, dir2, 64 << 10);
	ok(store_open(&cfg2, 0, &st, &eb) == 0, "open a store with a tiny map");
	{
		struct fill f = { 20000, 1 };
		int rc = store_write(st, fill_fn, &f, &eb);
		ok(rc == 0, "20000 listings fit after the map grew (%s)",
		    rc ? eb.msg : "ok");
		store_size(st, &fb, &mb);
		ok(mb > (64 << 10), "the map is now %llu bytes",
		    (unsigned long long)mb);
		is_int(q(st, "20.0.78.31"), 2, "the last listing is served");
	}
	store_close(st);

	/* Crash repair: the serve env loses a commit; the next open rebuilds. */
	make_config(&cfg2, &z2, dir2, 64 << 10);
	{
		uint32_t before;
		ok(store_open(&cfg2, 0, &st, &eb) == 0, "reopen for repair");
		before = serial(st);
		is_int(q(st, "20.0.78.31"), 2, "served before the crash");
		store_close(st);
		is_int(break_serve(dir2), 0, "lose the served table and a "
		    "serve commit");
		ok(store_open(&cfg2, STORE_RDONLY, &st, &eb) == 0,
		    "a read-only open does not repair");
		is_int(q(st, "20.0.78.31"), -1, "so the loss shows");
		store_close(st);
		eb.msg[0] = '\0';
		ok(store_open(&cfg2, 0, &st, &eb) == 0 && eb.msg[0] != '\0',
		    "a writer's open repairs and says so: %s", eb.msg);
		is_int(q(st, "20.0.78.31"), 2, "the listing is served again");
		is_int(q(st, "20.0.0.0"), 2, "and the first one");
		is_int(q(st, "20.0.78.32"), -1, "and nothing more");
		ok(serial(st) > before, "the serial moved on (%u > %u)",
		    serial(st), before);
		store_close(st);
	}

	/* store_rebind(): a second store over the same open environments. */
	make_config(&cfg2, &z2, dir2, 64 << 10);
	{
		struct dnsbl_config cfg3;
		struct cfg_zone z3[2];
		struct store *st2 = NULL;

		ok(store_open(&cfg2, STORE_RDONLY, &st, &eb) == 0,
		    "open read-only, as dnsbld does");
		ok(store_same_files(st, &cfg2), "the same files");
		ok(!store_same_files(st, &cfg), "another database is not");
		make_config(&cfg3, &z3[0], dir2, 64 << 10);
		eb.msg[0] = '\0';
		ok(store_rebind(st, &cfg3, &st2, &eb) == 0,
		    "rebound for another config (%s)", eb.msg);
		is_int(q(st2, "20.0.78.31"), 2, "the rebound store answers");
		is_int(q(st, "20.0.78.31"), 2, "and so does the first");
		store_close(st);
		is_int(q(st2, "20.0.78.31"), 2, "the first closed: the "
		    "environments stay open for the second");
		/* A zone the read-only database does not hold. */
		z3[1] = z3[0];
		snprintf(z3[1].name.text, sizeof(z3[1].name.text),
		    "new.example");
		cfg3.zones = z3;
		cfg3.nzones = 2;
		st = NULL;
		ok(store_rebind(st2, &cfg3, &st, &eb) == DNSBL_ENOENT &&
		    st == NULL, "a zone not there yet: %s", eb.msg);
		is_int(q(st2, "20.0.78.31"), 2, "the failed rebind left the "
		    "store as it was");
		store_close(st2);
	}

	random_model(dir3);
	test_willneed(dir4);

	snprintf(cmd, sizeof(cmd), "rm -rf %s %s %s %s", dir, dir2, dir3,
	    dir4);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}

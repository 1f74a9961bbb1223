/*
 * test_storebulk.c -- the store's bulk-write paths, as `loader import`
 * takes them: a file's records applied in key order in one transaction,
 * where a host address's rebuild of the served table takes its entry from
 * the transaction's cache instead of scanning the entries.  The served
 * table it leaves must be the one a full rebuild from the entries gives
 * (the crash repair rebuilds from /0, which never takes that path), on
 * seeded random input mixing hosts, prefixes, exclusions and results.
 * And store_reserve(): a write that would fill the map runs once.
 */
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

#define NREC 4000

struct rec {
	struct prefix p;
	int result;
	int64_t when;
};

struct bulk {
	struct rec *r;
	size_t n;
	struct prefix excl[8];
	size_t nexcl;
	int calls;
	struct errbuf eb;
};

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

/* The store's key order (family, address, length), then time. */
static int
rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	int c;

	if (x->p.family != y->p.family)
		return x->p.family < y->p.family ? -1 : 1;
	if ((c = memcmp(x->p.addr, y->p.addr, 16)) != 0)
		return c;
	if (x->p.len != y->p.len)
		return x->p.len < y->p.len ? -1 : 1;
	return x->when < y->when ? -1 : x->when > y->when;
}

static void
make_records(struct bulk *b, unsigned seed, int64_t now)
{
	size_t i;

	srandom(seed);
	b->n = NREC;
	b->r = calloc(NREC, sizeof(*b->r));
	for (i = 0; i < NREC; i++) {
		struct rec *r = &b->r[i];
		uint8_t a[16] = { 0 };
		long x = random() % 100, y = random() % 100;
		int fam = x < 75 ? ADDR_V4 : ADDR_V6, len;

		/* A small space, so that prefixes and hosts overlap. */
		if (fam == ADDR_V4) {
			a[0] = 10;
			a[1] = (uint8_t)(random() % 4);
			a[2] = (uint8_t)(random() % 64);
			a[3] = (uint8_t)random();
			len = x < 72 ? 32 : 26 + (int)(random() % 6);
		} else {
			a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8;
			a[13] = (uint8_t)(random() % 16);
			a[14] = (uint8_t)(random() % 16);
			a[15] = (uint8_t)random();
			len = x < 97 ? 128 : 118 + (int)(random() % 10);
		}
		prefix_make(&r->p, fam, a, len);
		r->result = y < 80 ? RESULT_OPEN : y < 95 ? RESULT_CLOSED :
		    RESULT_UNREACHABLE;
		r->when = now - 5000 + random() % 4000;
	}
	qsort(b->r, b->n, sizeof(*b->r), rec_cmp);
	b->nexcl = 0;
	for (i = 0; i < 6; i++) {
		uint8_t a[16] = { 10, (uint8_t)(random() % 4),
		    (uint8_t)(random() % 64), (uint8_t)(random() % 256) };
		prefix_make(&b->excl[b->nexcl++], ADDR_V4, a, 28 + (int)(i % 3));
	}
}

static int
exclude_fn(struct store_txn *t, void *arg)
{
	struct bulk *b = arg;
	struct entry e;
	size_t i;
	int rc;

	for (i = 0; i < b->nexcl; i++) {
		rc = store_entry_get(t, 0, &b->excl[i], &e);
		if (rc && rc != DNSBL_ENOENT)
			return rc;
		e.state = ENTRY_EXCLUDED;
		if ((rc = store_entry_put(t, 0, &e)) != 0)
			return rc;
	}
	return 0;
}

/* Put b's records in a seeded random order (not as import does). */
static void
shuffle(struct bulk *b, unsigned seed)
{
	struct rec tmp;
	size_t i, j;

	srandom(seed);
	for (i = b->n; i > 1; i--) {
		j = (size_t)random() % i;
		tmp = b->r[i - 1];
		b->r[i - 1] = b->r[j];
		b->r[j] = tmp;
	}
}

/* All the records in one transaction, in key order, as import does. */
static int
bulk_fn(struct store_txn *t, void *arg)
{
	struct bulk *b = arg;
	struct lc_req rq;
	size_t i;
	int rc, out;

	b->calls++;
	for (i = 0; i < b->n; i++) {
		memset(&rq, 0, sizeof(rq));
		rq.prefix = b->r[i].p;
		rq.actor = "import:test";
		rq.result = b->r[i].result;
		rq.tested_at = b->r[i].when;
		if ((rc = lc_result(t, &rq, &out, &b->eb)) != 0)
			return rc;
	}
	return 0;
}

/*
 * The served table as text, adjacent intervals with one answer joined:
 * a change made address by address may leave [a, b] [b+1, c] where a
 * rebuild writes [a, c], and both answer alike.
 */
struct dump {
	char *text;
	size_t len, n;
	FILE *f;
	int have, family;
	unsigned __int128 first, last;
	uint16_t answer;
};

static unsigned __int128
u128(int family, const uint8_t *a)
{
	unsigned __int128 v = 0;
	size_t i;

	for (i = 0; i < addr_len(family); i++)
		v = v << 8 | a[i];
	return v;
}

static void
flush(struct dump *d)
{
	if (!d->have)
		return;
	fprintf(d->f, "%d %016llx%016llx-%016llx%016llx %u\n", d->family,
	    (unsigned long long)(d->first >> 64),
	    (unsigned long long)d->first,
	    (unsigned long long)(d->last >> 64),
	    (unsigned long long)d->last, d->answer);
	d->n++;
	d->have = 0;
}

static int
dump_cb(int family, const uint8_t *first, const uint8_t *last,
    uint16_t answer, void *arg)
{
	struct dump *d = arg;
	unsigned __int128 f = u128(family, first), l = u128(family, last);

	if (d->have && d->family == family && d->answer == answer &&
	    d->last + 1 == f) {
		d->last = l;
		return 0;
	}
	flush(d);
	d->have = 1;
	d->family = family;
	d->first = f;
	d->last = l;
	d->answer = answer;
	return 0;
}

static int
dump_fn(struct store_txn *t, void *arg)
{
	int rc = store_serve_walk(t, 0, ADDR_V4, dump_cb, arg);

	return rc ? rc : store_serve_walk(t, 0, ADDR_V6, dump_cb, arg);
}

static size_t
dump(struct store *st, char **text)
{
	struct dump d;
	struct errbuf eb;

	memset(&d, 0, sizeof(d));
	d.f = open_memstream(&d.text, &d.len);
	if (d.f == NULL || store_read(st, dump_fn, &d, &eb) != 0)
		d.n = 0;
	if (d.f) {
		flush(&d);
		fclose(d.f);
	}
	*text = d.text;
	return d.n;
}

/* A crash between the two commits: both served tables lost, meta ahead. */
static int
break_serve(const char *dir)
{
	char path[300];
	MDB_env *se, *me;
	MDB_txn *st, *mt;
	MDB_dbi v4, v6, glob;
	MDB_val k = { 3, "gen" }, v;
	uint8_t g[4];
	uint32_t gen = 0;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/serve", dir);
	mdb_env_create(&se);
	mdb_env_set_maxdbs(se, 16);
	mdb_env_set_mapsize(se, 64 << 20);
	rc |= mdb_env_open(se, path, MDB_NOTLS, 0644);
	snprintf(path, sizeof(path), "%s/meta", dir);
	mdb_env_create(&me);
	mdb_env_set_maxdbs(me, 16);
	mdb_env_set_mapsize(me, 64 << 20);
	rc |= mdb_env_open(me, path, MDB_NOTLS, 0644);
	if (rc)
		return rc;
	rc |= mdb_txn_begin(se, NULL, 0, &st);
	rc |= mdb_txn_begin(me, NULL, 0, &mt);
	rc |= mdb_dbi_open(st, "relays.example/v4", 0, &v4);
	rc |= mdb_dbi_open(st, "relays.example/v6", 0, &v6);
	rc |= mdb_dbi_open(mt, "@store", 0, &glob);
	if (mdb_get(mt, glob, &k, &v) == 0 && v.mv_size == 4)
		gen = (uint32_t)((uint8_t *)v.mv_data)[0] << 24 |
		    (uint32_t)((uint8_t *)v.mv_data)[1] << 16 |
		    (uint32_t)((uint8_t *)v.mv_data)[2] << 8 |
		    ((uint8_t *)v.mv_data)[3];
	gen++;
	g[0] = (uint8_t)(gen >> 24);
	g[1] = (uint8_t)(gen >> 16);
	g[2] = (uint8_t)(gen >> 8);
	g[3] = (uint8_t)gen;
	v.mv_data = g;
	v.mv_size = 4;
	rc |= mdb_put(mt, glob, &k, &v, 0);
	rc |= mdb_drop(st, v4, 0);
	rc |= mdb_drop(st, v6, 0);
	rc |= mdb_txn_commit(mt);
	rc |= mdb_txn_commit(st);
	mdb_env_close(se);
	mdb_env_close(me);
	return rc;
}

/*
 * rounds bulk writes, each of fresh records (seeds seed, seed + 1, ...):
 * the later ones land among the entries of the earlier and past their
 * end.  shuffled: each round's records in random order instead of key
 * order.
 */
static void
same_as_rebuild(unsigned seed, int rounds, int shuffled)
{
	char dir[] = "/tmp/dnsbl-bulk.XXXXXX", cmd[100];
	char *before = NULL, *after = NULL;
	struct dnsbl_config cfg;
	struct cfg_zone z;
	struct store *st = NULL;
	struct errbuf eb = { "" };
	struct bulk b;
	size_t n1, n2;
	int64_t now = (int64_t)time(NULL);
	int r;

	memset(&b, 0, sizeof(b));
	if (!mkdtemp(dir))
		return;
	make_records(&b, seed, now);
	make_config(&cfg, &z, dir, 1 << 20);
	ok(store_open(&cfg, 0, &st, &eb) == 0, "seed %u: open a new store",
	    seed);
	is_int(store_write(st, exclude_fn, &b, &eb), 0,
	    "seed %u: %zu exclusions first", seed, b.nexcl);
	is_int(store_reserve(st, (uint64_t)b.n * 512, (uint64_t)b.n * 64), 0,
	    "seed %u: room reserved", seed);
	is_int(store_write(st, bulk_fn, &b, &b.eb), 0,
	    "seed %u: %zu records in key order in one transaction (%s)", seed,
	    b.n, b.eb.msg);
	is_int(b.calls, 1, "seed %u: run once", seed);
	for (r = 1; r < rounds; r++) {
		free(b.r);
		make_records(&b, seed + 1000u * (unsigned)r, now);
		if (shuffled)
			shuffle(&b, seed + 1000u * (unsigned)r);
		b.calls = 0;
		is_int(store_write(st, bulk_fn, &b, &b.eb), 0, "seed %u: round "
		    "%d: %zu more records in %s order (%s)", seed, r + 1, b.n,
		    shuffled ? "random" : "key", b.eb.msg);
	}
	n1 = dump(st, &before);
	ok(n1 > 1000, "seed %u: %zu served intervals (adjacent ones with one "
	    "answer joined)", seed, n1);
	store_close(st);
	is_int(break_serve(dir), 0, "seed %u: lose the served tables", seed);
	eb.msg[0] = '\0';
	ok(store_open(&cfg, 0, &st, &eb) == 0 && eb.msg[0] != '\0',
	    "seed %u: a writer's open rebuilds them from the entries", seed);
	n2 = dump(st, &after);
	is_int((long)n2, (long)n1, "seed %u: as many intervals", seed);
	ok(before && after && strcmp(before, after) == 0,
	    "seed %u: the bulk write served what a full rebuild serves", seed);
	store_close(st);
	free(before);
	free(after);
	free(b.r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

struct fill {
	int n, calls;
};

static int
fill_fn(struct store_txn *t, void *arg)
{
	struct fill *f = arg;
	struct lc_req rq;
	struct errbuf eb;
	int i, out, rc;

	f->calls++;
	for (i = 0; i < f->n; i++) {
		uint8_t a[4] = { 20, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		    (uint8_t)i };
		memset(&rq, 0, sizeof(rq));
		prefix_make(&rq.prefix, ADDR_V4, a, 32);
		rq.actor = "test";
		rq.result = RESULT_OPEN;
		rq.tested_at = (int64_t)time(NULL) - 60;
		if ((rc = lc_result(t, &rq, &out, &eb)) != 0)
			return rc;
	}
	return 0;
}

/* 20000 results in a 64 KiB map: with and without store_reserve(). */
static void
reserve(void)
{
	char dir[] = "/tmp/dnsbl-resv.XXXXXX", dir2[] = "/tmp/dnsbl-resv.XXXXXX";
	char cmd[100];
	struct dnsbl_config cfg;
	struct cfg_zone z;
	struct store *st;
	struct errbuf eb = { "" };
	struct fill f = { 20000, 0 };
	uint64_t fb, mb;

	if (!mkdtemp(dir) || !mkdtemp(dir2))
		return;
	make_config(&cfg, &z, dir, 64 << 10);
	ok(store_open(&cfg, 0, &st, &eb) == 0, "open a store with a tiny map");
	is_int(store_write(st, fill_fn, &f, &eb), 0, "20000 results written");
	ok(f.calls > 1, "without a reservation the map filled and the "
	    "transaction ran %d times", f.calls);
	store_close(st);

	make_config(&cfg, &z, dir2, 64 << 10);
	ok(store_open(&cfg, 0, &st, &eb) == 0, "another with a tiny map");
	is_int(store_reserve(st, 20000 * 512, 20000 * 64), 0,
	    "room reserved for 20000 results");
	store_size(st, &fb, &mb);
	ok(mb >= 20000 * 512, "the map is now %llu bytes",
	    (unsigned long long)mb);
	f.calls = 0;
	is_int(store_write(st, fill_fn, &f, &eb), 0, "20000 results written");
	is_int(f.calls, 1, "in one run");
	is_int(store_reserve(st, 1, 1), 0, "a small reservation");
	store_size(st, &fb, &fb);
	ok(fb == mb, "does not shrink the map (%llu bytes)",
	    (unsigned long long)fb);
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir, dir2);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

int
main(void)
{
	unsigned seed = (unsigned)tap_seed("test_storebulk");

	same_as_rebuild(seed, 1, 0);
	same_as_rebuild(seed + 1, 1, 0);
	same_as_rebuild(seed + 2, 3, 0);
	same_as_rebuild(seed + 3, 3, 1);
	reserve();
	return tap_done();
}

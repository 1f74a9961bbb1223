/*
 * test_zonegen.c -- the zone that a secondary loads answers every address
 * as dnsbld does.
 *
 * A property test against a reference model: random listings of both
 * families (host and CIDR, nested, with codes and exclusions, many of them
 * CIDRs whose labels are single digits, next to IPv6 listings under
 * 2000::/4) go into a real store.  zonegen_walk() turns it into records;
 * a small resolver written from RFC 4592 (exact match, empty
 * non-terminal, closest encloser and its wildcard) answers from those
 * records.  dnsbld's respond() answers from the store.  For random
 * addresses of both families, biased to the edges of listings, the rcode
 * and the A record must agree, and a host record's TXT must equal dnsbld's.
 *
 * The seed comes from the clock, or from DNSBL_SEED, and is printed so a
 * failure can be replayed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "dnsmsg.h"
#include "store.h"
#include "teststore.h"
#include "zonegen.h"

#define NQUERY 12000

static uint8_t qbuf[600], abuf[RESPOND_MAX];

/* ---- the records, and every name that exists (owners and ancestors) ---- */

struct rec {
	char *owner;
	uint8_t a[4];
	char *txt;
	int wildcard;
};

static struct rec *recs;
static size_t nrecs, crecs;

/* An open-addressing set of names; value: record index + 1, or 0 (ENT). */
struct slot {
	char *name;
	size_t rec;
};
static struct slot *set;
static size_t setcap, setn;

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
	return h;
}

static struct slot *
find(const char *name)
{
	size_t i = hash(name) & (setcap - 1);

	while (set[i].name != NULL && strcmp(set[i].name, name) != 0)
		i = (i + 1) & (setcap - 1);
	return &set[i];
}

static void
grow(void)
{
	struct slot *old = set;
	size_t i, oc = setcap;

	setcap = setcap ? setcap * 2 : 1024;
	set = calloc(setcap, sizeof(*set));
	for (i = 0; i < oc; i++)
		if (old[i].name != NULL)
			*find(old[i].name) = old[i];
	free(old);
}

static void
add_name(const char *name, size_t rec)
{
	struct slot *s;

	if ((setn + 1) * 2 > setcap)
		grow();
	s = find(name);
	if (s->name == NULL) {
		s->name = strdup(name);
		setn++;
	}
	if (rec)
		s->rec = rec;
}

/* Records whose labels (owner_wire) do not spell their owner's text. */
static size_t nwire_bad;

static int
wire_spells(const struct zone_rr *rr)
{
	char text[ZONE_OWNER_MAX];
	size_t i, o = 0, k;

	for (i = 0; i < rr->owner_wirelen; i += 1 + k) {
		k = rr->owner_wire[i];
		if (k == 0 || k > 63 || i + 1 + k > rr->owner_wirelen ||
		    o + k + 2 > sizeof(text))
			return 0;
		if (i > 0)
			text[o++] = '.';
		memcpy(text + o, rr->owner_wire + i + 1, k);
		o += k;
	}
	text[o] = '\0';
	return rr->owner_wirelen > 0 && strcmp(text, rr->owner) == 0;
}

static int
collect(const struct zone_rr *rr, void *arg)
{
	const char *p;

	(void)arg;
	if (!wire_spells(rr))
		nwire_bad++;
	if (nrecs == crecs) {
		crecs = crecs ? crecs * 2 : 1024;
		recs = realloc(recs, crecs * sizeof(*recs));
	}
	recs[nrecs].owner = strdup(rr->owner);
	memcpy(recs[nrecs].a, rr->a, 4);
	recs[nrecs].txt = strdup(rr->txt);
	recs[nrecs].wildcard = rr->wildcard;
	nrecs++;
	add_name(rr->owner, nrecs);
	for (p = strchr(rr->owner, '.'); p != NULL; p = strchr(p + 1, '.'))
		add_name(p + 1, 0);		/* ancestors exist */
	return 0;
}

static void
clear_zone(void)
{
	size_t i;

	for (i = 0; i < nrecs; i++) {
		free(recs[i].owner);
		free(recs[i].txt);
	}
	nwire_bad = 0;
	for (i = 0; i < setcap; i++)
		free(set[i].name);
	free(recs);
	free(set);
	recs = NULL;
	set = NULL;
	nrecs = crecs = setcap = setn = 0;
}

/*
 * RFC 4592 over the records: rcode 0/3, and the record answering A (NULL
 * for NODATA or NXDOMAIN).
 */
static const struct rec *
resolve(const char *name, int *rcode)
{
	char src[300];
	const char *ce;
	struct slot *s = find(name);

	*rcode = 0;
	if (s->name != NULL)
		return s->rec ? &recs[s->rec - 1] : NULL;	/* or ENT */
	for (ce = strchr(name, '.'); ce != NULL; ce = strchr(ce + 1, '.'))
		if (find(ce + 1)->name != NULL)
			break;
	/* The closest encloser: ce + 1, or the apex. */
	snprintf(src, sizeof(src), ce != NULL ? "*.%s" : "*", ce ? ce + 1 : "");
	s = find(src);
	if (s->name != NULL && s->rec)
		return &recs[s->rec - 1];
	*rcode = 3;
	return NULL;
}

/* ---- the store ---- */

struct gen {
	unsigned seed;
	int nlist;
	struct prefix made[400];
	int nmade;
};

static unsigned
rnd(struct gen *g, unsigned n)
{
	return (unsigned)rand_r(&g->seed) % n;
}

/* A random prefix, often with single-digit labels, IPv6 under 2000::/4. */
static void
rand_prefix(struct gen *g, struct prefix *p)
{
	static const int l4[] = { 8, 12, 16, 16, 20, 24, 24, 25, 28, 30, 32,
	    32, 32, 32 };
	static const int l6[] = { 8, 12, 16, 20, 24, 32, 48, 56, 64, 100,
	    124, 127, 128, 128, 128 };
	uint8_t a[16];
	size_t i;
	int len;

	memset(a, 0, sizeof(a));
	if (rnd(g, 2) == 0) {
		len = l4[rnd(g, sizeof(l4) / sizeof(l4[0]))];
		for (i = 0; i < 4; i++)
			a[i] = (uint8_t)(rnd(g, 3) ? rnd(g, 10) : rnd(g, 256));
		if (len == 8 && a[0] == 127)
			a[0] = 126;
		prefix_make(p, ADDR_V4, a, len);
		return;
	}
	len = l6[rnd(g, sizeof(l6) / sizeof(l6[0]))];
	for (i = 0; i < 16; i++)
		a[i] = (uint8_t)(rnd(g, 3) ? rnd(g, 10) << 4 | rnd(g, 10) :
		    rnd(g, 256));
	a[0] = (uint8_t)(0x20 | (a[0] & 0x0f));	/* 2000::/4 */
	prefix_make(p, ADDR_V6, a, len);
}

static int
fill(struct store_txn *t, void *arg)
{
	struct gen *g = arg;
	static const char *const txts[] = { NULL, "own text $", "x" };
	uint8_t code[4] = { 127, 0, 0, 5 };
	struct entry e;
	int i, rc, k;

	g->nmade = 0;
	for (i = 0; i < g->nlist; i++) {
		memset(&e, 0, sizeof(e));
		rand_prefix(g, &e.prefix);
		k = (int)rnd(g, 10);
		e.state = k == 0 ? ENTRY_EXCLUDED : ENTRY_LISTED;
		if (k >= 7 && (rc = store_answer_intern(t, 0, code,
		    txts[rnd(g, 3)], k == 9 ? "relay" : NULL,
		    &e.answer)) != 0)
			return rc;
		if ((rc = store_entry_put(t, 0, &e)) != 0)
			return rc;
		if (g->nmade < 400)
			g->made[g->nmade++] = e.prefix;
	}
	return 0;
}

/* ---- queries ---- */

static void
rand_addr(struct gen *g, int *family, uint8_t a[16])
{
	const struct prefix *p;
	size_t i, n;

	memset(a, 0, 16);
	if (g->nmade > 0 && rnd(g, 3) != 0) {
		/* The edges of a listing: first, last, just outside, inside. */
		p = &g->made[rnd(g, (unsigned)g->nmade)];
		*family = p->family;
		n = addr_len(p->family);
		switch (rnd(g, 5)) {
		case 0: prefix_first(p, a); break;
		case 1: prefix_last(p, a); break;
		case 2: prefix_first(p, a); addr_dec(a, n); break;
		case 3: prefix_last(p, a); addr_inc(a, n); break;
		default:
			prefix_first(p, a);
			for (i = (size_t)p->len / 8; i < n; i++)
				a[i] |= (uint8_t)(rnd(g, 256) &
				    (i == (size_t)p->len / 8 ?
				    0xff >> (p->len % 8) : 0xff));
		}
		return;
	}
	*family = rnd(g, 2) ? ADDR_V4 : ADDR_V6;
	for (i = 0; i < addr_len(*family); i++)
		a[i] = (uint8_t)(rnd(g, 2) ? (*family == ADDR_V4 ? rnd(g, 10) :
		    rnd(g, 10) << 4 | rnd(g, 10)) : rnd(g, 256));
	if (*family == ADDR_V6 && rnd(g, 2))
		a[0] = (uint8_t)(0x20 | (a[0] & 0x0f));
}

/* The name of an address relative to the zone: "4.3.2.1" or 32 nibbles. */
static void
rel_name(int family, const uint8_t *a, char *out)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	out[0] = '\0';
	if (family == ADDR_V4) {
		sprintf(out, "%u.%u.%u.%u", a[3], a[2], a[1], a[0]);
		return;
	}
	for (i = 31; i >= 0; i--) {
		*out++ = hex[(a[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
		*out++ = i ? '.' : '\0';
	}
}

static int
walk_zone(struct store_txn *t, void *arg)
{
	(void)arg;
	return zonegen_walk(t, 0, 3, collect, NULL);
}

static int
run_round(struct store *st, const struct zoneset *zs, unsigned seed,
    int nlist)
{
	struct gen g = { .seed = seed, .nlist = nlist };
	struct store_reader *rd = NULL;
	struct respond_store rs;
	struct respond_db db;
	struct errbuf eb;
	struct resp r;
	const struct rec *ref;
	char rel[80], full[120], why[300];
	uint8_t a[16];
	size_t ql, al;
	int family, i, rcode, bad = 0, got_a, listed = 0, wild = 0;

	memset(&eb, 0, sizeof(eb));
	if (store_write(st, fill, &g, &eb) != 0) {
		ok(0, "seed %u: store filled: %s", seed, eb.msg);
		return 1;
	}
	clear_zone();
	if (store_read(st, walk_zone, NULL, &eb) != 0) {
		ok(0, "seed %u: the zone: %s", seed, eb.msg);
		return 1;
	}
	if (store_reader_new(st, &rd) != 0 ||
	    respond_store_init(&rs, &db, rd, 1) != 0) {
		ok(0, "seed %u: reader", seed);
		return 1;
	}
	for (i = 0; i < NQUERY && bad < 5; i++) {
		rand_addr(&g, &family, a);
		rel_name(family, a, rel);
		snprintf(full, sizeof(full), "%s.relays.example", rel);
		ql = mkquery(qbuf, full, T_A, -1, 0);
		store_reader_begin(rd);
		respond_store_batch(&rs);
		al = respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), 1);
		store_reader_end(rd);
		if (parse(abuf, al, &r) != 0) {
			ok(0, "seed %u: %s: dnsbld's answer parses", seed, rel);
			bad++;
			continue;
		}
		ref = resolve(rel, &rcode);
		got_a = r.rcode == RC_NOERROR && r.an == 1 &&
		    r.rr[0].type == T_A && r.rr[0].rdlen == 4;
		why[0] = '\0';
		if (r.rcode != rcode)
			snprintf(why, sizeof(why), "rcode %d, the zone %d",
			    r.rcode, rcode);
		else if (got_a != (ref != NULL))
			snprintf(why, sizeof(why), "dnsbld %s, the zone %s",
			    got_a ? "listed" : "NODATA", ref ? "listed" :
			    "NODATA");
		else if (ref != NULL && memcmp(r.rr[0].rdata, ref->a, 4) != 0)
			snprintf(why, sizeof(why), "A %u.%u.%u.%u, the zone's "
			    "%u.%u.%u.%u (%s)", r.rr[0].rdata[0],
			    r.rr[0].rdata[1], r.rr[0].rdata[2],
			    r.rr[0].rdata[3], ref->a[0], ref->a[1], ref->a[2],
			    ref->a[3], ref->owner);
		if (why[0] != '\0') {
			ok(0, "seed %u: %s A: %s", seed, full, why);
			bad++;
		}
		if (ref != NULL) {
			listed++;
			wild += ref->wildcard;
		}
		/* A host record's text is dnsbld's text, byte for byte. */
		if (ref != NULL && !ref->wildcard && why[0] == '\0') {
			ql = mkquery(qbuf, full, T_TXT, -1, 0);
			store_reader_begin(rd);
			respond_store_batch(&rs);
			al = respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), 1);
			store_reader_end(rd);
			if (parse(abuf, al, &r) != 0 || (r.an == 0) !=
			    (ref->txt[0] == '\0') || (r.an == 1 &&
			    (r.rr[0].rdlen < 1 || r.rr[0].rdata[0] !=
			    strlen(ref->txt) || memcmp(r.rr[0].rdata + 1,
			    ref->txt, strlen(ref->txt)) != 0))) {
				ok(0, "seed %u: %s TXT: dnsbld and the zone "
				    "differ (zone: \"%s\")", seed, full,
				    ref->txt);
				bad++;
			}
		}
	}
	ok(bad == 0, "seed %u: %d random addresses, %zu records: the zone "
	    "answers each as dnsbld (%d listed, %d by a wildcard)", seed, i,
	    nrecs, listed, wild);
	ok(nwire_bad == 0, "seed %u: each record's labels (as a transfer "
	    "sends them) spell its owner (%zu do not)", seed, nwire_bad);
	bad += nwire_bad != 0;
	respond_store_fini(&rs);
	store_reader_free(rd);
	return bad;
}

/* The owners zonegen writes for a few listings, and what they cost. */
static int
count_rr(const struct zone_rr *rr, void *arg)
{
	(void)rr;
	(*(size_t *)arg)++;
	return 0;
}

struct one {
	const char *prefix;
	size_t n;
};

static int
one_txn(struct store_txn *t, void *arg)
{
	struct one *o = arg;
	struct prefix p;
	uint8_t first[16], last[16];

	prefix_parse(o->prefix, &p, NULL);
	prefix_first(&p, first);
	prefix_last(&p, last);
	o->n = 0;
	return zonegen_interval(t, 0, p.family, first, last, ANSWER_DEFAULT,
	    count_rr, &o->n);
}

static void
test_costs(struct store *st)
{
	static const struct { const char *p; size_t n; } cases[] = {
		{ "192.0.2.0/24", 1 },		/* "*.2.0.192": safe */
		{ "2.6.0.0/16", 2806 },		/* 246 + 10 x 256 */
		{ "2.6.5.0/24", 256 },		/* all single digits: hosts */
		{ "2.10.0.0/16", 1 },		/* "*.10.2": safe */
		{ "3.0.0.0/8", 28306 },		/* 246 + 10 x 2806 */
		{ "2001:db8::/32", 1 },		/* 8 labels */
		{ "2000::/12", 16 },		/* "*.0.0.2" shared: 16 below */
		{ "2a00::/8", 1 },		/* a letter: safe */
		{ "2000::/4", 1666 },		/* 6 + 10 x (6 + 10 x 16) */
		{ "2345::/16", 1 },		/* 4 labels: safe */
	};
	struct errbuf eb;
	struct one o;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o.prefix = cases[i].p;
		memset(&eb, 0, sizeof(eb));
		rc = store_read(st, one_txn, &o, &eb);
		ok(rc == 0 && o.n == cases[i].n, "%s: %zu record pairs (want "
		    "%zu)", cases[i].p, o.n, cases[i].n);
	}
}

/*
 * interval_cidrs() against a model: the largest aligned block at lo that
 * stays within hi, found by trying every length from the widest down.
 */
typedef unsigned __int128 u128;

struct cidrs {
	struct prefix p[300];
	size_t n;
};

static int
keep_cidr(const struct prefix *p, void *arg)
{
	struct cidrs *c = arg;

	if (c->n == sizeof(c->p) / sizeof(c->p[0]))
		return DNSBL_ESPACE;
	c->p[c->n++] = *p;
	return 0;
}

static void
to_addr(int family, u128 v, uint8_t a[16])
{
	size_t i, n = addr_len(family);

	memset(a, 0, 16);
	for (i = 0; i < n; i++)
		a[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static void
model_cidrs(int family, u128 lo, u128 hi, struct cidrs *c)
{
	int bits = addr_bits(family), k;
	uint8_t a[16];
	u128 size;

	c->n = 0;
	while (lo <= hi && c->n < sizeof(c->p) / sizeof(c->p[0])) {
		for (k = bits; k > 0; k--) {
			if (k == 128) {
				if (lo == 0 && hi == ~(u128)0)
					break;
				continue;
			}
			size = (u128)1 << k;
			if ((lo & (size - 1)) == 0 && hi - lo >= size - 1)
				break;
		}
		to_addr(family, lo, a);
		prefix_make(&c->p[c->n++], family, a, bits - k);
		if (k == bits)
			break;
		size = (u128)1 << k;
		if (hi - lo < size)
			break;
		lo += size;
	}
}

static u128
rnd128(void)
{
	u128 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 16 | (u128)(rand() & 0xffff);
	return v;
}

/* A random address of family, often near a power-of-two boundary. */
static u128
rnd_addr(int family)
{
	int bits = addr_bits(family), k = rand() % (bits + 1);
	u128 top = family == ADDR_V4 ? 0xffffffffu : ~(u128)0, v = rnd128() & top;

	switch (rand() % 4) {
	case 0:
		return v;
	case 1:		/* aligned to 2^k */
		return k >= 128 ? 0 : v & ~(((u128)1 << k) - 1);
	case 2:		/* just below an aligned boundary */
		return k >= 128 ? top : (v | (((u128)1 << k) - 1)) & top;
	default:
		return rand() % 2 ? 0 : top;
	}
}

static void
test_interval_cidrs(unsigned seed)
{
	struct cidrs got, want;
	uint8_t fa[16], la[16];
	int i, fam, bad = 0, rc;
	char g[PREFIX_STRLEN], w[PREFIX_STRLEN];

	srand(seed);
	for (i = 0; i < 20000; i++) {
		int family = i % 2 ? ADDR_V6 : ADDR_V4;
		u128 lo = rnd_addr(family), hi = rnd_addr(family), t;
		size_t j;

		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		fam = family;
		to_addr(fam, lo, fa);
		to_addr(fam, hi, la);
		got.n = 0;
		rc = interval_cidrs(fam, fa, la, keep_cidr, &got);
		model_cidrs(fam, lo, hi, &want);
		if (rc == DNSBL_ESPACE && want.n == sizeof(want.p) /
		    sizeof(want.p[0]))
			rc = 0;		/* both stopped at the test's cap */
		for (j = 0; rc == 0 && j < want.n && j < got.n; j++)
			if (memcmp(&got.p[j], &want.p[j], sizeof(got.p[j])))
				break;
		if (rc != 0 || got.n != want.n || j != want.n) {
			if (bad++ < 3) {
				prefix_format(j < got.n ? &got.p[j] : &got.p[0], g);
				prefix_format(j < want.n ? &want.p[j] : &want.p[0], w);
				printf("#   case %d: rc %d, %zu blocks (want %zu), "
				    "block %zu %s (want %s)\n", i, rc, got.n,
				    want.n, j, g, w);
			}
		}
	}
	ok(bad == 0, "interval_cidrs: 20,000 random intervals of both "
	    "families match the model (%d differ)", bad);
}

int
main(void)
{
	struct teststore ts;
	struct zoneset *zs;
	struct store *st;
	unsigned seed = (unsigned)tap_seed("test_zonegen");
	int round;

	test_interval_cidrs(seed);
	if (!ok(teststore_open(&ts, "  - name: relays.example\n"
	    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
	    "    ns: [ns1.relays.example]\n"
	    "    txt: \"Listed $\"\n    codes:\n"
	    "      relay: {a: 127.0.0.9, txt: \"Relay $ code\"}\n") == 0,
	    "the store opened"))
		goto out;
	zs = ts.zs;
	st = ts.st;
	test_costs(st);
	/* The test entries alone, then listings added round by round, so
	 * that they nest more and more. */
	if (run_round(st, zs, seed, 0) == 0)
		for (round = 1; round <= 4; round++)
			if (run_round(st, zs, seed + (unsigned)round, 50) != 0)
				break;
	clear_zone();
out:
	teststore_close(&ts);
	return tap_done();
}

/*
 * test_respond.c -- dnsbld's responder (dnsbld/respond.c) against a small
 * fake store: every rule of docs/dnsbld.8 that does not need a socket.
 * Queries are built and answers read by dnsmsg.h; test_respond_store.c
 * runs the responder over the real store.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "../../dnsbld/query.h"
#include "../../dnsbld/respond.h"
#include "../tap.h"
#include "wire.h"
#include "../../dnsbld/zonectx.h"

#define T_MX 15
#include "dnsmsg.h"

/* ---- the fake store ---- */

struct fake_entry {
	const char *prefix;
	uint16_t answer;
};

static const struct fake_entry fake_list[] = {
	{ "192.0.2.1", 0 },
	{ "192.0.2.9", 1 },		/* own A and TXT */
	{ "192.0.2.10", 2 },		/* own A, zone TXT */
	{ "192.0.2.11", 3 },		/* a long TXT */
	{ "192.0.2.12", 4 },		/* own A of a code without TXT */
	{ "192.0.2.13", 5 },		/* an answer the store lacks */
	{ "198.51.100.0/24", 0 },
	{ "127.0.0.1", 0 },		/* must never be answered */
	{ "2001:db8::1", 0 },
	{ "10.0.0.0/8", 0 },
};

struct fake {
	struct prefix p[sizeof(fake_list) / sizeof(fake_list[0])];
	size_t n;
	int fail;			/* every call returns DNSBL_EDB */
	uint32_t serial;
};

static int
fake_lookup(void *arg, size_t zone, int family, const uint8_t *addr,
    struct store_hit *hit)
{
	struct fake *f = arg;
	struct prefix host;
	size_t i;
	int best = -1;

	if (f->fail)
		return DNSBL_EDB;
	if (zone != 0)
		return 0;
	prefix_make(&host, family, addr, addr_bits(family));
	for (i = 0; i < f->n; i++)
		if (prefix_contains(&f->p[i], &host) &&
		    (best < 0 || f->p[i].len > f->p[best].len))
			best = (int)i;
	if (best < 0)
		return 0;
	memset(hit, 0, sizeof(*hit));
	hit->answer = fake_list[best].answer;
	return 1;
}

static int
fake_any_within(void *arg, size_t zone, const struct prefix *p)
{
	struct fake *f = arg;
	size_t i;

	if (f->fail)
		return DNSBL_EDB;
	if (zone != 0)
		return 0;
	for (i = 0; i < f->n; i++)
		if (prefix_contains(p, &f->p[i]) ||
		    prefix_contains(&f->p[i], p))
			return 1;
	return 0;
}

static char long_txt[600];

static int
fake_answer(void *arg, size_t zone, uint16_t idx, struct store_answer *out)
{
	static const uint8_t a9[4] = { 127, 0, 0, 9 }, a10[4] = { 127, 0, 0,
	    10 };

	(void)arg;
	memset(out, 0, sizeof(*out));
	switch (idx) {
	case 1:
		memcpy(out->a, a9, 4);
		out->txt = "code nine for $";
		break;
	case 2:
		memcpy(out->a, a10, 4);
		break;
	case 3:
		out->txt = long_txt;
		break;
	case 4:
		out->a[0] = 127;
		out->a[3] = 4;
		break;
	default:
		return DNSBL_ENOENT;
	}
	out->txtlen = out->txt ? strlen(out->txt) : 0;
	return 0;
}

static uint32_t
fake_serial(void *arg, size_t zone)
{
	return ((struct fake *)arg)->serial;
}

/* ---- fixture ---- */

static struct dnsbl_config cfg;
static struct cfg_zone zones[2];
static struct cfg_dname ns[2];
static struct cfg_glue glue[2];
static struct cfg_code codes[2] = {
	{ "ten", { 127, 0, 0, 10 }, "code ten for $" },
	{ "four", { 127, 0, 0, 4 }, NULL },
};
static struct zoneset *zs;
static struct fake fk;
static struct respond_db db = { fake_lookup, fake_any_within, fake_answer,
    fake_serial, &fk };

static void
setup(void)
{
	struct errbuf eb;
	size_t i;

	memset(&eb, 0, sizeof(eb));
	for (i = 0; i < sizeof(fake_list) / sizeof(fake_list[0]); i++)
		if (prefix_parse(fake_list[i].prefix, &fk.p[fk.n++], &eb) != 0)
			printf("# %s\n", eb.msg);
	fk.serial = 2026112301;
	memset(long_txt, 'x', 599);
	long_txt[100] = '$';

	dname_parse("relays.example", &zones[0].name, NULL);
	zones[0].ttl = 2100;
	dname_parse("ns1.relays.example", &zones[0].soa.mname, NULL);
	dname_parse("hostmaster.relays.example", &zones[0].soa.rname, NULL);
	zones[0].soa.ttl = 3600;
	zones[0].soa.refresh = 3600;
	zones[0].soa.retry = 600;
	zones[0].soa.expire = 604800;
	zones[0].soa.minimum = 300;
	dname_parse("ns1.relays.example", &ns[0], NULL);
	dname_parse("ns.elsewhere.test", &ns[1], NULL);
	zones[0].ns = ns;
	zones[0].nns = 2;
	dname_parse("ns1.relays.example", &glue[0].name, NULL);
	prefix_parse("127.0.0.53", &glue[0].addr, NULL);
	dname_parse("ns1.relays.example", &glue[1].name, NULL);
	prefix_parse("::53", &glue[1].addr, NULL);
	zones[0].glue = glue;
	zones[0].nglue = 2;
	zones[0].a[0] = 127;
	zones[0].a[3] = 2;
	zones[0].txt = "Open relay $ - see https://relays.example/?ip=$";
	zones[0].codes = codes;
	zones[0].ncodes = 2;

	zones[1] = zones[0];
	dname_parse("sub.relays.example", &zones[1].name, NULL);
	zones[1].glue = NULL;
	zones[1].nglue = 0;
	zones[1].txt = NULL;
	zones[1].soa.minimum = 7200;		/* TTL: the SOA's 3600 */

	cfg.zones = zones;
	cfg.nzones = 2;
	if (zoneset_build(&cfg, &zs, &eb) != 0)
		printf("# zoneset_build: %s\n", eb.msg);
}

static uint8_t qbuf[600], abuf[RESPOND_MAX];

/* Ask name/type (over TCP if tcp, no EDNS unless given); parse the answer. */
static size_t
ask_via(const char *name, uint16_t type, int edns, int tcp, struct resp *r)
{
	size_t ql = mkquery(qbuf, name, type, edns, 0);
	size_t al = respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), tcp);

	if (al == 0 || parse(abuf, al, r) != 0) {
		memset(r, 0, sizeof(*r));
		r->rcode = -1;
	}
	return al;
}

/* The same over UDP. */
static size_t
ask(const char *name, uint16_t type, int edns, struct resp *r)
{
	return ask_via(name, type, edns, 0, r);
}

static const struct rr *
find(const struct resp *r, int section, uint16_t type)
{
	int i;

	for (i = 0; i < r->nrr; i++)
		if (r->rr[i].section == section && r->rr[i].type == type)
			return &r->rr[i];
	return NULL;
}

/* The TXT RDATA as one string, its character-strings joined. */
static void
txt_join(const struct rr *x, char *out, int *nstrings)
{
	size_t o = 0, n = 0;

	*nstrings = 0;
	while (o < x->rdlen) {
		uint8_t l = x->rdata[o];
		memcpy(out + n, x->rdata + o + 1, l);
		n += l;
		o += 1 + (size_t)l;
		(*nstrings)++;
	}
	out[n] = '\0';
}

/* ---- tests ---- */

static void
test_listed(void)
{
	struct resp r;
	const struct rr *x;
	char txt[2000];
	int ns;

	ask("1.2.0.192.relays.example", T_A, -1, &r);
	is_int(r.rcode, RC_NOERROR, "listed v4: NOERROR");
	ok(r.flags & F_AA, "listed v4: AA");
	ok(r.flags & F_QR, "QR set");
	ok(r.flags & F_RD, "RD copied");
	is_int(r.id, 0x1234, "id echoed");
	is_int(r.an, 1, "one answer");
	x = find(&r, 1, T_A);
	ok(x && x->rdlen == 4 && memcmp(x->rdata, "\x7f\0\0\x02", 4) == 0,
	    "A is the zone default 127.0.0.2");
	ok(x && x->ttl == 2100, "A TTL is the zone ttl");
	is_str(x ? x->owner : "", "1.2.0.192.relays.example", "owner");
	ok(abuf[12 + 26 + 4] == 0xc0 && abuf[12 + 26 + 5] == 12,
	    "owner is a pointer to the question");

	ask("1.2.0.192.relays.example", T_TXT, -1, &r);
	x = find(&r, 1, T_TXT);
	ok(x != NULL, "TXT answered");
	if (x) {
		txt_join(x, txt, &ns);
		is_str(txt, "Open relay 192.0.2.1 - see "
		    "https://relays.example/?ip=192.0.2.1", "TXT $ replaced");
	}
	ask_via("1.2.0.192.relays.example", T_ANY, -1, 1, &r);
	ok(r.an == 2 && find(&r, 1, T_A) && find(&r, 1, T_TXT),
	    "ANY over TCP gives A and TXT");
	ask("1.2.0.192.relays.example", T_ANY, 1232, &r);
	ok(r.rcode == RC_NOERROR && !(r.flags & F_TC) && r.an == 1 &&
	    find(&r, 1, T_A) && !find(&r, 1, T_TXT) && r.ns == 0,
	    "ANY over UDP: the A alone (RFC 8482)");
	ask("1.2.0.192.relays.example", T_MX, -1, &r);
	ok(r.rcode == RC_NOERROR && r.an == 0 && r.ns == 1 &&
	    find(&r, 2, T_SOA) && (r.flags & F_AA), "other type: NODATA");
	ask("1.2.0.192.relays.example", T_AAAA, -1, &r);
	ok(r.rcode == RC_NOERROR && r.an == 0, "AAAA never answered");

	ask_via("9.2.0.192.relays.example", T_ANY, -1, 1, &r);
	x = find(&r, 1, T_A);
	ok(x && memcmp(x->rdata, "\x7f\0\0\x09", 4) == 0, "answer's own A");
	x = find(&r, 1, T_TXT);
	if (x)
		txt_join(x, txt, &ns);
	ok(x && strcmp(txt, "code nine for 192.0.2.9") == 0,
	    "answer's own TXT");
	ask_via("10.2.0.192.relays.example", T_ANY, -1, 1, &r);
	x = find(&r, 1, T_A);
	ok(x && memcmp(x->rdata, "\x7f\0\0\x0a", 4) == 0, "own A, code 10");
	x = find(&r, 1, T_TXT);
	if (x)
		txt_join(x, txt, &ns);
	ok(x && strncmp(txt, "Open relay 192.0.2.10 ", 22) == 0,
	    "no own TXT: the zone's, even with a configured code's");
	ask_via("12.2.0.192.relays.example", T_ANY, -1, 1, &r);
	x = find(&r, 1, T_A);
	ok(x && memcmp(x->rdata, "\x7f\0\0\x04", 4) == 0, "own A, code 4");
	x = find(&r, 1, T_TXT);
	if (x)
		txt_join(x, txt, &ns);
	ok(x && strncmp(txt, "Open relay 192.0.2.12 ", 22) == 0,
	    "own A without TXT: the zone's");
	ask("13.2.0.192.relays.example", T_A, -1, &r);
	x = find(&r, 1, T_A);
	ok(x && memcmp(x->rdata, "\x7f\0\0\x02", 4) == 0,
	    "an answer missing from the store: the zone default");

	ask("11.2.0.192.relays.example", T_TXT, 4096, &r);
	x = find(&r, 1, T_TXT);
	ok(x != NULL, "long TXT answered");
	if (x) {
		txt_join(x, txt, &ns);
		is_int(strlen(txt), 598 + strlen("192.0.2.11"),
		    "long TXT length");
		is_int(ns, 3, "split into 3 character-strings");
		is_int(x->rdata[0], 255, "first string is 255 bytes");
	}

	ask("77.100.51.198.relays.example", T_A, -1, &r);
	ok(r.rcode == RC_NOERROR && r.an == 1, "inside a listed /24");
	ask("1.1.0.10.RELAYS.Example", T_A, -1, &r);
	ok(r.rcode == RC_NOERROR && r.an == 1, "zone matched in any case");
	is_str(r.qname, "1.1.0.10.RELAYS.Example", "question echoed as sent");
}

static void
test_unlisted(void)
{
	struct resp r;
	const struct rr *x;
	static const char *bad[] = {
		"2.2.0.192.relays.example",	/* unlisted */
		"256.2.0.192.relays.example",	/* octet > 255 */
		"01.2.0.192.relays.example",	/* leading zero */
		"a.2.0.192.relays.example",
		"1.1.2.0.192.relays.example",	/* 5 labels */
		"www.relays.example",
		"-1.2.0.192.relays.example",
		("1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1."
		    "1.1.1.relays.example"),	/* 33 nibbles */
		"g.relays.example",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ask(bad[i], T_A, -1, &r);
		ok(r.rcode == RC_NXDOMAIN && (r.flags & F_AA) && r.an == 0 &&
		    r.ns == 1, "NXDOMAIN: %s", bad[i]);
	}
	ask("2.2.0.192.relays.example", T_A, -1, &r);
	x = find(&r, 2, T_SOA);
	ok(x != NULL, "SOA in authority");
	if (x) {
		is_int(x->ttl, 300, "negative TTL = min(SOA ttl, minimum)");
		is_str(x->owner, "relays.example", "SOA owner is the apex");
		ok(x->rdlen >= 20 && wire_get16(x->rdata + x->rdlen - 20) ==
		    (2026112301u >> 16), "serial from the store");
	}
	ask("2.2.0.192.sub.relays.example", T_A, -1, &r);
	x = find(&r, 2, T_SOA);
	ok(r.rcode == RC_NXDOMAIN && x && x->ttl == 3600 &&
	    strcmp(x->owner, "sub.relays.example") == 0,
	    "the most specific zone; TTL min() picks the SOA ttl");
}

static void
test_ent_and_test_entries(void)
{
	struct resp r;
	static const char *ents[] = {
		"2.0.192.relays.example", "0.192.relays.example",
		"192.relays.example", "100.51.198.relays.example",
		"0.0.127.relays.example",	/* test entry's parents */
		"127.relays.example",
		"2.relays.example",		/* v6 2001:db8::1's first nibble */
		"1.0.0.2.relays.example",	/* 4 labels, a v6 ENT */
		"8.b.d.0.1.0.0.2.relays.example",
	};
	size_t i;

	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		ask(ents[i], T_A, -1, &r);
		ok(r.rcode == RC_NOERROR && r.an == 0 && r.ns == 1 &&
		    (r.flags & F_AA), "ENT: %s", ents[i]);
	}
	ask("3.relays.example", T_A, -1, &r);
	is_int(r.rcode, RC_NXDOMAIN, "nothing under 3: NXDOMAIN");
	ask("0.0.10.relays.example", T_TXT, -1, &r);
	is_int(r.rcode, RC_NOERROR, "ENT under a listed /8");

	ask("2.0.0.127.relays.example", T_A, -1, &r);
	ok(r.rcode == RC_NOERROR && r.an == 1, "127.0.0.2 always listed");
	ask("1.0.0.127.relays.example", T_A, -1, &r);
	is_int(r.rcode, RC_NXDOMAIN, "127.0.0.1 never, even if stored");
	ask_via("2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "relays.example", T_ANY, -1, 1, &r);
	ok(r.rcode == RC_NOERROR && r.an == 2, "::ffff:7f00:2 listed");
	ask("1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "relays.example", T_A, -1, &r);
	is_int(r.rcode, RC_NXDOMAIN, "::ffff:7f00:1 never");
}

static void
test_v6(void)
{
	struct resp r;
	const struct rr *x;
	char txt[1000];
	int ns;

	ask("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2."
	    "relays.example", T_TXT, -1, &r);
	x = find(&r, 1, T_TXT);
	ok(r.rcode == RC_NOERROR && x, "listed v6, upper-case nibbles");
	if (x) {
		txt_join(x, txt, &ns);
		is_str(txt, "Open relay 2001:db8::1 - see "
		    "https://relays.example/?ip=2001:db8::1", "v6 TXT");
	}
	ask("2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
	    "relays.example", T_A, -1, &r);
	is_int(r.rcode, RC_NXDOMAIN, "unlisted v6");
}

/*
 * The labels below the zone read as an address, by the rule written out
 * label by label: rel <= 32 labels, each one hex digit in either case.
 * Returns 1 and the address in a6 (the nibbles the name gives), else 0.
 */
static int
model_nibbles(const uint8_t *name, int rel, uint8_t a6[16])
{
	static const char hex[] = "0123456789abcdef";
	const char *d;
	int i, j;
	uint8_t c;

	memset(a6, 0, 16);
	if (rel > 32)
		return 0;
	for (i = 0; i < rel; i++, name += 1 + name[0]) {
		c = name[1];
		if (name[0] != 1 || c == 0 ||
		    (d = strchr(hex, c >= 'A' && c <= 'Z' ? c + 32 : c)) == NULL)
			return 0;
		j = rel - 1 - i;
		a6[j / 2] |= (uint8_t)(j % 2 ? d - hex : (d - hex) << 4);
	}
	return 1;
}

/*
 * Random reversed IPv6 names against the model: 28 to 34 labels of hex
 * digits in random case, with one label now and then made two bytes long
 * or given a byte that is no hex digit (those next to the digits' ranges
 * most often).  respond_hint() must find the zone, count the labels and
 * read the same address as the model, or none where the model reads none.
 * The seed is printed; TEST_SEED repeats a run.
 */
static void
test_nibbles_random(void)
{
	static const uint8_t near[] = { '/', ':', '@', 'G', '`', 'g', 0x80,
	    0xb0, 0xe1, 0xff, 0x10, 0x21, '0' - 0x20, 'f' + 0x80 };
	unsigned seed = (unsigned)tap_seed("test_nibbles_random");
	uint8_t name[300], want[16];
	struct respond_hint h;
	struct query q;
	size_t len, n;
	int i, k, rel, v, bad = 0, good = 0;

	srand(seed);
	for (i = 0; i < 20000 && bad < 5; i++) {
		rel = rand() % 4 ? 32 : 28 + rand() % 7;
		n = 0;
		for (k = 0; k < rel; k++) {
			v = rand() % 16;
			name[n++] = 1;
			name[n++] = (uint8_t)(v < 10 ? '0' + v :
			    (rand() % 2 ? 'a' : 'A') + v - 10);
		}
		k = rand() % rel;
		switch (rand() % 6) {
		case 0:		/* a byte that is no hex digit */
			name[2 * k + 1] = rand() % 2 ?
			    near[rand() % sizeof(near)] : (uint8_t)(rand() % 255 + 1);
			break;
		case 1:		/* a label of two bytes */
			memmove(name + 2 * k + 3, name + 2 * k + 2, n - 2 * k - 2);
			name[2 * k] = 2;
			name[2 * k + 2] = '1';
			n++;
			break;
		default:
			break;
		}
		memcpy(name + n, "\006relays\007example", 16);
		n += 16;
		for (k = 0; k < (int)n; k++)	/* the zone in any case */
			if (k >= (int)n - 15 && name[k] >= 'a' && rand() % 2)
				name[k] = (uint8_t)(name[k] - 32);
		/* The query: a header, the name, QTYPE A, class IN. */
		memset(qbuf, 0, 12);
		qbuf[5] = 1;
		memcpy(qbuf + 12, name, n);
		len = 12 + n;
		memcpy(qbuf + len, "\0\1\0\1", 4);
		len += 4;
		memset(&h, 0xa5, sizeof(h));
		if (query_parse(qbuf, len, &q) != Q_OK) {
			printf("# case %d: the query did not parse\n", i);
			bad++;
			continue;
		}
		respond_hint(zs, &q, &h);
		rel = q.nlabels - 2;
		v = model_nibbles(name, rel, want);
		good += v && rel == 32;
		if (h.z == NULL || h.rel != rel || h.v6ok != v || h.v4ok ||
		    (v && memcmp(h.a6, want, 16) != 0)) {
			printf("# case %d (seed %u): rel %d against %d, v6ok %d "
			    "against %d\n", i, seed, h.z ? h.rel : -1, rel,
			    h.v6ok, v);
			for (k = 0; k < 2 * rel; k++)
				printf("%s%02x", k % 16 ? " " : "\n# ", name[k]);
			printf("\n");
			bad++;
		}
	}
	ok(bad == 0, "20000 random reversed IPv6 names read as the model "
	    "reads them");
	ok(good > 5000 && good < 19000, "good full addresses among them "
	    "(%d)", good);
}

static void
test_apex(void)
{
	struct resp r;
	const struct rr *x;
	int i, glue4 = 0, glue6 = 0;

	ask("relays.example", T_SOA, -1, &r);
	x = find(&r, 1, T_SOA);
	ok(r.rcode == RC_NOERROR && (r.flags & F_AA) && r.an == 1 && x &&
	    x->ttl == 3600, "apex SOA");
	ask("Relays.Example", T_NS, -1, &r);
	ok(r.rcode == RC_NOERROR && r.an == 2, "apex NS: two");
	for (i = 0; i < r.nrr; i++) {
		if (r.rr[i].section == 3 && r.rr[i].type == T_A &&
		    strcmp(r.rr[i].owner, "ns1.Relays.Example") == 0)
			glue4++;
		if (r.rr[i].section == 3 && r.rr[i].type == T_AAAA)
			glue6++;
	}
	ok(glue4 == 1 && glue6 == 1 && r.ar == 2,
	    "glue A and AAAA for the in-zone NS only");
	ask_via("relays.example", T_ANY, -1, 1, &r);
	ok(r.an == 3 && find(&r, 1, T_SOA) && find(&r, 1, T_NS),
	    "apex ANY over TCP: SOA and NS");
	ask("relays.example", T_ANY, -1, &r);
	ok(r.rcode == RC_NOERROR && !(r.flags & F_TC) && r.an == 1 &&
	    find(&r, 1, T_SOA) && !find(&r, 1, T_NS) && r.ar == 0,
	    "apex ANY over UDP: the SOA alone (RFC 8482)");
	ask("ns1.relays.example", T_ANY, -1, &r);
	ok(r.an == 1 && find(&r, 1, T_A) && !find(&r, 1, T_AAAA),
	    "glue name ANY over UDP: the first glue RRset (A)");
	ask_via("ns1.relays.example", T_ANY, -1, 1, &r);
	ok(r.an == 2 && find(&r, 1, T_A) && find(&r, 1, T_AAAA),
	    "glue name ANY over TCP: A and AAAA");
	ask("relays.example", T_A, -1, &r);
	ok(r.rcode == RC_NOERROR && r.an == 0 && find(&r, 2, T_SOA),
	    "apex A: NODATA");
	ask("ns1.relays.example", T_A, -1, &r);
	x = find(&r, 1, T_A);
	ok(x && memcmp(x->rdata, "\x7f\0\0\x35", 4) == 0, "glue name's A");
	ask("ns1.relays.example", T_TXT, -1, &r);
	ok(r.rcode == RC_NOERROR && r.an == 0, "glue name's TXT: NODATA");
}

static void
test_errors(void)
{
	struct resp r;
	size_t ql, al;

	ask("1.2.0.192.example.org", T_A, -1, &r);
	ok(r.rcode == RC_REFUSED && !(r.flags & F_AA), "outside: REFUSED");
	ask("example", T_A, -1, &r);
	is_int(r.rcode, RC_REFUSED, "a parent of the zone: REFUSED");

	ql = mkquery(qbuf, "relays.example", T_SOA, -1, 0);
	qbuf[ql - 1] = 3;			/* class CH */
	al = respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), 0);
	ok(parse(abuf, al, &r) == 0 && r.rcode == RC_REFUSED, "class CH");

	ql = mkquery(qbuf, "relays.example", T_SOA, -1, 0);
	qbuf[2] |= 4 << 3;			/* opcode NOTIFY */
	al = respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), 0);
	ok(parse(abuf, al, &r) == 0 && r.rcode == RC_NOTIMP &&
	    ((r.flags >> 11) & 0xf) == 4, "opcode 4: NOTIMP, opcode echoed");

	ql = mkquery(qbuf, "relays.example", T_SOA, -1, 0);
	qbuf[5] = 2;				/* QDCOUNT 2 */
	al = respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), 0);
	ok(parse(abuf, al, &r) == 0 && r.rcode == RC_FORMERR, "QDCOUNT 2");
	qbuf[5] = 0;
	al = respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), 0);
	ok(parse(abuf, al, &r) == 0 && r.rcode == RC_FORMERR, "QDCOUNT 0");
	qbuf[5] = 1;
	al = respond(zs, &db, qbuf, ql - 3, abuf, sizeof(abuf), 0);
	ok(parse(abuf, al, &r) == 0 && r.rcode == RC_FORMERR,
	    "question cut short");
	qbuf[2] |= 0x80;			/* QR */
	is_int(respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), 0), 0,
	    "QR set: dropped");
	is_int(respond(zs, &db, qbuf, 11, abuf, sizeof(abuf), 0), 0,
	    "shorter than a header: dropped");

	ql = mkquery(qbuf, "relays.example", T_SOA, 1232, 0);
	qbuf[11] = 2;				/* ARCOUNT 2 */
	memcpy(qbuf + ql, qbuf + ql - 15, 15);	/* a second OPT */
	al = respond(zs, &db, qbuf, ql + 15, abuf, sizeof(abuf), 0);
	ok(parse(abuf, al, &r) == 0 && r.rcode == RC_FORMERR, "two OPTs");
	ql = mkquery(qbuf, "relays.example", T_SOA, 1232, 0);
	qbuf[ql - 1] = 9;			/* option runs past rdata */
	al = respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), 0);
	ok(parse(abuf, al, &r) == 0 && r.rcode == RC_FORMERR, "bad option");

	ql = mkquery(qbuf, "relays.example", T_SOA, -1, 0);
	qbuf[3] |= F_AD | F_CD;
	al = respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), 0);
	ok(parse(abuf, al, &r) == 0 && (r.flags & F_CD) && !(r.flags & F_AD),
	    "CD copied, AD not");

	fk.fail = 1;
	ask("1.2.0.192.relays.example", T_A, -1, &r);
	ok(r.rcode == RC_SERVFAIL && r.an == 0, "store error: SERVFAIL");
	/* A SERVFAIL speaks for no zone: no AA, nothing in authority, and
	 * in additional only the OPT of a query that had one. */
	ok(!(r.flags & F_AA) && r.ns == 0 && r.ar == 0 && r.opt == 0,
	    "SERVFAIL without EDNS: AA clear, NSCOUNT 0, ARCOUNT 0");
	ask("1.2.0.192.relays.example", T_A, 1232, &r);
	ok(r.rcode == RC_SERVFAIL && !(r.flags & F_AA) && r.an == 0 &&
	    r.ns == 0 && r.ar == 1 && r.opt == 1,
	    "SERVFAIL with EDNS: AA clear, NSCOUNT 0, ARCOUNT 1 (the OPT)");
	fk.fail = 0;
	ask("relays.example", T_AXFR, -1, &r);
	is_int(r.rcode, RC_REFUSED, "AXFR in respond(): REFUSED");
}

static void
test_edns(void)
{
	struct resp r;
	size_t ql, al;
	char name[300];

	ask("1.2.0.192.relays.example", T_A, 4096, &r);
	ok(r.opt == 1 && r.payload == EDNS_PAYLOAD, "OPT with payload 1232");
	ok(r.rr[r.nrr - 1].section == 3 && r.rr[r.nrr - 1].ttl == 0,
	    "version 0, DO clear");
	ask("1.2.0.192.relays.example", T_A, -1, &r);
	is_int(r.opt, 0, "no OPT without EDNS in the query");

	ql = mkquery(qbuf, "1.2.0.192.relays.example", T_A, 1232, 1);
	al = respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), 0);
	ok(parse(abuf, al, &r) == 0 && r.rcode == RC_BADVERS && r.an == 0 &&
	    r.opt == 1, "version 1: BADVERS");

	/* 598-byte TXT: over 512, under 1232. */
	al = ask("11.2.0.192.relays.example", T_TXT, -1, &r);
	ok((r.flags & F_TC) && r.an == 0 && r.qd == 1 && al <= 512,
	    "no EDNS: TC, question only");
	al = ask("11.2.0.192.relays.example", T_TXT, 600, &r);
	ok((r.flags & F_TC) && r.opt == 1 && al <= 600, "payload 600: TC");
	al = ask("11.2.0.192.relays.example", T_TXT, 1232, &r);
	ok(!(r.flags & F_TC) && r.an == 1, "payload 1232: fits");
	al = ask("11.2.0.192.relays.example", T_TXT, 100, &r);
	ok((r.flags & F_TC) && al <= 512, "payload below 512 counts as 512");

	ql = mkquery(qbuf, "11.2.0.192.relays.example", T_TXT, -1, 0);
	al = respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), 1);
	ok(parse(abuf, al, &r) == 0 && !(r.flags & F_TC) && r.an == 1,
	    "TCP: no size limit below 65535");

	/* 0x20: mixed case echoed byte for byte. */
	strcpy(name, "1.2.0.192.ReLaYs.ExAmPlE");
	ql = mkquery(qbuf, name, T_A, -1, 0);
	al = respond(zs, &db, qbuf, ql, abuf, sizeof(abuf), 0);
	ok(al > ql && memcmp(abuf + 12, qbuf + 12, ql - 12) == 0,
	    "question bytes echoed");
}


/*
 * A zone of 20 name servers inside it, each with glue: its NS answer
 * (some 800 bytes) does not fit 512.  The TC answer left in its place
 * must hold the question alone, every count but QDCOUNT 0 (the glue
 * counted before the answer was cut must not stay in ARCOUNT), and with
 * EDNS the OPT alone.
 */
static void
test_tc_counts(void)
{
	static struct cfg_dname bns[20];
	static struct cfg_glue bglue[20];
	struct dnsbl_config bc;
	struct cfg_zone bz = zones[0];
	struct zoneset *bzs = NULL;
	struct errbuf eb;
	struct resp r;
	size_t ql, al;
	char nm[64];
	int i;

	memset(&eb, 0, sizeof(eb));
	dname_parse("big.example", &bz.name, NULL);
	for (i = 0; i < 20; i++) {
		snprintf(nm, sizeof(nm), "ns%02d.big.example", i);
		dname_parse(nm, &bns[i], NULL);
		dname_parse(nm, &bglue[i].name, NULL);
		snprintf(nm, sizeof(nm), "127.0.1.%d", i + 1);
		prefix_parse(nm, &bglue[i].addr, NULL);
	}
	bz.ns = bns;
	bz.nns = 20;
	bz.glue = bglue;
	bz.nglue = 20;
	memset(&bc, 0, sizeof(bc));
	bc.zones = &bz;
	bc.nzones = 1;
	if (zoneset_build(&bc, &bzs, &eb) != 0) {
		ok(0, "zoneset of 20 name servers: %s", eb.msg);
		return;
	}

	ql = mkquery(qbuf, "big.example", T_NS, -1, 0);
	al = respond(bzs, &db, qbuf, ql, abuf, sizeof(abuf), 1);
	ok(parse(abuf, al, &r) == 0 && !(r.flags & F_TC) && r.an == 20 &&
	    r.ar == 20 && al > 512, "20 NS and 20 glue over TCP (%zu bytes)",
	    al);
	ql = mkquery(qbuf, "big.example", T_NS, -1, 0);
	al = respond(bzs, &db, qbuf, ql, abuf, sizeof(abuf), 0);
	ok(al > 0 && al <= 512 && parse(abuf, al, &r) == 0,
	    "the same over UDP without EDNS: parses, within 512");
	ok((r.flags & F_TC) && r.qd == 1 && r.an == 0 && r.ns == 0 &&
	    r.ar == 0, "TC, the question alone: ANCOUNT, NSCOUNT, ARCOUNT 0 "
	    "(got %u %u %u)", r.an, r.ns, r.ar);
	ql = mkquery(qbuf, "big.example", T_NS, 512, 0);
	al = respond(bzs, &db, qbuf, ql, abuf, sizeof(abuf), 0);
	ok(al > 0 && al <= 512 && parse(abuf, al, &r) == 0 &&
	    (r.flags & F_TC) && r.an == 0 && r.ns == 0 && r.ar == 1 &&
	    r.opt == 1, "EDNS 512: TC with the OPT alone in additional");
	zoneset_free(bzs);
}

/*
 * respond_bare() called directly (the access policy's REFUSED, the
 * answer to a query the store cannot serve): with and without EDNS, CD
 * set and clear.  ARCOUNT must count the OPT it appends, and nothing
 * else: the answer must parse to its last byte.
 */
static void
test_bare(void)
{
	struct query q;
	struct resp r;
	size_t ql, al;
	int edns, cd;

	for (edns = 0; edns < 2; edns++)
		for (cd = 0; cd < 2; cd++) {
			ql = mkquery(qbuf, "1.2.0.192.relays.example", T_A,
			    edns ? 1232 : -1, 0);
			if (cd)
				qbuf[3] |= F_CD;
			if (query_parse(qbuf, ql, &q) != Q_OK) {
				ok(0, "bare (EDNS %d, CD %d): the query parses",
				    edns, cd);
				continue;
			}
			al = respond_bare(&q, RC_REFUSED, 0, abuf,
			    sizeof(abuf));
			ok(al > 0 && parse(abuf, al, &r) == 0,
			    "bare (EDNS %d, CD %d): parses to its last byte",
			    edns, cd);
			ok(!!(r.flags & F_CD) == cd, "bare (EDNS %d, CD %d): "
			    "CD as in the query", edns, cd);
			is_int(r.ar, edns, "bare (EDNS %d, CD %d): ARCOUNT",
			    edns, cd);
			is_int(r.opt, edns, "bare (EDNS %d, CD %d): an OPT "
			    "exactly when the query had one", edns, cd);
			ok(r.rcode == RC_REFUSED && r.id == 0x1234 &&
			    (r.flags & F_QR) && (r.flags & F_RD) &&
			    !(r.flags & (F_TC | F_AA)) && r.qd == 1 &&
			    r.an == 0 && r.ns == 0 &&
			    strcmp(r.qname, "1.2.0.192.relays.example") == 0,
			    "bare (EDNS %d, CD %d): REFUSED, id, RD, the "
			    "question", edns, cd);
		}
	ql = mkquery(qbuf, "relays.example", T_SOA, 1232, 0);
	qbuf[3] |= F_CD;
	if (query_parse(qbuf, ql, &q) == Q_OK) {
		al = respond_bare(&q, RC_NOERROR, 1, abuf, sizeof(abuf));
		ok(al > 0 && parse(abuf, al, &r) == 0 && (r.flags & F_TC) &&
		    (r.flags & F_CD) && r.ar == 1 && r.opt == 1,
		    "bare with TC and EDNS: TC, CD, ARCOUNT 1, parses");
	} else
		ok(0, "bare with TC: the query parses");
}

/*
 * With nothing in the store, the names above the RFC 5782 test entries
 * 127.0.0.2 and ::ffff:7f00:2 still exist (empty non-terminals, NODATA),
 * since the test entries are always listed; their siblings do not.
 */
static void
test_ent_of_test_entries(void)
{
	struct resp r;
	static const char *ents[] = {
		"0.0.127.relays.example", "0.127.relays.example",
		"127.relays.example",
		/* 31, 24 and 20 nibbles of ::ffff:7f00:2 */
		"0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		    "relays.example",
		"f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		    "relays.example",
		"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.relays.example",
	};
	static const char *nx[] = {
		"1.2.0.192.relays.example",	/* the store is empty */
		"1.0.127.relays.example",
		"1.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		    "relays.example",
	};
	size_t i, n = fk.n;

	fk.n = 0;
	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		ask(ents[i], T_A, -1, &r);
		ok(r.rcode == RC_NOERROR && (r.flags & F_AA) && r.an == 0 &&
		    r.ns == 1 && find(&r, 2, T_SOA), "empty store, ENT above "
		    "a test entry: NODATA: %s", ents[i]);
	}
	for (i = 0; i < sizeof(nx) / sizeof(nx[0]); i++) {
		ask(nx[i], T_A, -1, &r);
		ok(r.rcode == RC_NXDOMAIN && r.ns == 1, "empty store: "
		    "NXDOMAIN: %s", nx[i]);
	}
	fk.n = n;
}

/*
 * An EDNS answer must keep room for its OPT (11 bytes).  The TXT of
 * 192.0.2.11 is made one byte longer at a time, so that the whole answer
 * with its OPT (as TCP gives it) runs from 12 bytes under the limit of a
 * payload of 512 to 12 bytes over it.  Over UDP each answer must parse
 * and end in a whole OPT (ARCOUNT 1): whole when it fits in 512 bytes,
 * else TC with the question alone.
 */
static void
test_opt_room(void)
{
	static const char *name = "11.2.0.192.relays.example";
	char save[sizeof(long_txt)];
	int len, seen[25], bad = 0, i, fits, missing = 0;
	size_t full, al;
	struct resp r;

	memcpy(save, long_txt, sizeof(long_txt));
	memset(seen, 0, sizeof(seen));
	for (len = 300; len < 599; len++) {
		memset(long_txt, 'x', 599);
		long_txt[100] = '$';
		long_txt[len] = '\0';
		full = ask_via(name, T_TXT, 512, 1, &r);
		if (full < 512 - 12 || full > 512 + 12)
			continue;
		seen[full - (512 - 12)] = 1;
		al = ask(name, T_TXT, 512, &r);
		fits = full <= 512;
		if (al == 0 || al > 512 || r.rcode != RC_NOERROR ||
		    r.ar != 1 || r.opt != 1 || r.nrr < 1 ||
		    r.rr[r.nrr - 1].type != T_OPT ||
		    (fits && ((r.flags & F_TC) || r.an != 1 || al != full)) ||
		    (!fits && (!(r.flags & F_TC) || r.an != 0))) {
			printf("# TXT of %d bytes: %zu bytes whole, %zu over "
			    "UDP, rcode %d, TC %d, AN %u, AR %u, OPT %d\n", len,
			    full, al, r.rcode, !!(r.flags & F_TC), r.an, r.ar,
			    r.opt);
			bad++;
		}
	}
	for (i = 0; i < 25; i++)
		missing += !seen[i];
	ok(missing == 0, "answers of every size from 500 to 524 bytes made "
	    "(%d missing)", missing);
	ok(bad == 0, "EDNS 512: each whole with its OPT, or TC with the OPT "
	    "(%d wrong)", bad);
	memcpy(long_txt, save, sizeof(long_txt));
}


int
main(void)
{
	setup();
	test_listed();
	test_unlisted();
	test_ent_and_test_entries();
	test_v6();
	test_nibbles_random();
	test_apex();
	test_errors();
	test_edns();
	test_tc_counts();
	test_bare();
	test_ent_of_test_entries();
	test_opt_room();
	zoneset_free(zs);
	return tap_done();
}

/*
 * respondfix.h -- the fixture that test_respond.c and test_respond_limits.c
 * share: a small fake store (a few listings, answers of their own, a TXT
 * long enough to split), two zones with glue and codes, setup() that
 * builds them, and ask() / ask_via() that put a query through respond()
 * and read its answer with dnsmsg.h.  Everything here is static, one copy
 * per test program; include it once, after dnsmsg.h.
 */
#ifndef DNSBL_TESTS_RESPONDFIX_H
#define DNSBL_TESTS_RESPONDFIX_H

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"

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


#pragma GCC diagnostic pop

#endif

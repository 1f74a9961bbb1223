/*
 * test_express.c -- the express path (dnsbld/express.h) against the
 * general one it shortcuts, on random and hostile packets over a real
 * store: wherever express_query() takes a packet, query_parse() and
 * respond_hint() must make the same query and hint of it; wherever
 * express_answer() answers, respond_hinted() must give the same bytes.
 * And the express path must take most of the common queries, or it
 * saves nothing.  The answers it gives must include listed ones and
 * NODATA; a quarter more packets, TXT queries with EDNS at 512 in a zone
 * of long TXT, try the answer's room for the OPT record at the limit.
 * Seeded (TEST_SEED=n repeats a run); EXPRESS_N sets the number of
 * packets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "memidx.h"
#include "store.h"
#include "../../dnsbld/express.h"
#include "../../dnsbld/query.h"
#include "../../dnsbld/respond.h"
#include "../../dnsbld/zonectx.h"
#include "../tap.h"
#include "teststore.h"

static uint64_t rng;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

/* Addresses listed: a few /16s, so that about half the queries hit. */
static const uint8_t nets4[4][2] = { { 192, 0 }, { 198, 51 }, { 203, 0 },
    { 10, 7 } };
static const uint8_t net6[6] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };

static void
rand_addr(int v6, uint8_t *a)
{
	if (!v6) {
		memcpy(a, nets4[rnd(4)], 2);
		a[2] = (uint8_t)rnd(4);
		a[3] = (uint8_t)rnd(256);
		if (rnd(40) == 0)	/* RFC 5782's test entries */
			memcpy(a, (const uint8_t[4]){ 127, 0, 0,
			    (uint8_t)(1 + rnd(2)) }, 4);
		else if (rnd(40) == 0)	/* the glue name 40.3.2.1 */
			memcpy(a, (const uint8_t[4]){ 1, 2, 3, 40 }, 4);
		else if (rnd(40) == 0)	/* 4 labels of one digit */
			memcpy(a, (const uint8_t[4]){ (uint8_t)rnd(10),
			    (uint8_t)rnd(10), (uint8_t)rnd(10),
			    (uint8_t)rnd(10) }, 4);
		return;
	}
	memset(a, 0, 16);
	memcpy(a, net6, 6);
	a[15] = (uint8_t)rnd(64);
	if (rnd(40) == 0) {
		memset(a, 0, 16);
		a[10] = a[11] = 0xff;
		a[12] = 0x7f;
		a[15] = (uint8_t)(1 + rnd(2));
	}
}

/* The configured zones (zones_yaml) that get entries: relays.example,
 * a.relays.example, notxt.example and t.example. */
static const size_t zfill[] = { 0, 1, 2, 5 };
#define ZFILLED	(sizeof(zfill) / sizeof(zfill[0]))

static int
fill(struct store_txn *t, void *arg)
{
	static const uint8_t code[4] = { 127, 0, 0, 5 };
	struct entry e;
	uint8_t ad[16];
	size_t z;
	int i, rc, fam;
	unsigned len;

	(void)arg;
	for (z = 0; z < ZFILLED; z++)
		for (i = 0; i < 600; i++) {
			memset(&e, 0, sizeof(e));
			/* prefix_make() clears the prefix before it reads
			 * the address: the address stays apart. */
			fam = rnd(4) == 0 ? ADDR_V6 : ADDR_V4;
			rand_addr(fam == ADDR_V6, ad);
			len = addr_bits(fam);
			if (rnd(30) == 0)
				len -= 8;	/* a range */
			prefix_make(&e.prefix, fam, ad, len);
			e.state = rnd(12) == 0 ? ENTRY_EXCLUDED : ENTRY_LISTED;
			if (rnd(8) == 0 && (rc = store_answer_intern(t,
			    zfill[z], code, rnd(2) ? "own $" : NULL, NULL,
			    &e.answer)) != 0)
				return rc;
			if ((rc = store_entry_put(t, zfill[z], &e)) != 0)
				return rc;
		}
	return 0;
}

/* One more entry in zone 1 alone, so that the zones' serials differ. */
static int
fill_one(struct store_txn *t, void *arg)
{
	static const uint8_t ad[4] = { 100, 64, 0, 7 };	/* never drawn */
	struct entry e;

	(void)arg;
	memset(&e, 0, sizeof(e));
	prefix_make(&e.prefix, ADDR_V4, ad, 32);
	e.state = ENTRY_LISTED;
	return store_entry_put(t, 1, &e);
}

static struct memidx *mi;

static int
copy(struct store_txn *t, void *arg)
{
	return memidx_build(t, *(size_t *)arg, &mi);
}

/* ---- packets ---- */

#define TXT43	"0123456789abcdefghijklmnopqrstuvwxyz-_+=,.;"
#define TXT430	TXT43 TXT43 TXT43 TXT43 TXT43 TXT43 TXT43 TXT43 TXT43 TXT43

/* The last two zones' names take 191 and 192 bytes on the wire: names of
 * 32 nibbles under them are 255 bytes (the most a name may have) and 256. */
#define L59 "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define L60 L59 "c"
#define LONG1 L59 "." L60 "." L60 ".example"
#define LONG2 L60 "." L60 "." L60 ".example"
static const char *const zones[] = { "relays.example", "a.relays.example",
    "notxt.example", "Relays.example", "other.example", LONG1, LONG2,
    "t.example" };
#define NZONES	(sizeof(zones) / sizeof(zones[0]))

static size_t
put_label(uint8_t *p, const char *s)
{
	size_t n = strlen(s);

	p[0] = (uint8_t)n;
	memcpy(p + 1, s, n);
	return n + 1;
}

static size_t
put_zone(uint8_t *p, const char *z)
{
	char buf[256], *s, *dot;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", z);
	for (s = buf; s != NULL; s = dot) {
		if ((dot = strchr(s, '.')) != NULL)
			*dot++ = '\0';
		n += put_label(p + n, s);
	}
	p[n++] = 0;
	return n;
}

/* One octet label, now and then not one (a leading zero, 256, a letter). */
static size_t
octet_label(uint8_t *p, uint8_t v)
{
	char s[8];

	switch (rnd(30)) {
	case 0:
		snprintf(s, sizeof(s), "0%u", v);
		break;
	case 1:
		snprintf(s, sizeof(s), "%u", 256 + rnd(744));
		break;
	case 2:
		snprintf(s, sizeof(s), "%ux", v % 10);
		break;
	default:
		snprintf(s, sizeof(s), "%u", v);
		break;
	}
	return put_label(p, s);
}

/* Set: make_query() makes TXT queries in t.example with EDNS and a payload
 * of 512, whose answers come to 512 bytes give or take 20 (its TXT is
 * long), so that the OPT record's room at the limit is tried. */
static int focus;

static size_t
make_query(uint8_t *p)
{
	static const uint16_t types[] = { T_A, T_A, T_A, T_TXT, T_TXT, T_ANY,
	    T_AAAA, T_SOA, T_NS, 15, T_OPT, T_AXFR, T_IXFR };
	uint8_t a[16];
	size_t n = 12, i;
	uint16_t qt = focus ? T_TXT : types[rnd(sizeof(types) /
	    sizeof(types[0]))];
	int v6 = rnd(3) == 0, shape = (int)rnd(20);
	char s[4];

	memset(p, 0, 12);
	p[0] = (uint8_t)rnd(256);
	p[1] = (uint8_t)rnd(256);
	p[2] = rnd(4) ? 0x01 : (uint8_t)rnd(256);	/* RD, or anything */
	p[3] = rnd(4) ? 0 : (uint8_t)rnd(256);
	p[5] = 1;
	rand_addr(v6, a);
	if (!v6) {
		/* 4 labels; now and then 3 or 5 */
		int nlab = shape == 0 ? 3 : shape == 1 ? 5 : 4;

		for (i = 0; i < (size_t)nlab; i++)
			n += octet_label(p + n, a[(3 - i) % 4]);
	} else {
		int nlab = shape == 0 ? 31 : shape == 1 ? 33 : 32;

		for (i = 0; i < (size_t)nlab; i++) {
			unsigned v = (a[15 - (i % 32) / 2] >> (i % 2 ? 4 : 0)) &
			    0xf;

			snprintf(s, sizeof(s), "%x", v);
			if (rnd(50) == 0)
				s[0] = rnd(2) ? 'A' : 'g';
			else if (i == 31 && rnd(30) == 0)
				snprintf(s, sizeof(s), "%x%x", v, rnd(16));
			n += put_label(p + n, s);
		}
	}
	n += put_zone(p + n, focus ? "t.example" :
	    zones[rnd(10) < 7 ? 0 : rnd(NZONES)]);
	p[n++] = (uint8_t)(qt >> 8);
	p[n++] = (uint8_t)qt;
	p[n++] = 0;
	p[n++] = rnd(20) == 0 ? (uint8_t)(rnd(2) ? 3 : 255) : 1;
	switch (focus ? 0 : rnd(8)) {
	case 0:
	case 1:
	case 2:		/* an OPT */
		p[11] = 1;
		p[n++] = 0;
		p[n++] = 0;
		p[n++] = T_OPT;
		p[n++] = focus ? 2 : (uint8_t)rnd(32);	/* payload */
		p[n++] = focus ? 0 : (uint8_t)rnd(256);
		p[n++] = 0;
		p[n++] = !focus && rnd(8) == 0 ? 1 : 0;	/* version */
		p[n++] = rnd(2) ? 0x80 : 0;		/* DO */
		p[n++] = 0;
		if (rnd(3) == 0) {	/* an option, maybe malformed */
			p[n++] = 0;
			p[n++] = 8;
			p[n++] = 0;
			p[n++] = 10;
			p[n++] = 0;
			p[n++] = rnd(4) == 0 ? 9 : 4;
			memset(p + n, 1, 4);
			n += 4;
		} else {
			p[n++] = 0;
			p[n++] = 0;
		}
		break;
	case 3:		/* another record in additional, or a count */
		p[5 + 2 * (1 + rnd(3))] = (uint8_t)rnd(3);
		break;
	default:
		break;
	}
	return n;
}

/*
 * Fields query_parse() fills on Q_OK, and the hint, compared; an address
 * only where it is one (respond.h).
 */
static int
same(const struct query *a, const struct respond_hint *ha,
    const struct query *b, const struct respond_hint *hb)
{
	return a->id == b->id && a->flags == b->flags &&
	    a->qname_raw == b->qname_raw && a->qname_len == b->qname_len &&
	    memcmp(a->qname, b->qname, a->qname_len) == 0 &&
	    a->nlabels == b->nlabels &&
	    memcmp(a->labels, b->labels, (size_t)a->nlabels) == 0 &&
	    a->qtype == b->qtype && a->qclass == b->qclass &&
	    a->has_question == b->has_question && a->edns == b->edns &&
	    a->payload == b->payload && a->edns_version == b->edns_version &&
	    a->dnssec_ok == b->dnssec_ok && a->has_soa == b->has_soa &&
	    a->soa_serial == b->soa_serial && a->tsig == b->tsig &&
	    ha->done == hb->done && ha->z == hb->z && ha->rel == hb->rel &&
	    ha->v4ok == hb->v4ok && ha->v6ok == hb->v6ok &&
	    (!ha->v4ok || memcmp(ha->a4, hb->a4, 4) == 0) &&
	    (!ha->v6ok || memcmp(ha->a6, hb->a6, 16) == 0);
}

/* Three zones: one with a glue name that is an address, one inside it,
 * one without a TXT. */
static const char zones_yaml[] =
    "  - name: relays.example\n"
    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
    "    ns: [ns1.relays.example, 40.3.2.1.relays.example]\n"
    "    glue:\n"
    "      - {name: 40.3.2.1.relays.example, address: 192.0.2.1}\n"
    "    txt: \"Open relay $ - see https://relays.example/l?ip=$\"\n"
    "  - name: a.relays.example\n"
    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
    "    ns: [ns1.relays.example]\n"
    "    a: 127.0.0.4\n    ttl: 60\n"
    "    txt: \"$\"\n"
    "  - name: notxt.example\n"
    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
    "    ns: [ns1.relays.example]\n"
    "    txt: \"\"\n"
    "  - name: " LONG1 "\n"
    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
    "    ns: [ns1.relays.example]\n"
    "  - name: " LONG2 "\n"
    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
    "    ns: [ns1.relays.example]\n"
    "  - name: t.example\n"
    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
    "    ns: [ns1.relays.example]\n"
    "    txt: \"" TXT430 " $ $\"\n";

int
main(void)
{
	static uint8_t pkt[600], out1[RESPOND_MAX], out2[RESPOND_MAX];
	struct teststore ts;
	struct zoneset *zs;
	struct store_reader *rd = NULL;
	struct respond_store rs;
	struct respond_db db;
	struct query q1, q2;
	struct respond_hint h1, h2;
	struct errbuf eb;
	enum query_status qs;
	const char *env;
	long n = 200000, i, took = 0, answered = 0, plain = 0, bad = 0;
	long badans = 0, common = 0, listed = 0, nodata = 0, near = 0, cut = 0;
	size_t len, l1, l2, limit, nz;
	uint64_t seed;

	seed = tap_seed("test_express");
	if ((env = getenv("EXPRESS_N")) != NULL)
		n = atol(env);
	printf("# %ld packets\n", n);
	rng = seed * 2654435761u + 1;

	memset(&eb, 0, sizeof(eb));
	if (!ok(teststore_open(&ts, zones_yaml) == 0, "a store of three "
	    "zones"))
		goto out;
	zs = ts.zs;
	nz = ts.cfg->nzones;
	ok(store_write(ts.st, fill, NULL, &eb) == 0, "entries %s", eb.msg);
	ok(store_write(ts.st, fill_one, NULL, &eb) == 0, "one more in zone 1 "
	    "%s", eb.msg);
	ok(store_read(ts.st, copy, &nz, &eb) == 0, "the copy %s", eb.msg);
	ok(mi != NULL && mi->z[0].serial != mi->z[1].serial,
	    "zones 0 and 1 have serials of their own (%u, %u)",
	    mi != NULL ? mi->z[0].serial : 0, mi != NULL ? mi->z[1].serial : 0);
	ok(store_reader_new(ts.st, &rd) == 0 &&
	    respond_store_init(&rs, &db, rd, nz) == 0, "a reader");
	if (mi == NULL || rd == NULL)
		goto out;

	for (i = 0; i < n + n / 4; i++) {
		focus = i >= n;
		len = make_query(pkt);
		switch (rnd(10)) {
		case 0:		/* cut short */
			len = rnd((uint32_t)len + 1);
			break;
		case 1:		/* a byte changed */
			pkt[rnd((uint32_t)len)] = (uint8_t)rnd(256);
			break;
		case 2:		/* a random packet */
			len = rnd(120);
			for (l1 = 0; l1 < len; l1++)
				pkt[l1] = (uint8_t)rnd(256);
			if (len > 5 && rnd(2)) {
				pkt[2] = pkt[4] = 0;
				pkt[5] = 1;
			}
			break;
		default:
			common++;
			break;
		}
		memset(&h1, 0xa5, sizeof(h1));
		if (!express_query(zs, pkt, len, &q1, &h1))
			continue;
		took++;
		memset(&h2, 0x5a, sizeof(h2));
		h2.done = 0;
		qs = query_parse(pkt, len, &q2);
		if (qs == Q_OK && !q2.tsig)
			respond_hint(zs, &q2, &h2);
		if (qs != Q_OK || !same(&q1, &h1, &q2, &h2)) {
			if (bad++ < 5)
				printf("# packet %ld (%zu bytes): express_query() "
				    "and the general parse differ \n", i, len);
			continue;
		}
		limit = respond_limit(&q1, 0, EDNS_PAYLOAD);
		respond_store_begin(&rs, mi);
		l1 = express_answer(mi, &q1, &h1, out1, limit);
		if (l1 != 0) {
			answered++;
			if ((out1[3] & 0xf) == 0 && (out1[6] | out1[7]) != 0)
				listed++;
			else if ((out1[3] & 0xf) == 0)
				nodata++;
			l2 = respond_hinted(zs, &db, &q2, qs, &h2, out2,
			    EDNS_PAYLOAD, limit, 0);
			if (l1 != l2 || memcmp(out1, out2, l1) != 0) {
				if (badans++ < 5)
					printf("# packet %ld: express_answer() "
					    "%zu bytes, respond_hinted() %zu\n",
					    i, l1, l2);
			}
			if (focus && l1 + 20 > limit)
				near++;
		} else if (q1.qtype == T_A && q1.qclass == C_IN &&
		    !q1.edns && h1.z == &zs->zones[0])
			plain++;	/* answered the general way */
		else if (focus && respond_hinted(zs, &db, &q2, qs, &h2, out2,
		    EDNS_PAYLOAD, limit, 0) > 3 && (out2[2] & 0x02))
			cut++;		/* too long for 512: TC */
		(void)respond_store_end(&rs);
	}
	ok(bad == 0, "express_query() makes the general parse's query and "
	    "hint (%ld taken, %ld differ)", took, bad);
	ok(badans == 0, "express_answer() gives respond_hinted()'s bytes "
	    "(%ld answered, %ld differ)", answered, badans);
	/* Most unmangled packets are of the common shape. */
	ok(took > common / 8, "express_query() takes the common shape "
	    "(%ld of %ld unmangled)", took, common);
	ok(answered > took / 4, "express_answer() answers most of those "
	    "(%ld of %ld; %ld plain A left to the general way)", answered,
	    took, plain);
	/* Listed answers and NODATA (a TXT query in the zone with no TXT)
	 * among them, not NXDOMAIN alone. */
	ok(listed > answered / 10 && nodata > 0, "of those, %ld listed and "
	    "%ld NODATA", listed, nodata);
	/* Both sides of the limit, the OPT record's room included. */
	ok(near > 0 && cut > 0, "at a payload of 512: %ld answers within 20 "
	    "bytes of it, %ld too long (TC, the general way)", near, cut);
	respond_store_fini(&rs);
out:
	memidx_free(mi);
	store_reader_free(rd);
	teststore_close(&ts);
	return tap_done();
}

/*
 * test_respond.c -- dnsbld's responder (dnsbld/respond.c) against a small
 * fake store: every rule of docs/dnsbld.8 that does not need a socket.
 * Queries are built and answers read by dnsmsg.h, the fake store is
 * respondfix.h's; test_respond_limits.c tries the responder at its limits
 * and test_respond_store.c runs it over the real store.
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

#include "respondfix.h"

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
	zoneset_free(zs);
	return tap_done();
}

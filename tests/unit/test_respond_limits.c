/*
 * test_respond_limits.c -- dnsbld's responder (dnsbld/respond.c) at its
 * limits, against the fake store of respondfix.h: the counts of a TC answer
 * (a zone of 20 name servers with glue), respond_bare() with and without
 * EDNS and CD, NODATA for the empty non-terminals above the test entries
 * with the store empty, and answers at the 512-byte limit with room for
 * the OPT record.  test_respond.c has the other rules.
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
	test_tc_counts();
	test_bare();
	test_ent_of_test_entries();
	test_opt_room();
	zoneset_free(zs);
	return tap_done();
}

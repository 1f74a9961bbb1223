/*
 * test_rrl.c -- the response rate limiter (dnsbld/rrl.c): SipHash against
 * its published vectors, the bucket keys (network, kind, name), the GCRA
 * limit with a clock the test moves (burst, rate, slip, recovery), the
 * exempt list, a table much smaller than the keys, and two threads on one
 * bucket (run under TSan by `make TSAN=1 test`).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "../../dnsbld/query.h"
#include "../../dnsbld/respond.h"
#include "../../dnsbld/rrl.h"
#include "../tap.h"
#include "wire.h"
#include "dnsmsg.h"

static uint8_t qbuf[600];

/* A config like the schema's defaults, with the given rates. */
static void
cfg_init(struct cfg_rrl *c, uint32_t rate, uint32_t slip)
{
	memset(c, 0, sizeof(*c));
	c->enabled = "true";
	c->responses_per_second = rate;
	c->nxdomains_per_second = rate;
	c->errors_per_second = rate;
	c->slip = slip;
	c->ipv4_prefix = 24;
	c->ipv6_prefix = 56;
	c->table_size = 1024;
}

static struct sockaddr_storage
peer(const char *addr)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':')) {
		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
	} else {
		s4->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &s4->sin_addr);
	}
	return ss;
}

/*
 * A query for name/type parsed into q, and an answer to it in a (as
 * respond.c lays one out): rcode, an A record if an, and for NXDOMAIN the
 * SOA of the zone of zlen wire bytes, its owner a pointer into the
 * question.  Returns the answer's length.
 */
static size_t
mk(const char *name, uint16_t type, int edns, int rcode, int an,
    size_t zlen, struct query *q, uint8_t *a)
{
	size_t ql = mkquery(qbuf, name, type, edns, 0), n;

	if (query_parse(qbuf, ql, q) != Q_OK)
		printf("# query_parse failed for %s\n", name);
	n = DNS_HDRLEN + q->qname_len + 4;
	memcpy(a, qbuf, n);
	a[2] = 0x84;
	a[3] = (uint8_t)rcode;
	memset(a + 6, 0, 6);
	if (an) {
		a[7] = 1;
		memcpy(a + n, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04"
		    "\x7f\x00\x00\x02", 16);
		n += 16;
	} else if (rcode == RC_NXDOMAIN || rcode == RC_NOERROR) {
		size_t apex = DNS_HDRLEN + q->qname_len - zlen;
		a[9] = 1;
		a[n++] = (uint8_t)(0xc0 | apex >> 8);
		a[n++] = (uint8_t)apex;
		memcpy(a + n, "\x00\x06\x00\x01\x00\x00\x00\x3c\x00\x00", 10);
		n += 10;
	}
	return n;
}

#define ZLEN 16		/* "relays.example" in wire form */

static size_t
key_of(struct rrl *t, const char *from, const char *name, uint16_t type,
    int rcode, int an, uint8_t *key, enum rrl_kind *kind)
{
	struct sockaddr_storage ss = peer(from);
	struct query q;
	uint8_t a[600];
	size_t n = mk(name, type, -1, rcode, an, ZLEN, &q, a);

	return rrl_key(t, (struct sockaddr *)&ss, &q, a, n, key, kind);
}

static int
same_key(struct rrl *t, const char *f1, const char *n1, uint16_t t1, int r1,
    int a1, const char *f2, const char *n2, uint16_t t2, int r2, int a2)
{
	uint8_t k1[RRL_KEY_MAX], k2[RRL_KEY_MAX];
	enum rrl_kind x1, x2;
	size_t l1 = key_of(t, f1, n1, t1, r1, a1, k1, &x1);
	size_t l2 = key_of(t, f2, n2, t2, r2, a2, k2, &x2);

	return x1 == x2 && l1 == l2 && memcmp(k1, k2, l1) == 0;
}

static void
test_siphash(void)
{
	uint8_t k[16], m[15];
	int i;

	for (i = 0; i < 16; i++)
		k[i] = (uint8_t)i;
	for (i = 0; i < 15; i++)
		m[i] = (uint8_t)i;
	ok(rrl_siphash(k, m, 0, 2, 4) == UINT64_C(0x726fdb47dd0e0e31),
	    "SipHash-2-4 of the empty message: the paper's vector");
	ok(rrl_siphash(k, m, 15, 2, 4) == UINT64_C(0xa129ca6149be45e5),
	    "SipHash-2-4 of 15 bytes: the paper's vector");
	/* SipHash-1-3 as CPython 3.11 hashes bytes with PYTHONHASHSEED=0
	 * (a key of zeros): hash(bytes(range(15))) and hash(bytes(range(8))). */
	memset(k, 0, sizeof(k));
	ok(rrl_siphash(k, m, 15, 1, 3) == UINT64_C(0xf30eb725bb91c9ea),
	    "SipHash-1-3 of 15 bytes, key 0: CPython's value");
	ok(rrl_siphash(k, m, 8, 1, 3) == UINT64_C(0xead411e67ebe2eea),
	    "SipHash-1-3 of 8 bytes, key 0: CPython's value");
}

static void
test_update(void)
{
	struct cfg_rrl c;
	struct rrl *t = NULL;

	cfg_init(&c, 10, 2);
	c.table_size = 1000;
	is_int(rrl_update(&t, &c), 0, "a table");
	ok(t != NULL && rrl_bytes(t) == 1024 * 8,
	    "1000 buckets round up to 1024, 8 bytes each");
	c.responses_per_second = 50;
	rrl_update(&t, &c);
	ok(t != NULL && rrl_bytes(t) == 1024 * 8, "same size: a table of that size "
	    "(test_renew: over the same buckets)");
	c.table_size = 4096;
	rrl_update(&t, &c);
	ok(t != NULL && rrl_bytes(t) == 4096 * 8, "a new size: a new table");
	c.enabled = "false";
	rrl_update(&t, &c);
	ok(t == NULL, "enabled: false frees it");
}

static void
test_keys(void)
{
	struct cfg_rrl c;
	struct rrl *t = NULL;
	uint8_t k[RRL_KEY_MAX];
	enum rrl_kind kind;
	const char *n1 = "2.0.0.127.relays.example";

	cfg_init(&c, 10, 2);
	rrl_update(&t, &c);
	key_of(t, "192.0.2.1", n1, T_A, RC_NOERROR, 1, k, &kind);
	is_int(kind, RRL_ANSWER, "NOERROR with a record: an answer");
	key_of(t, "192.0.2.1", n1, T_MX, RC_NOERROR, 0, k, &kind);
	is_int(kind, RRL_NODATA, "NOERROR without: NODATA");
	key_of(t, "192.0.2.1", "9.relays.example", T_A, RC_NXDOMAIN, 0, k,
	    &kind);
	is_int(kind, RRL_NXDOMAIN, "NXDOMAIN");
	key_of(t, "192.0.2.1", "example.org", T_A, RC_REFUSED, 0, k, &kind);
	is_int(kind, RRL_ERROR, "REFUSED: an error");

	ok(same_key(t, "192.0.2.1", n1, T_A, 0, 1, "192.0.2.200", n1, T_A, 0,
	    1), "two hosts of one /24 share the answer's bucket");
	ok(!same_key(t, "192.0.2.1", n1, T_A, 0, 1, "192.0.3.1", n1, T_A, 0,
	    1), "another /24: another bucket");
	ok(same_key(t, "192.0.2.1", n1, T_A, 0, 1, "192.0.2.1",
	    "2.0.0.127.RELAYS.Example", T_A, 0, 1),
	    "case does not matter (0x20 randomisation)");
	ok(!same_key(t, "192.0.2.1", n1, T_A, 0, 1, "192.0.2.1", n1, T_TXT, 0,
	    1), "A and TXT of one name: two buckets");
	ok(same_key(t, "192.0.2.1", n1, T_MX, 0, 0, "192.0.2.1", n1, T_AAAA,
	    0, 0), "NODATA: one bucket per name, whatever the type");
	ok(same_key(t, "192.0.2.1", "1.2.3.4.relays.example", T_A,
	    RC_NXDOMAIN, 0, "192.0.2.9", "www.relays.example", T_TXT,
	    RC_NXDOMAIN, 0), "NXDOMAIN: one bucket per zone");
	ok(!same_key(t, "192.0.2.1", "1.2.3.4.relays.example", T_A,
	    RC_NXDOMAIN, 0, "192.0.2.1", "1.2.3.4.other.example", T_A,
	    RC_NXDOMAIN, 0), "NXDOMAIN in another zone: another bucket");
	ok(same_key(t, "192.0.2.1", "a.example.org", T_A, RC_REFUSED, 0,
	    "192.0.2.5", "b.example.net", T_TXT, RC_SERVFAIL, 0),
	    "errors: one bucket per network");
	ok(same_key(t, "2001:db8:0:ff::1", n1, T_A, 0, 1, "2001:db8:0:1::2",
	    n1, T_A, 0, 1), "IPv6: one /56 shares a bucket");
	ok(!same_key(t, "2001:db8:0:100::1", n1, T_A, 0, 1, "2001:db8::1",
	    n1, T_A, 0, 1), "IPv6: another /56, another bucket");
	ok(!same_key(t, "192.0.2.1", n1, T_A, 0, 1, "::ffff:192.0.2.1", n1,
	    T_A, 0, 1), "IPv4 and IPv6 never share");
	{
		/* A query of EDNS version 1 gets BADVERS: an error, keyed by
		 * network alone, whatever the answer's header rcode says. */
		struct sockaddr_storage ss = peer("192.0.2.1");
		struct query q;
		uint8_t a[600], k2[RRL_KEY_MAX];
		size_t n, l1, l2;
		enum rrl_kind k2kind;

		n = mkquery(qbuf, n1, T_A, 1232, 1);
		if (query_parse(qbuf, n, &q) != Q_OK)
			printf("# the EDNS version 1 query does not parse\n");
		n = DNS_HDRLEN + q.qname_len + 4;
		memcpy(a, qbuf, n);
		a[2] = 0x84;
		a[3] = 0;
		memset(a + 6, 0, 6);
		l1 = rrl_key(t, (struct sockaddr *)&ss, &q, a, n, k, &kind);
		l2 = key_of(t, "192.0.2.77", "b.example.net", T_TXT,
		    RC_REFUSED, 0, k2, &k2kind);
		ok(q.edns && q.edns_version == 1 && kind == RRL_ERROR &&
		    l1 == l2 && memcmp(k, k2, l1) == 0, "EDNS version 1 "
		    "(BADVERS): the network's error bucket (kind %d)", kind);
	}
	rrl_free(t);

	/* Prefixes that end inside a byte: /22 and /52. */
	t = NULL;
	c.ipv4_prefix = 22;
	c.ipv6_prefix = 52;
	rrl_update(&t, &c);
	ok(same_key(t, "192.0.0.1", n1, T_A, 0, 1, "192.0.3.254", n1, T_A, 0,
	    1), "/22: 192.0.0.1 and 192.0.3.254 share a bucket");
	ok(!same_key(t, "192.0.3.1", n1, T_A, 0, 1, "192.0.4.1", n1, T_A, 0,
	    1), "/22: 192.0.4.1 is in another");
	ok(same_key(t, "2001:db8:0:0::1", n1, T_A, 0, 1, "2001:db8:0:fff::1",
	    n1, T_A, 0, 1), "/52: 2001:db8:0:: and 2001:db8:0:fff:: share");
	ok(!same_key(t, "2001:db8:0:fff::1", n1, T_A, 0, 1,
	    "2001:db8:0:1000::1", n1, T_A, 0, 1),
	    "/52: 2001:db8:0:1000:: is in another");
	rrl_free(t);
}

/* n checks of one answer from `from` at time now; counts the verdicts. */
static void run(struct rrl *t, struct rrl_worker *w, uint64_t now,
    const char *from, const char *name, int tsig, int n, int cnt[3]);

/*
 * rrl_renew(), as a reload uses it while workers still hold the old
 * table: a client limited before is limited by the new table too (the
 * buckets carry on), the old table keeps working until freed, and a table
 * of another size starts afresh.
 */
static void
test_renew(void)
{
	struct cfg_rrl c;
	struct rrl *t = NULL, *n = NULL, *m = NULL;
	struct rrl_worker w;
	uint64_t now = UINT64_C(5000) * RRL_TICKS_PER_SEC;
	const char *n1 = "2.0.0.127.relays.example";
	int cnt[3];

	memset(&w, 0, sizeof(w));
	cfg_init(&c, 10, 2);
	rrl_update(&t, &c);
	run(t, &w, now, "192.0.2.1", n1, 0, 11, cnt);
	run(t, &w, now, "192.0.2.1", n1, 0, 4, cnt);
	is_int(cnt[RRL_SEND], 0, "a client over its rate");
	is_int(rrl_renew(t, &c, &n), 0, "renewed, same size");
	ok(n != NULL && n != t, "a new table");
	run(n, &w, now, "192.0.2.1", n1, 0, 4, cnt);
	is_int(cnt[RRL_SEND], 0, "the new table limits the client too");
	run(t, &w, now, "192.0.2.1", n1, 0, 4, cnt);
	is_int(cnt[RRL_SEND], 0, "and the old one still works");
	rrl_free(t);
	run(n, &w, now, "192.0.2.1", n1, 0, 4, cnt);
	is_int(cnt[RRL_SEND], 0, "the old one freed: the buckets stay");
	c.table_size = 4096;
	is_int(rrl_renew(n, &c, &m), 0, "renewed, another size");
	run(m, &w, now, "192.0.2.1", n1, 0, 4, cnt);
	is_int(cnt[RRL_SEND], 4, "another size starts afresh");
	rrl_free(n);
	rrl_free(m);
	c.enabled = "false";
	ok(rrl_renew(NULL, &c, &m) == 0 && m == NULL, "disabled: no table");
}

static void
run(struct rrl *t, struct rrl_worker *w, uint64_t now, const char *from,
    const char *name, int tsig, int n, int cnt[3])
{
	struct sockaddr_storage ss = peer(from);
	struct query q;
	uint8_t a[600];
	size_t len = mk(name, T_A, -1, RC_NOERROR, 1, ZLEN, &q, a);
	int i;

	q.tsig = tsig;
	cnt[0] = cnt[1] = cnt[2] = 0;
	for (i = 0; i < n; i++)
		cnt[rrl_check(t, w, now, (struct sockaddr *)&ss, &q, a,
		    len)]++;
}

static void
test_limit(void)
{
	struct cfg_rrl c;
	struct rrl *t = NULL;
	struct rrl_worker w;
	struct prefix ex;
	uint64_t now = UINT64_C(1000) * RRL_TICKS_PER_SEC, iv;
	const char *n1 = "2.0.0.127.relays.example";
	int cnt[3], i, sent;

	memset(&w, 0, sizeof(w));
	cfg_init(&c, 10, 2);
	rrl_update(&t, &c);
	iv = (RRL_TICKS_PER_SEC + 9) / 10;
	run(t, &w, now, "192.0.2.1", n1, 0, 11, cnt);
	is_int(cnt[RRL_SEND], 11, "a burst of rate+1 answers goes");
	run(t, &w, now, "192.0.2.1", n1, 0, 10, cnt);
	ok(cnt[RRL_SEND] == 0 && cnt[RRL_DROP] == 5 && cnt[RRL_SLIP] == 5,
	    "then none: slip 2 sends every second one as TC (%d/%d/%d)",
	    cnt[0], cnt[1], cnt[2]);
	ok(w.dropped == 5 && w.slipped == 5, "the worker counts them");
	run(t, &w, now, "192.0.2.77", n1, 0, 1, cnt);
	is_int(cnt[RRL_SEND], 0, "another host of the /24 is limited too");
	run(t, &w, now, "198.51.100.1", n1, 0, 5, cnt);
	is_int(cnt[RRL_SEND], 5, "another network is not");
	run(t, &w, now + iv, "192.0.2.1", n1, 0, 3, cnt);
	is_int(cnt[RRL_SEND], 1, "1/rate later: one more answer");
	sent = 0;
	for (i = 1; i <= 100; i++) {	/* 10 s at 20 queries a second */
		run(t, &w, now + iv + (uint64_t)i * iv / 2, "192.0.2.1", n1, 0,
		    1, cnt);
		sent += cnt[RRL_SEND];
	}
	ok(sent >= 48 && sent <= 51, "a flood at twice the rate: half (%d "
	    "of 100) go", sent);
	run(t, &w, now + 20 * RRL_TICKS_PER_SEC, "192.0.2.1", n1, 0, 11, cnt);
	is_int(cnt[RRL_SEND], 11, "drained after a pause: the full burst");
	run(t, &w, now + RRL_TICKS_PER_SEC * 86400 * 12, "192.0.2.1", n1, 0,
	    11, cnt);
	is_int(cnt[RRL_SEND], 11, "12 days later (the clock wraps at 24): "
	    "forgotten");
	run(t, &w, now + RRL_TICKS_PER_SEC * 86400 * 12, "192.0.2.1", n1, 0,
	    20, cnt);
	run(t, &w, now + RRL_TICKS_PER_SEC * 86400 * 25, "192.0.2.1", n1, 0,
	    11, cnt);
	is_int(cnt[RRL_SEND], 11, "13 days after that, the wrapped time looks "
	    "11 days ahead: stale, forgotten");
	run(t, &w, now + 20 * RRL_TICKS_PER_SEC, "192.0.2.1", n1, 1, 20, cnt);
	ok(cnt[RRL_SLIP] == 0 && cnt[RRL_DROP] == 9,
	    "a signed query is dropped, never slipped (%d/%d/%d)", cnt[0],
	    cnt[1], cnt[2]);

	c.slip = 0;
	rrl_update(&t, &c);
	run(t, &w, now, "203.0.113.1", n1, 0, 30, cnt);
	ok(cnt[RRL_SEND] == 11 && cnt[RRL_DROP] == 19, "slip 0: all dropped");
	c.slip = 1;
	rrl_update(&t, &c);
	run(t, &w, now, "203.0.114.1", n1, 0, 30, cnt);
	ok(cnt[RRL_SEND] == 11 && cnt[RRL_SLIP] == 19, "slip 1: all slipped");
	c.slip = 3;
	rrl_update(&t, &c);
	run(t, &w, now, "203.0.115.1", n1, 0, 29, cnt);
	ok(cnt[RRL_SEND] == 11 && cnt[RRL_SLIP] == 6 && cnt[RRL_DROP] == 12,
	    "slip 3: every third one");
	/* A drained bucket counts slips from the start again: 4 over the
	 * limit leave the count at 1; after the pause the third is the
	 * slip, not the second. */
	run(t, &w, now, "203.0.116.1", n1, 0, 15, cnt);
	run(t, &w, now + 20 * RRL_TICKS_PER_SEC, "203.0.116.1", n1, 0, 11,
	    cnt);
	{
		int v[3];

		for (i = 0; i < 3; i++) {
			run(t, &w, now + 20 * RRL_TICKS_PER_SEC, "203.0.116.1",
			    n1, 0, 1, cnt);
			v[i] = cnt[RRL_SLIP] ? 2 : cnt[RRL_DROP] ? 1 : 0;
		}
		ok(v[0] == 1 && v[1] == 1 && v[2] == 2, "slip 3, after a "
		    "drain: drop, drop, slip (%d %d %d)", v[0], v[1], v[2]);
	}
	{
		/* A bucket that limits again after it drained begins a new
		 * episode, which the log tells again.  The second is made
		 * to fall in the second of the last line, so that it shows
		 * as unlogged rather than as a line. */
		uint64_t t2 = now + 40 * RRL_TICKS_PER_SEC;

		run(t, &w, now, "203.0.117.1", n1, 0, 12, cnt);
		w.log_sec = t2 / RRL_TICKS_PER_SEC;
		w.unlogged = 0;
		run(t, &w, t2, "203.0.117.1", n1, 0, 11, cnt);
		ok(cnt[RRL_SEND] == 11 && w.unlogged == 0, "drained: the full "
		    "burst, no episode begun (%d, %llu)", cnt[RRL_SEND],
		    (unsigned long long)w.unlogged);
		run(t, &w, t2, "203.0.117.1", n1, 0, 3, cnt);
		ok(cnt[RRL_SEND] == 0 && w.unlogged == 1, "limited again: one "
		    "new episode, however many answers (%d, %llu)",
		    cnt[RRL_SEND], (unsigned long long)w.unlogged);
	}

	{
		/* An exempt network, an address in it, one just outside. */
		static const char *const exn[2][3] = {
		    { "192.0.2.0/25", "192.0.2.1", "192.0.2.200" },
		    { "2001:db8::/64", "2001:db8::1", "2001:db8:1::1" } };
		uint64_t at;

		c.exempt = &ex;
		c.nexempt = 1;
		for (i = 0; i < 2; i++) {
			prefix_parse(exn[i][0], &ex, NULL);
			rrl_update(&t, &c);
			at = now + (uint64_t)(30 + 10 * i) * RRL_TICKS_PER_SEC;
			run(t, &w, at, exn[i][1], n1, 0, 1000, cnt);
			is_int(cnt[RRL_SEND], 1000, "%s, exempt: never limited",
			    exn[i][1]);
			run(t, &w, at, exn[i][2], n1, 0, 20, cnt);
			is_int(cnt[RRL_SEND], 11, "%s, outside %s: limited",
			    exn[i][2], exn[i][0]);
		}
	}
	c.exempt = NULL;
	c.nexempt = 0;

	/* NODATA goes by responses_per_second, not nxdomains_per_second. */
	c.nxdomains_per_second = 50;
	rrl_update(&t, &c);
	{
		struct sockaddr_storage ss = peer("198.51.100.200");
		struct query q;
		uint8_t a[600];
		size_t len = mk(n1, T_MX, -1, RC_NOERROR, 0, ZLEN, &q, a);

		cnt[0] = cnt[1] = cnt[2] = 0;
		for (i = 0; i < 60; i++)
			cnt[rrl_check(t, &w, now + 50 * RRL_TICKS_PER_SEC,
			    (struct sockaddr *)&ss, &q, a, len)]++;
		is_int(cnt[RRL_SEND], 11, "NODATA at responses_per_second 10 "
		    "(nxdomains_per_second 50): a burst of 11");
	}
	c.nxdomains_per_second = 10;

	c.responses_per_second = 0;
	rrl_update(&t, &c);
	run(t, &w, now, "198.51.100.9", n1, 0, 1000, cnt);
	is_int(cnt[RRL_SEND], 1000, "responses_per_second 0: no limit");
	rrl_free(t);
}

static void
test_small_table(void)
{
	struct cfg_rrl c;
	struct rrl *t = NULL;
	struct rrl_worker w;
	uint64_t now = UINT64_C(5000) * RRL_TICKS_PER_SEC;
	char name[64];
	int cnt[3], i, sent = 0, still;

	memset(&w, 0, sizeof(w));
	cfg_init(&c, 10, 0);
	rrl_update(&t, &c);		/* 1024 buckets */
	run(t, &w, now, "192.0.2.1", "flood.relays.example", 0, 50, cnt);
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "n%d.relays.example", i);
		run(t, &w, now + (uint64_t)i, "198.51.100.1", name, 0, 1, cnt);
		sent += cnt[RRL_SEND];
	}
	/* A name whose set (1 in 128) and 14-bit tag (1 in 16384) are the
	 * flooded key's shares its bucket by design, as in any tagged
	 * table: 20000 names meet that about once in a hundred runs, two
	 * of them almost never.  Anything else limited is a fault. */
	ok(sent >= 19998, "20000 names through 1024 buckets: each answered "
	    "once, none limited (%d; a tag collision with the flooded key "
	    "may cost one or two)", sent);
	run(t, &w, now + 20000, "192.0.2.1", "flood.relays.example", 0, 1, cnt);
	still = cnt[RRL_SEND] == 0;
	ok(still, "the limited bucket survived them (the oldest go first)");
	rrl_free(t);
}

/* ---- two threads on one bucket ---- */

/* The query, answer and client both threads use, made before they start. */
static struct query hot_q;
static uint8_t hot_a[600];
static size_t hot_len;
static struct sockaddr_storage hot_from;

struct hammer {
	struct rrl *t;
	struct rrl_worker w;
	uint64_t start, end;
	int sent, n;
};

static void *
hammer_main(void *arg)
{
	struct hammer *h = arg;
	int i;

	h->start = rrl_now();
	for (i = 0; i < h->n; i++)
		if (rrl_check(h->t, &h->w, rrl_now(),
		    (struct sockaddr *)&hot_from, &hot_q, hot_a, hot_len) ==
		    RRL_SEND)
			h->sent++;
	h->end = rrl_now();
	return NULL;
}

static void
test_threads(void)
{
	struct cfg_rrl c;
	struct rrl *t = NULL;
	struct hammer h[2];
	pthread_t th[2];
	uint64_t start, end;
	double secs, bound;
	int i, sent;

	cfg_init(&c, 1000, 2);
	rrl_update(&t, &c);
	hot_len = mk("hot.relays.example", T_A, -1, RC_NOERROR, 1, ZLEN, &hot_q,
	    hot_a);
	hot_from = peer("192.0.2.1");
	memset(h, 0, sizeof(h));
	for (i = 0; i < 2; i++) {
		h[i].t = t;
		h[i].n = 100000;
		pthread_create(&th[i], NULL, hammer_main, &h[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	start = h[0].start < h[1].start ? h[0].start : h[1].start;
	end = h[0].end > h[1].end ? h[0].end : h[1].end;
	secs = (double)(end - start) / RRL_TICKS_PER_SEC + 0.01;
	sent = h[0].sent + h[1].sent;
	/* The coarse clock may lag by a tick (4 ms): allow 2%. */
	bound = (1000.0 * secs + 1001.0) * 1.02 + 2;
	ok(sent <= bound, "two threads, 200000 checks of one bucket in %.2f "
	    "s: %d sent, at most %.0f", secs, sent, bound);
	is_int(h[0].w.dropped + h[0].w.slipped + h[1].w.dropped +
	    h[1].w.slipped + (uint64_t)sent, 200000,
	    "every check sent, dropped or slipped");
	rrl_free(t);
}

static void
test_truncate(void)
{
	struct query q;
	struct resp r;
	uint8_t a[600];
	size_t n = mk("9.relays.example", T_TXT, 1232, RC_NXDOMAIN, 0, ZLEN, &q,
	    a);

	n = rrl_truncate(&q, a, n, sizeof(a));
	ok(n > 0 && parse(a, n, &r) == 0, "the slip answer parses");
	ok(r.rcode == RC_NXDOMAIN && (r.flags & F_TC) && r.an == 0 &&
	    r.ns == 0 && r.ar == 1 && r.qd == 1,
	    "NXDOMAIN kept, TC, the question and the OPT only");
	is_int(n, DNS_HDRLEN + q.qname_len + 4 + 11,
	    "no larger than the query");
	/* The slip answer to a query of EDNS version 1 is BADVERS, as the
	 * answer it stands for (extended rcode 16: 1 in the OPT's TTL). */
	n = mkquery(qbuf, "9.relays.example", T_TXT, 1232, 1);
	if (query_parse(qbuf, n, &q) != Q_OK)
		printf("# the EDNS version 1 query does not parse\n");
	memcpy(a, qbuf, n);
	a[2] = 0x84;
	a[3] = 0;
	n = rrl_truncate(&q, a, n, sizeof(a));
	ok(n > 0 && parse(a, n, &r) == 0 && r.rcode == RC_BADVERS &&
	    (r.flags & F_TC) && r.opt == 1, "EDNS version 1: the slip answer "
	    "is BADVERS with TC (rcode %d)", r.rcode);
}

int
main(void)
{
	test_siphash();
	test_update();
	test_keys();
	test_limit();
	test_renew();
	test_small_table();
	test_threads();
	test_truncate();
	return tap_done();
}

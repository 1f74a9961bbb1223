/*
 * test_tsig.c -- TSIG (dnsbld/tsig.c) round trips: a request signed with
 * tsig_sign_request() verifies with tsig_verify(), the answer signed for
 * it verifies with tsig_verify_response(); a changed MAC, another request
 * MAC, a key or an algorithm we do not have are refused.  An algorithm
 * name ldns does not know once left its TSIG record behind in memory, and
 * so did a message with two TSIGs (ldns keeps the last one only); both
 * found by fuzz_xfr.  A TSIG out of place is now refused before ldns
 * reads the message.  Under `make SANITIZE=1 test` LeakSanitizer checks
 * that every case frees everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsmsg.h"
#include "../../dnsbld/tsig.h"

static struct dnsbl_config cfg;
static struct cfg_key keys[2];

static void
setup(void)
{
	dname_parse("k1", &keys[0].name, NULL);
	keys[0].algorithm = "hmac-sha256";
	keys[0].secret = "c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=";
	dname_parse("k2.example", &keys[1].name, NULL);
	keys[1].algorithm = "hmac-sha512";
	keys[1].secret = "YW5vdGhlci1rZXktZm9yLXRoZS1zaGE1MTItdGVzdHM=";
	cfg.keys = keys;
	cfg.nkeys = 2;
}

/* Replace the first from (a length byte and label) in m with to. */
static int
rename_label(uint8_t *m, size_t len, const char *from, const char *to)
{
	size_t n = strlen(from);
	uint8_t *p;

	if (strlen(to) != n ||
	    (p = memmem(m, len, from, n)) == NULL)
		return -1;
	memcpy(p, to, n);
	return 0;
}

static void
test_round_trip(const struct cfg_key *key)
{
	uint8_t q[512], req[1024], ans[512], sig[1024], bad[1024];
	struct tsig_mac mac, other;
	struct tsig_ctx tc;
	size_t ql, rl, al, sl;
	int rc;

	ql = mkquery(q, "relays.example", T_SOA, -1, 0);
	rc = tsig_sign_request(key, q, ql, req, sizeof(req), &rl, &mac);
	is_int(rc, 0, "%s: request signed", key->algorithm);
	ok(rl > ql && mac.len > 0, "%s: a TSIG and its MAC", key->algorithm);
	rc = tsig_verify(&cfg, req, rl, &tc);
	ok(rc == 0 && tc.present && tc.error == 0 && tc.key == key,
	    "%s: it verifies with its key", key->algorithm);

	/* The answer: the question back, QR set, signed for the request. */
	memcpy(ans, q, ql);
	ans[2] |= 0x84;
	al = ql;
	rc = tsig_sign(&tc, ans, al, sig, sizeof(sig), &sl);
	is_int(rc, 0, "%s: answer signed", key->algorithm);
	is_int(tsig_verify_response(key, &mac, sig, sl), 0,
	    "%s: the answer verifies as the response", key->algorithm);
	other = mac;
	other.mac[0] ^= 1;
	is_int(tsig_verify_response(key, &other, sig, sl), DNSBL_EREFUSED,
	    "%s: not as the response to another request", key->algorithm);
	memcpy(bad, sig, sl);
	bad[sl - 7] ^= 0x40;		/* the last byte of the MAC */
	is_int(tsig_verify_response(key, &mac, bad, sl), DNSBL_EREFUSED,
	    "%s: a changed MAC is refused", key->algorithm);
	is_int(tsig_verify_response(key, &mac, ans, al), DNSBL_ENOENT,
	    "%s: an unsigned response is told apart", key->algorithm);
	tsig_ctx_free(&tc);
}

static void
test_unknown_algorithm(void)
{
	uint8_t q[512], req[1024], ans[512], sig[1024];
	struct tsig_mac mac;
	struct tsig_ctx tc;
	size_t ql, rl, sl;
	int rc;

	ql = mkquery(q, "relays.example", T_SOA, -1, 0);
	if (tsig_sign_request(&keys[0], q, ql, req, sizeof(req), &rl,
	    &mac) != 0 || tsig_verify(&cfg, req, rl, &tc) != 0) {
		ok(0, "unknown algorithm: setup");
		return;
	}
	memcpy(ans, q, ql);
	ans[2] |= 0x84;
	rc = tsig_sign(&tc, ans, ql, sig, sizeof(sig), &sl);
	tsig_ctx_free(&tc);
	is_int(rc, 0, "unknown algorithm: answer signed");
	/* A response whose TSIG names an algorithm ldns has not. */
	ok(rename_label(sig, sl, "hmac-sha256", "hmac-sha999") == 0,
	    "unknown algorithm: renamed in the response");
	is_int(tsig_verify_response(&keys[0], &mac, sig, sl), DNSBL_EREFUSED,
	    "unknown algorithm in a response: refused (and freed)");
	/* A request whose TSIG names another algorithm than the key's. */
	ok(rename_label(req, rl, "hmac-sha256", "hmac-sha999") == 0,
	    "unknown algorithm: renamed in the request");
	rc = tsig_verify(&cfg, req, rl, &tc);
	ok(rc == 0 && tc.error == TSIG_BADKEY && tc.key == NULL,
	    "unknown algorithm in a request: BADKEY");
	tsig_ctx_free(&tc);
	/* A key the config does not have. */
	if (tsig_sign_request(&keys[0], q, ql, req, sizeof(req), &rl,
	    &mac) == 0 && rename_label(req, rl, "\002k1", "\002k9") == 0) {
		rc = tsig_verify(&cfg, req, rl, &tc);
		ok(rc == 0 && tc.error == TSIG_BADKEY, "unknown key: BADKEY");
		tsig_ctx_free(&tc);
	} else
		ok(0, "unknown key: setup");
	/* The key's name with a wrong MAC. */
	if (tsig_sign_request(&keys[0], q, ql, req, sizeof(req), &rl,
	    &mac) == 0) {
		req[rl - 7] ^= 1;
		rc = tsig_verify(&cfg, req, rl, &tc);
		ok(rc == 0 && tc.error == TSIG_BADSIG, "bad MAC: BADSIG");
		tsig_ctx_free(&tc);
	}
}

/* The TSIG record at the end of m (len bytes): its offset. */
static size_t
tsig_at(const uint8_t *m, size_t len, const struct cfg_key *key)
{
	const uint8_t *p = memmem(m, len, key->name.wire, key->name.wirelen);

	return p ? (size_t)(p - m) : 0;
}

/* A second TSIG, or one out of place: refused before ldns reads it. */
static void
test_tsig_position(void)
{
	uint8_t q[512], req[1024], two[2048], ans[512], sig[1024];
	struct tsig_mac mac;
	struct tsig_ctx tc;
	size_t ql, rl, sl, at;
	int rc;

	ql = mkquery(q, "relays.example", T_AXFR, -1, 0);
	if (tsig_sign_request(&keys[0], q, ql, req, sizeof(req), &rl,
	    &mac) != 0 || (at = tsig_at(req, rl, &keys[0])) == 0) {
		ok(0, "position: setup");
		return;
	}
	is_int(tsig_check_position(req, rl), 0, "one TSIG, last: in place");
	is_int(tsig_check_position(q, ql), 0, "no TSIG: in place");
	/* The request with its TSIG twice, and an ARCOUNT of one more:
	 * ldns reads a record less after each TSIG, so it then reads both
	 * and once lost the first. */
	memcpy(two, req, rl);
	memcpy(two + rl, req + at, rl - at);
	two[11] += 2;
	is_int(tsig_check_position(two, rl + rl - at), DNSBL_EPARSE,
	    "two TSIGs: out of place");
	rc = tsig_verify(&cfg, two, rl + rl - at, &tc);
	is_int(rc, DNSBL_EPARSE, "two TSIGs in a request: refused");
	tsig_ctx_free(&tc);
	/* The TSIG in the answer section. */
	memcpy(two, req, rl);
	two[7] = 1;
	two[11] = 0;
	is_int(tsig_check_position(two, rl), DNSBL_EPARSE,
	    "a TSIG in the answer section: out of place");
	/* A response with two TSIGs. */
	if (tsig_verify(&cfg, req, rl, &tc) != 0) {
		ok(0, "position: verify");
		return;
	}
	memcpy(ans, q, ql);
	ans[2] |= 0x84;
	rc = tsig_sign(&tc, ans, ql, sig, sizeof(sig), &sl);
	tsig_ctx_free(&tc);
	if (rc != 0 || (at = tsig_at(sig, sl, &keys[0])) == 0) {
		ok(0, "position: answer");
		return;
	}
	memcpy(two, sig, sl);
	memcpy(two + sl, sig + at, sl - at);
	two[11] += 2;
	is_int(tsig_verify_response(&keys[0], &mac, two, sl + sl - at),
	    DNSBL_EPARSE, "two TSIGs in a response: refused");
	is_int(tsig_verify_response(&keys[0], &mac, sig, sl), 0,
	    "the response as signed still verifies");
}

int
main(void)
{
	setup();
	test_round_trip(&keys[0]);
	test_round_trip(&keys[1]);
	test_unknown_algorithm();
	test_tsig_position();
	return tap_done();
}

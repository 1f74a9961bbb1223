/*
 * fuzz_xfr.c -- libFuzzer target for zone transfer requests and TSIG
 * (dnsbld/xfr.c, dnsbld/tsig.c, dnsbld/query.c).  The config (loaded from
 * a YAML text, as dnsbld loads its own) has three keys and three zones:
 * one that wants transfer.keys, one open to 127.0.0.0/8 and ::1 without a
 * key, one that allows nobody.  Every input is:
 *
 *   - a request as it came: query_parse(), tsig_verify() when it ends in
 *     a TSIG (with tsig_sign() of an answer for whatever it verified to),
 *     xfr_udp() from an allowed and from an outside peer, xfr_refuse();
 *   - the same request signed afresh with a key of the config
 *     (tsig_sign_request(), as the NOTIFY thread signs): it must verify
 *     with no TSIG error, and the answer signed for it must verify as a
 *     response to it (tsig_verify_response()); unless a record of type
 *     TSIG sits in another place too, which must be refused;
 *   - a response to a NOTIFY of ours: tsig_verify_response().
 *
 * Answers are checked: never larger than their cap, the request's id, QR.
 * What xfr_udp() passes on to respond() (not a transfer after all) is
 * answered from a small fake store.
 * The seeds in tests/fuzz/corpus-fuzz_xfr are signed AXFR, IXFR and SOA
 * requests made by dnspython (tests/fuzz/make_seeds.py); their time is
 * long past, so they verify to BADTIME, which the fresh signing covers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "gen.h"
#include "query.h"
#include "respond.h"
#include "server.h"
#include "tsig.h"
#include "xfr.h"
#include "zonectx.h"

#define SECRET1 "c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM="
#define SECRET2 "YW5vdGhlci1rZXktZm9yLXRoZS1zaGE1MTItdGVzdHM="

static const char config_text[] =
    "listen: [127.0.0.1@5353]\n"
    "keys:\n"
    "  - {name: k1, algorithm: hmac-sha256, secret: " SECRET1 "}\n"
    "  - {name: k2.example, algorithm: hmac-sha512, secret: " SECRET2 "}\n"
    "  - {name: k3, algorithm: hmac-md5, secret: c2hvcnQ=}\n"
    "zones:\n"
    "  - name: relays.example\n"
    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
    "    ns: [ns1.relays.example, ns.elsewhere.test]\n"
    "    glue: [{name: ns1.relays.example, address: 192.0.2.53}]\n"
    "    transfer: {allow: [127.0.0.0/8, \"::1\"], keys: [k1, k2.example]}\n"
    "  - name: open.example\n"
    "    soa: {mname: ns.open.example, rname: h.open.example}\n"
    "    ns: [ns.open.example]\n"
    "    transfer: {allow: [127.0.0.0/8, \"::1\"]}\n"
    "  - name: closed.relays.example\n"
    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
    "    ns: [ns1.relays.example]\n";

struct fuzz_ctx {
	struct dnsbl_config *cfg;
	struct zoneset *zs;
	struct server sv;
	struct gen g;			/* the one generation it serves */
	struct respond_db db;
	struct sockaddr_in in, out;
};

/* A small fake store: xfr_udp() hands what is not a transfer to
 * respond(), which looks addresses up. */
static int
f_lookup(void *arg, size_t zone, int family, const uint8_t *addr,
    struct store_hit *hit)
{
	(void)arg;
	(void)zone;
	if (addr[addr_len(family) - 1] % 2 == 0)
		return 0;
	memset(hit, 0, sizeof(*hit));
	return 1;
}

static int
f_any_within(void *arg, size_t zone, const struct prefix *p)
{
	(void)arg;
	(void)zone;
	return p->addr[0] % 2;
}

static int
f_answer(void *arg, size_t zone, uint16_t idx, struct store_answer *out)
{
	(void)arg;
	(void)zone;
	(void)idx;
	memset(out, 0, sizeof(*out));
	return 0;
}

static uint32_t
f_serial(void *arg, size_t zone)
{
	(void)arg;
	return (uint32_t)(2024000000u + zone);
}

static struct fuzz_ctx *
setup(void)
{
	static struct fuzz_ctx x;
	char path[] = "/tmp/fuzz_xfr.XXXXXX";
	struct errbuf eb;
	int fd;

	memset(&eb, 0, sizeof(eb));
	if ((fd = mkstemp(path)) < 0 || write(fd, config_text,
	    sizeof(config_text) - 1) != (ssize_t)sizeof(config_text) - 1)
		abort();
	close(fd);
	if (config_load(path, &x.cfg, &eb) != 0 ||
	    zoneset_build(x.cfg, &x.zs, &eb) != 0) {
		fprintf(stderr, "fuzz_xfr: %s\n", eb.msg);
		abort();
	}
	unlink(path);
	x.g.cfg = x.cfg;
	x.g.zs = x.zs;
	x.sv.g = &x.g;
	x.db.lookup = f_lookup;
	x.db.any_within = f_any_within;
	x.db.answer = f_answer;
	x.db.serial = f_serial;
	x.in.sin_family = x.out.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &x.in.sin_addr);
	inet_pton(AF_INET, "192.0.2.1", &x.out.sin_addr);
	return &x;
}

/* An answer to pkt: within cap, its id, QR set. */
static void
check_answer(const uint8_t *pkt, size_t len, const uint8_t *out, size_t n,
    size_t cap)
{
	if (n == 0)
		return;
	if (n > cap || n < DNS_HDRLEN || len < 2 || !(out[2] & 0x80) ||
	    memcmp(out, pkt, 2) != 0)
		abort();
}

static void
check_query(const struct query *q, enum query_status st)
{
	int i;

	if (st != Q_OK || !q->has_question)
		return;
	if (q->qname_len == 0 || q->qname_len > WIRE_NAME_MAX ||
	    q->nlabels < 0 || q->nlabels > WIRE_LABELS_MAX)
		abort();
	for (i = 0; i < q->nlabels; i++)
		if (q->labels[i] >= q->qname_len)
			abort();
	for (i = 0; i < (int)q->qname_len; i++)
		if (q->qname[i] >= 'A' && q->qname[i] <= 'Z')
			abort();	/* lower case, always */
}

/* A request as it came. */
static void
raw_request(struct fuzz_ctx *x, const uint8_t *data, size_t size)
{
	static uint8_t out[4096], sig[8192];
	struct tsig_ctx tc;
	struct query q;
	enum query_status st;
	size_t n, sn;
	int rc;

	st = query_parse(data, size, &q);
	check_query(&q, st);
	if (st == Q_OK && q.tsig) {
		rc = tsig_verify(x->cfg, data, size, &tc);
		if (rc == 0) {
			if (tc.error != 0 && tc.error != TSIG_BADSIG &&
			    tc.error != TSIG_BADKEY && tc.error != TSIG_BADTIME)
				abort();
			if ((tc.error == 0 || tc.error == TSIG_BADTIME) &&
			    tc.key == NULL)
				abort();	/* a good MAC names its key */
			n = xfr_refuse(data, size, out, 512);
			if (n > 0 && tsig_sign(&tc, out, n, sig, sizeof(sig),
			    &sn) == 0 && (sn > sizeof(sig) || sn < n))
				abort();
		}
		tsig_ctx_free(&tc);
	}
	n = xfr_udp(&x->sv, &x->g, &x->db, data, size,
	    (const struct sockaddr *)&x->in, out, sizeof(out));
	check_answer(data, size, out, n, sizeof(out));
	n = xfr_udp(&x->sv, &x->g, &x->db, data, size,
	    (const struct sockaddr *)&x->out, out, 512);
	check_answer(data, size, out, n, 512);
	n = xfr_refuse(data, size, out, 512);
	check_answer(data, size, out, n, 512);
}

/*
 * The request without the TSIG it may carry (ldns would sign over the old
 * one too, which no verifier strips), into out: its length, or 0 when
 * ldns cannot read it.
 */
static size_t
unsigned_copy(const uint8_t *data, size_t size, uint8_t *out, size_t cap)
{
	ldns_pkt *p = NULL;
	ldns_rr *rr;
	uint8_t *w = NULL;
	size_t n = 0;

	if (tsig_check_position(data, size) != 0 ||
	    ldns_wire2pkt(&p, data, size) != LDNS_STATUS_OK)
		return 0;	/* ldns would lose all TSIGs but the last */
	if ((rr = ldns_pkt_tsig(p)) != NULL) {
		ldns_pkt_set_tsig(p, NULL);
		ldns_rr_free(rr);
	}
	if (ldns_pkt2wire(&w, p, &n) != LDNS_STATUS_OK || n > cap)
		n = 0;
	else
		memcpy(out, w, n);
	free(w);
	ldns_pkt_free(p);
	return n;
}

/* The request signed now with one of our keys: it verifies. */
static void
fresh_request(struct fuzz_ctx *x, const uint8_t *data, size_t size)
{
	static uint8_t plain[4096], req[4096], out[4096], sig[8192];
	const struct cfg_key *key;
	struct tsig_mac mac;
	struct tsig_ctx tc;
	size_t n, sn, rlen;
	int rc;

	if (size < DNS_HDRLEN || (size = unsigned_copy(data, size, plain,
	    sizeof(plain))) == 0)
		return;
	key = &x->cfg->keys[data[1] % 3];
	if (tsig_sign_request(key, plain, size, req, sizeof(req), &rlen,
	    &mac) != 0)
		return;
	rc = tsig_verify(x->cfg, req, rlen, &tc);
	if (rc == DNSBL_ENOMEM) {
		tsig_ctx_free(&tc);
		return;
	}
	if (tsig_check_position(req, rlen) != 0) {
		/* A TSIG type among its other records: refused whole. */
		if (rc != DNSBL_EPARSE)
			abort();
		tsig_ctx_free(&tc);
		return;
	}
	if (rc != 0 || tc.error != 0 || tc.key != key)
		abort();	/* what we signed must verify */
	/* The answer signed for it verifies as a response to it. */
	n = xfr_refuse(req, rlen, out, 512);
	if (n > 0 && tsig_sign(&tc, out, n, sig, sizeof(sig), &sn) == 0) {
		rc = tsig_verify_response(key, &mac, sig, sn);
		if (rc != 0 && rc != DNSBL_ENOMEM)
			abort();
	}
	tsig_ctx_free(&tc);
	n = xfr_udp(&x->sv, &x->g, &x->db, req, rlen,
	    (const struct sockaddr *)(data[0] & 1 ? &x->out : &x->in), out,
	    sizeof(out));
	check_answer(req, rlen, out, n, sizeof(out));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_ctx *x;
	struct tsig_mac mac;

	if (x == NULL)
		x = setup();
	raw_request(x, data, size);
	fresh_request(x, data, size);
	/* A secondary's answer to our NOTIFY. */
	memset(&mac, 0, sizeof(mac));
	mac.len = 32;
	memset(mac.mac, 0x5a, mac.len);
	(void)tsig_verify_response(&x->cfg->keys[0], &mac, data, size);
	return 0;
}

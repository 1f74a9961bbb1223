/*
 * fuzz_query.c -- libFuzzer target for dnsbld's query path: every input is
 * a packet given to respond() over UDP and over TCP, with a fake store whose
 * answers depend on the address asked (listed, unlisted, long TXT, store
 * errors), so parsing, zone matching, address decoding, answer building and
 * truncation are all reached; xfr_refuse() takes the same input, for the
 * transfer requests' parsing (the authority SOA serial, TSIG presence),
 * and answer_query() with a config that has a TSIG key, for the signed
 * path; and express_query() (express.h), whose query and hint must be
 * the general parse's wherever it takes a packet.
 * It checks that an answer never exceeds its size limit and always starts
 * with the query's id and QR set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "express.h"
#include "query.h"
#include "respond.h"
#include "signed.h"
#include "xfr.h"
#include "zonectx.h"

static char long_txt[700];

static int
f_lookup(void *arg, size_t zone, int family, const uint8_t *addr,
    struct store_hit *hit)
{
	uint8_t last = addr[addr_len(family) - 1];

	(void)arg;
	(void)zone;
	if (last == 13)
		return DNSBL_EDB;
	if (last % 2 == 0)
		return 0;
	memset(hit, 0, sizeof(*hit));
	hit->answer = last % 5;
	return 1;
}

static int
f_any_within(void *arg, size_t zone, const struct prefix *p)
{
	(void)arg;
	(void)zone;
	return p->addr[0] == 66 ? DNSBL_EDB : p->addr[0] % 2;
}

static int
f_answer(void *arg, size_t zone, uint16_t idx, struct store_answer *out)
{
	(void)arg;
	(void)zone;
	memset(out, 0, sizeof(*out));
	switch (idx) {
	case 1:
		out->a[0] = 127;
		out->a[3] = 4;
		out->txt = "$$$$$$$$ $ $$";
		break;
	case 2:
		out->txt = long_txt;
		break;
	case 3:
		return DNSBL_ENOENT;
	case 4:
		return DNSBL_EDB;
	}
	out->txtlen = out->txt ? strlen(out->txt) : 0;
	return 0;
}

static uint32_t
f_serial(void *arg, size_t zone)
{
	(void)arg;
	return (uint32_t)zone + 7;
}

static struct zoneset *zs;
static struct dnsbl_config cfg;
static const struct respond_db db = { f_lookup, f_any_within, f_answer,
    f_serial, NULL };

static void
setup(void)
{
	static struct cfg_zone zones[3];
	static struct cfg_key key;
	static struct cfg_dname ns[2];
	static struct cfg_glue glue[2];
	size_t i;

	memset(long_txt, 'y', sizeof(long_txt) - 1);
	for (i = 0; i < sizeof(long_txt) - 1; i += 97)
		long_txt[i] = '$';
	dname_parse("ns1.relays.example", &ns[0], NULL);
	dname_parse("ns.elsewhere.test", &ns[1], NULL);
	dname_parse("ns1.relays.example", &glue[0].name, NULL);
	prefix_parse("127.0.0.53", &glue[0].addr, NULL);
	dname_parse("ns1.relays.example", &glue[1].name, NULL);
	prefix_parse("::53", &glue[1].addr, NULL);
	for (i = 0; i < 3; i++) {
		struct cfg_zone *z = &zones[i];
		dname_parse(i == 0 ? "relays.example" : i == 1 ?
		    "sub.relays.example" : "x", &z->name, NULL);
		z->ttl = 2100;
		dname_parse("ns1.relays.example", &z->soa.mname, NULL);
		dname_parse("hostmaster.relays.example", &z->soa.rname, NULL);
		z->soa.ttl = 3600;
		z->soa.minimum = 300;
		z->ns = ns;
		z->nns = 2;
		z->glue = glue;
		z->nglue = 2;
		z->a[0] = 127;
		z->a[3] = 2;
		z->txt = i == 2 ? NULL : "listed $ see https://x/?$";
	}
	cfg.zones = zones;
	cfg.nzones = 3;
	dname_parse("k1", &key.name, NULL);
	key.algorithm = "hmac-sha256";
	key.secret = "c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=";
	cfg.keys = &key;
	cfg.nkeys = 1;
	if (zoneset_build(&cfg, &zs, NULL) != 0)
		abort();
}

/*
 * If express_query() takes the packet, the general parse must make the
 * same query and hint of it (an address only where it is one).
 */
static void
check_express(const uint8_t *data, size_t size)
{
	struct query a, b;
	struct respond_hint ha, hb;

	if (!express_query(zs, data, size, &a, &ha))
		return;
	if (query_parse(data, size, &b) != Q_OK || b.tsig)
		abort();
	respond_hint(zs, &b, &hb);
	if (a.id != b.id || a.flags != b.flags || a.qname_raw != b.qname_raw ||
	    a.qname_len != b.qname_len ||
	    memcmp(a.qname, b.qname, a.qname_len) != 0 ||
	    a.nlabels != b.nlabels ||
	    memcmp(a.labels, b.labels, (size_t)a.nlabels) != 0 ||
	    a.qtype != b.qtype || a.qclass != b.qclass ||
	    a.has_question != b.has_question || a.edns != b.edns ||
	    a.payload != b.payload || a.edns_version != b.edns_version ||
	    a.dnssec_ok != b.dnssec_ok || a.has_soa != b.has_soa ||
	    ha.z != hb.z || ha.rel != hb.rel || ha.v4ok != hb.v4ok ||
	    ha.v6ok != hb.v6ok || !ha.done ||
	    (ha.v4ok && memcmp(ha.a4, hb.a4, 4) != 0) ||
	    (ha.v6ok && memcmp(ha.a6, hb.a6, 16) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[RESPOND_MAX];
	size_t n, cap;
	int tcp;

	if (zs == NULL)
		setup();
	for (tcp = 0; tcp < 2; tcp++) {
		cap = tcp ? sizeof(out) : EDNS_PAYLOAD;
		n = respond(zs, &db, data, size, out, cap, tcp);
		if (n == 0)
			continue;
		if (n > cap || n < DNS_HDRLEN || !(out[2] & 0x80) ||
		    memcmp(out, data, 2) != 0)
			abort();
		if (!tcp && n > 512 && !(size > 12 && data[11] != 0))
			abort();	/* over 512 needs EDNS */
	}
	/* The entry point of the UDP and TCP loops, with the signed path
	 * (ldns reads whatever TSIG the input carries). */
	for (tcp = 0; tcp < 2; tcp++) {
		cap = tcp ? sizeof(out) : EDNS_PAYLOAD;
		n = answer_query(&cfg, zs, &db, data, size, out, cap, tcp);
		if (n > cap || (n > 0 && (n < DNS_HDRLEN || !(out[2] & 0x80) ||
		    memcmp(out, data, 2) != 0)))
			abort();
	}
	check_express(data, size);
	/* The transfer paths' parsing: a REFUSED answer, never larger. */
	(void)query_peek_qtype(data, size);
	n = xfr_refuse(data, size, out, 512);
	if (n > 512 || (n > 0 && (n < DNS_HDRLEN || memcmp(out, data, 2) != 0)))
		abort();
	return 0;
}

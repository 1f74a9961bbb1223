/*
 * test_xfr.c -- the zone transfer message builder (dnsbld/xfrmsg.c):
 * records packed into messages that each parse on their own, owner names
 * compressed against the question, long TXT texts cut into strings of 255,
 * the size limit kept (with and without EDNS), a record too large for any
 * message refused, and error answers.
 */
#include "dnsmsg.h"
#include "../../dnsbld/xfrmsg.h"
#include "zonegen.h"

static struct dnsbl_config cfg;
static struct cfg_zone zone;
static struct cfg_dname ns[2];
static struct cfg_glue glue[1];
static struct zoneset *zs;

static void
setup(void)
{
	struct errbuf eb;

	memset(&eb, 0, sizeof(eb));
	dname_parse("relays.example", &zone.name, NULL);
	zone.ttl = 2100;
	dname_parse("ns1.relays.example", &zone.soa.mname, NULL);
	dname_parse("hostmaster.relays.example", &zone.soa.rname, NULL);
	zone.soa.ttl = 3600;
	zone.soa.minimum = 300;
	dname_parse("ns1.relays.example", &ns[0], NULL);
	dname_parse("ns.elsewhere.test", &ns[1], NULL);
	zone.ns = ns;
	zone.nns = 2;
	dname_parse("ns1.relays.example", &glue[0].name, NULL);
	prefix_parse("192.0.2.53", &glue[0].addr, NULL);
	zone.glue = glue;
	zone.nglue = 1;
	zone.a[0] = 127;
	zone.a[3] = 2;
	cfg.zones = &zone;
	cfg.nzones = 1;
	if (zoneset_build(&cfg, &zs, &eb) != 0)
		printf("# zoneset_build: %s\n", eb.msg);
}

/* The messages sent, kept for checking. */
#define MAXMSG 64
static struct {
	uint8_t m[MAXMSG][XFR_MSG_MAX];
	size_t len[MAXMSG];
	int n;
	int fail;		/* make the send fail */
} out;

static int
keep(void *arg, const uint8_t *msg, size_t len)
{
	(void)arg;
	if (out.fail)
		return DNSBL_EIO;
	if (out.n < MAXMSG) {
		memcpy(out.m[out.n], msg, len);
		out.len[out.n] = len;
	}
	out.n++;
	return 0;
}

static uint8_t qbuf[600], mbuf[XFR_MSG_MAX];
static struct query q;

static void
begin(struct xfr_msg *m, int edns, size_t cap)
{
	size_t ql = mkquery(qbuf, "Relays.Example", T_AXFR, edns, 0);

	memset(&out, 0, sizeof(out));
	if (query_parse(qbuf, ql, &q) != Q_OK)
		printf("# query_parse failed\n");
	xfr_msg_init(m, &q, &zs->zones[0], mbuf, cap, keep, NULL);
}

static void
rr_of(struct zone_rr *rr, const char *owner, int a3, size_t txtlen)
{
	const char *s, *dot;
	size_t k;

	memset(rr, 0, sizeof(*rr));
	snprintf(rr->owner, sizeof(rr->owner), "%s", owner);
	/* The labels, as zonegen puts them beside the text. */
	for (s = owner; *s != '\0'; s += k + (*dot == '.')) {
		dot = strchr(s, '.');
		if (dot == NULL)
			dot = s + strlen(s);
		k = (size_t)(dot - s);
		rr->owner_wire[rr->owner_wirelen++] = (uint8_t)k;
		memcpy(rr->owner_wire + rr->owner_wirelen, s, k);
		rr->owner_wirelen += k;
	}
	rr->wildcard = owner[0] == '*';
	if (a3 != 0) {		/* 0: an answer without an A */
		rr->a[0] = 127;
		rr->a[3] = (uint8_t)a3;
	}
	memset(rr->txt, 't', txtlen);
	rr->txt[txtlen] = '\0';
}

static void
test_small(void)
{
	struct xfr_msg m;
	struct zone_rr rr;
	struct resp r;
	int rc = 0;

	begin(&m, -1, XFR_MSG_MAX);
	rc |= xfr_msg_soa(&m, 7);
	rc |= xfr_msg_apex(&m);
	rr_of(&rr, "4.3.2.1", 3, 20);
	rc |= xfr_msg_rr(&m, &rr);
	rr_of(&rr, "*.3.2.1", 0, 600);	/* zero A: the zone's */
	rc |= xfr_msg_rr(&m, &rr);
	rr_of(&rr, "5.3.2.1", 4, 0);	/* no text: no TXT */
	rc |= xfr_msg_rr(&m, &rr);
	rc |= xfr_msg_soa(&m, 7);
	rc |= xfr_msg_flush(&m);
	is_int(rc, 0, "small zone: no error");
	is_int(out.n, 1, "one message");
	ok(parse(out.m[0], out.len[0], &r) == 0, "it parses");
	is_int(r.an, 10, "SOA, 2 NS, glue, A+TXT, A+TXT, A, SOA");
	ok((r.flags & F_QR) && (r.flags & F_AA) && r.rcode == 0,
	    "QR, AA, NOERROR");
	is_int(r.id, q.id, "the query's id");
	is_str(r.qname, "Relays.Example", "question copied as asked");
	is_int(r.rr[0].type, T_SOA, "SOA first");
	is_int(r.rr[9].type, T_SOA, "SOA last");
	is_str(r.rr[1].owner, "Relays.Example", "NS at the apex");
	is_str(r.rr[3].owner, "ns1.Relays.Example", "glue owner");
	is_str(r.rr[4].owner, "4.3.2.1.Relays.Example", "host owner");
	ok(r.rr[4].rdata[3] == 3 && r.rr[4].ttl == 2100, "host A and TTL");
	is_str(r.rr[6].owner, "*.3.2.1.Relays.Example", "wildcard owner");
	ok(r.rr[6].rdata[3] == 2, "zero A: the zone's A");
	is_int(r.rr[7].type, T_TXT, "long TXT");
	is_int(r.rr[7].rdlen, 603, "600 bytes in 3 strings");
	ok(r.rr[7].rdata[0] == 255 && r.rr[7].rdata[256] == 255 &&
	    r.rr[7].rdata[512] == 90, "strings of 255, 255, 90");
	is_int(r.rr[8].type, T_A, "no TXT for an empty text");
	ok(r.rr[0].rdata != NULL && m.nrr == 10 && m.nmsg == 1,
	    "totals counted");
}

static void
test_split(int edns, size_t cap)
{
	struct xfr_msg m;
	struct zone_rr rr;
	struct resp r;
	char owner[32];
	int i, total = 0, good = 1, rc = 0, soas = 0;

	begin(&m, edns, cap);
	rc |= xfr_msg_soa(&m, 9);
	for (i = 0; i < 300; i++) {
		snprintf(owner, sizeof(owner), "%d.%d.2.10", i % 256, i / 256);
		rr_of(&rr, owner, 2, 40);
		rc |= xfr_msg_rr(&m, &rr);
	}
	rc |= xfr_msg_soa(&m, 9);
	rc |= xfr_msg_flush(&m);
	is_int(rc, 0, "cap %zu, EDNS %d: no error", cap, edns);
	ok(out.n > 1 && out.n < MAXMSG, "cap %zu: %d messages", cap, out.n);
	for (i = 0; i < out.n && i < MAXMSG; i++) {
		if (out.len[i] > cap || parse(out.m[i], out.len[i], &r) != 0) {
			printf("# message %d: %zu bytes, unparsed\n", i,
			    out.len[i]);
			good = 0;
		}
		else {
			total += r.an;
			soas += r.rr[0].type == T_SOA;
			if (r.opt != (edns >= 0)) {
				printf("# message %d: opt %d\n", i, r.opt);
				good = 0;
			}
		}
	}
	ok(good, "cap %zu: every message within it, parsed, OPT %s", cap,
	    edns >= 0 ? "in each" : "in none");
	is_int(total, 602, "cap %zu: every record sent once", cap);
	is_int(soas, 1, "cap %zu: the SOA opens the first message only", cap);
}

static void
test_errors(void)
{
	struct xfr_msg m;
	struct zone_rr rr;
	struct resp r;

	begin(&m, -1, 200);
	rr_of(&rr, "1.2.3.4", 2, 300);
	is_int(xfr_msg_rr(&m, &rr), DNSBL_ESPACE,
	    "a record larger than any message: ESPACE");
	begin(&m, -1, XFR_MSG_MAX);
	is_int(xfr_msg_flush(&m), 0, "flushing nothing sends nothing");
	is_int(out.n, 0, "no message");
	is_int(xfr_msg_end(&m, RC_REFUSED), 0, "an error answer");
	ok(out.n == 1 && parse(out.m[0], out.len[0], &r) == 0 &&
	    r.rcode == RC_REFUSED && r.an == 0 && r.qd == 1,
	    "REFUSED with the question only");
	begin(&m, -1, 512);
	out.fail = 1;
	rr_of(&rr, "1.2.3.4", 2, 100);
	while (xfr_msg_rr(&m, &rr) == 0 && m.nmsg == 0)
		;
	ok(m.nmsg == 1, "a send error stops the transfer");
}

int
main(void)
{
	setup();
	test_small();
	test_split(-1, 512);
	test_split(1232, 512);
	test_split(-1, 1232);
	test_errors();
	zoneset_free(zs);
	return tap_done();
}

/*
 * test_config.c -- unit tests of the YAML configuration (lib/config.c).
 *
 * Each test writes a YAML text to a mkstemp file in /tmp, loads it and
 * checks either the values or the error code and the message, which must
 * name the right line and column.  The scalar parsers (dname_parse,
 * endpoint_parse, duration_parse) are tested directly, and truncated and
 * mangled copies of a full config must fail cleanly, never crash or leak.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "../tap.h"
#include "cfgload.h"

/* The example of the project's spec, verbatim. */
static const char spec_example[] =
"database: /var/lib/dnsbl          # LMDB environment directory; created if missing\n"
"listen:                           # UDP and TCP on each; ADDRESS@PORT, IPv4 or IPv6\n"
"  - 127.0.0.1@53\n"
"  - \"::1@53\"\n"
"zones:\n"
"  - name: relays.example\n"
"    ttl: 2100                     # TTL of A/TXT answers\n"
"    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example, refresh: 3600, retry: 600, expire: 604800, minimum: 300}\n"
"    ns: [ns1.relays.example, ns2.relays.example]\n"
"    a: 127.0.0.2                  # default answer for a listing\n"
"    txt: \"Open relay $ - see https://relays.example/lookup?ip=$\"   # $ is the listed address\n"
"    transfer:\n"
"      allow: [127.0.0.0/8]        # who may AXFR/IXFR\n";

/* Every key. */
static const char full[] =
"database: /tmp/dnsbl-db\n"
"map_size: 512M\n"
"journal_max: 50\n"
"listen: [192.0.2.1@5353, \"[2001:db8::1]@53\", 127.0.0.1]\n"
"user: _dnsbl\n"
"pidfile: /tmp/dnsbld.pid\n"
"workers: 4\n"
"udp_receive_buffer: 4M\n"
"tcp_timeout: 1m\n"
"tcp_max_connections: 1000\n"
"keys:\n"
"  - name: xfr.key.\n"
"    algorithm: HMAC-SHA512\n"
"    secret: c2VjcmV0c2VjcmV0c2VjcmV0\n"
"  - {name: other, secret: \"YQ==\"}\n"
"rrl: {enabled: false, responses_per_second: 50, nxdomains_per_second: 0,\n"
"      errors_per_second: 7, slip: 0, ipv4_prefix: 32, ipv6_prefix: 64,\n"
"      table_size: 4096, exempt: [192.0.2.0/24, \"2001:db8::/48\"]}\n"
"zones:\n"
"  - name: Relays.Example.\n"
"    ttl: 1h\n"
"    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example,\n"
"          ttl: 7200, refresh: 2h, retry: 15m, expire: 14d, minimum: 60}\n"
"    ns: [ns1.relays.example, ns2.example.net]\n"
"    glue:\n"
"      - {name: ns1.relays.example, address: 192.0.2.53}\n"
"      - {name: ns1.relays.example, address: \"2001:db8::53\"}\n"
"    a: 127.0.0.4\n"
"    txt: \"See $\"\n"
"    codes:\n"
"      relay: {a: 127.0.0.2, txt: \"Open relay $\"}\n"
"      proxy: {a: 127.0.0.3}\n"
"    transfer: {allow: [192.0.2.0/24, \"2001:db8::/32\"], keys: [XFR.key]}\n"
"    notify: [192.0.2.2, \"2001:db8::2@5300\"]\n"
"    expire_after: 0\n"
"    relist_window: 60d\n"
"    relist_penalty: 14d\n"
"    max_drop: 25\n"
"    max_drop_min: 10\n"
"    retest_per_contact: 3\n"
"    retest_min_interval: 30m\n"
"  - name: spam.example\n"
"    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example}\n"
"    ns: [ns1.relays.example]\n";

static int
port_of(const struct cfg_endpoint *e)
{
	if (e->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&e->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&e->ss)->sin6_port);
}

static void
test_spec_example(void)
{
	struct dnsbl_config *cfg;
	const struct cfg_zone *z;
	char msg[512], buf[PREFIX_STRLEN];
	int rc;

	rc = load(spec_example, &cfg, msg);
	is_int(rc, 0, "spec example loads (%s)", msg);
	if (cfg == NULL)
		return;
	is_str(cfg->database, "/var/lib/dnsbl", "database");
	is_int(cfg->nlisten, 2, "two listen endpoints");
	is_str(cfg->listen[0].text, "127.0.0.1@53", "listen[0] text");
	is_int(cfg->listen[0].ss.ss_family, AF_INET, "listen[0] v4");
	is_int(cfg->listen[0].sslen, sizeof(struct sockaddr_in), "sslen v4");
	is_int(port_of(&cfg->listen[0]), 53, "listen[0] port");
	is_str(cfg->listen[1].text, "::1@53", "listen[1] text");
	is_int(cfg->listen[1].ss.ss_family, AF_INET6, "listen[1] v6");
	is_int(port_of(&cfg->listen[1]), 53, "listen[1] port");
	is_int(cfg->nzones, 1, "one zone");
	z = &cfg->zones[0];
	is_str(z->name.text, "relays.example", "zone name");
	is_int(z->name.wirelen, 16, "zone name wire length");
	is_int(z->ttl, 2100, "ttl");
	is_str(z->soa.mname.text, "ns1.relays.example", "soa mname");
	is_str(z->soa.rname.text, "hostmaster.relays.example", "soa rname");
	is_int(z->soa.ttl, 3600, "soa ttl default");
	is_int(z->soa.refresh, 3600, "soa refresh");
	is_int(z->soa.retry, 600, "soa retry");
	is_int(z->soa.expire, 604800, "soa expire");
	is_int(z->soa.minimum, 300, "soa minimum");
	is_int(z->nns, 2, "two ns");
	is_str(z->ns[1].text, "ns2.relays.example", "ns[1]");
	ok(memcmp(z->a, "\x7f\0\0\x02", 4) == 0, "a 127.0.0.2");
	is_str(z->txt, "Open relay $ - see https://relays.example/lookup?ip=$",
	    "txt");
	is_int(z->ntransfer_allow, 1, "one transfer allow");
	prefix_format(&z->transfer_allow[0], buf);
	is_str(buf, "127.0.0.0/8", "transfer allow 127.0.0.0/8");
	is_int(z->ntransfer_keys, 0, "no transfer keys");
	is_int(z->nglue, 0, "no glue");
	is_int(z->ncodes, 0, "no codes");
	is_int(z->nnotify, 0, "no notify");
	ok(config_zone(cfg, "relays.example") == z, "config_zone exact");
	ok(config_zone(cfg, "RELAYS.Example.") == z, "config_zone case, dot");
	ok(config_zone(cfg, "relays.exampl") == NULL, "config_zone prefix");
	ok(config_zone(cfg, "example") == NULL, "config_zone other");
	ok(config_zone(cfg, NULL) == NULL, "config_zone NULL");
	is_int(config_zone_index(cfg, z), 0, "config_zone_index");
	ok(strstr(cfg->path, "/tmp/test_config.") == cfg->path, "path kept");
	config_free(cfg);
}

static void
test_defaults(void)
{
	struct dnsbl_config *cfg;
	const struct cfg_zone *z;
	char msg[512];

	is_int(load(MINI, &cfg, msg), 0, "minimal config loads (%s)", msg);
	if (cfg == NULL)
		return;
	is_str(cfg->database, "/var/lib/dnsbl", "default database");
	is_int(cfg->map_size, UINT64_C(1) << 30, "default map_size 1G");
	is_int(cfg->journal_max, 1000, "default journal_max");
	is_int(cfg->nlisten, 2, "default listen: two");
	is_str(cfg->listen[0].text, "127.0.0.1@53", "default listen v4");
	is_str(cfg->listen[1].text, "::1@53", "default listen v6");
	is_int(port_of(&cfg->listen[1]), 53, "default listen v6 port");
	is_str(cfg->user, "dnsbl", "default user: dnsbl");
	is_str(cfg->pidfile, "/run/dnsbld.pid", "default pidfile");
	is_int(cfg->workers, 0, "default workers");
	is_int(cfg->udp_rcvbuf, 1048576, "default udp_receive_buffer 1M");
	is_int(cfg->tcp_timeout, 10, "default tcp_timeout");
	is_int(cfg->tcp_max_conn, 256, "default tcp_max_connections");
	is_int(cfg->nkeys, 0, "default keys: none");
	is_str(cfg->rrl.enabled, "true", "default rrl: on");
	ok(cfg->rrl.responses_per_second == 200 &&
	    cfg->rrl.nxdomains_per_second == 1000 &&
	    cfg->rrl.errors_per_second == 200, "default rrl rates");
	ok(cfg->rrl.slip == 2 && cfg->rrl.ipv4_prefix == 24 &&
	    cfg->rrl.ipv6_prefix == 56 && cfg->rrl.table_size == 16384 &&
	    cfg->rrl.nexempt == 0, "default rrl slip, prefixes, size, exempt");
	z = &cfg->zones[0];
	is_int(z->ttl, 2100, "default ttl");
	is_int(z->soa.ttl, 3600, "default soa ttl");
	is_int(z->soa.refresh, 3600, "default soa refresh");
	is_int(z->soa.retry, 600, "default soa retry");
	is_int(z->soa.expire, 604800, "default soa expire");
	is_int(z->soa.minimum, 300, "default soa minimum");
	ok(memcmp(z->a, "\x7f\0\0\x02", 4) == 0, "default a");
	is_str(z->txt, "Listed: $", "default txt");
	ok(z->transfer_allow == NULL && z->ntransfer_allow == 0,
	    "default transfer allow: none");
	is_int(z->expire_after, 90 * 86400, "default expire_after");
	is_int(z->relist_window, 30 * 86400, "default relist_window");
	is_int(z->relist_penalty, 7 * 86400, "default relist_penalty");
	is_int(z->max_drop_pct, 10, "default max_drop");
	is_int(z->max_drop_min, 100, "default max_drop_min");
	is_int(z->retest_per_contact, 5, "default retest_per_contact");
	is_int(z->retest_min_interval, 3600, "default retest_min_interval");
	config_free(cfg);

	/* A null value is the same as leaving the key out. */
	is_int(load(MINI "    ttl: ~\n    txt:\nuser: null\n", &cfg, msg), 0,
	    "null values load (%s)", msg);
	if (cfg != NULL) {
		is_int(cfg->zones[0].ttl, 2100, "null ttl: default");
		is_str(cfg->zones[0].txt, "Listed: $", "empty txt: default");
		is_str(cfg->user, "dnsbl", "null user: the default, dnsbl");
	}
	config_free(cfg);
}

/* Load a file from the source tree; the tests run from its top. */
static int
load_file_ok(const char *path)
{
	struct dnsbl_config *cfg = NULL;
	struct errbuf eb;
	int rc;

	memset(&eb, 0, sizeof(eb));
	rc = config_load(path, &cfg, &eb);
	if (rc != 0)
		printf("# %s\n", eb.msg);
	else if (cfg->nzones < 1 || cfg->zones[0].nglue < 1 ||
	    cfg->zones[0].ncodes < 1 || cfg->nkeys < 1)
		rc = 99;
	config_free(cfg);
	return rc;
}

static void
test_full(void)
{
	struct dnsbl_config *cfg;
	const struct cfg_zone *z;
	char msg[512], buf[PREFIX_STRLEN];

	is_int(load(full, &cfg, msg), 0, "full config loads (%s)", msg);
	if (cfg == NULL)
		return;
	is_str(cfg->database, "/tmp/dnsbl-db", "database");
	is_int(cfg->map_size, UINT64_C(512) << 20, "map_size 512M");
	is_int(cfg->journal_max, 50, "journal_max");
	is_int(cfg->nlisten, 3, "listen: three");
	is_int(port_of(&cfg->listen[0]), 5353, "listen[0] port");
	is_str(cfg->listen[1].text, "[2001:db8::1]@53", "listen[1] text");
	is_int(cfg->listen[1].ss.ss_family, AF_INET6, "listen[1] v6");
	is_int(port_of(&cfg->listen[2]), 53, "bare listen address: port 53");
	is_str(cfg->user, "_dnsbl", "user");
	is_str(cfg->pidfile, "/tmp/dnsbld.pid", "pidfile");
	is_int(cfg->workers, 4, "workers");
	is_int(cfg->udp_rcvbuf, UINT64_C(4) << 20, "udp_receive_buffer 4M");
	is_int(cfg->tcp_timeout, 60, "tcp_timeout 1m");
	is_int(cfg->tcp_max_conn, 1000, "tcp_max_connections");
	is_int(cfg->nkeys, 2, "two keys");
	is_str(cfg->keys[0].name.text, "xfr.key", "key name");
	is_str(cfg->keys[0].algorithm, "hmac-sha512", "key algorithm");
	is_str(cfg->keys[0].secret, "c2VjcmV0c2VjcmV0c2VjcmV0", "key secret");
	is_str(cfg->keys[1].algorithm, "hmac-sha256", "default algorithm");
	is_str(cfg->rrl.enabled, "false", "rrl enabled");
	ok(cfg->rrl.responses_per_second == 50 &&
	    cfg->rrl.nxdomains_per_second == 0 &&
	    cfg->rrl.errors_per_second == 7 && cfg->rrl.slip == 0 &&
	    cfg->rrl.ipv4_prefix == 32 && cfg->rrl.ipv6_prefix == 64 &&
	    cfg->rrl.table_size == 4096, "rrl numbers");
	is_int(cfg->rrl.nexempt, 2, "rrl exempt: two");
	if (cfg->rrl.nexempt == 2) {
		prefix_format(&cfg->rrl.exempt[1], buf);
		is_str(buf, "2001:db8::/48", "rrl exempt v6");
	}
	is_int(cfg->nzones, 2, "two zones");
	z = config_zone(cfg, "relays.example");
	ok(z == &cfg->zones[0], "zone found");
	if (z == NULL)
		goto out;
	is_int(z->ttl, 3600, "ttl 1h");
	is_int(z->soa.ttl, 7200, "soa ttl");
	is_int(z->soa.refresh, 7200, "soa refresh 2h");
	is_int(z->soa.retry, 900, "soa retry 15m");
	is_int(z->soa.expire, 14 * 86400, "soa expire 14d");
	is_int(z->soa.minimum, 60, "soa minimum");
	is_str(z->ns[1].text, "ns2.example.net", "ns[1]");
	is_int(z->nglue, 2, "two glue");
	prefix_format(&z->glue[1].addr, buf);
	is_str(buf, "2001:db8::53", "glue v6");
	is_int(z->glue[0].addr.family, ADDR_V4, "glue v4");
	ok(memcmp(z->a, "\x7f\0\0\x04", 4) == 0, "a 127.0.0.4");
	is_str(z->txt, "See $", "txt");
	is_int(z->ncodes, 2, "two codes");
	is_str(z->codes[0].name, "relay", "code name");
	ok(memcmp(z->codes[0].a, "\x7f\0\0\x02", 4) == 0, "code a");
	is_str(z->codes[0].txt, "Open relay $", "code txt");
	is_str(z->codes[1].name, "proxy", "code 2 name");
	ok(z->codes[1].txt == NULL, "code without txt: NULL");
	is_int(z->ntransfer_allow, 2, "transfer allow: two");
	prefix_format(&z->transfer_allow[1], buf);
	is_str(buf, "2001:db8::/32", "transfer allow v6");
	is_int(z->ntransfer_keys, 1, "transfer keys: one");
	is_str(z->transfer_keys[0], "xfr.key", "transfer key, lower case");
	is_int(z->nnotify, 2, "notify: two");
	is_int(port_of(&z->notify[0]), 53, "notify bare address: port 53");
	is_int(port_of(&z->notify[1]), 5300, "notify port");
	is_int(z->expire_after, 0, "expire_after 0");
	is_int(z->relist_window, 60 * 86400, "relist_window");
	is_int(z->relist_penalty, 14 * 86400, "relist_penalty");
	is_int(z->max_drop_pct, 25, "max_drop");
	is_int(z->max_drop_min, 10, "max_drop_min");
	is_int(z->retest_per_contact, 3, "retest_per_contact");
	is_int(z->retest_min_interval, 1800, "retest_min_interval");
	ok(config_zone(cfg, "spam.example.") == &cfg->zones[1], "second zone");
	is_int(config_zone_index(cfg, config_zone(cfg, "spam.example")), 1,
	    "second zone index");
out:
	config_free(cfg);

	/* The shipped example. */
	is_int(load_file_ok("zones/dnsbl.example.yaml"), 0,
	    "zones/dnsbl.example.yaml loads");
}

static void
test_errors(void)
{
	char msg[512];

	/* Unknown keys. */
	ERR(MINI "    tll: 300\n", DNSBL_EPARSE,
	    ":5:5: unknown key 'tll' in zone");
	ERR(MINI "listn: [127.0.0.1]\n", DNSBL_EPARSE,
	    ":5:1: unknown key 'listn' in configuration");
	ERR(MINI "    soa2: {}\n", DNSBL_EPARSE,
	    ":5:5: unknown key 'soa2' in zone");
	ERR("zones:\n  - name: relays.example\n"
	    "    soa: {mname: a.example, rname: b.example, refrsh: 1}\n"
	    "    ns: [a.example]\n", DNSBL_EPARSE,
	    ":3:47: unknown key 'refrsh' in soa");
	ERR(MINI "    transfer: {allow: [], key: [k]}\n", DNSBL_EPARSE,
	    ":5:27: unknown key 'key' in transfer");
	ERR(MINI "    codes: {relay: {a: 127.0.0.3, text: x}}\n",
	    DNSBL_EPARSE, ":5:35: unknown key 'text' in code");
	ERR(MINI "keys: [{name: k, secret: YQ==, algo: hmac-md5}]\n",
	    DNSBL_EPARSE, ":5:32: unknown key 'algo' in key");

	/* Wrong types. */
	ERR("zones:\n  - name: relays.example\n"
	    "    soa: {mname: a.example, rname: b.example}\n"
	    "    ns: ns1.relays.example\n", DNSBL_EPARSE,
	    ":4:9: ns: expected a sequence");
	ERR("zones:\n  - name: relays.example\n    soa: [a.example]\n"
	    "    ns: [a.example]\n", DNSBL_EPARSE,
	    ":3:10: soa: expected a mapping");
	ERR(MINI "    ttl: [1]\n", DNSBL_EPARSE,
	    ":5:10: ttl: expected a scalar");
	ERR(MINI "    ttl: 1x\n", DNSBL_EPARSE,
	    ":5:10: ttl: bad duration '1x' (want e.g. 90d, 12h, 30m, 45s)");
	ERR(MINI "workers: -1\n", DNSBL_EPARSE,
	    ":5:10: workers: bad number '-1'");
	ERR(MINI "map_size: lots\n", DNSBL_EPARSE,
	    ":5:11: map_size: bad size 'lots' (want bytes, or e.g. 512M, 1G)");
	ERR("zones: relays.example\n", DNSBL_EPARSE,
	    ":1:8: zones: expected a sequence");
	ERR("zones: [relays.example]\n", DNSBL_EPARSE,
	    ":1:9: zones: expected a mapping");
	ERR(MINI "listen: [[127.0.0.1]]\n", DNSBL_EPARSE,
	    ":5:10: listen: expected a scalar");
	ERR(MINI "    codes: [relay]\n", DNSBL_EPARSE,
	    ":5:12: codes: expected a mapping");
	ERR(MINI "    codes: {relay: 127.0.0.3}\n", DNSBL_EPARSE,
	    ":5:20: codes: relay: expected a mapping");
	ERR("- zones\n", DNSBL_EPARSE,
	    ":1:1: expected a mapping at the top level");
	ERR(MINI "{a: 1}: 2\n", DNSBL_EPARSE,
	    ":5:1: expected a scalar key in configuration");

	/* Out of range. */
	ERR("zones:\n  - name: relays.example\n"
	    "    soa: {mname: a.example, rname: b.example}\n"
	    "    ns: [a.example]\n\n\n\n"
	    "    ttl: 99999999999\n", DNSBL_ERANGE,
	    ":8:10: ttl: 99999999999 out of range (0..2147483647)");
	ERR(MINI "    ttl: 123456789012345678901234567890\n", DNSBL_ERANGE,
	    ":5:10: ttl: 123456789012345678901234567890 out of range "
	    "(0..2147483647)");
	ERR(MINI "map_size: 1K\n", DNSBL_ERANGE,
	    ":5:11: map_size: 1K out of range (1M..1T)");
	ERR(MINI "map_size: 2T\n", DNSBL_ERANGE,
	    ":5:11: map_size: 2T out of range (1M..1T)");
	ERR(MINI "udp_receive_buffer: 2G\n", DNSBL_ERANGE,
	    ":5:21: udp_receive_buffer: 2G out of range (0..1G)");
	ERR(MINI "udp_receive_buffer: -1\n", DNSBL_EPARSE,
	    ":5:21: udp_receive_buffer: bad size '-1' (want bytes, or e.g. "
	    "512M, 1G)");
	ERR(MINI "workers: 65\n", DNSBL_ERANGE,
	    ":5:10: workers: 65 out of range (0..64)");
	ERR(MINI "journal_max: 0\n", DNSBL_ERANGE,
	    ":5:14: journal_max: 0 out of range (1..1000000)");
	ERR(MINI "tcp_timeout: 2h\n", DNSBL_ERANGE,
	    ":5:14: tcp_timeout: 2h out of range (1..3600)");
	ERR(MINI "tcp_max_connections: 65536\n", DNSBL_ERANGE,
	    ":5:22: tcp_max_connections: 65536 out of range (1..65535)");
	ERR(MINI "rrl: {slip: 11}\n", DNSBL_ERANGE,
	    ":5:13: slip: 11 out of range (0..10)");
	ERR(MINI "rrl: {ipv4_prefix: 7}\n", DNSBL_ERANGE,
	    ":5:20: ipv4_prefix: 7 out of range (8..32)");
	ERR(MINI "rrl: {responses_per_second: 1000001}\n", DNSBL_ERANGE,
	    ":5:29: responses_per_second: 1000001 out of range (0..1000000)");
	ERR(MINI "rrl: {enabled: yes}\n", DNSBL_EPARSE,
	    ":5:16: enabled: unknown value 'yes' (want one of false, true)");
	ERR(MINI "rrl: {exempt: [192.0.2.1/24]}\n", DNSBL_EPARSE,
	    ":5:16: exempt: '192.0.2.1/24' has host bits set beyond /24");
	ERR(MINI "rrl: {window: 15}\n", DNSBL_EPARSE,
	    ":5:7: unknown key 'window' in rrl");
	ERR(MINI "    max_drop: 101\n", DNSBL_ERANGE,
	    ":5:15: max_drop: 101 out of range (0..100)");
	ERR(MINI "    a: 10.0.0.2\n", DNSBL_ERANGE,
	    ":5:8: a: 10.0.0.2 is not inside 127.0.0.0/8");
	ERR(MINI "    a: 127.0.0.256\n", DNSBL_EPARSE,
	    ":5:8: a: bad IPv4 address '127.0.0.256'");
	ERR(MINI "listen: []\n", DNSBL_EPARSE,
	    ":5:9: listen: needs at least 1 item");

	/* Missing required keys, a zone with no ns. */
	ERR("zones:\n  - name: relays.example\n    ns: [a.example]\n",
	    DNSBL_EPARSE, ":2:5: missing required key 'soa'");
	ERR("zones:\n  - soa: {mname: a.example, rname: b.example}\n"
	    "    ns: [a.example]\n", DNSBL_EPARSE,
	    ":2:5: missing required key 'name'");
	ERR("zones:\n  - name: relays.example\n    soa: {mname: a.example}\n"
	    "    ns: [a.example]\n", DNSBL_EPARSE,
	    ":3:10: missing required key 'rname'");
	ERR("zones:\n  - name: relays.example\n"
	    "    soa: {mname: a.example, rname: b.example}\n", DNSBL_EPARSE,
	    ":2:5: missing required key 'ns'");
	ERR("zones:\n  - name: relays.example\n"
	    "    soa: {mname: a.example, rname: b.example}\n    ns: []\n",
	    DNSBL_EPARSE, ":4:9: ns: needs at least 1 item");
	ERR("database: /tmp/x\n", DNSBL_EPARSE,
	    ":1:1: missing required key 'zones'");
	ERR("zones: []\n", DNSBL_EPARSE, ":1:8: zones: needs at least 1 item");
	ERR("zones:\n  - name:\n    soa: {mname: a.example, rname: b.example}\n"
	    "    ns: [a.example]\n", DNSBL_EPARSE,
	    ":2:10: name: missing value");
	ERR(MINI "    codes: {relay: {txt: x}}\n", DNSBL_EPARSE,
	    ":5:20: missing required key 'a'");
	ERR(MINI "    codes: {relay: }\n", DNSBL_EPARSE,
	    ":5:13: missing required key 'a'");
	ERR(MINI "keys: [{name: k}]\n", DNSBL_EPARSE,
	    ":5:8: missing required key 'secret'");
	ERR(MINI "    glue: [{name: ns1.relays.example}]\n", DNSBL_EPARSE,
	    ":5:12: missing required key 'address'");

	/* Duplicates. */
	ERR(MINI "    ttl: 1\n    ttl: 2\n", DNSBL_EPARSE,
	    ":6:5: duplicate key 'ttl' in zone");
	ERR("zones: []\nzones: []\n", DNSBL_EPARSE,
	    ":2:1: duplicate key 'zones' in configuration");
	ERR(MINI "  - name: RELAYS.example.\n"
	    "    soa: {mname: a.example, rname: b.example}\n"
	    "    ns: [a.example]\n", DNSBL_EPARSE,
	    ":5:11: duplicate zone 'relays.example'");
	ERR(MINI "    codes: {relay: {a: 127.0.0.2}, relay: {a: 127.0.0.3}}\n",
	    DNSBL_EPARSE, ":5:36: duplicate key 'relay' in codes");
	ERR(MINI "keys: [{name: k, secret: YQ==}, {name: K., secret: YQ==}]\n",
	    DNSBL_EPARSE, ":5:40: duplicate key 'k'");

	/* Bad names. */
	ERR("zones:\n  - name: bad!name.example\n", DNSBL_EPARSE,
	    ":2:11: name: bad character '!' in domain name "
	    "'bad!name.example'");
	ERR("zones:\n  - name: a..example\n", DNSBL_EPARSE,
	    ":2:11: name: empty label in domain name 'a..example'");
	ERR("zones:\n  - name: "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example\n", DNSBL_EPARSE,
	    ":2:11: name: label longer than 63 bytes in domain name "
	    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example'");
	ERR(MINI "    glue: [{name: \"ns 1.example\", address: 192.0.2.1}]\n",
	    DNSBL_EPARSE, ":5:19: name: bad character 0x20 in domain name");
	ERR(MINI "    codes: {\"re lay\": {a: 127.0.0.2}}\n", DNSBL_EPARSE,
	    ":5:13: codes: bad name 're lay' (want 1..63 letters, digits, "
	    "'-', '_')");
	ERR(MINI "keys: [{name: k, secret: YQ==, algorithm: hmac-sha3}]\n",
	    DNSBL_EPARSE, ":5:43: algorithm: unknown value 'hmac-sha3' (want "
	    "one of hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, "
	    "hmac-sha384, hmac-sha512)");
	ERR(MINI "database: \"\"\n", DNSBL_EPARSE,
	    ":5:11: database: empty path");
	ERR(MINI "user: \"a\\0b\"\n", DNSBL_EPARSE,
	    ":5:7: user: NUL byte in value");

	/* Bad endpoints, CIDRs, addresses. */
	ERR(MINI "listen: [127.0.0.1@99999]\n", DNSBL_EPARSE,
	    ":5:10: listen: bad port in endpoint '127.0.0.1@99999' "
	    "(want ADDRESS@1..65535)");
	ERR(MINI "listen: [localhost@53]\n", DNSBL_EPARSE,
	    ":5:10: listen: bad IPv4 address 'localhost' in endpoint");
	ERR(MINI "    notify: [\"::1::2@53\"]\n", DNSBL_EPARSE,
	    ":5:14: notify: bad IPv6 address '::1::2' in endpoint");
	ERR(MINI "    transfer:\n      allow: [127.0.0.0/8, 192.0.2.1/24]\n",
	    DNSBL_EPARSE, ":6:28: allow: '192.0.2.1/24' has host bits set "
	    "beyond /24");
	ERR(MINI "    transfer: {allow: [10.0.0.0/33]}\n", DNSBL_EPARSE,
	    ":5:24: allow: bad prefix length in '10.0.0.0/33'");
	ERR(MINI "    glue: [{name: ns1.relays.example, address: "
	    "192.0.2.0/24}]\n", DNSBL_EPARSE,
	    ":5:48: address: '192.0.2.0/24' is not a single address");

	/* TSIG keys. */
	ERR(MINI "keys: [{name: k, secret: \"not base64!\"}]\n", DNSBL_EPARSE,
	    ":5:26: secret: not valid base64");
	ERR(MINI "keys: [{name: k, secret: YQ=}]\n", DNSBL_EPARSE,
	    ":5:26: secret: not valid base64");
	ERR(MINI "    transfer: {keys: [k2]}\n"
	    "keys: [{name: k, secret: YQ==}]\n",
	    DNSBL_EPARSE, ":5:23: transfer: key 'k2' is not defined in keys");
	ERR(MINI "    transfer: {keys: [k]}\n", DNSBL_EPARSE,
	    ":5:23: transfer: key 'k' is not defined in keys");

	/* YAML itself. */
	ERR("zones:\n  - name: x\n   bad: [\n", DNSBL_EPARSE,
	    ":3:4: did not find expected '-' indicator (while parsing a block "
	    "collection at line 2)");
	ERR("zones: [\n", DNSBL_EPARSE,
	    ":2:1: did not find expected node content (while parsing a flow "
	    "node at line 2)");
	ERR("a: b: c\n", DNSBL_EPARSE,
	    ":1:5: mapping values are not allowed in this context");
	ERR("zones: \"abc\n", DNSBL_EPARSE,
	    ":2:1: found unexpected end of stream (while scanning a quoted "
	    "scalar at line 1)");
	ERR("zones: *nothing\n", DNSBL_EPARSE,
	    ":1:8: found undefined alias");
	ERR("zones: []\n# \xc3\xa9\x01\n", DNSBL_EPARSE,
	    ":2:4: control characters are not allowed");
	ERR("zones: []\nx: \xff\n", DNSBL_EPARSE,
	    ":2:4: invalid leading UTF-8 octet");
	ERR(MINI "\"a\\nb\": 1\n", DNSBL_EPARSE,
	    ":5:1: unknown key 'a?b' in configuration");
	ERR("", DNSBL_EPARSE, ":1:1: empty configuration");
	ERR("# only a comment\n", DNSBL_EPARSE, ":1:1: empty configuration");
	ERR(MINI "---\nzones: []\n", DNSBL_EPARSE,
	    ":6:1: more than one YAML document");
	ERR("zones: &z [*z]\n", DNSBL_EPARSE,
	    ":1:8: zones: expected a mapping");
	is_int(try("s: &s {mname: a.example, rname: b.example}\n", msg),
	    DNSBL_EPARSE, "anchors only where keys are allowed");
}

static void
test_files(void)
{
	struct dnsbl_config *cfg = (struct dnsbl_config *)&cfg;
	struct errbuf eb;
	int rc;

	memset(&eb, 0, sizeof(eb));
	rc = config_load("/nonexistent/dnsbl.yaml", &cfg, &eb);
	is_int(rc, DNSBL_EIO, "nonexistent file: DNSBL_EIO");
	ok(cfg == NULL, "nonexistent file: no config");
	is_str(eb.msg, "/nonexistent/dnsbl.yaml: No such file or directory",
	    "nonexistent file: message");
	rc = config_load("/tmp", &cfg, &eb);
	is_int(rc, DNSBL_EIO, "directory: DNSBL_EIO");
	is_str(eb.msg, "/tmp: Is a directory", "directory: message");
	config_free(NULL);
	ok(1, "config_free(NULL)");
}

static void
test_aliases(void)
{
	struct dnsbl_config *cfg;
	char msg[512];

	is_int(load("zones:\n  - name: a.example\n"
	    "    soa: &soa {mname: ns.example, rname: hm.example}\n"
	    "    ns: &ns [ns.example]\n"
	    "  - {name: b.example, soa: *soa, ns: *ns}\n", &cfg, msg), 0,
	    "aliases load (%s)", msg);
	if (cfg != NULL)
		is_str(cfg->zones[1].soa.rname.text, "hm.example",
		    "alias resolved");
	config_free(cfg);
}

/* Lists have a maximum length; aliases cannot blow the work up. */
#define BIG 300000
static void
test_limits(void)
{
	char buf[4096], msg[512], *big;
	size_t n;
	int i, j;

	n = (size_t)snprintf(buf, sizeof(buf), "%s", MINI "listen: [");
	for (i = 0; i < 65; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s127.0.0.%d",
		    i ? ", " : "", i + 1);
	snprintf(buf + n, sizeof(buf) - n, "]\n");
	ERR(buf, DNSBL_ERANGE, ":5:9: listen: more than 64 items");

	/* 101 zones sharing one list of 10000 prefixes: too much work. */
	if ((big = malloc(BIG)) == NULL)
		return;
	n = (size_t)snprintf(big, BIG, "zones:\n");
	for (i = 0; i < 101; i++) {
		n += (size_t)snprintf(big + n, BIG - n,
		    "  - {name: z%d.example, soa: {mname: a.example, "
		    "rname: a.example}, ns: [a.example], transfer: {allow: %s",
		    i, i ? "*big" : "&big [1.0.0.0/8");
		for (j = 1; i == 0 && j < 10000; j++)
			n += (size_t)snprintf(big + n, BIG - n, ", 1.0.0.0/8");
		n += (size_t)snprintf(big + n, BIG - n, "%s}}\n", i ? "" : "]");
	}
	is_int(try(big, msg), DNSBL_ERANGE, "aliased lists: too much work");
	ok(strstr(msg, ": too many values") != NULL, "aliased lists: %s", msg);
	free(big);
}

static void
test_dname(void)
{
	struct cfg_dname d;
	struct errbuf eb;
	char name[300];
	int i;

	memset(&eb, 0, sizeof(eb));
	is_int(dname_parse("Relays.Example.", &d, &eb), 0, "dname upper, dot");
	is_str(d.text, "relays.example", "dname text lower, no dot");
	is_int(d.wirelen, 16, "dname wirelen");
	ok(memcmp(d.wire, "\6relays\7example", 16) == 0, "dname wire");
	is_int(dname_parse("_dmarc.ex-ample.com", &d, &eb), 0,
	    "dname underscore, hyphen");
	is_int(dname_parse("x", &d, &eb), 0, "dname one label");
	is_int(d.wirelen, 3, "dname one label wirelen");
	is_int(dname_parse("", &d, &eb), DNSBL_EPARSE, "dname empty");
	is_int(dname_parse(".", &d, &eb), DNSBL_EPARSE, "dname root");
	is_int(dname_parse("a..b", &d, &eb), DNSBL_EPARSE, "dname empty label");
	is_int(dname_parse(".a", &d, &eb), DNSBL_EPARSE, "dname leading dot");
	is_int(dname_parse("a.b..", &d, &eb), DNSBL_EPARSE, "dname two dots");
	is_int(dname_parse("a b", &d, &eb), DNSBL_EPARSE, "dname space");
	is_int(dname_parse("a\\.b", &d, &eb), DNSBL_EPARSE, "dname backslash");
	is_int(dname_parse("\xc3\xa9.example", &d, &eb), DNSBL_EPARSE,
	    "dname 8-bit");
	memset(name, 'a', 63);
	strcpy(name + 63, ".example");
	is_int(dname_parse(name, &d, &eb), 0, "dname label of 63");
	memset(name, 'a', 64);
	strcpy(name + 64, ".example");
	is_int(dname_parse(name, &d, &eb), DNSBL_EPARSE, "dname label of 64");
	/* 4 labels of 62 bytes and one of 1: 4*63 + 2 + 1 = 255 wire bytes. */
	name[0] = '\0';
	for (i = 0; i < 4; i++) {
		memset(name + strlen(name) + 62, 0, 2);
		memset(name + strlen(name), 'b', 62);
		strcat(name, ".");
	}
	strcat(name, "c");
	is_int(dname_parse(name, &d, &eb), 0, "dname of 255 wire bytes");
	is_int(d.wirelen, 255, "dname wirelen 255");
	strcat(name, "c");
	is_int(dname_parse(name, &d, &eb), DNSBL_EPARSE, "dname of 256");
	strcat(name, ".");
	is_int(dname_parse(name, &d, &eb), DNSBL_EPARSE, "dname of 256, dot");
}

static void
test_endpoint(void)
{
	struct cfg_endpoint e;
	struct errbuf eb;
	char buf[80];

	memset(&eb, 0, sizeof(eb));
	is_int(endpoint_parse("127.0.0.1@53", 1, &e, &eb), 0, "v4 endpoint");
	is_int(e.ss.ss_family, AF_INET, "v4 family");
	is_int(port_of(&e), 53, "v4 port");
	is_int(e.sslen, sizeof(struct sockaddr_in), "v4 sslen");
	is_str(e.text, "127.0.0.1@53", "v4 text");
	is_int(endpoint_parse("::1@5353", 53, &e, &eb), 0, "v6 endpoint");
	is_int(e.ss.ss_family, AF_INET6, "v6 family");
	is_int(port_of(&e), 5353, "v6 port");
	is_int(e.sslen, sizeof(struct sockaddr_in6), "v6 sslen");
	ok(IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&e.ss)->sin6_addr),
	    "v6 address");
	is_int(endpoint_parse("::1", 53, &e, &eb), 0, "bare v6");
	is_int(port_of(&e), 53, "bare v6: default port");
	is_int(endpoint_parse("192.0.2.1", 5353, &e, &eb), 0, "bare v4");
	is_int(port_of(&e), 5353, "bare v4: default port");
	is_int(endpoint_parse("[2001:db8::1]@65535", 53, &e, &eb), 0,
	    "bracketed v6");
	is_int(port_of(&e), 65535, "bracketed v6 port");
	is_int(endpoint_parse("127.0.0.1@0", 53, &e, &eb), DNSBL_EPARSE,
	    "port 0");
	is_int(endpoint_parse("127.0.0.1@65536", 53, &e, &eb), DNSBL_EPARSE,
	    "port 65536");
	is_int(endpoint_parse("127.0.0.1@", 53, &e, &eb), DNSBL_EPARSE,
	    "empty port");
	is_int(endpoint_parse("127.0.0.1@5x", 53, &e, &eb), DNSBL_EPARSE,
	    "bad port");
	is_int(endpoint_parse("@53", 53, &e, &eb), DNSBL_EPARSE, "no address");
	is_int(endpoint_parse("", 53, &e, &eb), DNSBL_EPARSE, "empty");
	is_int(endpoint_parse("localhost@53", 53, &e, &eb), DNSBL_EPARSE,
	    "host name");
	is_int(endpoint_parse("10.1@53", 53, &e, &eb), DNSBL_EPARSE,
	    "short v4");
	is_int(endpoint_parse("192.0.2.1", 0, &e, &eb), DNSBL_EPARSE,
	    "no port, no default");
	memset(buf, '1', 70);
	buf[70] = '\0';
	is_int(endpoint_parse(buf, 53, &e, &eb), DNSBL_EPARSE, "too long");
}

static void
test_duration(void)
{
	static const struct {
		const char *s;
		int rc;
		uint32_t want;
	} t[] = {
		{ "90d", 0, 90 * 86400 }, { "12h", 0, 43200 },
		{ "30m", 0, 1800 }, { "45s", 0, 45 }, { "3600", 0, 3600 },
		{ "0", 0, 0 }, { "1w", 0, 604800 }, { "1d12h", 0, 129600 },
		{ "1h30m", 0, 5400 }, { "4294967295", 0, 4294967295u },
		{ "4294967296", DNSBL_EPARSE, 0 },
		{ "99999999999999999999999", DNSBL_EPARSE, 0 },
		{ "", DNSBL_EPARSE, 0 }, { "d", DNSBL_EPARSE, 0 },
		{ "5x", DNSBL_EPARSE, 0 }, { "-1", DNSBL_EPARSE, 0 },
		{ "1.5h", DNSBL_EPARSE, 0 }, { "10 s", DNSBL_EPARSE, 0 },
		{ "1h30", DNSBL_EPARSE, 0 }, { "+5", DNSBL_EPARSE, 0 },
	};
	uint32_t v;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 12345;
		is_int(duration_parse(t[i].s, &v), t[i].rc, "duration '%s'",
		    t[i].s);
		if (t[i].rc == 0)
			is_int(v, t[i].want, "duration '%s' value", t[i].s);
	}
	ok(duration_parse(NULL, &v) == DNSBL_EPARSE, "duration NULL");
}

/* Every prefix and some mangled copies of the full config: never a crash. */
static void
test_mangled(void)
{
	char buf[sizeof(full)], msg[512];
	size_t n = strlen(full), i;
	unsigned seed = 1;
	int rc, bad = 0, loaded = 0;

	for (i = 0; i < n; i++) {
		memcpy(buf, full, i);
		buf[i] = '\0';
		rc = try(buf, msg);
		if (rc == 0)
			loaded++;
		else if (rc == 99 || rc > 0 || msg[0] != ':')
			bad++;
	}
	is_int(bad, 0, "truncated configs fail cleanly (%d loaded)", loaded);
	for (i = 0; i < 3000; i++) {
		memcpy(buf, full, n + 1);
		seed = seed * 1103515245 + 12345;
		buf[(seed >> 8) % n] =
		    "\0 :-[]{},&*'\"\n#x9@./"[(seed >> 20) % 21];
		rc = try(buf, msg);
		if (rc == 99 || rc > 0 || (rc != 0 && msg[0] == '\0'))
			bad++;
	}
	is_int(bad, 0, "mangled configs fail cleanly");
}

int
main(void)
{
	test_spec_example();
	test_defaults();
	test_full();
	test_errors();
	test_files();
	test_aliases();
	test_limits();
	test_dname();
	test_endpoint();
	test_duration();
	test_mangled();
	return tap_done();
}

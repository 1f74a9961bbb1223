/*
 * cfgschema.c -- the schema tables of the YAML configuration.
 *
 * One table per YAML map of dnsbl.yaml: the top level, a zone, its soa,
 * glue, codes and transfer maps, a TSIG key, the tester and the rate
 * limiter (rrl); the web front end's is in cfgweb.c, the xdp map in
 * cfgxdp.c.  Each row says the key, its type, its range (for lists:
 * the number of items), its default and where it goes in struct
 * dnsbl_config (config.h).  docs/dnsbl.yaml.5
 * describes every row; keep the two in sync.
 */
#include <stddef.h>

#include "cfgschema.h"
#include "config.h"
#include "txt.h"

#define TTL_MAX		2147483647	/* RFC 2181 */
#define POLICY_MAX	315360000	/* 3650 days */
#define RRL_RATE_MAX	1000000		/* dnsbld/rrl.c's clock: 1/2^24 s */

#define FLD(st, k, t, lo, hi, d, m, fl) { .key = (k), .type = (t),	\
	.min = (lo), .max = (hi), .def = (d), .off = offsetof(st, m),	\
	.flags = (fl) }
#define LST(st, k, t, lo, hi, d, m, fl) { .key = (k), .type = (t),	\
	.min = (lo), .max = (hi), .def = (d), .off = offsetof(st, m),	\
	.noff = offsetof(st, n##m), .flags = (fl) | F_LIST }
#define SEQ(st, k, t, lo, hi, m, sc, fl) { .key = (k), .type = (t),	\
	.min = (lo), .max = (hi), .off = offsetof(st, m),		\
	.noff = offsetof(st, n##m), .sub = &(sc), .flags = (fl) }
#define MAP(k, o, sc, fl) { .key = (k), .type = T_MAP, .off = (o),	\
	.sub = &(sc), .flags = (fl) }
#define END { .key = NULL }

static const char *const tsig_algorithms[] = {
	"hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384",
	"hmac-sha512", NULL
};

static const char *const bool_words[] = { "false", "true", NULL };

/* The names of log.h's priorities, from log_level_parse(). */
static const char *const log_levels[] = { "error", "warning", "notice",
    "info", "debug", NULL };

static const struct field soa_fields[] = {
	FLD(struct cfg_zone, "mname", T_DNAME, 0, 0, NULL, soa.mname, F_REQ),
	FLD(struct cfg_zone, "rname", T_DNAME, 0, 0, NULL, soa.rname, F_REQ),
	FLD(struct cfg_zone, "ttl", T_DUR, 0, TTL_MAX, "3600", soa.ttl, 0),
	FLD(struct cfg_zone, "refresh", T_DUR, 0, TTL_MAX, "3600", soa.refresh,
	    0),
	FLD(struct cfg_zone, "retry", T_DUR, 0, TTL_MAX, "600", soa.retry, 0),
	FLD(struct cfg_zone, "expire", T_DUR, 0, TTL_MAX, "604800", soa.expire,
	    0),
	FLD(struct cfg_zone, "minimum", T_DUR, 0, TTL_MAX, "300", soa.minimum,
	    0),
	END
};
static const struct schema soa_schema = { .what = "soa",
	.fields = soa_fields };

static const struct field glue_fields[] = {
	FLD(struct cfg_glue, "name", T_DNAME, 0, 0, NULL, name, F_REQ),
	FLD(struct cfg_glue, "address", T_HOST, 0, 0, NULL, addr, F_REQ),
	END
};
static const struct schema glue_schema = { .what = "glue",
	.size = sizeof(struct cfg_glue), .fields = glue_fields };

static const struct field code_fields[] = {
	FLD(struct cfg_code, "a", T_A127, 0, 0, NULL, a, F_REQ),
	FLD(struct cfg_code, "txt", T_TXT, 0, TXT_MAX, NULL, txt, 0),
	END
};
static const struct schema code_schema = { .what = "code",
	.size = sizeof(struct cfg_code),
	.keyoff = offsetof(struct cfg_code, name), .fields = code_fields };

/* "transfer" is a map in the file, but its fields live in the zone. */
static const struct field transfer_fields[] = {
	LST(struct cfg_zone, "allow", T_CIDR, 0, 10000, NULL, transfer_allow,
	    0),
	LST(struct cfg_zone, "keys", T_KEYREF, 0, 100, NULL, transfer_keys, 0),
	END
};
static const struct schema transfer_schema = { .what = "transfer",
	.fields = transfer_fields };

static const struct field zone_fields[] = {
	FLD(struct cfg_zone, "name", T_DNAME, 0, 0, NULL, name, F_REQ),
	FLD(struct cfg_zone, "ttl", T_DUR, 0, TTL_MAX, "2100", ttl, 0),
	MAP("soa", 0, soa_schema, F_REQ),
	LST(struct cfg_zone, "ns", T_DNAME, 1, 64, NULL, ns, F_REQ),
	SEQ(struct cfg_zone, "glue", T_SEQ, 0, 256, glue, glue_schema, 0),
	FLD(struct cfg_zone, "a", T_A127, 0, 0, "127.0.0.2", a, 0),
	FLD(struct cfg_zone, "txt", T_TXT, 0, TXT_MAX, "Listed: $", txt, 0),
	SEQ(struct cfg_zone, "codes", T_DMAP, 0, 1000, codes, code_schema, 0),
	MAP("transfer", 0, transfer_schema, 0),
	LST(struct cfg_zone, "notify", T_ENDPOINT, 0, 256, NULL, notify, 0),
	FLD(struct cfg_zone, "expire_after", T_DUR, 0, POLICY_MAX, "90d",
	    expire_after, 0),
	FLD(struct cfg_zone, "relist_window", T_DUR, 0, POLICY_MAX, "30d",
	    relist_window, 0),
	FLD(struct cfg_zone, "relist_penalty", T_DUR, 0, POLICY_MAX, "7d",
	    relist_penalty, 0),
	FLD(struct cfg_zone, "max_drop", T_U32, 0, 100, "10", max_drop_pct, 0),
	FLD(struct cfg_zone, "max_drop_min", T_U32, 0, 1000000000, "100",
	    max_drop_min, 0),
	FLD(struct cfg_zone, "retest_per_contact", T_U32, 0, 1000000, "5",
	    retest_per_contact, 0),
	FLD(struct cfg_zone, "retest_min_interval", T_DUR, 0, POLICY_MAX, "1h",
	    retest_min_interval, 0),
	{ .key = "list_suspected", .type = T_ENUM, .def = "false",
	  .off = offsetof(struct cfg_zone, list_suspected),
	  .choices = bool_words },
	END
};
static const struct schema zone_schema = { .what = "zone",
	.size = sizeof(struct cfg_zone), .fields = zone_fields,
	.check = cfg_zone_check };

static const struct field key_fields[] = {
	FLD(struct cfg_key, "name", T_DNAME, 0, 0, NULL, name, F_REQ),
	{ .key = "algorithm", .type = T_ENUM, .def = "hmac-sha256",
	  .off = offsetof(struct cfg_key, algorithm),
	  .choices = tsig_algorithms },
	FLD(struct cfg_key, "secret", T_BASE64, 0, 0, NULL, secret, F_REQ),
	END
};
static const struct schema key_schema = { .what = "key",
	.size = sizeof(struct cfg_key), .fields = key_fields,
	.check = cfg_key_check };

static const char *const access_actions[] = { "allow", "refuse", "code",
    NULL };

static const struct field access_fields[] = {
	FLD(struct cfg_access, "name", T_STR, 1, 64, NULL, name, F_REQ),
	LST(struct cfg_access, "networks", T_CIDR, 1, 10000, NULL, networks,
	    F_REQ),
	{ .key = "action", .type = T_ENUM, .def = "allow",
	  .off = offsetof(struct cfg_access, action),
	  .choices = access_actions },
	FLD(struct cfg_access, "a", T_A127, 0, 0, "127.255.255.254", a, 0),
	FLD(struct cfg_access, "txt", T_TXT, 0, TXT_MAX,
	    "Query refused: see the list's usage policy", txt, 0),
	FLD(struct cfg_access, "quota", T_U32, 0, 4000000000U, "0", quota, 0),
	FLD(struct cfg_access, "quota_a", T_A127, 0, 0, "127.255.255.255",
	    quota_a, 0),
	FLD(struct cfg_access, "quota_txt", T_TXT, 0, TXT_MAX,
	    "Excessive number of queries: see the list's usage policy",
	    quota_txt, 0),
	END
};
static const struct schema access_schema = { .what = "access rule",
	.size = sizeof(struct cfg_access), .fields = access_fields };

static const struct field tester_fields[] = {
	FLD(struct cfg_tester, "helo", T_STR, 1, 255, NULL, helo, 0),
	FLD(struct cfg_tester, "domain", T_DNAME, 0, 0, "example.com", domain,
	    0),
	FLD(struct cfg_tester, "dropbox", T_STR, 3, 255, NULL, dropbox, 0),
	FLD(struct cfg_tester, "spool", T_PATH, 1, 4095, "/var/lib/dnsbl/sink",
	    spool, 0),
	FLD(struct cfg_tester, "timeout", T_DUR, 1, 3600, "30s", timeout, 0),
	FLD(struct cfg_tester, "wait", T_DUR, 0, 86400, "30s", wait, 0),
	FLD(struct cfg_tester, "parallel", T_U32, 1, 1024, "8", parallel, 0),
	FLD(struct cfg_tester, "port", T_U32, 1, 65535, "25", port, 0),
	FLD(struct cfg_tester, "spool_max_size", T_SIZE, UINT64_C(1) << 10,
	    UINT64_C(1) << 40, "64M", spool_max_size, 0),
	FLD(struct cfg_tester, "spool_max_age", T_DUR, 1, 31536000, "1d",
	    spool_max_age, 0),
	END
};
static const struct schema tester_schema = { .what = "tester",
	.fields = tester_fields };

static const struct field rrl_fields[] = {
	{ .key = "enabled", .type = T_ENUM, .def = "true",
	  .off = offsetof(struct cfg_rrl, enabled), .choices = bool_words },
	FLD(struct cfg_rrl, "responses_per_second", T_U32, 0, RRL_RATE_MAX,
	    "200", responses_per_second, 0),
	FLD(struct cfg_rrl, "nxdomains_per_second", T_U32, 0, RRL_RATE_MAX,
	    "1000", nxdomains_per_second, 0),
	FLD(struct cfg_rrl, "errors_per_second", T_U32, 0, RRL_RATE_MAX,
	    "200", errors_per_second, 0),
	FLD(struct cfg_rrl, "slip", T_U32, 0, 10, "2", slip, 0),
	FLD(struct cfg_rrl, "ipv4_prefix", T_U32, 8, 32, "24", ipv4_prefix, 0),
	FLD(struct cfg_rrl, "ipv6_prefix", T_U32, 16, 128, "56", ipv6_prefix,
	    0),
	FLD(struct cfg_rrl, "table_size", T_U32, 1024, 67108864, "16384",
	    table_size, 0),
	LST(struct cfg_rrl, "exempt", T_CIDR, 0, 10000, NULL, exempt, 0),
	END
};
static const struct schema rrl_schema = { .what = "rrl",
	.fields = rrl_fields };

static const struct field top_fields[] = {
	FLD(struct dnsbl_config, "database", T_PATH, 1, 4095, "/var/lib/dnsbl",
	    database, 0),
	FLD(struct dnsbl_config, "map_size", T_SIZE, UINT64_C(1) << 20,
	    UINT64_C(1) << 40, "1G", map_size, 0),
	FLD(struct dnsbl_config, "journal_max", T_U32, 1, 1000000, "1000",
	    journal_max, 0),
	LST(struct dnsbl_config, "listen", T_ENDPOINT, 1, 64,
	    "127.0.0.1@53 ::1@53", listen, 0),
	FLD(struct dnsbl_config, "user", T_STR, 1, 255, "dnsbl", user, 0),
	FLD(struct dnsbl_config, "pidfile", T_PATH, 1, 4095,
	    "/run/dnsbld.pid", pidfile, 0),
	/* sun_path holds 107 bytes and a NUL. */
	FLD(struct dnsbl_config, "control", T_PATH, 1, 107, NULL, control, 0),
	FLD(struct dnsbl_config, "metrics", T_ENDPOINT, 0, 0, NULL, metrics,
	    0),
	FLD(struct dnsbl_config, "workers", T_U32, 0, 64, "0", workers, 0),
	{ .key = "log_level", .type = T_ENUM, .def = "info",
	  .off = offsetof(struct dnsbl_config, log_level),
	  .choices = log_levels },
	FLD(struct dnsbl_config, "udp_receive_buffer", T_SIZE, 0,
	    UINT64_C(1) << 30, "1M", udp_rcvbuf, 0),
	FLD(struct dnsbl_config, "tcp_timeout", T_DUR, 1, 3600, "10s",
	    tcp_timeout, 0),
	FLD(struct dnsbl_config, "tcp_max_connections", T_U32, 1, 65535, "256",
	    tcp_max_conn, 0),
	FLD(struct dnsbl_config, "tcp_query_timeout", T_DUR, 1, 120, "5s",
	    tcp_query_timeout, 0),
	FLD(struct dnsbl_config, "tcp_per_client", T_U32, 1, 65535, "16",
	    tcp_per_client, 0),
	FLD(struct dnsbl_config, "transfer_per_client", T_U32, 1, 64, "2",
	    transfer_per_client, 0),
	FLD(struct dnsbl_config, "transfer_timeout", T_DUR, 1, 3600, "20s",
	    transfer_timeout, 0),
	SEQ(struct dnsbl_config, "keys", T_SEQ, 0, 10000, keys, key_schema, 0),
	SEQ(struct dnsbl_config, "access", T_SEQ, 0, 1000, access,
	    access_schema, 0),
	SEQ(struct dnsbl_config, "zones", T_SEQ, 1, 10000, zones, zone_schema,
	    F_REQ),
	MAP("tester", offsetof(struct dnsbl_config, tester), tester_schema, 0),
	MAP("rrl", offsetof(struct dnsbl_config, rrl), rrl_schema, 0),
	MAP("web", offsetof(struct dnsbl_config, web), cfg_web_schema, 0),
	MAP("xdp", offsetof(struct dnsbl_config, xdp), cfg_xdp_schema, 0),
	END
};
const struct schema cfg_top_schema = { .what = "configuration",
	.fields = top_fields };

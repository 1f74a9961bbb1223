/*
 * cfgweb.c -- the schema of "web:", the lookup and retest-request page
 * (dnsbl-loader web, loader/web.h), in the same form as cfgschema.c's
 * tables: key, type, range, default, place in struct cfg_web (config.h).
 * docs/dnsbl.yaml.5, WEB, describes every row; keep the two in sync.
 */
#include <stddef.h>

#include "cfgschema.h"
#include "config.h"

#define WFLD(k, t, lo, hi, d, m) { .key = (k), .type = (t), .min = (lo), \
	.max = (hi), .def = (d), .off = offsetof(struct cfg_web, m) }
#define WLST(k, t, lo, hi, d, m) { .key = (k), .type = (t), .min = (lo), \
	.max = (hi), .def = (d), .off = offsetof(struct cfg_web, m),	\
	.noff = offsetof(struct cfg_web, n##m), .flags = F_LIST }
#define WENUM(k, d, m, c) { .key = (k), .type = T_ENUM, .def = (d),	\
	.off = offsetof(struct cfg_web, m), .choices = (c) }

static const char *const web_bool[] = { "false", "true", NULL };
static const char *const web_evidence[] = { "none", "forms", "full", NULL };

static const struct field web_fields[] = {
	WLST("listen", T_ENDPOINT, 1, 16, "127.0.0.1@8080", listen),
	WFLD("public_url", T_STR, 8, 255, "http://127.0.0.1:8080",
	    public_url),
	WLST("trusted_proxies", T_CIDR, 0, 1000, NULL, trusted_proxies),
	WLST("metrics_allow", T_CIDR, 0, 1000, "127.0.0.1/32 ::1/128",
	    metrics_allow),
	WENUM("evidence", "full", evidence, web_evidence),
	WFLD("transcript_lines", T_U32, 0, 1000, "40", transcript_lines),
	WENUM("show_tester", "true", show_tester, web_bool),
	WENUM("show_history", "true", show_history, web_bool),
	WFLD("lookups_per_minute", T_U32, 0, 1000000, "60",
	    lookups_per_minute),
	WFLD("retests_per_hour", T_U32, 0, 10000, "5", retests_per_hour),
	WFLD("max_connections", T_U32, 1, 65535, "256", max_connections),
	WFLD("timeout", T_DUR, 1, 600, "15s", timeout),
	WFLD("threads", T_U32, 1, 64, "2", threads),
	{ .key = NULL }
};

const struct schema cfg_web_schema = { .what = "web",
	.fields = web_fields };

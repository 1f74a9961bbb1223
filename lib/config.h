/*
 * config.h -- the YAML configuration shared by dnsbld and loader.
 *
 * config_load() reads one YAML file and checks it against a schema table
 * (key, type, range, default) kept in config.c.  Unknown keys, wrong types,
 * values out of range and missing required keys are errors reported as
 * "FILE:LINE:COLUMN: reason" in the errbuf.
 *
 * Ownership: config_load() allocates one struct dnsbl_config and everything
 * it points to; config_free() releases all of it.  Nothing in it points into
 * the YAML parser.  A loaded config is never changed afterwards, so readers
 * in several threads may share it.
 */
#ifndef DNSBL_CONFIG_H
#define DNSBL_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"

struct errbuf;

#define CONFIG_DEFAULT_PATH "/etc/dnsbl/dnsbl.yaml"
#define DNAME_MAXWIRE 255

/* An ADDRESS@PORT, as written and as a socket address. */
struct cfg_endpoint {
	char text[64];			/* as written, e.g. "::1@5353" */
	struct sockaddr_storage ss;
	socklen_t sslen;
};

/* A domain name: presentation form (lower case, no trailing dot) and wire form. */
struct cfg_dname {
	char text[DNAME_MAXWIRE + 1];
	uint8_t wire[DNAME_MAXWIRE];	/* uncompressed, lower case */
	uint8_t wirelen;
};

struct cfg_glue {
	struct cfg_dname name;
	struct prefix addr;		/* host prefix, v4 or v6 */
};

/* A named sub-list: "codes: {relay: {a: 127.0.0.2, txt: ...}}". */
struct cfg_code {
	char *name;
	uint8_t a[4];			/* inside 127.0.0.0/8 */
	char *txt;			/* NULL: the zone's txt */
};

/* A TSIG key: "keys: [{name: k1, algorithm: hmac-sha256, secret: BASE64}]". */
struct cfg_key {
	struct cfg_dname name;
	char *algorithm;		/* "hmac-sha256", "hmac-sha512", ... */
	char *secret;			/* base64, as written */
};

struct cfg_zone {
	struct cfg_dname name;
	uint32_t ttl;			/* TTL of A/TXT answers */
	struct {
		struct cfg_dname mname, rname;
		uint32_t ttl, refresh, retry, expire, minimum;
	} soa;
	struct cfg_dname *ns;		/* at least one */
	size_t nns;
	struct cfg_glue *glue;
	size_t nglue;
	uint8_t a[4];			/* default A of a listing */
	char *txt;			/* TXT template, '$' is the address */
	struct cfg_code *codes;
	size_t ncodes;
	struct prefix *transfer_allow;	/* who may AXFR/IXFR */
	size_t ntransfer_allow;
	char **transfer_keys;		/* names of keys in config.keys */
	size_t ntransfer_keys;
	struct cfg_endpoint *notify;
	size_t nnotify;
	/* Listing policy (RFC 6471); durations in seconds, 0 = off. */
	uint32_t expire_after;
	uint32_t relist_window;		/* relisted within this... */
	uint32_t relist_penalty;	/* ...stays at least this long */
	uint32_t max_drop_pct;		/* guard: percent of entries */
	uint32_t max_drop_min;		/* guard: and at least this many */
	uint32_t retest_per_contact;	/* requests per contact per day */
	uint32_t retest_min_interval;	/* seconds after the last test */
	char *list_suspected;		/* "true": the tester lists suspected */
};

/* The relay tester (loader test, loader sink): "tester: {helo: ...}". */
struct cfg_tester {
	char *helo;			/* announced name; NULL: gethostname() */
	struct cfg_dname domain;	/* outside domain of the battery */
	char *dropbox;			/* local@domain at the sink; may be NULL */
	char *spool;			/* the sink's token spool directory */
	uint32_t timeout;		/* connect and each reply, seconds */
	uint32_t wait;			/* for a delivered token, seconds */
	uint32_t parallel;		/* hosts tested at once */
	uint32_t port;			/* SMTP port of retested addresses */
	uint64_t spool_max_size;	/* the sink's spool: bytes on disk... */
	uint32_t spool_max_age;		/* ...and seconds a token is kept */
};

/*
 * Response rate limiting of dnsbld's UDP answers: "rrl: {...}" (see
 * dnsbld/rrl.h).  Rates are answers per second per client network; 0 is
 * no limit for that kind.
 */
struct cfg_rrl {
	char *enabled;			/* "true" or "false" */
	uint32_t responses_per_second;	/* the same answer (name, type) */
	uint32_t nxdomains_per_second;	/* NXDOMAIN, per zone */
	uint32_t errors_per_second;	/* REFUSED, FORMERR, SERVFAIL, ... */
	uint32_t slip;			/* every slip-th limited one: TC */
	uint32_t ipv4_prefix;		/* a client network's length */
	uint32_t ipv6_prefix;
	uint32_t table_size;		/* buckets (8 bytes each) */
	struct prefix *exempt;		/* never limited */
	size_t nexempt;
};

/*
 * One rule of "access:", the DNSBL's answer policy by client network
 * (dnsbld/access.h).  The first rule with a network holding the client
 * applies; no rule: allow.
 */
struct cfg_access {
	char *name;			/* for the log and statistics */
	struct prefix *networks;	/* at least one */
	size_t nnetworks;
	char *action;			/* "allow", "refuse" or "code" */
	uint8_t a[4];			/* "code": every address gets this A */
	char *txt;			/* and this TXT */
	uint32_t quota;			/* queries per client network (/24,
					 * /56) and UTC day; 0: none */
	uint8_t quota_a[4];		/* over the quota: this A */
	char *quota_txt;		/* and this TXT */
};

/*
 * The web front end, dnsbl-loader web: "web: {...}" (loader/web.h).  The
 * lookup page every listing's TXT points to, and retest requests.
 */
struct cfg_web {
	struct cfg_endpoint *listen;	/* ADDRESS@PORT, at least one */
	size_t nlisten;
	char *public_url;		/* e.g. "https://relays.example" */
	struct prefix *trusted_proxies;	/* their X-Forwarded-For is used */
	size_t ntrusted_proxies;
	struct prefix *metrics_allow;	/* who may GET /metrics */
	size_t nmetrics_allow;
	char *evidence;			/* "full", "forms" or "none" */
	uint32_t transcript_lines;	/* at most this many lines shown */
	char *show_tester;		/* "true": the tester's name and HELO */
	char *show_history;		/* "true": the public history */
	uint32_t lookups_per_minute;	/* per client address; 0: no limit */
	uint32_t retests_per_hour;	/* per client address; 0: no limit */
	uint32_t max_connections;
	uint32_t timeout;		/* seconds a connection may idle */
	uint32_t threads;		/* libmicrohttpd's thread pool */
};

/*
 * dnsbld's optional AF_XDP path (docs/xdp.md): "xdp: {interface: ...}".
 * No interface: off.  Only a dnsbld built with `make XDP=1` can turn it
 * on; the schema is the same for every build (lib/cfgxdp.c).
 */
struct cfg_xdp {
	char *interface;		/* network interface, or NULL: off */
	uint32_t *queues;		/* its receive queues, one worker each */
	size_t nqueues;
	char *mode;			/* "native", "generic" or "auto" */
	struct cfg_endpoint address;	/* IPv4 address@port it answers on;
					 * one of `listen` */
	uint32_t frames;		/* UMEM frames per queue */
};

struct dnsbl_config {
	char *path;			/* the file it was read from */
	char *database;			/* LMDB environment directory */
	uint64_t map_size;		/* initial LMDB map size, bytes */
	uint32_t journal_max;		/* IXFR journal: serials kept per zone */
	struct cfg_endpoint *listen;
	size_t nlisten;
	char *user;			/* started as root, dnsbld and loader
					 * sink run as this user ("dnsbl");
					 * "root" stays root */
	char *pidfile;
	char *control;			/* dnsbld's control socket, or NULL */
	struct cfg_endpoint metrics;	/* its Prometheus endpoint; sslen 0:
					 * none */
	uint32_t workers;		/* 0: one per online core */
	char *log_level;		/* dnsbld: "error" .. "debug" (log.h's
					 * log_level_parse() reads it) */
	uint64_t udp_rcvbuf;		/* each UDP socket's receive buffer,
					 * bytes asked for; 0: the system's */
	uint32_t tcp_timeout;		/* idle seconds before a TCP close */
	uint32_t tcp_max_conn;		/* open TCP connections, in all */
	uint32_t tcp_query_timeout;	/* seconds for a whole query to arrive */
	uint32_t tcp_per_client;	/* open connections per /24 or /56 */
	uint32_t transfer_per_client;	/* transfers queued or running, per
					 * client address */
	uint32_t transfer_timeout;	/* seconds a transfer may wait for the
					 * client to read */
	struct cfg_key *keys;
	size_t nkeys;
	struct cfg_access *access;	/* in order; may be none */
	size_t naccess;
	struct cfg_zone *zones;		/* at least one */
	size_t nzones;
	struct cfg_tester tester;
	struct cfg_rrl rrl;
	struct cfg_web web;
	struct cfg_xdp xdp;
};

/*
 * Read and check path.  On success *out owns a new config; free it with
 * config_free().  Returns 0, DNSBL_EIO (cannot read: errno and eb say why),
 * DNSBL_EPARSE or DNSBL_ERANGE (eb holds "path:line:col: reason").
 */
int config_load(const char *path, struct dnsbl_config **out,
    struct errbuf *eb);

/* Release cfg and all it owns.  NULL is ignored. */
void config_free(struct dnsbl_config *cfg);

/* The zone named name (case-insensitive, no trailing dot needed), or NULL. */
const struct cfg_zone *config_zone(const struct dnsbl_config *cfg,
    const char *name);

/* Index of zone z inside cfg->zones. */
static inline size_t
config_zone_index(const struct dnsbl_config *cfg, const struct cfg_zone *z)
{
	return (size_t)(z - cfg->zones);
}

/*
 * Parse a presentation-form domain name into d.  Returns 0 or DNSBL_EPARSE
 * (empty label, label over 63, name over 255, bad character).
 */
int dname_parse(const char *s, struct cfg_dname *d, struct errbuf *eb);

/*
 * Parse an endpoint "ADDRESS@PORT" ("127.0.0.1@53", "::1@5353").  A bare
 * address takes default_port.  Returns 0 or DNSBL_EPARSE.
 */
int endpoint_parse(const char *s, int default_port, struct cfg_endpoint *e,
    struct errbuf *eb);

/* Parse "90d", "12h", "30m", "45s" or plain seconds.  0 or DNSBL_EPARSE. */
int duration_parse(const char *s, uint32_t *out);

#endif

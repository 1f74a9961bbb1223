/*
 * web.h -- dnsbl-loader web: the public lookup and retest-request page
 * that every listing's TXT points to (docs/web.md).
 *
 * HTTP is libmicrohttpd's: one daemon per web.listen address, each with
 * a pool of web.threads threads.  Routes:
 *   GET  /                 the lookup form
 *   GET  /lookup?ip=A      the page for A (webpage.h)
 *   POST /retest           a retest request (form, CSRF token)
 *   GET  /api/v1/lookup    the same as JSON (webapi.h)
 *   POST /api/v1/retest    the same as JSON (header X-DNSBL-API)
 *   GET  /static/style.css the stylesheet
 *   GET  /metrics          request counts, Prometheus text, for
 *                          web.metrics_allow only
 * HEAD is taken where GET is; any other method gets 405.
 *
 * Start-up: bind every address, drop privileges to the config's user (as
 * root), then open the store.  Lookups read one snapshot each
 * (store_read()); a retest request is one write transaction through
 * retest_request() (retest.h), as "dnsbl-loader retest-request" does.
 * Nothing else is ever written.  SIGTERM and SIGINT stop it; SIGHUP only
 * logs that a config change needs a restart.
 *
 * Ownership: cmd_web() owns a struct web_ctx for the whole run; the
 * request handlers borrow it from every thread (its counters are
 * atomic, its guard has a lock, the store is shared as store.h allows).
 */
#ifndef DNSBL_WEB_H
#define DNSBL_WEB_H

#include <stdint.h>

#include "webguard.h"

struct dnsbl_config;
struct store;
struct MHD_Daemon;

#define WEB_LISTEN_MAX	16

/* What /metrics counts: requests by route and status. */
enum web_route {
	WR_HOME, WR_LOOKUP, WR_RETEST, WR_API_LOOKUP, WR_API_RETEST,
	WR_STATIC, WR_METRICS, WR_OTHER, WR_MAX
};
enum web_status {
	WS_200, WS_400, WS_403, WS_404, WS_405, WS_409, WS_413, WS_414,
	WS_429, WS_500, WS_OTHER, WS_MAX
};

struct web_ctx {
	const struct dnsbl_config *cfg;
	struct store *st;
	struct webguard guard;
	const char *title;		/* the first zone's name */
	int secure_cookie;		/* public_url is https */
	int fd[WEB_LISTEN_MAX];
	struct MHD_Daemon *d[WEB_LISTEN_MAX];
	unsigned nd;
	int64_t started;
	/* Counters, atomic. */
	uint64_t requests[WR_MAX][WS_MAX];
	uint64_t retests_accepted, retests_refused;
	uint64_t limited[2];		/* by enum wg_kind */
};

/* Bind every web.listen address (as root, before the privilege drop). */
struct errbuf;
int web_bind(struct web_ctx *w, struct errbuf *eb);
/* Serve them (w->st open).  0 or DNSBL_EIO. */
int web_start(struct web_ctx *w, struct errbuf *eb);
/* Stop serving, close the sockets; waits for requests in progress. */
void web_stop(struct web_ctx *w);

/* The route name and status label of the counters. */
extern const char *const web_route_name[WR_MAX];
extern const char *const web_status_name[WS_MAX];

#endif

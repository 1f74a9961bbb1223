/*
 * web.c -- dnsbl-loader web (web.h): the command, libmicrohttpd's setup,
 * each request's life (headers, body, answer, log line) and the routes.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "config.h"
#include "err.h"
#include "log.h"
#include "retest.h"
#include "store.h"
#include "web.h"
#include "webapi.h"
#include "webbuf.h"
#include "weblookup.h"
#include "webpage.h"
#include "webparam.h"

#define URI_MAX		4096	/* a longer request line: 414 */
#define COOKIE_NAME	"dnsbl_csrf"
#define API_HEADER	"X-DNSBL-API"

const char *const web_route_name[WR_MAX] = { "home", "lookup", "retest",
    "api_lookup", "api_retest", "static", "metrics", "other" };
const char *const web_status_name[WS_MAX] = { "200", "400", "403", "404",
    "405", "409", "413", "414", "429", "500", "other" };

/* One request, from its first line to its log line. */
struct web_req {
	char uri[URI_MAX + 1];		/* as sent, query included */
	int uri_long;
	int started;			/* past the headers' call */
	char body[WEBPARAM_INPUT_MAX];
	size_t blen;
	int body_long;
	int route;
	char method[8];
	unsigned status;
	size_t bytes;
	struct timespec t0;
	struct prefix client;
	char ctxt[PREFIX_STRLEN];
};

static const char CSP[] = "default-src 'none'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

static int
status_index(unsigned s)
{
	static const unsigned codes[WS_OTHER] = { 200, 400, 403, 404, 405,
	    409, 413, 414, 429, 500 };
	int i;

	for (i = 0; i < WS_OTHER; i++)
		if (codes[i] == s)
			return i;
	return WS_OTHER;
}

/* ---- answers ---- */

static enum MHD_Result
send_body(struct MHD_Connection *conn, struct web_req *rq, unsigned status,
    const char *type, char *body, size_t len, int must_free,
    const char *cookie, int64_t retry_at)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char ra[32];

	r = MHD_create_response_from_buffer(len, body, must_free ?
	    MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	(void)MHD_add_response_header(r, "Content-Security-Policy", CSP);
	(void)MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	(void)MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	(void)MHD_add_response_header(r, "X-Frame-Options", "DENY");
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    rq->route == WR_STATIC ? "public, max-age=3600" : "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
		    "GET, HEAD, POST");
	if (cookie != NULL)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE,
		    cookie);
	if (retry_at > 0) {
		int64_t d = retry_at - now_s();
		snprintf(ra, sizeof(ra), "%lld", (long long)(d > 0 ? d : 1));
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER,
		    ra);
	}
	rq->status = status;
	rq->bytes = len;
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
send_buf(struct MHD_Connection *conn, struct web_req *rq, unsigned status,
    const char *type, struct webbuf *b, const char *cookie, int64_t retry)
{
	static char oom[] = "out of memory\n";
	size_t len;
	char *s = wb_take(b, &len);

	if (s == NULL)
		return send_body(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "text/plain; charset=utf-8", oom, sizeof(oom) - 1, 0,
		    NULL, 0);
	return send_body(conn, rq, status, type, s, len, 1, cookie, retry);
}

/* An error as the route's kind wants it: a page or a JSON object. */
static enum MHD_Result
send_error(struct web_ctx *w, struct MHD_Connection *conn,
    struct web_req *rq, unsigned status, const char *code,
    const char *heading, const char *msg, const char *ip, int64_t retry)
{
	struct webpage_info pi = { w->title, ip, NULL, now_s() };
	struct webbuf b = { 0 };
	size_t len;
	char *s;

	if (rq->route == WR_API_LOOKUP || rq->route == WR_API_RETEST) {
		if (webapi_error(code, msg, retry, &s, &len) != 0)
			return MHD_NO;
		return send_body(conn, rq, status, "application/json", s, len,
		    1, NULL, retry);
	}
	webpage_error(&b, &pi, heading, msg);
	return send_buf(conn, rq, status, "text/html; charset=utf-8", &b,
	    NULL, retry);
}

/* ---- parameters ---- */

static int
query_of(const struct web_req *rq, const char **q, size_t *n)
{
	const char *p = strchr(rq->uri, '?');

	*q = p ? p + 1 : "";
	*n = strlen(*q);
	return 0;
}

/* The address a user typed: one host, IPv4 or IPv6; 0 or -1 (msg). */
static int
host_of(const char *s, struct prefix *p, char *msg, size_t n)
{
	struct errbuf eb = { "" };
	char buf[64];
	size_t a = 0, l = strlen(s);

	while (a < l && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (l > a && (s[l - 1] == ' ' || s[l - 1] == '\t'))
		l--;
	if (l == a) {
		snprintf(msg, n, "no address given: enter an IPv4 or IPv6 "
		    "address, such as 192.0.2.1 or 2001:db8::1");
		return -1;
	}
	if (l - a >= sizeof(buf) || memchr(s + a, '/', l - a) != NULL ||
	    (memcpy(buf, s + a, l - a), buf[l - a] = '\0',
	    prefix_parse(buf, p, &eb) != 0) ||
	    p->len != addr_bits(p->family)) {
		snprintf(msg, n, "'%.*s' is not an IPv4 or IPv6 address "
		    "(such as 192.0.2.1 or 2001:db8::1)", (int)(l - a > 64 ?
		    64 : l - a), s + a);
		return -1;
	}
	return 0;
}

/* The client's CSRF nonce (cookie), or a new one with its Set-Cookie. */
static const char *
nonce_of(struct web_ctx *w, struct MHD_Connection *conn, char *nbuf,
    char *cookie, size_t cn)
{
	const char *c = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND,
	    COOKIE_NAME);

	cookie[0] = '\0';
	if (c != NULL && strlen(c) == WG_NONCE_LEN &&
	    strspn(c, "0123456789abcdef") == WG_NONCE_LEN)
		return c;
	if (webguard_nonce(nbuf) != 0)
		return NULL;
	snprintf(cookie, cn, COOKIE_NAME "=%s; Path=/; HttpOnly; "
	    "SameSite=Strict%s", nbuf, w->secure_cookie ? "; Secure" : "");
	return nbuf;
}

/* ---- routes ---- */

static enum MHD_Result
do_lookup(struct web_ctx *w, struct MHD_Connection *conn,
    struct web_req *rq)
{
	struct webpage_info pi = { w->title, NULL, NULL, now_s() };
	struct errbuf eb = { "" };
	struct webparam wp;
	struct web_lookup wl;
	struct webbuf b = { 0 };
	struct prefix p;
	char msg[200], nbuf[WG_NONCE_LEN + 1], cookie[160];
	char token[WG_TOKEN_MAX];
	const char *q, *nonce;
	int64_t retry;
	size_t n, len;
	char *s;
	int rc;

	query_of(rq, &q, &n);
	if (webparam_parse(q, n, &wp, &eb) != 0)
		return send_error(w, conn, rq, MHD_HTTP_BAD_REQUEST, "invalid",
		    "Bad request", eb.msg, NULL, 0);
	pi.ip = wp.ip;
	if (host_of(wp.ip, &p, msg, sizeof(msg)) != 0)
		return send_error(w, conn, rq, MHD_HTTP_BAD_REQUEST, "invalid",
		    "Not an IP address", msg, wp.ip, 0);
	if (!webguard_allow(&w->guard, &rq->client, WG_LOOKUP, pi.now,
	    &retry)) {
		__atomic_fetch_add(&w->limited[WG_LOOKUP], 1, __ATOMIC_RELAXED);
		return send_error(w, conn, rq, MHD_HTTP_TOO_MANY_REQUESTS,
		    "rate_limited", "Too many lookups", "too many lookups "
		    "from your address: try again in a minute", wp.ip, retry);
	}
	if ((rc = weblookup(w->st, w->cfg, &p, &wl, &eb)) != 0) {
		log_warnx("web: lookup of %s: %s", wl.ip, eb.msg);
		weblookup_free(&wl);
		return send_error(w, conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "db", "Lookup failed", "the database could not be read: "
		    "try again later", wp.ip, 0);
	}
	if (rq->route == WR_API_LOOKUP) {
		rc = webapi_lookup(&wl, w->cfg->web.public_url, &s, &len);
		weblookup_free(&wl);
		if (rc != 0)
			return MHD_NO;
		return send_body(conn, rq, MHD_HTTP_OK, "application/json", s,
		    len, 1, NULL, 0);
	}
	if ((nonce = nonce_of(w, conn, nbuf, cookie, sizeof(cookie))) !=
	    NULL) {
		webguard_token(&w->guard, nonce, pi.now, token);
		pi.token = token;
	}
	pi.ip = wl.ip;
	webpage_lookup(&b, &pi, &wl);
	weblookup_free(&wl);
	return send_buf(conn, rq, MHD_HTTP_OK, "text/html; charset=utf-8", &b,
	    cookie[0] ? cookie : NULL, 0);
}

struct rt_job {
	size_t zone;
	struct prefix p;
	const char *contact, *note;
	char actor[80];
	uint64_t id;
	int64_t retry_at;
	struct errbuf eb;
};

static int
rt_txn(struct store_txn *t, void *arg)
{
	struct rt_job *job = arg;

	return retest_request(t, job->zone, &job->p, job->contact, job->note,
	    job->actor, &job->id, &job->retry_at, &job->eb);
}

static enum MHD_Result
do_retest(struct web_ctx *w, struct MHD_Connection *conn,
    struct web_req *rq)
{
	struct webpage_info pi = { w->title, NULL, NULL, now_s() };
	struct webpage_retest res;
	const struct cfg_zone *cz;
	struct errbuf eb = { "" };
	struct webparam wp;
	struct webbuf b = { 0 };
	struct rt_job job;
	char msg[200];
	const char *nonce;
	int64_t retry;
	unsigned status;
	size_t len;
	char *s;
	int rc;

	if (rq->body_long)
		return send_error(w, conn, rq, MHD_HTTP_CONTENT_TOO_LARGE,
		    "invalid", "Request too large", "the form is larger than "
		    "this page accepts", NULL, 0);
	if (webparam_parse(rq->body, rq->blen, &wp, &eb) != 0)
		return send_error(w, conn, rq, MHD_HTTP_BAD_REQUEST, "invalid",
		    "Bad request", eb.msg, NULL, 0);
	if (rq->route == WR_RETEST) {
		nonce = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND,
		    COOKIE_NAME);
		if (!webguard_token_ok(&w->guard, nonce, wp.csrf, pi.now))
			return send_error(w, conn, rq, MHD_HTTP_FORBIDDEN,
			    "csrf", "Form expired", "the form's security token "
			    "is missing, invalid or expired (or cookies are "
			    "off): look the address up again and resend the "
			    "form", wp.ip, 0);
	} else if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    API_HEADER) == NULL)
		return send_error(w, conn, rq, MHD_HTTP_FORBIDDEN, "csrf",
		    "Forbidden", "POST /api/v1/retest needs the header "
		    API_HEADER ": 1", NULL, 0);
	memset(&job, 0, sizeof(job));
	if (host_of(wp.ip, &job.p, msg, sizeof(msg)) != 0)
		return send_error(w, conn, rq, MHD_HTTP_BAD_REQUEST, "invalid",
		    "Not an IP address", msg, wp.ip, 0);
	if (wp.zone[0] == '\0')
		cz = &w->cfg->zones[0];
	else if ((cz = config_zone(w->cfg, wp.zone)) == NULL)
		return send_error(w, conn, rq, MHD_HTTP_BAD_REQUEST, "invalid",
		    "Unknown zone", "this list has no such zone", wp.ip, 0);
	if (!contact_valid(wp.contact))
		return send_error(w, conn, rq, MHD_HTTP_BAD_REQUEST, "invalid",
		    "Bad contact address", "enter the mail address the answer "
		    "should go to (name@example.com)", wp.ip, 0);
	if (!webguard_allow(&w->guard, &rq->client, WG_RETEST, pi.now,
	    &retry)) {
		__atomic_fetch_add(&w->limited[WG_RETEST], 1, __ATOMIC_RELAXED);
		return send_error(w, conn, rq, MHD_HTTP_TOO_MANY_REQUESTS,
		    "rate_limited", "Too many requests", "too many retest "
		    "requests from your address: try again later", wp.ip,
		    retry);
	}
	job.zone = config_zone_index(w->cfg, cz);
	job.contact = wp.contact;
	job.note = wp.note;
	snprintf(job.actor, sizeof(job.actor), "web:%s", rq->ctxt);
	rc = store_write(w->st, rt_txn, &job, &job.eb);
	memset(&res, 0, sizeof(res));
	res.ok = rc == 0;
	res.id = job.id;
	res.zone = cz->name.text;
	res.ip = wp.ip;
	res.message = job.eb.msg[0] ? job.eb.msg : dnsbl_strerror(rc);
	res.retry_at = rc ? job.retry_at : 0;
	if (rc == 0) {
		status = MHD_HTTP_OK;
		__atomic_fetch_add(&w->retests_accepted, 1, __ATOMIC_RELAXED);
		log_info("web: retest request #%llu for %s in %s from %s",
		    (unsigned long long)job.id, wp.ip, cz->name.text, rq->ctxt);
	} else {
		status = rc == DNSBL_EREFUSED || rc == DNSBL_ENOENT ?
		    MHD_HTTP_CONFLICT : rc == DNSBL_EPARSE ||
		    rc == DNSBL_ERANGE ? MHD_HTTP_BAD_REQUEST :
		    MHD_HTTP_INTERNAL_SERVER_ERROR;
		__atomic_fetch_add(&w->retests_refused, 1, __ATOMIC_RELAXED);
	}
	if (rq->route == WR_API_RETEST) {
		if (webapi_retest(&res, &s, &len) != 0)
			return MHD_NO;
		return send_body(conn, rq, status, "application/json", s, len,
		    1, NULL, res.retry_at);
	}
	pi.ip = wp.ip;
	webpage_retest(&b, &pi, &res);
	return send_buf(conn, rq, status, "text/html; charset=utf-8", &b,
	    NULL, 0);
}

static enum MHD_Result
do_metrics(struct web_ctx *w, struct MHD_Connection *conn,
    struct web_req *rq)
{
	struct webbuf b = { 0 };
	int r, s;

	if (!webguard_in(&rq->client, w->cfg->web.metrics_allow,
	    w->cfg->web.nmetrics_allow))
		return send_error(w, conn, rq, MHD_HTTP_FORBIDDEN, "forbidden",
		    "Forbidden", "/metrics is not for your address", NULL, 0);
	wb_puts(&b, "# HELP dnsbl_web_requests_total HTTP requests of the "
	    "web front end, by route and status.\n# TYPE "
	    "dnsbl_web_requests_total counter\n");
	for (r = 0; r < WR_MAX; r++)
		for (s = 0; s < WS_MAX; s++)
			wb_printf(&b, "dnsbl_web_requests_total{route=\"%s\","
			    "status=\"%s\"} %llu\n", web_route_name[r],
			    web_status_name[s], (unsigned long long)
			    __atomic_load_n(&w->requests[r][s],
			    __ATOMIC_RELAXED));
	wb_printf(&b, "# HELP dnsbl_web_retests_total Retest requests from "
	    "the web, by outcome.\n# TYPE dnsbl_web_retests_total counter\n"
	    "dnsbl_web_retests_total{outcome=\"accepted\"} %llu\n"
	    "dnsbl_web_retests_total{outcome=\"refused\"} %llu\n",
	    (unsigned long long)__atomic_load_n(&w->retests_accepted,
	    __ATOMIC_RELAXED), (unsigned long long)__atomic_load_n(
	    &w->retests_refused, __ATOMIC_RELAXED));
	wb_printf(&b, "# HELP dnsbl_web_rate_limited_total Requests refused "
	    "by the per-client limits.\n# TYPE dnsbl_web_rate_limited_total "
	    "counter\ndnsbl_web_rate_limited_total{kind=\"lookup\"} %llu\n"
	    "dnsbl_web_rate_limited_total{kind=\"retest\"} %llu\n",
	    (unsigned long long)__atomic_load_n(&w->limited[WG_LOOKUP],
	    __ATOMIC_RELAXED), (unsigned long long)__atomic_load_n(
	    &w->limited[WG_RETEST], __ATOMIC_RELAXED));
	wb_printf(&b, "# HELP dnsbl_web_start_time_seconds When the web "
	    "front end started.\n# TYPE dnsbl_web_start_time_seconds gauge\n"
	    "dnsbl_web_start_time_seconds %lld\n", (long long)w->started);
	return send_buf(conn, rq, MHD_HTTP_OK, "text/plain; version=0.0.4; "
	    "charset=utf-8", &b, NULL, 0);
}

static int
route_of(const char *path, size_t n)
{
	static const struct { const char *p; int r; } routes[] = {
		{ "/", WR_HOME }, { "/lookup", WR_LOOKUP },
		{ "/retest", WR_RETEST }, { "/api/v1/lookup", WR_API_LOOKUP },
		{ "/api/v1/retest", WR_API_RETEST },
		{ "/static/style.css", WR_STATIC }, { "/metrics", WR_METRICS },
	};
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strlen(routes[i].p) == n &&
		    memcmp(routes[i].p, path, n) == 0)
			return routes[i].r;
	return WR_OTHER;
}

static enum MHD_Result
dispatch(struct web_ctx *w, struct MHD_Connection *conn, struct web_req *rq,
    const char *method)
{
	struct webpage_info pi = { w->title, NULL, NULL, now_s() };
	struct webbuf b = { 0 };
	int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

	if (rq->uri_long)
		return send_error(w, conn, rq, MHD_HTTP_URI_TOO_LONG, "invalid",
		    "Request too long", "the address of this request is too "
		    "long", NULL, 0);
	if (rq->route == WR_OTHER)
		return send_error(w, conn, rq, MHD_HTTP_NOT_FOUND, "not_found",
		    "Not found", "there is no such page here", NULL, 0);
	if (!get && !post)
		return send_error(w, conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method", "Method not allowed", "only GET and POST are "
		    "used here", NULL, 0);
	if (rq->route == WR_RETEST || rq->route == WR_API_RETEST) {
		if (!post)
			return send_error(w, conn, rq,
			    MHD_HTTP_METHOD_NOT_ALLOWED, "method",
			    "Method not allowed", "send the retest form with "
			    "POST", NULL, 0);
		return do_retest(w, conn, rq);
	}
	if (!get)
		return send_error(w, conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method", "Method not allowed", "this page is read with "
		    "GET", NULL, 0);
	switch (rq->route) {
	case WR_LOOKUP:
	case WR_API_LOOKUP:
		return do_lookup(w, conn, rq);
	case WR_STATIC:
		return send_body(conn, rq, MHD_HTTP_OK, "text/css; "
		    "charset=utf-8", (char *)WEBPAGE_CSS,
		    WEBPAGE_CSS_LEN, 0, NULL, 0);
	case WR_METRICS:
		return do_metrics(w, conn, rq);
	default:
		webpage_home(&b, &pi);
		return send_buf(conn, rq, MHD_HTTP_OK, "text/html; "
		    "charset=utf-8", &b, NULL, 0);
	}
}

/* ---- libmicrohttpd's callbacks ---- */

/* First sight of a request: its raw URI, before any parsing. */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct web_ctx *w = cls;
	const union MHD_ConnectionInfo *ci;
	struct web_req *rq;
	size_t n;

	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &rq->t0);
	n = strlen(uri);
	if (n > URI_MAX) {
		rq->uri_long = 1;
		n = 0;
	}
	memcpy(rq->uri, uri, n);
	rq->uri[n] = '\0';
	rq->route = route_of(rq->uri, strcspn(rq->uri, "?"));
	/* The peer for now; its X-Forwarded-For comes with the headers. */
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || webguard_client(ci->client_addr, NULL, &w->cfg->web,
	    &rq->client) != 0)
		rq->client.family = 0;
	if (rq->client.family)
		addr_format(rq->client.family, rq->client.addr, rq->ctxt);
	else
		snprintf(rq->ctxt, sizeof(rq->ctxt), "-");
	return rq;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	struct web_ctx *w = cls;
	struct web_req *rq = *state;
	const char *cl;

	if (rq == NULL)
		return MHD_NO;
	if (!rq->started) {
		rq->started = 1;
		snprintf(rq->method, sizeof(rq->method), "%s", method);
		/* X-Forwarded-For is known only now, with the headers. */
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		    conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci != NULL && webguard_client(ci->client_addr,
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "X-Forwarded-For"), &w->cfg->web, &rq->client) == 0)
			addr_format(rq->client.family, rq->client.addr,
			    rq->ctxt);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > sizeof(rq->body))
			return send_error(w, conn, rq,
			    MHD_HTTP_CONTENT_TOO_LARGE, "invalid",
			    "Request too large", "the request's body is larger "
			    "than this page accepts", NULL, 0);
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (rq->blen + *upload_size > sizeof(rq->body))
			rq->body_long = 1;
		else {
			memcpy(rq->body + rq->blen, upload, *upload_size);
			rq->blen += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->status != 0)		/* answered already */
		return MHD_YES;
	return dispatch(w, conn, rq, method);
}

static void
on_done(void *cls, struct MHD_Connection *conn, void **state,
    enum MHD_RequestTerminationCode how)
{
	struct web_ctx *w = cls;
	struct web_req *rq = *state;
	struct timespec t1;
	char path[201];
	long ms;
	size_t i;

	if (rq == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - rq->t0.tv_sec) * 1000 +
	    (t1.tv_nsec - rq->t0.tv_nsec) / 1000000;
	__atomic_fetch_add(&w->requests[rq->route][status_index(rq->status)],
	    1, __ATOMIC_RELAXED);
	/* The path without the query, its odd bytes shown as '?'. */
	for (i = 0; i < sizeof(path) - 1 && rq->uri[i] && rq->uri[i] != '?';
	    i++)
		path[i] = rq->uri[i] > ' ' && rq->uri[i] < 0x7f &&
		    rq->uri[i] != '"' ? rq->uri[i] : '?';
	path[i] = '\0';
	for (i = 0; rq->method[i]; i++)
		if (rq->method[i] <= ' ' || rq->method[i] >= 0x7f)
			rq->method[i] = '?';
	log_info("web: %s \"%s %s\" %u %zu %ldms%s", rq->ctxt,
	    rq->method[0] ? rq->method : "-", rq->uri_long ? "(too long)" :
	    path, rq->status, rq->bytes, ms,
	    how == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
	    " (not completed)");
	free(rq);
	*state = NULL;
}

/* ---- start and stop ---- */

int
web_bind(struct web_ctx *w, struct errbuf *eb)
{
	const struct cfg_web *cw = &w->cfg->web;
	const struct cfg_endpoint *ep;
	int on = 1, fd;
	size_t i;

	for (i = 0; i < WEB_LISTEN_MAX; i++)
		w->fd[i] = -1;
	if (cw->nlisten > WEB_LISTEN_MAX)
		return errbuf_set(eb, DNSBL_ERANGE, "web: more than %d listen "
		    "addresses", WEB_LISTEN_MAX);
	for (i = 0; i < cw->nlisten; i++) {
		ep = &cw->listen[i];
		if (strchr(ep->text, '@') == NULL)
			return errbuf_set(eb, DNSBL_EPARSE, "%s: web: listen: "
			    "'%s' needs a port (ADDRESS@PORT)", w->cfg->path,
			    ep->text);
		fd = socket(ep->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1)
			return errbuf_set(eb, DNSBL_EIO, "web %s: %s", ep->text,
			    strerror(errno));
		w->fd[w->nd++] = fd;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (ep->ss.ss_family == AF_INET6)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			    sizeof(on));
		if (bind(fd, (const struct sockaddr *)&ep->ss, ep->sslen) ==
		    -1 || listen(fd, 128) == -1)
			return errbuf_set(eb, DNSBL_EIO, "web %s: %s", ep->text,
			    strerror(errno));
	}
	return 0;
}

int
web_start(struct web_ctx *w, struct errbuf *eb)
{
	const struct cfg_web *cw = &w->cfg->web;
	unsigned i;

	w->started = now_s();
	w->title = w->cfg->zones[0].name.text;
	w->secure_cookie = strncmp(cw->public_url, "https:", 6) == 0;
	for (i = 0; i < w->nd; i++) {
		w->d[i] = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
		    MHD_USE_EPOLL, 0, NULL, NULL, on_request, w,
		    MHD_OPTION_LISTEN_SOCKET, w->fd[i],
		    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cw->threads,
		    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cw->max_connections,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cw->timeout,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
		    MHD_OPTION_URI_LOG_CALLBACK, on_uri, w,
		    MHD_OPTION_NOTIFY_COMPLETED, on_done, w,
		    MHD_OPTION_END);
		if (w->d[i] == NULL)
			return errbuf_set(eb, DNSBL_EIO, "web %s: libmicrohttpd "
			    "would not start", cw->listen[i].text);
		w->fd[i] = -1;		/* MHD's now */
	}
	return 0;
}

void
web_stop(struct web_ctx *w)
{
	unsigned i;

	for (i = 0; i < w->nd; i++) {
		if (w->d[i] != NULL)
			MHD_stop_daemon(w->d[i]);	/* closes the socket */
		else if (w->fd[i] >= 0)
			close(w->fd[i]);
		w->d[i] = NULL;
		w->fd[i] = -1;
	}
	w->nd = 0;
}

/*
 * metrics.c -- dnsbld's Prometheus endpoint (metrics.h).
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "config.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "stats.h"
#include "textbuf.h"

struct metrics {
	struct server *sv;
	int fd;				/* ours until MHD has it */
	char text[64];
	struct MHD_Daemon *d;
};

int
metrics_open(struct server *sv, const struct dnsbl_config *cfg,
    struct errbuf *eb)
{
	const struct cfg_endpoint *ep = &cfg->metrics;
	struct metrics *m;
	int on = 1;

	if (ep->sslen == 0)
		return 0;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return errbuf_set(eb, DNSBL_EIO, "out of memory");
	m->sv = sv;
	snprintf(m->text, sizeof(m->text), "%s", ep->text);
	sv->metrics = m;
	m->fd = socket(ep->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->fd == -1)
		return errbuf_set(eb, DNSBL_EIO, "metrics %s: %s", ep->text,
		    strerror(errno));
	(void)setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ep->ss.ss_family == AF_INET6)
		(void)setsockopt(m->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	if (bind(m->fd, (const struct sockaddr *)&ep->ss, ep->sslen) == -1 ||
	    listen(m->fd, 32) == -1)
		return errbuf_set(eb, DNSBL_EIO, "metrics %s: %s", ep->text,
		    strerror(errno));
	return 0;
}

/* ---- the page ---- */

static void
label(struct textbuf *tb, const char *s)
{
	tb_printf(tb, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			tb_printf(tb, "\\%c", *s);
		else if (*s == '\n')
			tb_printf(tb, "\\n");
		else
			tb_printf(tb, "%c", *s);
	}
	tb_printf(tb, "\"");
}

static void
head(struct textbuf *tb, const char *name, const char *type, const char *help)
{
	tb_printf(tb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One series per zone and counter in [from, to): NAME{zone,LAB="..."}. */
static void
series(struct textbuf *tb, const struct stats_view *v, const char *name,
    const char *lab, int from, int to, const char *const *vals)
{
	size_t i;
	int k;

	for (i = 0; i < v->n; i++)
		for (k = from; k < to; k++) {
			tb_printf(tb, "%s{zone=", name);
			label(tb, v->e[i].name);
			tb_printf(tb, ",%s", lab);
			tb_printf(tb, "=\"%s\"} %llu\n", vals != NULL ?
			    vals[k - from] : stats_ctr_name[k],
			    (unsigned long long)v->e[i].c[k]);
		}
}

void
metrics_page(const struct stats_view *v, struct textbuf *tb)
{
	static const char *const xres[] = { "ok", "refused", "failed" };
	static const char *const nres[] = { "sent", "failed" };
	size_t i;
	int k;

	head(tb, "dnsbl_queries_total", "counter", "DNS queries received, by "
	    "zone (\"-\": none) and transport.");
	series(tb, v, "dnsbl_queries_total", "transport", SC_UDP, SC_TCP + 1,
	    NULL);
	head(tb, "dnsbl_queries_by_qtype_total", "counter", "DNS queries "
	    "received, by zone and QTYPE (A, TXT, ANY, other).");
	series(tb, v, "dnsbl_queries_by_qtype_total", "qtype", SC_QT_FIRST,
	    SC_OUT_FIRST, NULL);
	head(tb, "dnsbl_answers_total", "counter", "Answers, by zone and "
	    "outcome (truncated: TC set; dropped: none sent).");
	series(tb, v, "dnsbl_answers_total", "outcome", SC_OUT_FIRST,
	    SC_XFR_FIRST, NULL);
	head(tb, "dnsbl_transfers_total", "counter", "Zone transfer "
	    "requests, by zone, kind (AXFR, IXFR) and result.");
	for (i = 0; i < v->n; i++)
		for (k = SC_AXFR_OK; k <= SC_IXFR_FAILED; k++) {
			tb_printf(tb, "dnsbl_transfers_total{zone=");
			label(tb, v->e[i].name);
			tb_printf(tb, ",kind=\"%s\",result=\"%s\"} %llu\n",
			    k < SC_IXFR_OK ? "AXFR" : "IXFR",
			    xres[(k - SC_AXFR_OK) % 3],
			    (unsigned long long)v->e[i].c[k]);
		}
	head(tb, "dnsbl_notify_total", "counter", "NOTIFY messages, by zone "
	    "and result (sent, failed: not sent or never answered).");
	series(tb, v, "dnsbl_notify_total", "result", SC_NOTIFY_SENT,
	    SC_NOTIFY_FAILED + 1, nres);
	head(tb, "dnsbl_zone_serial", "gauge", "Each served zone's SOA "
	    "serial.");
	for (i = 0; i < v->nz; i++)
		if (v->z[i].have_serial) {
			tb_printf(tb, "dnsbl_zone_serial{zone=");
			label(tb, v->z[i].name);
			tb_printf(tb, "} %lu\n", (unsigned long)v->z[i].serial);
		}
	head(tb, "dnsbl_uptime_seconds", "gauge", "Seconds since dnsbld "
	    "started.");
	tb_printf(tb, "dnsbl_uptime_seconds %lld\n",
	    (long long)(v->now - v->started));
	head(tb, "dnsbl_start_time_seconds", "gauge", "When dnsbld started, "
	    "in seconds since the epoch.");
	tb_printf(tb, "dnsbl_start_time_seconds %lld\n", (long long)v->started);
	head(tb, "dnsbl_workers", "gauge", "UDP worker threads.");
	tb_printf(tb, "dnsbl_workers %u\n", v->workers);
	head(tb, "dnsbl_store_bytes", "gauge", "Bytes of disk the served "
	    "store uses.");
	tb_printf(tb, "dnsbl_store_bytes %llu\n",
	    (unsigned long long)v->store_bytes);
	if (v->have_mi) {
		head(tb, "dnsbl_memory_index_current", "gauge", "1 when the "
		    "in-memory copy of the served tables is the store's newest "
		    "commit (else the workers answer from the store).");
		tb_printf(tb, "dnsbl_memory_index_current %d\n", v->mi_current);
		head(tb, "dnsbl_memory_index_builds_total", "counter",
		    "Copies of the served tables taken.");
		tb_printf(tb, "dnsbl_memory_index_builds_total %llu\n",
		    (unsigned long long)v->mi.builds);
		head(tb, "dnsbl_memory_index_bytes", "gauge", "Memory the "
		    "current copy holds.");
		tb_printf(tb, "dnsbl_memory_index_bytes %llu\n",
		    (unsigned long long)v->mi.bytes);
		head(tb, "dnsbl_memory_index_build_seconds", "gauge", "How "
		    "long the last copy took.");
		tb_printf(tb, "dnsbl_memory_index_build_seconds %.4f\n",
		    v->mi.last_ms / 1000);
	}
	if (v->have_udp) {
		head(tb, "dnsbl_udp_receive_drops_total", "counter",
		    "Queries the kernel dropped before a worker read them: the "
		    "UDP sockets' receive buffers were full (udp_receive_buffer; "
		    "32 bits a socket, so it wraps after 4G drops on one).");
		tb_printf(tb, "dnsbl_udp_receive_drops_total %llu\n",
		    (unsigned long long)v->udp_drops);
		head(tb, "dnsbl_udp_receive_queue_bytes", "gauge", "Bytes "
		    "(as the kernel counts them) waiting in the UDP sockets' "
		    "receive buffers.");
		tb_printf(tb, "dnsbl_udp_receive_queue_bytes %llu\n",
		    (unsigned long long)v->udp_queued);
		head(tb, "dnsbl_udp_receive_buffer_bytes", "gauge", "The "
		    "smallest UDP socket's receive buffer, in bytes as the "
		    "kernel counts them (twice udp_receive_buffer).");
		tb_printf(tb, "dnsbl_udp_receive_buffer_bytes %llu\n",
		    (unsigned long long)v->udp_rcvbuf);
	}
	head(tb, "dnsbl_reloads_total", "counter", "Reloads tried (SIGHUP, "
	    "the control socket, a config applied to the store).");
	tb_printf(tb, "dnsbl_reloads_total %llu\n",
	    (unsigned long long)v->nreloads);
	head(tb, "dnsbl_reload_failures_total", "counter", "Reloads that "
	    "failed (the running config was kept).");
	tb_printf(tb, "dnsbl_reload_failures_total %llu\n",
	    (unsigned long long)v->nreload_fail);
	head(tb, "dnsbl_last_reload_timestamp_seconds", "gauge", "When the "
	    "last reload was tried (0: never).");
	tb_printf(tb, "dnsbl_last_reload_timestamp_seconds %lld\n",
	    (long long)v->reload_at);
	head(tb, "dnsbl_last_reload_success", "gauge", "1 when the last "
	    "reload worked (or none was tried), else 0.");
	tb_printf(tb, "dnsbl_last_reload_success %d\n",
	    v->reload_at == 0 || v->reload_ok);
}

/* ---- HTTP ---- */

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *type,
    char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, mode);
	if (r == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
		    "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	static char not_found[] = "not found: try /metrics\n";
	static char not_allowed[] = "method not allowed\n";
	static char failed[] = "out of memory\n";
	static int first;
	struct metrics *m = cls;
	struct textbuf tb = { 0 };
	struct stats_view v;

	/* The first call is for the headers alone; a body is not read. */
	if (*state == NULL) {
		*state = &first;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0;	/* ignored */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
		    not_allowed, sizeof(not_allowed) - 1,
		    MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain",
		    not_found, sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	if (stats_read(&m->sv->stats, m->sv->nworkers, &v) != 0)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "text/plain", failed, sizeof(failed) - 1,
		    MHD_RESPMEM_PERSISTENT);
	server_udp_view(m->sv, &v);
	metrics_page(&v, &tb);
	stats_view_free(&v);
	if (tb.err) {
		tb_free(&tb);
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "text/plain", failed, sizeof(failed) - 1,
		    MHD_RESPMEM_PERSISTENT);
	}
	return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; "
	    "charset=utf-8", tb.s, tb.len, MHD_RESPMEM_MUST_FREE);
}

int
metrics_start(struct server *sv)
{
	struct metrics *m = sv->metrics;

	if (m == NULL || m->d != NULL)
		return 0;
	m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_POLL, 0, NULL, NULL, on_request, m,
	    MHD_OPTION_LISTEN_SOCKET, m->fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    MHD_OPTION_END);
	if (m->d == NULL) {
		log_warnx("metrics %s: libmicrohttpd would not start", m->text);
		return DNSBL_EIO;
	}
	m->fd = -1;			/* MHD's now */
	log_info("metrics: GET /metrics on %s", m->text);
	return 0;
}

void
metrics_close(struct server *sv)
{
	struct metrics *m = sv->metrics;

	if (m == NULL)
		return;
	if (m->d != NULL)
		MHD_stop_daemon(m->d);	/* closes the socket too */
	else if (m->fd >= 0)
		close(m->fd);
	free(m);
	sv->metrics = NULL;
}

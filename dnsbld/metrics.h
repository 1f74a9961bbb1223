/*
 * metrics.h -- dnsbld's Prometheus endpoint (`metrics: ADDRESS@PORT` in
 * the config): GET /metrics (or HEAD) answers the counters (stats.h) and
 * a few gauges in the Prometheus text exposition format, version 0.0.4;
 * any other path is 404, any other method 405.  docs/dnsbld.8 lists
 * every metric.
 *
 * HTTP is libmicrohttpd's, with its own thread: at most
 * METRICS_CONNECTIONS connections (METRICS_PER_IP from one address), each
 * closed after METRICS_TIMEOUT idle seconds, with a bounded memory pool,
 * so a hostile client costs little and cannot stop the DNS threads.
 *
 * Ownership: the server's (sv->metrics): metrics_open() binds the TCP
 * socket in server_bind() (before the privilege drop, so a port below
 * 1024 works); metrics_start() hands it to libmicrohttpd in
 * server_start() (once: it keeps running through reloads, after any
 * daemon(3) fork); metrics_close() stops it in server_close().
 */
#ifndef DNSBLD_METRICS_H
#define DNSBLD_METRICS_H

struct server;
struct dnsbl_config;
struct errbuf;
struct textbuf;
struct stats_view;

#define METRICS_CONNECTIONS	32
#define METRICS_PER_IP		8
#define METRICS_TIMEOUT		10

/* Bind the socket if cfg asks for one.  0 or DNSBL_EIO (eb says why). */
int metrics_open(struct server *sv, const struct dnsbl_config *cfg,
    struct errbuf *eb);
/* Start serving (if open and not running).  0 or DNSBL_EIO. */
int metrics_start(struct server *sv);
void metrics_close(struct server *sv);

/* The page for v (also for the unit tests). */
void metrics_page(const struct stats_view *v, struct textbuf *tb);

#endif

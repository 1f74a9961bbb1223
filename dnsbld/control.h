/*
 * control.h -- dnsbld's control socket: a Unix stream socket (`control:
 * PATH` in the config) that answers one command per connection, a line
 * of text, with one JSON object on one line:
 *
 *   status   uptime, workers, the config file, store size, the last
 *            reload (time and result), and each zone's serial
 *   stats    every counter (stats.h), per zone and in total
 *   reload   what SIGHUP does; answers when the reload is done (its
 *            result), or {"reload":"started"} after CONTROL_RELOAD_WAIT
 *            seconds
 *
 * Anything else gets {"error":"..."}.  A line longer than CONTROL_LINE
 * is answered with an error, one that does not come within
 * CONTROL_TIMEOUT seconds with nothing, and the connection is closed
 * after the answer (or when the answer could not be written in
 * CONTROL_TIMEOUT seconds).  The thread serves up to CONTROL_CLIENTS
 * clients at once with poll(2), each bounded in bytes and time; more
 * wait in the listen backlog.  Hostile clients cost little and never
 * reach the DNS threads.
 *
 * The socket is made by control_open() while dnsbld is still root (before
 * the privilege drop): mode 0660, owned by root and the group of the
 * configured user, so that user's group (and root) may connect.  A stale
 * socket at PATH (nobody answers on it) is replaced; a live one is an
 * error.  The file is removed by control_close().
 *
 * Ownership: the server's (sv->control): control_open() in server_bind(),
 * control_start() in server_start() (once: the thread keeps running
 * through reloads), control_close() in server_close().  Its thread reads
 * the counters and the serving state through stats_read() only.
 */
#ifndef DNSBLD_CONTROL_H
#define DNSBLD_CONTROL_H

struct server;
struct dnsbl_config;
struct errbuf;
struct textbuf;
struct stats_view;

#define CONTROL_LINE		256
#define CONTROL_TIMEOUT		5
#define CONTROL_CLIENTS		16
#define CONTROL_RELOAD_WAIT	30

/* Bind the socket if cfg asks for one.  0 or DNSBL_EIO (eb says why). */
int control_open(struct server *sv, const struct dnsbl_config *cfg,
    struct errbuf *eb);
/* Start its thread (if open and not running).  0 or DNSBL_EIO. */
int control_start(struct server *sv);
/* Stop the thread, close and remove the socket. */
void control_close(struct server *sv);

/* The JSON of `status` and `stats` for v (also for the unit tests). */
void control_status_json(const struct stats_view *v, struct textbuf *tb);
void control_stats_json(const struct stats_view *v, struct textbuf *tb);

#endif

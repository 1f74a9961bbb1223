/*
 * control.c -- dnsbld's control socket (control.h).
 */
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "err.h"
#include "log.h"
#include "privdrop.h"
#include "server.h"
#include "stats.h"
#include "textbuf.h"

struct control {
	struct server *sv;
	char *path;
	int lfd;
	int wake;			/* eventfd: readable means stop */
	pthread_t th;
	int running;
};

static int
fill_sun(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* 1 when something answers on the socket at path. */
static int
socket_alive(const struct sockaddr_un *sun)
{
	int fd, alive;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return alive;
}

int
control_open(struct server *sv, const struct dnsbl_config *cfg,
    struct errbuf *eb)
{
	const char *user = cfg->user != NULL ? cfg->user : "dnsbl";
	struct control *c;
	struct sockaddr_un sun;
	struct priv_user u;
	struct errbuf ueb = { "" };
	struct stat sb;

	if (cfg->control == NULL)
		return 0;
	if (fill_sun(&sun, cfg->control) != 0)
		return errbuf_set(eb, DNSBL_EIO, "control %s: path too long",
		    cfg->control);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(cfg->control)) == NULL) {
		free(c);
		return errbuf_set(eb, DNSBL_EIO, "out of memory");
	}
	c->sv = sv;
	c->lfd = c->wake = -1;
	sv->control = c;
	if (lstat(cfg->control, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode))
			return errbuf_set(eb, DNSBL_EIO, "control %s: exists "
			    "and is not a socket", cfg->control);
		if (socket_alive(&sun))
			return errbuf_set(eb, DNSBL_EIO, "control %s: in use "
			    "(another dnsbld?)", cfg->control);
		(void)unlink(cfg->control);
	}
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (c->lfd == -1 ||
	    bind(c->lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return errbuf_set(eb, DNSBL_EIO, "control %s: %s",
		    cfg->control, strerror(errno));
	if (chmod(cfg->control, 0660) == -1 || listen(c->lfd, 16) == -1)
		return errbuf_set(eb, DNSBL_EIO, "control %s: %s",
		    cfg->control, strerror(errno));
	/* Root makes it for the user's group, before the privilege drop. */
	if (geteuid() == 0 && strcmp(user, "root") != 0 &&
	    priv_lookup(user, &u, &ueb) == 0 &&
	    chown(cfg->control, 0, u.gid) == -1)
		return errbuf_set(eb, DNSBL_EIO, "control %s: chown: %s",
		    cfg->control, strerror(errno));
	if ((c->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1)
		return errbuf_set(eb, DNSBL_EIO, "eventfd: %s",
		    strerror(errno));
	return 0;
}

/* ---- the answers ---- */

static void
json_counts(struct textbuf *tb, const uint64_t *c)
{
	int i;

	tb_printf(tb, "\"queries\":{\"udp\":%llu,\"tcp\":%llu},\"qtypes\":{",
	    (unsigned long long)c[SC_UDP], (unsigned long long)c[SC_TCP]);
	for (i = SC_QT_FIRST; i < SC_OUT_FIRST; i++)
		tb_printf(tb, "%s\"%s\":%llu", i > SC_QT_FIRST ? "," : "",
		    stats_ctr_name[i], (unsigned long long)c[i]);
	tb_printf(tb, "},\"answers\":{");
	for (i = SC_OUT_FIRST; i < SC_XFR_FIRST; i++)
		tb_printf(tb, "%s\"%s\":%llu", i > SC_OUT_FIRST ? "," : "",
		    stats_ctr_name[i], (unsigned long long)c[i]);
	tb_printf(tb, "},\"transfers\":{\"axfr\":{\"ok\":%llu,\"refused\":"
	    "%llu,\"failed\":%llu},\"ixfr\":{\"ok\":%llu,\"refused\":%llu,"
	    "\"failed\":%llu}},\"notify\":{\"sent\":%llu,\"failed\":%llu}",
	    (unsigned long long)c[SC_AXFR_OK],
	    (unsigned long long)c[SC_AXFR_REFUSED],
	    (unsigned long long)c[SC_AXFR_FAILED],
	    (unsigned long long)c[SC_IXFR_OK],
	    (unsigned long long)c[SC_IXFR_REFUSED],
	    (unsigned long long)c[SC_IXFR_FAILED],
	    (unsigned long long)c[SC_NOTIFY_SENT],
	    (unsigned long long)c[SC_NOTIFY_FAILED]);
}

void
control_stats_json(const struct stats_view *v, struct textbuf *tb)
{
	uint64_t tot[SC_N];
	size_t i;
	int k;

	tb_printf(tb, "{\"uptime_seconds\":%lld,\"zones\":[",
	    (long long)(v->now - v->started));
	for (i = 0; i < v->n; i++) {
		tb_printf(tb, "%s{\"name\":", i ? "," : "");
		tb_json_str(tb, v->e[i].name);
		tb_printf(tb, ",");
		json_counts(tb, v->e[i].c);
		tb_printf(tb, "}");
	}
	for (k = 0; k < SC_N; k++)
		tot[k] = stats_view_total(v, (enum stats_ctr)k);
	tb_printf(tb, "],\"total\":{");
	json_counts(tb, tot);
	tb_printf(tb, "}}\n");
}

void
control_status_json(const struct stats_view *v, struct textbuf *tb)
{
	size_t i;

	tb_printf(tb, "{\"uptime_seconds\":%lld,\"started\":%lld,"
	    "\"workers\":%u,\"config\":", (long long)(v->now - v->started),
	    (long long)v->started, v->workers);
	if (v->config != NULL)
		tb_json_str(tb, v->config);
	else
		tb_printf(tb, "null");
	tb_printf(tb, ",\"store_bytes\":%llu,\"reloads\":%llu,"
	    "\"reload_failures\":%llu,\"last_reload\":",
	    (unsigned long long)v->store_bytes,
	    (unsigned long long)v->nreloads,
	    (unsigned long long)v->nreload_fail);
	if (v->reload_at == 0)
		tb_printf(tb, "null");
	else
		tb_printf(tb, "{\"time\":%lld,\"result\":\"%s\"}",
		    (long long)v->reload_at, v->reload_ok ? "ok" : "failed");
	if (v->have_mi)
		tb_printf(tb, ",\"memory_index\":{\"current\":%s,"
		    "\"builds\":%llu,\"failures\":%llu,\"entries\":%llu,"
		    "\"bytes\":%llu,\"last_build_ms\":%.1f}",
		    v->mi_current ? "true" : "false",
		    (unsigned long long)v->mi.builds,
		    (unsigned long long)v->mi.failures,
		    (unsigned long long)v->mi.entries,
		    (unsigned long long)v->mi.bytes, v->mi.last_ms);
	else
		tb_printf(tb, ",\"memory_index\":null");
	if (v->have_udp)
		tb_printf(tb, ",\"udp\":{\"receive_drops\":%llu,"
		    "\"receive_queue_bytes\":%llu,"
		    "\"receive_buffer_bytes\":%llu}",
		    (unsigned long long)v->udp_drops,
		    (unsigned long long)v->udp_queued,
		    (unsigned long long)v->udp_rcvbuf);
	tb_printf(tb, ",\"zones\":[");
	for (i = 0; i < v->nz; i++) {
		tb_printf(tb, "%s{\"name\":", i ? "," : "");
		tb_json_str(tb, v->z[i].name);
		if (v->z[i].have_serial)
			tb_printf(tb, ",\"serial\":%lu}",
			    (unsigned long)v->z[i].serial);
		else
			tb_printf(tb, ",\"serial\":null}");
	}
	tb_printf(tb, "]}\n");
}

/* ---- the thread ---- */

/* One client: its line coming in, then its answer going out. */
struct cclient {
	int fd;				/* -1: a free slot */
	char line[CONTROL_LINE];
	size_t len;
	struct textbuf out;
	size_t sent;
	int replying;
	int reloading;			/* waits for a reload's record */
	uint64_t reload_before;
	double deadline;
};

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
reply_error(struct textbuf *tb, const char *msg)
{
	tb_printf(tb, "{\"error\":");
	tb_json_str(tb, msg);
	tb_printf(tb, "}\n");
}

static void
client_close(struct cclient *k)
{
	if (k->fd >= 0)
		close(k->fd);
	tb_free(&k->out);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

/* Send what is owed; close when all is sent or the client is gone. */
static void
client_write(struct cclient *k)
{
	ssize_t w;

	while (k->sent < k->out.len) {
		w = send(k->fd, k->out.s + k->sent, k->out.len - k->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0)
			k->sent += (size_t)w;
		else if (w == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		else
			break;
	}
	client_close(k);
}

static void
client_reply(struct cclient *k)
{
	if (k->out.err) {
		tb_free(&k->out);
		reply_error(&k->out, "out of memory");
	}
	k->replying = 1;
	k->deadline = mono_s() + CONTROL_TIMEOUT;
	client_write(k);
}

/* SIGHUP to ourselves: main.c reloads and records it (stats.h). */
static void
start_reload(struct control *c, struct cclient *k)
{
	struct stats *s = &c->sv->stats;

	pthread_mutex_lock(&s->mu);
	k->reload_before = s->nreloads;
	pthread_mutex_unlock(&s->mu);
	if (kill(getpid(), SIGHUP) == -1) {
		reply_error(&k->out, strerror(errno));
		client_reply(k);
		return;
	}
	log_info("control: reload asked");
	k->reloading = 1;
	k->deadline = mono_s() + CONTROL_RELOAD_WAIT;
}

/* A reload waited for: answer once it is recorded, or at the deadline. */
static void
check_reload(struct control *c, struct cclient *k, double now)
{
	struct stats *s = &c->sv->stats;
	uint64_t n;
	int ok;

	pthread_mutex_lock(&s->mu);
	n = s->nreloads;
	ok = s->reload_ok;
	pthread_mutex_unlock(&s->mu);
	if (n != k->reload_before)
		tb_printf(&k->out, "{\"reload\":\"done\",\"result\":\"%s\"}\n",
		    ok ? "ok" : "failed");
	else if (now >= k->deadline)
		tb_printf(&k->out, "{\"reload\":\"started\"}\n");
	else
		return;
	k->reloading = 0;
	client_reply(k);
}

static void
run_command(struct control *c, struct cclient *k)
{
	struct stats_view v;
	char *p, *e;

	for (p = k->line; *p == ' ' || *p == '\t'; p++)
		;
	for (e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t' ||
	    e[-1] == '\r'); e--)
		;
	*e = '\0';
	if (strcmp(p, "reload") == 0) {
		start_reload(c, k);
		return;
	}
	if (strcmp(p, "status") != 0 && strcmp(p, "stats") != 0)
		reply_error(&k->out, "unknown command (want status, stats or "
		    "reload)");
	else if (stats_read(&c->sv->stats, c->sv->nworkers, &v) != 0)
		reply_error(&k->out, "out of memory");
	else {
		if (strcmp(p, "status") == 0) {
			server_udp_view(c->sv, &v);
			control_status_json(&v, &k->out);
		} else
			control_stats_json(&v, &k->out);
		stats_view_free(&v);
	}
	client_reply(k);
}

/* Read what came; run the command once a whole line is in. */
static void
client_read(struct control *c, struct cclient *k)
{
	char *nl;
	ssize_t r;

	r = recv(k->fd, k->line + k->len, CONTROL_LINE - 1 - k->len,
	    MSG_DONTWAIT);
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {			/* gone, or done without a newline */
		if (r == 0 && k->len > 0) {
			k->line[k->len] = '\0';
			run_command(c, k);
		} else
			client_close(k);
		return;
	}
	k->len += (size_t)r;
	k->line[k->len] = '\0';
	if ((nl = memchr(k->line, '\n', k->len)) != NULL) {
		*nl = '\0';
		run_command(c, k);
	} else if (k->len >= CONTROL_LINE - 1) {
		reply_error(&k->out, "line too long");
		client_reply(k);
	}
}

static void
do_accept(struct control *c, struct cclient *ks)
{
	int fd, i;

	if ((fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC |
	    SOCK_NONBLOCK)) == -1) {
		if (errno == EMFILE || errno == ENFILE)
			(void)poll(NULL, 0, 100);
		return;
	}
	for (i = 0; i < CONTROL_CLIENTS && ks[i].fd >= 0; i++)
		;
	if (i == CONTROL_CLIENTS) {	/* not polled for when full */
		close(fd);
		return;
	}
	ks[i].fd = fd;
	ks[i].deadline = mono_s() + CONTROL_TIMEOUT;
}

static void *
control_main(void *arg)
{
	struct control *c = arg;
	struct cclient ks[CONTROL_CLIENTS];
	struct pollfd pf[CONTROL_CLIENTS + 2];
	int who[CONTROL_CLIENTS + 2];
	int i, n, nfree, timeout;
	double now;

	for (i = 0; i < CONTROL_CLIENTS; i++) {
		memset(&ks[i], 0, sizeof(ks[i]));
		ks[i].fd = -1;
	}
	for (;;) {
		n = 0;
		nfree = 0;
		timeout = 1000;
		pf[n].fd = c->wake;
		pf[n].events = POLLIN;
		who[n++] = -1;
		for (i = 0; i < CONTROL_CLIENTS; i++) {
			if (ks[i].fd < 0) {
				nfree++;
				continue;
			}
			if (ks[i].reloading) {
				timeout = 100;
				continue;
			}
			pf[n].fd = ks[i].fd;
			pf[n].events = ks[i].replying ? POLLOUT : POLLIN;
			who[n++] = i;
		}
		if (nfree > 0) {
			pf[n].fd = c->lfd;
			pf[n].events = POLLIN;
			who[n++] = -2;
		}
		if (poll(pf, (nfds_t)n, timeout) == -1) {
			if (errno != EINTR)
				log_warn("control: poll");
			continue;
		}
		if (pf[0].revents & POLLIN)
			break;
		for (i = 1; i < n; i++) {
			if (pf[i].revents == 0)
				continue;
			if (who[i] == -2)
				do_accept(c, ks);
			else if (ks[who[i]].replying)
				client_write(&ks[who[i]]);
			else
				client_read(c, &ks[who[i]]);
		}
		now = mono_s();
		for (i = 0; i < CONTROL_CLIENTS; i++) {
			if (ks[i].fd < 0)
				continue;
			if (ks[i].reloading)
				check_reload(c, &ks[i], now);
			else if (now >= ks[i].deadline)
				client_close(&ks[i]);
		}
	}
	for (i = 0; i < CONTROL_CLIENTS; i++)
		client_close(&ks[i]);
	return NULL;
}

int
control_start(struct server *sv)
{
	struct control *c = sv->control;
	int rc;

	if (c == NULL || c->running)
		return 0;
	if ((rc = pthread_create(&c->th, NULL, control_main, c)) != 0) {
		errno = rc;
		log_warn("control: pthread_create");
		return DNSBL_EIO;
	}
	c->running = 1;
	(void)pthread_setname_np(c->th, "dnsbld-control");
	log_info("control socket %s", c->path);
	return 0;
}

void
control_close(struct server *sv)
{
	struct control *c = sv->control;
	uint64_t one = 1;

	if (c == NULL)
		return;
	if (c->running) {
		if (write(c->wake, &one, sizeof(one)) == -1)
			log_warn("control: eventfd write");
		pthread_join(c->th, NULL);
	}
	if (c->lfd >= 0) {
		close(c->lfd);
		(void)unlink(c->path);
	}
	if (c->wake >= 0)
		close(c->wake);
	free(c->path);
	free(c);
	sv->control = NULL;
}

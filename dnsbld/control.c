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

/* Write all of p, or give up after CONTROL_TIMEOUT. */
static void
send_all(int fd, const char *p, size_t n)
{
	struct pollfd pf = { .fd = fd, .events = POLLOUT };
	time_t end = time(NULL) + CONTROL_TIMEOUT;
	ssize_t w;

	while (n > 0 && time(NULL) <= end) {
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w == -1 && (errno == EAGAIN || errno == EINTR))
			(void)poll(&pf, 1, 200);
		else
			return;
	}
}

/*
 * Read one line into line (CONTROL_LINE bytes with its NUL).  1: a line;
 * 0: too long; -1: nothing in time, or the client left.
 */
static int
read_line(struct control *c, int fd, char *line)
{
	struct pollfd pf[2] = { { .fd = fd, .events = POLLIN },
	    { .fd = c->wake, .events = POLLIN } };
	time_t end = time(NULL) + CONTROL_TIMEOUT;
	size_t len = 0;
	ssize_t r;
	char *nl;

	for (;;) {
		if (time(NULL) > end || poll(pf, 2, 500) == -1 ||
		    (pf[1].revents & POLLIN))
			return -1;
		if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = recv(fd, line + len, CONTROL_LINE - 1 - len, MSG_DONTWAIT);
		if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR))
			return len > 0 ? (line[len] = '\0', 1) : -1;
		if (r < 0)
			continue;
		len += (size_t)r;
		line[len] = '\0';
		if ((nl = memchr(line, '\n', len)) != NULL) {
			*nl = '\0';
			return 1;
		}
		if (len >= CONTROL_LINE - 1)
			return 0;
	}
}

static void
reply_error(struct textbuf *tb, const char *msg)
{
	tb_printf(tb, "{\"error\":");
	tb_json_str(tb, msg);
	tb_printf(tb, "}\n");
}

/* SIGHUP to ourselves (main.c reloads), then wait for its record. */
static void
do_reload(struct control *c, struct textbuf *tb)
{
	struct stats *s = &c->sv->stats;
	struct pollfd pf = { .fd = c->wake, .events = POLLIN };
	uint64_t before, now;
	int ok = 0, i;

	pthread_mutex_lock(&s->mu);
	before = s->nreloads;
	pthread_mutex_unlock(&s->mu);
	if (kill(getpid(), SIGHUP) == -1) {
		reply_error(tb, strerror(errno));
		return;
	}
	log_info("control: reload asked");
	for (i = 0; i < CONTROL_RELOAD_WAIT * 10; i++) {
		if (poll(&pf, 1, 100) > 0)
			break;
		pthread_mutex_lock(&s->mu);
		now = s->nreloads;
		ok = s->reload_ok;
		pthread_mutex_unlock(&s->mu);
		if (now != before) {
			tb_printf(tb, "{\"reload\":\"done\",\"result\":\"%s\"}\n",
			    ok ? "ok" : "failed");
			return;
		}
	}
	tb_printf(tb, "{\"reload\":\"started\"}\n");
}

static void
serve_one(struct control *c, int fd)
{
	struct textbuf tb = { 0 };
	struct stats_view v;
	char line[CONTROL_LINE], *p, *e;
	int rc;

	if ((rc = read_line(c, fd, line)) < 0)
		return;
	if (rc == 0)
		reply_error(&tb, "line too long");
	else {
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (e = p + strlen(p); e > p && (e[-1] == ' ' ||
		    e[-1] == '\t' || e[-1] == '\r'); e--)
			;
		*e = '\0';
		if (strcmp(p, "reload") == 0)
			do_reload(c, &tb);
		else if (strcmp(p, "status") != 0 && strcmp(p, "stats") != 0)
			reply_error(&tb, "unknown command (want status, "
			    "stats or reload)");
		else if (stats_read(&c->sv->stats, c->sv->nworkers, &v) != 0)
			reply_error(&tb, "out of memory");
		else {
			if (strcmp(p, "status") == 0)
				control_status_json(&v, &tb);
			else
				control_stats_json(&v, &tb);
			stats_view_free(&v);
		}
	}
	if (tb.err) {
		tb_free(&tb);
		reply_error(&tb, "out of memory");
	}
	if (!tb.err)
		send_all(fd, tb.s, tb.len);
	tb_free(&tb);
}

static void *
control_main(void *arg)
{
	struct control *c = arg;
	struct pollfd pf[2] = { { .fd = c->lfd, .events = POLLIN },
	    { .fd = c->wake, .events = POLLIN } };
	int fd;

	for (;;) {
		if (poll(pf, 2, -1) == -1) {
			if (errno != EINTR)
				log_warn("control: poll");
			continue;
		}
		if (pf[1].revents & POLLIN)
			break;
		if (!(pf[0].revents & POLLIN))
			continue;
		fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE)
				(void)poll(NULL, 0, 100);
			continue;
		}
		serve_one(c, fd);
		close(fd);
	}
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

/*
 * smtp.c -- the relay tester's SMTP client: non-blocking sockets, poll()
 * with a deadline per connect, per command and per reply, and a
 * transcript of every line each way (smtp.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "smtp.h"

int
transcript_add(struct transcript *ts, const char *pfx, const char *text)
{
	size_t n = strcspn(text, "\r\n"), need = strlen(pfx) + 2 + n + 2;
	char *nb;

	if (ts->cut)
		return 0;
	if (ts->len + need + 32 > TRANSCRIPT_MAX) {
		static const char more[] = "...: transcript cut\n";
		if (ts->len + sizeof(more) <= ts->cap ||
		    (nb = realloc(ts->buf, ts->len + sizeof(more))) != NULL) {
			if (ts->len + sizeof(more) > ts->cap) {
				ts->buf = nb;
				ts->cap = ts->len + sizeof(more);
			}
			memcpy(ts->buf + ts->len, more, sizeof(more));
			ts->len += sizeof(more) - 1;
		}
		ts->cut = 1;
		return 0;
	}
	if (ts->len + need + 1 > ts->cap) {
		size_t cap = ts->cap ? ts->cap : 1024;
		while (cap < ts->len + need + 1)
			cap *= 2;
		if ((nb = realloc(ts->buf, cap)) == NULL)
			return DNSBL_ENOMEM;
		ts->buf = nb;
		ts->cap = cap;
	}
	ts->len += (size_t)snprintf(ts->buf + ts->len, ts->cap - ts->len,
	    "%s: %.*s\n", pfx, (int)n, text);
	return 0;
}

void
transcript_free(struct transcript *ts)
{
	free(ts->buf);
	memset(ts, 0, sizeof(*ts));
}

static int64_t
now_ms(void)
{
	struct timespec tv;

	clock_gettime(CLOCK_MONOTONIC, &tv);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_nsec / 1000000;
}

/* Fail with cause err, noting it in the transcript. */
static int
fail(struct smtp_conn *c, int err, const char *what)
{
	char msg[160];

	c->syserr = err;
	snprintf(msg, sizeof(msg), "%s: %s", what,
	    err == EPIPE ? "connection closed by the server" :
	    err == ETIMEDOUT ? "timed out" : strerror(err));
	transcript_add(c->ts, "*", msg);
	return DNSBL_EIO;
}

/* Wait until fd is ready for ev or deadline passes: 0 or an errno. */
static int
wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int64_t left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return ETIMEDOUT;
		n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return errno;
	}
}

int
smtp_connect(struct smtp_conn *c, const struct sockaddr *sa,
    socklen_t salen, int timeout_ms, struct transcript *ts)
{
	int64_t deadline = now_ms() + timeout_ms;
	socklen_t elen = sizeof(int);
	int err = 0;

	memset(c, 0, sizeof(*c));
	c->ts = ts;
	c->timeout_ms = timeout_ms;
	c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail(c, errno, "socket");
	if (connect(c->fd, sa, salen) != 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto bad;
		}
		if ((err = wait_fd(c->fd, POLLOUT, deadline)) != 0)
			goto bad;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
			err = errno;
		if (err)
			goto bad;
	}
	return 0;
bad:
	close(c->fd);
	c->fd = -1;
	return fail(c, err, "connect");
}

void
smtp_close(struct smtp_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int
send_all(struct smtp_conn *c, const char *p, size_t n)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	ssize_t w;
	int err;

	if (c->fd < 0)
		return fail(c, EPIPE, "send");
	while (n > 0) {
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(c, errno, "send");
		if ((err = wait_fd(c->fd, POLLOUT, deadline)) != 0)
			return fail(c, err, "send");
	}
	return 0;
}

static int vcmd(struct smtp_conn *c, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int
vcmd(struct smtp_conn *c, const char *fmt, va_list ap)
{
	char line[SMTP_LINE_MAX + 3];
	int n;

	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return DNSBL_ESPACE;
	transcript_add(c->ts, "C", line);
	memcpy(line + n, "\r\n", 2);
	return send_all(c, line, (size_t)n + 2);
}

int
smtp_cmd(struct smtp_conn *c, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vcmd(c, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * The next line into line (without CRLF; a longer line is cut, the rest
 * dropped).  The deadline is the reply's.
 */
static int
read_line(struct smtp_conn *c, char *line, size_t max, int64_t deadline)
{
	size_t have = 0;
	int skipping = 0, err;
	ssize_t r;
	char *nl;

	for (;;) {
		nl = memchr(c->rbuf, '\n', c->rlen);
		if (nl != NULL || c->rlen == sizeof(c->rbuf)) {
			size_t take = nl ? (size_t)(nl - c->rbuf) : c->rlen;
			size_t used = nl ? take + 1 : take;
			if (!skipping) {
				size_t k = take < max - 1 - have ? take :
				    max - 1 - have;
				memcpy(line + have, c->rbuf, k);
				have += k;
			}
			memmove(c->rbuf, c->rbuf + used, c->rlen - used);
			c->rlen -= used;
			if (nl) {
				if (have > 0 && line[have - 1] == '\r')
					have--;
				line[have] = '\0';
				return 0;
			}
			if (have >= max - 1)
				skipping = 1;
			continue;
		}
		if (c->fd < 0)
			return fail(c, EPIPE, "reply");
		r = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen,
		    0);
		if (r > 0) {
			c->rlen += (size_t)r;
			continue;
		}
		if (r == 0)
			return fail(c, EPIPE, "reply");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(c, errno, "reply");
		if ((err = wait_fd(c->fd, POLLIN, deadline)) != 0)
			return fail(c, err, "reply");
	}
}

static int
is_code(const char *s)
{
	return s[0] >= '1' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9' &&
	    s[2] >= '0' && s[2] <= '9' &&
	    (s[3] == ' ' || s[3] == '-' || s[3] == '\0');
}

int
smtp_reply(struct smtp_conn *c, int *code, char *text, size_t textlen)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	char line[SMTP_LINE_MAX + 1];
	int i, rc;

	*code = 0;
	if (textlen)
		text[0] = '\0';
	for (i = 0; i < SMTP_REPLY_LINES_MAX; i++) {
		if ((rc = read_line(c, line, sizeof(line), deadline)) != 0)
			return rc;
		transcript_add(c->ts, "S", line);
		if (!is_code(line)) {
			transcript_add(c->ts, "*", "not an SMTP reply");
			return DNSBL_EPARSE;
		}
		if (i == 0) {
			*code = atoi(line);
			if (textlen)
				snprintf(text, textlen, "%s",
				    line[3] ? line + 4 : "");
		} else if (atoi(line) != *code) {
			transcript_add(c->ts, "*", "reply code changed "
			    "within a reply");
			return DNSBL_EPARSE;
		}
		if (line[3] != '-')
			return 0;
	}
	transcript_add(c->ts, "*", "reply too long");
	return DNSBL_EPARSE;
}

int
smtp_exchange(struct smtp_conn *c, int *code, char *text, size_t textlen,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	*code = 0;
	va_start(ap, fmt);
	rc = vcmd(c, fmt, ap);
	va_end(ap);
	if (rc)
		return rc;
	return smtp_reply(c, code, text, textlen);
}

int
smtp_data(struct smtp_conn *c, const char *body)
{
	char line[SMTP_LINE_MAX + 3];
	const char *p = body, *e;
	size_t n;
	int rc;

	while (*p) {
		e = strchr(p, '\n');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n > SMTP_LINE_MAX - 3)
			n = SMTP_LINE_MAX - 3;
		transcript_add(c->ts, "C", n ? p : " ");
		line[0] = '.';
		memcpy(line + 1, p, n);
		memcpy(line + 1 + n, "\r\n", 2);
		/* Dot-stuffing (RFC 5321 4.5.2). */
		if ((rc = send_all(c, p[0] == '.' ? line : line + 1,
		    n + 2 + (p[0] == '.'))) != 0)
			return rc;
		p = e ? e + 1 : p + n;
	}
	transcript_add(c->ts, "C", ".");
	return send_all(c, ".\r\n", 3);
}

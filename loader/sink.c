/*
 * sink.c -- the drop box's SMTP receiver (sink.h).
 *
 * Each session is a small state machine fed line by line: commands
 * (EHLO, HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) until DATA, then the
 * message until ".".  Replies are short and sent at once; a client that
 * does not read them loses its session.  Message lines are scanned for
 * tokens and otherwise dropped, so memory stays bounded whatever arrives.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "outfile.h"
#include "say.h"
#include "sink.h"
#include "tester.h"
#include "timefmt.h"

#define LINE_MAX_ 1024
#define RCPT_MAX 100
#define TOKENS_MAX 32

enum { S_CMD, S_DATA };

struct session {
	int fd;
	int state;
	int64_t deadline;
	int overflow;		/* the current line was too long */
	size_t len;		/* bytes in line */
	char line[LINE_MAX_ + 1];
	char peer[INET6_ADDRSTRLEN + 8];
	char helo[128];
	char from[256];
	char rcpt[512];		/* the first recipients, for the record */
	int nrcpt;
	size_t msgbytes;
	int ntok;
	char tok[TOKENS_MAX][TESTER_TOKEN_LEN + 8];
};

static int64_t
now_ms(void)
{
	struct timespec tv;

	clock_gettime(CLOCK_MONOTONIC, &tv);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_nsec / 1000000;
}

/* Send a reply; -1 if the client cannot take it now (session dropped). */
static int
reply(struct session *s, const char *text)
{
	char buf[600];
	int n = snprintf(buf, sizeof(buf), "%s\r\n", text);

	if (send(s->fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) != n)
		return -1;
	return 0;
}

static void
reset_txn(struct session *s)
{
	s->from[0] = s->rcpt[0] = '\0';
	s->nrcpt = 0;
	s->msgbytes = 0;
	s->ntok = 0;
}

/* Copy the argument after "MAIL FROM:" or "RCPT TO:" (bounded). */
static void
take_arg(const char *p, char *dst, size_t n)
{
	while (*p == ' ')
		p++;
	snprintf(dst, n, "%.*s", (int)strcspn(p, " "), p);
}

/* Note the tokens in one message line. */
static void
scan_tokens(struct session *s, const char *line, size_t len)
{
	const char *p = line, *end = line + len, *q;
	size_t n;
	int i, dup;

	while ((q = memmem(p, (size_t)(end - p), "dnsbl-", 6)) != NULL) {
		for (n = 0; q + n < end && ((q[n] >= 'a' && q[n] <= 'z') ||
		    (q[n] >= '0' && q[n] <= '9') || q[n] == '-'); n++)
			;
		if (tester_token_valid(q, n) && s->ntok < TOKENS_MAX) {
			for (dup = 0, i = 0; i < s->ntok; i++)
				dup |= strncmp(s->tok[i], q, n) == 0 &&
				    s->tok[i][n] == '\0';
			if (!dup) {
				memcpy(s->tok[s->ntok], q, n);
				s->tok[s->ntok++][n] = '\0';
			}
		}
		p = q + (n ? n : 6);
	}
}

/* Record the message's tokens: 0, or -1 if the spool failed. */
static int
record_tokens(const struct sink_opts *o, struct session *s)
{
	char path[4096], when[TIME_STRLEN];
	struct outfile of;
	struct errbuf eb;
	int i, rc = 0;

	time_format((int64_t)time(NULL), when);
	for (i = 0; i < s->ntok; i++) {
		snprintf(path, sizeof(path), "%s/%s", o->spool, s->tok[i]);
		/* A temporary file of mkstemp(3), then rename(2): a name
		 * planted in the spool cannot redirect the write. */
		if (outfile_open(&of, path, &eb) != 0) {
			if (o->log)
				say(o->log, "sink: %s\n", eb.msg);
			rc = -1;
			continue;
		}
		say(of.f, "token: %s\n", s->tok[i]);
		say(of.f, "time: %s\n", when);
		say(of.f, "peer: %s\n", s->peer);
		say(of.f, "helo: %s\n", s->helo);
		say(of.f, "from: %s\n", s->from);
		say(of.f, "rcpt: %s\n", s->rcpt);
		if (outfile_commit(&of, &eb) != 0) {
			if (o->log)
				say(o->log, "sink: %s\n", eb.msg);
			rc = -1;
			continue;
		}
		if (o->log) {
			say(o->log, "sink: token %s from %s (helo %s, "
			    "from %s)\n", s->tok[i], s->peer, s->helo,
			    s->from);
			fflush(o->log);
		}
	}
	return rc;
}

/* One line from the client; -1 ends the session. */
static int
on_line(const struct sink_opts *o, struct session *s, char *l, size_t len)
{
	char msg[300];

	if (s->state == S_DATA) {
		if (len == 1 && l[0] == '.') {
			s->state = S_CMD;
			if (s->msgbytes > o->max_msg) {
				reset_txn(s);
				return reply(s, "552 5.3.4 message too big");
			}
			if (record_tokens(o, s) != 0) {
				reset_txn(s);
				return reply(s, "451 4.3.0 spool failed");
			}
			snprintf(msg, sizeof(msg), "250 2.0.0 Ok: %d token%s",
			    s->ntok, s->ntok == 1 ? "" : "s");
			reset_txn(s);
			return reply(s, msg);
		}
		s->msgbytes += len + 2;
		if (s->msgbytes <= o->max_msg)
			scan_tokens(s, l, len);
		return 0;
	}
	if (s->overflow)
		return reply(s, "500 5.5.2 line too long");
	if (strncasecmp(l, "EHLO ", 5) == 0 || strncasecmp(l, "HELO ", 5) ==
	    0) {
		snprintf(s->helo, sizeof(s->helo), "%s", l + 5);
		reset_txn(s);
		if (toupper((unsigned char)l[0]) == 'H')
			snprintf(msg, sizeof(msg), "250 %s", o->name);
		else
			snprintf(msg, sizeof(msg), "250-%s\r\n250-8BITMIME\r\n"
			    "250 SIZE %zu", o->name, o->max_msg);
		return reply(s, msg);
	}
	if (strncasecmp(l, "MAIL FROM:", 10) == 0) {
		if (s->helo[0] == '\0')
			return reply(s, "503 5.5.1 send HELO first");
		reset_txn(s);
		take_arg(l + 10, s->from, sizeof(s->from));
		return reply(s, "250 2.1.0 Ok");
	}
	if (strncasecmp(l, "RCPT TO:", 8) == 0) {
		size_t have = strlen(s->rcpt);
		if (s->from[0] == '\0')
			return reply(s, "503 5.5.1 need MAIL first");
		if (s->nrcpt >= RCPT_MAX)
			return reply(s, "452 4.5.3 too many recipients");
		if (have < sizeof(s->rcpt) - 2)
			take_arg(l + 8, s->rcpt + have + (have ? 1 : 0),
			    sizeof(s->rcpt) - have - 1);
		if (have && have < sizeof(s->rcpt) - 2)
			s->rcpt[have] = ' ';
		s->nrcpt++;
		return reply(s, "250 2.1.5 Ok");
	}
	if (strcasecmp(l, "DATA") == 0) {
		if (s->nrcpt == 0)
			return reply(s, "503 5.5.1 need RCPT first");
		s->state = S_DATA;
		return reply(s, "354 end with <CRLF>.<CRLF>");
	}
	if (strcasecmp(l, "RSET") == 0) {
		reset_txn(s);
		return reply(s, "250 2.0.0 Ok");
	}
	if (strncasecmp(l, "NOOP", 4) == 0)
		return reply(s, "250 2.0.0 Ok");
	if (strcasecmp(l, "QUIT") == 0) {
		reply(s, "221 2.0.0 Bye");
		return -1;
	}
	return reply(s, "502 5.5.2 command not implemented");
}

/* A piece of a message line too long to keep whole. */
static void
data_piece(const struct sink_opts *o, struct session *s)
{
	s->msgbytes += s->len;
	if (s->msgbytes <= o->max_msg)
		scan_tokens(s, s->line, s->len);
}

/* Read what the client sent; -1 ends the session. */
static int
on_read(const struct sink_opts *o, struct session *s)
{
	char buf[4096], *p, *e;
	ssize_t n;
	size_t k;

	n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0)
		return -1;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	s->deadline = now_ms() + o->timeout_ms;
	for (p = buf; p < buf + n; p = e + 1) {
		e = memchr(p, '\n', (size_t)(buf + n - p));
		k = (size_t)((e ? e : buf + n) - p);
		while (k > 0) {
			size_t c = LINE_MAX_ - s->len < k ? LINE_MAX_ - s->len :
			    k;
			memcpy(s->line + s->len, p, c);
			s->len += c;
			p += c;
			k -= c;
			if (s->len == LINE_MAX_) {
				/* Too long: a message line is scanned in
				 * pieces, a command line refused. */
				if (s->state == S_DATA)
					data_piece(o, s);
				s->overflow = 1;
				s->len = 0;
			}
		}
		if (e == NULL)
			break;
		if (s->len > 0 && s->line[s->len - 1] == '\r')
			s->len--;
		s->line[s->len] = '\0';
		if (s->overflow && s->state == S_DATA)
			data_piece(o, s);	/* the tail of a long line */
		else if (on_line(o, s, s->line, s->len) != 0)
			return -1;
		s->len = 0;
		s->overflow = 0;
	}
	return 0;
}

static int
listen_on(const struct sink_opts *o, struct errbuf *eb)
{
	int fd, one = 1;

	fd = socket(o->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errbuf_set(eb, DNSBL_EIO, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&o->ss, o->sslen) != 0 ||
	    listen(fd, 64) != 0) {
		errbuf_set(eb, DNSBL_EIO, "bind: %s", strerror(errno));
		close(fd);
		return DNSBL_EIO;
	}
	return fd;
}

static void
peer_name(int fd, char *buf, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *a;

	buf[0] = '\0';
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	a = ss.ss_family == AF_INET ?
	    (const void *)&((struct sockaddr_in *)&ss)->sin_addr :
	    (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
	inet_ntop(ss.ss_family, a, buf, (socklen_t)n);
}

static void
end_session(struct session *s)
{
	close(s->fd);
	s->fd = -1;
}

int
sink_serve(const struct sink_opts *o, int stopfd, struct errbuf *eb)
{
	struct session *ss = NULL;
	struct pollfd *pf = NULL;
	char banner[300];
	int lfd, i, n, fd, rc = 0, k;
	int64_t now, next;

	if (mkdir(o->spool, 0755) != 0 && errno != EEXIST)
		return errbuf_set(eb, DNSBL_EIO, "%s: %s", o->spool,
		    strerror(errno));
	if ((lfd = listen_on(o, eb)) < 0)
		return lfd;
	ss = calloc((size_t)o->max_conn, sizeof(*ss));
	pf = calloc((size_t)o->max_conn + 2, sizeof(*pf));
	if (ss == NULL || pf == NULL) {
		rc = errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < o->max_conn; i++)
		ss[i].fd = -1;
	snprintf(banner, sizeof(banner), "220 %s ESMTP dnsbl sink", o->name);
	for (;;) {
		pf[0].fd = stopfd;
		pf[0].events = POLLIN;
		pf[1].fd = lfd;
		pf[1].events = POLLIN;
		now = now_ms();
		next = now + 60000;
		for (i = 0; i < o->max_conn; i++) {
			pf[i + 2].fd = ss[i].fd;
			pf[i + 2].events = POLLIN;
			pf[i + 2].revents = 0;
			if (ss[i].fd >= 0 && ss[i].deadline < next)
				next = ss[i].deadline;
		}
		n = poll(pf, (nfds_t)o->max_conn + 2,
		    (int)(next > now ? next - now : 0));
		if (n < 0 && errno != EINTR) {
			rc = errbuf_set(eb, DNSBL_EIO, "poll: %s",
			    strerror(errno));
			goto out;
		}
		if (n > 0 && (pf[0].revents & POLLIN))
			break;
		if (n > 0 && (pf[1].revents & POLLIN)) {
			while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
			    SOCK_CLOEXEC)) >= 0) {
				for (k = 0; k < o->max_conn && ss[k].fd >= 0;
				    k++)
					;
				if (k == o->max_conn) {
					struct session tmp = { .fd = fd };
					reply(&tmp, "421 4.3.2 too busy");
					close(fd);
					continue;
				}
				memset(&ss[k], 0, sizeof(ss[k]));
				ss[k].fd = fd;
				ss[k].deadline = now_ms() + o->timeout_ms;
				peer_name(fd, ss[k].peer, sizeof(ss[k].peer));
				if (reply(&ss[k], banner) != 0)
					end_session(&ss[k]);
			}
		}
		now = now_ms();
		for (i = 0; i < o->max_conn; i++) {
			struct session *s = &ss[i];
			if (s->fd < 0)
				continue;
			if (pf[i + 2].fd == s->fd && (pf[i + 2].revents &
			    (POLLIN | POLLHUP | POLLERR)) &&
			    on_read(o, s) != 0) {
				end_session(s);
				continue;
			}
			if (s->fd >= 0 && now >= s->deadline) {
				reply(s, "421 4.4.2 timeout");
				end_session(s);
			}
		}
	}
out:
	for (i = 0; ss && i < o->max_conn; i++)
		if (ss[i].fd >= 0)
			close(ss[i].fd);
	free(ss);
	free(pf);
	close(lfd);
	return rc;
}

/*
 * sink.c -- the drop box's SMTP receiver (sink.h).
 *
 * Each session is a small state machine fed line by line: commands
 * (EHLO, HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) until DATA, then the
 * message until CRLF "." CRLF.  Replies are short and sent at once; a
 * client that does not read them loses its session.  Message lines are
 * scanned for tokens and otherwise dropped, so memory stays bounded
 * whatever arrives.
 *
 * What a peer sends is checked as it comes.  A command line with a NUL,
 * another control byte, a byte over 0x7e (no SMTPUTF8 here), a bare LF
 * for its end, or over LINE_MAX_ bytes is refused with 500, and after
 * ERRORS_MAX refused commands the session ends (421).  In a message a bare
 * LF is data, not a line end, so only CRLF "." CRLF ends it; a message
 * with a NUL, a bare LF or a line over 998 bytes (RFC 5322) is refused
 * whole at its end (554), and a client that goes on far past the size
 * limit loses its session.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "outfile.h"
#include "say.h"
#include "sink.h"
#include "spool.h"
#include "tester.h"
#include "timefmt.h"

#define LINE_MAX_ 1024		/* a command line, or a piece of a long one */
#define TEXT_LINE_MAX 998	/* a message line, CRLF not counted */
#define PATH_MAX_ 256		/* a mailbox in MAIL or RCPT (RFC 5321) */
#define RCPT_MAX 100
#define TOKENS_MAX 32
#define ERRORS_MAX 10

enum { S_CMD, S_DATA };

/* What makes a message refused at its end. */
#define BAD_NUL		0x1
#define BAD_LF		0x2
#define BAD_LONG	0x4

struct session {
	int fd;
	int state;
	int64_t deadline;
	int overflow;		/* pieces of LINE_MAX_ cut off the current
				 * line: it is too long */
	int errors;		/* commands refused */
	int prev_crlf;		/* DATA: the last line ended in CRLF */
	unsigned bad;		/* DATA: BAD_* seen in the message */
	size_t len;		/* bytes in line */
	char line[LINE_MAX_ + 1];
	char peer[INET6_ADDRSTRLEN + 8];
	char helo[PATH_MAX_];
	char from[PATH_MAX_ + 2];
	char rcpt[512];		/* the first recipients, for the record */
	int nrcpt;
	size_t msgbytes;
	int ntok;
	char tok[TOKENS_MAX][TESTER_TOKEN_LEN + 8];
};

/* The sink's state for one run of sink_serve(). */
struct sink {
	const struct sink_opts *o;
	struct spool sp;
	int full_said;		/* "spool full" was logged */
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

/* A refused command: its reply, or the end of the session after too many. */
static int
refuse(struct session *s, const char *text)
{
	if (++s->errors >= ERRORS_MAX) {
		reply(s, "421 4.7.0 too many errors; closing");
		return -1;
	}
	return reply(s, text);
}

static void
reset_txn(struct session *s)
{
	s->from[0] = s->rcpt[0] = '\0';
	s->nrcpt = 0;
	s->msgbytes = 0;
	s->ntok = 0;
	s->bad = 0;
}

/*
 * The path of "MAIL FROM:" or "RCPT TO:" at p: "<...>" after optional
 * spaces, into dst (PATH_MAX_ bytes) without the brackets; *rest is what
 * follows (parameters).  0, or -1 for a missing bracket or a path too long.
 */
static int
take_path(const char *p, char *dst, const char **rest)
{
	const char *e;

	while (*p == ' ')
		p++;
	if (*p != '<' || (e = strchr(p, '>')) == NULL ||
	    (size_t)(e - p - 1) >= PATH_MAX_)
		return -1;
	memcpy(dst, p + 1, (size_t)(e - p - 1));
	dst[e - p - 1] = '\0';
	*rest = e + 1;
	return 0;
}

/*
 * 1 if path is a mailbox of the drop box's domain with no routing in it:
 * a plain local part (no %, !, @, quote, backslash or colon) and the
 * domain itself, any case, a final dot allowed.  A source route
 * ("@a,@b:") is ignored, as RFC 5321 says; "postmaster" alone is taken.
 */
static int
rcpt_ours(const char *path, const char *domain)
{
	const char *p = path, *at;
	size_t dl = strlen(domain), n;

	if (*p == '@' && (p = strchr(p, ':')) != NULL)
		p++;
	if (p == NULL)
		return 0;
	if (strcasecmp(p, "postmaster") == 0)
		return 1;
	if ((at = strrchr(p, '@')) == NULL || at == p ||
	    strcspn(p, "%!@\"\\:") != (size_t)(at - p))
		return 0;
	if (dl > 0 && domain[dl - 1] == '.')
		dl--;
	n = strlen(at + 1);
	if (n > 0 && at[n] == '.')
		n--;
	return n == dl && dl > 0 && strncasecmp(at + 1, domain, dl) == 0;
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
record_tokens(struct sink *k, struct session *s)
{
	const struct sink_opts *o = k->o;
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
		spool_added(&k->sp, path);
		if (o->log) {
			say(o->log, "sink: token %s from %s (helo %s, from %s)\n",
			    s->tok[i], s->peer, s->helo, s->from);
			fflush(o->log);
		}
	}
	return rc;
}

/* 1 if the spool is full, said once in the log while it is. */
static int
spool_is_full(struct sink *k)
{
	int full = spool_full(&k->sp, now_ms());

	if (full && !k->full_said && k->o->log) {
		say(k->o->log, "sink: spool %s full (%llu bytes, %llu files): "
		    "new mail gets 452 until old tokens expire\n", k->sp.dir,
		    (unsigned long long)k->sp.bytes,
		    (unsigned long long)k->sp.files);
		fflush(k->o->log);
	}
	k->full_said = full;
	return full;
}

/* The end of a message: its verdict. */
static int
end_message(struct sink *k, struct session *s)
{
	char msg[300];
	int rc;

	s->state = S_CMD;
	if (s->bad) {
		rc = reply(s, s->bad & BAD_NUL ? "554 5.6.0 NUL in the message" :
		    s->bad & BAD_LF ? "554 5.6.0 bare LF in the message: lines "
		    "end with CRLF" : "554 5.6.0 a line over 998 bytes in the "
		    "message");
	} else if (s->msgbytes > k->o->max_msg)
		rc = reply(s, "552 5.3.4 message too big");
	else if (s->ntok > 0 && spool_is_full(k))
		rc = reply(s, "452 4.3.1 spool full, try again later");
	else if (record_tokens(k, s) != 0)
		rc = reply(s, "451 4.3.0 spool failed");
	else {
		snprintf(msg, sizeof(msg), "250 2.0.0 Ok: %d token%s",
		    s->ntok, s->ntok == 1 ? "" : "s");
		rc = reply(s, msg);
	}
	reset_txn(s);
	return rc;
}

/* One message line (CR LF removed, crlf said whether it ended so). */
static int
on_data(struct sink *k, struct session *s, const char *l, size_t len,
    int crlf)
{
	if (crlf && s->prev_crlf && !s->overflow && len == 1 && l[0] == '.')
		return end_message(k, s);
	s->prev_crlf = crlf;
	if (!crlf)
		s->bad |= BAD_LF;
	if (memchr(l, '\0', len) != NULL)
		s->bad |= BAD_NUL;
	if (s->overflow || len > TEXT_LINE_MAX)
		s->bad |= BAD_LONG;
	s->msgbytes += len + 2;
	if (s->msgbytes > 2 * k->o->max_msg) {
		reply(s, "552 5.3.4 message far too big; closing");
		return -1;
	}
	if (s->msgbytes <= k->o->max_msg && !s->bad)
		scan_tokens(s, l, len);
	return 0;
}

/* Why command line l cannot be taken as it is, or NULL. */
static const char *
bad_command(const char *l, size_t len, int crlf, int overflow)
{
	size_t i;
	unsigned char c;

	if (overflow)
		return "500 5.5.2 line too long";
	if (!crlf)
		return "500 5.5.2 bare LF: a command ends with CRLF";
	for (i = 0; i < len; i++) {
		c = (unsigned char)l[i];
		if (c == 0)
			return "500 5.5.2 NUL in the command";
		if (c < 0x20 || c == 0x7f)
			return "500 5.5.2 control character in the command";
		if (c > 0x7f)
			return "500 5.5.2 8-bit byte in the command (no "
			    "SMTPUTF8)";
	}
	return NULL;
}

static int
on_mail(struct sink *k, struct session *s, const char *arg)
{
	const char *rest, *sz;
	char path[PATH_MAX_];
	unsigned long long v;

	if (s->helo[0] == '\0')
		return refuse(s, "503 5.5.1 send HELO first");
	if (take_path(arg, path, &rest) != 0)
		return refuse(s, "501 5.1.7 want MAIL FROM:<address> (at most "
		    "255 bytes)");
	if ((sz = strcasestr(rest, "SIZE=")) != NULL &&
	    sscanf(sz + 5, "%llu", &v) == 1 && v > k->o->max_msg)
		return reply(s, "552 5.3.4 message too big");
	if (spool_is_full(k))
		return reply(s, "452 4.3.1 spool full, try again later");
	reset_txn(s);
	snprintf(s->from, sizeof(s->from), "<%s>", path);
	return reply(s, "250 2.1.0 Ok");
}

static int
on_rcpt(struct sink *k, struct session *s, const char *arg)
{
	const char *rest;
	char path[PATH_MAX_];
	size_t have = strlen(s->rcpt), n;

	if (s->from[0] == '\0')
		return refuse(s, "503 5.5.1 need MAIL first");
	if (s->nrcpt >= RCPT_MAX)
		return reply(s, "452 4.5.3 too many recipients");
	if (take_path(arg, path, &rest) != 0)
		return refuse(s, "501 5.1.3 want RCPT TO:<address> (at most "
		    "255 bytes)");
	if (!rcpt_ours(path, k->o->domain))
		return reply(s, "550 5.7.1 relaying denied");
	n = strlen(path);
	if (have + 1 + n + 2 < sizeof(s->rcpt))	/* the first ones only */
		snprintf(s->rcpt + have, sizeof(s->rcpt) - have, "%s<%s>",
		    have ? " " : "", path);
	s->nrcpt++;
	return reply(s, "250 2.1.5 Ok");
}

/* One command line (CR LF removed); -1 ends the session. */
static int
on_command(struct sink *k, struct session *s, char *l, size_t len, int crlf)
{
	const struct sink_opts *o = k->o;
	const char *why;
	char msg[300];

	if ((why = bad_command(l, len, crlf, s->overflow)) != NULL)
		return refuse(s, why);
	if (strncasecmp(l, "EHLO ", 5) == 0 || strncasecmp(l, "HELO ", 5) ==
	    0) {
		if (len - 5 >= sizeof(s->helo) || l[5] == '\0')
			return refuse(s, "501 5.5.4 want a name of 1 to 255 "
			    "bytes");
		snprintf(s->helo, sizeof(s->helo), "%s", l + 5);
		reset_txn(s);
		if (toupper((unsigned char)l[0]) == 'H')
			snprintf(msg, sizeof(msg), "250 %s", o->name);
		else
			snprintf(msg, sizeof(msg), "250-%s\r\n250-8BITMIME\r\n"
			    "250 SIZE %zu", o->name, o->max_msg);
		return reply(s, msg);
	}
	if (strncasecmp(l, "MAIL FROM:", 10) == 0)
		return on_mail(k, s, l + 10);
	if (strncasecmp(l, "RCPT TO:", 8) == 0)
		return on_rcpt(k, s, l + 8);
	if (strcasecmp(l, "DATA") == 0) {
		if (s->nrcpt == 0)
			return refuse(s, "503 5.5.1 need RCPT first");
		s->state = S_DATA;
		s->prev_crlf = 1;
		return reply(s, "354 end with <CRLF>.<CRLF>");
	}
	if (strcasecmp(l, "RSET") == 0) {
		reset_txn(s);
		return reply(s, "250 2.0.0 Ok");
	}
	if (strcasecmp(l, "NOOP") == 0 || strncasecmp(l, "NOOP ", 5) == 0)
		return reply(s, "250 2.0.0 Ok");
	if (strcasecmp(l, "QUIT") == 0) {
		reply(s, "221 2.0.0 Bye");
		return -1;
	}
	return refuse(s, "502 5.5.2 command not implemented");
}

/* Read what the client sent; -1 ends the session. */
static int
on_read(struct sink *k, struct session *s)
{
	char buf[4096], *p, *e;
	ssize_t n;
	size_t c, m;
	int crlf, rc;

	n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0)
		return -1;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	s->deadline = now_ms() + k->o->timeout_ms;
	for (p = buf; p < buf + n; p = e + 1) {
		e = memchr(p, '\n', (size_t)(buf + n - p));
		m = (size_t)((e ? e : buf + n) - p);
		while (m > 0) {
			c = LINE_MAX_ - s->len < m ? LINE_MAX_ - s->len : m;
			memcpy(s->line + s->len, p, c);
			s->len += c;
			p += c;
			m -= c;
			if (s->len == LINE_MAX_) {
				/* Too long: kept as the pieces' count only
				 * (the line is refused at its end), and a
				 * line that never ends ends the session. */
				if (s->state == S_DATA)
					s->msgbytes += s->len;
				s->overflow += s->overflow < INT_MAX;
				s->len = 0;
				if (s->state == S_DATA ? s->msgbytes > 2 *
				    k->o->max_msg : s->overflow > 64) {
					reply(s, "500 5.5.2 line far too long; "
					    "closing");
					return -1;
				}
			}
		}
		if (e == NULL)
			break;
		crlf = s->len > 0 && s->line[s->len - 1] == '\r';
		if (crlf)
			s->len--;
		s->line[s->len] = '\0';
		rc = s->state == S_DATA ? on_data(k, s, s->line, s->len, crlf) :
		    on_command(k, s, s->line, s->len, crlf);
		if (rc != 0)
			return -1;
		s->len = 0;
		s->overflow = 0;
	}
	return 0;
}

int
sink_listen(const struct sink_opts *o, struct errbuf *eb)
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

/* Take the connections waiting on lfd. */
static void
accept_all(struct sink *k, struct session *ss, int lfd, const char *banner)
{
	const struct sink_opts *o = k->o;
	int fd, i;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < o->max_conn && ss[i].fd >= 0; i++)
			;
		if (i == o->max_conn) {
			struct session tmp = { .fd = fd };
			reply(&tmp, "421 4.3.2 too busy");
			close(fd);
			continue;
		}
		memset(&ss[i], 0, sizeof(ss[i]));
		ss[i].fd = fd;
		ss[i].deadline = now_ms() + o->timeout_ms;
		peer_name(fd, ss[i].peer, sizeof(ss[i].peer));
		if (reply(&ss[i], banner) != 0)
			end_session(&ss[i]);
	}
}

/* A sweep of the spool if one is due, said in the log when it removed. */
static int
sweep_due(struct sink *k, struct errbuf *eb)
{
	int rc = spool_tick(&k->sp, now_ms(), eb);

	if (rc == 1 && k->sp.removed > 0 && k->o->log) {
		say(k->o->log, "sink: spool: removed %llu token file%s older "
		    "than %us\n", (unsigned long long)k->sp.removed,
		    k->sp.removed == 1 ? "" : "s", k->o->spool_max_age);
		fflush(k->o->log);
	}
	return rc < 0 ? rc : 0;
}

int
sink_serve(const struct sink_opts *o, int lfd, int stopfd, struct errbuf *eb)
{
	struct session *ss = NULL;
	struct pollfd *pf = NULL;
	struct sink k;
	char banner[300];
	int i, n, rc = 0;
	int64_t now, next;

	memset(&k, 0, sizeof(k));
	k.o = o;
	k.sp.dir = o->spool;
	k.sp.max_bytes = o->spool_max_bytes;
	k.sp.max_age = o->spool_max_age;
	if ((rc = sweep_due(&k, eb)) != 0)	/* the first: due at once */
		return rc;
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
		next = k.sp.next_sweep;
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
		if (n > 0 && (pf[1].revents & POLLIN))
			accept_all(&k, ss, lfd, banner);
		now = now_ms();
		for (i = 0; i < o->max_conn; i++) {
			struct session *s = &ss[i];
			if (s->fd < 0)
				continue;
			if (pf[i + 2].fd == s->fd && (pf[i + 2].revents &
			    (POLLIN | POLLHUP | POLLERR)) &&
			    on_read(&k, s) != 0) {
				end_session(s);
				continue;
			}
			if (s->fd >= 0 && now >= s->deadline) {
				reply(s, "421 4.4.2 timeout");
				end_session(s);
			}
		}
		if (sweep_due(&k, eb) != 0 && o->log) {
			/* Gone or unreadable now: said, and mail gets 451
			 * until it is back. */
			say(o->log, "sink: %s\n", eb->msg);
			fflush(o->log);
		}
	}
out:
	for (i = 0; ss && i < o->max_conn; i++)
		if (ss[i].fd >= 0)
			close(ss[i].fd);
	free(ss);
	free(pf);
	return rc;
}

/*
 * fuzz_tester.c -- libFuzzer target for the relay tester's side of SMTP
 * (loader/smtp.c, loader/tester.c): every input is what a hostile or
 * broken SMTP server says.
 *
 *   - smtp_reply() reads the input as a stream of replies (through a
 *     socketpair, as from a server that sent it all and closed), with a
 *     roomy and a tiny text buffer, until it fails;
 *   - tester_run() runs the whole battery, with DATA, against a server
 *     in a thread of the target that answers every connection (the first
 *     and the tester's reconnections) with the input, then half-closes
 *     and reads what the tester sends until it closes.
 *
 * Checks: a reply's code is 100..599 and its text fits its buffer; the
 * transcript stays within TRANSCRIPT_MAX (and a little for the cut mark),
 * one "C: ", "S: " or "*: " line after another; the verdict is one a
 * server can earn without the sink (never open: no spool here), with a
 * reason, and the server's name made of name characters; every line the
 * tester sent ends in CRLF and fits RFC 5321's 1000 bytes.  The server's
 * socket is an abstract AF_UNIX one: no port, nothing in the filesystem.
 *
 * Seeds in tests/fuzz/corpus-fuzz_tester: the replies of Postfix, of an
 * open relay, of servers that refuse, stall in 4xx, want AUTH, say 421,
 * send multi-line replies, change the code inside one, or send junk.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "fuzzsock.h"
#include "smtp.h"
#include "store.h"
#include "tester.h"

#define SERVER_TIMEOUT_MS 30000

struct fuzz_ctx {
	struct sockaddr_un sun;
	socklen_t sunlen;
	int lfd;
	pthread_mutex_t mu;
	uint8_t *script;		/* what the server says: a copy */
	size_t len;
	int bad;			/* lines the tester got wrong */
};

/* The tester's lines: CRLF at the end of each, 1000 bytes at most. */
static int
lines_ok(const struct fuzz_reply *r)
{
	size_t off = 0, e;

	while (off < r->len) {
		for (e = off; e < r->len && r->buf[e] != '\n'; e++)
			;
		if (e == r->len)
			return r->reset;	/* cut by a reset only */
		if (e == off || r->buf[e - 1] != '\r' || e + 1 - off > 1000)
			return 0;
		off = e + 1;
	}
	return 1;
}

static void *
server_thread(void *arg)
{
	struct fuzz_ctx *x = arg;
	struct fuzz_reply r;
	uint8_t *s;
	size_t n;
	int fd;

	for (;;) {
		if ((fd = accept4(x->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		pthread_mutex_lock(&x->mu);
		n = x->len;
		if ((s = malloc(n ? n : 1)) == NULL)
			abort();
		memcpy(s, x->script, n);
		pthread_mutex_unlock(&x->mu);
		if (fuzz_exchange(fd, s, n, &r, SERVER_TIMEOUT_MS) != 0)
			abort();	/* the tester neither spoke nor left */
		if (!lines_ok(&r)) {
			pthread_mutex_lock(&x->mu);
			x->bad++;
			pthread_mutex_unlock(&x->mu);
		}
		fuzz_reply_free(&r);
		free(s);
		close(fd);
	}
	return NULL;
}

static struct fuzz_ctx *
setup(void)
{
	static struct fuzz_ctx x;
	pthread_t th;

	x.sun.sun_family = AF_UNIX;
	snprintf(x.sun.sun_path + 1, sizeof(x.sun.sun_path) - 1,
	    "dnsbl-fuzz-tester-%ld", (long)getpid());
	x.sunlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(x.sun.sun_path + 1));
	pthread_mutex_init(&x.mu, NULL);
	if ((x.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(x.lfd, (struct sockaddr *)&x.sun, x.sunlen) != 0 ||
	    listen(x.lfd, 8) != 0 ||
	    pthread_create(&th, NULL, server_thread, &x) != 0)
		abort();
	pthread_detach(th);
	return &x;
}

static void
check_transcript(const struct transcript *ts)
{
	size_t off = 0, e;

	if (ts->len > TRANSCRIPT_MAX + 32 ||
	    (ts->buf != NULL && ts->buf[ts->len] != '\0'))
		abort();
	while (off < ts->len) {
		e = off + strcspn(ts->buf + off, "\n");
		if (e == ts->len)
			abort();	/* every line ends */
		if (strncmp(ts->buf + off, "C: ", 3) != 0 &&
		    strncmp(ts->buf + off, "S: ", 3) != 0 &&
		    strncmp(ts->buf + off, "*: ", 3) != 0 &&
		    strncmp(ts->buf + off, "...: ", 5) != 0)
			abort();
		off = e + 1;
	}
}

/* The input as a stream of replies to smtp_reply(). */
static void
replies(const uint8_t *data, size_t size, size_t textlen)
{
	struct transcript ts;
	struct smtp_conn c;
	char text[SMTP_LINE_MAX + 1];
	int sv[2], code, rc, i;
	size_t off = 0;
	ssize_t k;

	memset(&ts, 0, sizeof(ts));
	memset(&c, 0, sizeof(c));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	/* What fits in the socket's buffer: plenty for a reply stream. */
	while (off < size && (k = send(sv[1], data + off, size - off,
	    MSG_DONTWAIT | MSG_NOSIGNAL)) > 0)
		off += (size_t)k;
	shutdown(sv[1], SHUT_WR);
	c.fd = sv[0];
	c.timeout_ms = SERVER_TIMEOUT_MS;
	c.ts = &ts;
	for (i = 0; i < 10000; i++) {
		memset(text, 'x', sizeof(text));
		rc = smtp_reply(&c, &code, text, textlen);
		if (rc != 0) {
			if (rc != DNSBL_EPARSE && rc != DNSBL_EIO)
				abort();	/* not SMTP, or the end */
			break;
		}
		if (code < 100 || code > 599 ||
		    memchr(text, '\0', textlen) == NULL)
			abort();
	}
	check_transcript(&ts);
	transcript_free(&ts);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Wait until the server has served every connection made so far: it
 * serves them one after the other, so once it has ended one more made
 * now (with nothing to say), the earlier ones are over.
 */
static void
sync_server(struct fuzz_ctx *x)
{
	struct pollfd p;
	char junk[64];
	int fd, i;
	ssize_t k;

	pthread_mutex_lock(&x->mu);
	x->script = NULL;
	x->len = 0;
	pthread_mutex_unlock(&x->mu);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&x->sun, x->sunlen) != 0)
		abort();
	shutdown(fd, SHUT_WR);
	for (i = 0; i < SERVER_TIMEOUT_MS / 100; i++) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 100) > 0 && ((k = recv(fd, junk, sizeof(junk),
		    MSG_DONTWAIT)) == 0 || (k < 0 && errno != EAGAIN)))
			break;
	}
	if (i == SERVER_TIMEOUT_MS / 100)
		abort();	/* the server is stuck with the tester */
	close(fd);
}

static int
name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == ':' ||
	    ch == '[' || ch == ']';
}

static void
battery(struct fuzz_ctx *x, const uint8_t *data, size_t size)
{
	static const struct tester_opts o = {
		.helo = "tester.fuzz.example", .domain = "fuzz.example",
		.rcpt_local = "relaytest", .rcpt_domain = "sink.fuzz.example",
		.spool = NULL, .timeout_ms = SERVER_TIMEOUT_MS, .wait_ms = 0,
		.deliver = 1
	};
	struct sockaddr_storage ss;
	struct tester_result r;
	char tok[TESTER_TOKEN_LEN + 8];
	const char *p;
	int bad;

	pthread_mutex_lock(&x->mu);
	x->script = (uint8_t *)data;
	x->len = size;
	x->bad = 0;
	pthread_mutex_unlock(&x->mu);
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, &x->sun, sizeof(x->sun));
	if (tester_run(&o, &ss, x->sunlen, &r) != 0)
		abort();
	sync_server(x);
	pthread_mutex_lock(&x->mu);
	bad = x->bad;
	pthread_mutex_unlock(&x->mu);
	if (bad)
		abort();	/* the tester sent a line SMTP does not allow */
	if (r.result != RESULT_CLOSED && r.result != RESULT_UNREACHABLE &&
	    r.result != RESULT_SUSPECTED)
		abort();	/* open needs the sink's word */
	if (r.reason[0] == '\0' || memchr(r.reason, '\0',
	    sizeof(r.reason)) == NULL)
		abort();
	for (p = r.server; *p != '\0'; p++)
		if (!name_char(*p))
			abort();
	snprintf(tok, sizeof(tok), "%s-f1", r.token);
	if (!tester_token_valid(tok, strlen(tok)))
		abort();
	check_transcript(&r.ts);
	tester_result_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_ctx *x;

	if (x == NULL)
		x = setup();
	replies(data, size, SMTP_LINE_MAX + 1);
	replies(data, size, 8);
	battery(x, data, size);
	return 0;
}

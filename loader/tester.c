/*
 * tester.c -- the relay battery against one SMTP server (tester.h).
 *
 * One session: connect, banner, EHLO (HELO if EHLO is refused), then for
 * each of the eighteen forms MAIL, RCPT and RSET, and with deliver a DATA
 * carrying the form's token after an accepted RCPT.  A session lost in
 * the middle is opened again (at most twice) and the battery goes on
 * where it stopped.  With deliver the tester then watches the sink's
 * spool for the tokens, up to the wait.
 *
 * The forms are those of nmap's smtp-open-relay (sender local part
 * "antispam", recipient L@R the outside mailbox, D the tester's domain,
 * S the server's name, I its address as an address literal), plus an
 * unqualified sender and one at localhost.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "store.h"
#include "tester.h"

#define RECONNECTS_MAX 2
#define ADDR_MAX 600

/* What one form's MAIL and RCPT came to. */
enum form_outcome {
	F_ACCEPTED,	/* RCPT 2xx */
	F_REJECTED,	/* a 5xx */
	F_TEMP,		/* a 4xx other than 421 */
	F_AUTH,		/* 530: authentication required */
	F_CLOSING,	/* 421: the server is closing the session */
	F_LOST		/* timeout or connection lost */
};

/* The names the battery addresses are made of. */
struct names {
	const char *d;		/* sender domain */
	const char *l, *r;	/* outside recipient L@R */
	char s[256];		/* server name */
	char i[PREFIX_STRLEN + 8];	/* "[192.0.2.1]", "[IPv6:...]" */
};

/* Test context: one run of tester_run(). */
struct run {
	const struct tester_opts *o;
	struct tester_result *r;
	const struct sockaddr *sa;
	socklen_t salen;
	struct smtp_conn c;
	struct names nm;
	int connected;
};

int
tester_target(const char *s, int default_port, struct sockaddr_storage *ss,
    socklen_t *sslen, struct errbuf *eb)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL, *c;
	long pn = default_port;
	char *end;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		if ((c = strchr(s, ']')) == NULL)
			return errbuf_set(eb, DNSBL_EPARSE, "%s: no ']'", s);
		n = (size_t)(c - s - 1);
		if (c[1] == ':')
			port = c + 2;
		else if (c[1] != '\0')
			return errbuf_set(eb, DNSBL_EPARSE, "%s: junk after "
			    "']'", s);
		s++;
	} else if ((c = strchr(s, ':')) != NULL && strchr(c + 1, ':') ==
	    NULL) {
		n = (size_t)(c - s);
		port = c + 1;
	} else
		n = strlen(s);
	if (n == 0 || n >= sizeof(host))
		return errbuf_set(eb, DNSBL_EPARSE, "%s: not an IP address", s);
	memcpy(host, s, n);
	host[n] = '\0';
	if (port) {
		errno = 0;
		pn = strtol(port, &end, 10);
		if (*port == '\0' || *end != '\0' || errno || pn < 1 ||
		    pn > 65535)
			return errbuf_set(eb, DNSBL_EPARSE, "%s: bad port '%s'",
			    host, port);
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)pn);
		*sslen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)pn);
		*sslen = sizeof(*s6);
	} else
		return errbuf_set(eb, DNSBL_EPARSE, "%s: not an IP address "
		    "(names are not resolved)", host);
	return 0;
}

void
tester_forms_text(const unsigned char *f, char *buf, size_t n)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 1; i <= TESTER_FORMS && len + 4 < n; i++)
		if (f[i])
			len += (size_t)snprintf(buf + len, n - len, "%s%d",
			    len ? "," : "", i);
}

int
tester_token_valid(const char *s, size_t n)
{
	size_t i;

	if (n < TESTER_TOKEN_LEN + 3 || n > TESTER_TOKEN_LEN + 4 ||
	    memcmp(s, "dnsbl-", 6) != 0 ||
	    memcmp(s + TESTER_TOKEN_LEN, "-f", 2) != 0)
		return 0;
	for (i = 6; i < TESTER_TOKEN_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	for (i = TESTER_TOKEN_LEN + 2; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* MAIL FROM and RCPT TO addresses of form n (1..TESTER_FORMS). */
static void
form_addrs(int n, const struct names *m, char *from, char *rcpt)
{
	const char *l = m->l, *r = m->r, *s = m->s, *i = m->i;

	if (n == 1)
		snprintf(from, ADDR_MAX, "<>");
	else if (n == 2)
		snprintf(from, ADDR_MAX, "<antispam@%s>", m->d);
	else if (n == 3)
		snprintf(from, ADDR_MAX, "<antispam@%s>", s);
	else if (n == 17)
		snprintf(from, ADDR_MAX, "<spamtest>");
	else if (n == 18)
		snprintf(from, ADDR_MAX, "<antispam@localhost>");
	else
		snprintf(from, ADDR_MAX, "<antispam@%s>", i);
	switch (n) {
	case 5: snprintf(rcpt, ADDR_MAX, "<%s%%%s@%s>", l, r, i); break;
	case 6: snprintf(rcpt, ADDR_MAX, "<%s%%%s@%s>", l, r, s); break;
	case 7: snprintf(rcpt, ADDR_MAX, "<\"%s@%s\">", l, r); break;
	case 8: snprintf(rcpt, ADDR_MAX, "<\"%s%%%s\">", l, r); break;
	case 9: snprintf(rcpt, ADDR_MAX, "<%s@%s@%s>", l, r, i); break;
	case 10: snprintf(rcpt, ADDR_MAX, "<\"%s@%s\"@%s>", l, r, i); break;
	case 11: snprintf(rcpt, ADDR_MAX, "<%s@%s@%s>", l, r, s); break;
	case 12: snprintf(rcpt, ADDR_MAX, "<@%s:%s@%s>", i, l, r); break;
	case 13: snprintf(rcpt, ADDR_MAX, "<@%s:%s@%s>", s, l, r); break;
	case 14: snprintf(rcpt, ADDR_MAX, "<%s!%s>", r, l); break;
	case 15: snprintf(rcpt, ADDR_MAX, "<%s!%s@%s>", r, l, i); break;
	case 16: snprintf(rcpt, ADDR_MAX, "<%s!%s@%s>", r, l, s); break;
	default: snprintf(rcpt, ADDR_MAX, "<%s@%s>", l, r); break;
	}
}

/* The first word of text if it looks like a host name, into out. */
static int
take_name(const char *text, char *out, size_t n)
{
	size_t len = strcspn(text, " \t"), i;

	if (len == 0 || len >= n || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = text[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-'))
			return 0;
	}
	memcpy(out, text, len);
	out[len] = '\0';
	return 1;
}

/* Set the result and its reason (a printf format and its arguments). */
#define verdict(x, res, ...) ((x)->r->result = (res),			\
	(void)snprintf((x)->r->reason, sizeof((x)->r->reason), __VA_ARGS__))

/*
 * Open a session: connect, banner, EHLO or HELO.  0 when ready; else -1
 * with x->r->result and reason set.
 */
static int
session_open(struct run *x)
{
	char text[SMTP_LINE_MAX + 1], msg[64];
	int code, rc;

	if (smtp_connect(&x->c, x->sa, x->salen, x->o->timeout_ms,
	    &x->r->ts) != 0) {
		verdict(x, RESULT_UNREACHABLE, "connect: %s",
		    x->c.syserr == ETIMEDOUT ? "timed out" :
		    strerror(x->c.syserr));
		return -1;
	}
	x->connected = 1;
	if ((rc = smtp_reply(&x->c, &code, text, sizeof(text))) != 0) {
		verdict(x, RESULT_UNREACHABLE, "%s", rc == DNSBL_EPARSE ?
		    "the banner is not SMTP" : x->c.syserr == ETIMEDOUT ?
		    "no banner within the timeout" : "no banner");
		return -1;
	}
	snprintf(msg, sizeof(msg), "%d", code);
	if (code >= 500 || code == 421) {
		verdict(x, RESULT_CLOSED, "banner %s: the server refuses "
		    "mail", msg);
		return -1;
	}
	if (code < 200 || code >= 300) {
		verdict(x, RESULT_UNREACHABLE, "banner %s: refused for now",
		    msg);
		return -1;
	}
	if (x->nm.s[0] == '\0')
		take_name(text, x->nm.s, sizeof(x->nm.s));
	rc = smtp_exchange(&x->c, &code, text, sizeof(text), "EHLO %s",
	    x->o->helo);
	if (rc == 0 && code == 421) {
		verdict(x, RESULT_CLOSED, "%s", "EHLO 421: the server refuses "
		    "mail");
		return -1;
	}
	if (rc == 0 && (code < 200 || code >= 300))
		rc = smtp_exchange(&x->c, &code, text, sizeof(text),
		    "HELO %s", x->o->helo);
	if (rc != 0) {
		verdict(x, RESULT_UNREACHABLE, "%s", "session lost at HELO");
		return -1;
	}
	snprintf(msg, sizeof(msg), "%d", code);
	if (code >= 500 || code == 421) {
		verdict(x, RESULT_CLOSED, "HELO %s: refused", msg);
		return -1;
	}
	if (code < 200 || code >= 300) {
		verdict(x, RESULT_UNREACHABLE, "HELO %s: refused for now",
		    msg);
		return -1;
	}
	if (x->nm.s[0] == '\0')
		take_name(text, x->nm.s, sizeof(x->nm.s));
	if (x->nm.s[0] == '\0')
		snprintf(x->nm.s, sizeof(x->nm.s), "%s", x->nm.i);
	snprintf(x->r->server, sizeof(x->r->server), "%s", x->nm.s);
	return 0;
}

static void
session_close(struct run *x, int quit)
{
	int code;

	if (!x->connected)
		return;
	if (quit)
		(void)smtp_exchange(&x->c, &code, NULL, 0, "QUIT");
	smtp_close(&x->c);
	x->connected = 0;
}

static int
classify(int code)
{
	if (code >= 200 && code < 300)
		return F_ACCEPTED;
	if (code == 530)
		return F_AUTH;
	if (code == 421)
		return F_CLOSING;
	if (code >= 400 && code < 500)
		return F_TEMP;
	return F_REJECTED;
}

/* The test message of form n, with its token. */
static void
message(struct run *x, int n, const char *from, const char *rcpt,
    char *buf, size_t len)
{
	char date[64], ptxt[PREFIX_STRLEN];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	prefix_format(&x->r->addr, ptxt);
	snprintf(buf, len,
	    "From: %s\nTo: %s\nSubject: dnsbl relay test %s-f%d\n"
	    "Date: %s\nMessage-ID: <%s-f%d@%s>\nX-Dnsbl-Token: %s-f%d\n\n"
	    "This message tests whether the mail server at %s port %d relays\n"
	    "mail for outside recipients (form %d).  If it reached you, the\n"
	    "server is an open relay.\n\nToken: %s-f%d\n",
	    strcmp(from, "<>") ? from : "<MAILER-DAEMON@invalid>", rcpt,
	    x->r->token, n, date, x->r->token, n, x->o->helo, x->r->token, n,
	    ptxt, x->r->port, n, x->r->token, n);
}

/* Form n in the open session. */
static int
try_form(struct run *x, int n)
{
	char from[ADDR_MAX], rcpt[ADDR_MAX], body[2048];
	int code, out, rc;

	form_addrs(n, &x->nm, from, rcpt);
	transcript_add(&x->r->ts, "*", n <= 16 ? "relay test (nmap form)" :
	    "relay test (extra form)");
	if (smtp_exchange(&x->c, &code, NULL, 0, "MAIL FROM:%s", from) != 0)
		return F_LOST;
	if ((out = classify(code)) == F_ACCEPTED) {
		if (smtp_exchange(&x->c, &code, NULL, 0, "RCPT TO:%s",
		    rcpt) != 0)
			return F_LOST;
		out = classify(code);
	}
	if (out == F_ACCEPTED) {
		x->r->accepted[n] = 1;
		if (x->o->deliver) {
			rc = smtp_exchange(&x->c, &code, NULL, 0, "DATA");
			if (rc == 0 && code == 354) {
				message(x, n, from, rcpt, body, sizeof(body));
				if (smtp_data(&x->c, body) != 0 ||
				    smtp_reply(&x->c, &code, NULL, 0) != 0)
					return out;	/* lost after all */
				if (code >= 200 && code < 300)
					x->r->sent[n] = 1;
			} else if (rc != 0)
				return out;
		}
	}
	if (out == F_AUTH || out == F_CLOSING)
		return out;
	if (smtp_exchange(&x->c, &code, NULL, 0, "RSET") != 0)
		session_close(x, 0);	/* the next form reconnects */
	return out;
}

/* Watch the spool for the tokens of the forms whose DATA was accepted. */
static void
await_tokens(struct run *x)
{
	char path[4096];
	int64_t waited = 0;
	int i, any = 0, found;

	for (i = 1; i <= TESTER_FORMS; i++)
		any |= x->r->sent[i];
	if (!any || x->o->spool == NULL)
		return;
	for (;;) {
		found = 0;
		for (i = 1; i <= TESTER_FORMS; i++) {
			if (!x->r->sent[i] || x->r->arrived[i])
				continue;
			snprintf(path, sizeof(path), "%s/%s-f%d", x->o->spool,
			    x->r->token, i);
			if (access(path, F_OK) == 0)
				x->r->arrived[i] = 1;
		}
		for (i = 1; i <= TESTER_FORMS; i++)
			found |= x->r->arrived[i];
		if (found || waited >= x->o->wait_ms)
			break;
		poll(NULL, 0, 100);
		waited += 100;
	}
}

static void
make_token(struct tester_result *r)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[12];
	size_t got = 0;
	ssize_t n;
	int i;

	while (got < sizeof(rnd)) {
		n = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (errno != EINTR) {
			/* No randomness: time and address make do. */
			struct timespec tv;
			clock_gettime(CLOCK_REALTIME, &tv);
			memcpy(rnd, &tv, sizeof(rnd) < sizeof(tv) ?
			    sizeof(rnd) : sizeof(tv));
			rnd[0] ^= r->addr.addr[3];
			break;
		}
	}
	memcpy(r->token, "dnsbl-", 6);
	for (i = 0; i < 12; i++) {
		r->token[6 + 2 * i] = hex[rnd[i] >> 4];
		r->token[7 + 2 * i] = hex[rnd[i] & 15];
	}
	r->token[TESTER_TOKEN_LEN] = '\0';
}

/* Set the result once the battery is over. */
static void
conclude(struct run *x, int auth, int incomplete, int temp)
{
	struct tester_result *r = x->r;
	char acc[80], got[80];
	int i, nacc = 0, nsent = 0;

	for (i = 1; i <= TESTER_FORMS; i++) {
		nacc += r->accepted[i];
		nsent += r->sent[i];
	}
	tester_forms_text(r->accepted, acc, sizeof(acc));
	if (nacc == 0) {
		if (auth)
			verdict(x, RESULT_CLOSED, "%s", "530: authentication "
			    "required");
		else if (incomplete)
			verdict(x, RESULT_UNREACHABLE, "%s", "session lost "
			    "before the battery was over");
		else if (temp)
			verdict(x, RESULT_UNREACHABLE, "%s", "some forms "
			    "refused only for now (4xx)");
		else
			verdict(x, RESULT_CLOSED, "%s", "every form refused");
		return;
	}
	tester_forms_text(r->arrived, got, sizeof(got));
	if (got[0]) {
		r->result = RESULT_OPEN;
		snprintf(r->reason, sizeof(r->reason), "relayed: token "
		    "received for form %s (RCPT accepted for forms %s)", got,
		    acc);
	} else {
		r->result = RESULT_SUSPECTED;
		snprintf(r->reason, sizeof(r->reason), "RCPT accepted for "
		    "forms %s; %s", acc, !x->o->deliver ? "delivery not tried" :
		    nsent ? "no token arrived" : "DATA refused");
	}
}

int
tester_run(const struct tester_opts *o, const struct sockaddr_storage *ss,
    socklen_t sslen, struct tester_result *r)
{
	char a[PREFIX_STRLEN], line[400];
	struct run x;
	int n, out, auth = 0, incomplete = 0, temp = 0, reconnects = 0;
	int retried = 0;

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	x.o = o;
	x.r = r;
	x.sa = (const struct sockaddr *)ss;
	x.salen = sslen;
	x.c.fd = -1;
	r->tested_at = (int64_t)time(NULL);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;
		prefix_make(&r->addr, ADDR_V4,
		    (const uint8_t *)&s4->sin_addr, 32);
		r->port = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		prefix_make(&r->addr, ADDR_V6,
		    (const uint8_t *)&s6->sin6_addr, 128);
		r->port = ntohs(s6->sin6_port);
	}
	prefix_format(&r->addr, a);
	snprintf(x.nm.i, sizeof(x.nm.i), r->addr.family == ADDR_V4 ?
	    "[%s]" : "[IPv6:%s]", a);
	x.nm.d = o->domain;
	x.nm.l = o->rcpt_local;
	x.nm.r = o->rcpt_domain;
	make_token(r);
	snprintf(line, sizeof(line), "relay test of %s port %d, helo %s",
	    a, r->port, o->helo);
	transcript_add(&r->ts, "*", line);
	if (session_open(&x) != 0) {
		session_close(&x, 0);
		return 0;
	}
	for (n = 1; n <= TESTER_FORMS; n++) {
		if (!x.connected) {
			if (reconnects++ >= RECONNECTS_MAX ||
			    session_open(&x) != 0) {
				session_close(&x, 0);
				incomplete = 1;
				break;
			}
		}
		out = try_form(&x, n);
		if (out == F_AUTH) {
			auth = 1;
			break;
		}
		if (out == F_TEMP)
			temp = 1;
		if (out == F_LOST || out == F_CLOSING) {
			session_close(&x, 0);
			if (!retried && !r->accepted[n]) {
				retried = 1;
				n--;	/* this form again, once */
			}
			continue;
		}
		retried = 0;
	}
	session_close(&x, 1);
	if (o->deliver)
		await_tokens(&x);
	conclude(&x, auth, incomplete, temp);
	snprintf(line, sizeof(line), "result: %s: %s",
	    test_result_name(r->result), r->reason);
	transcript_add(&r->ts, "*", line);
	return 0;
}

void
tester_result_free(struct tester_result *r)
{
	transcript_free(&r->ts);
}

/*
 * smtp.h -- a small SMTP client for the relay tester, with a deadline on
 * everything and a transcript of everything.
 *
 * A struct smtp_conn is one connection, owned by the caller.  Connecting
 * and each reply are bounded by the timeout given to smtp_connect(); a
 * reply may span several lines ("250-..." then "250 ..."), bounded in
 * length and count.  Every line sent is recorded in the transcript as
 * "C: line" and every line received as "S: line", so the transcript is the
 * evidence stored with the result.
 *
 * Functions return 0 or a negative DNSBL_E* code; on DNSBL_EIO c->syserr
 * holds the errno-style cause (ECONNREFUSED, ETIMEDOUT, ECONNRESET, or
 * EPIPE for a connection closed by the server) and the transcript says so.
 */
#ifndef DNSBL_SMTP_H
#define DNSBL_SMTP_H

#include <stddef.h>
#include <sys/socket.h>

#define SMTP_LINE_MAX 1000		/* RFC 5321 4.5.3.1.5, with CRLF */
#define SMTP_REPLY_LINES_MAX 100
#define TRANSCRIPT_MAX (64 * 1024)	/* longer transcripts are cut */

/* A growing text, bounded by TRANSCRIPT_MAX; never NULL after a write. */
struct transcript {
	char *buf;
	size_t len, cap;
	int cut;			/* something was left out */
};

/* Append "PFX: text\n" (text up to its first line end); 0 or ENOMEM. */
int transcript_add(struct transcript *ts, const char *pfx, const char *text);
void transcript_free(struct transcript *ts);

struct smtp_conn {
	int fd;
	int timeout_ms;
	int syserr;			/* the cause of the last DNSBL_EIO */
	struct transcript *ts;
	char rbuf[4096];
	size_t rlen;
};

/*
 * Connect to sa within timeout_ms, recording into ts.  Returns 0, or
 * DNSBL_EIO with c->syserr set (the connection is then closed).
 */
int smtp_connect(struct smtp_conn *c, const struct sockaddr *sa,
    socklen_t salen, int timeout_ms, struct transcript *ts);
void smtp_close(struct smtp_conn *c);

/*
 * Read one reply: its code (100..599) in *code and the text of its first
 * line (after "NNN " or "NNN-") in text.  A reply that is not SMTP is
 * DNSBL_EPARSE; a timeout or a closed connection DNSBL_EIO.
 */
int smtp_reply(struct smtp_conn *c, int *code, char *text, size_t textlen);

/* Send one command line (CRLF added); 0 or DNSBL_EIO. */
int smtp_cmd(struct smtp_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* smtp_cmd() then smtp_reply(). */
int smtp_exchange(struct smtp_conn *c, int *code, char *text, size_t textlen,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Send a message body (lines separated by \n), dot-stuffed, then the
 * ending ".".  The transcript gets the body's lines as "C: " lines.
 */
int smtp_data(struct smtp_conn *c, const char *body);

#endif

/*
 * sink.h -- the relay tester's drop box: a minimal SMTP receiver.
 *
 * sink_serve() accepts SMTP on one socket, takes mail for any recipient
 * and throws the mail away, keeping only the tester's tokens found in it
 * (tester.h): each is recorded as a file SPOOL/TOKEN (written under a
 * temporary name, then renamed, so a reader never sees half of one)
 * holding the peer, HELO, sender, recipients and time, and as a line on
 * the log stream.  It is one poll() loop: at most max_conn sessions, each
 * closed after timeout_ms without a complete line from its client, lines
 * and messages bounded.  It serves until stopfd (a signalfd) is readable.
 *
 * In production the sink runs on the MX of the drop box's domain; the
 * tester looks for tokens in the same spool directory, so the two share it
 * (one machine, or a shared filesystem).
 */
#ifndef DNSBL_SINK_H
#define DNSBL_SINK_H

#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

struct errbuf;

struct sink_opts {
	struct sockaddr_storage ss;	/* where to listen */
	socklen_t sslen;
	const char *spool;		/* token directory, made if missing */
	const char *name;		/* the name in the banner */
	int timeout_ms;			/* idle time before a session closes */
	int max_conn;			/* sessions at once */
	size_t max_msg;			/* bytes of one message */
	FILE *log;			/* a line per token received */
};

/* Serve until stopfd is readable: 0, or DNSBL_EIO with the cause in eb. */
int sink_serve(const struct sink_opts *o, int stopfd, struct errbuf *eb);

#endif

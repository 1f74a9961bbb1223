/*
 * sink.h -- the relay tester's drop box: a minimal SMTP receiver.
 *
 * sink_serve() accepts SMTP on a listening socket, takes mail for the drop
 * box's domain only and throws the mail away, keeping only the tester's
 * tokens found in it (tester.h): each is recorded as a file SPOOL/TOKEN
 * (written under a temporary name, then renamed, so a reader never sees
 * half of one) holding the peer, HELO, sender, recipients and time, and as
 * a line on the log stream.  It never relays: a recipient outside the
 * domain, or with routing in it (%, !, a quoted local part, a domain
 * literal), gets 550.  It is one poll() loop: at most max_conn sessions,
 * each closed after timeout_ms without a complete line from its client,
 * lines, errors and messages bounded.  The spool is bounded too (spool.h):
 * files older than max_age are removed, and while it holds max_bytes new
 * mail gets 452.  It serves until stopfd (a signalfd) is readable.
 *
 * The caller binds first (sink_listen(), as root for port 25), prepares
 * the spool and drops its privileges (cmd_sink.c), then serves.
 *
 * In production the sink runs on the MX of the drop box's domain; the
 * tester looks for tokens in the same spool directory, so the two share it
 * (one machine, or a shared filesystem).
 */
#ifndef DNSBL_SINK_H
#define DNSBL_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

struct errbuf;

struct sink_opts {
	struct sockaddr_storage ss;	/* where to listen */
	socklen_t sslen;
	const char *spool;		/* token directory, made by the caller */
	uint64_t spool_max_bytes;	/* disk space of the spool, at most */
	uint32_t spool_max_age;		/* seconds a token file is kept */
	const char *domain;		/* the drop box's domain */
	const char *name;		/* the name in the banner */
	int timeout_ms;			/* idle time before a session closes */
	int max_conn;			/* sessions at once */
	size_t max_msg;			/* bytes of one message */
	FILE *log;			/* a line per token received */
};

/* Bind and listen on o->ss: the socket, or DNSBL_EIO with eb. */
int sink_listen(const struct sink_opts *o, struct errbuf *eb);

/*
 * Serve on lfd (which stays the caller's) until stopfd is readable: 0, or
 * DNSBL_EIO with the cause in eb (the spool unreadable, poll failed).
 */
int sink_serve(const struct sink_opts *o, int lfd, int stopfd,
    struct errbuf *eb);

#endif

/*
 * tester.h -- the relay tester: the classic battery of nmap's
 * smtp-open-relay script against one SMTP server, the delivery proof, and
 * the classification of the outcome as an enum test_result (store.h).
 *
 * tester_run() touches neither the store nor the config: it takes its
 * settings in a struct tester_opts and fills a struct tester_result, so
 * several may run at once in threads.  The caller records the result
 * (cmd_test.c) the way an import does, with the transcript as evidence.
 *
 * Outcomes:
 *   unreachable  refused or timed-out connection, no banner, a session
 *                lost or temporarily refused (4xx) before any verdict;
 *   closed       a 5xx or 421 banner, HELO refused, a 530 (authentication
 *                required), or every form refused permanently;
 *   suspected    RCPT accepted for an outside recipient in some form, but
 *                no delivery proven (accept-then-bounce, catch-alls);
 *   open         with deliver: a message carrying the token reached the
 *                sink's spool within the wait.
 */
#ifndef DNSBL_TESTER_H
#define DNSBL_TESTER_H

#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "smtp.h"

#define TESTER_FORMS 18		/* nmap's 16, unqualified, localhost */
#define TESTER_TOKEN_LEN 30	/* "dnsbl-" and 24 hex digits */

struct tester_opts {
	const char *helo;	/* announced name */
	const char *domain;	/* sender domain, D */
	const char *rcpt_local;	/* outside recipient: local part... */
	const char *rcpt_domain;	/* ...and domain (the drop box) */
	const char *spool;	/* where the sink records tokens */
	int timeout_ms;		/* connect and each reply */
	int wait_ms;		/* for a token to arrive */
	int deliver;		/* send DATA with the token */
};

struct tester_result {
	struct prefix addr;	/* the host tested, as a host prefix */
	int port;
	int result;		/* RESULT_OPEN ... RESULT_SUSPECTED */
	int64_t tested_at;	/* when the test began */
	char server[256];	/* the server's name (banner or EHLO) */
	char reason[256];	/* one line: why this result; it becomes
				 * the entry's reason, so it is no longer
				 * than an entry keeps (ENTRY_TEXT_MAX) */
	char token[TESTER_TOKEN_LEN + 1];
	unsigned char accepted[TESTER_FORMS + 1];	/* RCPT 2xx, by form */
	unsigned char sent[TESTER_FORMS + 1];		/* DATA accepted */
	unsigned char arrived[TESTER_FORMS + 1];	/* token at the sink */
	struct transcript ts;	/* the evidence */
};

/*
 * Parse "ADDRESS", "ADDRESS:PORT", "[V6]:PORT" or a bare IPv6 address
 * into a socket address; default_port when none is given.  0 or
 * DNSBL_EPARSE with the reason in eb.
 */
struct errbuf;
int tester_target(const char *s, int default_port,
    struct sockaddr_storage *ss, socklen_t *sslen, struct errbuf *eb);

/* Test the server at ss; fills r (free with tester_result_free()). */
int tester_run(const struct tester_opts *o, const struct sockaddr_storage *ss,
    socklen_t sslen, struct tester_result *r);
void tester_result_free(struct tester_result *r);

/* "3,7,12" for the forms set in f (TESTER_FORMS + 1 flags); "" if none. */
void tester_forms_text(const unsigned char *f, char *buf, size_t n);

/* 1 if s, of length n, is a token as the tester makes them. */
int tester_token_valid(const char *s, size_t n);

#endif

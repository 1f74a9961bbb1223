/*
 * webparam.h -- the parameters of a web request: a query string or an
 * application/x-www-form-urlencoded body ("ip=192.0.2.1&zone=..."), as
 * the web front end (web.c) takes them.  Hostile input by design: every
 * byte is checked, nothing is cut.
 *
 * Known keys are ip, zone, contact, note and csrf; others are ignored,
 * but at most WEBPARAM_PAIRS pairs are read.  A value is percent-decoded
 * ('+' is a space) and must be valid UTF-8 without control characters
 * (none at all in ip, zone, contact and csrf; the note may hold none
 * either: it is one line).  A key given twice is an error (no guessing
 * which one counts).
 *
 * No state: the caller owns the struct webparam, which holds copies.
 */
#ifndef DNSBL_WEBPARAM_H
#define DNSBL_WEBPARAM_H

#include <stddef.h>

#include "retest.h"

struct errbuf;

#define WEBPARAM_INPUT_MAX	4096	/* bytes of a query or a body */
#define WEBPARAM_PAIRS		32

#define WP_IP		0x01
#define WP_ZONE		0x02
#define WP_CONTACT	0x04
#define WP_NOTE		0x08
#define WP_CSRF		0x10

struct webparam {
	unsigned seen;			/* WP_* of the keys present */
	char ip[64];
	char zone[256];
	char contact[RETEST_CONTACT_MAX];
	char note[RETEST_NOTE_MAX];
	char csrf[128];
};

/*
 * Parse s (n bytes, need not be NUL-terminated) into wp (zeroed first).
 * 0; DNSBL_ERANGE (the input over WEBPARAM_INPUT_MAX bytes, too many
 * pairs, a value over its field) or DNSBL_EPARSE (a bad escape, invalid
 * UTF-8, a control character, a key twice), with a message for the user
 * in eb naming the parameter.
 */
int webparam_parse(const char *s, size_t n, struct webparam *wp,
    struct errbuf *eb);

/* 1 if s (n bytes) is valid UTF-8 without control characters. */
int webparam_text_ok(const char *s, size_t n);

#endif

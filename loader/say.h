/*
 * say.h -- every message the loader prints for a person, with the bytes of
 * its input made visible.
 *
 * Messages carry input: file names, arguments, fields of an import file,
 * what an SMTP peer sent, texts from the store.  Printed raw, an ESC would
 * reach the terminal as a control sequence and a newline could forge a
 * line of its own.  say() formats a message as printf(3) does and prints
 * it with these bytes escaped: those below 0x20 (\n, \r, \t, or \xNN),
 * DEL, every byte that is not part of valid UTF-8 (overlong forms and
 * surrogates included), and, each byte of them, the C1 controls (U+0080
 * to U+009F) and the marks that reorder text (U+061C, U+200E, U+200F,
 * U+202A to U+202E, U+2066 to U+2069).  A newline that ends the message is
 * kept: one say() prints at most one line, so a message of several lines
 * is several say() calls.  Everything else, a backslash too, is printed as
 * it is.  Every message of the loader to stderr, and every text it prints
 * to stdout (not the data of export, nor JSON, which json.c escapes),
 * goes through say().
 *
 * say_guard_stderr() is the backstop for what does not: it replaces the
 * process's stderr stream with one that escapes the same bytes except the
 * newline (getopt(3)'s own messages, for one).  main() calls it once with
 * a struct say_guard of static storage (the stream's state, used until the
 * process exits, after main() returns too).
 */
#ifndef DNSBL_SAY_H
#define DNSBL_SAY_H

#include <stddef.h>
#include <stdio.h>

void say(FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print n bytes of s to f, escaped as say() does (a newline too). */
void say_text(FILE *f, const char *s, size_t n);

struct say_guard {
	int fd;
	size_t ncarry;
	unsigned char carry[4];	/* a UTF-8 sequence the last write cut */
};

/* Replace stderr as above: 0, or -1 (stderr left as it was). */
int say_guard_stderr(struct say_guard *g);

#endif

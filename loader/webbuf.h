/*
 * webbuf.h -- a growing text buffer for the web front end's pages and
 * JSON, with HTML escaping.  The caller owns the struct webbuf; wb_take()
 * hands the text over (the caller frees it), wb_free() drops it.  After a
 * failed allocation the buffer keeps its error (err) and ignores writes.
 */
#ifndef DNSBL_WEBBUF_H
#define DNSBL_WEBBUF_H

#include <stddef.h>

struct webbuf {
	char *s;
	size_t len, cap;
	int err;
};

void wb_printf(struct webbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void wb_put(struct webbuf *b, const char *s, size_t n);
void wb_puts(struct webbuf *b, const char *s);
/*
 * s with & < > " ' as entities, control bytes other than tab and line
 * feed as U+FFFD; NULL writes nothing.
 */
void wb_html(struct webbuf *b, const char *s);
/* The same for n bytes of s. */
void wb_htmln(struct webbuf *b, const char *s, size_t n);
/* s percent-encoded for a query string. */
void wb_url(struct webbuf *b, const char *s);
char *wb_take(struct webbuf *b, size_t *len);
void wb_free(struct webbuf *b);

#endif

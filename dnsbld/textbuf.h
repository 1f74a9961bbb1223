/*
 * textbuf.h -- a growing text buffer, for the control socket's JSON and
 * the Prometheus page.
 *
 * Ownership: the caller owns the struct; tb_free() releases its memory.
 * An allocation failure sticks (tb->err) and later appends do nothing, so
 * a writer checks once at the end.
 */
#ifndef DNSBLD_TEXTBUF_H
#define DNSBLD_TEXTBUF_H

#include <stddef.h>

struct textbuf {
	char *s;			/* NUL-terminated */
	size_t len, cap;
	int err;			/* out of memory */
};

void tb_printf(struct textbuf *tb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s as a JSON string, quoted and escaped. */
void tb_json_str(struct textbuf *tb, const char *s);
void tb_free(struct textbuf *tb);

#endif

/*
 * textbuf.c -- a growing text buffer (textbuf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textbuf.h"

static int
grow(struct textbuf *tb, size_t need)
{
	size_t cap = tb->cap ? tb->cap : 1024;
	char *s;

	while (cap < tb->len + need + 1)
		cap *= 2;
	if (cap == tb->cap)
		return 0;
	if ((s = realloc(tb->s, cap)) == NULL) {
		tb->err = 1;
		return -1;
	}
	tb->s = s;
	tb->cap = cap;
	return 0;
}

void
tb_printf(struct textbuf *tb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (tb->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(tb, (size_t)n) != 0) {
		tb->err = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(tb->s + tb->len, tb->cap - tb->len, fmt, ap);
	va_end(ap);
	tb->len += (size_t)n;
}

void
tb_json_str(struct textbuf *tb, const char *s)
{
	const unsigned char *p;

	tb_printf(tb, "\"");
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			tb_printf(tb, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			tb_printf(tb, "\\u%04x", *p);
		else
			tb_printf(tb, "%c", *p);
	}
	tb_printf(tb, "\"");
}

void
tb_free(struct textbuf *tb)
{
	free(tb->s);
	memset(tb, 0, sizeof(*tb));
}

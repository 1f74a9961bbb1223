/*
 * webbuf.c -- the web front end's text buffer (webbuf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webbuf.h"

static int
grow(struct webbuf *b, size_t more)
{
	size_t nc;
	char *n;

	if (b->err)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	nc = b->cap ? b->cap : 1024;
	while (nc < b->len + more + 1)
		nc *= 2;
	if ((n = realloc(b->s, nc)) == NULL) {
		b->err = 1;
		return -1;
	}
	b->s = n;
	b->cap = nc;
	return 0;
}

void
wb_put(struct webbuf *b, const char *s, size_t n)
{
	if (grow(b, n) != 0)
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
wb_puts(struct webbuf *b, const char *s)
{
	wb_put(b, s, strlen(s));
}

void
wb_printf(struct webbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
wb_htmln(struct webbuf *b, const char *s, size_t n)
{
	size_t i, run = 0;
	const char *ent;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default:
			/* other control bytes: shown, never passed on */
			if ((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
			    s[i] != '\n') {
				ent = "\xef\xbf\xbd";	/* U+FFFD */
				break;
			}
			run++;
			continue;
		}
		wb_put(b, s + i - run, run);
		run = 0;
		wb_puts(b, ent);
	}
	wb_put(b, s + n - run, run);
}

void
wb_html(struct webbuf *b, const char *s)
{
	if (s != NULL)
		wb_htmln(b, s, strlen(s));
}

void
wb_url(struct webbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3];

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || c == ':') {
			wb_put(b, s, 1);
			continue;
		}
		e[0] = '%'; e[1] = hex[c >> 4]; e[2] = hex[c & 15];
		wb_put(b, e, 3);
	}
}

char *
wb_take(struct webbuf *b, size_t *len)
{
	char *s = b->s;

	if (b->err || s == NULL) {
		free(s);
		s = NULL;
	}
	*len = b->len;
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void
wb_free(struct webbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

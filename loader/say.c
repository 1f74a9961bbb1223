/*
 * say.c -- messages with the bytes of their input made visible (say.h).
 *
 * One escaper serves both say() (a whole message, its newlines escaped
 * but the last) and the stderr backstop (a stream of chunks, newlines kept,
 * a UTF-8 sequence cut by the end of a chunk carried to the next).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "say.h"

#define KEEP_NL	0x1	/* print newlines as they are */
#define PARTIAL	0x2	/* stop before a sequence the end cuts */

typedef int (*emit_fn)(void *arg, const char *b, size_t n);

/*
 * How the bytes at p (n of them, n >= 1) may be shown: the length of a
 * character printed as it is (1 for printable ASCII, 2 to 4 for valid
 * UTF-8 that is neither a C1 control nor a mark that reorders text); 0 if
 * the first byte is to be escaped; -1 if p holds the valid start of a
 * sequence that the end of the buffer cuts.
 */
static int
visible(const unsigned char *p, size_t n)
{
	unsigned lo = 0x80, hi = 0xbf;
	uint32_t cp;
	int len, i;

	if (p[0] >= 0x20 && p[0] < 0x7f)
		return 1;
	if (p[0] < 0xc2 || p[0] > 0xf4)	/* controls, DEL, stray or */
		return 0;		/* overlong leads, past U+10FFFF */
	if (p[0] < 0xe0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] < 0xf0) {
		len = 3;
		cp = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else {
		len = 4;
		cp = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	}
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (p[i] < lo || p[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp <= 0x9f || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return len;
}

/*
 * Escape n bytes of s, handing the result to emit in pieces.  Returns the
 * bytes consumed: n, or with PARTIAL fewer, the rest being the start of a
 * sequence cut by the end; -1 if emit failed.
 */
static long
escape(const unsigned char *s, size_t n, int flags, emit_fn emit, void *arg)
{
	static const char hex[] = "0123456789abcdef";
	char out[512];
	size_t i = 0, o = 0;
	int k;

	while (i < n) {
		if (o + 4 > sizeof(out)) {
			if (emit(arg, out, o) != 0)
				return -1;
			o = 0;
		}
		k = visible(s + i, n - i);
		if (k < 0 && (flags & PARTIAL))
			break;
		if (k > 0) {		/* k <= 4: it fits */
			memcpy(out + o, s + i, (size_t)k);
			o += (size_t)k;
			i += (size_t)k;
			continue;
		}
		if (s[i] == '\n' && (flags & KEEP_NL)) {
			out[o++] = '\n';
		} else {
			out[o++] = '\\';
			if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
				out[o++] = s[i] == '\n' ? 'n' : s[i] == '\r' ?
				    'r' : 't';
			else {
				out[o++] = 'x';
				out[o++] = hex[s[i] >> 4];
				out[o++] = hex[s[i] & 15];
			}
		}
		i++;
	}
	if (o > 0 && emit(arg, out, o) != 0)
		return -1;
	return (long)i;
}

static int
emit_file(void *arg, const char *b, size_t n)
{
	return fwrite(b, 1, n, (FILE *)arg) == n ? 0 : -1;
}

void
say_text(FILE *f, const char *s, size_t n)
{
	(void)escape((const unsigned char *)s, n, 0, emit_file, f);
}

void
say(FILE *f, const char *fmt, ...)
{
	char buf[1024], *p = buf;
	size_t len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n;
	if (len >= sizeof(buf)) {
		if ((p = malloc(len + 1)) == NULL) {
			p = buf;		/* out of memory: what fits */
			len = sizeof(buf) - 1;
		} else {
			va_start(ap, fmt);
			vsnprintf(p, len + 1, fmt, ap);
			va_end(ap);
		}
	}
	if (len > 0 && p[len - 1] == '\n') {
		say_text(f, p, len - 1);
		fputc('\n', f);
	} else
		say_text(f, p, len);
	if (p != buf)
		free(p);
}

/* ---- the stderr backstop ---- */

static int
emit_fd(void *arg, const char *b, size_t n)
{
	const struct say_guard *g = arg;
	ssize_t w;

	while (n > 0) {
		w = write(g->fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t
guard_write(void *cookie, const char *buf, size_t len)
{
	struct say_guard *g = cookie;
	unsigned char work[4096 + sizeof(g->carry)];
	size_t used = 0, take, n;
	long done;

	while (used < len) {
		take = len - used;
		if (take > sizeof(work) - g->ncarry)
			take = sizeof(work) - g->ncarry;
		memcpy(work, g->carry, g->ncarry);
		memcpy(work + g->ncarry, buf + used, take);
		n = g->ncarry + take;
		used += take;
		if ((done = escape(work, n, KEEP_NL | PARTIAL, emit_fd, g)) < 0)
			return -1;
		g->ncarry = n - (size_t)done;	/* at most 3 bytes */
		memcpy(g->carry, work + done, g->ncarry);
	}
	return (ssize_t)len;
}

static int
guard_close(void *cookie)
{
	struct say_guard *g = cookie;

	/* A sequence never completed: its bytes, escaped. */
	(void)escape(g->carry, g->ncarry, KEEP_NL, emit_fd, g);
	g->ncarry = 0;
	return 0;
}

int
say_guard_stderr(struct say_guard *g)
{
	cookie_io_functions_t io = { .write = guard_write,
	    .close = guard_close };
	FILE *f;

	memset(g, 0, sizeof(*g));
	fflush(stderr);
	g->fd = fileno(stderr);
	if (g->fd < 0 || (f = fopencookie(g, "w", io)) == NULL)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	stderr = f;
	return 0;
}

/*
 * json.c -- the streaming JSON writer.
 */
#include <string.h>

#include "json.h"
#include "timefmt.h"

void
json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = 1;
}

static void
sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = 0;
}

static void
open_(struct json *j, int c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth < JSON_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = 1;
}

static void
close_(struct json *j, int c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->f);
}

void json_obj_open(struct json *j) { open_(j, '{'); }
void json_obj_close(struct json *j) { close_(j, '}'); }
void json_arr_open(struct json *j) { open_(j, '['); }
void json_arr_close(struct json *j) { close_(j, ']'); }

/*
 * Length of the valid UTF-8 sequence at s, or 0: overlong forms,
 * surrogates and code points past U+10FFFF are not valid (RFC 3629).
 */
static int
utf8_len(const unsigned char *s)
{
	unsigned lo = 0x80, hi = 0xbf;
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] < 0xe0)
		n = 2;
	else if (s[0] < 0xf0) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	}
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)	/* the NUL too */
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

static void
put_string(struct json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;

	fputc('"', j->f);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			fputc('\\', j->f);
			fputc(*p++, j->f);
		} else if (*p == '\n') {
			fputs("\\n", j->f);
			p++;
		} else if (*p == '\r') {
			fputs("\\r", j->f);
			p++;
		} else if (*p == '\t') {
			fputs("\\t", j->f);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(j->f, "\\u%04x", *p++);
		} else if ((n = utf8_len(p)) == 0) {
			fputs("\\ufffd", j->f);
			p++;
		} else {
			fwrite(p, 1, (size_t)n, j->f);
			p += n;
		}
	}
	fputc('"', j->f);
}

void
json_key(struct json *j, const char *key)
{
	sep(j);
	put_string(j, key);
	fputc(':', j->f);
	j->after_key = 1;
}

void
json_str(struct json *j, const char *s)
{
	sep(j);
	if (s == NULL)
		fputs("null", j->f);
	else
		put_string(j, s);
}

void
json_int(struct json *j, int64_t v)
{
	sep(j);
	fprintf(j->f, "%lld", (long long)v);
}

void
json_bool(struct json *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void
json_null(struct json *j)
{
	sep(j);
	fputs("null", j->f);
}

void
json_time(struct json *j, int64_t t)
{
	char buf[TIME_STRLEN];

	if (t == 0) {
		json_null(j);
		return;
	}
	time_format(t, buf);
	json_str(j, buf);
}

void
json_end(struct json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}

/*
 * json.h -- a minimal streaming JSON writer over a FILE.
 *
 * The caller owns the struct json and the FILE.  Commas are placed
 * automatically; nesting is limited to JSON_DEPTH levels.  Strings are
 * escaped per RFC 8259 (control characters as \u00XX); bytes that are not
 * valid UTF-8 are written as U+FFFD.
 */
#ifndef DNSBL_JSON_H
#define DNSBL_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH 16

struct json {
	FILE *f;
	int depth;
	int first[JSON_DEPTH];
	int after_key;
};

void json_init(struct json *j, FILE *f);
void json_obj_open(struct json *j);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j);
void json_arr_close(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);	/* NULL writes null */
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* A time as an RFC 3339 string, or null for 0. */
void json_time(struct json *j, int64_t t);
/* Finish the document with a newline. */
void json_end(struct json *j);

#endif

/*
 * err.c -- error strings and the error message buffer.
 */
#include <stdarg.h>
#include <stdio.h>

#include "err.h"

static const char *const err_text[] = {
	"success",
	"out of memory",
	"input/output error",
	"malformed input",
	"value out of range",
	"not found",
	"already exists",
	"database error",
	"invalid argument",
	"no space left in buffer or limit",
	"refused by policy",
	"older than the stored data",
	"the database map is full",
	"no space left on the device",
	"the database is damaged",
};

const char *
dnsbl_strerror(int code)
{
	if (code > 0 || code <= DNSBL_EMAX)
		return "unknown error";
	return err_text[-code];
}

int
errbuf_set(struct errbuf *eb, int code, const char *fmt, ...)
{
	va_list ap;

	if (eb == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
	return code;
}

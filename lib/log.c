/*
 * log.c -- logging to stderr, or to syslog through a stdio cookie.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "err.h"
#include "log.h"

static void
vlog(const char *fmt, va_list ap, int with_errno, int saved)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (with_errno)
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name,
		    buf, strerror(saved));
	else
		fprintf(stderr, "%s: %s\n", program_invocation_short_name, buf);
	fflush(stderr);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 0, 0);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 1, saved);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 0, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 1, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 0, 0);
	va_end(ap);
	exit(1);
}

static ssize_t
syslog_write(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	/* Strip the "prog: " prefix: syslog adds its own ident. */
	size_t n = strlen(program_invocation_short_name);
	size_t skip = 0;

	if (len > n + 2 && memcmp(buf, program_invocation_short_name, n) == 0 &&
	    buf[n] == ':' && buf[n + 1] == ' ')
		skip = n + 2;
	syslog(LOG_NOTICE, "%.*s", (int)(len - skip - (len > skip &&
	    buf[len - 1] == '\n')), buf + skip);
	return (ssize_t)len;
}

int
log_to_syslog(const char *ident)
{
	cookie_io_functions_t io = { .write = syslog_write };
	FILE *f;

	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	f = fopencookie(NULL, "w", io);
	if (f == NULL)
		return DNSBL_EIO;
	setvbuf(f, NULL, _IOLBF, 0);
	stderr = f;
	return 0;
}

/*
 * log.c -- logging with syslog priorities, to stderr, the journal or
 * syslog (log.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

enum { TO_STDERR, TO_SYSLOG };

/* The process's logging context (log.h says who writes it). */
static struct {
	int level;		/* atomic: the least urgent priority logged */
	int dest;		/* atomic: TO_STDERR or TO_SYSLOG */
	int echo;		/* atomic: with TO_SYSLOG, warnings to stderr */
	int journal;		/* stderr is the journal: set once, by once */
	pthread_once_t once;
} lg = { LOG_INFO, TO_STDERR, 0, 0, PTHREAD_ONCE_INIT };

static const char *const level_names[] = {
	[LOG_EMERG] = "emergency", [LOG_ALERT] = "alert",
	[LOG_CRIT] = "critical", [LOG_ERR] = "error",
	[LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug"
};

/*
 * systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connects
 * stderr to; if stderr is still that stream, lines carry "<N>" prefixes.
 */
static void
detect_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;
	char tail;

	if (js == NULL || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return;
	if (fstat(STDERR_FILENO, &sb) == 0 &&
	    (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino)
		lg.journal = 1;
}

static void
vlog(int pri, const char *fmt, va_list ap, int with_errno, int saved)
{
	char buf[1024];
	int dest;

	if (pri > __atomic_load_n(&lg.level, __ATOMIC_RELAXED) &&
	    pri > LOG_ERR)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (with_errno) {
		size_t n = strlen(buf);

		snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(saved));
	}
	dest = __atomic_load_n(&lg.dest, __ATOMIC_RELAXED);
	if (dest == TO_SYSLOG) {
		syslog(pri, "%s", buf);
		if (pri > LOG_WARNING ||
		    !__atomic_load_n(&lg.echo, __ATOMIC_RELAXED))
			return;
	}
	pthread_once(&lg.once, detect_journal);
	if (lg.journal && dest == TO_STDERR)
		fprintf(stderr, "<%d>%s\n", pri, buf);
	else
		fprintf(stderr, "%s: %s\n", program_invocation_short_name,
		    buf);
	fflush(stderr);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_NOTICE, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 1, saved);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 0, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, 1, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, 0, 0);
	va_end(ap);
	exit(1);
}

void
log_set_level(int pri)
{
	if (pri < LOG_ERR)
		pri = LOG_ERR;
	if (pri > LOG_DEBUG)
		pri = LOG_DEBUG;
	__atomic_store_n(&lg.level, pri, __ATOMIC_RELAXED);
}

int
log_get_level(void)
{
	return __atomic_load_n(&lg.level, __ATOMIC_RELAXED);
}

int
log_level_parse(const char *word)
{
	int pri;

	if (word == NULL)
		return -1;
	for (pri = LOG_ERR; pri <= LOG_DEBUG; pri++)
		if (strcmp(word, level_names[pri]) == 0)
			return pri;
	return -1;
}

const char *
log_level_name(int pri)
{
	if (pri < LOG_EMERG || pri > LOG_DEBUG)
		return "?";
	return level_names[pri];
}

int
log_to_syslog(const char *ident, int echo)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	__atomic_store_n(&lg.echo, echo, __ATOMIC_RELAXED);
	__atomic_store_n(&lg.dest, TO_SYSLOG, __ATOMIC_RELAXED);
	return 0;
}

void
log_echo_off(void)
{
	__atomic_store_n(&lg.echo, 0, __ATOMIC_RELAXED);
}

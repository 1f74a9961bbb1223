/*
 * log.h -- logging with syslog priorities, in the style of OpenSMTPD.
 *
 * Each function logs at one priority of syslog(3):
 *   fatal(), fatalx()          LOG_ERR, then exit(1)
 *   log_warn(), log_warnx()    LOG_WARNING
 *   log_notice()               LOG_NOTICE   start, reload, exit
 *   log_info()                 LOG_INFO     routine events
 *   log_debug()                LOG_DEBUG    detail
 * The *_warn() and fatal() forms append strerror(errno); the x forms do not.
 *
 * Messages go to stderr as "PROG: message", or, when stderr is the
 * systemd journal (JOURNAL_STREAM names stderr's device and inode), as
 * "<N>message" with N the priority (sd-daemon(3)), so that the journal
 * keeps it.  After log_to_syslog() they go to syslog(3) at their priority.
 *
 * State: this module keeps the process's logging context in one static
 * struct, like the stderr stream it writes to: the level (messages less
 * urgent than it are dropped) and the destination.  They are read by every
 * thread and written only by main() (log_set_level() on start-up and
 * SIGHUP, log_to_syslog() and log_echo_off() when detaching), with atomic
 * loads and stores, so logging is safe from every thread.
 */
#ifndef DNSBL_LOG_H
#define DNSBL_LOG_H

#include <syslog.h>

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Log only messages of priority pri (LOG_ERR .. LOG_DEBUG) or more urgent;
 * the start is LOG_INFO.  Errors are always logged.
 */
void log_set_level(int pri);
int log_get_level(void);

/*
 * The priority named by word ("error", "warning", "notice", "info",
 * "debug"), or -1.  The name of priority pri, or "?".
 */
int log_level_parse(const char *word);
const char *log_level_name(int pri);

/*
 * From now on, log to syslog(3) under ident, facility LOG_DAEMON.  With
 * echo, warnings and errors are also written to stderr until
 * log_echo_off(): a daemon says what stops it from starting on the
 * terminal that started it, then detaches.  Returns 0.
 */
int log_to_syslog(const char *ident, int echo);
void log_echo_off(void);

#endif

/*
 * log.h -- logging, in the style of OpenSMTPD.
 *
 * Messages go to stderr as "PROG: message".  A daemon that detaches points
 * stderr elsewhere (see log_to_syslog()); this module keeps no state of its
 * own, so it is safe from every thread.
 *
 * log_warn() appends strerror(errno); log_warnx() does not.  fatal() and
 * fatalx() log and exit(1).
 */
#ifndef DNSBL_LOG_H
#define DNSBL_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Replace the process's stderr stream with one that writes each line to
 * syslog(3) under ident, facility LOG_DAEMON.  Call once, from main(), when
 * detaching.  Returns 0 or DNSBL_EIO.
 */
int log_to_syslog(const char *ident);

#endif

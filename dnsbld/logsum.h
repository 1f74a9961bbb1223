/*
 * logsum.h -- log lines that a client can provoke, summarized.
 *
 * A refused transfer, a connection closed for a per-client limit, a
 * slow client evicted: each is worth a line, but a client that repeats it
 * fifty times a second must not write fifty lines.  logsum_event() logs the
 * first event of a kind from one client network (/24 for IPv4, /56 for
 * IPv6) in each interval in full, and only counts the rest; when the
 * interval has passed, logsum_tick() writes one line per kind and network,
 * "KIND from NET: N more in the last S s", and starts again.
 *
 * The table has LOGSUM_SLOTS entries.  When it is full, events of new
 * keys are counted together and summarized as "from other networks", so
 * a spoofed flood from many networks costs a fixed amount of memory and
 * one line per interval.
 *
 * Ownership: the server owns one logsum (logsum_new(), logsum_free()).  It
 * is safe from every thread (one mutex; events are refusals, not queries).
 * `kind` must be a string that lives as long as the logsum (a literal):
 * kinds are told apart by pointer.  A NULL logsum logs every event (the
 * fuzz targets run the threads without one).
 */
#ifndef DNSBLD_LOGSUM_H
#define DNSBLD_LOGSUM_H

#include <sys/socket.h>

#include <stdint.h>

struct logsum;

#define LOGSUM_SLOTS	256
#define LOGSUM_INTERVAL	60	/* seconds: the server's interval */

/* A logsum summarizing every interval_s seconds.  0 or DNSBL_ENOMEM. */
int logsum_new(struct logsum **ls, unsigned interval_s);

void logsum_free(struct logsum *ls);

/*
 * One event of kind from peer (the client's address; NULL for none),
 * described by the printf-style rest.  Logged now if it is the first of
 * its kind from peer's network in this interval, else counted.  Returns 1
 * when it was logged, 0 when counted.
 */
int logsum_event(struct logsum *ls, const char *kind,
    const struct sockaddr *peer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Write the summaries of an interval that has passed and start the next.
 * Call about once a second from any thread; cheap when nothing is due.
 * force: write them all now (at exit).
 */
void logsum_tick(struct logsum *ls, int force);

/* The total of events counted without a line of their own, ever. */
uint64_t logsum_suppressed(struct logsum *ls);

#endif

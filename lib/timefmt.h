/*
 * timefmt.h -- RFC 3339 times, as the loader reads and prints them, and
 * the times its options take.
 * No state; buffers belong to the caller.
 */
#ifndef DNSBL_TIMEFMT_H
#define DNSBL_TIMEFMT_H

#include <stdint.h>

#define TIME_STRLEN 32

/*
 * Parse "2026-11-23T10:00:00Z", "2026-11-23 10:00:00+01:00" or with
 * fractional seconds (dropped) into Unix seconds.  A zone designator (Z or
 * an offset) is required.  Returns 0 or DNSBL_EPARSE.
 */
int time_parse(const char *s, int64_t *out);

/*
 * A time as an option gives it (history --since, ...): an RFC 3339 time as
 * time_parse() takes it, a plain date "2026-11-23" (midnight UTC), or an
 * age before now: a number and a unit, s, m, h, d or w, or several of
 * them ("7d", "12h", "30m", "1d12h").  Returns 0, DNSBL_EPARSE, or
 * DNSBL_ERANGE for an age reaching back before 1970.
 */
int time_parse_arg(const char *s, int64_t now, int64_t *out);

/* Format t as "2026-11-23T10:00:00Z", or "never" for 0. */
void time_format(int64_t t, char buf[TIME_STRLEN]);

#endif

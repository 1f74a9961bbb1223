/*
 * timefmt.h -- RFC 3339 times, as the loader reads and prints them.
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

/* Format t as "2026-11-23T10:00:00Z", or "never" for 0. */
void time_format(int64_t t, char buf[TIME_STRLEN]);

#endif

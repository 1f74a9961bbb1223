/*
 * timefmt.c -- RFC 3339 parsing and formatting, in UTC; the times of
 * options (dates, ages).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "timefmt.h"

/* Read exactly n digits. */
static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	*out = v;
	return 0;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
time_parse(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	const char *p = s;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	struct tm tm;
	int64_t t;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return DNSBL_EPARSE;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return DNSBL_EPARSE;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) ||
	    *p++ != ':' || digits(&p, 2, &sec))
		return DNSBL_EPARSE;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return DNSBL_EPARSE;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om))
			return DNSBL_EPARSE;
		if (oh > 23 || om > 59)
			return DNSBL_EPARSE;
	} else
		return DNSBL_EPARSE;
	if (*p != '\0')
		return DNSBL_EPARSE;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 ||
	    sec > 60)
		return DNSBL_EPARSE;
	if (d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return DNSBL_EPARSE;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec > 59 ? 59 : sec;
	t = (int64_t)timegm(&tm);
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	*out = t;
	return 0;
}

/* "2026-11-23": midnight UTC of that day. */
static int
date_parse(const char *s, int64_t *out)
{
	char buf[32];

	if (strlen(s) != 10)
		return DNSBL_EPARSE;
	snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
	return time_parse(buf, out);
}

/* "7d", "12h", "1d12h": an age in seconds. */
static int
age_parse(const char *s, int64_t *out)
{
	const int64_t max = (int64_t)200 * 366 * 86400;
	int64_t total = 0, n, unit;

	if (*s == '\0')
		return DNSBL_EPARSE;
	while (*s) {
		if (!isdigit((unsigned char)*s))
			return DNSBL_EPARSE;
		for (n = 0; isdigit((unsigned char)*s); s++) {
			n = n * 10 + (*s - '0');
			if (n > max)
				return DNSBL_ERANGE;
		}
		switch (*s++) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		default: return DNSBL_EPARSE;
		}
		total += n * unit;
		if (total > max)
			return DNSBL_ERANGE;
	}
	*out = total;
	return 0;
}

int
time_parse_arg(const char *s, int64_t now, int64_t *out)
{
	int64_t age;
	int rc;

	if (time_parse(s, out) == 0 || date_parse(s, out) == 0)
		return 0;
	if ((rc = age_parse(s, &age)) != 0)
		return rc;
	if (age > now)
		return DNSBL_ERANGE;
	*out = now - age;
	return 0;
}

void
time_format(int64_t t, char buf[TIME_STRLEN])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, TIME_STRLEN, "never");
		return;
	}
	strftime(buf, TIME_STRLEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * webpage.h -- the web front end's HTML: plain server-rendered pages that
 * work without JavaScript (no script at all), one stylesheet
 * (WEBPAGE_CSS, served as /static/style.css), every value from the store
 * or the request HTML-escaped (webbuf.h's wb_html()).
 *
 * Each function appends one whole page to the caller's struct webbuf.
 * No state.
 */
#ifndef DNSBL_WEBPAGE_H
#define DNSBL_WEBPAGE_H

#include <stddef.h>
#include <stdint.h>

struct webbuf;
struct web_lookup;

extern const char WEBPAGE_CSS[];
extern const size_t WEBPAGE_CSS_LEN;

/* What a page was asked and how it went, for its top. */
struct webpage_info {
	const char *title;		/* the list's name, e.g. the 1st zone */
	const char *ip;			/* as the user typed it, or NULL */
	const char *token;		/* CSRF token for forms, or NULL */
	int64_t now;
};

/* The result of a retest request, for the page after the form. */
struct webpage_retest {
	int ok;
	uint64_t id;
	const char *zone;
	const char *ip;
	const char *message;		/* the refusal's reason */
	int64_t retry_at;		/* possible from then, or 0 */
};

/* The front page: what this is, and the lookup form. */
void webpage_home(struct webbuf *b, const struct webpage_info *pi);
/* The answer for one address, every zone. */
void webpage_lookup(struct webbuf *b, const struct webpage_info *pi,
    const struct web_lookup *wl);
/* A retest request taken or refused. */
void webpage_retest(struct webbuf *b, const struct webpage_info *pi,
    const struct webpage_retest *r);
/* An error page: heading and message (both escaped here). */
void webpage_error(struct webbuf *b, const struct webpage_info *pi,
    const char *heading, const char *message);

/* "2026-11-30T10:00:00Z (3 hours ago)"; "never" for 0. */
void webpage_when(struct webbuf *b, int64_t t, int64_t now);

#endif

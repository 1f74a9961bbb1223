/*
 * webpage.c -- the web front end's HTML (webpage.h).
 */
#include <stdio.h>
#include <string.h>

#include "timefmt.h"
#include "webbuf.h"
#include "weblookup.h"
#include "webpage.h"

const char WEBPAGE_CSS[] =
"body{font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;"
"background:#fff;margin:0 auto;max-width:52rem;padding:0 1rem 2rem}\n"
"h1{font-size:1.5rem}h2{font-size:1.25rem;margin-top:2rem;"
"border-bottom:1px solid #ccc}h3{font-size:1.05rem}\n"
"a{color:#0645ad}\n"
".listed{color:#9b0000;font-weight:bold}"
".clear{color:#0a5c0a;font-weight:bold}\n"
".notice{border:2px solid #0a5c0a;padding:.5rem 1rem}"
".refused,.error{border:2px solid #9b0000;padding:.5rem 1rem}\n"
"dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}"
"dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}\n"
"@media (max-width:30rem){dl{grid-template-columns:1fr}dd{margin-left:1rem}}\n"
"pre{background:#f4f4f4;color:#1a1a1a;padding:.5rem;overflow-x:auto;"
"white-space:pre-wrap;overflow-wrap:anywhere}\n"
"label{display:block;font-weight:bold;margin-top:.75rem}\n"
"input,textarea,button{font-size:1rem;padding:.4rem;max-width:100%}"
"input,textarea{width:24rem;border:1px solid #555}\n"
"button{margin-top:.75rem;background:#0645ad;color:#fff;border:0;"
"padding:.5rem 1rem}\n"
":focus{outline:3px solid #e0a000}\n"
"table{border-collapse:collapse}td,th{text-align:left;padding:.2rem .6rem;"
"border-bottom:1px solid #ddd}\n";
const size_t WEBPAGE_CSS_LEN = sizeof(WEBPAGE_CSS) - 1;

static void
age(struct webbuf *b, int64_t t, int64_t now)
{
	int64_t d = now - t, a = d < 0 ? -d : d;
	const char *unit;
	long long n;

	if (a < 60) {
		wb_puts(b, d < 0 ? "in under a minute" : "just now");
		return;
	}
	if (a < 3600) { n = a / 60; unit = "minute"; }
	else if (a < 86400 * 2) { n = a / 3600; unit = "hour"; }
	else if (a < 86400 * 60) { n = a / 86400; unit = "day"; }
	else if (a < 86400 * 730) { n = a / (86400 * 30); unit = "month"; }
	else { n = a / (86400 * 365); unit = "year"; }
	wb_printf(b, d < 0 ? "in %lld %s%s" : "%lld %s%s ago", n, unit,
	    n == 1 ? "" : "s");
}

void
webpage_when(struct webbuf *b, int64_t t, int64_t now)
{
	char buf[TIME_STRLEN];

	if (t == 0) {
		wb_puts(b, "never");
		return;
	}
	time_format(t, buf);
	wb_printf(b, "<time datetime=\"%s\">%s</time> (", buf, buf);
	age(b, t, now);
	wb_puts(b, ")");
}

static void
head(struct webbuf *b, const struct webpage_info *pi, const char *what)
{
	wb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>");
	wb_html(b, what);
	wb_puts(b, " - ");
	wb_html(b, pi->title);
	wb_puts(b, "</title>\n<link rel=\"stylesheet\" "
	    "href=\"/static/style.css\">\n</head>\n<body>\n<header>\n"
	    "<p><a href=\"/\">");
	wb_html(b, pi->title);
	wb_puts(b, "</a>: who is listed, why, and how to get out</p>\n"
	    "</header>\n<main>\n");
}

static void
lookup_form(struct webbuf *b, const struct webpage_info *pi)
{
	wb_puts(b, "<form method=\"get\" action=\"/lookup\" role=\"search\">\n"
	    "<label for=\"ip\">IP address (IPv4 or IPv6)</label>\n"
	    "<input id=\"ip\" name=\"ip\" type=\"text\" inputmode=\"text\" "
	    "autocomplete=\"off\" spellcheck=\"false\" maxlength=\"63\" "
	    "required value=\"");
	wb_html(b, pi->ip ? pi->ip : "");
	wb_puts(b, "\">\n<button type=\"submit\">Look up</button>\n</form>\n");
}

static void
foot(struct webbuf *b, const struct webpage_info *pi)
{
	char now[TIME_STRLEN];

	time_format(pi->now, now);
	wb_printf(b, "</main>\n<footer>\n<p>All times are UTC.  This page was "
	    "made at %s.  Machine-readable: <a href=\"/api/v1/", now);
	if (pi->ip) {
		wb_puts(b, "lookup?ip=");
		wb_url(b, pi->ip);
	} else
		wb_puts(b, "lookup?ip=192.0.2.1");
	wb_puts(b, "\">JSON</a>.</p>\n</footer>\n</body>\n</html>\n");
}

void
webpage_home(struct webbuf *b, const struct webpage_info *pi)
{
	head(b, pi, "Lookup");
	wb_puts(b, "<h1>Is my address listed?</h1>\n<p>This list names mail "
	    "servers found relaying mail for anyone (open relays).  Enter "
	    "the address of your mail server to see whether it is listed, "
	    "the evidence, and how to ask for a retest.</p>\n");
	lookup_form(b, pi);
	foot(b, pi);
}

void
webpage_error(struct webbuf *b, const struct webpage_info *pi,
    const char *heading, const char *message)
{
	head(b, pi, heading);
	wb_puts(b, "<h1>");
	wb_html(b, heading);
	wb_puts(b, "</h1>\n<p class=\"error\" role=\"alert\">");
	wb_html(b, message);
	wb_puts(b, "</p>\n");
	lookup_form(b, pi);
	foot(b, pi);
}

static void
dd_text(struct webbuf *b, const char *dt, const char *dd)
{
	wb_puts(b, "<dt>");
	wb_html(b, dt);
	wb_puts(b, "</dt><dd>");
	wb_html(b, dd);
	wb_puts(b, "</dd>\n");
}

static void
dd_when(struct webbuf *b, const char *dt, int64_t t, int64_t now)
{
	wb_puts(b, "<dt>");
	wb_html(b, dt);
	wb_puts(b, "</dt><dd>");
	webpage_when(b, t, now);
	wb_puts(b, "</dd>\n");
}

static void
evidence(struct webbuf *b, const struct web_zone *z, int64_t now)
{
	const struct web_evidence *ev = &z->ev;

	wb_puts(b, "<h3>Evidence</h3>\n");
	if (!ev->have) {
		wb_puts(b, "<p>No test evidence is recorded for this "
		    "listing.</p>\n");
		return;
	}
	wb_puts(b, "<dl>\n");
	dd_when(b, "Tested", ev->tested_at, now);
	if (ev->result)
		dd_text(b, "Result", ev->result);
	if (ev->server[0])
		dd_text(b, "Server", ev->server);
	if (ev->tester[0])
		dd_text(b, "Tested from", ev->tester);
	if (ev->helo[0])
		dd_text(b, "Tester's HELO", ev->helo);
	dd_text(b, "Forms accepted", ev->forms[0] ? ev->forms : "none");
	if (ev->delivered[0])
		dd_text(b, "Test messages delivered", ev->delivered);
	wb_puts(b, "</dl>\n<p>The forms are those of the relay-test "
	    "battery (nmap's smtp-open-relay: 1 to 16; 17 an unqualified "
	    "sender, 18 a localhost sender): each is a MAIL FROM and RCPT TO "
	    "for a recipient outside your domains.  An accepted form means "
	    "your server took mail it should have refused.</p>\n");
	if (ev->lines != NULL) {
		wb_printf(b, "<p>The relevant lines of the SMTP session (C: "
		    "the tester, S: your server)%s:</p>\n<pre>",
		    ev->cut ? ", the first ones" : "");
		wb_html(b, ev->lines);
		wb_puts(b, "</pre>\n");
	}
}

static void
retest(struct webbuf *b, const struct webpage_info *pi,
    const struct web_zone *z, size_t i, const char *ip, int64_t now)
{
	wb_puts(b, "<h3>Retest</h3>\n");
	if (z->retest_open) {
		wb_printf(b, "<p>Retest request #%llu is open since ",
		    (unsigned long long)z->retest_id);
		webpage_when(b, z->retest_requested, now);
		wb_puts(b, ": the address is tested again soon, and delisted at "
		    "once if it no longer relays.</p>\n");
		return;
	}
	if (z->retest_resolved) {
		wb_puts(b, "<p>The last retest request was answered ");
		webpage_when(b, z->retest_resolved, now);
		wb_puts(b, ": ");
		wb_html(b, z->retest_result ? z->retest_result : "answered");
		wb_puts(b, ".</p>\n");
	}
	if (!z->listed || z->test)
		return;
	if (!z->retest_possible) {
		wb_puts(b, "<p>");
		if (z->retest_from) {
			wb_puts(b, "A retest request is possible from ");
			webpage_when(b, z->retest_from, now);
			wb_puts(b, ": ");
		}
		wb_html(b, z->retest_why);
		wb_puts(b, ".</p>\n");
		return;
	}
	wb_puts(b, "<p>Fixed the relay?  Ask for a retest: the address is "
	    "tested again, and delisted at once if it no longer relays.</p>\n"
	    "<form method=\"post\" action=\"/retest\">\n"
	    "<input type=\"hidden\" name=\"ip\" value=\"");
	wb_html(b, ip);
	wb_puts(b, "\">\n<input type=\"hidden\" name=\"zone\" value=\"");
	wb_html(b, z->zone);
	wb_puts(b, "\">\n<input type=\"hidden\" name=\"csrf\" value=\"");
	wb_html(b, pi->token ? pi->token : "");
	wb_printf(b, "\">\n<label for=\"contact-%zu\">Your mail address "
	    "(for the answer)</label>\n<input id=\"contact-%zu\" "
	    "name=\"contact\" type=\"email\" required maxlength=\"127\" "
	    "autocomplete=\"email\">\n<label for=\"note-%zu\">Note "
	    "(optional)</label>\n<textarea id=\"note-%zu\" name=\"note\" "
	    "rows=\"3\" maxlength=\"255\"></textarea>\n<button "
	    "type=\"submit\">Request a retest</button>\n</form>\n", i, i, i,
	    i);
}

static void
zone_section(struct webbuf *b, const struct webpage_info *pi,
    const struct web_lookup *wl, const struct web_zone *z, size_t i)
{
	size_t k;

	wb_printf(b, "<section aria-labelledby=\"zone-%zu\">\n<h2 "
	    "id=\"zone-%zu\">", i, i);
	wb_html(b, z->zone);
	wb_puts(b, "</h2>\n<p>");
	wb_html(b, wl->ip);
	if (z->listed)
		wb_puts(b, " is <span class=\"listed\">listed</span> in ");
	else
		wb_puts(b, " is <span class=\"clear\">not listed</span> in ");
	wb_html(b, z->zone);
	if (z->test)
		wb_puts(b, " (an RFC 5782 test address)");
	else if (z->excluded) {
		wb_puts(b, ": it is excluded from listing (inside ");
		wb_html(b, z->excluded_by);
		wb_puts(b, ")");
	}
	wb_puts(b, ".</p>\n<dl>\n");
	if (z->listed) {
		wb_puts(b, "<dt>Code</dt><dd>");
		wb_html(b, z->code);
		if (z->code_name[0]) {
			wb_puts(b, " (");
			wb_html(b, z->code_name);
			wb_puts(b, ")");
		}
		wb_puts(b, "</dd>\n");
		dd_text(b, "Meaning (TXT)", z->txt);
		if (z->cidr)
			dd_text(b, "Listed as part of", z->listed_by);
	}
	if (z->have_entry && !z->test) {
		if (z->cidr)
			dd_text(b, "Listing", z->entry_prefix);
		if (z->reason[0])
			dd_text(b, z->listed ? "Reason" : "Last reason",
			    z->reason);
		if (z->listed)
			dd_when(b, "Listed since", z->listed_since, wl->now);
		dd_when(b, "First listed", z->first_listed, wl->now);
		dd_when(b, "Last tested", z->last_tested, wl->now);
		dd_text(b, "Last result", z->last_result);
		if (!z->listed && z->delisted_at)
			dd_when(b, "Delisted", z->delisted_at, wl->now);
		if (z->hold_until > wl->now)
			dd_when(b, "Held until (relist penalty)", z->hold_until,
			    wl->now);
		wb_printf(b, "<dt>Times listed</dt><dd>%u</dd>\n",
		    z->times_listed);
	}
	wb_puts(b, "</dl>\n");
	if (z->listed && !z->test)
		evidence(b, z, wl->now);
	retest(b, pi, z, i, wl->ip, wl->now);
	if (z->nhist) {
		wb_puts(b, "<h3>History</h3>\n<table>\n<thead><tr><th "
		    "scope=\"col\">When</th><th scope=\"col\">What</th><th "
		    "scope=\"col\">Test result</th></tr></thead>\n<tbody>\n");
		for (k = 0; k < z->nhist; k++) {
			wb_puts(b, "<tr><td>");
			webpage_when(b, z->hist[k].time, wl->now);
			wb_puts(b, "</td><td>");
			wb_html(b, z->hist[k].action);
			wb_puts(b, "</td><td>");
			wb_html(b, z->hist[k].result ? z->hist[k].result : "");
			wb_puts(b, "</td></tr>\n");
		}
		wb_puts(b, "</tbody>\n</table>\n");
	}
	wb_puts(b, "</section>\n");
}

void
webpage_lookup(struct webbuf *b, const struct webpage_info *pi,
    const struct web_lookup *wl)
{
	size_t i, n = 0;

	head(b, pi, wl->ip);
	wb_puts(b, "<h1>");
	wb_html(b, wl->ip);
	wb_puts(b, "</h1>\n");
	for (i = 0; i < wl->nz; i++)
		n += wl->z[i].listed != 0;
	wb_printf(b, "<p>%s</p>\n", n ? "Listed: see below why, and how to "
	    "ask for a retest." : "This address is not listed in any of "
	    "this list's zones.");
	for (i = 0; i < wl->nz; i++)
		zone_section(b, pi, wl, &wl->z[i], i);
	wb_puts(b, "<h2>Look up another address</h2>\n");
	lookup_form(b, &(struct webpage_info){ pi->title, NULL, NULL,
	    pi->now });
	foot(b, pi);
}

void
webpage_retest(struct webbuf *b, const struct webpage_info *pi,
    const struct webpage_retest *r)
{
	head(b, pi, r->ok ? "Retest requested" : "Retest refused");
	if (r->ok) {
		wb_printf(b, "<h1>Retest requested</h1>\n<p class=\"notice\" "
		    "role=\"status\">Retest request #%llu for ",
		    (unsigned long long)r->id);
		wb_html(b, r->ip);
		wb_puts(b, " in ");
		wb_html(b, r->zone);
		wb_puts(b, " is queued.  The address is tested again soon; "
		    "if it no longer relays it is delisted at once.</p>\n");
	} else {
		wb_puts(b, "<h1>Retest refused</h1>\n<p class=\"refused\" "
		    "role=\"alert\">The request was refused: ");
		wb_html(b, r->message);
		wb_puts(b, "</p>\n");
		if (r->retry_at) {
			wb_puts(b, "<p>A request is possible from ");
			webpage_when(b, r->retry_at, pi->now);
			wb_puts(b, ".</p>\n");
		}
	}
	if (r->ip) {
		wb_puts(b, "<p><a href=\"/lookup?ip=");
		wb_url(b, r->ip);
		wb_puts(b, "\">Back to ");
		wb_html(b, r->ip);
		wb_puts(b, "</a></p>\n");
	}
	foot(b, pi);
}

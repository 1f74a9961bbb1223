/*
 * test_web.c -- the web front end's pieces without a server: the
 * parameter parser (webparam.c), HTML escaping (webbuf.c), client
 * addresses through trusted proxies, rate limits and CSRF tokens
 * (webguard.c), the transcript lines shown (weblookup.c), and the web:
 * section of the config (lib/cfgweb.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgload.h"
#include "config.h"
#include "err.h"
#include "../../loader/webbuf.h"
#include "../../loader/webguard.h"
#include "../../loader/weblookup.h"
#include "../../loader/webparam.h"

static int
parse(const char *s, struct webparam *wp, char *msg)
{
	struct errbuf eb = { "" };
	int rc = webparam_parse(s, strlen(s), wp, &eb);

	snprintf(msg, 512, "%s", eb.msg);
	return rc;
}

static void
test_params(void)
{
	struct webparam wp;
	char msg[512], big[5000];

	is_int(parse("ip=192.0.2.1&zone=relays.example", &wp, msg), 0,
	    "a lookup's query");
	is_str(wp.ip, "192.0.2.1", "ip");
	is_str(wp.zone, "relays.example", "zone");
	ok(wp.seen == (WP_IP | WP_ZONE), "seen: ip and zone");
	is_int(parse("contact=a%40b.example&note=fixed+it%21&x=1", &wp, msg),
	    0, "a form body, an unknown key ignored");
	is_str(wp.contact, "a@b.example", "%%40 decoded");
	is_str(wp.note, "fixed it!", "+ is a space");
	is_int(parse("note=caf%C3%A9", &wp, msg), 0, "UTF-8 is taken");
	is_str(wp.note, "caf\xc3\xa9", "and decoded");
	is_int(parse("ip=1&ip=2", &wp, msg), DNSBL_EPARSE, "a key twice");
	is_str(msg, "parameter 'ip' is given twice", "says which");
	is_int(parse("ip=%zz", &wp, msg), DNSBL_EPARSE, "a bad escape");
	is_int(parse("ip=%4", &wp, msg), DNSBL_EPARSE, "a cut escape");
	is_int(parse("note=a%00b", &wp, msg), DNSBL_EPARSE, "an escaped NUL");
	is_int(parse("note=a%0Ab", &wp, msg), DNSBL_EPARSE, "a line feed");
	is_int(parse("note=%C0%AF", &wp, msg), DNSBL_EPARSE,
	    "overlong UTF-8");
	is_int(parse("note=%ED%A0%80", &wp, msg), DNSBL_EPARSE,
	    "a UTF-16 surrogate");
	is_int(parse("note=%C2%85", &wp, msg), DNSBL_EPARSE, "a C1 control");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "ip=", 3);
	is_int(parse(big, &wp, msg), DNSBL_ERANGE, "over 4096 bytes");
	big[300] = '\0';
	is_int(parse(big, &wp, msg), DNSBL_ERANGE, "an ip of 297 bytes");
	is_str(msg, "parameter 'ip' is longer than the 63 bytes accepted",
	    "says the limit");
	is_int(parse("&&=&ip", &wp, msg), 0, "empty pairs, a key without =");
	ok(wp.seen == WP_IP && wp.ip[0] == '\0', "ip given, empty");
}

static void
test_html(void)
{
	struct webbuf b = { 0 };
	size_t n;
	char *s;

	wb_html(&b, "<script>alert('x\")</script>&\x01\n");
	s = wb_take(&b, &n);
	is_str(s, "&lt;script&gt;alert(&#39;x&quot;)&lt;/script&gt;&amp;"
	    "\xef\xbf\xbd\n", "HTML escaping: markup, quotes, controls");
	free(s);
	wb_url(&b, "2001:db8::1 <x>");
	s = wb_take(&b, &n);
	is_str(s, "2001:db8::1%20%3Cx%3E", "URL escaping");
	free(s);
}

static struct sockaddr_in
v4(const char *a)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, a, &sin.sin_addr);
	return sin;
}

static void
test_guard(void)
{
	struct cfg_web w;
	struct prefix proxies[1], c;
	struct errbuf eb = { "" };
	struct webguard g;
	struct sockaddr_in peer;
	char txt[PREFIX_STRLEN], nonce[WG_NONCE_LEN + 1], other[WG_NONCE_LEN + 1];
	char tok[WG_TOKEN_MAX];
	int64_t retry;
	int i, allowed = 0;

	memset(&w, 0, sizeof(w));
	prefix_parse("127.0.0.0/8", &proxies[0], &eb);
	w.trusted_proxies = proxies;
	w.ntrusted_proxies = 1;
	w.lookups_per_minute = 3;
	w.retests_per_hour = 1;

	peer = v4("198.51.100.7");
	webguard_client((struct sockaddr *)&peer, "203.0.113.1", &w, &c);
	addr_format(c.family, c.addr, txt);
	is_str(txt, "198.51.100.7", "an untrusted peer's X-Forwarded-For is "
	    "ignored");
	peer = v4("127.0.0.1");
	webguard_client((struct sockaddr *)&peer, "192.0.2.9, 203.0.113.1, "
	    "127.0.0.5", &w, &c);
	addr_format(c.family, c.addr, txt);
	is_str(txt, "203.0.113.1", "through proxies: the first hop from the "
	    "right that is not one");
	webguard_client((struct sockaddr *)&peer, "<script>", &w, &c);
	addr_format(c.family, c.addr, txt);
	is_str(txt, "127.0.0.1", "a malformed header: the peer");

	is_int(webguard_init(&g, &w, &eb), 0, "webguard_init");
	for (i = 0; i < 5; i++)
		allowed += webguard_allow(&g, &c, WG_LOOKUP, 1000, &retry);
	is_int(allowed, 3, "3 lookups a minute: the 4th and 5th refused");
	is_int(retry, 1060, "until the minute is over");
	ok(webguard_allow(&g, &c, WG_LOOKUP, 1060, &retry), "then allowed");
	ok(webguard_allow(&g, &c, WG_RETEST, 1000, &retry) &&
	    !webguard_allow(&g, &c, WG_RETEST, 1001, &retry),
	    "1 retest request an hour");

	is_int(webguard_nonce(nonce), 0, "a nonce");
	is_int(webguard_nonce(other), 0, "another");
	ok(strcmp(nonce, other) != 0, "they differ");
	webguard_token(&g, nonce, 5000, tok);
	ok(webguard_token_ok(&g, nonce, tok, 5000), "a token is good");
	ok(webguard_token_ok(&g, nonce, tok, 5000 + WG_TOKEN_AGE),
	    "until its age");
	ok(!webguard_token_ok(&g, nonce, tok, 5001 + WG_TOKEN_AGE),
	    "not after");
	ok(!webguard_token_ok(&g, other, tok, 5000), "not for another nonce");
	ok(!webguard_token_ok(&g, nonce, tok, 4999), "not from the future");
	tok[strlen(tok) - 1] ^= 1;
	ok(!webguard_token_ok(&g, nonce, tok, 5000), "not changed");
	ok(!webguard_token_ok(&g, nonce, NULL, 5000) &&
	    !webguard_token_ok(&g, NULL, "1.x", 5000), "not missing");
	webguard_fini(&g);
}

static void
test_lines(void)
{
	static const char t[] =
	    "* relay test of 192.0.2.1 port 25, helo tester.example.net\n"
	    "S: 220 mx.example\n"
	    "C: EHLO tester.example.net\n"
	    "S: 250 mx.example\n"
	    "* relay test (nmap form)\n"
	    "C: MAIL FROM:<>\n"
	    "S: 250 ok\n"
	    "C: RCPT TO:<r@example.com>\n"
	    "S: 550 no\n"
	    "* relay test (nmap form)\n"
	    "C: MAIL FROM:<a@example.com>\n"
	    "S: 250 ok\n"
	    "C: RCPT TO:<r@example.com>\n"
	    "S: 250 ok\n"
	    "* result: open\n";
	const char *hide[] = { "tester.example.net", NULL };
	size_t n;
	int cut;
	char *s;

	s = weblookup_lines(t, 100, NULL, &n, &cut);
	is_str(s, "* relay test of 192.0.2.1 port 25, helo tester.example.net\n"
	    "S: 220 mx.example\nC: EHLO tester.example.net\nS: 250 mx.example\n"
	    "* relay test (nmap form)\nC: MAIL FROM:<a@example.com>\n"
	    "S: 250 ok\nC: RCPT TO:<r@example.com>\nS: 250 ok\n"
	    "* result: open\n", "the opening, the accepted form, the result");
	is_int(n, 10, "10 lines");
	ok(!cut, "none cut");
	free(s);
	s = weblookup_lines(t, 3, hide, &n, &cut);
	is_str(s, "* relay test of 192.0.2.1 port 25, helo [tester]\n"
	    "S: 220 mx.example\nC: EHLO [tester]\n", "at most 3, the tester "
	    "hidden");
	ok(cut, "the rest cut");
	free(s);
	s = weblookup_lines("S: 554 go away\r\n", 10, NULL, &n, &cut);
	is_str(s, "S: 554 go away\n", "no forms: all of it, CR dropped");
	free(s);
}

static void
test_config(void)
{
	struct dnsbl_config *cfg;
	char msg[512];

	is_int(load(MINI, &cfg, msg), 0, "no web: section");
	is_int(cfg->web.nlisten, 1, "the default listen");
	is_str(cfg->web.listen[0].text, "127.0.0.1@8080", "127.0.0.1@8080");
	is_str(cfg->web.evidence, "full", "evidence: full");
	is_int(cfg->web.transcript_lines, 40, "transcript_lines: 40");
	is_int(cfg->web.nmetrics_allow, 2, "metrics_allow: loopback");
	is_int(cfg->web.timeout, 15, "timeout: 15s");
	config_free(cfg);
	is_int(load(MINI "web:\n  listen: ['::1@8443', 127.0.0.1@8080]\n"
	    "  public_url: https://relays.example\n  trusted_proxies: "
	    "[10.0.0.0/8]\n  evidence: forms\n  show_tester: false\n"
	    "  lookups_per_minute: 0\n", &cfg, msg), 0, "a web: section");
	is_int(cfg->web.nlisten, 2, "two addresses");
	is_str(cfg->web.public_url, "https://relays.example", "public_url");
	is_int(cfg->web.ntrusted_proxies, 1, "a trusted proxy");
	is_str(cfg->web.evidence, "forms", "evidence: forms");
	is_str(cfg->web.show_tester, "false", "show_tester: false");
	is_int(cfg->web.lookups_per_minute, 0, "no lookup limit");
	config_free(cfg);
	is_int(load(MINI "web:\n  evidence: all\n", &cfg, msg), DNSBL_EPARSE,
	    "a bad evidence");
	ok(strstr(msg, ":6:13:") != NULL, "at its line and column: %s", msg);
	is_int(load(MINI "web:\n  threads: 0\n", &cfg, msg), DNSBL_ERANGE,
	    "threads: 0");
	is_int(load(MINI "web:\n  listn: []\n", &cfg, msg), DNSBL_EPARSE,
	    "an unknown key");
	ok(strstr(msg, "listn") != NULL, "is named: %s", msg);
}

int
main(void)
{
	test_params();
	test_html();
	test_guard();
	test_lines();
	test_config();
	return tap_done();
}

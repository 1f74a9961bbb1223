/*
 * test_txt.c -- TXT templates (lib/txt.c): what a TXT may hold, checked
 * directly and where the config sets one (with line and column), and
 * rendering that never cuts a text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "cfgload.h"
#include "txt.h"

static void
test_check(void)
{
	static const struct {
		const char *txt;
		int rc;
		const char *why;
	} cases[] = {
		{ "", 0, NULL },
		{ "Listed $ see https://x/?ip=$", 0, NULL },
		{ "quote \" back \\ ; # : ( ) \xc3\xa9 $", 0, NULL },
		{ "$", 0, NULL },
		{ "a $ b", 0, NULL },
		{ "evil\n0.0.0.0/1", DNSBL_EPARSE, "control character 0x0a at "
		    "byte 5" },
		{ "\x7f", DNSBL_EPARSE, "control character 0x7f at byte 1" },
		{ "$1", DNSBL_EPARSE, "'$1' at byte 1" },
		{ "x$=", DNSBL_EPARSE, "'$=' at byte 2" },
		{ "$$", DNSBL_EPARSE, "'$$' at byte 1" },
		{ " x", DNSBL_EPARSE, "begins with a space" },
		{ "x ", DNSBL_EPARSE, "ends with a space" },
		{ "=x", DNSBL_EPARSE, "begins with '='" },
	};
	struct errbuf eb;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&eb, 0, sizeof(eb));
		ok(txt_check(cases[i].txt, &eb) == cases[i].rc &&
		    (cases[i].why == NULL || strstr(eb.msg, cases[i].why)),
		    "txt_check(\"%s\"): %s", cases[i].txt, cases[i].rc ?
		    cases[i].why : "allowed");
	}
	is_int(txt_worst("a$b$"), 2 + 2 * TXT_SUBST_MAX, "txt_worst counts "
	    "each '$' at its longest");
}

static void
test_render(void)
{
	char out[32];

	is_int(txt_render("x $ y", "1.2.3.4", out, sizeof(out)), 11,
	    "render: length");
	is_str(out, "x 1.2.3.4 y", "render: text");
	is_int(txt_render("$$$$", "1.2.3.4", out, sizeof(out)), 28,
	    "render: 28 bytes fit 32");
	is_int(txt_render("$$$$$", "1.2.3.4", out, sizeof(out)), DNSBL_ESPACE,
	    "render: 35 bytes do not fit 32: refused, never cut");
	is_str(out, "", "render: and the output is empty");
	is_int(txt_render("", "x", out, 1), 0, "render: empty into 1 byte");
	is_int(txt_render("a", "x", out, 0), DNSBL_ESPACE, "render: no room");
}

/* Where the config sets a TXT: refused with its line and column. */
static void
test_config(void)
{
	char txt[4200], big[4400], msg[512];
	int i;

	memset(txt, 'x', 4097);
	txt[4097] = '\0';
	snprintf(big, sizeof(big), MINI "    txt: %s\n", txt);
	ERR(big, DNSBL_ERANGE,
	    ":5:10: txt: the TXT is longer than 4096 bytes once each '$' is "
	    "an address (4097 bytes, 4097 with '$' at its longest)");
	txt[4096] = '\0';
	snprintf(big, sizeof(big), MINI "    txt: %s\n", txt);
	is_int(try(big, msg), 0, "txt of 4096 characters loads");
	memset(txt, '$', 96);
	txt[96] = '\0';
	for (i = 0; i < 96; i += 2)
		txt[i] = ' ';
	txt[0] = 'x';
	snprintf(big, sizeof(big), MINI "    txt: \"%s\"\n", txt);
	is_int(try(big, msg), 0, "48 '$' load (2128 bytes at most)");
	memset(txt, '$', 192);
	for (i = 0; i < 192; i += 2)
		txt[i] = ' ';
	txt[0] = 'x';
	txt[192] = '\0';
	snprintf(big, sizeof(big), MINI "    txt: \"%s\"\n", txt);
	ERR(big, DNSBL_ERANGE,
	    ":5:10: txt: the TXT is longer than 4096 bytes once each '$' is "
	    "an address (192 bytes, 4224 with '$' at its longest)");
	ERR(MINI "    txt: \"evil\\n0.0.0.0/1\"\n", DNSBL_EPARSE,
	    ":5:10: txt: control character 0x0a at byte 5 of the TXT (not "
	    "allowed in a TXT)");
	ERR(MINI "    txt: \"tab\\there\"\n", DNSBL_EPARSE,
	    ":5:10: txt: control character 0x09 at byte 4 of the TXT (not "
	    "allowed in a TXT)");
	ERR(MINI "    txt: \" lead\"\n", DNSBL_EPARSE,
	    ":5:10: txt: the TXT begins with a space (rbldnsd would drop it)");
	ERR(MINI "    txt: \"=x\"\n", DNSBL_EPARSE,
	    ":5:10: txt: the TXT begins with '=' (rbldnsd would drop it)");
	ERR(MINI "    txt: \"costs $5\"\n", DNSBL_EPARSE,
	    ":5:10: txt: '$5' at byte 7 of the TXT: '$' followed by a digit, "
	    "'=' or '$' cannot be exported to rbldnsd (put a space after the "
	    "'$')");
	ERR(MINI "    codes:\n      relay: {a: 127.0.0.3, txt: \"a\\rb\"}\n",
	    DNSBL_EPARSE, ":6:34: txt: control character 0x0d at byte 2 of "
	    "the TXT (not allowed in a TXT)");
	is_int(try(MINI "    txt: \"quote \\\" back \\\\ ; # : ( ) \xc3\xa9 $\"\n",
	    msg), 0, "quotes, backslash, ; # : ( ) and UTF-8 load");
}

/* txt_render() against a byte-by-byte model, random templates and sizes. */
static int
model_render(const char *tmpl, const char *subst, char *out, size_t n)
{
	size_t used = 0, sl = strlen(subst), k;

	for (; *tmpl; tmpl++) {
		k = *tmpl == '$' ? sl : 1;
		if (n - 1 - used < k) {
			out[0] = '\0';
			return DNSBL_ESPACE;
		}
		memcpy(out + used, *tmpl == '$' ? subst : tmpl, k);
		used += k;
	}
	out[used] = '\0';
	return (int)used;
}

static void
test_render_random(void)
{
	static const char alpha[] = "ab $$.";
	unsigned long long seed = tap_seed("test_txt rendering");
	char tmpl[64], subst[48], got[160], want[160], got2[160];
	struct txt_tmpl t;
	int i, j, bad = 0, bad2 = 0, rg, rw, rt;

	srand((unsigned)seed);
	for (i = 0; i < 100000; i++) {
		int tl = rand() % 40, sl = rand() % 46;
		size_t n = (size_t)(rand() % 150) + 1;

		for (j = 0; j < tl; j++)
			tmpl[j] = alpha[rand() % (sizeof(alpha) - 1)];
		tmpl[tl] = '\0';
		for (j = 0; j < sl; j++)
			subst[j] = (char)('0' + rand() % 10);
		subst[sl] = '\0';
		memset(got, 'x', sizeof(got));
		rg = txt_render(tmpl, subst, got, n);
		rw = model_render(tmpl, subst, want, n);
		if ((rg != rw || strcmp(got, want) != 0) && bad++ < 3)
			printf("#   '%s' with '%s' into %zu: %d '%s', want %d "
			    "'%s'\n", tmpl, subst, n, rg, got, rw, want);
		/* The template cut once: the same, and not a byte past n. */
		memset(got2, 'x', sizeof(got2));
		rt = txt_compile(&t, tmpl) == 0 ?
		    txt_render_tmpl(&t, subst, (size_t)sl, got2, n) : -999;
		if ((rt != rw || strcmp(got2, want) != 0 ||
		    (n < sizeof(got2) && got2[n] != 'x')) && bad2++ < 3)
			printf("#   cut '%s' with '%s' into %zu: %d '%s', want "
			    "%d '%s'\n", tmpl, subst, n, rt, got2, rw, want);
	}
	ok(bad == 0, "render: 100,000 random templates, addresses and sizes "
	    "as the model, and a text that does not fit is none (%d differ)",
	    bad);
	ok(bad2 == 0, "render of a template cut once (txt_compile): the same "
	    "as the model (%d differ)", bad2);
}

/* txt_compile() takes every template txt_check() does, and no more '$'s
 * than it has room for. */
static void
test_compile_limits(void)
{
	static char tmpl[TXT_MAX + 2];
	struct txt_tmpl t;
	struct errbuf eb;
	char out[TXT_MAX + 1];
	size_t i, k, most = 0;
	int bad = 0;

	memset(&eb, 0, sizeof(eb));
	/* "$x$x...$" with k '$'s: whatever the check takes, compiles. */
	for (k = 1; k <= TXT_DOLLARS + 1; k++) {
		for (i = 0; i < k; i++) {
			tmpl[2 * i] = '$';
			tmpl[2 * i + 1] = 'x';
		}
		tmpl[2 * k - 1] = '\0';
		if (txt_check(tmpl, &eb) != 0)
			continue;
		most = k;
		if (txt_compile(&t, tmpl) != 0 ||
		    txt_render_tmpl(&t, "1.2.3.4", 7, out, sizeof(out)) !=
		    (int)(8 * k - 1))
			bad++;
	}
	ok(bad == 0 && most > 0 && most <= TXT_DOLLARS, "compile: every "
	    "template of up to %zu '$'s that txt_check takes (%d not)", most,
	    bad);
	for (i = 0; i < TXT_DOLLARS; i++) {
		tmpl[2 * i] = '$';
		tmpl[2 * i + 1] = 'x';
	}
	tmpl[2 * TXT_DOLLARS] = '$';
	tmpl[2 * TXT_DOLLARS + 1] = '\0';
	is_int(txt_compile(&t, tmpl), DNSBL_ERANGE, "compile: TXT_DOLLARS + 1 "
	    "'$'s are refused (txt_check refuses them too)");
	memset(tmpl, 'a', TXT_MAX + 1);
	tmpl[TXT_MAX + 1] = '\0';
	is_int(txt_compile(&t, tmpl), DNSBL_ERANGE, "compile: a template "
	    "longer than TXT_MAX is refused");
}

int
main(void)
{
	test_check();
	test_render();
	test_render_random();
	test_compile_limits();
	test_config();
	return tap_done();
}

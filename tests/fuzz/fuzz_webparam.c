/*
 * fuzz_webparam.c -- libFuzzer target for the web front end's parameter
 * parser (loader/webparam.c): every input is a query string or a form
 * body as a client sends it.
 *
 * Checks: webparam_parse() returns 0 or one of its two errors, with a
 * message for the user when it fails; on success every known field is
 * NUL-terminated inside its buffer, valid UTF-8 without a control
 * character (webparam_text_ok()), and a field not given is empty; the
 * same input parses the same way twice (no hidden state).
 *
 * Seeds in tests/fuzz/corpus-fuzz_webparam: lookups and retest forms as
 * browsers send them, escapes, '+', empty pairs, a duplicate key, bad
 * escapes, overlong UTF-8, a NUL escaped.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "webparam.h"

static void
field_ok(const char *f, size_t size, unsigned seen, unsigned bit)
{
	size_t n = strnlen(f, size);

	if (n == size)
		abort();		/* no NUL inside the buffer */
	if (!webparam_text_ok(f, n))
		abort();
	if (!(seen & bit) && n != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webparam a, b;
	struct errbuf ea = { "" }, eb = { "" };
	int ra, rb;

	ra = webparam_parse((const char *)data, size, &a, &ea);
	rb = webparam_parse((const char *)data, size, &b, &eb);
	if (ra != rb || memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	if (ra != 0) {
		if ((ra != DNSBL_EPARSE && ra != DNSBL_ERANGE) ||
		    ea.msg[0] == '\0')
			abort();
		return 0;
	}
	field_ok(a.ip, sizeof(a.ip), a.seen, WP_IP);
	field_ok(a.zone, sizeof(a.zone), a.seen, WP_ZONE);
	field_ok(a.contact, sizeof(a.contact), a.seen, WP_CONTACT);
	field_ok(a.note, sizeof(a.note), a.seen, WP_NOTE);
	field_ok(a.csrf, sizeof(a.csrf), a.seen, WP_CSRF);
	return 0;
}

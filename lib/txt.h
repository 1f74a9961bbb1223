/*
 * txt.h -- TXT templates: the one rule for what a TXT may hold, and how a
 * template becomes the text of a record.
 *
 * A template is the text of a listing's TXT with each '$' standing for the
 * address asked about (dnsbld), or for the block a wildcard covers (a zone
 * export or a transfer).  Every TXT of the project passes txt_check() where
 * it is set: the zone's `txt` and each code's `txt` in the config, and a
 * listing's `--txt`.  What it refuses is what one of the outputs could not
 * carry exactly:
 *
 *   - control characters (0x00-0x1f, 0x7f): a newline in an rbldnsd data
 *     file starts a new entry;
 *   - a leading or trailing space, or a leading '=': rbldnsd drops them;
 *   - '$' followed by a digit, '=' or '$': rbldnsd reads "$1", "$=" and
 *     "$$" as its own substitutions;
 *   - a text longer than TXT_MAX bytes once every '$' is replaced by the
 *     longest text it can stand for (TXT_SUBST_MAX).
 *
 * Bytes from 0x80 up (UTF-8) are kept as they are: a master file writes
 * them as \DDD, rbldnsd and DNS carry them unchanged.  rbldnsd keeps only
 * the first 255 bytes of a template (TXT_RBLDNSD_MAX); `loader export
 * --format rbldnsd` refuses a longer one unless told to cut it.
 *
 * Nothing here allocates; strings belong to the caller.
 */
#ifndef DNSBL_TXT_H
#define DNSBL_TXT_H

#include <stddef.h>
#include <stdint.h>

struct errbuf;

#define TXT_MAX		4096	/* bytes of a rendered TXT, at most */
#define TXT_SUBST_MAX	43	/* "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120" */
#define TXT_RBLDNSD_MAX	255	/* rbldnsd's limit on a template */

/*
 * Check template s against the rules above.  Returns 0, or DNSBL_EPARSE
 * (a character that cannot be carried) or DNSBL_ERANGE (too long), with
 * the reason in eb, without a file or line (the caller adds its own).
 */
int txt_check(const char *s, struct errbuf *eb);

/* The longest s can become: its length with each '$' at TXT_SUBST_MAX. */
size_t txt_worst(const char *s);

/*
 * Write tmpl to out (n bytes) with every '$' replaced by subst, and a NUL.
 * Returns the length written, or DNSBL_ESPACE when the text does not fit
 * (out then holds an empty string): a text is never cut.
 */
int txt_render(const char *tmpl, const char *subst, char *out, size_t n);

/*
 * A template cut at its '$'s once, to be rendered many times over (a
 * zone's records, one per block, all with the zone's template).  It holds
 * tmpl, which must stay as it is for as long as t is used.  A template
 * that passes txt_check() has at most TXT_MAX / TXT_SUBST_MAX '$'s.
 */
#define TXT_DOLLARS	(TXT_MAX / TXT_SUBST_MAX)
struct txt_tmpl {
	const char *s;			/* the caller's template */
	size_t len;			/* its length */
	size_t nd;			/* its '$'s */
	uint16_t at[TXT_DOLLARS];	/* the offset of each */
};

/*
 * Cut tmpl.  Returns 0, or DNSBL_ERANGE when it has more '$'s than
 * TXT_DOLLARS or is longer than TXT_MAX (txt_render() takes it).
 */
int txt_compile(struct txt_tmpl *t, const char *tmpl);

/*
 * txt_render() of t's template with subst (sl bytes, no NUL needed): the
 * same text, length and DNSBL_ESPACE.
 */
int txt_render_tmpl(const struct txt_tmpl *t, const char *subst, size_t sl,
    char *out, size_t n);

#endif

/*
 * answer.h -- what a listing answers: its A record and its TXT template.
 *
 * The store keeps, per answer index, the A and own text a listing was
 * made with, and the name of the config code it named (store.h, struct
 * store_answer).  What a query gets also depends on the config as it is
 * now, so every reader (dnsbld's responder, the zone generator, the
 * exports, `loader show`) goes through answer_resolve():
 *
 *   the default (index 0)     the zone's a and txt;
 *   a code that the zone      the code's current a; the listing's own
 *   still defines             text if it has one, else the code's txt,
 *                             else the zone's txt;
 *   any other answer          its stored a; its own text, else the
 *                             zone's txt (a code since removed from the
 *                             config keeps what it was when listed).
 *
 * An empty text means no TXT record.  Nothing here allocates: the results
 * point into the config or into sa, and live as long as they do.
 */
#ifndef DNSBL_ANSWER_H
#define DNSBL_ANSWER_H

#include <stddef.h>
#include <stdint.h>

struct cfg_zone;
struct cfg_code;
struct store_answer;

struct answer {
	uint8_t a[4];
	const char *txt;	/* the template, or NULL for no TXT */
	size_t txtlen;
};

/* sa is NULL for the default answer (ANSWER_DEFAULT). */
void answer_resolve(const struct cfg_zone *cz, const struct store_answer *sa,
    struct answer *out);

/* The code of cz named name (exact, as in the config), or NULL. */
const struct cfg_code *answer_code(const struct cfg_zone *cz,
    const char *name);

#endif

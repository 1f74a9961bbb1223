/*
 * import.h -- reading relay-test results from a file, before any of them
 * is applied.  A file is read whole; the first bad record rejects it.
 *
 * The struct import_set owns its records and their strings; free it with
 * import_set_free().
 */
#ifndef DNSBL_IMPORT_H
#define DNSBL_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "addr.h"

struct errbuf;

/* What a yaml record may carry besides the result. */
struct import_extra {
	char *tester, *helo, *transcript;	/* NULL when absent */
};

/* Kept small: a million of them are held at once. */
struct import_rec {
	struct prefix prefix;
	uint8_t result;		/* enum test_result */
	uint32_t line;
	int64_t tested_at;	/* Unix seconds */
	struct import_extra *x;	/* NULL for lines */
};

struct import_set {
	struct import_rec *recs;
	size_t n, cap;
};

/*
 * Parse "ADDRESS [RESULT [TIME]]" lines.  A bare address means open at
 * now.  Blank lines and # comments are skipped.  The last line must end
 * with a newline: a file cut short is refused, not half-read.
 * Errors: "NAME:LINE: reason" in eb, DNSBL_EPARSE or DNSBL_EIO.
 */
int import_parse_lines(FILE *f, const char *name, int64_t now,
    struct import_set *set, struct errbuf *eb);

/*
 * Parse a YAML sequence of mappings with ip, result and tested_at
 * (required) and tester, helo, transcript (optional).  Errors as above,
 * with the record's line.  Like a lines file, the file must end with a
 * newline: one cut inside its last record is refused.
 */
int import_parse_yaml(FILE *f, const char *name, int64_t now,
    struct import_set *set, struct errbuf *eb);

void import_set_free(struct import_set *set);

/*
 * The order to apply the records of set in: the store's key order (family,
 * address, prefix length), then the time tested, then the line; a new
 * array of set->n indexes (free() it), or NULL when out of memory.
 * O(n log n) whatever the input: a radix sort on the first 56 bits, then
 * a comparison sort of each run that shares them.
 */
uint32_t *import_order(const struct import_set *set);

#endif

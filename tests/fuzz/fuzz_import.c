/*
 * fuzz_import.c -- libFuzzer target for the loader's two import formats
 * (loader/import.c): every input is parsed as a lines file and as a YAML
 * file.  Either parse fails cleanly with a FILE:LINE message, or every
 * record it returns is valid: a prefix of a known family, a result an
 * import may carry, a time from 1990 to a little after now; and
 * import_order() returns a permutation that is in key order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "import.h"
#include "store.h"

#define NOW 1796000000		/* a fixed now: runs repeat */

static void
check(const struct import_set *set, int rc, const struct errbuf *eb)
{
	uint32_t *order;
	uint8_t *seen;
	size_t i;

	if (rc != 0) {
		if (strncmp(eb->msg, "in:", 3) != 0 &&
		    strstr(eb->msg, "out of memory") == NULL)
			abort();	/* an error must name the input */
		return;
	}
	for (i = 0; i < set->n; i++) {
		const struct import_rec *r = &set->recs[i];
		if ((r->prefix.family != ADDR_V4 &&
		    r->prefix.family != ADDR_V6) ||
		    r->prefix.len > addr_bits(r->prefix.family))
			abort();
		if (r->result != RESULT_OPEN && r->result != RESULT_CLOSED &&
		    r->result != RESULT_UNREACHABLE)
			abort();
		if (r->tested_at < 631152000 || r->tested_at > NOW + 300)
			abort();
	}
	if ((order = import_order(set)) == NULL)
		return;
	if ((seen = calloc(set->n + 1, 1)) == NULL) {
		free(order);
		return;
	}
	for (i = 0; i < set->n; i++) {
		if (order[i] >= set->n || seen[order[i]]++)
			abort();	/* not a permutation */
		if (i > 0) {
			const struct prefix *a = &set->recs[order[i - 1]].prefix;
			const struct prefix *b = &set->recs[order[i]].prefix;
			if (a->family > b->family || (a->family == b->family &&
			    memcmp(a->addr, b->addr, 16) > 0))
				abort();	/* out of key order */
		}
	}
	free(seen);
	free(order);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_set set;
	struct errbuf eb;
	FILE *f;
	int rc, yaml;

	for (yaml = 0; yaml < 2; yaml++) {
		if ((f = fmemopen((void *)data, size ? size : 1, "r")) == NULL)
			return 0;
		if (size == 0)
			(void)fgetc(f);		/* an empty stream */
		memset(&set, 0, sizeof(set));
		memset(&eb, 0, sizeof(eb));
		rc = yaml ? import_parse_yaml(f, "in", NOW, &set, &eb) :
		    import_parse_lines(f, "in", NOW, &set, &eb);
		check(&set, rc, &eb);
		import_set_free(&set);
		fclose(f);
	}
	return 0;
}

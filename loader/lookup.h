/*
 * lookup.h -- what the store says of one address in one zone: listed or
 * not and by which entry, its answer (code and TXT), the entry's dates,
 * and the history of the address and of the listing that covers it.
 * Shared by "dnsbl-loader show" (cmd_show.c) and the web page
 * (weblookup.c), so that both tell the same story.
 *
 * Ownership: the caller owns the struct lookup; lookup_zone() fills it
 * inside a store transaction.  cname and the strings of the events point
 * into the map and are valid until that transaction ends; the evs array
 * is the struct's own (lookup_free()), kept across calls for reuse.
 */
#ifndef DNSBL_LOOKUP_H
#define DNSBL_LOOKUP_H

#include <stddef.h>

#include "addr.h"
#include "store.h"
#include "txt.h"

struct lookup {
	struct prefix p;
	int have;			/* e is p's own entry */
	struct entry e;
	int covered;			/* cover: the most specific listed or
					 * excluded entry over p */
	struct entry cover;
	int test;			/* RFC 5782: 2 listed, 1 never, 0 */
	int listed;
	int excluded;			/* covered by an exclusion */
	char ptxt[PREFIX_STRLEN];	/* p */
	char ctxt[PREFIX_STRLEN];	/* the cover's prefix, or "" */
	char code[PREFIX_STRLEN];	/* the A answer, while listed */
	char txt[TXT_MAX + 1];		/* the TXT answer, while listed */
	const char *cname;		/* the config code's name, or NULL */
	struct event *evs;		/* p's and the cover's, by seq */
	size_t nev, cev;
};

/*
 * Fill lk for p in zone (lk's evs array is reused; zero lk before the
 * first call).  0, or a store error (DNSBL_ENOMEM, DNSBL_ERANGE, ...).
 */
int lookup_zone(struct store_txn *t, size_t zone, const struct prefix *p,
    struct lookup *lk);

/* Release lk's array. */
void lookup_free(struct lookup *lk);

/* The name of an entry state: "seen", "listed", "delisted", "excluded". */
const char *lookup_state_name(int state);

#endif

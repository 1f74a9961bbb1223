/*
 * weblookup.h -- what the web page tells of one address: for each zone,
 * listed or not, the code and TXT, the public reason, the dates of the
 * listing (a CIDR's own, for a CIDR listing), the evidence of the last
 * test (the battery's forms accepted and the relevant transcript lines,
 * as the config's web: section says to show them), an exclusion, and the
 * state of a retest request.  Admin identities (actors) and notes never
 * get here: nothing in these structs holds them.
 *
 * weblookup() reads one snapshot of the store (store_read()) and copies
 * what it needs (lookup.h does the reading, as for "dnsbl-loader show"),
 * so the result outlives the transaction.  The caller owns the struct
 * web_lookup; weblookup_free() releases what it holds.
 */
#ifndef DNSBL_WEBLOOKUP_H
#define DNSBL_WEBLOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "store.h"
#include "txt.h"

struct dnsbl_config;
struct errbuf;

struct web_evidence {
	int have;
	int64_t tested_at;
	const char *result;		/* "open", ... (static) */
	char forms[80];			/* "3,7": RCPT accepted, by form */
	char delivered[80];		/* forms whose token arrived */
	char tester[256];		/* "" unless show_tester */
	char helo[256];
	char server[256];		/* the tested server's name */
	char *lines;			/* the transcript lines shown, "\n"
					 * after each; NULL: none */
	size_t nlines;
	int cut;			/* more lines than shown */
};

struct web_event {			/* the public history */
	int64_t time;
	const char *action;		/* "listed", ... (static) */
	const char *result;		/* NULL or "open", ... (static) */
};

struct web_zone {
	char zone[256];
	int listed, test, excluded;
	char listed_by[PREFIX_STRLEN];	/* the entry answered, or "" */
	int cidr;			/* listed_by is wider than the address */
	char excluded_by[PREFIX_STRLEN];
	char code[PREFIX_STRLEN];
	char code_name[ENTRY_TEXT_MAX];
	char txt[TXT_MAX + 1];
	/* The entry shown: the listing's (a CIDR's) or the address's own. */
	int have_entry;
	char entry_prefix[PREFIX_STRLEN];
	const char *state;		/* "listed", ... (static) */
	char reason[ENTRY_TEXT_MAX];
	int64_t first_listed, listed_since, last_tested, last_confirmed;
	int64_t delisted_at, hold_until;
	const char *last_result;
	uint32_t times_listed;
	/* Retest requests. */
	int retest_open;
	uint64_t retest_id;
	int64_t retest_requested;
	int64_t retest_resolved;	/* the latest answered one, 0: none */
	const char *retest_result;
	int retest_possible;		/* a request now would be taken, as
					 * far as the address goes */
	int64_t retest_from;		/* or from then (0: not by time) */
	char retest_why[256];		/* why not, when not */
	struct web_evidence ev;
	struct web_event *hist;
	size_t nhist;
};

struct web_lookup {
	char ip[PREFIX_STRLEN];
	int64_t now;
	struct web_zone *z;
	size_t nz;
};

/*
 * Look the host prefix p up in every zone of cfg.  0, or a store error
 * with the reason in eb.
 */
int weblookup(struct store *st, const struct dnsbl_config *cfg,
    const struct prefix *p, struct web_lookup *out, struct errbuf *eb);
void weblookup_free(struct web_lookup *wl);

/*
 * The transcript lines worth showing, from transcript t: the session's
 * opening, each form whose RCPT was accepted, and the result; all of it
 * when t has no forms.  At most max lines; *cut is set when some were
 * left out.  The tester's own names (hide[], NULL-terminated, may be
 * NULL) are shown as "[tester]".  A new string with "\n" after each
 * line, or NULL (none, or no memory); *n gets the count.
 */
char *weblookup_lines(const char *t, size_t max, const char *const *hide,
    size_t *n, int *cut);

#endif

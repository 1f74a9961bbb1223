/*
 * lifecycle.h -- the listing rules, applied inside a store write
 * transaction.  The loader's commands, the importer and the relay tester
 * all go through here, so every path records the same history.
 *
 *   lc_list()    an admin lists a prefix (or changes its code or text);
 *   lc_delist()  an admin delists a prefix;
 *   lc_result()  a relay-test result arrives (import or tester):
 *                  open         lists, or reconfirms a listed entry;
 *                  closed       delists a listed entry;
 *                  unreachable  changes no listing but is recorded;
 *                  suspected    is recorded, not listed.
 *                An open result wider than /8 (IPv4) or /16 (IPv6) is
 *                refused without force, as lc_list() refuses it.
 *                A result is stale, and changes no listing, when it is not
 *                newer than the entry's last test, or older than its latest
 *                admin decision (list, delist, exclude, unexclude: evidence
 *                never beats a fresher decision), or, open on an address
 *                not listed, older than expire_after (too old to list).  A
 *                stale result newer than the last test is recorded in the
 *                history (action "tested", the reason saying why) and is
 *                the entry's last test; one no newer than that writes
 *                nothing (the history holds a newer test), so importing a
 *                file twice is harmless.
 *
 * A listing's age for expiry is the age of its evidence (entry.evidence_at):
 * the test that listed or last confirmed it, or the admin action that
 * listed it.
 *
 * Each returns 0 and sets *outcome, or a negative code with the reason in
 * eb.  Nothing is written when the outcome is LC_NOCHANGE; LC_STALE writes
 * at most the entry's last test and the history event.
 *
 * An open or closed result also resolves the address's open retest
 * request (retest.h).  An address listed again within relist_window of its
 * last removal is held for relist_penalty: no retest request and no expiry
 * before that; a test that finds it closed still delists it at once.
 * Strings in struct lc_req belong to the caller and are copied.
 */
#ifndef DNSBL_LIFECYCLE_H
#define DNSBL_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct store_txn;
struct errbuf;
struct entry;

enum lc_outcome {
	LC_NOCHANGE = 0,	/* already so: nothing written */
	LC_LISTED,		/* newly listed (or listed again) */
	LC_CONFIRMED,		/* a listed entry reconfirmed */
	LC_CHANGED,		/* a listed entry's code or text changed */
	LC_DELISTED,
	LC_RECORDED,		/* result recorded, listing unchanged */
	LC_STALE,		/* older than what is stored: ignored */
	LC_OUTCOME_MAX
};

/* "listed", "confirmed", ... for messages and JSON. */
const char *lc_outcome_name(int outcome);

struct lc_req {
	size_t zone;
	struct prefix prefix;
	const char *actor;	/* "admin:NAME", "import:FILE", "tester" */
	const char *reason;	/* may be NULL */
	const char *evidence;	/* transcript, may be NULL */
	const char *extra;	/* tester, HELO, ...; may be NULL */
	const uint8_t *code;	/* 4 bytes, 127.0.0.N; NULL: keep or default */
	const char *code_name;	/* or a code of the config, by name: the
				 * listing follows its current a and txt */
	const char *txt;	/* own TXT; NULL: keep or default */
	int result;		/* enum test_result, for lc_result() */
	int64_t tested_at;	/* for lc_result(): when the test was made */
	int force;		/* allow listings wider than /8 or /16 */
};

/*
 * An entry keeps a reason and a TXT of at most ENTRY_TEXT_MAX - 1 bytes.
 * A longer text is refused, never cut (the history would hold more than
 * the entry): 0 when s is NULL or fits, else DNSBL_ERANGE with "FIELD is N
 * bytes, over the 255 an entry keeps" in eb.  Every lc_*() below checks
 * rq->reason and rq->txt so before it reads or writes anything; callers
 * check their input with it first, to name the field as the user gave it.
 */
int lc_text_check(const char *field, const char *s, struct errbuf *eb);

int lc_list(struct store_txn *t, const struct lc_req *rq, int *outcome,
    struct errbuf *eb);
int lc_delist(struct store_txn *t, const struct lc_req *rq, int *outcome,
    struct errbuf *eb);
int lc_result(struct store_txn *t, const struct lc_req *rq, int *outcome,
    struct errbuf *eb);

/*
 * Exclude a prefix: it and everything inside it are never answered as
 * listed, whatever is listed there (listings inside are kept and show again
 * after lc_unexclude()).  Results for excluded addresses are recorded but
 * list nothing.  rq->reason is required.  Outcome LC_CHANGED, or
 * LC_NOCHANGE if it was excluded already.
 */
int lc_exclude(struct store_txn *t, const struct lc_req *rq, int *outcome,
    struct errbuf *eb);
/* Undo lc_exclude() of exactly this prefix; it is not listed again. */
int lc_unexclude(struct store_txn *t, const struct lc_req *rq, int *outcome,
    struct errbuf *eb);

/*
 * Expiry: delist every listing of the zone not confirmed (nor listed) for
 * the zone's expire_after, unless its relist penalty holds it longer.
 * fn (may be NULL) is called for each, before it is changed; with dry_run
 * nothing is changed.  *count gets the number expired (or that would be).
 */
typedef int (*lc_expire_fn)(const struct entry *e, int64_t last, void *arg);
int lc_expire(struct store_txn *t, size_t zone, const char *actor,
    int dry_run, lc_expire_fn fn, void *arg, uint64_t *count,
    struct errbuf *eb);

/*
 * The guard against mass delisting, to call before a transaction commits:
 * refuse (DNSBL_EREFUSED, with numbers in eb) when it removed more than
 * max_drop percent of the zone's listings and more than max_drop_min of
 * them, unless force.  The list must never empty itself by accident.
 */
int lc_guard(struct store_txn *t, size_t zone, int force, struct errbuf *eb);

#endif

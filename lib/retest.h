/*
 * retest.h -- retest requests: a listee asks for its address to be tested
 * again (RFC 6471: removal must be direct, prompt and free).
 *
 * A request is kept in the zone's ZONE/rtst table until a test result for
 * its address arrives (by import or from the tester): an open or closed
 * result from a test made after the request resolves it (as does any
 * result that delists the address), and the request keeps the outcome.
 * An unreachable result leaves it open.  Requests are never deleted.
 *
 * Limits, from the zone's config: one open request per address; at most
 * retest_per_contact requests per contact per UTC day (0: no limit); none
 * sooner than retest_min_interval after the address's last test; none while
 * the listing is held by the relist penalty.
 *
 * All functions run inside a store transaction; strings in struct retest
 * are copies owned by the struct.
 */
#ifndef DNSBL_RETEST_H
#define DNSBL_RETEST_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct store_txn;
struct errbuf;

#define RETEST_CONTACT_MAX 128
#define RETEST_NOTE_MAX 256

struct retest {
	uint64_t id;
	struct prefix prefix;
	int64_t requested_at;
	int64_t resolved_at;		/* 0 while open */
	int64_t tested_at;		/* the result that resolved it */
	uint8_t result;			/* enum test_result, or 0 */
	uint8_t delisted;		/* the result delisted the address */
	char contact[RETEST_CONTACT_MAX];
	char note[RETEST_NOTE_MAX];
	char actor[80];			/* who entered the request */
};

/*
 * Queue a retest of p, which must be listed itself.  On success *id is
 * the request's number.  A request over a limit, for an address not
 * listed, or with a malformed contact returns DNSBL_EREFUSED (or
 * DNSBL_ENOENT, DNSBL_EPARSE) with the reason in eb, and writes nothing.
 * A contact or note longer than the request keeps (RETEST_CONTACT_MAX - 1,
 * RETEST_NOTE_MAX - 1 bytes) is refused with DNSBL_ERANGE, never cut.
 * A refusal that ends at a known time (the relist penalty, the minimum
 * interval between tests, the contact's daily limit) sets *retry_at (may
 * be NULL) to it, in Unix seconds; any other outcome sets it to 0.
 */
int retest_request(struct store_txn *t, size_t zone, const struct prefix *p,
    const char *contact, const char *note, const char *actor, uint64_t *id,
    int64_t *retry_at, struct errbuf *eb);

/*
 * A result for p arrived (called by lc_result()): resolve p's open request,
 * if any, recording the result and whether it delisted p.  Returns 0 or a
 * store error; *resolved (may be NULL) is set to the request's id or 0.
 */
int retest_resolve(struct store_txn *t, size_t zone, const struct prefix *p,
    int result, int64_t tested_at, int delisted, const char *actor,
    uint64_t *resolved);

/* p's open request, if any: 0 and *r filled, or DNSBL_ENOENT. */
int retest_open_for(struct store_txn *t, size_t zone, const struct prefix *p,
    struct retest *r);

/* Call fn for each request of zone, oldest first; open ones only if asked. */
typedef int (*retest_fn)(const struct retest *r, void *arg);
int retest_walk(struct store_txn *t, size_t zone, int open_only,
    retest_fn fn, void *arg);

/*
 * The texts of a request, checked before anything is written: 0, or
 * DNSBL_ERANGE with "FIELD is N bytes, over the M a retest request keeps"
 * in eb.  field names the text as the user gave it ("--note", "note").
 */
int retest_text_check(const char *field, const char *s, size_t max,
    struct errbuf *eb);

/* 1 if s looks like a mail address (local@domain.tld, no spaces). */
int contact_valid(const char *s);

#endif

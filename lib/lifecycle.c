/*
 * lifecycle.c -- listing, delisting and test results, with their history.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "config.h"
#include "err.h"
#include "lifecycle.h"
#include "retest.h"
#include "store.h"
#include "timefmt.h"

static const char *const outcome_names[LC_OUTCOME_MAX] = {
	"unchanged", "listed", "confirmed", "changed", "delisted", "recorded",
	"stale",
};

const char *
lc_outcome_name(int outcome)
{
	if (outcome < 0 || outcome >= LC_OUTCOME_MAX)
		return "unknown";
	return outcome_names[outcome];
}

/* The request's prefix as text, for messages: formatted only when needed. */
#define PTXT(rq, buf) (prefix_format(&(rq)->prefix, (buf)), (buf))

int
lc_text_check(const char *field, const char *s, struct errbuf *eb)
{
	size_t n = s ? strlen(s) : 0;

	if (n < ENTRY_TEXT_MAX)
		return 0;
	return errbuf_set(eb, DNSBL_ERANGE, "%s is %zu bytes, over the %d an "
	    "entry keeps: refused, nothing written", field, n,
	    ENTRY_TEXT_MAX - 1);
}

/* The texts of rq that an entry keeps, checked before anything is read. */
static int
req_texts(const struct lc_req *rq, struct errbuf *eb)
{
	char ptxt[PREFIX_STRLEN], msg[sizeof(eb->msg)];
	int rc;

	if ((rc = lc_text_check("reason", rq->reason, eb)) == 0 &&
	    (rc = lc_text_check("txt", rq->txt, eb)) == 0)
		return 0;
	snprintf(msg, sizeof(msg), "%s", eb->msg);
	return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt), msg);
}

/* Copy a text req_texts() let through: it always fits. */
static void
copy_text(char *dst, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= ENTRY_TEXT_MAX)	/* not reached: refused before */
		n = ENTRY_TEXT_MAX - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

/* Record an event; with a test result when tested_at is not NO_TEST. */
#define NO_TEST INT64_MIN
static int
record(struct store_txn *t, const struct lc_req *rq, int action,
    const struct entry *e, int64_t tested_at)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.prefix = rq->prefix;
	ev.action = (uint8_t)action;
	ev.result = (uint8_t)(tested_at != NO_TEST ? rq->result : 0);
	ev.answer = e->answer;
	ev.tested_at = tested_at != NO_TEST ? tested_at : 0;
	ev.actor = rq->actor;
	ev.reason = rq->reason;
	ev.evidence = rq->evidence;
	ev.extra = rq->extra;
	return store_event_add(t, rq->zone, &ev);
}

/*
 * An exclusion that covers the prefix (itself or above it), if any:
 * returns 1 and fills ex, 0 if none, or a negative code.
 */
static int
excluded_by(struct store_txn *t, const struct lc_req *rq, struct entry *ex)
{
	int rc = store_entry_cover(t, rq->zone, &rq->prefix, ex);

	if (rc == DNSBL_ENOENT)
		return 0;
	if (rc)
		return rc;
	return ex->state == ENTRY_EXCLUDED;
}

/* A listing wider than /8 (IPv4) or /16 (IPv6) needs force. */
static int
too_wide(const struct lc_req *rq, struct errbuf *eb)
{
	char ptxt[PREFIX_STRLEN];
	int min = rq->prefix.family == ADDR_V4 ? 8 : 16;

	if (rq->force || rq->prefix.len >= min)
		return 0;
	return errbuf_set(eb, DNSBL_EREFUSED, "%s is wider than /%d: refused "
	    "without --force", PTXT(rq, ptxt), min);
}

static void
start_listing(struct store_txn *t, size_t zone, struct entry *e,
    const char *reason)
{
	const struct cfg_zone *cz = &store_txn_config(t)->zones[zone];
	int64_t now = store_txn_now(t);

	e->state = ENTRY_LISTED;
	if (e->first_listed == 0)
		e->first_listed = now;
	e->listed_since = now;
	e->times_listed++;
	/* Back soon after a removal: held for the relist penalty. */
	e->hold_until = 0;
	if (e->delisted_at && cz->relist_penalty &&
	    now - e->delisted_at <= (int64_t)cz->relist_window)
		e->hold_until = now + cz->relist_penalty;
	copy_text(e->reason, reason);
}

/*
 * The answer of e listed by rq: rq's code (an address, or a code of the
 * config by name) with e's own text; without a code in rq, the code e had
 * (a listing keeps its code when listed again without one).
 */
static int
listing_answer(struct store_txn *t, const struct lc_req *rq,
    const struct entry *e, uint16_t *answer, struct errbuf *eb)
{
	const struct cfg_zone *cz = &store_txn_config(t)->zones[rq->zone];
	const struct cfg_code *cc;
	struct store_answer old;	/* code and name may point into it */
	const uint8_t *code = rq->code;
	const char *name = rq->code_name;
	char ptxt[PREFIX_STRLEN];
	int rc;

	if (name != NULL) {
		if ((cc = answer_code(cz, name)) == NULL)
			return errbuf_set(eb, DNSBL_ENOENT, "%s: no code '%s' "
			    "in zone %s", PTXT(rq, ptxt), name, cz->name.text);
		code = cc->a;
	} else if (code == NULL && e->answer != ANSWER_DEFAULT) {
		if ((rc = store_answer_get(t, rq->zone, e->answer, &old)) != 0)
			return errbuf_set(eb, rc, "%s: answer %u: %s",
			    PTXT(rq, ptxt), e->answer, dnsbl_strerror(rc));
		code = old.a;
		name = old.code;
	}
	if (code == NULL)
		code = cz->a;
	if ((rc = store_answer_intern(t, rq->zone, code, e->txt, name,
	    answer)) != 0)
		return errbuf_set(eb, rc, "%s: cannot add answer: %s",
		    PTXT(rq, ptxt), dnsbl_strerror(rc));
	return 0;
}

int
lc_list(struct store_txn *t, const struct lc_req *rq, int *outcome,
    struct errbuf *eb)
{
	char ptxt[PREFIX_STRLEN];
	struct entry e, ex;
	uint16_t answer;
	int rc;

	*outcome = LC_NOCHANGE;
	if ((rc = req_texts(rq, eb)) != 0)
		return rc;
	if ((rc = too_wide(rq, eb)) != 0)
		return rc;
	if ((rc = excluded_by(t, rq, &ex)) < 0)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	if (rc == 1) {
		char etxt[PREFIX_STRLEN];
		prefix_format(&ex.prefix, etxt);
		return errbuf_set(eb, DNSBL_EREFUSED, "%s is excluded by %s "
		    "(%s): unexclude it first", PTXT(rq, ptxt), etxt,
		    ex.reason);
	}
	rc = store_entry_get(t, rq->zone, &rq->prefix, &e);
	if (rc && rc != DNSBL_ENOENT)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	if (e.state == ENTRY_EXCLUDED)
		return errbuf_set(eb, DNSBL_EREFUSED, "%s is excluded: "
		    "unexclude it first", PTXT(rq, ptxt));
	/* Keep the entry's own code and text unless new ones are given. */
	if (rq->txt)
		copy_text(e.txt, rq->txt);
	if ((rc = listing_answer(t, rq, &e, &answer, eb)) != 0)
		return rc;
	if (e.state == ENTRY_LISTED && e.answer == answer)
		return 0;
	e.last_admin = store_txn_now(t);
	if (e.state == ENTRY_LISTED) {
		e.answer = answer;
		if (rq->reason)
			copy_text(e.reason, rq->reason);
		*outcome = LC_CHANGED;
	} else {
		e.answer = answer;
		start_listing(t, rq->zone, &e, rq->reason);
		e.evidence_at = e.last_admin;	/* the admin's word */
		*outcome = LC_LISTED;
	}
	if ((rc = store_entry_put(t, rq->zone, &e)) != 0 ||
	    (rc = record(t, rq, *outcome == LC_CHANGED ? EV_CHANGED :
	    EV_LISTED, &e, NO_TEST)) != 0)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	return 0;
}

int
lc_delist(struct store_txn *t, const struct lc_req *rq, int *outcome,
    struct errbuf *eb)
{
	char ptxt[PREFIX_STRLEN], ctxt[PREFIX_STRLEN];
	struct entry e, cover;
	int rc;

	*outcome = LC_NOCHANGE;
	if ((rc = req_texts(rq, eb)) != 0)
		return rc;
	rc = store_entry_get(t, rq->zone, &rq->prefix, &e);
	if (rc && rc != DNSBL_ENOENT)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	if (e.state != ENTRY_LISTED) {
		rc = store_entry_cover(t, rq->zone, &rq->prefix, &cover);
		if (rc == 0 && cover.state == ENTRY_LISTED) {
			prefix_format(&cover.prefix, ctxt);
			prefix_format(&rq->prefix, ptxt);
			return errbuf_set(eb, DNSBL_ENOENT, "%s is not listed "
			    "itself but covered by %s: delist that, or exclude "
			    "%s", ptxt, ctxt, ptxt);
		}
		return errbuf_set(eb, DNSBL_ENOENT, "%s is not listed in %s",
		    PTXT(rq, ptxt),
		    store_txn_config(t)->zones[rq->zone].name.text);
	}
	e.state = ENTRY_DELISTED;
	e.delisted_at = e.last_admin = store_txn_now(t);
	e.times_delisted++;
	copy_text(e.reason, rq->reason);
	if ((rc = store_entry_put(t, rq->zone, &e)) != 0 ||
	    (rc = record(t, rq, EV_DELISTED, &e, NO_TEST)) != 0)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	*outcome = LC_DELISTED;
	return 0;
}

/*
 * Why the result rq (tested at when) must change no listing, into why (n
 * bytes), or 0 when it may: a result no newer than the newest one, or
 * older than the latest admin decision, or an open result older than
 * expire_after on an address it would list.
 */
static int
stale_why(struct store_txn *t, const struct lc_req *rq, const struct entry *e,
    int64_t when, char *why, size_t n)
{
	const struct cfg_zone *cz = &store_txn_config(t)->zones[rq->zone];
	char at[TIME_STRLEN];
	int64_t now = store_txn_now(t);

	if (when <= e->last_tested) {
		time_format(e->last_tested, at);
		snprintf(why, n, "stale: not newer than the last test (%s)",
		    at);
		return 1;
	}
	if (when < e->last_admin) {	/* same second: in arrival order */
		time_format(e->last_admin, at);
		snprintf(why, n, "stale: older than the admin's decision of "
		    "%s", at);
		return 1;
	}
	if (rq->result == RESULT_OPEN && e->state != ENTRY_LISTED &&
	    cz->expire_after && when < now - (int64_t)cz->expire_after) {
		snprintf(why, n, "stale: older than expire_after (%us): too "
		    "old to list", cz->expire_after);
		return 1;
	}
	return 0;
}

int
lc_result(struct store_txn *t, const struct lc_req *rq, int *outcome,
    struct errbuf *eb)
{
	char ptxt[PREFIX_STRLEN], why[160];
	int64_t when = rq->tested_at;
	struct entry e, ex;
	struct lc_req srq;
	int rc, action, excl;

	*outcome = LC_NOCHANGE;
	if ((rc = req_texts(rq, eb)) != 0)
		return rc;
	rc = store_entry_get(t, rq->zone, &rq->prefix, &e);
	if (rc && rc != DNSBL_ENOENT)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	if (stale_why(t, rq, &e, when, why, sizeof(why))) {
		*outcome = LC_STALE;
		/*
		 * A result no newer than the newest test recorded adds
		 * nothing: the history holds a newer one (and a file
		 * imported twice changes nothing).  A newer one, stale by
		 * an admin decision or by its age, is the newest test:
		 * kept, and recorded once (the next time it is not newer).
		 */
		if (when <= e.last_tested)
			return 0;
		e.last_tested = when;
		e.last_result = (uint8_t)rq->result;
		if ((rc = store_entry_put(t, rq->zone, &e)) != 0)
			return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
			    dnsbl_strerror(rc));
		srq = *rq;
		srq.reason = why;
		if ((rc = record(t, &srq, EV_TESTED, &e, when)) != 0)
			return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
			    dnsbl_strerror(rc));
		return 0;
	}
	if ((excl = excluded_by(t, rq, &ex)) < 0)
		return errbuf_set(eb, excl, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(excl));
	e.last_tested = when;
	e.last_result = (uint8_t)rq->result;
	action = EV_TESTED;
	*outcome = LC_RECORDED;
	switch (rq->result) {
	case RESULT_OPEN:
		if ((rc = too_wide(rq, eb)) != 0)
			return rc;
		e.last_confirmed = when;
		if (e.state == ENTRY_LISTED) {
			if (when > e.evidence_at)
				e.evidence_at = when;
			action = EV_CONFIRMED;
			*outcome = LC_CONFIRMED;
		} else if (!excl && e.state != ENTRY_EXCLUDED) {
			/* Listed again, it keeps its code and text (the
			 * answer it had) unless the result brings a code. */
			if ((rq->code || rq->code_name) &&
			    (rc = listing_answer(t, rq, &e, &e.answer,
			    eb)) != 0)
				return rc;
			start_listing(t, rq->zone, &e, rq->reason);
			e.evidence_at = when;	/* the test, not the import */
			action = EV_LISTED;
			*outcome = LC_LISTED;
		}
		break;
	case RESULT_CLOSED:
		if (e.state == ENTRY_LISTED) {
			e.state = ENTRY_DELISTED;
			e.delisted_at = store_txn_now(t);
			e.times_delisted++;
			copy_text(e.reason, rq->reason);
			action = EV_DELISTED;
			*outcome = LC_DELISTED;
		}
		break;
	default:
		break;
	}
	if ((rc = store_entry_put(t, rq->zone, &e)) != 0 ||
	    (rc = record(t, rq, action, &e, when)) != 0)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	/* An open or closed result answers the address's retest request. */
	if ((rq->result == RESULT_OPEN || rq->result == RESULT_CLOSED) &&
	    (rc = retest_resolve(t, rq->zone, &rq->prefix, rq->result, when,
	    *outcome == LC_DELISTED, rq->actor, NULL)) != 0)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	return 0;
}

struct hidden {
	uint64_t n;
	int excl;		/* inside an exclusion met on the walk */
	uint8_t excl_last[16];
	const struct prefix *p;
};

/*
 * Count the listings an exclusion of h->p would hide: listed entries
 * inside it, less those an exclusion inside it hides already.  The walk is
 * in key order, so an exclusion comes before the entries inside it.
 */
static int
count_hidden(const struct entry *e, void *arg)
{
	struct hidden *h = arg;
	uint8_t first[16], last[16];
	size_t n = addr_len(e->prefix.family);

	if (memcmp(&e->prefix, h->p, sizeof(*h->p)) == 0)
		return 0;	/* p itself counts by its own change */
	prefix_first(&e->prefix, first);
	if (h->excl && memcmp(first, h->excl_last, n) <= 0)
		return 0;
	h->excl = 0;
	if (e->state == ENTRY_EXCLUDED) {
		prefix_last(&e->prefix, last);
		memcpy(h->excl_last, last, 16);
		h->excl = 1;
	} else if (e->state == ENTRY_LISTED)
		h->n++;
	return 0;
}

int
lc_exclude(struct store_txn *t, const struct lc_req *rq, int *outcome,
    struct errbuf *eb)
{
	char ptxt[PREFIX_STRLEN];
	struct entry e, above;
	struct hidden h;
	int rc;

	*outcome = LC_NOCHANGE;
	if ((rc = req_texts(rq, eb)) != 0)
		return rc;
	if (rq->reason == NULL || *rq->reason == '\0')
		return errbuf_set(eb, DNSBL_EINVAL, "%s: an exclusion needs a "
		    "reason", PTXT(rq, ptxt));
	rc = store_entry_get(t, rq->zone, &rq->prefix, &e);
	if (rc && rc != DNSBL_ENOENT)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	if (e.state == ENTRY_EXCLUDED)
		return 0;
	/* Listings inside it stop being answered: the guard counts them,
	 * unless an exclusion above hides them all already. */
	memset(&h, 0, sizeof(h));
	h.p = &rq->prefix;
	if ((rc = excluded_by(t, rq, &above)) < 0)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	if (rc == 0 && (rc = store_entry_walk_within(t, rq->zone,
	    &rq->prefix, count_hidden, &h)) != 0)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	if (e.state == ENTRY_LISTED) {
		e.delisted_at = store_txn_now(t);
		e.times_delisted++;
	}
	store_zone_hidden(t, rq->zone, h.n);
	e.state = ENTRY_EXCLUDED;
	e.excluded_at = e.last_admin = store_txn_now(t);
	copy_text(e.reason, rq->reason);
	if ((rc = store_entry_put(t, rq->zone, &e)) != 0 ||
	    (rc = record(t, rq, EV_EXCLUDED, &e, NO_TEST)) != 0)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	*outcome = LC_CHANGED;
	return 0;
}

int
lc_unexclude(struct store_txn *t, const struct lc_req *rq, int *outcome,
    struct errbuf *eb)
{
	char ptxt[PREFIX_STRLEN];
	struct entry e;
	int rc;

	*outcome = LC_NOCHANGE;
	if ((rc = req_texts(rq, eb)) != 0)
		return rc;
	rc = store_entry_get(t, rq->zone, &rq->prefix, &e);
	if (rc && rc != DNSBL_ENOENT)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	if (e.state != ENTRY_EXCLUDED)
		return errbuf_set(eb, DNSBL_ENOENT, "%s is not excluded itself",
		    PTXT(rq, ptxt));
	e.state = e.times_listed ? ENTRY_DELISTED : ENTRY_NONE;
	e.last_admin = store_txn_now(t);
	copy_text(e.reason, rq->reason);
	if ((rc = store_entry_put(t, rq->zone, &e)) != 0 ||
	    (rc = record(t, rq, EV_UNEXCLUDED, &e, NO_TEST)) != 0)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	*outcome = LC_CHANGED;
	return 0;
}

struct expiry {
	int64_t now, cutoff;
	struct prefix *due;
	size_t n, cap;
	int err;
};

/*
 * The age of a listing for expiry: the time of its newest evidence (the
 * test that last found it open, or the admin action that listed it), not
 * the time it was listed.
 */
static int64_t
last_seen(const struct entry *e)
{
	return e->evidence_at;
}

static int
expiry_scan(const struct entry *e, void *arg)
{
	struct expiry *x = arg;
	struct prefix *n;

	if (e->state != ENTRY_LISTED || last_seen(e) > x->cutoff ||
	    e->hold_until > x->now)
		return 0;
	if (x->n == x->cap) {
		size_t nc = x->cap ? x->cap * 2 : 256;
		if ((n = realloc(x->due, nc * sizeof(*n))) == NULL)
			return DNSBL_ENOMEM;
		x->due = n;
		x->cap = nc;
	}
	x->due[x->n++] = e->prefix;
	return 0;
}

int
lc_expire(struct store_txn *t, size_t zone, const char *actor, int dry_run,
    lc_expire_fn fn, void *arg, uint64_t *count, struct errbuf *eb)
{
	const struct cfg_zone *cz = &store_txn_config(t)->zones[zone];
	struct expiry x;
	struct lc_req rq;
	struct entry e;
	char reason[64], when[TIME_STRLEN];
	size_t i;
	int rc = 0;

	*count = 0;
	if (cz->expire_after == 0)
		return 0;
	memset(&x, 0, sizeof(x));
	x.now = store_txn_now(t);
	x.cutoff = x.now - (int64_t)cz->expire_after;
	/* Collect first: the walk's cursor must not see its own writes. */
	if ((rc = store_entry_walk(t, zone, expiry_scan, &x)) != 0) {
		free(x.due);
		return errbuf_set(eb, rc, "%s", dnsbl_strerror(rc));
	}
	for (i = 0; i < x.n; i++) {
		if ((rc = store_entry_get(t, zone, &x.due[i], &e)) != 0)
			break;
		if (fn && (rc = fn(&e, last_seen(&e), arg)) != 0)
			break;
		(*count)++;
		if (dry_run)
			continue;
		time_format(last_seen(&e), when);
		snprintf(reason, sizeof(reason), "expired: last confirmed %s",
		    when);
		e.state = ENTRY_DELISTED;
		e.delisted_at = x.now;
		e.times_delisted++;
		copy_text(e.reason, reason);
		memset(&rq, 0, sizeof(rq));
		rq.zone = zone;
		rq.prefix = e.prefix;
		rq.actor = actor;
		rq.reason = reason;
		if ((rc = store_entry_put(t, zone, &e)) != 0 ||
		    (rc = record(t, &rq, EV_EXPIRED, &e, NO_TEST)) != 0)
			break;
	}
	free(x.due);
	if (rc)
		return errbuf_set(eb, rc, "expiry: %s", dnsbl_strerror(rc));
	return 0;
}

int
lc_guard(struct store_txn *t, size_t zone, int force, struct errbuf *eb)
{
	const struct cfg_zone *cz = &store_txn_config(t)->zones[zone];
	uint64_t start, removed;
	int rc;

	if (force)
		return 0;
	if ((rc = store_zone_listed(t, zone, &start, &removed)) != 0)
		return errbuf_set(eb, rc, "%s", dnsbl_strerror(rc));
	if (removed > cz->max_drop_min &&
	    removed * 100 > (uint64_t)cz->max_drop_pct * start)
		return errbuf_set(eb, DNSBL_EREFUSED, "this would remove %llu "
		    "of the %llu listings of %s (more than %u%% and more than "
		    "%u): refused without --force", (unsigned long long)removed,
		    (unsigned long long)start, cz->name.text, cz->max_drop_pct,
		    cz->max_drop_min);
	return 0;
}

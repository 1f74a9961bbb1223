/*
 * lifecycle.c -- listing, delisting and test results, with their history.
 */
#include <string.h>

#include "config.h"
#include "err.h"
#include "lifecycle.h"
#include "store.h"

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

static void
copy_text(char *dst, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= ENTRY_TEXT_MAX)
		n = ENTRY_TEXT_MAX - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static int
record(struct store_txn *t, const struct lc_req *rq, int action,
    const struct entry *e, int64_t tested_at)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.prefix = rq->prefix;
	ev.action = (uint8_t)action;
	ev.result = (uint8_t)(tested_at ? rq->result : 0);
	ev.answer = e->answer;
	ev.tested_at = tested_at;
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
start_listing(struct entry *e, int64_t now, const char *reason)
{
	e->state = ENTRY_LISTED;
	if (e->first_listed == 0)
		e->first_listed = now;
	e->listed_since = now;
	e->times_listed++;
	copy_text(e->reason, reason);
}

int
lc_list(struct store_txn *t, const struct lc_req *rq, int *outcome,
    struct errbuf *eb)
{
	const struct cfg_zone *cz = &store_txn_config(t)->zones[rq->zone];
	char ptxt[PREFIX_STRLEN];
	struct entry e, ex;
	struct store_answer a;	/* code may point into it */
	uint16_t answer;
	const uint8_t *code;
	const char *txt;
	int rc;

	*outcome = LC_NOCHANGE;
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
	txt = e.txt;
	code = rq->code;
	if (code == NULL && e.state == ENTRY_LISTED) {
		if ((rc = store_answer_get(t, rq->zone, e.answer, &a)) != 0)
			return errbuf_set(eb, rc, "%s: answer %u: %s",
			    PTXT(rq, ptxt),
			    e.answer, dnsbl_strerror(rc));
		code = e.answer == ANSWER_DEFAULT ? cz->a : a.a;
	}
	if (code == NULL)
		code = cz->a;
	if ((rc = store_answer_intern(t, rq->zone, code, txt, &answer)) != 0)
		return errbuf_set(eb, rc, "%s: cannot add answer: %s",
		    PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	if (e.state == ENTRY_LISTED && e.answer == answer)
		return 0;
	if (e.state == ENTRY_LISTED) {
		e.answer = answer;
		if (rq->reason)
			copy_text(e.reason, rq->reason);
		*outcome = LC_CHANGED;
	} else {
		e.answer = answer;
		start_listing(&e, store_txn_now(t), rq->reason);
		*outcome = LC_LISTED;
	}
	if ((rc = store_entry_put(t, rq->zone, &e)) != 0 ||
	    (rc = record(t, rq, *outcome == LC_CHANGED ? EV_CHANGED :
	    EV_LISTED, &e, 0)) != 0)
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
	e.delisted_at = store_txn_now(t);
	e.times_delisted++;
	copy_text(e.reason, rq->reason);
	if ((rc = store_entry_put(t, rq->zone, &e)) != 0 ||
	    (rc = record(t, rq, EV_DELISTED, &e, 0)) != 0)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	*outcome = LC_DELISTED;
	return 0;
}

int
lc_result(struct store_txn *t, const struct lc_req *rq, int *outcome,
    struct errbuf *eb)
{
	char ptxt[PREFIX_STRLEN];
	int64_t when = rq->tested_at ? rq->tested_at : store_txn_now(t);
	struct entry e, ex;
	int rc, action, excl;

	*outcome = LC_NOCHANGE;
	rc = store_entry_get(t, rq->zone, &rq->prefix, &e);
	if (rc && rc != DNSBL_ENOENT)
		return errbuf_set(eb, rc, "%s: %s", PTXT(rq, ptxt),
		    dnsbl_strerror(rc));
	if (when <= e.last_tested) {
		*outcome = LC_STALE;
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
			action = EV_CONFIRMED;
			*outcome = LC_CONFIRMED;
		} else if (!excl && e.state != ENTRY_EXCLUDED) {
			e.answer = ANSWER_DEFAULT;
			if (e.txt[0] || rq->code) {
				const uint8_t *code = rq->code ? rq->code :
				    store_txn_config(t)->zones[rq->zone].a;
				if ((rc = store_answer_intern(t, rq->zone, code,
				    e.txt, &e.answer)) != 0)
					return errbuf_set(eb, rc, "%s: %s",
					    PTXT(rq, ptxt), dnsbl_strerror(rc));
			}
			start_listing(&e, store_txn_now(t), rq->reason);
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
	return 0;
}

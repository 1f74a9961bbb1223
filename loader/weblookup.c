/*
 * weblookup.c -- one address as the web page shows it (weblookup.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "err.h"
#include "lookup.h"
#include "retest.h"
#include "store.h"
#include "timefmt.h"
#include "weblookup.h"

struct wl_job {
	const struct dnsbl_config *cfg;
	struct prefix p;
	struct web_lookup *out;
	struct lookup lk;
};

/* The value of key=... in an event's extra, up to the next known key. */
static void
extra_get(const char *x, const char *key, char *buf, size_t n)
{
	static const char *const known[] = { " tester=", " helo=", " port=",
	    " server=", " forms=", " delivered=", " token=", " suspected=",
	    NULL };
	size_t kl = strlen(key), len;
	const char *p, *e, *q;
	int i;

	buf[0] = '\0';
	if (x == NULL)
		return;
	for (p = x; (p = strstr(p, key)) != NULL; p += kl)
		if (p == x || p[-1] == ' ')
			break;
	if (p == NULL)
		return;
	p += kl;
	e = p + strlen(p);
	for (i = 0; known[i] != NULL; i++)
		if ((q = strstr(p, known[i])) != NULL && q < e)
			e = q;
	len = (size_t)(e - p);
	if (len >= n)
		len = n - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
}

/* Append line (n bytes) to b with the names in hide masked. */
static int
add_line(char **b, size_t *bl, const char *line, size_t n,
    const char *const *hide)
{
	static const char mask[] = "[tester]";
	size_t cap = *bl + n * 2 + sizeof(mask) * 8 + 2, i, hl;
	const char *const *h;
	char *nb;

	if ((nb = realloc(*b, cap)) == NULL)
		return -1;
	*b = nb;
	for (i = 0; i < n; ) {
		for (h = hide; h != NULL && *h != NULL; h++) {
			hl = strlen(*h);
			if (hl >= 3 && hl <= n - i && strncasecmp(line + i, *h,
			    hl) == 0)
				break;
		}
		if (h != NULL && *h != NULL) {
			if (*bl + sizeof(mask) + 2 > cap) {
				cap = cap * 2 + sizeof(mask);
				if ((nb = realloc(*b, cap)) == NULL)
					return -1;
				*b = nb;
			}
			memcpy(*b + *bl, mask, sizeof(mask) - 1);
			*bl += sizeof(mask) - 1;
			i += strlen(*h);
			continue;
		}
		if (*bl + 2 > cap) {
			cap *= 2;
			if ((nb = realloc(*b, cap)) == NULL)
				return -1;
			*b = nb;
		}
		(*b)[(*bl)++] = line[i++];
	}
	(*b)[(*bl)++] = '\n';
	(*b)[*bl] = '\0';
	return 0;
}

/* Does the form section [s, e) have an RCPT answered 2xx? */
static int
section_accepted(const char *s, const char *e)
{
	const char *p = s;
	int after_rcpt = 0;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		if (n >= 10 && strncasecmp(p, "C: RCPT TO", 10) == 0)
			after_rcpt = 1;
		else if (after_rcpt && n >= 4 && strncmp(p, "S: 2", 4) == 0)
			return 1;
		else if (n >= 2 && strncmp(p, "C:", 2) == 0)
			after_rcpt = 0;
		p += n + 1;
	}
	return 0;
}

char *
weblookup_lines(const char *t, size_t max, const char *const *hide,
    size_t *nout, int *cut)
{
	const char *p, *e = t + strlen(t), *sec = NULL, *nl;
	char *b = NULL;
	size_t bl = 0, n = 0, len;
	int forms = strstr(t, "* relay test (") != NULL, keep = 1;

	*nout = 0;
	*cut = 0;
	for (p = t; p < e; p += len + 1) {
		nl = memchr(p, '\n', (size_t)(e - p));
		len = nl ? (size_t)(nl - p) : (size_t)(e - p);
		if (forms && strncmp(p, "* relay test (", 14) == 0) {
			/* a form's section: kept if its RCPT was accepted */
			sec = nl ? nl + 1 : e;
			nl = strstr(sec, "\n* ");
			keep = section_accepted(sec, nl ? nl + 1 : e);
		} else if (forms && strncmp(p, "* result:", 9) == 0)
			keep = 1;
		if (!keep || len == 0)
			continue;
		if (n == max) {
			*cut = 1;
			break;
		}
		if (add_line(&b, &bl, p, len - (len && p[len - 1] == '\r'),
		    hide) != 0) {
			free(b);
			return NULL;
		}
		n++;
	}
	*nout = n;
	return b;
}

/* "2,5": the forms of transcript t whose RCPT was accepted, by order. */
static void
forms_of(const char *t, char *buf, size_t n)
{
	const char *p = t, *next;
	size_t len = 0;
	int k = 0, w;

	buf[0] = '\0';
	while ((p = strstr(p, "* relay test (")) != NULL &&
	    (p == t || p[-1] == '\n')) {
		k++;
		p += 14;
		next = strstr(p, "\n* ");
		if (section_accepted(p, next ? next + 1 : p + strlen(p))) {
			w = snprintf(buf + len, n - len, "%s%d", len ? "," : "",
			    k);
			if (w < 0 || (size_t)w >= n - len) {
				buf[len] = '\0';
				return;
			}
			len += (size_t)w;
		}
		if (next == NULL)
			break;
		p = next + 1;
	}
}

static void
copy_entry(struct web_zone *z, const struct entry *e)
{
	z->have_entry = 1;
	prefix_format(&e->prefix, z->entry_prefix);
	z->state = lookup_state_name(e->state);
	snprintf(z->reason, sizeof(z->reason), "%s", e->reason);
	z->first_listed = e->first_listed;
	z->listed_since = e->listed_since;
	z->last_tested = e->last_tested;
	z->last_confirmed = e->last_confirmed;
	z->delisted_at = e->delisted_at;
	z->hold_until = e->hold_until;
	z->last_result = test_result_name(e->last_result);
	z->times_listed = e->times_listed;
}

/* The evidence of the newest event that has some. */
static int
copy_evidence(struct web_zone *z, const struct lookup *lk,
    const struct cfg_web *w)
{
	const struct event *ev = NULL;
	const char *hide[4] = { NULL, NULL, NULL, NULL };
	char tester[256], helo[256];
	size_t i;

	for (i = lk->nev; i-- > 0; )
		if ((lk->evs[i].evidence != NULL &&
		    lk->evs[i].evidence[0] != '\0') ||
		    (lk->evs[i].extra != NULL &&
		    strstr(lk->evs[i].extra, "forms=") != NULL)) {
			ev = &lk->evs[i];
			break;
		}
	if (ev == NULL || strcmp(w->evidence, "none") == 0)
		return 0;
	z->ev.have = 1;
	z->ev.tested_at = ev->tested_at ? ev->tested_at : ev->time;
	z->ev.result = ev->result ? test_result_name(ev->result) : NULL;
	extra_get(ev->extra, "forms=", z->ev.forms, sizeof(z->ev.forms));
	extra_get(ev->extra, "delivered=", z->ev.delivered,
	    sizeof(z->ev.delivered));
	extra_get(ev->extra, "server=", z->ev.server, sizeof(z->ev.server));
	extra_get(ev->extra, "tester=", tester, sizeof(tester));
	extra_get(ev->extra, "helo=", helo, sizeof(helo));
	if (z->ev.forms[0] == '\0' && ev->evidence != NULL)
		forms_of(ev->evidence, z->ev.forms, sizeof(z->ev.forms));
	if (strcmp(w->show_tester, "true") == 0) {
		snprintf(z->ev.tester, sizeof(z->ev.tester), "%s", tester);
		snprintf(z->ev.helo, sizeof(z->ev.helo), "%s", helo);
	} else {
		hide[0] = tester[0] ? tester : NULL;
		hide[hide[0] ? 1 : 0] = helo[0] ? helo : NULL;
	}
	if (strcmp(w->evidence, "full") != 0 || ev->evidence == NULL)
		return 0;
	z->ev.lines = weblookup_lines(ev->evidence, w->transcript_lines,
	    hide, &z->ev.nlines, &z->ev.cut);
	if (z->ev.lines == NULL && z->ev.nlines > 0)
		return DNSBL_ENOMEM;
	return 0;
}

static int
copy_history(struct web_zone *z, const struct lookup *lk)
{
	size_t i;

	if (lk->nev == 0)
		return 0;
	if ((z->hist = calloc(lk->nev, sizeof(*z->hist))) == NULL)
		return DNSBL_ENOMEM;
	for (i = 0; i < lk->nev; i++) {
		const struct event *ev = &lk->evs[i];
		struct web_event *h = &z->hist[z->nhist++];
		h->time = ev->time;
		h->action = event_action_name(ev->action);
		h->result = ev->result ? test_result_name(ev->result) : NULL;
		if (ev->action == EV_RETEST_RESOLVED) {
			z->retest_resolved = ev->time;
			z->retest_result = h->result;
		}
	}
	return 0;
}

/* May p's operator ask for a retest now?  As retest_request() decides. */
static void
retest_state(struct store_txn *t, size_t zi, struct web_zone *z,
    const struct lookup *lk, const struct cfg_zone *cz, int64_t now)
{
	char when[TIME_STRLEN];
	struct retest r;

	if (retest_open_for(t, zi, &lk->p, &r) == 0) {
		z->retest_open = 1;
		z->retest_id = r.id;
		z->retest_requested = r.requested_at;
		time_format(r.requested_at, when);
		snprintf(z->retest_why, sizeof(z->retest_why), "a retest "
		    "request (#%llu, made %s) is open: a new one is possible "
		    "once it is answered", (unsigned long long)r.id, when);
		return;
	}
	if (!z->listed || z->test)
		return;
	if (z->cidr) {
		snprintf(z->retest_why, sizeof(z->retest_why), "listed as part "
		    "of %s: a retest of one host cannot delist the range; "
		    "write to the list's operators", z->listed_by);
		return;
	}
	if (lk->cover.hold_until > now)
		z->retest_from = lk->cover.hold_until;
	if (lk->cover.last_tested && lk->cover.last_tested +
	    cz->retest_min_interval > now &&
	    lk->cover.last_tested + cz->retest_min_interval > z->retest_from)
		z->retest_from = lk->cover.last_tested +
		    cz->retest_min_interval;
	z->retest_possible = z->retest_from == 0;
	if (!z->retest_possible)
		snprintf(z->retest_why, sizeof(z->retest_why), "%s",
		    z->retest_from == lk->cover.hold_until ? "it was listed "
		    "again soon after its last removal (relist penalty)" :
		    "it was tested recently");
}

static int
wl_txn(struct store_txn *t, void *arg)
{
	struct wl_job *job = arg;
	const struct cfg_web *w = &job->cfg->web;
	struct web_lookup *out = job->out;
	struct lookup *lk = &job->lk;
	size_t zi;
	int rc;

	out->now = store_txn_now(t);
	for (zi = 0; zi < out->nz; zi++) {
		const struct cfg_zone *cz = &job->cfg->zones[zi];
		struct web_zone *z = &out->z[zi];

		free(z->ev.lines);
		free(z->hist);
		memset(z, 0, sizeof(*z));
		if ((rc = lookup_zone(t, zi, &job->p, lk)) != 0)
			return rc;
		snprintf(z->zone, sizeof(z->zone), "%s", cz->name.text);
		z->listed = lk->listed;
		z->test = lk->test;
		z->excluded = lk->excluded;
		if (lk->listed && !lk->test) {
			snprintf(z->listed_by, sizeof(z->listed_by), "%s",
			    lk->ctxt);
			z->cidr = lk->cover.prefix.len != lk->p.len;
		}
		if (lk->excluded)
			snprintf(z->excluded_by, sizeof(z->excluded_by), "%s",
			    lk->ctxt);
		if (lk->listed) {
			snprintf(z->code, sizeof(z->code), "%s", lk->code);
			snprintf(z->code_name, sizeof(z->code_name), "%s",
			    lk->cname ? lk->cname : "");
			snprintf(z->txt, sizeof(z->txt), "%s", lk->txt);
		}
		if (lk->listed && !lk->test)
			copy_entry(z, &lk->cover);
		else if (lk->have)
			copy_entry(z, &lk->e);
		if (lk->excluded)
			z->reason[0] = '\0';	/* an exclusion's is internal */
		if ((rc = copy_evidence(z, lk, w)) != 0 ||
		    (rc = copy_history(z, lk)) != 0)
			return rc;
		if (strcmp(w->show_history, "true") != 0) {
			free(z->hist);
			z->hist = NULL;
			z->nhist = 0;
		}
		retest_state(t, zi, z, lk, cz, out->now);
	}
	return 0;
}

int
weblookup(struct store *st, const struct dnsbl_config *cfg,
    const struct prefix *p, struct web_lookup *out, struct errbuf *eb)
{
	struct wl_job job;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&job, 0, sizeof(job));
	job.cfg = cfg;
	job.p = *p;
	job.out = out;
	prefix_format(p, out->ip);
	if ((out->z = calloc(cfg->nzones, sizeof(*out->z))) == NULL)
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	out->nz = cfg->nzones;
	rc = store_read(st, wl_txn, &job, eb);
	lookup_free(&job.lk);
	if (rc && eb->msg[0] == '\0')
		errbuf_set(eb, rc, "%s", dnsbl_strerror(rc));
	return rc;
}

void
weblookup_free(struct web_lookup *wl)
{
	size_t i;

	for (i = 0; wl->z != NULL && i < wl->nz; i++) {
		free(wl->z[i].ev.lines);
		free(wl->z[i].hist);
	}
	free(wl->z);
	wl->z = NULL;
	wl->nz = 0;
}

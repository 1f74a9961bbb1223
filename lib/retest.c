/*
 * retest.c -- retest requests, kept in ZONE/rtst:
 *
 *   'r' id(8)                 the request (below)
 *   'o' family addr16 len     the id of the address's open request
 *   'c' day(4) contact        requests made by contact on that UTC day
 *   "next"                    the next id
 *
 * A request record: version, result, delisted, family, length, address
 * (16), requested, resolved, tested (4 bytes each, Unix seconds), then
 * contact, note and actor, each NUL-terminated.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "retest.h"
#include "store.h"
#include "timefmt.h"

#define RT_V1 1
#define RT_HDR (5 + 16 + 12)

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v;
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)(v >> 32));
	wr32(p + 4, (uint32_t)v);
}

static uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

int
retest_text_check(const char *field, const char *s, size_t max,
    struct errbuf *eb)
{
	size_t n = s ? strlen(s) : 0;

	if (n < max)
		return 0;
	return errbuf_set(eb, DNSBL_ERANGE, "%s is %zu bytes, over the %zu a "
	    "retest request keeps: refused, nothing written", field, n,
	    max - 1);
}

int
contact_valid(const char *s)
{
	const char *at = strchr(s, '@'), *p;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    strlen(s) >= RETEST_CONTACT_MAX)
		return 0;
	for (p = s; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p) ||
		    *p == '<' || *p == '>' || *p == ',')
			return 0;
	p = strchr(at + 1, '.');
	return p != NULL && p != at + 1 && p[1] != '\0';
}

static size_t
encode(const struct retest *r, uint8_t *buf, size_t cap)
{
	size_t n = RT_HDR, l;

	buf[0] = RT_V1;
	buf[1] = r->result;
	buf[2] = r->delisted;
	buf[3] = r->prefix.family;
	buf[4] = r->prefix.len;
	memcpy(buf + 5, r->prefix.addr, 16);
	wr32(buf + 21, (uint32_t)r->requested_at);
	wr32(buf + 25, (uint32_t)r->resolved_at);
	wr32(buf + 29, (uint32_t)r->tested_at);
	l = strlen(r->contact) + 1;
	memcpy(buf + n, r->contact, l);
	n += l;
	l = strlen(r->note) + 1;
	memcpy(buf + n, r->note, l);
	n += l;
	l = strlen(r->actor) + 1;
	memcpy(buf + n, r->actor, l);
	n += l;
	(void)cap;
	return n;
}

static int
take(const uint8_t **p, const uint8_t *end, char *dst, size_t dl)
{
	const uint8_t *z = memchr(*p, 0, (size_t)(end - *p));
	size_t n;

	if (z == NULL)
		return DNSBL_EPARSE;
	n = (size_t)(z - *p);
	if (n >= dl)
		n = dl - 1;
	memcpy(dst, *p, n);
	dst[n] = '\0';
	*p = z + 1;
	return 0;
}

static int
decode(uint64_t id, const void *v, size_t len, struct retest *r)
{
	const uint8_t *q = v, *end = q + len;

	memset(r, 0, sizeof(*r));
	if (len < RT_HDR || q[0] != RT_V1)
		return DNSBL_EPARSE;
	r->id = id;
	r->result = q[1];
	r->delisted = q[2];
	r->prefix.family = q[3];
	r->prefix.len = q[4];
	memcpy(r->prefix.addr, q + 5, 16);
	r->requested_at = rd32(q + 21);
	r->resolved_at = rd32(q + 25);
	r->tested_at = rd32(q + 29);
	q += RT_HDR;
	if (take(&q, end, r->contact, sizeof(r->contact)) ||
	    take(&q, end, r->note, sizeof(r->note)) ||
	    take(&q, end, r->actor, sizeof(r->actor)))
		return DNSBL_EPARSE;
	return 0;
}

static void
open_key(const struct prefix *p, uint8_t key[19])
{
	key[0] = 'o';
	key[1] = p->family;
	memset(key + 2, 0, 16);
	memcpy(key + 2, p->addr, addr_len(p->family));
	key[18] = p->len;
}

static int
get_request(struct store_txn *t, size_t zone, uint64_t id, struct retest *r)
{
	uint8_t key[9];
	const void *v;
	size_t vl;
	int rc;

	key[0] = 'r';
	wr64(key + 1, id);
	if ((rc = store_kv_get(t, zone, TABLE_RTST, key, 9, &v, &vl)) != 0)
		return rc;
	return decode(id, v, vl, r);
}

static int
put_request(struct store_txn *t, size_t zone, const struct retest *r)
{
	uint8_t key[9], buf[RT_HDR + RETEST_CONTACT_MAX + RETEST_NOTE_MAX + 80];

	key[0] = 'r';
	wr64(key + 1, r->id);
	return store_kv_put(t, zone, TABLE_RTST, key, 9, buf,
	    encode(r, buf, sizeof(buf)));
}

int
retest_open_for(struct store_txn *t, size_t zone, const struct prefix *p,
    struct retest *r)
{
	uint8_t key[19];
	const void *v;
	size_t vl;
	int rc;

	open_key(p, key);
	if ((rc = store_kv_get(t, zone, TABLE_RTST, key, 19, &v, &vl)) != 0)
		return rc;
	if (vl != 8)
		return DNSBL_EPARSE;
	return get_request(t, zone, rd64(v), r);
}

static void
copy(char *dst, size_t dl, const char *src)
{
	snprintf(dst, dl, "%s", src ? src : "");
}

int
retest_request(struct store_txn *t, size_t zone, const struct prefix *p,
    const char *contact, const char *note, const char *actor, uint64_t *id,
    int64_t *retry_at, struct errbuf *eb)
{
	const struct cfg_zone *cz = &store_txn_config(t)->zones[zone];
	char ptxt[PREFIX_STRLEN], ctxt[PREFIX_STRLEN], when[TIME_STRLEN];
	uint8_t key[5 + RETEST_CONTACT_MAX], nb[8], cb[4];
	int64_t now = store_txn_now(t);
	struct entry e, cover;
	struct retest r;
	struct event ev;
	const void *v;
	size_t vl, cl;
	uint32_t count = 0;
	uint64_t next = 1;
	int rc;

	int64_t dummy;

	if (retry_at == NULL)
		retry_at = &dummy;
	*retry_at = 0;
	prefix_format(p, ptxt);
	if ((rc = retest_text_check("contact", contact, RETEST_CONTACT_MAX,
	    eb)) != 0 || (rc = retest_text_check("note", note,
	    RETEST_NOTE_MAX, eb)) != 0 || (rc = retest_text_check("actor",
	    actor, sizeof(r.actor), eb)) != 0)
		return rc;
	if (!contact_valid(contact))
		return errbuf_set(eb, DNSBL_EPARSE, "'%s' is not a mail "
		    "address to answer to", contact);
	rc = store_entry_get(t, zone, p, &e);
	if (rc && rc != DNSBL_ENOENT)
		return errbuf_set(eb, rc, "%s: %s", ptxt, dnsbl_strerror(rc));
	if (e.state != ENTRY_LISTED) {
		if (store_entry_cover(t, zone, p, &cover) == 0 &&
		    cover.state == ENTRY_LISTED) {
			prefix_format(&cover.prefix, ctxt);
			return errbuf_set(eb, DNSBL_ENOENT, "%s is listed as "
			    "part of %s, not by itself: a retest of one host "
			    "cannot delist the range", ptxt, ctxt);
		}
		return errbuf_set(eb, DNSBL_ENOENT, "%s is not listed in %s: "
		    "nothing to retest", ptxt, cz->name.text);
	}
	if (retest_open_for(t, zone, p, &r) == 0) {
		time_format(r.requested_at, when);
		return errbuf_set(eb, DNSBL_EREFUSED, "%s already has an open "
		    "retest request (#%llu, made %s)", ptxt,
		    (unsigned long long)r.id, when);
	}
	if (e.hold_until > now) {
		*retry_at = e.hold_until;
		time_format(e.hold_until, when);
		return errbuf_set(eb, DNSBL_EREFUSED, "%s was listed again soon "
		    "after its last removal: a retest can be requested from %s "
		    "(relist penalty)", ptxt, when);
	}
	if (e.last_tested && e.last_tested + cz->retest_min_interval > now) {
		*retry_at = e.last_tested + cz->retest_min_interval;
		time_format(e.last_tested + cz->retest_min_interval, when);
		return errbuf_set(eb, DNSBL_EREFUSED, "%s was tested recently: "
		    "a retest can be requested from %s", ptxt, when);
	}
	/* Requests per contact per UTC day. */
	cl = strlen(contact);
	key[0] = 'c';
	wr32(key + 1, (uint32_t)(now / 86400));
	memcpy(key + 5, contact, cl);
	for (size_t i = 5; i < 5 + cl; i++)
		key[i] = (uint8_t)tolower(key[i]);
	rc = store_kv_get(t, zone, TABLE_RTST, key, 5 + cl, &v, &vl);
	if (rc == 0 && vl == 4)
		count = rd32(v);
	if (cz->retest_per_contact && count >= cz->retest_per_contact) {
		*retry_at = (now / 86400 + 1) * 86400;	/* midnight UTC */
		return errbuf_set(eb, DNSBL_EREFUSED, "%s has made %u retest "
		    "requests today, the most allowed: try again tomorrow (UTC)",
		    contact, count);
	}
	wr32(cb, count + 1);
	if ((rc = store_kv_put(t, zone, TABLE_RTST, key, 5 + cl, cb, 4)) != 0)
		return errbuf_set(eb, rc, "%s", dnsbl_strerror(rc));
	/* The request. */
	if (store_kv_get(t, zone, TABLE_RTST, "next", 4, &v, &vl) == 0 &&
	    vl == 8)
		next = rd64(v);
	memset(&r, 0, sizeof(r));
	r.id = next;
	r.prefix = *p;
	r.requested_at = now;
	copy(r.contact, sizeof(r.contact), contact);
	copy(r.note, sizeof(r.note), note);
	copy(r.actor, sizeof(r.actor), actor);
	wr64(nb, next + 1);
	open_key(p, key);
	if ((rc = put_request(t, zone, &r)) != 0 ||
	    (rc = store_kv_put(t, zone, TABLE_RTST, "next", 4, nb, 8)) != 0)
		return errbuf_set(eb, rc, "%s", dnsbl_strerror(rc));
	wr64(nb, r.id);
	if ((rc = store_kv_put(t, zone, TABLE_RTST, key, 19, nb, 8)) != 0)
		return errbuf_set(eb, rc, "%s", dnsbl_strerror(rc));
	memset(&ev, 0, sizeof(ev));
	ev.prefix = *p;
	ev.action = EV_RETEST_REQUESTED;
	ev.answer = e.answer;
	ev.actor = actor;
	ev.reason = note;
	{
		char extra[RETEST_CONTACT_MAX + 40];
		snprintf(extra, sizeof(extra), "request=#%llu contact=%s",
		    (unsigned long long)r.id, contact);
		ev.extra = extra;
		if ((rc = store_event_add(t, zone, &ev)) != 0)
			return errbuf_set(eb, rc, "%s", dnsbl_strerror(rc));
	}
	*id = r.id;
	return 0;
}

int
retest_resolve(struct store_txn *t, size_t zone, const struct prefix *p,
    int result, int64_t tested_at, int delisted, const char *actor,
    uint64_t *resolved)
{
	uint8_t key[19];
	struct retest r;
	struct event ev;
	char extra[RETEST_CONTACT_MAX + 40];
	int rc;

	if (resolved)
		*resolved = 0;
	rc = retest_open_for(t, zone, p, &r);
	if (rc == DNSBL_ENOENT)
		return 0;
	if (rc)
		return rc;
	/* Only a test made after the request answers it (or one that
	 * delists the address, which is what was asked for). */
	if (tested_at < r.requested_at && !delisted)
		return 0;
	r.resolved_at = store_txn_now(t);
	r.tested_at = tested_at;
	r.result = (uint8_t)result;
	r.delisted = (uint8_t)(delisted != 0);
	open_key(p, key);
	if ((rc = put_request(t, zone, &r)) != 0 ||
	    (rc = store_kv_del(t, zone, TABLE_RTST, key, 19)) != 0)
		return rc;
	memset(&ev, 0, sizeof(ev));
	ev.prefix = *p;
	ev.action = EV_RETEST_RESOLVED;
	ev.result = (uint8_t)result;
	ev.tested_at = tested_at;
	ev.actor = actor;
	ev.reason = delisted ? "retest: closed, delisted" :
	    result == RESULT_CLOSED ? "retest: closed" :
	    "retest: still open, stays listed";
	snprintf(extra, sizeof(extra), "request=#%llu contact=%s",
	    (unsigned long long)r.id, r.contact);
	ev.extra = extra;
	if ((rc = store_event_add(t, zone, &ev)) != 0)
		return rc;
	if (resolved)
		*resolved = r.id;
	return 0;
}

int
retest_walk(struct store_txn *t, size_t zone, int open_only, retest_fn fn,
    void *arg)
{
	struct retest r;
	uint64_t id, next = 1;
	const void *v;
	size_t vl;
	int rc;

	if (store_kv_get(t, zone, TABLE_RTST, "next", 4, &v, &vl) == 0 &&
	    vl == 8)
		next = rd64(v);
	/* Ids grow with time, so id order is age order. */
	for (id = 1; id < next; id++) {
		rc = get_request(t, zone, id, &r);
		if (rc == DNSBL_ENOENT)
			continue;
		if (rc)
			return rc;
		if (open_only && r.resolved_at)
			continue;
		if ((rc = fn(&r, arg)) != 0)
			return rc;
	}
	return 0;
}

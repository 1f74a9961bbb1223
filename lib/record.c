/*
 * record.c -- the on-disk forms of entries and history events, and the
 * names of results and actions.
 *
 * An entry value is a fixed big-endian header followed by two
 * NUL-terminated strings (reason, txt); version 2 adds the time of the
 * latest admin decision and of the listing's evidence to the header (a
 * version 1 entry reads as having no admin decision, and its evidence as
 * the newest of its confirmation and its listing).  An event value is a fixed header
 * (with the address in 4 or 16 bytes and the actor as an index into the
 * zone's actor table) followed by three NUL-terminated strings (reason,
 * evidence, extra).  Its sequence number is its key.
 * The first byte of each is a format version, so later releases can read
 * older records.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store_int.h"

#define ENTRY_V1 1
#define ENTRY_V2 2		/* V1, then last_admin and evidence_at */
#define ENTRY_HDR (1 + 1 + 1 + 2 + 7 * 4 + 2 * 4)
#define ENTRY_HDR2 (ENTRY_HDR + 2 * 4)
#define EVENT_V1 1
#define EVENT_HDR (1 + 1 + 1 + 1 + 1 + 2 + 4 + 4 + 4 + 16)

static const char *const action_names[EV_MAX] = {
	[EV_LISTED] = "listed",
	[EV_CONFIRMED] = "confirmed",
	[EV_DELISTED] = "delisted",
	[EV_EXCLUDED] = "excluded",
	[EV_UNEXCLUDED] = "unexcluded",
	[EV_TESTED] = "tested",
	[EV_CHANGED] = "changed",
	[EV_RETEST_REQUESTED] = "retest-requested",
	[EV_RETEST_RESOLVED] = "retest-resolved",
	[EV_EXPIRED] = "expired",
};

static const char *const result_names[] = {
	[RESULT_NONE] = "none",
	[RESULT_OPEN] = "open",
	[RESULT_CLOSED] = "closed",
	[RESULT_UNREACHABLE] = "unreachable",
	[RESULT_SUSPECTED] = "suspected",
};

const char *
event_action_name(int action)
{
	if (action <= 0 || action >= EV_MAX || action_names[action] == NULL)
		return "unknown";
	return action_names[action];
}

const char *
test_result_name(int result)
{
	if (result < 0 || result > RESULT_SUSPECTED)
		return "unknown";
	return result_names[result];
}

int
test_result_parse(const char *s, int *result)
{
	int i;

	for (i = RESULT_OPEN; i <= RESULT_SUSPECTED; i++)
		if (strcmp(s, result_names[i]) == 0) {
			*result = i;
			return 0;
		}
	return DNSBL_EPARSE;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	size_t cap;
	uint8_t *np;

	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			return DNSBL_ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int
buf_str(struct buf *b, const char *s)
{
	return buf_append(b, s ? s : "", strlen(s ? s : "") + 1);
}

void
entry_key(const struct prefix *p, uint8_t key[ENTKEY_LEN])
{
	memset(key, 0, ENTKEY_LEN);
	key[0] = p->family;
	memcpy(key + 1, p->addr, addr_len(p->family));
	key[17] = p->len;
}

void
entry_key_prefix(const uint8_t key[ENTKEY_LEN], struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = key[0];
	memcpy(p->addr, key + 1, 16);
	p->len = key[17];
}

/* Times are kept as unsigned 32-bit Unix seconds: good until 2106. */
static uint32_t
t32(int64_t t)
{
	return t <= 0 ? 0 : t >= 0xffffffffLL ? 0xffffffffu : (uint32_t)t;
}

int
entry_encode(const struct entry *e, struct buf *b)
{
	uint8_t h[ENTRY_HDR2], *q = h;

	*q++ = ENTRY_V2;
	*q++ = e->state;
	*q++ = e->last_result;
	put16(q, e->answer); q += 2;
	put32(q, t32(e->first_listed)); q += 4;
	put32(q, t32(e->listed_since)); q += 4;
	put32(q, t32(e->last_tested)); q += 4;
	put32(q, t32(e->last_confirmed)); q += 4;
	put32(q, t32(e->delisted_at)); q += 4;
	put32(q, t32(e->excluded_at)); q += 4;
	put32(q, t32(e->hold_until)); q += 4;
	put32(q, e->times_listed); q += 4;
	put32(q, e->times_delisted); q += 4;
	put32(q, t32(e->last_admin)); q += 4;
	put32(q, t32(e->evidence_at));
	b->len = 0;
	if (buf_append(b, h, sizeof(h)) || buf_str(b, e->reason) ||
	    buf_str(b, e->txt))
		return DNSBL_ENOMEM;
	return 0;
}

/* Copy the NUL-terminated string at *p (bounded by end) into dst. */
static int
take_str(const uint8_t **p, const uint8_t *end, char *dst, size_t dstlen,
    const char **ref)
{
	const uint8_t *z = memchr(*p, 0, (size_t)(end - *p));
	size_t n;

	if (z == NULL)
		return DNSBL_EPARSE;
	n = (size_t)(z - *p);
	if (dst) {
		if (n >= dstlen)
			n = dstlen - 1;
		memcpy(dst, *p, n);
		dst[n] = '\0';
	}
	if (ref)
		*ref = (const char *)*p;
	*p = z + 1;
	return 0;
}

int
entry_decode(const void *v, size_t n, struct entry *e)
{
	const uint8_t *q = v, *end = q + n;
	struct prefix keep = e->prefix;
	int v2;

	memset(e, 0, sizeof(*e));
	e->prefix = keep;
	if (n < 1 || (q[0] != ENTRY_V1 && q[0] != ENTRY_V2) ||
	    n < (q[0] == ENTRY_V1 ? ENTRY_HDR : ENTRY_HDR2))
		return DNSBL_EPARSE;
	v2 = q[0] == ENTRY_V2;
	e->state = q[1];
	e->last_result = q[2];
	q += 3;
	e->answer = get16(q); q += 2;
	e->first_listed = get32(q); q += 4;
	e->listed_since = get32(q); q += 4;
	e->last_tested = get32(q); q += 4;
	e->last_confirmed = get32(q); q += 4;
	e->delisted_at = get32(q); q += 4;
	e->excluded_at = get32(q); q += 4;
	e->hold_until = get32(q); q += 4;
	e->times_listed = get32(q); q += 4;
	e->times_delisted = get32(q); q += 4;
	if (v2) {
		e->last_admin = get32(q); q += 4;
		e->evidence_at = get32(q); q += 4;
	} else	/* what V1 knew: the newest of confirmation and listing */
		e->evidence_at = e->last_confirmed > e->listed_since ?
		    e->last_confirmed : e->listed_since;
	if (take_str(&q, end, e->reason, sizeof(e->reason), NULL) ||
	    take_str(&q, end, e->txt, sizeof(e->txt), NULL))
		return DNSBL_EPARSE;
	return 0;
}

int
event_encode(const struct event *ev, uint32_t actor, struct buf *b)
{
	size_t n = addr_len(ev->prefix.family);
	uint8_t h[EVENT_HDR], *q = h;

	*q++ = EVENT_V1;
	*q++ = ev->action;
	*q++ = ev->result;
	*q++ = ev->prefix.family;
	*q++ = ev->prefix.len;
	put16(q, ev->answer); q += 2;
	put32(q, t32(ev->time)); q += 4;
	put32(q, t32(ev->tested_at)); q += 4;
	put32(q, actor); q += 4;
	memcpy(q, ev->prefix.addr, n); q += n;
	b->len = 0;
	if (buf_append(b, h, (size_t)(q - h)) || buf_str(b, ev->reason) ||
	    buf_str(b, ev->evidence) || buf_str(b, ev->extra))
		return DNSBL_ENOMEM;
	return 0;
}

int
event_decode(const void *v, size_t len, struct event *ev, uint32_t *actor)
{
	const uint8_t *q = v, *end = q + len;
	size_t n;

	memset(ev, 0, sizeof(*ev));
	if (len < EVENT_HDR - 16 || q[0] != EVENT_V1)
		return DNSBL_EPARSE;
	ev->action = q[1];
	ev->result = q[2];
	ev->prefix.family = q[3];
	ev->prefix.len = q[4];
	if (ev->prefix.family != ADDR_V4 && ev->prefix.family != ADDR_V6)
		return DNSBL_EPARSE;
	n = addr_len(ev->prefix.family);
	q += 5;
	ev->answer = get16(q); q += 2;
	ev->time = get32(q); q += 4;
	ev->tested_at = get32(q); q += 4;
	*actor = get32(q); q += 4;
	if ((size_t)(end - q) < n)
		return DNSBL_EPARSE;
	memcpy(ev->prefix.addr, q, n); q += n;
	if (take_str(&q, end, NULL, 0, &ev->reason) ||
	    take_str(&q, end, NULL, 0, &ev->evidence) ||
	    take_str(&q, end, NULL, 0, &ev->extra))
		return DNSBL_EPARSE;
	if (*ev->evidence == '\0')
		ev->evidence = NULL;
	if (*ev->extra == '\0')
		ev->extra = NULL;
	return 0;
}

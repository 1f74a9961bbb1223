/*
 * rrl.c -- response rate limiting of UDP answers (see rrl.h).
 *
 * A bucket's 64-bit word, from the top:
 *
 *   63..50  tag: 14 bits of the key's hash (never 0; 0 is an empty word)
 *   49      limiting: set by a limited answer, cleared when the bucket
 *           has drained (its arrival time is past)
 *   48..45  slip count: limited answers since the last slipped one
 *   44..0   TAT, the theoretical arrival time of the next answer, in
 *           1/2^24 s, modulo 2^45 (24 days)
 *
 * An answer may go when TAT lies at most tau (rate intervals: one second,
 * rounded up to whole ticks) ahead of now; it then moves TAT on by the
 * kind's interval, 2^24/rate ticks rounded up.  A TAT in the past counts
 * as now.  A TAT legitimately lies at most tau plus one interval ahead
 * (and a second more, since another thread may have moved it on with a
 * later now than ours), so one further ahead is a word from 24 days ago
 * read through the wrap of the clock, and counts as past too.
 */
#include <sys/mman.h>
#include <sys/random.h>

#include <netinet/in.h>

#include <endian.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "query.h"
#include "respond.h"
#include "rrl.h"

#define WAYS		8		/* words per set: one cache line */
#define TAG_SHIFT	50
#define TAG_MASK	UINT64_C(0x3fff)
#define LIMITING	(UINT64_C(1) << 49)
#define SLIP_SHIFT	45
#define SLIP_MASK	UINT64_C(0xf)
#define TIME_BITS	45
#define TIME_MASK	((UINT64_C(1) << TIME_BITS) - 1)
#define TRIES		8		/* compare-and-swap attempts */
#define HUGE_PAGE	((size_t)2 << 20)
#define SKEW		RRL_TICKS_PER_SEC	/* how much older than another
					 * thread's a thread's now may be */
#define STALE		((int64_t)(4 * RRL_TICKS_PER_SEC))	/* further ahead
					 * than any kind's tau + interval +
					 * SKEW (3 s at 1/s): a wrapped word */

/* The buckets, shared by a table and the one renewed from it. */
struct rrl_words {
	_Atomic uint64_t *word;		/* nwords, 64-byte aligned */
	int refs;			/* tables over them (main thread) */
};

struct rrl {
	struct rrl_words *shared;
	_Atomic uint64_t *word;		/* shared->word */
	size_t nwords;
	uint64_t setmask;		/* number of sets - 1 */
	uint8_t seed[16];		/* SipHash key */
	uint64_t interval[4];		/* ticks per answer by kind; 0: none */
	uint64_t tau[4];		/* how far ahead TAT may be: rate
					 * intervals, about a second */
	uint32_t rate[4];		/* the same, as configured */
	unsigned slip;
	unsigned v4len, v6len;
	const struct prefix *exempt;	/* the config's */
	size_t nexempt;
};

/*
 * ---- SipHash ----
 * SipHash-2-4 is the reference (its published vectors test this code);
 * the table keys with SipHash-1-3, half the rounds per word and still a
 * keyed hash no client can aim, as hash tables commonly do.
 */

static inline uint64_t
rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t
le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

#define SIPROUND do {							\
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);	\
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);	\
} while (0)

/*
 * SipHash with c compression and d finalization rounds; inline, so that
 * with constant rounds the compiler unrolls them.
 */
static inline uint64_t
siphash(const uint8_t k[16], const uint8_t *p, size_t n, int c, int d)
{
	uint64_t k0 = le64(k), k1 = le64(k + 8), m, last;
	uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
	uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
	uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
	uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
	size_t i, full = n & ~(size_t)7;
	int r;

	for (i = 0; i < full; i += 8) {
		m = le64(p + i);
		v3 ^= m;
		for (r = 0; r < c; r++)
			SIPROUND;
		v0 ^= m;
	}
	last = 0;
	memcpy(&last, p + full, n & 7);
	last = le64toh(last) | (uint64_t)(n & 0xff) << 56;
	v3 ^= last;
	for (r = 0; r < c; r++)
		SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	for (r = 0; r < d; r++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
rrl_siphash(const uint8_t k[16], const uint8_t *p, size_t n, int c, int d)
{
	return siphash(k, p, n, c, d);
}

/* ---- the table ---- */

static uint64_t
interval_of(uint32_t rate)
{
	return rate == 0 ? 0 : (RRL_TICKS_PER_SEC + rate - 1) / rate;
}

/* A seed for the hash: the kernel's, else something that varies. */
static void
make_seed(uint8_t seed[16])
{
	struct timespec ts;
	uint64_t a, b;

	if (getrandom(seed, 16, GRND_NONBLOCK) == 16)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	a = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec;
	b = (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)seed;
	memcpy(seed, &a, 8);
	memcpy(seed + 8, &b, 8);
	log_warnx("rrl: no random seed from the kernel; using the time");
}

int
rrl_renew(struct rrl *prev, const struct cfg_rrl *c, struct rrl **out)
{
	struct rrl *t;
	size_t n = WAYS, i;

	*out = NULL;
	if (c->enabled == NULL || strcmp(c->enabled, "true") != 0)
		return 0;
	while (n < c->table_size)
		n <<= 1;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return DNSBL_ENOMEM;
	if (prev != NULL && prev->nwords == n) {
		/* Same size: the buckets, and the key that places them,
		 * carry on. */
		t->shared = prev->shared;
		t->shared->refs++;
		memcpy(t->seed, prev->seed, sizeof(t->seed));
	} else {
		if ((t->shared = calloc(1, sizeof(*t->shared))) == NULL) {
			free(t);
			return DNSBL_ENOMEM;
		}
		/* A table of 2 MiB or more sits on huge pages where the
		 * kernel has them: one TLB entry, not 512, for random
		 * access. */
		t->shared->word = aligned_alloc(n * sizeof(*t->word) >=
		    HUGE_PAGE ? HUGE_PAGE : 64, n * sizeof(*t->word));
		if (t->shared->word == NULL) {
			free(t->shared);
			free(t);
			return DNSBL_ENOMEM;
		}
		if (n * sizeof(*t->word) >= HUGE_PAGE)
			(void)madvise(t->shared->word, n * sizeof(*t->word),
			    MADV_HUGEPAGE);
		for (i = 0; i < n; i++)
			atomic_init(&t->shared->word[i], 0);
		t->shared->refs = 1;
		make_seed(t->seed);
	}
	t->word = t->shared->word;
	t->nwords = n;
	t->setmask = n / WAYS - 1;
	t->rate[RRL_ANSWER] = t->rate[RRL_NODATA] = c->responses_per_second;
	t->rate[RRL_NXDOMAIN] = c->nxdomains_per_second;
	t->rate[RRL_ERROR] = c->errors_per_second;
	for (i = 0; i < 4; i++) {
		t->interval[i] = interval_of(t->rate[i]);
		t->tau[i] = t->interval[i] * t->rate[i];
	}
	t->slip = c->slip;
	t->v4len = c->ipv4_prefix;
	t->v6len = c->ipv6_prefix;
	t->exempt = c->exempt;
	t->nexempt = c->nexempt;
	*out = t;
	return 0;
}

int
rrl_update(struct rrl **tp, const struct cfg_rrl *c)
{
	struct rrl *t = NULL;
	int rc;

	rc = rrl_renew(*tp, c, &t);
	rrl_free(*tp);
	*tp = t;
	return rc;
}

void
rrl_free(struct rrl *t)
{
	if (t == NULL)
		return;
	if (--t->shared->refs == 0) {
		free(t->shared->word);
		free(t->shared);
	}
	free(t);
}

size_t
rrl_bytes(const struct rrl *t)
{
	return t->nwords * sizeof(*t->word);
}

uint64_t
rrl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * RRL_TICKS_PER_SEC +
	    ((uint64_t)ts.tv_nsec * RRL_TICKS_PER_SEC) / 1000000000u;
}

/* ---- keys ---- */

/* Copy the first bits of addr (n bytes) to out, the rest zero. */
static void
put_masked(uint8_t *out, const uint8_t *addr, size_t n, unsigned bits)
{
	size_t i;

	for (i = 0; i < n; i++, bits = bits >= 8 ? bits - 8 : 0)
		out[i] = bits >= 8 ? addr[i] :
		    (uint8_t)(addr[i] & (0xff00 >> bits));
}

/*
 * The zone of an NXDOMAIN answer: the owner of its authority SOA, a
 * compression pointer into the question (respond.c writes it so).  NULL
 * if the answer is not of that form.
 */
static const uint8_t *
nx_zone(const struct query *q, const uint8_t *ans, size_t len, size_t *zlen)
{
	size_t qend = DNS_HDRLEN + q->qname_len + 4, off;

	if (len < qend + 2 || wire_get16(ans + 6) != 0 ||
	    wire_get16(ans + 8) == 0 || (ans[qend] & 0xc0) != 0xc0)
		return NULL;
	off = wire_get16(ans + qend) & 0x3fff;
	if (off < DNS_HDRLEN || off >= DNS_HDRLEN + q->qname_len)
		return NULL;
	*zlen = q->qname_len - (off - DNS_HDRLEN);
	return q->qname + (off - DNS_HDRLEN);
}

size_t
rrl_key(const struct rrl *t, const struct sockaddr *peer,
    const struct query *q, const uint8_t *ans, size_t len, uint8_t *key,
    enum rrl_kind *kind)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)peer;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;
	const uint8_t *name = NULL;
	size_t n = 0, nlen = 0;
	uint16_t type = 0;
	int rcode = len >= DNS_HDRLEN ? ans[3] & 0xf : RC_SERVFAIL;

	*kind = RRL_ERROR;
	if (len < DNS_HDRLEN || !q->has_question ||
	    (q->edns && q->edns_version > 0))
		;			/* FORMERR, BADVERS: errors */
	else if (rcode == RC_NOERROR && wire_get16(ans + 6) > 0) {
		*kind = RRL_ANSWER;
		name = q->qname;
		nlen = q->qname_len;
		type = q->qtype;
	} else if (rcode == RC_NOERROR) {
		*kind = RRL_NODATA;
		name = q->qname;
		nlen = q->qname_len;
	} else if (rcode == RC_NXDOMAIN) {
		*kind = RRL_NXDOMAIN;
		name = nx_zone(q, ans, len, &nlen);
	}
	key[n++] = (uint8_t)*kind;
	if (peer->sa_family == AF_INET) {
		key[n++] = ADDR_V4;
		put_masked(key + n, (const uint8_t *)&s4->sin_addr, 4, t->v4len);
		n += 4;
	} else if (peer->sa_family == AF_INET6) {
		key[n++] = ADDR_V6;
		put_masked(key + n, s6->sin6_addr.s6_addr, 16, t->v6len);
		n += 16;
	} else
		key[n++] = 0;
	key[n++] = (uint8_t)(type >> 8);
	key[n++] = (uint8_t)type;
	if (name != NULL && nlen <= WIRE_NAME_MAX) {
		memcpy(key + n, name, nlen);
		n += nlen;
	}
	return n;
}

static int
is_exempt(const struct rrl *t, const struct sockaddr *peer)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)peer;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;
	struct prefix host;
	size_t i;

	if (t->nexempt == 0)
		return 0;
	if (peer->sa_family == AF_INET)
		prefix_make(&host, ADDR_V4, (const uint8_t *)&s4->sin_addr, 32);
	else if (peer->sa_family == AF_INET6)
		prefix_make(&host, ADDR_V6, s6->sin6_addr.s6_addr, 128);
	else
		return 0;
	for (i = 0; i < t->nexempt; i++)
		if (prefix_contains(&t->exempt[i], &host))
			return 1;
	return 0;
}

/* ---- the log line of a bucket that begins limiting ---- */

static const char *const kind_text[] = {
	"answers", "NODATA answers", "NXDOMAIN answers", "error answers"
};

/* A wire name as text, lower case, odd bytes as \DDD; "." for the root. */
static void
name_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	size_t i = 0, o = 0, l, j;

	while (i < n && p[i] != 0 && o + 6 < cap) {
		l = p[i++];
		for (j = 0; j < l && i < n && o + 6 < cap; j++, i++) {
			uint8_t c = p[i];
			if (c > 0x20 && c < 0x7f && c != '.' && c != '\\')
				buf[o++] = (char)c;
			else
				o += (size_t)snprintf(buf + o, cap - o, "\\%03u",
				    c);
		}
		buf[o++] = '.';
	}
	if (o == 0)
		buf[o++] = '.';
	buf[o] = '\0';
}

static void
log_start(const struct rrl *t, struct rrl_worker *w, uint64_t now,
    const uint8_t *key, size_t n)
{
	char net[PREFIX_STRLEN], name[WIRE_NAME_MAX * 4 + 2], more[48];
	struct prefix p;
	enum rrl_kind kind = (enum rrl_kind)key[0];
	uint64_t sec = now / RRL_TICKS_PER_SEC;
	size_t off = key[1] == ADDR_V4 ? 6 : key[1] == ADDR_V6 ? 18 : 2;
	uint16_t type = wire_get16(key + off);

	if (w->log_sec == sec) {
		w->unlogged++;
		return;
	}
	if (key[1] == ADDR_V4 || key[1] == ADDR_V6) {
		prefix_make(&p, key[1], key + 2, key[1] == ADDR_V4 ? (int)t->v4len
		    : (int)t->v6len);
		prefix_format(&p, net);
	} else
		snprintf(net, sizeof(net), "?");
	name_text(key + off + 2, n - off - 2, name, sizeof(name));
	more[0] = '\0';
	if (w->unlogged > 0)
		snprintf(more, sizeof(more), " (and %llu more since)",
		    (unsigned long long)w->unlogged);
	if (kind == RRL_ANSWER)
		log_info("rrl: limiting %s to %s: %s type %u, %u/s%s",
		    kind_text[kind], net, name, type, t->rate[kind], more);
	else if (kind == RRL_ERROR)
		log_info("rrl: limiting %s to %s, %u/s%s", kind_text[kind],
		    net, t->rate[kind], more);
	else
		log_info("rrl: limiting %s to %s: %s, %u/s%s", kind_text[kind],
		    net, name, t->rate[kind], more);
	w->log_sec = sec;
	w->unlogged = 0;
}

/* ---- the check ---- */

/* How far the word's TAT lies ahead of now, in ticks (negative: past). */
static inline int64_t
ahead(uint64_t word, uint64_t now)
{
	uint64_t d = (word - now) & TIME_MASK;

	if (d & (UINT64_C(1) << (TIME_BITS - 1)))
		return (int64_t)d - ((int64_t)1 << TIME_BITS);
	return (int64_t)d;
}

void
rrl_prepare(const struct rrl *t, const struct sockaddr *peer,
    const struct query *q, const uint8_t *ans, size_t len,
    struct rrl_ticket *tk)
{
	uint8_t key[RRL_KEY_MAX];
	enum rrl_kind kind;
	size_t n;

	tk->limited = 0;
	if (is_exempt(t, peer))
		return;
	n = rrl_key(t, peer, q, ans, len, key, &kind);
	if (t->interval[kind] == 0)
		return;
	tk->limited = 1;
	tk->kind = (uint8_t)kind;
	tk->hash = siphash(t->seed, key, n, 1, 3);
	__builtin_prefetch(t->word + (tk->hash & t->setmask) * WAYS, 1, 3);
}

enum rrl_verdict
rrl_decide(struct rrl *t, struct rrl_worker *w, uint64_t now,
    const struct rrl_ticket *tk, const struct sockaddr *peer,
    const struct query *q, const uint8_t *ans, size_t len)
{
	uint8_t key[RRL_KEY_MAX];
	enum rrl_kind kind = (enum rrl_kind)tk->kind;
	enum rrl_verdict v = RRL_SEND;
	_Atomic uint64_t *set;
	uint64_t h = tk->hash, tag, ival, tau, old, neu, flag, slipc, cur;
	int64_t d, vd, bestd;
	size_t n;
	int try, i, way, hit, starting = 0;

	if (!tk->limited)
		return RRL_SEND;
	ival = t->interval[kind];
	tau = t->tau[kind];
	set = t->word + (h & t->setmask) * WAYS;
	if ((tag = (h >> TAG_SHIFT) & TAG_MASK) == 0)
		tag = 1;
	for (try = 0; try < TRIES; try++) {
		/* The key's word, else the set's emptiest. */
		way = 0;
		hit = 0;
		bestd = INT64_MAX;
		old = 0;
		for (i = 0; i < WAYS; i++) {
			cur = atomic_load_explicit(&set[i], memory_order_relaxed);
			if ((cur >> TAG_SHIFT) == tag) {
				way = i;
				old = cur;
				hit = 1;
				break;
			}
			vd = cur == 0 ? INT64_MIN : ahead(cur, now);
			if (vd > STALE)
				vd = INT64_MIN;	/* a wrapped old word: free */
			if (vd < bestd) {
				bestd = vd;
				way = i;
				old = cur;
			}
		}
		d = hit ? ahead(old, now) : 0;
		flag = hit ? old & LIMITING : 0;
		slipc = hit ? (old >> SLIP_SHIFT) & SLIP_MASK : 0;
		if (d <= 0 || (uint64_t)d > tau + ival + SKEW) {
			d = 0;		/* drained (or a wrapped old word) */
			flag = 0;
			slipc = 0;
		}
		starting = 0;
		if ((uint64_t)d <= tau) {
			v = RRL_SEND;
			d += (int64_t)ival;
		} else {
			starting = flag == 0;
			flag = LIMITING;
			v = RRL_DROP;
			if (t->slip > 0 && ++slipc >= t->slip) {
				slipc = 0;
				v = RRL_SLIP;
			}
		}
		neu = tag << TAG_SHIFT | flag | slipc << SLIP_SHIFT |
		    ((now + (uint64_t)d) & TIME_MASK);
		if (atomic_compare_exchange_weak_explicit(&set[way], &old, neu,
		    memory_order_relaxed, memory_order_relaxed))
			break;
	}
	/* After TRIES lost races the verdict of the last try stands. */
	if (v == RRL_SLIP && q->tsig)
		v = RRL_DROP;
	/* One writer: a relaxed load and store, no locked add. */
	if (v == RRL_DROP)
		atomic_store_explicit(&w->dropped, atomic_load_explicit(
		    &w->dropped, memory_order_relaxed) + 1,
		    memory_order_relaxed);
	else if (v == RRL_SLIP)
		atomic_store_explicit(&w->slipped, atomic_load_explicit(
		    &w->slipped, memory_order_relaxed) + 1,
		    memory_order_relaxed);
	if (starting) {
		n = rrl_key(t, peer, q, ans, len, key, &kind);
		log_start(t, w, now, key, n);
	}
	return v;
}

enum rrl_verdict
rrl_check(struct rrl *t, struct rrl_worker *w, uint64_t now,
    const struct sockaddr *peer, const struct query *q, const uint8_t *ans,
    size_t len)
{
	struct rrl_ticket tk;

	rrl_prepare(t, peer, q, ans, len, &tk);
	return rrl_decide(t, w, now, &tk, peer, q, ans, len);
}

size_t
rrl_truncate(const struct query *q, uint8_t *out, size_t len, size_t cap)
{
	int rcode = len >= DNS_HDRLEN ? out[3] & 0xf : RC_SERVFAIL;

	if (q->edns && q->edns_version > 0)
		rcode = RC_BADVERS;
	return respond_bare(q, rcode, 1, out, cap);
}

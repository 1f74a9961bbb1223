/*
 * access.c -- the DNSBL's answer policy by client network (access.h).
 */
#include <sys/socket.h>


#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "addr.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "respond.h"

#define ACCESS_IDX	0xffff		/* the fixed answer's index */

struct access {
	const struct cfg_access *rules;
	enum access_verdict *action;	/* per rule, from its action word */
	size_t nrules;
	/* The quota sketch, or NULL when no rule has a quota. */
	struct access_sketch *sk;
};

/* The quota counts, shared by a policy and the one made to replace it. */
struct access_sketch {
	_Atomic int64_t day;		/* the UTC day it counts */
	int refs;			/* policies over it (main thread) */
	_Atomic uint32_t c[];		/* ACCESS_DEPTH * ACCESS_WIDTH */
};

int
access_new(const struct dnsbl_config *cfg, struct access *prev,
    struct access **ap)
{
	struct access *a;
	size_t i;
	int quota = 0;

	*ap = NULL;
	if (cfg->naccess == 0)
		return 0;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return DNSBL_ENOMEM;
	a->rules = cfg->access;
	a->nrules = cfg->naccess;
	if ((a->action = calloc(a->nrules, sizeof(*a->action))) == NULL) {
		free(a);
		return DNSBL_ENOMEM;
	}
	for (i = 0; i < a->nrules; i++)
		a->action[i] = strcmp(a->rules[i].action, "refuse") == 0 ?
		    ACCESS_REFUSE : strcmp(a->rules[i].action, "code") == 0 ?
		    ACCESS_CODE : ACCESS_ALLOW;
	for (i = 0; i < a->nrules; i++)
		quota |= a->rules[i].quota != 0;
	if (quota && prev != NULL && prev->sk != NULL) {
		/* The day's counts go on across a reload. */
		a->sk = prev->sk;
		a->sk->refs++;
	} else if (quota) {
		if ((a->sk = calloc(1, sizeof(*a->sk) + (size_t)ACCESS_DEPTH *
		    ACCESS_WIDTH * sizeof(a->sk->c[0]))) == NULL) {
			free(a->action);
			free(a);
			return DNSBL_ENOMEM;
		}
		atomic_init(&a->sk->day, -1);
		a->sk->refs = 1;
	}
	*ap = a;
	return 0;
}

void
access_free(struct access *a)
{
	if (a == NULL)
		return;
	if (a->sk != NULL && --a->sk->refs == 0)
		free(a->sk);
	free(a->action);
	free(a);
}

int
access_counts_init(struct access_counts *c, const struct access *a)
{
	memset(c, 0, sizeof(*c));
	if (a == NULL)
		return 0;
	c->nrules = a->nrules;
	c->hits = calloc(a->nrules + 1, sizeof(*c->hits));
	c->over = calloc(a->nrules + 1, sizeof(*c->over));
	if (c->hits == NULL || c->over == NULL) {
		access_counts_fini(c);
		return DNSBL_ENOMEM;
	}
	return 0;
}

void
access_counts_fini(struct access_counts *c)
{
	free(c->hits);
	free(c->over);
	memset(c, 0, sizeof(*c));
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/*
 * Count one query of net in the sketch; return the estimate after it (the
 * smallest of its counters).  A new UTC day clears the sketch first: the
 * thread that moves the day on clears it, and counts that land while it
 * does may be lost (a few, once a day, in the client's favour).
 */
static uint32_t
sketch_count(struct access *a, const struct prefix *net, time_t now)
{
	struct access_sketch *sk = a->sk;
	int64_t day = (int64_t)now / 86400, seen = atomic_load_explicit(
	    &sk->day, memory_order_relaxed);
	uint64_t k0, k1, h;
	uint32_t v, min = UINT32_MAX;
	size_t i;

	if (seen != day && atomic_compare_exchange_strong(&sk->day, &seen,
	    day))
		for (i = 0; i < (size_t)ACCESS_DEPTH * ACCESS_WIDTH; i++)
			atomic_store_explicit(&sk->c[i], 0,
			    memory_order_relaxed);
	memcpy(&k0, net->addr, 8);
	memcpy(&k1, net->addr + 8, 8);
	k0 ^= (uint64_t)net->family << 56 ^ (uint64_t)net->len << 48;
	for (i = 0; i < ACCESS_DEPTH; i++) {
		h = mix64(k0 + mix64(k1 ^ (UINT64_C(0x9e3779b97f4a7c15) *
		    (i + 1))));
		v = atomic_fetch_add_explicit(&sk->c[i * ACCESS_WIDTH +
		    (h & (ACCESS_WIDTH - 1))], 1, memory_order_relaxed) + 1;
		if (v < min)
			min = v;
	}
	return min;
}

enum access_verdict
access_decide(struct access *a, struct access_counts *c,
    const struct sockaddr *peer, time_t now, struct store_answer *ans)
{
	const struct cfg_access *r = NULL;
	struct prefix host, net;
	size_t i, j;

	if (a == NULL || prefix_of_sockaddr(peer, &host) != 0)
		return ACCESS_ALLOW;
	prefix_client_net(&host, &net);
	for (i = 0; i < a->nrules && r == NULL; i++)
		for (j = 0; j < a->rules[i].nnetworks; j++)
			if (prefix_contains(&a->rules[i].networks[j], &host)) {
				r = &a->rules[i];
				break;
			}
	if (r == NULL) {
		c->hits[a->nrules]++;
		return ACCESS_ALLOW;
	}
	i = (size_t)(r - a->rules);
	c->hits[i]++;
	memset(ans, 0, sizeof(*ans));
	if (r->quota != 0 && sketch_count(a, &net, now) > r->quota) {
		c->over[i]++;
		memcpy(ans->a, r->quota_a, 4);
		ans->txt = r->quota_txt;
		ans->txtlen = r->quota_txt ? strlen(r->quota_txt) : 0;
		return ACCESS_CODE;
	}
	if (a->action[i] == ACCESS_CODE) {
		memcpy(ans->a, r->a, 4);
		ans->txt = r->txt;
		ans->txtlen = r->txt ? strlen(r->txt) : 0;
		return ACCESS_CODE;
	}
	return a->action[i];
}

/* ---- the fixed answer, as a respond_db ---- */

static int
code_lookup(void *arg, size_t zone, int family, const uint8_t *addr,
    struct store_hit *hit)
{
	size_t n = family == ADDR_V4 ? 4 : 16;

	(void)arg;
	(void)zone;
	memset(hit, 0, sizeof(*hit));
	hit->answer = ACCESS_IDX;
	memcpy(hit->first, addr, n);
	memcpy(hit->last, addr, n);
	return 1;
}

static int
code_any_within(void *arg, size_t zone, const struct prefix *p)
{
	(void)arg;
	(void)zone;
	(void)p;
	return 1;
}

static int
code_answer(void *arg, size_t zone, uint16_t idx, struct store_answer *out)
{
	struct access_wrap *w = arg;

	if (idx == ACCESS_IDX) {
		*out = w->ans;
		return 0;
	}
	return w->base->answer(w->base->arg, zone, idx, out);
}

static uint32_t
code_serial(void *arg, size_t zone)
{
	struct access_wrap *w = arg;

	return w->base->serial(w->base->arg, zone);
}

void
access_code_db(struct access_wrap *w, struct respond_db *out)
{
	out->lookup = code_lookup;
	out->any_within = code_any_within;
	out->answer = code_answer;
	out->serial = code_serial;
	out->arg = w;
}

void
access_report(const struct access *a, const struct access_counts *c,
    size_t n)
{
	uint64_t hits, over;
	size_t i, k;

	if (a == NULL)
		return;
	for (i = 0; i <= a->nrules; i++) {
		hits = over = 0;
		for (k = 0; k < n; k++)
			if (c[k].hits != NULL) {
				hits += c[k].hits[i];
				over += c[k].over[i];
			}
		if (i < a->nrules)
			log_info("access: rule %s (%s): %llu queries, %llu "
			    "over its quota", a->rules[i].name,
			    a->rules[i].action, (unsigned long long)hits,
			    (unsigned long long)over);
		else
			log_info("access: no rule: %llu queries (allowed)",
			    (unsigned long long)hits);
	}
}

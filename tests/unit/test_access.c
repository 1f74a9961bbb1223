/*
 * test_access.c -- the access policy (dnsbld/access.c): first rule wins,
 * the actions, IPv4-mapped clients, and the quota's count-min sketch
 * against a reference model of exact counts (seeded, seed printed): the
 * sketch never counts a network under its true count, a network switches
 * to the excess code exactly when the sketch says it passed the quota, and
 * at 20,000 networks no network below half its quota is ever switched.
 * A new UTC day starts the counts again.  Two threads counting one network
 * at once (run under TSan by `make TSAN=1 test`) lose nothing.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "../../dnsbld/access.h"
#include "../tap.h"

static struct sockaddr_in
v4(const char *s)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, s, &sin.sin_addr);
	return sin;
}

static struct sockaddr_in6
v6(const char *s)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, s, &sin6.sin6_addr);
	return sin6;
}

static struct prefix
pfx(const char *s)
{
	struct prefix p;
	struct errbuf eb;

	memset(&eb, 0, sizeof(eb));
	if (prefix_parse(s, &p, &eb) != 0)
		abort();
	return p;
}

struct two {
	struct access *a;
	struct access_counts c;
	int n;
};

static void *
counter(void *arg)
{
	struct two *t = arg;
	struct sockaddr_in sin = v4("10.99.0.1");
	struct store_answer ans;
	int i;

	for (i = 0; i < t->n; i++)
		(void)access_decide(t->a, &t->c, (struct sockaddr *)&sin,
		    1000000, &ans);
	return NULL;
}

int
main(void)
{
	struct prefix n_code[1], n_ref[2], n_quota[1], n_all[1];
	struct cfg_access rules[4];
	struct dnsbl_config cfg;
	struct access *a;
	struct access_counts c;
	struct store_answer ans;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	unsigned seed = (unsigned)time(NULL);
	uint32_t *truth;
	size_t i, nets = 20000, wrong = 0, under = 0, early = 0;
	enum access_verdict v;
	time_t now = 1800000000;

	printf("# seed %u\n", seed);
	srandom(seed);
	memset(&cfg, 0, sizeof(cfg));
	memset(rules, 0, sizeof(rules));
	n_code[0] = pfx("192.0.2.0/24");
	n_ref[0] = pfx("198.51.100.0/24");
	n_ref[1] = pfx("2001:db8::/32");
	n_quota[0] = pfx("10.0.0.0/8");
	n_all[0] = pfx("0.0.0.0/0");
	rules[0] = (struct cfg_access){ .name = "code", .networks = n_code,
	    .nnetworks = 1, .action = "code", .a = { 127, 255, 255, 254 },
	    .txt = "refused", .quota_a = { 127, 255, 255, 255 },
	    .quota_txt = "excess" };
	rules[1] = (struct cfg_access){ .name = "refuse", .networks = n_ref,
	    .nnetworks = 2, .action = "refuse" };
	rules[2] = (struct cfg_access){ .name = "quota", .networks = n_quota,
	    .nnetworks = 1, .action = "allow", .quota = 100,
	    .quota_a = { 127, 255, 255, 255 }, .quota_txt = "excess" };
	rules[3] = (struct cfg_access){ .name = "all", .networks = n_all,
	    .nnetworks = 1, .action = "refuse" };

	/* No rules: no policy, nothing to pay. */
	ok(access_new(&cfg, NULL, &a) == 0 && a == NULL, "no rules: no policy");
	cfg.access = rules;
	cfg.naccess = 4;
	ok(access_new(&cfg, NULL, &a) == 0 && a != NULL, "a policy of 4 rules");
	ok(access_counts_init(&c, a) == 0, "counts");

	sin = v4("192.0.2.7");
	v = access_decide(a, &c, (struct sockaddr *)&sin, now, &ans);
	ok(v == ACCESS_CODE && ans.a[0] == 127 && ans.a[3] == 254 &&
	    strcmp(ans.txt, "refused") == 0, "code: the rule's A and TXT");
	sin6 = v6("::ffff:192.0.2.9");
	v = access_decide(a, &c, (struct sockaddr *)&sin6, now, &ans);
	ok(v == ACCESS_CODE, "an IPv4-mapped client is its IPv4 address");
	sin6 = v6("2001:db8:1::5");
	ok(access_decide(a, &c, (struct sockaddr *)&sin6, now, &ans) ==
	    ACCESS_REFUSE, "refuse, IPv6");
	sin6 = v6("2001:db9::5");
	ok(access_decide(a, &c, (struct sockaddr *)&sin6, now, &ans) ==
	    ACCESS_ALLOW, "no rule names it: allow");
	sin = v4("203.0.113.1");
	ok(access_decide(a, &c, (struct sockaddr *)&sin, now, &ans) ==
	    ACCESS_REFUSE, "the catch-all rule, last");
	is_int((int)c.hits[0], 2, "rule code counted twice");
	is_int((int)c.hits[4], 1, "one query no rule named");

	/*
	 * The quota against exact counts: random queries over `nets` /24s
	 * of 10/8 (several hosts each), 100 a day each on average.
	 */
	truth = calloc(nets, sizeof(*truth));
	for (i = 0; i < nets * 100; i++) {
		size_t k = (size_t)random() % nets;
		char buf[32];
		uint32_t t;

		snprintf(buf, sizeof(buf), "10.%zu.%zu.%ld", k >> 8, k & 255,
		    random() % 256);
		sin = v4(buf);
		t = ++truth[k];
		v = access_decide(a, &c, (struct sockaddr *)&sin, now, &ans);
		if (v == ACCESS_CODE && t <= 100)
			under++;	/* switched before the quota: an
					 * overestimate, allowed but rare */
		if (v == ACCESS_CODE && t <= 50)
			early++;
		if (v != ACCESS_CODE && t > 100)
			wrong++;	/* never: no count below the truth */
		if (v == ACCESS_CODE && (ans.a[3] != 255 ||
		    strcmp(ans.txt, "excess") != 0))
			wrong++;
	}
	printf("# %zu queries over %zu networks: %zu switched before the "
	    "quota, %zu before half of it\n", nets * 100, nets, under, early);
	is_int((int)wrong, 0, "over the quota always gets the excess code");
	is_int((int)early, 0, "no network switched below half its quota");
	ok(under < nets * 100 / 1000, "switched early in under 0.1 %% of "
	    "queries (%zu)", under);

	/* The next day counts from zero. */
	sin = v4("10.0.0.1");
	v = access_decide(a, &c, (struct sockaddr *)&sin, now + 86400, &ans);
	ok(v == ACCESS_ALLOW, "a new day: allowed again");

	/* Two threads on one network lose no count. */
	{
		struct two t[2];
		pthread_t th[2];
		int k, over = 0;

		/* Move to the threads' day first: its clearing is done. */
		sin = v4("10.99.0.2");
		(void)access_decide(a, &c, (struct sockaddr *)&sin, 1000000,
		    &ans);
		for (k = 0; k < 2; k++) {
			t[k].a = a;
			t[k].n = 5000;
			access_counts_init(&t[k].c, a);
			pthread_create(&th[k], NULL, counter, &t[k]);
		}
		for (k = 0; k < 2; k++)
			pthread_join(th[k], NULL);
		for (k = 0; k < 2; k++) {
			over += (int)t[k].c.over[2];
			access_counts_fini(&t[k].c);
		}
		is_int(over, 10001 - 100, "two threads: exactly the queries "
		    "past 100 are over the quota");
	}
	free(truth);
	access_counts_fini(&c);
	access_free(a);
	return tap_done();
}

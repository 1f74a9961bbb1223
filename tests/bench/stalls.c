/*
 * stalls.c -- the stalls of a latency run and the check of their finder
 * against a model (see stalls.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "stalls.h"

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}


long
stalls(const struct answer *a, size_t n, int64_t min_gap,
    struct window **out, int64_t *gap_ns, int64_t *stalled_ns)
{
	struct window *w = NULL;
	int64_t *rx, g;
	size_t k;
	long nw = 0;

	*out = NULL;
	*gap_ns = *stalled_ns = 0;
	if (n < 2)
		return 0;
	if ((rx = malloc(n * sizeof(*rx))) == NULL)
		return -1;
	for (k = 0; k < n; k++)
		rx[k] = a[k].sent_ns + a[k].lat_ns;
	qsort(rx, n, sizeof(*rx), cmp_i64);
	for (k = 1; k < n; k++) {
		g = rx[k] - rx[k - 1];
		if (g > *gap_ns)
			*gap_ns = g;
		if (g < min_gap)
			continue;
		*stalled_ns += g;
		if (nw > 0 && w[nw - 1].to >= rx[k - 1] - STALL_PRE_NS) {
			w[nw - 1].to = rx[k] + STALL_POST_NS;
			continue;
		}
		if ((nw & (nw - 1)) == 0) {	/* 0, 1, 2, 4, ...: grow */
			struct window *p = realloc(w,
			    (size_t)(nw ? nw * 2 : 1) * sizeof(*w));
			if (p == NULL) {
				free(w);
				free(rx);
				return -1;
			}
			w = p;
		}
		w[nw].from = rx[k - 1] - STALL_PRE_NS;
		w[nw].to = rx[k] + STALL_POST_NS;
		nw++;
	}
	free(rx);
	*out = w;
	return nw;
}

int
in_window(const struct window *w, long nw, int64_t t)
{
	long lo = 0, hi = nw;

	while (lo < hi) {		/* the first window ending at t or after */
		long mid = lo + (hi - lo) / 2;
		if (w[mid].to < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nw && w[lo].from <= t;
}

/* A seeded generator for check_stalls(): xorshift64*. */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 2685821657736338717ULL;
}

int
check_stalls(uint64_t seed)
{
	uint64_t x = seed ? seed : 1;
	struct answer *a = NULL;
	struct window *w = NULL;
	int64_t *rx = NULL, t, gap, stalled, mgap, mstalled, mto;
	long nw, mnw;
	size_t n, k, j, i;
	int run, rc = 1;

	printf("check-stalls seed %llu\n", (unsigned long long)seed);
	for (run = 0; run < 300; run++) {
		n = 2 + rnd(&x) % 2000;
		free(a);
		free(rx);
		a = malloc(n * sizeof(*a));
		rx = malloc(n * sizeof(*rx));
		if (a == NULL || rx == NULL)
			goto out;
		/*
		 * Times on a 1 ms grid, so that gaps of exactly STALL_NS
		 * and sends exactly on a window's edge (1 ms before, 5 ms
		 * after) come often: mostly 0 to 2 ms apart, now and then
		 * 49, 50 or up to 300 ms; latencies of 0 to 6 ms, or now
		 * and then up to 200 ms.
		 */
		t = 1000000000LL;
		for (k = 0; k < n; k++) {
			uint64_t r = rnd(&x) % 100;
			t += 1000000LL * (int64_t)(r < 90 ? rnd(&x) % 3 :
			    r < 93 ? STALL_NS / 1000000 - 1 :
			    r < 96 ? STALL_NS / 1000000 :
			    STALL_NS / 1000000 + rnd(&x) % 250);
			a[k].sent_ns = t;
			a[k].lat_ns = 1000000U * (uint32_t)(rnd(&x) % 10 == 0 ?
			    rnd(&x) % 200 : rnd(&x) % 7);
		}
		for (k = n - 1; k > 0; k--) {	/* arrival order: shuffled */
			struct answer tmp;
			j = rnd(&x) % (k + 1);
			tmp = a[k], a[k] = a[j], a[j] = tmp;
		}
		free(w);
		if ((nw = stalls(a, n, STALL_NS, &w, &gap, &stalled)) < 0)
			goto out;
		/* The model. */
		for (k = 0; k < n; k++)
			rx[k] = a[k].sent_ns + a[k].lat_ns;
		qsort(rx, n, sizeof(*rx), cmp_i64);
		mgap = mstalled = 0;
		mnw = 0;
		mto = INT64_MIN;
		for (k = 1; k < n; k++) {
			int64_t g = rx[k] - rx[k - 1];
			if (g > mgap)
				mgap = g;
			if (g < STALL_NS)
				continue;
			mstalled += g;
			if (rx[k - 1] - STALL_PRE_NS > mto)
				mnw++;
			mto = rx[k] + STALL_POST_NS;
		}
		if (gap != mgap || stalled != mstalled || nw != mnw) {
			printf("run %d: gap %lld/%lld, stalled %lld/%lld, "
			    "windows %ld/%ld (stalls()/model)\n", run,
			    (long long)gap, (long long)mgap,
			    (long long)stalled, (long long)mstalled, nw, mnw);
			goto out;
		}
		for (i = 0; i < n; i++) {
			int in = 0;
			for (k = 1; k < n && !in; k++)
				in = rx[k] - rx[k - 1] >= STALL_NS &&
				    a[i].sent_ns >= rx[k - 1] - STALL_PRE_NS &&
				    a[i].sent_ns <= rx[k] + STALL_POST_NS;
			if (in != in_window(w, nw, a[i].sent_ns)) {
				printf("run %d: answer sent at %lld: model %d, "
				    "in_window %d\n", run,
				    (long long)a[i].sent_ns, in, !in);
				goto out;
			}
		}
	}
	printf("ok\n");
	rc = 0;
out:
	free(a);
	free(rx);
	free(w);
	return rc;
}

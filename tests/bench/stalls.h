/*
 * stalls.h -- the stalls of a latency run (latclient.c): the times with
 * no answer, long enough to be the machine's rather than the server's,
 * and which answers they cover.  Pure functions of the answers given; no
 * state.  check_stalls() tests them against a plain model.
 */
#ifndef DNSBL_BENCH_STALLS_H
#define DNSBL_BENCH_STALLS_H

#include <stddef.h>
#include <stdint.h>

#define STALL_NS	50000000LL	/* no answer this long: a stall */
#define STALL_PRE_NS	1000000LL	/* a stall's window: from 1 ms before */
#define STALL_POST_NS	5000000LL	/* to 5 ms after */

/* One answer: its query's send time and its latency. */
struct answer {
	int64_t		sent_ns;	/* CLOCK_REALTIME */
	uint32_t	lat_ns;
};

/* A stretch of time around a stall (stalls()). */
struct window {
	int64_t		from, to;	/* CLOCK_REALTIME, ns */
};

/*
 * The stalls of the n answers a[] (in any order; not changed): every
 * time between two answers' receive times (sent_ns + lat_ns, sorted) of
 * min_gap or more.  Each gives a window from STALL_PRE_NS before the
 * answer that preceded it to STALL_POST_NS after the one that ended it:
 * the queries sent in it waited for the stall, or for the backlog it
 * left.  Overlapping windows are merged, so the windows are sorted and
 * disjoint.  Returns the number of windows, with the windows in *out
 * (malloc'd, owned by the caller, who frees it; NULL when there are
 * none), the longest gap in *gap_ns and the stalls' total in
 * *stalled_ns; or -1 when out of memory (*out NULL).
 */
long	stalls(const struct answer *a, size_t n, int64_t min_gap,
	    struct window **out, int64_t *gap_ns, int64_t *stalled_ns);

/* Whether time t falls in one of the nw windows w[] (as stalls() gives
 * them: sorted, disjoint). */
int	in_window(const struct window *w, long nw, int64_t t);

/*
 * latclient --check-stalls SEED: stalls() and in_window() against a plain
 * model on 300 random runs from SEED (answers out of order, gaps of every
 * size, stalls side by side, times on the limits): for each answer,
 * whether it is in a stall's window, checked against every unmerged
 * window one by one; and the longest gap, the stalls' total and the
 * merged windows' count.  Prints the seed and "ok", or the first
 * difference, on stdout; returns 0 or 1 (also 1 when out of memory).
 */
int	check_stalls(uint64_t seed);

#endif

/*
 * cachelat.c -- how long one memory read takes on this machine, by the
 * size of the memory read from: the cache a lookup in dnsbld's in-memory
 * copy (lib/memidx.h) finds, printed at the top of every bench run.
 *
 *   cachelat [MAX_MB [READS]]
 *
 * Why: the copy of 1M addresses is about 4 MB, that of 10M about 36 MB,
 * and how much of it stays in the cache decides the lookup's cost.
 * lscpu gives the L3's size, not the share of it that a VM's neighbours
 * leave: on the bench's VM (2026-12-02, AMD EPYC, 32 MB L3) a read from
 * 8 MB already cost about 145 ns, nearly a read from memory.  So a run's
 * figures at 10M are read with this line beside them.
 *
 * What it measures: for each size from 1 MB, doubling up to MAX_MB
 * (default 64), a buffer of that size on huge pages where possible (as the
 * copy is: hugemem.c), its 64-byte lines linked in one random cycle
 * (Sattolo's shuffle), then READS (default 2,000,000) reads that each
 * follow the link the previous one read: no two overlap, and no
 * prefetcher can guess the next.  One line out:
 *   memory latency (one dependent read, ns): 1 MB 24.0, 2 MB 26.3, ...
 * A figure for reading, never a test.  Exit status 0; 2 with a message on
 * bad arguments, 1 if the memory cannot be had.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define LINE	64
#define HUGE	(2u << 20)

/* One cache line: the index of the next line to read. */
struct line {
	uint64_t next;
	uint8_t pad[LINE - sizeof(uint64_t)];
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64: the shuffle's random numbers, the same every run. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A whole number from lo to hi in s, or -1. */
static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

/* The time of one dependent read over n lines at l, in ns; reads reads. */
static double
chase(struct line *l, size_t n, long reads)
{
	uint64_t s = 88172645463325252ull, i, j, t, p;
	double t0, t1;
	long k;

	/* Sattolo: one cycle through all n lines. */
	for (i = 0; i < n; i++)
		l[i].next = i;
	for (i = n - 1; i > 0; i--) {
		j = rnd(&s) % i;
		t = l[i].next;
		l[i].next = l[j].next;
		l[j].next = t;
	}
	/* Once round (or as far as the reads go) to warm what fits. */
	for (p = 0, i = 0; i < n && i < (uint64_t)reads; i++)
		p = l[p].next;
	t0 = now();
	for (k = 0; k < reads; k++)
		p = l[p].next;
	t1 = now();
	/* p is used, so that the loop is not thrown away. */
	if (p == n)
		fputc('\0', stderr);
	return (t1 - t0) / (double)reads * 1e9;
}

int
main(int argc, char **argv)
{
	long max_mb = 64, reads = 2000000, mb;
	struct line *l;
	size_t bytes;
	void *p;
	int rc;
	const char *sep = "";

	if (argc > 3 || (argc > 1 && (max_mb = number(argv[1], 1, 4096)) < 0) ||
	    (argc > 2 && (reads = number(argv[2], 1000, 1000000000)) < 0)) {
		fprintf(stderr, "usage: cachelat [MAX_MB (1 to 4096) "
		    "[READS (1000 to 10^9)]]\n");
		return 2;
	}
	printf("memory latency (one dependent read, ns):");
	for (mb = 1; mb <= max_mb; mb *= 2) {
		bytes = (size_t)mb << 20;
		/* On a huge page's boundary, whatever the size (which
		 * aligned_alloc() would need to be a multiple of it). */
		if ((rc = posix_memalign(&p, HUGE, bytes)) != 0) {
			fprintf(stderr, "cachelat: %ld MB: %s\n", mb,
			    strerror(rc));
			return 1;
		}
		l = p;
		(void)madvise(l, bytes, MADV_HUGEPAGE);
		memset(l, 0, bytes);
		printf("%s %ld MB %.1f", sep, mb,
		    chase(l, bytes / LINE, reads));
		fflush(stdout);
		sep = ",";
		free(l);
	}
	printf("\n");
	return 0;
}

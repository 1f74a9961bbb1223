/*
 * latclient.c -- a DNS server's latency at a fixed offered load, measured
 * so that the load generator's own work does not enter the figures.
 *
 *   latclient ADDR PORT QUERYFILE QPS SECONDS [SOCKETS]
 *   latclient --check-stalls SEED     (the stall finder against a model,
 *                                      stalls.c)
 *
 * Why not dnsperf -v: on two cores, with the server on one and dnsperf on
 * the other, dnsperf (2.10, one query a syscall, two threads, a line of
 * output per answer) keeps its core 90-97% busy at 60,000 queries a
 * second, while the server's core is 28-38% busy.  The latency it reports
 * is then mostly the time an answer waits for dnsperf, the same for every
 * server, and the tails are dnsperf's.  docs/performance.md has the runs.
 *
 * What this does instead:
 *   - one thread, open loop: query i is sent at start + i/QPS, one sendto()
 *     each, round robin over SOCKETS (default 4) connected UDP sockets,
 *     whether or not earlier queries were answered;
 *   - the send time is CLOCK_REALTIME read just before sendto(); the answer's
 *     time is the kernel's receive timestamp (SO_TIMESTAMPNS), taken when
 *     the answer reaches the client's socket, so that however late the
 *     client reads it, its latency is the server's and the path's;
 *   - an answer counts when its ID is outstanding on that socket and its
 *     question section is the query's, byte for byte;
 *   - after the last send it waits up to 2 s for answers; a query with none
 *     is lost, as is one whose ID slot came round again unanswered (after
 *     65,536 queries on its socket).
 * It prints one line of key=value figures, as tests/bench/latency.sh did:
 *   offered qps lost answers avg_us p50_us p99_us max_us late stray
 *   gap_ms stalls stalled_ms steady_answers steady_avg_us steady_p99_us
 *   sent_avg_us sent_p99_us steady_lost steady_sent_avg_us
 *   steady_sent_p99_us
 * where late counts the queries sent more than 100 us after their time
 * (the client fell behind; it should be 0 or nearly), stray the answers
 * that matched no outstanding query, and gap_ms the longest time between
 * two answers' receive timestamps.  A stall is a time of 50 ms or more
 * (or 50 query intervals, if longer) with no answer: on the bench VMs the
 * hypervisor takes a vCPU away for about 100 ms now and then, whichever
 * server runs, and a busy loop on an idle core sees it too
 * (docs/performance.md).  stalls and stalled_ms count them; the steady_
 * figures are those of the answers whose query was sent outside every
 * stall's window (from 1 ms before the last answer ahead of it to 5 ms
 * after the first one behind it).  avg_us, p99_us and the rest are of
 * every answer.  The sent_ figures are of every query sent, answered or
 * lost, a lost one counted as 50 ms (LOST_NS; the time it was seen
 * unanswered if shorter, which at the rates used never is): the least a
 * lost query costs a real asker, Unbound, before it asks again.  So a
 * server that drops queries it cannot take at once (its receive buffer
 * full after a burst) does not get the shorter tail and the lower
 * average for it.  A query the client itself could not send is lost but
 * in none of the figures.  steady_lost counts the lost queries sent
 * outside every stall's window, and the steady_sent_ figures are of
 * every query sent outside them.  Figures only: exit status 0 unless the
 * arguments or the query file are bad (then a message names the file,
 * the line and the reason, and the status is 2).
 *
 * The query file is dnsperf's: "NAME TYPE" a line, TYPE one of A, NS, SOA,
 * PTR, MX, TXT, AAAA, ANY; queries go out with RD set and no EDNS, as
 * dnsperf sends them by default.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "stalls.h"

#define MAXSOCK		16
#define BATCH		32
#define ANSWER_MAX	4096
#define LATE_NS		100000LL	/* a send this late counts as late */
#define DRAIN_NS	2000000000LL	/* the wait after the last send */
/* What a lost query counts as in the sent_ figures: the least it costs
 * its asker.  Unbound, the resolver in front of an MTA in the system
 * tests, asks again after its retransmit timeout, no sooner than
 * infra-cache-min-rtt, 50 ms by default (unbound.conf(5)). */
#define LOST_NS		50000000LL

/* One query of the file, encoded: header (12 bytes) + question. */
struct query {
	uint32_t off;	/* into queries.wire */
	uint16_t len;
};

struct queries {
	uint8_t		*wire;
	size_t		 used, cap;
	struct query	*q;
	size_t		 n, qcap;
};

/* The figures of a set of latencies (summarize()). */
struct stats {
	size_t		n;
	double		avg, p50, p99, max;	/* microseconds */
};

/* What is outstanding on one socket, by DNS ID. */
struct slot {
	int64_t		sent_ns;	/* 0: nothing outstanding */
	uint32_t	qi;		/* the query's index */
};

struct run {
	struct queries	 qs;
	int		 fd[MAXSOCK];
	int		 nsock;
	struct slot	*slots[MAXSOCK];
	uint16_t	 nextid[MAXSOCK];
	struct answer	*ans;		/* every answer, in arrival order */
	size_t		 nlat, latcap;
	/* Every query lost but for those the client could not send: its
	 * send time, and as lat_ns how long it was seen unanswered, at
	 * most LOST_NS. */
	struct answer	*gone;
	size_t		 ngone, gonecap;
	uint64_t	 sent, lost, late, stray;
	/* The receive batch, set up once (rx_setup()). */
	uint8_t		 buf[BATCH][ANSWER_MAX];
	char		 ctl[BATCH][CMSG_SPACE(sizeof(struct timespec))];
	struct iovec	 iov[BATCH];
	struct mmsghdr	 mm[BATCH];
};

static int64_t
now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const struct {
	const char	*name;
	uint16_t	 type;
} qtypes[] = {
	{ "A", 1 }, { "NS", 2 }, { "SOA", 6 }, { "PTR", 12 }, { "MX", 15 },
	{ "TXT", 16 }, { "AAAA", 28 }, { "ANY", 255 },
};

static int
qtype_of(const char *s, uint16_t *t)
{
	size_t i;

	for (i = 0; i < sizeof(qtypes) / sizeof(qtypes[0]); i++)
		if (strcasecmp(s, qtypes[i].name) == 0) {
			*t = qtypes[i].type;
			return 0;
		}
	return -1;
}

/*
 * Encodes NAME (dotted, an optional final dot) as wire labels into out
 * (at least 256 bytes).  Returns the length, or -1 with *why set.
 */
static int
encode_name(const char *name, uint8_t *out, const char **why)
{
	size_t n = 0, lab;
	const char *p = name, *dot;

	if (strcmp(name, ".") == 0) {
		out[0] = 0;
		return 1;
	}
	while (*p != '\0') {
		dot = strchr(p, '.');
		lab = dot ? (size_t)(dot - p) : strlen(p);
		if (lab == 0) {
			*why = "empty label";
			return -1;
		}
		if (lab > 63) {
			*why = "label longer than 63 bytes";
			return -1;
		}
		if (n + 1 + lab + 1 > 255) {
			*why = "name longer than 255 bytes";
			return -1;
		}
		out[n++] = (uint8_t)lab;
		memcpy(out + n, p, lab);
		n += lab;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	out[n++] = 0;
	return (int)n;
}

static int
queries_add(struct queries *qs, const uint8_t *w, size_t len)
{
	void *p;

	if (qs->used + len > qs->cap) {
		size_t c = qs->cap ? qs->cap * 2 : 1 << 20;
		while (c < qs->used + len)
			c *= 2;
		if ((p = realloc(qs->wire, c)) == NULL)
			return -1;
		qs->wire = p;
		qs->cap = c;
	}
	if (qs->n == qs->qcap) {
		size_t c = qs->qcap ? qs->qcap * 2 : 4096;
		if ((p = realloc(qs->q, c * sizeof(*qs->q))) == NULL)
			return -1;
		qs->q = p;
		qs->qcap = c;
	}
	memcpy(qs->wire + qs->used, w, len);
	qs->q[qs->n].off = (uint32_t)qs->used;
	qs->q[qs->n].len = (uint16_t)len;
	qs->used += len;
	qs->n++;
	return 0;
}

/* Reads the query file; on a bad line, says where and why, returns -1. */
static int
queries_load(struct queries *qs, const char *path)
{
	FILE *f;
	char line[1024], name[512], type[32], extra[8];
	uint8_t w[12 + 256 + 4];
	const char *why = NULL;
	unsigned long lineno = 0;
	uint16_t t;
	int nl, k, rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "latclient: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			why = "line longer than 1023 bytes";
			goto bad;
		}
		k = sscanf(line, "%511s %31s %7s", name, type, extra);
		if (k <= 0 || name[0] == '#' || name[0] == ';')
			continue;
		if (k != 2) {
			why = "want NAME TYPE";
			goto bad;
		}
		if (qtype_of(type, &t) != 0) {
			why = "unknown type";
			goto bad;
		}
		memset(w, 0, 12);
		w[2] = 0x01;			/* RD */
		w[5] = 1;			/* QDCOUNT */
		if ((nl = encode_name(name, w + 12, &why)) < 0)
			goto bad;
		w[12 + nl] = (uint8_t)(t >> 8);
		w[12 + nl + 1] = (uint8_t)t;
		w[12 + nl + 2] = 0;
		w[12 + nl + 3] = 1;		/* IN */
		if (queries_add(qs, w, 12 + (size_t)nl + 4) != 0) {
			fprintf(stderr, "latclient: out of memory\n");
			goto out;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "latclient: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (qs->n == 0) {
		fprintf(stderr, "latclient: %s: no queries\n", path);
		goto out;
	}
	rc = 0;
	goto out;
bad:
	fprintf(stderr, "latclient: %s:%lu: %s\n", path, lineno, why);
out:
	fclose(f);
	return rc;
}

static int
open_sockets(struct run *r, const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int i, on = 1, buf = 8 << 20;
	char *end;
	long p = strtol(port, &end, 10);

	memset(&ss, 0, sizeof(ss));
	if (*end != '\0' || p < 1 || p > 65535) {
		fprintf(stderr, "latclient: bad port '%s'\n", port);
		return -1;
	}
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)p);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)p);
		sl = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "latclient: bad address '%s'\n", addr);
		return -1;
	}
	for (i = 0; i < r->nsock; i++) {
		r->fd[i] = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (r->fd[i] < 0 ||
		    setsockopt(r->fd[i], SOL_SOCKET, SO_TIMESTAMPNS, &on,
		    sizeof(on)) != 0 ||
		    connect(r->fd[i], (struct sockaddr *)&ss, sl) != 0) {
			fprintf(stderr, "latclient: socket to %s port %s: %s\n",
			    addr, port, strerror(errno));
			return -1;
		}
		/* Root may pass rmem_max; else the kernel caps it. */
		if (setsockopt(r->fd[i], SOL_SOCKET, SO_RCVBUFFORCE, &buf,
		    sizeof(buf)) != 0)
			(void)setsockopt(r->fd[i], SOL_SOCKET, SO_RCVBUF, &buf,
			    sizeof(buf));
		r->slots[i] = calloc(65536, sizeof(struct slot));
		if (r->slots[i] == NULL) {
			fprintf(stderr, "latclient: out of memory\n");
			return -1;
		}
		r->nextid[i] = (uint16_t)(i * 7919);
	}
	return 0;
}

/*
 * Appends (sent_ns, lat_ns) to the array *a of *n entries and room for
 * *cap, which it grows; lat_ns is kept within 32 bits (0 to 4.29 s).
 * Returns 0, or -1 when out of memory (*a unchanged).
 */
static int
record(struct answer **a, size_t *n, size_t *cap, int64_t sent_ns,
    int64_t lat_ns)
{
	struct answer *p;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1 << 16;
		if ((p = realloc(*a, c * sizeof(*p))) == NULL)
			return -1;
		*a = p;
		*cap = c;
	}
	(*a)[*n].sent_ns = sent_ns;
	(*a)[*n].lat_ns = lat_ns < 0 ? 0 : lat_ns > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)lat_ns;
	(*n)++;
	return 0;
}

/* What a query seen unanswered for ns counts as: at most LOST_NS. */
static int64_t
lost_wait(int64_t ns)
{
	return ns < LOST_NS ? ns : LOST_NS;
}

/* Sends query i; returns 0, or -1 when out of memory. */
static int
send_one(struct run *r, uint64_t i, int64_t due_ns, int64_t mono_ns)
{
	const struct query *q = &r->qs.q[i % r->qs.n];
	int s = (int)(i % (uint64_t)r->nsock);
	uint16_t id = r->nextid[s]++;
	struct slot *sl = &r->slots[s][id];
	uint8_t w[12 + 256 + 4];
	int64_t now;

	memcpy(w, r->qs.wire + q->off, q->len);
	w[0] = (uint8_t)(id >> 8);
	w[1] = (uint8_t)id;
	now = now_ns(CLOCK_REALTIME);
	if (sl->sent_ns != 0) {
		r->lost++;	/* came round again, never answered */
		if (record(&r->gone, &r->ngone, &r->gonecap, sl->sent_ns,
		    lost_wait(now - sl->sent_ns)) != 0)
			return -1;
	}
	if (mono_ns - due_ns > LATE_NS)
		r->late++;
	sl->qi = (uint32_t)(i % r->qs.n);
	sl->sent_ns = now;
	if (send(r->fd[s], w, q->len, 0) != (ssize_t)q->len) {
		sl->sent_ns = 0;	/* not sent: lost at our end */
		r->lost++;
	}
	r->sent++;
	return 0;
}

/* Point the receive batch's headers at its buffers, once. */
static void
rx_setup(struct run *r)
{
	int i;

	for (i = 0; i < BATCH; i++) {
		r->iov[i].iov_base = r->buf[i];
		r->iov[i].iov_len = ANSWER_MAX;
		r->mm[i].msg_hdr.msg_iov = &r->iov[i];
		r->mm[i].msg_hdr.msg_iovlen = 1;
		r->mm[i].msg_hdr.msg_control = r->ctl[i];
	}
}

/* Takes what has arrived on socket s; returns the number of answers. */
static int
receive(struct run *r, int s)
{
	struct mmsghdr *mm = r->mm;
	uint8_t (*buf)[ANSWER_MAX] = r->buf;
	struct cmsghdr *c;
	struct timespec ts;
	const struct query *q;
	struct slot *sl;
	int i, n, got = 0;
	int64_t rx;

	/* The kernel shortens the control length it fills in. */
	for (i = 0; i < BATCH; i++)
		mm[i].msg_hdr.msg_controllen = sizeof(r->ctl[i]);
	n = recvmmsg(r->fd[s], mm, BATCH, MSG_DONTWAIT, NULL);
	for (i = 0; i < n; i++) {
		size_t len = mm[i].msg_len;
		uint16_t id;

		rx = 0;
		for (c = CMSG_FIRSTHDR(&mm[i].msg_hdr); c != NULL;
		    c = CMSG_NXTHDR(&mm[i].msg_hdr, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_TIMESTAMPNS) {
				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				rx = (int64_t)ts.tv_sec * 1000000000LL +
				    ts.tv_nsec;
			}
		if (len < 12 || !(buf[i][2] & 0x80)) {
			r->stray++;
			continue;
		}
		id = (uint16_t)(buf[i][0] << 8 | buf[i][1]);
		sl = &r->slots[s][id];
		if (sl->sent_ns == 0) {
			r->stray++;	/* not outstanding: late or a duplicate */
			continue;
		}
		q = &r->qs.q[sl->qi];
		/* The question, byte for byte, from after the header. */
		if (len < q->len || memcmp(buf[i] + 12,
		    r->qs.wire + q->off + 12, q->len - 12) != 0) {
			r->stray++;
			continue;
		}
		if (rx == 0)
			rx = now_ns(CLOCK_REALTIME);
		if (record(&r->ans, &r->nlat, &r->latcap, sl->sent_ns,
		    rx - sl->sent_ns) != 0)
			return -1;
		sl->sent_ns = 0;
		got++;
	}
	return got;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts lat[0..n) and fills *st; n may be 0 (all figures 0). */
static void
summarize(uint32_t *lat, size_t n, struct stats *st)
{
	double sum = 0;
	size_t k;

	memset(st, 0, sizeof(*st));
	st->n = n;
	if (n == 0)
		return;
	qsort(lat, n, sizeof(*lat), cmp_u32);
	for (k = 0; k < n; k++)
		sum += lat[k];
	st->avg = sum / (double)n / 1e3;
	/* Nearest rank: the ceil(p * n)th smallest, 0-based. */
	st->p50 = lat[(n + 1) / 2 - 1] / 1e3;
	st->p99 = lat[(n * 99 + 99) / 100 - 1] / 1e3;
	st->max = lat[n - 1] / 1e3;
}

int
main(int argc, char **argv)
{
	struct run r;
	char *end;
	double qps, secs;
	int64_t start, stop, t, due;
	uint64_t i = 0, total;
	int s, rc = 2;
	size_t k, outstanding = 0, nkept = 0, nq = 0, nqk = 0, nlostk = 0;
	uint32_t *all = NULL, *kept = NULL, *q = NULL, *qk = NULL;
	struct window *win = NULL;
	struct stats sa, sk, sq, sqk;
	int64_t gap, stalled, min_gap;
	long nwin;

	memset(&r, 0, sizeof(r));
	rx_setup(&r);
	if (argc == 3 && strcmp(argv[1], "--check-stalls") == 0)
		return check_stalls(strtoull(argv[2], NULL, 10));
	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: latclient ADDR PORT QUERYFILE QPS "
		    "SECONDS [SOCKETS]\n");
		return 2;
	}
	qps = strtod(argv[4], &end);
	if (*end != '\0' || !(qps >= 1 && qps <= 10e6)) {
		fprintf(stderr, "latclient: bad rate '%s'\n", argv[4]);
		return 2;
	}
	secs = strtod(argv[5], &end);
	if (*end != '\0' || !(secs > 0 && secs <= 3600)) {
		fprintf(stderr, "latclient: bad seconds '%s'\n", argv[5]);
		return 2;
	}
	r.nsock = 4;
	if (argc == 7) {
		long n = strtol(argv[6], &end, 10);
		if (*end != '\0' || n < 1 || n > MAXSOCK) {
			fprintf(stderr, "latclient: bad socket count '%s' "
			    "(1-%d)\n", argv[6], MAXSOCK);
			return 2;
		}
		r.nsock = (int)n;
	}
	if (queries_load(&r.qs, argv[3]) != 0 ||
	    open_sockets(&r, argv[1], argv[2]) != 0)
		goto out;

	rc = 1;
	total = (uint64_t)(qps * secs);
	start = now_ns(CLOCK_MONOTONIC);
	stop = start + (int64_t)(secs * 1e9);
	while (i < total) {
		t = now_ns(CLOCK_MONOTONIC);
		/* Query i is due at start + i / qps seconds. */
		while (i < total &&
		    (due = start + (int64_t)((double)i * 1e9 / qps)) <= t) {
			if (send_one(&r, i, due, t) != 0)
				goto nomem;
			i++;
		}
		for (s = 0; s < r.nsock; s++)
			if (receive(&r, s) < 0)
				goto nomem;
		if (t > stop + 1000000000LL)
			break;	/* hopelessly behind: stop sending */
	}
	stop = now_ns(CLOCK_MONOTONIC) + DRAIN_NS;
	while (now_ns(CLOCK_MONOTONIC) < stop) {
		for (s = 0; s < r.nsock; s++)
			if (receive(&r, s) < 0)
				goto nomem;
		if (r.nlat + r.lost >= r.sent)
			break;
		usleep(200);
	}
	t = now_ns(CLOCK_REALTIME);
	for (s = 0; s < r.nsock; s++)
		for (k = 0; k < 65536; k++)
			if (r.slots[s][k].sent_ns != 0) {
				outstanding++;
				if (record(&r.gone, &r.ngone, &r.gonecap,
				    r.slots[s][k].sent_ns,
				    lost_wait(t - r.slots[s][k].sent_ns)) != 0)
					goto nomem;
			}
	r.lost += outstanding;

	rc = 0;
	if (r.nlat == 0) {
		printf("offered=%.0f qps=0 lost=%llu answers=0 late=%llu "
		    "stray=%llu\n", qps, (unsigned long long)r.lost,
		    (unsigned long long)r.late, (unsigned long long)r.stray);
		goto out;
	}
	/*
	 * A stall: no answer for STALL_NS, or for 50 times the time between
	 * two queries when that is longer (at a low rate answers are far
	 * apart anyway).
	 */
	min_gap = (int64_t)(50e9 / qps);
	if (min_gap < STALL_NS)
		min_gap = STALL_NS;
	if ((nwin = stalls(r.ans, r.nlat, min_gap, &win, &gap,
	    &stalled)) < 0)
		goto nomem;
	all = malloc(r.nlat * sizeof(*all));
	kept = malloc(r.nlat * sizeof(*kept));
	q = malloc((r.nlat + r.ngone) * sizeof(*q));
	qk = malloc((r.nlat + r.ngone) * sizeof(*qk));
	if (all == NULL || kept == NULL || q == NULL || qk == NULL)
		goto nomem;
	for (k = 0; k < r.nlat; k++) {
		all[k] = q[nq++] = r.ans[k].lat_ns;
		if (!in_window(win, nwin, r.ans[k].sent_ns))
			kept[nkept++] = qk[nqk++] = r.ans[k].lat_ns;
	}
	/* A lost query counts as LOST_NS (lost_wait()): the least it
	 * costs its asker, who waits that long before asking again. */
	for (k = 0; k < r.ngone; k++) {
		q[nq++] = r.gone[k].lat_ns;
		if (!in_window(win, nwin, r.gone[k].sent_ns)) {
			qk[nqk++] = r.gone[k].lat_ns;
			nlostk++;
		}
	}
	summarize(all, r.nlat, &sa);
	summarize(kept, nkept, &sk);
	summarize(q, nq, &sq);
	summarize(qk, nqk, &sqk);
	printf("offered=%.0f qps=%.0f lost=%llu answers=%zu "
	    "avg_us=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f "
	    "late=%llu stray=%llu gap_ms=%.1f stalls=%ld stalled_ms=%.1f "
	    "steady_answers=%zu steady_avg_us=%.1f steady_p99_us=%.1f "
	    "sent_avg_us=%.1f sent_p99_us=%.1f steady_lost=%zu "
	    "steady_sent_avg_us=%.1f steady_sent_p99_us=%.1f\n",
	    qps, (double)r.nlat / secs, (unsigned long long)r.lost, r.nlat,
	    sa.avg, sa.p50, sa.p99, sa.max,
	    (unsigned long long)r.late, (unsigned long long)r.stray,
	    gap / 1e6, nwin, stalled / 1e6, sk.n, sk.avg, sk.p99,
	    sq.avg, sq.p99, nlostk, sqk.avg, sqk.p99);
	goto out;
nomem:
	fprintf(stderr, "latclient: out of memory\n");
	rc = 1;
out:
	for (s = 0; s < r.nsock; s++) {
		if (r.fd[s] > 0)
			close(r.fd[s]);
		free(r.slots[s]);
	}
	free(r.ans);
	free(r.gone);
	free(all);
	free(kept);
	free(q);
	free(qk);
	free(win);
	free(r.qs.wire);
	free(r.qs.q);
	return rc;
}

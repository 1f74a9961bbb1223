/*
 * rrl.h -- response rate limiting of UDP answers (RRL), as NSD, Knot and
 * BIND do it: a forged query makes us answer the victim whose address was
 * forged, so each client network gets at most so many answers a second of
 * each kind, and the rest are dropped or "slipped" (sent as an empty answer
 * with TC set, so that a real client behind that network comes back over
 * TCP, which cannot be forged).  TCP answers are never limited.
 *
 * A bucket is kept per (client network, kind, name): the network is the
 * client's address cut to ipv4_prefix or ipv6_prefix bits; the kinds are
 *   answer    NOERROR with records: per query name and type,
 *   nodata    NOERROR without records: per query name,
 *   nxdomain  NXDOMAIN: per zone (random names in one zone share it),
 *   error     any other rcode (REFUSED, FORMERR, SERVFAIL, ...): one per
 *             network,
 * limited to responses_per_second (answer, nodata), nxdomains_per_second
 * and errors_per_second.  Each bucket is a GCRA ("generic cell rate")
 * limiter: a theoretical arrival time that each answer sent moves on by
 * 1/rate, and that may lie at most one second ahead of now; so a bucket
 * allows a burst of rate+1 answers, then rate a second, and forgets a
 * flood one second after it ends.  Every slip-th limited answer of a
 * bucket goes out as TC (slip 1: every one; 0: none).  The answer to a
 * signed query (TSIG) is dropped rather than slipped: an unsigned TC
 * would be thrown away by the client anyway.  Addresses in the exempt
 * list are never limited.
 *
 * The table is a fixed array of table_size 64-bit words (8 bytes each:
 * 128 KiB by default), in sets of 8 that share a cache line.  A bucket's
 * word holds a 14-bit tag of its key's hash, a "limiting" flag, a slip
 * count and the arrival time (45 bits of 1/2^24 s).  The key is hashed
 * with SipHash-1-3 under a random key drawn when the table is made, so a
 * client cannot aim its queries at one set.  A bucket whose time has
 * passed is the same as no bucket, and an answer within the limit keeps
 * its bucket only 1/rate ahead (5 ms at 200/s), so a new key takes the
 * set's empty word or the one nearest to drained: a limiting bucket (up
 * to a second ahead) is lost only when the other 7 words of its set are
 * limiting too.  So the table needs room for the buckets limiting at once,
 * not for every client; a small one stays in the cache (a table of 2 MiB
 * or more is put on huge pages).  Threads share the table without locks:
 * each update is one compare-and-swap of a word, retried a few times
 * under contention.  Nothing is allocated per query.
 *
 * Ownership: each generation of the server's state (gen.h) owns one table,
 * made by rrl_renew() from the previous generation's (sharing its buckets)
 * and freed with the generation.  It points at the config's exempt list,
 * so the config must outlive it (the generation holds both).  Each UDP
 * worker owns one struct rrl_worker, its counters.
 */
#ifndef DNSBLD_RRL_H
#define DNSBLD_RRL_H

#include <sys/socket.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct cfg_rrl;
struct query;
struct rrl;

enum rrl_verdict {
	RRL_SEND = 0,	/* answer as built */
	RRL_DROP,	/* send nothing */
	RRL_SLIP	/* send rrl_truncate()'s empty TC answer instead */
};

enum rrl_kind { RRL_ANSWER, RRL_NODATA, RRL_NXDOMAIN, RRL_ERROR };

/* The clock of the table: 1/2^24 s ticks, monotonic. */
#define RRL_TICKS_PER_SEC	(UINT64_C(1) << 24)

/*
 * What one UDP worker counts; only its own thread writes it.  The two
 * totals are atomic (relaxed) so the main thread may read them while the
 * worker runs (a SIGHUP logs them).
 */
struct rrl_worker {
	_Atomic uint64_t dropped;	/* limited answers not sent */
	_Atomic uint64_t slipped;	/* limited answers sent as TC */
	uint64_t log_sec;	/* the second of the last "limiting" line */
	uint64_t unlogged;	/* buckets that began limiting since */
};

/* The longest key: kind, family, address, type, a name. */
#define RRL_KEY_MAX	(1 + 1 + 16 + 2 + 255)

/*
 * A table for the config c in *out: NULL when c disables rate limiting,
 * else one with c's rates, slip, prefixes and exempt list, over prev's
 * buckets when prev (or NULL) has c's size, so that a reload forgets no
 * client's rate.  prev is not changed: threads may go on using it while
 * the new table is made and after, the two sharing their buckets (each
 * update is atomic), until rrl_free(prev).  Make and free tables on one
 * thread only.  Returns 0 or DNSBL_ENOMEM (*out NULL).
 */
int rrl_renew(struct rrl *prev, const struct cfg_rrl *c, struct rrl **out);

/* rrl_renew() in place: *tp is freed and replaced (no thread using it). */
int rrl_update(struct rrl **tp, const struct cfg_rrl *c);

/* Free a table; its buckets go with the last table over them. */
void rrl_free(struct rrl *t);

/* The table's memory in bytes. */
size_t rrl_bytes(const struct rrl *t);

/* Now, in ticks of the table's clock (CLOCK_MONOTONIC_COARSE). */
uint64_t rrl_now(void);

/*
 * The bucket key of the answer ans (len bytes) to the query q (parsed,
 * not Q_DROP) from peer: written to key (RRL_KEY_MAX bytes); returns its
 * length and sets *kind.
 */
size_t rrl_key(const struct rrl *t, const struct sockaddr *peer,
    const struct query *q, const uint8_t *ans, size_t len, uint8_t *key,
    enum rrl_kind *kind);

/*
 * May the answer ans (len bytes) to q go to peer at time now?  Counts a
 * drop or a slip in w, and logs (at most once a second per worker) a
 * bucket that begins limiting.
 */
enum rrl_verdict rrl_check(struct rrl *t, struct rrl_worker *w, uint64_t now,
    const struct sockaddr *peer, const struct query *q, const uint8_t *ans,
    size_t len);

/*
 * rrl_check() in two steps, so that a worker can overlap the cache misses
 * of a whole batch: rrl_prepare() hashes the answer's key into tk and
 * prefetches its set of buckets; rrl_decide() (with the same arguments,
 * still valid) takes the verdict.  The worker prepares every answer of
 * its batch, then decides them all.
 */
struct rrl_ticket {
	uint64_t hash;
	uint8_t kind;
	uint8_t limited;	/* 0: exempt, or no limit for the kind */
};
void rrl_prepare(const struct rrl *t, const struct sockaddr *peer,
    const struct query *q, const uint8_t *ans, size_t len,
    struct rrl_ticket *tk);
enum rrl_verdict rrl_decide(struct rrl *t, struct rrl_worker *w, uint64_t now,
    const struct rrl_ticket *tk, const struct sockaddr *peer,
    const struct query *q, const uint8_t *ans, size_t len);

/*
 * Rewrite the answer out (len bytes, cap bytes of room) to q as the slip
 * answer: the same id and rcode, TC set, the question and OPT only.
 * Returns its length (0: send nothing).
 */
size_t rrl_truncate(const struct query *q, uint8_t *out, size_t len,
    size_t cap);

/*
 * SipHash-c-d of n bytes under the 16-byte key k (exposed for its test):
 * the table uses SipHash-1-3.
 */
uint64_t rrl_siphash(const uint8_t k[16], const uint8_t *p, size_t n, int c,
    int d);

#endif

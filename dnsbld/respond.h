/*
 * respond.h -- build the answer to one query: the whole of dnsbld's
 * per-query logic, with no I/O and no allocation.
 *
 * The store is reached through struct respond_db, a table of four
 * functions, so that the unit tests and the fuzz target can answer from a
 * small fake list; dnsbld's workers fill it with thin wrappers around their
 * own store_reader (respond_store_init(), in respstore.c), and bracket a
 * batch of respond() calls as struct respond_store says.
 *
 * Ownership: everything is the caller's.  respond() reads pkt, writes out,
 * and keeps nothing; the zoneset and the db must stay valid during the call.
 */
#ifndef DNSBLD_RESPOND_H
#define DNSBLD_RESPOND_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "query.h"
#include "store.h"

struct zoneset;
struct zctx;
struct store_reader;

struct respond_db {
	/* store_lookup(): 1 listed (hit filled), 0 not, < 0 error. */
	int (*lookup)(void *arg, size_t zone, int family,
	    const uint8_t *addr, struct store_hit *hit);
	/* store_any_within(): 1, 0, or < 0. */
	int (*any_within)(void *arg, size_t zone, const struct prefix *p);
	/* store_reader_answer(): 0, DNSBL_ENOENT, or another error. */
	int (*answer)(void *arg, size_t zone, uint16_t idx,
	    struct store_answer *out);
	uint32_t (*serial)(void *arg, size_t zone);
	void *arg;
};

/*
 * A respond_db reading from the store_reader r, which caches each zone's
 * SOA serial for the rest of the batch (a negative answer then costs one
 * lookup, not two).  respond_store_init() allocates the cache (nzones
 * entries): 0 or DNSBL_ENOMEM; respond_store_fini() frees it.
 *
 * A batch is either the caller's (it calls store_reader_begin(), then
 * respond_store_batch(), and ends the snapshot itself) or the
 * respond_store's own (respond_store_begin() to respond_store_end()): then
 * lookups and serials come from mi, a copy of the served tables as new as
 * the store (memidx.h, dnsbld/fastidx.h), when there is one, and the
 * store's snapshot is begun only when an answer needs the store (an
 * answer of its own, a name inside the reversed tree).  A
 * snapshot that cannot be begun fails that answer (SERVFAIL) only.  mi
 * must stay valid until respond_store_end().
 */
struct memidx;
struct respond_store {
	struct store_reader *r;
	const struct memidx *mi;	/* this batch's copy, or NULL */
	int own;			/* respond_store_begin()'s batch */
	int open;			/* ... whose snapshot is begun */
	int err;			/* ... whose snapshot failed: why */
	uint32_t gen;			/* the batch */
	uint32_t *sgen;			/* per zone: batch of serial[] */
	uint32_t *serial;
};
int respond_store_init(struct respond_store *rs, struct respond_db *db,
    struct store_reader *r, size_t nzones);
void respond_store_fini(struct respond_store *rs);

static inline void
respond_store_batch(struct respond_store *rs)
{
	if (++rs->gen == 0)
		rs->gen = 1;
	rs->mi = NULL;
	rs->own = 0;
}

static inline void
respond_store_begin(struct respond_store *rs, const struct memidx *mi)
{
	respond_store_batch(rs);
	rs->mi = mi;
	rs->own = 1;
	rs->open = 0;
	rs->err = 0;
}

/*
 * End a respond_store_begin() batch: its snapshot, if one was begun.
 * Returns 0, or the error of a snapshot that could not be begun (its
 * answers were SERVFAIL), for the caller to log.
 */
int respond_store_end(struct respond_store *rs);

/*
 * The first steps of answering a parsed query (query_parse() said Q_OK),
 * taken apart so that a batch can take them for all its queries first and
 * prefetch their lookups: the zone of the name (z; NULL when it is in
 * none of zs's zones), and the rel labels below it read as the bytes of an
 * IPv4 address (v4ok: each a decimal octet, rel <= 4) and an IPv6
 * address (v6ok: each one hex digit, rel <= 32), the rightmost label
 * first; a4 without v4ok, or a6 without v6ok, holds nothing of use.
 * done: filled in.  z points into zs: the hint is valid while zs
 * is, and only for the query it was made from.
 */
struct respond_hint {
	const struct zctx *z;
	int done, rel, v4ok, v6ok;
	uint8_t a4[4], a6[16];
};
void respond_hint(const struct zoneset *zs, const struct query *q,
    struct respond_hint *h);

/*
 * Prefetch what the lookup of h's address (4 octet or 32 nibble labels)
 * will read from this batch's copy of the served tables
 * (memidx_prefetch4()), stage 0 then stage 1 over the batch's queries;
 * nothing without a copy or for any other name.
 */
void respond_store_prefetch(const struct respond_store *rs,
    const struct respond_hint *h, int stage);

/* Largest answer respond() may need room for: a TCP message. */
#define RESPOND_MAX 65535

/*
 * Answer the query pkt (len bytes) into out (cap bytes, at least 512).
 * tcp selects the size limit: 65535 over TCP, else max(512, min(the
 * client's EDNS payload, 1232)); never more than cap.  Over UDP an ANY
 * query gets one RRset, over TCP all of them (RFC 8482).  Returns the
 * answer's length, or 0 when the query gets no answer (drop it).
 */
size_t respond(const struct zoneset *zs, const struct respond_db *db,
    const uint8_t *pkt, size_t len, uint8_t *out, size_t cap, int tcp);

/* The size limit of respond() for the parsed query q. */
size_t respond_limit(const struct query *q, int tcp, size_t cap);

/*
 * respond() for a query that query_parse() has read already (st is what it
 * returned), within limit bytes (no more than cap).  The TSIG path calls
 * it with a limit that leaves room for the signature.  tcp as for
 * respond(): over UDP (0) an ANY gets one RRset (RFC 8482).  q->qname_raw
 * must still point into the packet.
 */
size_t respond_parsed(const struct zoneset *zs, const struct respond_db *db,
    const struct query *q, enum query_status st, uint8_t *out, size_t cap,
    size_t limit, int tcp);

/*
 * respond_parsed() with the query's respond_hint() made already (by a
 * batch, for its prefetch; h NULL or not done: made here).  h must be of
 * this q and this zs.
 */
size_t respond_hinted(const struct zoneset *zs, const struct respond_db *db,
    const struct query *q, enum query_status st,
    const struct respond_hint *h, uint8_t *out, size_t cap, size_t limit,
    int tcp);

/*
 * An answer with no records for the parsed query q: the header (rcode, TC
 * if tc, the id, opcode, RD and CD copied), the question if it had one,
 * and an OPT if it had one.  Its length, or 0 if cap is too small.
 */
size_t respond_bare(const struct query *q, int rcode, int tc, uint8_t *out,
    size_t cap);

/*
 * The answer rcode (SERVFAIL when the store cannot be read) to the query
 * pkt, without looking anything up; a malformed query gets what respond()
 * gives it.  Its length, or 0 to send nothing.  Never more than cap.
 */
size_t respond_error(const uint8_t *pkt, size_t len, int rcode,
    uint8_t *out, size_t cap);


#endif

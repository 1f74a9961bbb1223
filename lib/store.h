/*
 * store.h -- the LMDB store shared by loader (the writer) and dnsbld (the
 * readers).  docs/store.md describes the schema in full.  The database
 * directory holds two environments:
 *
 *   serve/  what dnsbld answers from, and nothing else, per zone:
 *     ZONE/v4, ZONE/v6  non-overlapping intervals keyed by their first
 *                       address (4 or 16 bytes, big-endian); the value is a
 *                       2-byte answer index, then the last address only when
 *                       the interval is wider than one address.  Derived
 *                       from ZONE/ent on every change: the most specific
 *                       listing wins, an exclusion wins over any listing.
 *     ZONE/smeta        the serial, the answer table, the generation.
 *   meta/   what only the loader needs, per zone:
 *     ZONE/ent          every prefix ever seen, with dates, counts, reason;
 *     ZONE/hist, hidx   the audit trail, and its index by prefix;
 *     ZONE/jrnl         the IXFR journal: serial -> served-table changes;
 *     ZONE/rtst         retest requests;
 *     ZONE/meta         counters and the actor table.
 *
 * Threads: one struct store per process, shared by all threads.  A struct
 * store_reader belongs to one thread.  Write transactions are serialised by
 * LMDB across processes.
 *
 * Lifetimes: every pointer a lookup returns points into the LMDB map and is
 * valid until store_reader_end() (or the end of the transaction callback).
 */
#ifndef DNSBL_STORE_H
#define DNSBL_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"

struct dnsbl_config;
struct errbuf;
struct store;
struct store_txn;
struct store_reader;

#define STORE_RDONLY	0x1	/* open the environment read-only */

/* Answer index 0 is always the zone's configured default (a, txt). */
#define ANSWER_DEFAULT	0

/*
 * Open (and create if missing, unless STORE_RDONLY) the environments in
 * cfg->database and every zone's databases.  cfg must outlive the store.
 * Unless STORE_RDONLY, a serve environment left behind by an interrupted
 * write is rebuilt; then 0 is returned with a note in eb (else eb is left
 * empty).  Returns 0, DNSBL_EIO (directory) or DNSBL_EDB; eb says why.
 */
int store_open(const struct dnsbl_config *cfg, unsigned flags,
    struct store **out, struct errbuf *eb);

/*
 * A second struct store, for another config, over the environments that
 * old has open: how a running process moves to a reloaded config without
 * opening its database twice (LMDB forbids that in one process).  old
 * stays valid and usable, by other threads too, until it is closed; the
 * two share the environments, which the last store_close() closes.  The
 * new store has old's flags; cfg must outlive it.  Call it only from the
 * thread that opens and closes stores, at most one at a time.  A process
 * keeps room for 32 zones more than the config it first opened had; past
 * that, or for a zone the database does not hold yet when old is
 * STORE_RDONLY, it fails.  Returns 0, DNSBL_ENOENT, DNSBL_EDB or
 * DNSBL_ENOMEM; eb says why.
 */
int store_rebind(struct store *old, const struct dnsbl_config *cfg,
    struct store **out, struct errbuf *eb);

/*
 * 1 when cfg->database holds the very files st has open (same device and
 * inode of serve/data.mdb), so that st must be rebound, not opened anew;
 * 0 when another database is there (another path, or a restore put a new
 * one in place) or none.
 */
int store_same_files(const struct store *st, const struct dnsbl_config *cfg);

/* Close st; the environments close with the last store over them. */
void store_close(struct store *st);

/*
 * Copy both environments into the existing directory dir (dir/serve and
 * dir/meta are made), compacted, as one snapshot: the writer locks of
 * both are held while copying, so writers wait and no write falls between
 * the two copies; readers (dnsbld) go on.  0, DNSBL_EIO or another store
 * error, with the reason in eb.  The caller holds no transaction.
 */
int store_copy(struct store *st, const char *dir, struct errbuf *eb);

/*
 * 1 when the database's serve/data.mdb is no longer the file this store
 * opened (a restore swapped the directory): reopen the store to see it.
 */
int store_replaced(struct store *st);

/* Bytes of disk the data files use, and the size of the maps. */
int store_size(struct store *st, uint64_t *file_bytes, uint64_t *map_bytes);
/* Bytes of disk of the serve environment alone (what dnsbld reads). */
int store_serve_size(struct store *st, uint64_t *bytes);

/*
 * The id of the newest transaction committed to the serve environment
 * (mdb_env_info()), 0 if it cannot be read.  Cheap: no transaction,
 * the resize lock taken shared for a moment (so not inside a reader's
 * batch or a transaction of the same thread).  A copy taken in a transaction with that id
 * (store_txn_id()) is as new as the store.
 */
uint64_t store_last_txnid(struct store *st);

/* The serve environment's transaction id of t (mdb_txn_id()). */
uint64_t store_txn_id(const struct store_txn *t);

/*
 * Drop this process's page mappings of the serve environment
 * (madvise(MADV_DONTNEED) over its map): pages a walk touched leave the
 * process's RSS and stay in the page cache, to be mapped again by the
 * next read that needs them.  Call it inside a transaction (the map
 * cannot change size then).  0, DNSBL_ENOENT (the map was not found in
 * /proc/self/maps), DNSBL_EIO or DNSBL_EDB.
 */
int store_serve_release(struct store_txn *t);

/*
 * Have the kernel read the serve environment's file into the page cache
 * (madvise(MADV_WILLNEED) over its map, piece by piece), before a walk of
 * the whole table: a zone transfer, an export, the in-memory copy.  The
 * environment is opened with MDB_NORDAHEAD, right for lookups, so a walk
 * of pages the page cache no longer holds would read the file one 4 KB
 * page a fault (a transfer of 10M entries: 39,000 reads, 8.3 s against
 * 2.4 s with the file cached, measured); this asks for it in large
 * requests that run ahead of the walk.  The reads are the kernel's; the
 * call returns once they are queued.  Inside a transaction.  0,
 * DNSBL_ENOENT (the map was not found in /proc/self/maps), DNSBL_EIO or
 * DNSBL_EDB.
 */
int store_serve_willneed(struct store_txn *t);

/* ---------------------------------------------------------------------
 * Readers: the daemon's hot path.  Nothing here allocates.
 */

/* A reader with one reset read transaction.  Free with store_reader_free(). */
int store_reader_new(struct store *st, struct store_reader **out);
void store_reader_free(struct store_reader *r);

/*
 * Renew the reader's transaction (a snapshot of the latest commit) and its
 * cursors.  Adopts a map grown by another process.  Returns 0 or DNSBL_EDB.
 * Call once per batch of queries, then store_reader_end().
 */
int store_reader_begin(struct store_reader *r);
void store_reader_end(struct store_reader *r);

struct store_hit {
	uint16_t answer;	/* answer index */
	uint8_t first[16];	/* the interval that matched */
	uint8_t last[16];
};

/*
 * Look addr (network order, 4 or 16 bytes by family) up in zone (index in
 * cfg->zones).  Returns 1 and fills hit when listed, 0 when not, or
 * DNSBL_EDB.
 */
int store_lookup(struct store_reader *r, size_t zone, int family,
    const uint8_t *addr, struct store_hit *hit);

/*
 * 1 if any listed address lies inside p (used for empty non-terminals),
 * 0 if none, or DNSBL_EDB.
 */
int store_any_within(struct store_reader *r, size_t zone,
    const struct prefix *p);

/*
 * An answer of a zone, as stored: the A (4 bytes), the listing's own TXT
 * template, and the name of the config code it was listed with, if any.
 * For ANSWER_DEFAULT everything is zero or NULL.  What a query gets from
 * it depends on the config too (a code's current a and txt, the zone's
 * txt): answer_resolve() in answer.h decides.  Returns 0, DNSBL_ENOENT,
 * DNSBL_EPARSE (a damaged value) or DNSBL_EDB.  a, txt and code point into
 * the map (valid until store_reader_end()).
 */
struct store_answer {
	uint8_t a[4];		/* ANSWER_DEFAULT: zero, use the zone's a */
	const char *txt;	/* own text, NUL-terminated, or NULL */
	size_t txtlen;
	const char *code;	/* code name, NUL-terminated, or NULL */
};
int store_reader_answer(struct store_reader *r, size_t zone, uint16_t idx,
    struct store_answer *out);

/* The zone's current SOA serial in the reader's snapshot. */
uint32_t store_reader_serial(struct store_reader *r, size_t zone);

/* ---------------------------------------------------------------------
 * Transactions: the loader's side (and any read-only walk).
 */

typedef int (*store_txn_fn)(struct store_txn *t, void *arg);

/*
 * Run fn inside one write transaction and commit it.  If fn returns non-zero
 * the transaction is aborted and that code returned: nothing is written.
 * If the map fills, the transaction is aborted, the map doubled and fn run
 * again from the start, so fn must not keep state across calls other than
 * what it rebuilds.  A commit that changed a zone's served table bumps that
 * zone's serial exactly once and journals the changes.
 */
int store_write(struct store *st, store_txn_fn fn, void *arg,
    struct errbuf *eb);

/*
 * Before a large store_write(): grow the maps, if need be, so that the
 * meta environment has meta_bytes and the serve environment serve_bytes
 * free beyond the pages in use.  A write that fills the map is run again
 * from the start on a map twice the size: for a bulk import that would
 * mean doing most of the work twice, so the importer asks for room first.
 * Only grows (to the next power of two times the current size that fits);
 * the files grow only as pages are used.  Call with no transaction of the
 * calling thread live.  0 or a DNSBL_E* code from LMDB's (store_mdb()).
 */
int store_reserve(struct store *st, uint64_t meta_bytes,
    uint64_t serve_bytes);

/* Run fn inside one read-only transaction (a consistent snapshot). */
int store_read(struct store *st, store_txn_fn fn, void *arg,
    struct errbuf *eb);

/*
 * 1 when a thread waits to resize the map: a long read transaction (a
 * zone transfer) should end soon, since every other thread of the
 * process waits with it.  See the resize lock in store_int.h: no
 * transaction of the process may be live while a map changes size.
 */
int store_resize_pending(struct store *st);

/*
 * For tests and replays: every later transaction of st sees now as its
 * time (0: the clock again).  Not for use while other threads run
 * transactions on st.
 */
void store_set_now(struct store *st, int64_t now);

/* Now, as the transaction sees it (fixed when it began). */
int64_t store_txn_now(const struct store_txn *t);
/* The config the store was opened with. */
const struct dnsbl_config *store_txn_config(const struct store_txn *t);

/* The zone's serial, as of this transaction. */
uint32_t store_serial(struct store_txn *t, size_t zone);

/* 1 if the served table of zone changed in this write transaction. */
int store_zone_dirty(const struct store_txn *t, size_t zone);

/*
 * Entries of zone in state ENTRY_LISTED when this transaction began, and how
 * many left that state in it (for the mass-delisting guard).
 */
int store_zone_listed(struct store_txn *t, size_t zone, uint64_t *at_start,
    uint64_t *removed);

/*
 * Walks: every store_*_walk() calls its callback for each item in order.
 * A callback returns 0 to go on, STORE_STOP to end the walk early (the
 * walk then returns 0), or a negative dnsbl code, which the walk returns
 * as it is.  A walk's own failures are dnsbl codes too (DNSBL_EDB...).
 */
#define STORE_STOP 1

/* ---- entries ---- */

enum entry_state {
	ENTRY_NONE = 0,		/* seen (a result recorded), never listed */
	ENTRY_LISTED = 1,
	ENTRY_DELISTED = 2,
	ENTRY_EXCLUDED = 3,
};

enum test_result {
	RESULT_NONE = 0,
	RESULT_OPEN = 1,
	RESULT_CLOSED = 2,
	RESULT_UNREACHABLE = 3,
	RESULT_SUSPECTED = 4,
};

#define ENTRY_TEXT_MAX 256

/* Everything the store keeps of one prefix.  Times are Unix seconds; 0 = never. */
struct entry {
	struct prefix prefix;
	uint8_t state;			/* enum entry_state */
	uint8_t last_result;		/* enum test_result */
	uint16_t answer;		/* answer index while listed */
	int64_t first_listed;
	int64_t listed_since;		/* start of the current listing */
	int64_t last_tested;		/* newest test result applied */
	int64_t last_confirmed;		/* newest "open" result */
	int64_t delisted_at;
	int64_t excluded_at;
	int64_t hold_until;		/* relisted soon after removal: no
					 * retest request or expiry before */
	int64_t last_admin;		/* the latest admin decision on it
					 * (list, delist, exclude, unexclude) */
	int64_t evidence_at;		/* what the listing stands on: its
					 * newest open result's test time, or
					 * the admin action that listed it */
	uint32_t times_listed;
	uint32_t times_delisted;
	char reason[ENTRY_TEXT_MAX];	/* why listed/excluded/delisted */
	char txt[ENTRY_TEXT_MAX];	/* own TXT, "" for the code's/zone's */
};

/*
 * Read the entry of exactly prefix p.  Returns 0 (e filled), DNSBL_ENOENT
 * (e zeroed, e->prefix = *p) or DNSBL_EDB.
 */
int store_entry_get(struct store_txn *t, size_t zone, const struct prefix *p,
    struct entry *e);

/*
 * Write e (keyed by e->prefix).  When its state or answer differ from what
 * was stored, the served table is rebuilt over the prefix's range and the
 * differences journaled.  Write transactions only.
 */
int store_entry_put(struct store_txn *t, size_t zone, const struct entry *e);

/*
 * The most specific entry in state ENTRY_LISTED or ENTRY_EXCLUDED that
 * covers p (p itself included), excluded ones first: an exclusion anywhere
 * above p wins.  Returns 0, DNSBL_ENOENT or DNSBL_EDB.
 */
int store_entry_cover(struct store_txn *t, size_t zone,
    const struct prefix *p, struct entry *e);

/* Call fn for every entry of zone, in key order; non-zero from fn stops. */
typedef int (*store_entry_fn)(const struct entry *e, void *arg);
int store_entry_walk(struct store_txn *t, size_t zone, store_entry_fn fn,
    void *arg);

/* Call fn for p and every entry inside p, in key order. */
int store_entry_walk_within(struct store_txn *t, size_t zone,
    const struct prefix *p, store_entry_fn fn, void *arg);

/*
 * Count n listings hidden in this transaction without a change of their
 * own state (an exclusion over them), for store_zone_listed()'s removals.
 */
void store_zone_hidden(struct store_txn *t, size_t zone, uint64_t n);

/* ---- the served table ---- */

/* Call fn for each served interval of family in zone, in address order. */
typedef int (*store_interval_fn)(int family, const uint8_t *first,
    const uint8_t *last, uint16_t answer, void *arg);
int store_serve_walk(struct store_txn *t, size_t zone, int family,
    store_interval_fn fn, void *arg);

/* Number of served intervals of family in zone. */
int store_serve_count(struct store_txn *t, size_t zone, int family,
    uint64_t *n);

/* ---- answers ---- */

/*
 * Find or add the answer (a, txt, code) of zone.  txt may be NULL or ""
 * (no text of its own).  code, when not NULL, names a code of the zone's
 * config: the answer then follows that code's current definition, and a
 * is kept only as what it was when listed.  The zone's own default (its a,
 * no text, no code) maps to ANSWER_DEFAULT.  Indexes are never reused, so
 * the journal stays meaningful.  DNSBL_ERANGE when txt or code is
 * ENTRY_TEXT_MAX bytes or longer.
 */
int store_answer_intern(struct store_txn *t, size_t zone, const uint8_t a[4],
    const char *txt, const char *code, uint16_t *idx);

/* Read answer idx of zone.  Pointers valid until the transaction ends. */
int store_answer_get(struct store_txn *t, size_t zone, uint16_t idx,
    struct store_answer *out);

/* ---- history ---- */

enum event_action {
	EV_LISTED = 1,		/* listed (first time or again) */
	EV_CONFIRMED,		/* an "open" result on a listed entry */
	EV_DELISTED,
	EV_EXCLUDED,
	EV_UNEXCLUDED,
	EV_TESTED,		/* a result that changed no listing */
	EV_CHANGED,		/* a listed entry's code or text changed */
	EV_RETEST_REQUESTED,
	EV_RETEST_RESOLVED,
	EV_EXPIRED,
	EV_MAX
};

/* Its lower-case name ("listed", ...), or "unknown". */
const char *event_action_name(int action);
const char *test_result_name(int result);
/* Parse "open", "closed", "unreachable", "suspected".  0 or DNSBL_EPARSE. */
int test_result_parse(const char *s, int *result);

struct event {
	uint64_t seq;			/* set by store_event_add() */
	struct prefix prefix;
	int64_t time;			/* when it was recorded */
	int64_t tested_at;		/* the result's own time, or 0 */
	uint8_t action;			/* enum event_action */
	uint8_t result;			/* enum test_result, or RESULT_NONE */
	uint16_t answer;
	const char *actor;		/* "admin:root", "import:FILE", "tester" */
	const char *reason;
	const char *evidence;		/* e.g. an SMTP transcript; may be NULL */
	const char *extra;		/* tester, HELO, request id...; may be NULL */
};

/* Longest actor of an event, in bytes. */
#define ACTOR_MAX 255

/*
 * Append ev (its seq is assigned).  Strings are copied.  Writes only.
 * Returns 0, DNSBL_ERANGE (an actor over ACTOR_MAX bytes: refused, never
 * cut), DNSBL_ECORRUPT (an event of that sequence number exists: the
 * history is append-only and a damaged store is not written over), or
 * another store error.
 */
int store_event_add(struct store_txn *t, size_t zone, struct event *ev);

/*
 * Call fn for each event of prefix p (oldest first), or of the whole zone
 * when p is NULL, from seq 'from' on.  Strings point into the map.
 */
typedef int (*store_event_fn)(const struct event *ev, void *arg);
int store_event_walk(struct store_txn *t, size_t zone, const struct prefix *p,
    store_event_fn fn, void *arg);

/* ---- journal ---- */

/* One served-table change: an interval removed or added. */
struct journal_rec {
	uint8_t op;			/* JOURNAL_DEL or JOURNAL_ADD */
	uint8_t family;
	uint16_t answer;
	uint8_t first[16], last[16];
};
#define JOURNAL_DEL 0
#define JOURNAL_ADD 1

/*
 * Call fn for each change that took zone from serial 'from' to the current
 * serial, grouped by the serial each produced (fn gets it).  Returns 0,
 * DNSBL_ENOENT when the journal no longer reaches back to 'from', or
 * DNSBL_EDB.
 */
typedef int (*store_journal_fn)(uint32_t serial, const struct journal_rec *rec,
    void *arg);
int store_journal_walk(struct store_txn *t, size_t zone, uint32_t from,
    store_journal_fn fn, void *arg);

/* ---- the applied config (zonefp.h) ---- */

/*
 * The digest of the config last applied to zone: 0 (fp filled),
 * DNSBL_ENOENT (a store from before digests were kept) or DNSBL_EDB.
 */
int store_zone_fp(struct store_txn *t, size_t zone, uint8_t fp[32]);
int store_reader_zone_fp(struct store_reader *r, size_t zone,
    uint8_t fp[32]);

/*
 * Record fp as the config applied to zone.  When it differs from the one
 * stored, the commit raises the zone's serial by one and drops its
 * journal, so that a secondary at any older serial gets the whole zone
 * (the records changed without any listing changing).  Returns 1 when it
 * differed, 0 when not (nothing written), or an error.  Writes only.
 */
int store_zone_apply(struct store_txn *t, size_t zone, const uint8_t fp[32]);

/*
 * Set zone's serial to serial (which must be ahead of the current one, in
 * RFC 1982 terms) and drop its journal, so that every secondary gets the
 * whole zone: for a restored store, whose serials may be behind what the
 * secondaries hold.  Writes only.
 */
int store_zone_restart(struct store_txn *t, size_t zone, uint32_t serial);

/* The store-wide history sequence: the number the next event gets. */
uint64_t store_history_next(struct store_txn *t);

/* The generation of the served tables (raised by every write that
 * changes them), as this transaction sees it; 0 in a store without one. */
uint32_t store_generation(struct store_txn *t);

/* ---- raw key/value for later modules (retests, counters) ---- */

enum store_table { TABLE_RTST, TABLE_META };
int store_kv_get(struct store_txn *t, size_t zone, enum store_table tb,
    const void *key, size_t klen, const void **val, size_t *vlen);
int store_kv_put(struct store_txn *t, size_t zone, enum store_table tb,
    const void *key, size_t klen, const void *val, size_t vlen);
int store_kv_del(struct store_txn *t, size_t zone, enum store_table tb,
    const void *key, size_t klen);


#endif

/*
 * store_int.h -- private to the store modules (store.c, serve.c, record.c).
 * Nothing outside lib/store*.c, lib/serve.c and lib/record.c includes it.
 */
#ifndef DNSBL_STORE_INT_H
#define DNSBL_STORE_INT_H

#include <sys/types.h>

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>

#include "store.h"

/*
 * Two environments: "serve" holds only what dnsbld answers from (the served
 * intervals, the answers, the serial), so its pages stay few and dense;
 * "meta" holds everything else.  A write commits meta first, then serve;
 * both carry a generation number, and a serve environment left behind by a
 * crash between the two commits is rebuilt from the entries (store_open).
 */
struct store_zone {
	MDB_dbi serve[2];	/* serve env: [0] v4, [1] v6 */
	MDB_dbi smeta;		/* serve env: serial, answers, generation */
	MDB_dbi ent, hist, hidx, jrnl, rtst, meta;	/* meta env */
};

/*
 * What every struct store over the same two environments shares: the
 * environments themselves, and the resize lock.  Made by store_open(); a
 * store_rebind() adds a reference; the last store_close() closes the
 * environments.  refs is changed only by the thread that opens and closes
 * stores (dnsbld's main thread, the loader's only one).
 */
struct store_shared {
	MDB_env *env;		/* serve */
	MDB_env *menv;		/* meta */
	/*
	 * The resize lock.  Invariant: every LMDB transaction of this
	 * process -- a reader's batch (store_reader_begin() to _end()), and
	 * every store_read() and store_write(), the transfer threads'
	 * included -- is begun, used and ended while its thread holds this
	 * lock shared, and a thread never holds two.  store_resize() is the
	 * only caller of mdb_env_set_mapsize() on an open environment, and
	 * holds it exclusively: so no transaction of ours is live when a map
	 * changes size, as lmdb.h requires.
	 */
	pthread_rwlock_t resize;
	atomic_int resize_waiting;	/* store_resize() calls waiting */
	int refs;
};

struct store {
	const struct dnsbl_config *cfg;
	struct store_shared *sh;
	MDB_env *env;		/* sh->env, sh->menv, copied for brevity */
	MDB_env *menv;
	/*
	 * "@store" in each environment: what belongs to the whole store, not
	 * to a zone (the generation of both, the history sequence in meta).
	 * '@' cannot begin a zone's name, so no zone's tables clash with it.
	 * Zones are found by name; their order in the config means nothing
	 * to the store.  Absent (0) only in an old store opened read-only.
	 */
	MDB_dbi sglobal, mglobal;
	int have_global;
	struct store_zone *zones;
	size_t nzones;
	unsigned flags;
	int64_t fixed_now;		/* store_set_now(), or 0: the clock */
	/* serve/data.mdb as opened: a restore puts another file there. */
	dev_t serve_dev;
	ino_t serve_ino;
};

struct store_reader {
	struct store *st;
	MDB_txn *txn;
	MDB_cursor **cur;	/* 2 per zone: v4, v6 */
	int live;
};

/*
 * The keys of the tables of counters and settings, in one place: in
 * serve's ZONE/smeta the serial, the next answer index and the applied
 * config's digest; in meta's ZONE/meta the listed count and the prefix
 * lengths in use; in @store of both the generation, and in meta's @store
 * the history sequence.
 */
#define GLOBAL_DB	"@store"
#define SERIAL_KEY	"serial"
#define GEN_KEY		"gen"
#define ANEXT_KEY	"anext"
#define CFGFP_KEY	"cfgfp"
#define HSEQ_KEY	"hseq"
#define NLISTED_KEY	"nlisted"
#define LENS_KEY4	"lens4"
#define LENS_KEY6	"lens6"

/* A growable byte buffer owned by a transaction. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

/* Entry keys: family(1) | addr(16) | len(1). */
#define ENTKEY_LEN 18

/* The tables of a zone that a write txn appends to (zone_txn.wc). */
enum wcur { WC_ENT, WC_HIST, WC_HIDX, WC_SRV4, WC_SRV6, WC_MAX };

struct zone_txn {
	int dirty;
	int restart;		/* drop the journal: IXFR from before the
				 * new serial gets the whole zone */
	uint8_t lens[2][17];	/* prefix lengths in use, v4 and v6 */
	int lens_loaded[2];
	struct buf journal;	/* encoded journal_rec's of this txn */
	/* Listed entries: the count stored at the start, and the changes. */
	int nl_loaded;
	uint64_t nl_start;
	int64_t nl_delta;
	uint64_t nl_removed;
	/*
	 * Where the tables end, for a write txn that appends (a fresh import
	 * arrives sorted).  Upper bounds, loaded at first use: no key of
	 * ZONE/ent sorts after ent_end, and no served interval of family f
	 * (0 v4, 1 v6) ends after srv_end[f].  A put raises them; a delete
	 * leaves them, still bounds.  A key past ent_end is absent, and an
	 * interval starting past srv_end[f] overlaps nothing, so neither
	 * needs a lookup.
	 */
	int ent_end_state;		/* END_* */
	uint8_t ent_end[ENTKEY_LEN];
	int srv_end_state[2];
	unsigned __int128 srv_end[2];
	/*
	 * The write cursors of the tables a write txn appends to, opened at
	 * first use (txn_wcursor()) and closed by LMDB with the txn.  Every
	 * write to these tables goes through them, so that a cursor left at
	 * the end of its table by an append is known to still be there: the
	 * next append then costs no descent from the root (mdb_cursor_put()
	 * with MDB_APPEND, as mdb_load does).
	 */
	MDB_cursor *wc[WC_MAX];
};

#define END_UNKNOWN	0	/* not loaded yet */
#define END_EMPTY	1	/* the table is empty */
#define END_KNOWN	2	/* the bound holds */

/* One interval of the served table, with 128-bit bounds. */
struct ival {
	unsigned __int128 first, last;
	uint16_t answer;
};

/* What the served table's rebuild needs of an entry (serve.c). */
struct ent_brief {
	struct prefix prefix;
	uint8_t state;			/* enum entry_state */
	uint16_t answer;
};

struct store_txn {
	struct store *st;
	MDB_txn *txn;		/* serve env */
	MDB_txn *mtxn;		/* meta env */
	int write;
	int no_journal;		/* a rebuild: clear the journal, write none */
	int64_t now;
	struct zone_txn *z;
	uint64_t hseq;		/* next history seq; 0 = not loaded */
	int hseq_dirty;
	/* Scratch for serve.c, reused across calls within the txn. */
	struct ival *old, *neu;
	size_t nold, cold, nneu, cneu;
	struct ent_brief *ents;
	size_t nents, cents;
	struct buf enc;		/* encode scratch for entries and events */
	/* The actor last interned, per zone (events come in runs): a copy. */
	char actor[ACTOR_MAX + 1];
	int actor_valid;
	size_t actor_zone;
	uint32_t actor_id;
	/* The entry store_entry_get() read last, so that the put that
	 * usually follows need not read it again. */
	int cache_valid, cache_had;
	size_t cache_zone;
	struct entry cache;
};

/*
 * The write cursor of table which of zone in the write txn t (see
 * zone_txn.wc): *out points into t, valid until the txn ends; never close
 * it, LMDB does.  0, or a store_mdb() code.
 */
int txn_wcursor(struct store_txn *t, size_t zone, enum wcur which,
    MDB_cursor **out);

/* Close zone's write cursors in t, before a table of it is dropped. */
void txn_wcursor_close(struct store_txn *t, size_t zone);

/*
 * mdb_cursor_put() on a txn_wcursor(), appending when the key sorts after
 * every key in the table (a fresh import arrives sorted; appends fill
 * pages instead of splitting them in half, and a cursor already at the
 * end appends without a descent), else an ordinary put.  An LMDB code.
 */
int put_ordered(MDB_cursor *c, MDB_val *k, MDB_val *v);

/*
 * How a walk ends, from the last cursor code and the callback's: the
 * callback's error, 0 for STORE_STOP or a walk run to its end, else the
 * cursor's failure mapped by store_mdb().  The two domains never mix.
 */
int walk_end(int cursor_rc, int cb);

/*
 * Map an LMDB (or errno) return code into the dnsbl domain: 0, or
 * DNSBL_EMAPFULL, DNSBL_ENOSPC, DNSBL_ECORRUPT, DNSBL_ENOMEM, DNSBL_EDB.
 * No LMDB code is ever returned past the store's own files.
 */
int store_mdb(int rc);

int buf_append(struct buf *b, const void *p, size_t n);

/* Big-endian helpers. */
static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8; p[1] = v;
}
static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}
static inline void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32)); put32(p + 4, (uint32_t)v);
}
static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* 128-bit address values; IPv4 uses the low 32 bits. */
static inline unsigned __int128
addr_to_u128(int family, const uint8_t *a)
{
	unsigned __int128 v = 0;
	size_t i, n = addr_len(family);

	for (i = 0; i < n; i++)
		v = v << 8 | a[i];
	return v;
}
static inline void
u128_to_addr(int family, unsigned __int128 v, uint8_t *a)
{
	size_t n = addr_len(family);

	while (n-- > 0) {
		a[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* Entry keys: family(1) | addr(16) | len(1); ENTKEY_LEN above. */
void entry_key(const struct prefix *p, uint8_t key[ENTKEY_LEN]);
void entry_key_prefix(const uint8_t key[ENTKEY_LEN], struct prefix *p);

/* record.c: the on-disk forms of entries and events. */
int entry_encode(const struct entry *e, struct buf *b);
int entry_decode(const void *v, size_t n, struct entry *e);
int event_encode(const struct event *ev, uint32_t actor, struct buf *b);
int event_decode(const void *v, size_t n, struct event *ev, uint32_t *actor);

/*
 * Give both environments a larger map: twice the current size when grow,
 * else the size another process already gave the files (after
 * MDB_MAP_RESIZED).  Takes the resize lock exclusively: the calling thread
 * must hold no transaction.  0 or DNSBL_EDB.
 */
int store_resize(struct store *st, int grow);

/* storetxn.c: rebuild the serve env if a crash left it behind. */
int store_repair(struct store *st, struct errbuf *eb);

/* storetxn.c: count an entry's move into (is) or out of (was) ENTRY_LISTED,
 * for the zone's listed count at commit.  0 or a store error. */
int nlisted_note(struct store_txn *t, size_t zone, int was, int is);

/* storetxn.c: small values of the counter tables. */
int get32_at(struct store *st, MDB_txn *txn, MDB_dbi dbi, const char *key,
    uint32_t *out, uint32_t dflt);
int put_at(struct store *st, MDB_txn *txn, MDB_dbi dbi, const void *key,
    size_t klen, const void *val, size_t vlen);
int put32_at(struct store *st, MDB_txn *txn, MDB_dbi dbi, const char *key,
    uint32_t val);

/* store.c */
int store_fp_read(struct store *st, MDB_txn *txn, size_t zone,
    uint8_t fp[32]);
int store_answer_read_txn(struct store *st, MDB_txn *txn, size_t zone,
    uint16_t idx, struct store_answer *out);

/* storelog.c: append one served-table change and mark the zone dirty. */
int journal_add(struct store_txn *t, size_t zone, int op, int family,
    uint16_t answer, const uint8_t *first, const uint8_t *last);

/* serve.c */
int serve_rebuild(struct store_txn *t, size_t zone, const struct prefix *p);
int serve_note_len(struct store_txn *t, size_t zone, const struct prefix *p);
int serve_lens(struct store_txn *t, size_t zone, int family,
    uint8_t mask[17]);

#endif

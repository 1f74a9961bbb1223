/*
 * spool.h -- the sink's spool of tokens, bounded in size and in age.
 *
 * The spool is a directory holding one file per token received (sink.c
 * writes them; test --deliver looks for them) and, while one is written,
 * its temporary file (".TOKEN.XXXXXX", outfile.h).  Only files so named
 * are ever counted or removed: anything else an admin keeps there is left
 * alone.  A token is worth keeping only while a tester waits for it
 * (tester.wait), so files older than the age limit are removed, and the
 * sink takes no more tokens while the spool holds its size limit, counted
 * as disk space (st_blocks, as du(1) counts).
 *
 * struct spool is the caller's (the sink's), for the whole run; dir is
 * borrowed.  Not thread-safe: the sink is one thread.
 */
#ifndef DNSBL_SPOOL_H
#define DNSBL_SPOOL_H

#include <stdint.h>

struct errbuf;
struct priv_user;

struct spool {
	const char *dir;
	uint64_t max_bytes;	/* tester.spool_max_size */
	uint32_t max_age;	/* tester.spool_max_age, seconds */
	uint64_t bytes;		/* disk space of the spool's files, as of the
				 * last sweep and the files added since */
	uint64_t files;
	uint64_t removed;	/* files removed by the last sweep */
	int64_t next_sweep;	/* CLOCK_MONOTONIC ms: the next one due */
	int64_t last_sweep;
};

/*
 * Make dir (mode 0755) if it is missing, owned by u when u is not NULL
 * and the process is root.  An existing directory is never chowned; a
 * path that is not a directory is refused.  0 or DNSBL_EIO with eb.
 */
int spool_prepare(const char *dir, const struct priv_user *u,
    struct errbuf *eb);

/*
 * After the privileges are dropped: 0 if the process may create and
 * remove files in dir, else DNSBL_EIO with what to do in eb.
 */
int spool_usable(const char *dir, const char *user, struct errbuf *eb);

/* Remove the files older than max_age and count the rest: 0 or DNSBL_EIO. */
int spool_sweep(struct spool *sp, int64_t now_ms, struct errbuf *eb);

/*
 * Sweep if one is due: every quarter of max_age, at least every minute
 * and at most every second.  1 when it swept, 0 when not due, or
 * DNSBL_EIO.
 */
int spool_tick(struct spool *sp, int64_t now_ms, struct errbuf *eb);

/*
 * 1 if the spool holds max_bytes or more.  When it seems to, it sweeps
 * first (at most once a second) to see whether old tokens made room.
 */
int spool_full(struct spool *sp, int64_t now_ms);

/* Count the file at path, just written. */
void spool_added(struct spool *sp, const char *path);

/* 1 if name is a token's file or its temporary file. */
int spool_name_ours(const char *name);

#endif

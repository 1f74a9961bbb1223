/*
 * err.h -- the one error convention of dnsbl.
 *
 * Every function that can fail returns 0 on success or one of the negative
 * DNSBL_E* codes below.  dnsbl_strerror() turns a code into a static string.
 * LMDB's own codes never leave the store: store_mdb() maps them to
 * DNSBL_EMAPFULL (the map must grow; the store does that itself),
 * DNSBL_ENOSPC (the disk is full), DNSBL_ECORRUPT (a damaged database) or
 * DNSBL_EDB (any other failure).
 *
 * Where a failure needs more words than a code (a file, a line, a reason),
 * the function also takes a struct errbuf and writes one line into it.  The
 * errbuf is owned by the caller and holds the most recent message only.
 */
#ifndef DNSBL_ERR_H
#define DNSBL_ERR_H

#include <stddef.h>

enum dnsbl_err {
	DNSBL_OK = 0,
	DNSBL_ENOMEM = -1,	/* out of memory */
	DNSBL_EIO = -2,		/* a system call failed; errno tells more */
	DNSBL_EPARSE = -3,	/* malformed input (file, packet, argument) */
	DNSBL_ERANGE = -4,	/* a value is out of its allowed range */
	DNSBL_ENOENT = -5,	/* no such item */
	DNSBL_EEXIST = -6,	/* the item exists already */
	DNSBL_EDB = -7,		/* the LMDB store failed */
	DNSBL_EINVAL = -8,	/* invalid argument or state */
	DNSBL_ESPACE = -9,	/* a buffer or a limit is too small */
	DNSBL_EREFUSED = -10,	/* refused by policy (a guard, a rate limit) */
	DNSBL_ESTALE = -11,	/* older than what is stored; ignored */
	DNSBL_EMAPFULL = -12,	/* the LMDB map is full (grown and retried) */
	DNSBL_ENOSPC = -13,	/* no space left on the device */
	DNSBL_ECORRUPT = -14,	/* the database is damaged */
	DNSBL_EMAX = -15
};

/* A static, never-NULL description of code.  Unknown codes give "unknown error". */
const char *dnsbl_strerror(int code);

/*
 * A message buffer for errors that need a place and a reason, such as
 * "dnsbl.yaml:12:5: unknown key 'tll'".  Zero it before use.
 */
struct errbuf {
	char msg[512];
};

/* Format a message into eb (if eb is not NULL) and return code unchanged. */
int errbuf_set(struct errbuf *eb, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

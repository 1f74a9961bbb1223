/*
 * pidfile.h -- dnsbld's pidfile: locked for the life of the process.
 *
 * pidfile_open() creates (or opens) the file and takes an flock(2) lock
 * on it; a second dnsbld with the same pidfile finds it locked and is
 * refused, with the pid the file names.  The lock belongs to the open
 * file, so it survives fork(2) and is given up only when the last process
 * holding it exits.  pidfile_write() writes the caller's pid through the
 * open descriptor, so it works also after privileges were dropped.
 * pidfile_remove() unlinks the file if it is still ours; when the
 * directory does not let the (dropped) user unlink it, it empties it
 * instead, so that no stale pid is left.
 *
 * The caller owns the struct pidfile; pidfile_remove() closes it.
 */
#ifndef DNSBLD_PIDFILE_H
#define DNSBLD_PIDFILE_H

#include <sys/types.h>

struct errbuf;

struct pidfile {
	char *path;		/* NULL: no pidfile */
	int fd;			/* -1: closed */
	dev_t dev;		/* the file locked, to unlink only it */
	ino_t ino;
};

/*
 * Open and lock path (mode 0644).  0, or DNSBL_EIO (cannot create) or
 * DNSBL_EEXIST (locked: "... locked by process N") with the reason in eb.
 */
int pidfile_open(struct pidfile *pf, const char *path, struct errbuf *eb);

/* Replace the contents with "PID\n" for getpid().  0 or DNSBL_EIO. */
int pidfile_write(struct pidfile *pf, struct errbuf *eb);

/* Unlink (or else empty) the file, and close it.  pf->path NULL: no-op. */
void pidfile_remove(struct pidfile *pf);

#endif

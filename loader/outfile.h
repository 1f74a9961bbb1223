/*
 * outfile.h -- write a file whole, so that a reader never sees half of it
 * and nobody else can aim the write at another file.
 *
 * outfile_open() looks at what the path names:
 *   - a regular file, or a symlink to one that belongs to the caller or to
 *     root (as the kernel's protected_symlinks; another's is refused): the
 *     data goes to a new file made
 *     by mkstemp(3) (O_EXCL: a planted name cannot redirect it) in the
 *     directory of the real file, with the real file's mode and, where the
 *     caller may, its owner; outfile_commit() then fsyncs it and renames it
 *     over the real file, so a symlink stays a symlink;
 *   - nothing yet: the same, with mode 0666 less the umask;
 *   - a device, FIFO or socket (/dev/stdout, /dev/full): written directly,
 *     never replaced;
 *   - a directory, or a symlink to nothing: refused.
 * Errors name the path and the reason in eb and are DNSBL_EIO (a system
 * call failed) or DNSBL_EINVAL (a path that cannot be written so).
 *
 * Ownership: the struct outfile is the caller's; between a successful
 * outfile_open() and outfile_commit() or outfile_abort() it owns the FILE
 * (of->f, for the caller to write) and two allocated paths.  Both of those
 * calls release everything, whatever they return.
 */
#ifndef DNSBL_OUTFILE_H
#define DNSBL_OUTFILE_H

#include <stdio.h>

struct errbuf;

struct outfile {
	FILE *f;		/* write here */
	char *path;		/* the file to replace (symlinks resolved) */
	char *tmp;		/* the temporary file, or NULL: direct */
};

int outfile_open(struct outfile *of, const char *path, struct errbuf *eb);

/* Flush, fsync and put the file in place.  0 or DNSBL_EIO. */
int outfile_commit(struct outfile *of, struct errbuf *eb);

/* Give up: the temporary file is removed, the target left as it was. */
void outfile_abort(struct outfile *of);

#endif

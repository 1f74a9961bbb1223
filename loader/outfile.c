/*
 * outfile.c -- write a file whole, through a temporary file and rename(2)
 * (see outfile.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "outfile.h"

static void
release(struct outfile *of)
{
	free(of->path);
	free(of->tmp);
	of->path = of->tmp = NULL;
	of->f = NULL;
}

/* The directory part of path, malloc'ed. */
static char *
dir_of(const char *path)
{
	char *copy = strdup(path), *d;

	if (copy == NULL)
		return NULL;
	d = strdup(dirname(copy));
	free(copy);
	return d;
}

int
outfile_open(struct outfile *of, const char *path, struct errbuf *eb)
{
	struct stat st, lst;
	mode_t um;
	char *dir = NULL;
	int fd = -1, exists, rc;

	memset(of, 0, sizeof(*of));
	exists = stat(path, &st) == 0;
	if (!exists && errno != ENOENT)
		return errbuf_set(eb, DNSBL_EIO, "%s: %s", path,
		    strerror(errno));
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		if (!exists)
			return errbuf_set(eb, DNSBL_EINVAL, "%s: a symbolic "
			    "link to nothing; not written", path);
		/* As the kernel's protected_symlinks: only our own or
		 * root's links are followed. */
		if (lst.st_uid != geteuid() && lst.st_uid != 0)
			return errbuf_set(eb, DNSBL_EINVAL, "%s: a symbolic "
			    "link owned by uid %lu; not followed", path,
			    (unsigned long)lst.st_uid);
	}
	if (exists && S_ISDIR(st.st_mode))
		return errbuf_set(eb, DNSBL_EINVAL, "%s: a directory", path);
	if (exists && !S_ISREG(st.st_mode)) {
		/* A device or a pipe: write into it, never replace it. */
		if ((of->path = strdup(path)) == NULL)
			goto nomem;
		if ((fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)) == -1 ||
		    (of->f = fdopen(fd, "w")) == NULL) {
			rc = errbuf_set(eb, DNSBL_EIO, "%s: %s", path,
			    strerror(errno));
			if (fd != -1)
				close(fd);
			release(of);
			return rc;
		}
		return 0;
	}
	/* The file itself, not a symlink to it, is what gets replaced. */
	of->path = exists ? realpath(path, NULL) : strdup(path);
	if (of->path == NULL)
		goto nomem;
	if ((dir = dir_of(of->path)) == NULL)
		goto nomem;
	if (asprintf(&of->tmp, "%s/.%s.XXXXXX", dir, basename(of->path)) < 0) {
		of->tmp = NULL;
		goto nomem;
	}
	if ((fd = mkostemp(of->tmp, O_CLOEXEC)) == -1) {
		rc = errbuf_set(eb, DNSBL_EIO, "%s: cannot create a temporary "
		    "file in %s: %s", path, dir, strerror(errno));
		goto fail;
	}
	if (exists) {
		/* Keep the mode, and the owner where we may (root). */
		if (fchmod(fd, st.st_mode & 07777) == -1)
			goto syserr;
		if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
		    fchown(fd, st.st_uid, st.st_gid) == -1 && errno != EPERM)
			goto syserr;
	} else {
		um = umask(022);
		umask(um);
		if (fchmod(fd, 0666 & ~um) == -1)
			goto syserr;
	}
	if ((of->f = fdopen(fd, "w")) == NULL)
		goto syserr;
	free(dir);
	return 0;
syserr:
	rc = errbuf_set(eb, DNSBL_EIO, "%s: %s", of->tmp, strerror(errno));
	goto fail;
nomem:
	rc = errbuf_set(eb, DNSBL_ENOMEM, "%s: out of memory", path);
fail:
	if (fd != -1) {
		close(fd);
		if (of->tmp != NULL)
			unlink(of->tmp);
	}
	free(dir);
	release(of);
	return rc;
}

int
outfile_commit(struct outfile *of, struct errbuf *eb)
{
	int rc = 0;

	if (of->f == NULL)
		return errbuf_set(eb, DNSBL_EINVAL, "no file open");
	if (fflush(of->f) != 0 || (of->tmp != NULL && fsync(fileno(of->f))
	    == -1)) {
		rc = errbuf_set(eb, DNSBL_EIO, "%s: %s", of->path,
		    strerror(errno));
		fclose(of->f);
	} else if (fclose(of->f) != 0)
		rc = errbuf_set(eb, DNSBL_EIO, "%s: %s", of->path,
		    strerror(errno));
	if (rc == 0 && of->tmp != NULL && rename(of->tmp, of->path) == -1)
		rc = errbuf_set(eb, DNSBL_EIO, "%s: %s", of->path,
		    strerror(errno));
	if (rc != 0 && of->tmp != NULL)
		unlink(of->tmp);
	release(of);
	return rc;
}

void
outfile_abort(struct outfile *of)
{
	if (of->f != NULL)
		fclose(of->f);
	if (of->tmp != NULL)
		unlink(of->tmp);
	release(of);
}

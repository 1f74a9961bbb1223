/*
 * pidfile.c -- dnsbld's locked pidfile (pidfile.h).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "pidfile.h"

int
pidfile_open(struct pidfile *pf, const char *path, struct errbuf *eb)
{
	struct stat sb;
	char buf[32];
	ssize_t n;
	int fd;

	memset(pf, 0, sizeof(*pf));
	pf->fd = -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd == -1)
		return errbuf_set(eb, DNSBL_EIO, "pidfile %s: %s", path,
		    strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int saved = errno;

		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		close(fd);
		if (saved == EWOULDBLOCK)
			return errbuf_set(eb, DNSBL_EEXIST, "pidfile %s is "
			    "locked by process %s: is another dnsbld running "
			    "with it?", path, buf[0] ? buf : "(unknown)");
		return errbuf_set(eb, DNSBL_EIO, "pidfile %s: lock: %s", path,
		    strerror(saved));
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return errbuf_set(eb, DNSBL_EIO, "pidfile %s: not a regular "
		    "file", path);
	}
	if ((pf->path = strdup(path)) == NULL) {
		close(fd);
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	}
	pf->fd = fd;
	pf->dev = sb.st_dev;
	pf->ino = sb.st_ino;
	return 0;
}

int
pidfile_write(struct pidfile *pf, struct errbuf *eb)
{
	char buf[32];
	int len;

	if (pf->path == NULL)
		return 0;
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pf->fd, 0) == -1 ||
	    pwrite(pf->fd, buf, (size_t)len, 0) != len)
		return errbuf_set(eb, DNSBL_EIO, "pidfile %s: write: %s",
		    pf->path, strerror(errno));
	return 0;
}

void
pidfile_remove(struct pidfile *pf)
{
	struct stat sb;

	if (pf->path == NULL)
		return;
	/* Only the file we locked: never one that replaced it. */
	if (lstat(pf->path, &sb) == 0 && sb.st_dev == pf->dev &&
	    sb.st_ino == pf->ino && unlink(pf->path) == -1)
		(void)ftruncate(pf->fd, 0);
	close(pf->fd);
	free(pf->path);
	pf->path = NULL;
	pf->fd = -1;
}

/*
 * spool.c -- the sink's spool, its size and age limits (spool.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "privdrop.h"
#include "spool.h"
#include "tester.h"

#define SWEEP_MIN_MS	1000
#define SWEEP_MAX_MS	60000

int
spool_name_ours(const char *name)
{
	size_t n = strlen(name);

	if (tester_token_valid(name, n))
		return 1;
	/* ".TOKEN.XXXXXX", a temporary of outfile.c */
	return n > 8 && name[0] == '.' && name[n - 7] == '.' &&
	    tester_token_valid(name + 1, n - 8);
}

int
spool_prepare(const char *dir, const struct priv_user *u,
    struct errbuf *eb)
{
	struct stat st;
	int made = 0;

	if (mkdir(dir, 0755) == 0)
		made = 1;
	else if (errno != EEXIST)
		return errbuf_set(eb, DNSBL_EIO, "spool %s: %s", dir,
		    strerror(errno));
	if (stat(dir, &st) != 0)
		return errbuf_set(eb, DNSBL_EIO, "spool %s: %s", dir,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return errbuf_set(eb, DNSBL_EIO, "spool %s: not a directory",
		    dir);
	if (made && u != NULL && geteuid() == 0 && u->uid != 0 &&
	    chown(dir, u->uid, u->gid) != 0)
		return errbuf_set(eb, DNSBL_EIO, "spool %s: chown to %s: %s",
		    dir, u->name, strerror(errno));
	return 0;
}

int
spool_usable(const char *dir, const char *user, struct errbuf *eb)
{
	struct stat st;

	if (access(dir, W_OK | X_OK) == 0)
		return 0;
	if (stat(dir, &st) != 0)
		return errbuf_set(eb, DNSBL_EIO, "spool %s: %s (as user %s: "
		    "every directory above it must be searchable by them)",
		    dir, strerror(errno), user);
	return errbuf_set(eb, DNSBL_EIO, "spool %s is not writable by user "
	    "%s (owner uid %lu, mode %04o): chown %s %s, or name another "
	    "tester.spool", dir, user, (unsigned long)st.st_uid,
	    (unsigned)(st.st_mode & 07777), user, dir);
}

static int64_t
interval_ms(const struct spool *sp)
{
	int64_t ms = (int64_t)sp->max_age * 1000 / 4;

	return ms < SWEEP_MIN_MS ? SWEEP_MIN_MS : ms > SWEEP_MAX_MS ?
	    SWEEP_MAX_MS : ms;
}

int
spool_sweep(struct spool *sp, int64_t now_ms, struct errbuf *eb)
{
	time_t now = time(NULL);
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	sp->last_sweep = now_ms;
	sp->next_sweep = now_ms + interval_ms(sp);
	if ((d = opendir(sp->dir)) == NULL)
		return errbuf_set(eb, DNSBL_EIO, "spool %s: %s", sp->dir,
		    strerror(errno));
	fd = dirfd(d);
	sp->bytes = sp->files = sp->removed = 0;
	while ((de = readdir(d)) != NULL) {
		if (!spool_name_ours(de->d_name) ||
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (st.st_mtime + (time_t)sp->max_age <= now &&
		    unlinkat(fd, de->d_name, 0) == 0) {
			sp->removed++;
			continue;
		}
		sp->bytes += (uint64_t)st.st_blocks * 512;
		sp->files++;
	}
	closedir(d);
	return 0;
}

int
spool_tick(struct spool *sp, int64_t now_ms, struct errbuf *eb)
{
	int rc;

	if (now_ms < sp->next_sweep)
		return 0;
	if ((rc = spool_sweep(sp, now_ms, eb)) != 0)
		return rc;
	return 1;
}

int
spool_full(struct spool *sp, int64_t now_ms)
{
	struct errbuf eb;

	if (sp->bytes < sp->max_bytes)
		return 0;
	if (now_ms - sp->last_sweep >= SWEEP_MIN_MS)
		(void)spool_sweep(sp, now_ms, &eb);
	return sp->bytes >= sp->max_bytes;
}

void
spool_added(struct spool *sp, const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		sp->bytes += (uint64_t)st.st_blocks * 512;
		sp->files++;
	}
}

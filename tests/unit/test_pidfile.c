/*
 * test_pidfile.c -- dnsbld/pidfile.c: the lock refuses a second holder and
 * names the first, the file holds our pid, a stale file is taken over,
 * removal unlinks only the file we locked, and hostile paths are refused.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "../../dnsbld/pidfile.h"
#include "../tap.h"

static char dir[] = "/tmp/test_pidfile.XXXXXX";

static void
slurp(const char *p, char *buf, size_t len)
{
	FILE *f = fopen(p, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

int
main(void)
{
	struct pidfile a, b;
	struct errbuf eb;
	struct stat sb;
	char p[256], q[256], buf[64], want[64];

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(p, sizeof(p), "%s/d.pid", dir);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());

	memset(&eb, 0, sizeof(eb));
	is_int(pidfile_open(&a, p, &eb), 0, "open and lock");
	is_int(pidfile_write(&a, &eb), 0, "write");
	slurp(p, buf, sizeof(buf));
	is_str(buf, want, "the file holds our pid");
	is_int(pidfile_open(&b, p, &eb), DNSBL_EEXIST, "a second open is "
	    "refused");
	ok(strstr(eb.msg, "locked by process") != NULL &&
	    strncmp(strstr(eb.msg, "process ") + 8, want, strlen(want) - 1)
	    == 0, "naming the holder: %s", eb.msg);
	is_int(pidfile_write(&a, &eb), 0, "write again");
	slurp(p, buf, sizeof(buf));
	is_str(buf, want, "rewritten, not appended");
	pidfile_remove(&a);
	ok(stat(p, &sb) == -1, "removed");
	pidfile_remove(&a);
	ok(1, "a second remove is a no-op");

	/* A stale file (no lock) with a longer pid is taken over. */
	{
		FILE *f = fopen(p, "w");

		fprintf(f, "12345678901234\n");
		fclose(f);
	}
	is_int(pidfile_open(&a, p, &eb), 0, "a stale pidfile is taken over");
	pidfile_write(&a, &eb);
	slurp(p, buf, sizeof(buf));
	is_str(buf, want, "and holds our pid alone");
	/* Replaced under us: the other file is not removed. */
	snprintf(q, sizeof(q), "%s/other", dir);
	{
		FILE *f = fopen(q, "w");

		fprintf(f, "other\n");
		fclose(f);
	}
	ok(rename(q, p) == 0, "another file put in its place");
	pidfile_remove(&a);
	slurp(p, buf, sizeof(buf));
	is_str(buf, "other\n", "remove leaves the file that replaced ours");
	unlink(p);

	/* Hostile paths. */
	is_int(pidfile_open(&a, dir, &eb), DNSBL_EIO, "a directory: refused");
	snprintf(q, sizeof(q), "%s/link", dir);
	ok(symlink("/etc/passwd", q) == 0, "a symlink");
	is_int(pidfile_open(&a, q, &eb), DNSBL_EIO, "a symlink: refused "
	    "(%s)", eb.msg);
	unlink(q);
	snprintf(q, sizeof(q), "%s/no/such/dir/d.pid", dir);
	is_int(pidfile_open(&a, q, &eb), DNSBL_EIO, "no such directory: "
	    "refused, named: %s", eb.msg);
	ok(strstr(eb.msg, q) != NULL, "the message names the path");
	ok(a.path == NULL && a.fd == -1, "a failed open holds nothing");
	pidfile_remove(&a);
	rmdir(dir);
	return tap_done();
}

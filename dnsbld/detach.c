/*
 * detach.c -- dnsbld -d, detached once serving (detach.h).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "detach.h"
#include "err.h"

/* The parent: exit 0 on the child's word, else as the child did. */
static void __attribute__((noreturn))
wait_child(pid_t pid, int fd)
{
	char c;
	ssize_t n;
	int st;

	do
		n = read(fd, &c, 1);
	while (n == -1 && errno == EINTR);
	if (n == 1 && c == 'R')
		_exit(0);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			_exit(1);
	if (WIFEXITED(st))
		_exit(WEXITSTATUS(st) != 0 ? WEXITSTATUS(st) : 1);
	fprintf(stderr, "%s: the daemon died of signal %d before it was "
	    "ready\n", program_invocation_short_name,
	    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	_exit(1);
}

int
detach_fork(int *fd, struct errbuf *eb)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		return errbuf_set(eb, DNSBL_EIO, "pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return errbuf_set(eb, DNSBL_EIO, "fork: %s", strerror(errno));
	}
	if (pid != 0) {
		close(p[1]);
		wait_child(pid, p[0]);
	}
	close(p[0]);
	(void)setsid();
	*fd = p[1];
	return 0;
}

int
detach_done(int fd, struct errbuf *eb)
{
	int null;

	if ((null = open("/dev/null", O_RDWR)) == -1)
		return errbuf_set(eb, DNSBL_EIO, "/dev/null: %s",
		    strerror(errno));
	fflush(stdout);
	fflush(stderr);
	if (dup2(null, STDIN_FILENO) == -1 || dup2(null, STDOUT_FILENO) == -1 ||
	    dup2(null, STDERR_FILENO) == -1) {
		close(null);
		return errbuf_set(eb, DNSBL_EIO, "dup2: %s", strerror(errno));
	}
	if (null > STDERR_FILENO)
		close(null);
	if (chdir("/") == -1)
		return errbuf_set(eb, DNSBL_EIO, "chdir /: %s",
		    strerror(errno));
	/* A parent gone (killed while it waited) is no reason to stop. */
	if (write(fd, "R", 1) != 1)
		(void)0;
	close(fd);
	return 0;
}

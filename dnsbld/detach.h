/*
 * detach.h -- dnsbld -d: run in the background, but only once serving.
 *
 * detach_fork() forks.  The parent waits: when the child calls
 * detach_done() it exits 0, and when the child exits first (a fatal error
 * on the way, already said on stderr, which the child still shares) it
 * exits with the child's status.  So "dnsbld -d" returns 0 only for a
 * daemon that serves, and every start-up error reaches the caller.
 *
 * The fork comes before the store is opened and before any thread starts,
 * so the child holds its own LMDB environment and locks (LMDB's are not
 * inherited across fork) and its threads.  No state; the caller keeps the
 * pipe's descriptor from detach_fork() to detach_done().
 */
#ifndef DNSBLD_DETACH_H
#define DNSBLD_DETACH_H

struct errbuf;

/*
 * Fork and, in the child only, return 0 with *fd the pipe to the parent,
 * the child in a new session.  DNSBL_EIO (with eb) if the fork failed.
 * The parent never returns.
 */
int detach_fork(int *fd, struct errbuf *eb);

/*
 * In the child, ready to serve: stdin, stdout and stderr to /dev/null,
 * the working directory to /, and tell the parent to exit 0.  0 or
 * DNSBL_EIO.
 */
int detach_done(int fd, struct errbuf *eb);

#endif

/*
 * fuzzsock.h -- for the fuzz targets that drive a server through a real
 * socket (fuzz_tcp, fuzz_sink): send one input as a client would, while
 * reading what comes back, then half-close and read until the server
 * closes.  Static functions, one copy per target, like tests/tap.h.
 *
 * Ownership: a struct fuzz_reply owns its buffer; fuzz_reply_free()
 * releases it.  The socket stays the caller's.
 */
#ifndef DNSBL_FUZZSOCK_H
#define DNSBL_FUZZSOCK_H

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define FUZZ_REPLY_MAX	(64u << 20)	/* more is a runaway server */

struct fuzz_reply {
	uint8_t *buf;
	size_t len, cap;
	int reset;		/* ended by an error, not an orderly close */
	int unsent;		/* the server closed before taking it all */
};

static int64_t __attribute__((unused))
fuzz_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void __attribute__((unused))
fuzz_reply_free(struct fuzz_reply *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* Read what is there into r: 1 at the end (close or error), else 0. */
static int
fuzz_read_some(int fd, struct fuzz_reply *r)
{
	uint8_t *nb;
	ssize_t k;

	for (;;) {
		if (r->cap - r->len < 65536) {
			if (r->cap >= FUZZ_REPLY_MAX)
				abort();	/* the server does not stop */
			if ((nb = realloc(r->buf, r->cap ? 2 * r->cap :
			    131072)) == NULL)
				abort();
			r->buf = nb;
			r->cap = r->cap ? 2 * r->cap : 131072;
		}
		k = recv(fd, r->buf + r->len, r->cap - r->len, MSG_DONTWAIT);
		if (k > 0) {
			r->len += (size_t)k;
			continue;
		}
		if (k == 0)
			return 1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		r->reset = 1;
		return 1;
	}
}

/*
 * Send n bytes of in on the connected socket fd while reading replies into
 * r; half-close once all is sent; read until the server closes.  Returns 0,
 * or -1 when the server neither closed nor answered within timeout_ms of
 * its last sign of life.
 */
static int __attribute__((unused))
fuzz_exchange(int fd, const uint8_t *in, size_t n, struct fuzz_reply *r,
    int timeout_ms)
{
	struct pollfd p;
	size_t off = 0;
	int64_t deadline = fuzz_now_ms() + timeout_ms;
	int shut = 0;
	ssize_t k;

	memset(r, 0, sizeof(*r));
	for (;;) {
		if (!shut && off == n) {
			shutdown(fd, SHUT_WR);
			shut = 1;
		}
		p.fd = fd;
		p.events = POLLIN | (shut ? 0 : POLLOUT);
		p.revents = 0;
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			abort();
		if (p.revents & POLLOUT) {
			k = send(fd, in + off, n - off, MSG_DONTWAIT |
			    MSG_NOSIGNAL);
			if (k > 0) {
				off += (size_t)k;
				deadline = fuzz_now_ms() + timeout_ms;
			} else if (k < 0 && errno != EAGAIN &&
			    errno != EWOULDBLOCK && errno != EINTR) {
				r->unsent = 1;	/* the server is gone */
				shut = 1;
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			size_t before = r->len;

			if (fuzz_read_some(fd, r)) {
				r->unsent = off < n;
				return 0;
			}
			if (r->len > before)
				deadline = fuzz_now_ms() + timeout_ms;
		}
		if (fuzz_now_ms() > deadline)
			return -1;
	}
}

#endif

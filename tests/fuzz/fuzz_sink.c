/*
 * fuzz_sink.c -- libFuzzer target for the drop box's SMTP receiver
 * (loader/sink.c): every input is what one client sends on one session.
 * The target runs sink_serve() itself, in a thread, on an abstract
 * AF_UNIX socket (no port to pick, nothing left in the filesystem), with
 * a spool in a temporary directory; it connects, sends the input while
 * reading the replies, half-closes, and reads until the sink closes.
 * Nothing of sink.c is copied or changed: the line assembly across reads,
 * long lines, the command state machine, DATA with dot lines, the size
 * limit, the tokens found and written to the spool are all the sink's.
 *
 * Checks: the sink closes the session once the input is over (no hang:
 * 30 s without progress is a crash); what comes back is SMTP replies
 * only, lines "NNN text" or "NNN-text" ending in CRLF, the banner first
 * (220), nothing after a 221; at most one reply per line sent, and the
 * banner (a 421 when the session times out).  A reset may cut the last
 * line.
 *
 * Seeds in tests/fuzz/corpus-fuzz_sink: sessions as the relay tester and
 * as Postfix would hold them, pipelined ones, long lines, a DATA with
 * tokens, a message over the size limit.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "fuzzsock.h"
#include "sink.h"

#define EXCHANGE_TIMEOUT_MS 30000

struct fuzz_ctx {
	char dir[64];
	char spool[96];
	struct sink_opts o;
	int lfd;
	int stopfd;
	struct sockaddr_un sun;
	socklen_t sunlen;
};

static struct fuzz_ctx *ctx_at_exit;

static void
cleanup(void)
{
	char cmd[128];

	if (ctx_at_exit == NULL || ctx_at_exit->dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ctx_at_exit->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_sink: could not remove %s\n",
		    ctx_at_exit->dir);
}

static void *
sink_thread(void *arg)
{
	struct fuzz_ctx *x = arg;
	struct errbuf eb;

	memset(&eb, 0, sizeof(eb));
	if (sink_serve(&x->o, x->lfd, x->stopfd, &eb) != 0)
		fprintf(stderr, "fuzz_sink: %s\n", eb.msg);
	abort();	/* it serves until stopfd, which nobody writes */
}

static struct fuzz_ctx *
setup(void)
{
	static struct fuzz_ctx x;
	struct errbuf eb;
	pthread_t th;
	int fd, i;

	/* In memory when there is a tmpfs: the sink fsyncs each token. */
	snprintf(x.dir, sizeof(x.dir), "%s/fuzz_sink.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(x.dir) == NULL)
		abort();
	ctx_at_exit = &x;
	atexit(cleanup);
	snprintf(x.spool, sizeof(x.spool), "%s/spool", x.dir);
	/* An abstract socket: a NUL, then a name of this process. */
	x.sun.sun_family = AF_UNIX;
	snprintf(x.sun.sun_path + 1, sizeof(x.sun.sun_path) - 1,
	    "dnsbl-fuzz-sink-%ld", (long)getpid());
	x.sunlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(x.sun.sun_path + 1));
	memcpy(&x.o.ss, &x.sun, sizeof(x.sun));
	x.o.sslen = x.sunlen;
	x.o.spool = x.spool;
	x.o.spool_max_bytes = 64 << 20;
	x.o.spool_max_age = 86400;
	x.o.domain = "sink.fuzz.example";
	x.o.name = "sink.fuzz.example";
	x.o.timeout_ms = 60000;
	x.o.max_conn = 2;
	x.o.max_msg = 4096;
	if (mkdir(x.spool, 0700) != 0 ||
	    (x.o.log = fopen("/dev/null", "w")) == NULL ||
	    (x.lfd = sink_listen(&x.o, &eb)) < 0 ||
	    (x.stopfd = eventfd(0, EFD_CLOEXEC)) < 0 ||
	    pthread_create(&th, NULL, sink_thread, &x) != 0)
		abort();
	pthread_detach(th);
	/* Wait for the listener: up to 10 s. */
	for (i = 0; i < 1000; i++) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			abort();
		if (connect(fd, (struct sockaddr *)&x.sun, x.sunlen) == 0) {
			close(fd);
			return &x;
		}
		close(fd);
		usleep(10000);
	}
	abort();
}

static int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static void
check(const uint8_t *data, size_t size, const struct fuzz_reply *r)
{
	size_t off = 0, nlines = 0, finals = 0, i, e;
	int closed = 0;

	for (i = 0; i < size; i++)
		nlines += data[i] == '\n';
	while (off < r->len) {
		for (e = off; e + 1 < r->len && !(r->buf[e] == '\r' &&
		    r->buf[e + 1] == '\n'); e++)
			;
		if (e + 1 >= r->len) {
			if (!r->reset)
				abort();	/* a line without its CRLF */
			break;
		}
		if (closed || e - off < 4 || r->buf[off] < '2' ||
		    r->buf[off] > '5' || !is_digit(r->buf[off + 1]) ||
		    !is_digit(r->buf[off + 2]) ||
		    (r->buf[off + 3] != ' ' && r->buf[off + 3] != '-'))
			abort();	/* not a reply line, or after 221 */
		for (i = off; i < e; i++)
			if (r->buf[i] < 0x20 || r->buf[i] == 0x7f)
				abort();	/* a control byte in a reply */
		if (off == 0 && memcmp(r->buf, "220 ", 4) != 0)
			abort();	/* the banner first */
		if (r->buf[off + 3] == ' ') {
			finals++;
			closed = memcmp(r->buf + off, "221", 3) == 0;
		}
		off = e + 2;
	}
	if (finals > nlines + 2)
		abort();	/* more replies than lines */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_ctx *x;
	struct fuzz_reply r;
	int fd;

	if (x == NULL)
		x = setup();
	/* Blocking: fuzz_exchange() asks for MSG_DONTWAIT itself. */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&x->sun, x->sunlen) != 0)
		abort();
	if (fuzz_exchange(fd, data, size, &r, EXCHANGE_TIMEOUT_MS) != 0)
		abort();	/* the sink kept the session open */
	close(fd);
	check(data, size, &r);
	fuzz_reply_free(&r);
	return 0;
}

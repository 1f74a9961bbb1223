/*
 * fuzz_tcp.c -- libFuzzer target for DNS over TCP (dnsbld/tcp.c): every
 * input is the byte stream a client sends on one connection, messages
 * after their 2-byte lengths (or not: whatever the input holds).  The
 * target runs dnsbld's own TCP thread (tcp_main()) and transfer threads
 * (xfr_start()) over a real store in a temporary directory, with a
 * listener on 127.0.0.1 at a port the kernel picks; it connects, sends
 * the input while reading the answers, half-closes, and reads until
 * dnsbld closes.  Nothing of tcp.c is copied or changed: the framing,
 * pipelining, the pause when the output buffer is full, the zero length
 * that ends a connection, the hand-over of AXFR/IXFR to the transfer
 * threads (allowed from 127.0.0.0/8) are all dnsbld's.
 *
 * Checks: dnsbld closes every connection once the input is over (no hang:
 * 30 s without progress is a crash); what comes back is whole messages,
 * each after its length, at least a header, QR set, with the id of a
 * query the input held; without a transfer asked for, no more answers
 * than queries.  A stream cut by a reset may end in a partial message.
 *
 * Log lines of the threads go to /dev/null (FUZZ_TCP_LOG=1 keeps them);
 * the temporary directory is removed at exit.  Seeds are streams made by
 * dnspython (tests/fuzz/make_seeds.py).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "gen.h"
#include "fuzzsock.h"
#include "query.h"
#include "server.h"
#include "store.h"
#include "wire.h"
#include "xfr.h"
#include "zonectx.h"

#define EXCHANGE_TIMEOUT_MS 30000

struct fuzz_ctx {
	char dir[64];
	struct dnsbl_config *cfg;
	struct zoneset *zs;
	struct store *st;
	struct server sv;
	struct gen g;			/* the one generation it serves */
	int lfd;
	struct sockaddr_in addr;
	uint8_t ids[65536 / 8];		/* ids of the queries sent */
};

static const char config_fmt[] =
    "database: %s/db\n"
    "map_size: 16M\n"
    "listen: [127.0.0.1@53]\n"	/* not bound: the target listens itself */
    "tcp_timeout: 1h\n"
    "tcp_max_connections: 4\n"
    "keys:\n"
    "  - {name: k1, algorithm: hmac-sha256, "
    "secret: c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=}\n"
    "  - {name: k2.example, algorithm: hmac-sha512, "
    "secret: YW5vdGhlci1rZXktZm9yLXRoZS1zaGE1MTItdGVzdHM=}\n"
    "zones:\n"
    "  - name: relays.example\n"
    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
    "    ns: [ns1.relays.example, ns.elsewhere.test]\n"
    "    glue: [{name: ns1.relays.example, address: 192.0.2.53},\n"
    "           {name: ns1.relays.example, address: \"2001:db8::53\"}]\n"
    "    txt: \"Listed: $ - see https://relays.example/lookup?ip=$ for the "
    "evidence, the date of the test and how to ask for a retest once the "
    "server is fixed; mail to the contact of the list does not reach a "
    "person, use the form; the address $ stays listed until it is "
    "retested or the listing expires\"\n"
    "    transfer: {allow: [127.0.0.0/8]}\n"
    "  - name: keyed.example\n"
    "    soa: {mname: ns.keyed.example, rname: h.keyed.example}\n"
    "    ns: [ns.keyed.example]\n"
    "    transfer: {allow: [127.0.0.0/8], keys: [k1]}\n";

/* The listings both zones serve. */
static int
put_entries(struct store_txn *t, void *arg)
{
	static const char *const more[] = { "192.0.2.0/24", "2001:db8::/48",
	    "2001:db8:1::1", "198.51.100.7" };
	const struct dnsbl_config *cfg = arg;
	char text[64];
	struct entry e;
	size_t z, i;
	int rc;

	for (z = 0; z < cfg->nzones; z++) {
		for (i = 1; i <= 200 + 4; i++) {
			memset(&e, 0, sizeof(e));
			if (i <= 200)
				snprintf(text, sizeof(text), "10.0.0.%zu", i);
			else
				snprintf(text, sizeof(text), "%s",
				    more[i - 201]);
			if (prefix_parse(text, &e.prefix, NULL) != 0)
				return DNSBL_EINVAL;
			e.state = i == 7 ? ENTRY_EXCLUDED : ENTRY_LISTED;
			e.listed_since = e.first_listed = 1700000000;
			if ((rc = store_entry_put(t, z, &e)) != 0)
				return rc;
		}
	}
	return 0;
}

static struct fuzz_ctx *ctx_at_exit;

static void
cleanup(void)
{
	char cmd[128];

	if (ctx_at_exit == NULL || ctx_at_exit->dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ctx_at_exit->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_tcp: could not remove %s\n",
		    ctx_at_exit->dir);
}

static struct fuzz_ctx *
setup(void)
{
	static struct fuzz_ctx x;
	char path[128];
	struct errbuf eb;
	socklen_t alen = sizeof(x.addr);
	pthread_t th;
	FILE *f;

	memset(&eb, 0, sizeof(eb));
	snprintf(x.dir, sizeof(x.dir), "/tmp/fuzz_tcp.XXXXXX");
	if (mkdtemp(x.dir) == NULL)
		abort();
	ctx_at_exit = &x;
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/dnsbl.yaml", x.dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fprintf(f, config_fmt, x.dir);
	fclose(f);
	if (config_load(path, &x.cfg, &eb) != 0 ||
	    zoneset_build(x.cfg, &x.zs, &eb) != 0 ||
	    store_open(x.cfg, 0, &x.st, &eb) != 0 ||
	    store_write(x.st, put_entries, x.cfg, &eb) != 0) {
		fprintf(stderr, "fuzz_tcp: setup: %s\n", eb.msg);
		abort();
	}
	/* The listener, non-blocking as server_bind() makes it. */
	x.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	x.addr.sin_family = AF_INET;
	x.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (x.lfd < 0 || bind(x.lfd, (struct sockaddr *)&x.addr,
	    sizeof(x.addr)) != 0 || listen(x.lfd, 16) != 0 ||
	    getsockname(x.lfd, (struct sockaddr *)&x.addr, &alen) != 0)
		abort();
	/* What server_bind() and server_start() set up for TCP. */
	x.g.cfg = x.cfg;
	x.g.store = x.st;
	x.g.zs = x.zs;
	x.sv.g = &x.g;
	atomic_store(&x.sv.live, &x.g);
	x.sv.nlisten = 1;
	x.sv.tcp_fds = &x.lfd;
	if ((x.sv.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		abort();
	atomic_store(&x.sv.stop, 0);
	if (getenv("FUZZ_TCP_LOG") == NULL &&
	    (stderr = fopen("/dev/null", "w")) == NULL)
		abort();	/* the threads' log lines; libFuzzer keeps its own */
	if (xfr_start(&x.sv) != 0 ||
	    pthread_create(&th, NULL, tcp_main, &x.sv) != 0)
		abort();
	pthread_detach(th);
	return &x;
}

/*
 * The ids of the input's complete queries (up to a zero length, which
 * ends the connection) into x->ids; their number.  *xfr: one asks for a
 * zone transfer.
 */
static size_t
queries_of(struct fuzz_ctx *x, const uint8_t *data, size_t size, int *xfr)
{
	size_t off = 0, n = 0, mlen;
	uint16_t qt, id;

	memset(x->ids, 0, sizeof(x->ids));
	*xfr = 0;
	while (size - off >= 2) {
		mlen = wire_get16(data + off);
		if (mlen == 0 || size - off - 2 < mlen)
			break;
		if (mlen >= 2) {
			id = wire_get16(data + off + 2);
			x->ids[id / 8] |= (uint8_t)(1 << (id % 8));
		}
		qt = query_peek_qtype(data + off + 2, mlen);
		if (qt == T_AXFR || qt == T_IXFR)
			*xfr = 1;
		n++;
		off += 2 + mlen;
	}
	return n;
}

static void
check(struct fuzz_ctx *x, const uint8_t *data, size_t size,
    const struct fuzz_reply *r)
{
	size_t off = 0, mlen, nq, na = 0;
	uint16_t id;
	int xfr;

	nq = queries_of(x, data, size, &xfr);
	while (r->len - off >= 2) {
		mlen = wire_get16(r->buf + off);
		if (r->len - off - 2 < mlen) {
			if (!r->reset)
				abort();	/* cut without a reason */
			break;
		}
		if (mlen < DNS_HDRLEN || !(r->buf[off + 4] & 0x80))
			abort();	/* not an answer */
		id = wire_get16(r->buf + off + 2);
		if (!(x->ids[id / 8] & (1 << (id % 8))))
			abort();	/* an id nobody asked with */
		na++;
		off += 2 + mlen;
	}
	if (off < r->len && !r->reset)
		abort();	/* a stray byte after the last answer */
	if (!xfr && na > nq)
		abort();	/* more answers than queries */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_ctx *x;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct fuzz_reply r;
	int fd;

	if (x == NULL)
		x = setup();
	/* Blocking: fuzz_exchange() asks for MSG_DONTWAIT itself. */
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&x->addr, sizeof(x->addr)) != 0)
		abort();
	if (fuzz_exchange(fd, data, size, &r, EXCHANGE_TIMEOUT_MS) != 0)
		abort();	/* dnsbld kept the connection open */
	/* A reset, not a close: no TIME_WAIT left for each input. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	check(x, data, size, &r);
	fuzz_reply_free(&r);
	return 0;
}

/*
 * xdp.c -- dnsbld's AF_XDP path (xdp.h, docs/xdp.md); built only with
 * `make XDP=1`.
 *
 * Each queue has its own UMEM of cfg->xdp.frames frames of XDP_FRAME
 * bytes: half of them sit in the fill ring, the rest on a free stack.  A
 * frame comes in on the RX ring, its answer is written over it (the query
 * copied aside first, respond() not working in place) and it leaves on
 * the TX ring; the completion ring gives it back to the free stack, which
 * refills the fill ring.  A frame that gets no answer goes straight back
 * to the free stack.  The queries of a batch are answered from one store
 * snapshot, as in udp_batch() (udpbatch.c), through the same per-query
 * steps: the common query read and answered in one pass (express.c),
 * access policy, zone transfers' UDP answers, TSIG, respond(),
 * statistics and the response rate limiter.  As there, every frame of a
 * batch is parsed and its lookup prefetched before the first is answered.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include "access.h"
#include "config.h"
#include "err.h"
#include "express.h"
#include "fastidx.h"
#include "gen.h"
#include "hugemem.h"
#include "log.h"
#include "query.h"
#include "respond.h"
#include "rrl.h"
#include "server.h"
#include "signed.h"
#include "stats.h"
#include "store.h"
#include "xdp.h"
#include "xdppkt.h"
#include "xfr.h"

#define XDP_FRAME	XSK_UMEM__DEFAULT_FRAME_SIZE	/* 4096 */
#define XDP_BATCH	64
#define XDP_KICKS	8	/* wakeups to empty the TX ring: kick() */

/* The XDP program's object (xdp_kern.c), linked in by the Makefile. */
extern const unsigned char dnsbld_xdp_obj[], dnsbld_xdp_obj_end[];

/* The value of the program's dnsbl_cfg map. */
struct xdp_prog_cfg {
	uint32_t addr;
	uint16_t port;
	uint16_t pad;
};

struct xdp_queue {
	unsigned qid;
	uint32_t addr;			/* answered: addr@port, network order */
	uint16_t port;
	void *area;			/* the UMEM: nframes * XDP_FRAME */
	size_t nframes;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	int fd;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	uint64_t *free;			/* frames owned by no ring */
	size_t nfree;
	uint8_t qbuf[XDP_FRAME];	/* the query, copied aside */
	uint64_t txaddr[XDP_BATCH];	/* a batch's answers */
	uint32_t txlen[XDP_BATCH];
	/* A batch's frames, parsed before any is answered, so that their
	 * lookups are prefetched together, as udp_batch() does: the
	 * packet (ok: one to answer, with room for the answer), the query
	 * in it, what query_parse() said, its QTYPE and its hint. */
	struct xdppkt pk[XDP_BATCH];
	uint8_t ok[XDP_BATCH];
	struct query qs[XDP_BATCH];
	enum query_status st[XDP_BATCH];
	uint16_t qt[XDP_BATCH];
	struct respond_hint hint[XDP_BATCH];
};

struct xdp_ctx {
	int ifindex;
	struct bpf_object *obj;
	int link_fd;
	size_t nq;
	struct xdp_queue **q;
};

static void
queue_free(struct xdp_queue *q)
{
	if (q == NULL)
		return;
	if (q->xsk != NULL)
		xsk_socket__delete(q->xsk);
	if (q->umem != NULL)
		xsk_umem__delete(q->umem);
	free(q->area);
	free(q->free);
	free(q);
}

/* Move frames from the free stack to the fill ring, as many as fit. */
static void
refill(struct xdp_queue *q)
{
	uint32_t idx, n, i;

	if (q->nfree == 0)
		return;
	/* reserve() takes all or nothing: ask for what fits. */
	n = xsk_prod_nb_free(&q->fq, (uint32_t)q->nfree);
	if (n > q->nfree)
		n = (uint32_t)q->nfree;
	if (n == 0 || xsk_ring_prod__reserve(&q->fq, n, &idx) != n)
		return;
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&q->fq, idx + i) =
		    q->free[--q->nfree];
	if (n > 0)
		xsk_ring_prod__submit(&q->fq, n);
}

/* Sent frames back to the free stack. */
static void
complete(struct xdp_queue *q)
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&q->cq, XDP_BATCH * 4, &idx);
	for (i = 0; i < n; i++)
		q->free[q->nfree++] = xsk_umem__extract_addr(
		    *xsk_ring_cons__comp_addr(&q->cq, idx + i));
	if (n > 0)
		xsk_ring_cons__release(&q->cq, n);
}

/*
 * Send what waits in the TX ring.  In copy mode one wakeup sends at most
 * 32 frames (the kernel's TX_BATCH_SIZE; poll(2) on the socket sends as
 * many), so a batch of 64 answers needs two, and answers left behind
 * would wait for the next batch or the worker's next poll(2), GEN_POLL_MS
 * later.  So wake the kernel until the ring is empty, at most XDP_KICKS
 * times: a peer that takes no more (EAGAIN: its queue is stopped) leaves
 * the rest to the next poll(2).
 */
static void
kick(struct xdp_queue *q)
{
	int i;

	for (i = 0; i < XDP_KICKS; i++) {
		if (xsk_prod_nb_free(&q->tx, q->tx.size) == q->tx.size)
			return;
		if (!xsk_ring_prod__needs_wakeup(&q->tx))
			return;	/* zero-copy: the driver sends on its own */
		if (sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) == -1 &&
		    errno != EAGAIN && errno != EBUSY && errno != ENOBUFS &&
		    errno != EINTR)
			return;
	}
}

static int
queue_open(const struct cfg_xdp *c, const char *ifname, uint32_t bind_flags,
    unsigned qid, struct xdp_queue **out, struct errbuf *eb)
{
	const struct sockaddr_in *a = (const struct sockaddr_in *)&c->address.ss;
	struct xsk_umem_config uc;
	struct xsk_socket_config sc;
	struct xdp_queue *q;
	size_t i;
	int rc;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	q->qid = qid;
	q->addr = a->sin_addr.s_addr;
	q->port = a->sin_port;
	q->fd = -1;
	q->nframes = c->frames;
	q->free = calloc(q->nframes, sizeof(*q->free));
	/* On huge pages: each frame is a page of 4 KB, so that a batch
	 * would touch as many small pages as it has frames.  Written once
	 * here, so that its pages are in before the kernel pins them. */
	if ((q->area = hugemem_alloc(q->nframes * XDP_FRAME)) == NULL) {
		rc = errbuf_set(eb, DNSBL_ENOMEM, "xdp: UMEM of %zu frames: %s",
		    q->nframes, strerror(ENOMEM));
		goto fail;
	}
	memset(q->area, 0, q->nframes * XDP_FRAME);
	if (q->free == NULL) {
		rc = errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
		goto fail;
	}
	memset(&uc, 0, sizeof(uc));
	uc.fill_size = uc.comp_size = (uint32_t)q->nframes / 2;
	uc.frame_size = XDP_FRAME;
	rc = xsk_umem__create(&q->umem, q->area, q->nframes * XDP_FRAME,
	    &q->fq, &q->cq, &uc);
	if (rc != 0) {
		q->umem = NULL;
		rc = errbuf_set(eb, DNSBL_EIO, "xdp: %s queue %u: UMEM: %s",
		    ifname, qid, strerror(-rc));
		goto fail;
	}
	memset(&sc, 0, sizeof(sc));
	sc.rx_size = sc.tx_size = (uint32_t)q->nframes / 2;
	sc.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
	sc.bind_flags = (uint16_t)bind_flags;
	rc = xsk_socket__create(&q->xsk, ifname, qid, q->umem, &q->rx, &q->tx,
	    &sc);
	if (rc != 0) {
		q->xsk = NULL;
		rc = errbuf_set(eb, DNSBL_EIO, "xdp: %s queue %u: AF_XDP "
		    "socket: %s", ifname, qid, strerror(-rc));
		goto fail;
	}
	q->fd = xsk_socket__fd(q->xsk);
	for (i = 0; i < q->nframes; i++)
		q->free[q->nfree++] = (uint64_t)i * XDP_FRAME;
	refill(q);
	*out = q;
	return 0;
fail:
	queue_free(q);
	return rc;
}

/* The program, loaded; its maps' fds. */
static int
prog_load(struct xdp_ctx *x, int *prog_fd, int *cfg_fd, int *xsks_fd,
    struct errbuf *eb)
{
	struct bpf_program *p;
	int rc;

	x->obj = bpf_object__open_mem(dnsbld_xdp_obj,
	    (size_t)(dnsbld_xdp_obj_end - dnsbld_xdp_obj), NULL);
	if (x->obj == NULL)
		return errbuf_set(eb, DNSBL_EIO, "xdp: cannot open the XDP "
		    "program: %s", strerror(errno));
	if ((rc = bpf_object__load(x->obj)) != 0)
		return errbuf_set(eb, DNSBL_EIO, "xdp: cannot load the XDP "
		    "program: %s", strerror(-rc));
	p = bpf_object__find_program_by_name(x->obj, "dnsbl_xdp");
	*prog_fd = p != NULL ? bpf_program__fd(p) : -1;
	*cfg_fd = bpf_object__find_map_fd_by_name(x->obj, "dnsbl_cfg");
	*xsks_fd = bpf_object__find_map_fd_by_name(x->obj, "dnsbl_xsks");
	if (*prog_fd < 0 || *cfg_fd < 0 || *xsks_fd < 0)
		return errbuf_set(eb, DNSBL_EIO, "xdp: the XDP program lacks "
		    "its maps");
	return 0;
}

/* Attach through a BPF link: closing it detaches, even at a crash. */
static int
prog_attach(struct xdp_ctx *x, int prog_fd, const char *mode,
    const char *ifname, uint32_t *bind_flags, struct errbuf *eb)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	int native = strcmp(mode, "generic") != 0;

	lo.flags = native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	x->link_fd = bpf_link_create(prog_fd, x->ifindex, BPF_XDP, &lo);
	if (x->link_fd < 0 && native && strcmp(mode, "auto") == 0) {
		log_info("xdp: %s: no native XDP (%s); generic mode", ifname,
		    strerror(errno));
		native = 0;
		lo.flags = XDP_FLAGS_SKB_MODE;
		x->link_fd = bpf_link_create(prog_fd, x->ifindex, BPF_XDP,
		    &lo);
	}
	if (x->link_fd < 0)
		return errbuf_set(eb, DNSBL_EIO, "xdp: cannot attach to %s "
		    "(%s mode): %s", ifname, native ? "native" : "generic",
		    strerror(errno));
	/* Generic mode: copies only.  Native: zero-copy where the driver
	 * has it, else copies (the kernel chooses). */
	*bind_flags = XDP_USE_NEED_WAKEUP | (native ? 0 : XDP_COPY);
	log_info("xdp: attached to %s in %s mode", ifname,
	    native ? "native" : "generic");
	return 0;
}

int
xdp_open(struct server *sv, const struct dnsbl_config *cfg,
    struct errbuf *eb)
{
	const struct cfg_xdp *c = &cfg->xdp;
	const struct sockaddr_in *a = (const struct sockaddr_in *)&c->address.ss;
	struct xdp_prog_cfg pc;
	struct xdp_ctx *x;
	uint32_t bind_flags = 0, zero = 0, key;
	int prog_fd = -1, cfg_fd = -1, xsks_fd = -1, fd, rc;
	size_t i;

	if (c->interface == NULL)
		return 0;
	if (c->nqueues > sv->nworkers)
		return errbuf_set(eb, DNSBL_EINVAL, "xdp: %zu queues need as "
		    "many workers (workers: %u)", c->nqueues, sv->nworkers);
	if ((c->frames & (c->frames - 1)) != 0)
		return errbuf_set(eb, DNSBL_EINVAL, "xdp: frames %u is not a "
		    "power of two", (unsigned)c->frames);
	if ((x = calloc(1, sizeof(*x))) == NULL ||
	    (x->q = calloc(c->nqueues, sizeof(*x->q))) == NULL) {
		free(x);
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	}
	x->link_fd = -1;
	sv->xdp = x;
	if ((x->ifindex = (int)if_nametoindex(c->interface)) == 0) {
		rc = errbuf_set(eb, DNSBL_EIO, "xdp: interface %s: %s",
		    c->interface, strerror(errno));
		goto fail;
	}
	if ((rc = prog_load(x, &prog_fd, &cfg_fd, &xsks_fd, eb)) != 0 ||
	    (rc = prog_attach(x, prog_fd, c->mode, c->interface, &bind_flags,
	    eb)) != 0)
		goto fail;
	for (i = 0; i < c->nqueues; i++) {
		rc = queue_open(c, c->interface, bind_flags, c->queues[i],
		    &x->q[i], eb);
		if (rc != 0)
			goto fail;
		x->nq++;
		sv->workers[i].xq = x->q[i];
		key = c->queues[i];
		fd = x->q[i]->fd;
		if (bpf_map_update_elem(xsks_fd, &key, &fd, 0) != 0) {
			rc = errbuf_set(eb, DNSBL_EIO, "xdp: queue %u: socket "
			    "map: %s", (unsigned)key, strerror(errno));
			goto fail;
		}
	}
	/* Last: from here the program sends queries to the sockets. */
	memset(&pc, 0, sizeof(pc));
	pc.addr = a->sin_addr.s_addr;
	pc.port = a->sin_port;
	if (bpf_map_update_elem(cfg_fd, &zero, &pc, 0) != 0) {
		rc = errbuf_set(eb, DNSBL_EIO, "xdp: program config: %s",
		    strerror(errno));
		goto fail;
	}
	log_info("xdp: answering %s on %s, %zu queue%s", c->address.text,
	    c->interface, c->nqueues, c->nqueues == 1 ? "" : "s");
	return 0;
fail:
	xdp_close(sv);
	return rc;
}

void
xdp_close(struct server *sv)
{
	struct xdp_ctx *x = sv->xdp;
	size_t i;

	if (x == NULL)
		return;
	if (x->link_fd >= 0)
		close(x->link_fd);	/* detaches the program */
	for (i = 0; i < x->nq; i++) {
		sv->workers[i].xq = NULL;
		queue_free(x->q[i]);
	}
	if (x->obj != NULL)
		bpf_object__close(x->obj);
	free(x->q);
	free(x);
	sv->xdp = NULL;
}

int
xdp_fd(const struct worker *wk)
{
	return wk->xq != NULL ? wk->xq->fd : -1;
}

/*
 * Parse frame i of the batch (len bytes at frame, room bytes to its end):
 * q->pk[i], q->ok[i], and for a frame to answer its query, status, QTYPE
 * and, for a query respond() will answer and a batch with a copy of the
 * served tables, its hint (respond_hint()).  The query is parsed where it
 * lies in the frame; answer() reads it from q->qbuf.
 */
HOT static void
parse_frame(struct xdp_queue *q, const struct gen *g,
    const struct respond_store *rs, uint32_t i, const uint8_t *frame,
    size_t len, size_t room)
{
	const uint8_t *pkt;
	struct xdppkt *p = &q->pk[i];

	q->hint[i].done = 0;
	q->ok[i] = xdppkt_parse(frame, len, q->addr, q->port, p) == 0 &&
	    room >= XDPPKT_HDR + EDNS_PAYLOAD;
	if (!q->ok[i])
		return;
	pkt = frame + p->dns;
	/* The common query in one pass, as udp_batch() reads it. */
	if (rs->mi != NULL && express_query(g->zs, pkt, p->dnslen,
	    &q->qs[i], &q->hint[i])) {
		q->st[i] = Q_OK;
		q->qt[i] = q->qs[i].qtype;
		return;
	}
	q->qt[i] = query_peek_qtype(pkt, p->dnslen);
	q->st[i] = query_parse(pkt, p->dnslen, &q->qs[i]);
	if (rs->mi != NULL && q->st[i] == Q_OK && !q->qs[i].tsig &&
	    q->qt[i] != T_AXFR && q->qt[i] != T_IXFR)
		respond_hint(g->zs, &q->qs[i], &q->hint[i]);
}

/*
 * The answer to the query pkt (len bytes) from peer into out (cap bytes),
 * as udp_batch() answers one (udpbatch.c): q is pkt parsed (its
 * qname_raw pointing into pkt), st what query_parse() said, qt its QTYPE,
 * h its hint (or not done), mi the batch's copy of the served tables (or
 * NULL).  rc: the store could not be read.  0: send nothing.
 */
HOT static size_t
answer(struct worker *wk, const struct gen *g, const struct respond_db *db,
    const struct memidx *mi, int rc, time_t t, const uint8_t *pkt, size_t len,
    const struct query *q, enum query_status st, uint16_t qt,
    const struct respond_hint *h, const struct sockaddr *peer, uint8_t *out,
    size_t cap)
{
	const struct zoneset *zs = g->zs;
	struct access_wrap aw;
	struct respond_db code_db;
	const struct respond_db *qdb = db;
	enum rrl_verdict v;
	size_t alen, limit;
	int refuse = 0;

	if (st == Q_DROP)
		return 0;
	limit = respond_limit(q, 0, cap);
	if (g->access != NULL && st == Q_OK && !q->tsig && qt != T_AXFR &&
	    qt != T_IXFR) {
		aw.base = db;
		switch (access_decide(g->access, &g->acc[wk->id], peer, t,
		    &aw.ans)) {
		case ACCESS_REFUSE:
			refuse = 1;
			break;
		case ACCESS_CODE:
			access_code_db(&aw, &code_db);
			qdb = &code_db;
			break;
		default:
			break;
		}
	}
	if (rc != 0)
		alen = respond_error(pkt, len, RC_SERVFAIL, out, 512);
	else if (refuse)
		alen = respond_bare(q, RC_REFUSED, 0, out, limit);
	else if (qt == T_AXFR || qt == T_IXFR)
		alen = xfr_udp(wk->sv, g, db, pkt, len, peer, out, cap);
	else if (q->tsig)
		alen = signed_answer(g->cfg, zs, qdb, q, st, pkt, len, out,
		    cap, 0);
	else if (qdb != db || mi == NULL ||
	    (alen = express_answer(mi, q, h, out, limit)) == 0)
		alen = respond_hinted(zs, qdb, q, st, h, out, cap, limit, 0);
	if (qt == T_AXFR || qt == T_IXFR)
		stats_xfr_answer(g->st, wk->id, zs, q, out, alen);
	if (alen != 0 && g->rrl != NULL &&
	    (v = rrl_check(g->rrl, &wk->rrl, rrl_now(), peer, q, out,
	    alen)) != RRL_SEND)
		alen = v == RRL_DROP ? 0 : rrl_truncate(q, out, alen, cap);
	if (h->done)	/* the zone is known: respond_hint() */
		stats_answer_zone(g->st, wk->id, h->z, q, 0,
		    alen != 0 ? out : NULL, alen);
	else
		stats_answer(g->st, wk->id, zs, q, 0, alen != 0 ? out : NULL,
		    alen);
	return alen;
}

HOT int
xdp_batch(struct worker *wk, const struct gen *g, struct respond_store *rs,
    const struct respond_db *db)
{
	struct xdp_queue *q = wk->xq;
	const struct xdp_desc *d;
	struct sockaddr_in peer;
	const struct xdppkt *p;
	uint32_t idx, n, i, nout = 0;
	uint64_t base;
	uint8_t *frame;
	size_t len;
	time_t t;
	int rc, stage;

	complete(q);
	refill(q);
	n = xsk_ring_cons__peek(&q->rx, XDP_BATCH, &idx);
	if (n == 0) {
		if (xsk_ring_prod__needs_wakeup(&q->fq))
			(void)recvfrom(q->fd, NULL, 0, MSG_DONTWAIT, NULL,
			    NULL);
		kick(q);
		return 0;
	}
	/* As udp_batch(): the in-memory copy when it is as new as the
	 * store, the store's snapshot only if an answer needs it. */
	respond_store_begin(rs, fastidx_enter(g->fast, wk->id));
	rc = 0;
	t = g->access != NULL ? time(NULL) : 0;
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	/* Parse every frame, prefetch every lookup (two stages, each over
	 * the batch, so that the misses overlap), then answer. */
	for (i = 0; i < n; i++) {
		d = xsk_ring_cons__rx_desc(&q->rx, idx + i);
		base = xsk_umem__extract_addr(d->addr);
		parse_frame(q, g, rs, i, xsk_umem__get_data(q->area, d->addr),
		    d->len, XDP_FRAME - (size_t)(d->addr - base));
	}
	if (rs->mi != NULL)
		for (stage = 0; stage < 2; stage++)
			for (i = 0; i < n; i++)
				respond_store_prefetch(rs, &q->hint[i], stage);
	for (i = 0; i < n; i++) {
		d = xsk_ring_cons__rx_desc(&q->rx, idx + i);
		base = xsk_umem__extract_addr(d->addr);
		frame = xsk_umem__get_data(q->area, d->addr);
		p = &q->pk[i];
		len = 0;
		if (q->ok[i]) {
			/* The answer goes over the query: a copy of it, and
			 * the parsed name's bytes there (at offset 12). */
			memcpy(q->qbuf, frame + p->dns, p->dnslen);
			q->qs[i].qname_raw = q->qbuf + DNS_HDRLEN;
			peer.sin_addr.s_addr = p->saddr;
			peer.sin_port = p->sport;
			len = answer(wk, g, db, rs->mi, rc, t, q->qbuf,
			    p->dnslen, &q->qs[i], q->st[i], q->qt[i],
			    &q->hint[i], (const struct sockaddr *)&peer,
			    frame + p->dns, EDNS_PAYLOAD);
		}
		if (len == 0) {
			q->free[q->nfree++] = base;
			continue;
		}
		q->txaddr[nout] = d->addr;
		q->txlen[nout++] = (uint32_t)xdppkt_answer(frame, p, len);
	}
	xsk_ring_cons__release(&q->rx, n);
	if ((rc = respond_store_end(rs)) != 0)
		log_warnx("store: %s; this batch's answers that needed it "
		    "are SERVFAIL", dnsbl_strerror(rc));
	fastidx_leave(g->fast, wk->id);
	/* The TX ring holds as many as the UMEM has frames, less those
	 * in the fill ring: there is room for the batch. */
	if (nout > 0 && xsk_ring_prod__reserve(&q->tx, nout, &idx) == nout) {
		for (i = 0; i < nout; i++) {
			struct xdp_desc *td = xsk_ring_prod__tx_desc(&q->tx,
			    idx + i);

			td->addr = q->txaddr[i];
			td->len = q->txlen[i];
		}
		xsk_ring_prod__submit(&q->tx, nout);
	} else
		for (i = 0; i < nout; i++)
			q->free[q->nfree++] =
			    xsk_umem__extract_addr(q->txaddr[i]);
	kick(q);
	return (int)n;
}

/*
 * xdp.h -- dnsbld's optional AF_XDP path (docs/xdp.md), built with
 * `make XDP=1` (HAVE_XDP, libxdp and libbpf); without it the functions
 * below are stubs and a config with an xdp: interface is refused.
 *
 * xdp_open(), called by server_bind(), loads the XDP program
 * (xdp_kern.c, carried in the binary), attaches it to the interface
 * through a BPF link, and opens one AF_XDP socket with its own UMEM per
 * configured queue; queue i is served by UDP worker i, next to its kernel
 * sockets (server.c polls xdp_fd() and calls xdp_batch()).  The program
 * sends UDP to the xdp address to those sockets and passes the rest to
 * the kernel.  xdp_close(), called by server_close(), closes the link,
 * which detaches the program, and frees the sockets and UMEMs.
 *
 * Ownership: the struct xdp_ctx is the server's (sv->xdp), each struct
 * xdp_queue its worker's (wk->xq) but allocated and freed by xdp_open()
 * and xdp_close(); xdp_batch() runs on that worker's thread only.
 */
#ifndef DNSBLD_XDP_H
#define DNSBLD_XDP_H

struct server;
struct worker;
struct gen;
struct respond_store;
struct respond_db;
struct dnsbl_config;
struct errbuf;

#ifdef HAVE_XDP

/* Open the XDP path of cfg->xdp, if it has an interface.  0, or
 * DNSBL_EIO / DNSBL_EINVAL with eb saying why (nothing left attached). */
int xdp_open(struct server *sv, const struct dnsbl_config *cfg,
    struct errbuf *eb);

/* Detach and free (after server_stop()).  Nothing open: nothing done. */
void xdp_close(struct server *sv);

/* The worker's AF_XDP socket to poll for input, or -1. */
int xdp_fd(const struct worker *wk);

/*
 * Answer one batch from the worker's queue, from generation g through
 * its store reader (rs, db), as udp_batch() does for a kernel socket.
 * Returns the frames received.
 */
int xdp_batch(struct worker *wk, const struct gen *g,
    struct respond_store *rs, const struct respond_db *db);

#else

#include "config.h"
#include "err.h"

static inline int
xdp_open(struct server *sv, const struct dnsbl_config *cfg, struct errbuf *eb)
{
	(void)sv;
	if (cfg->xdp.interface == NULL)
		return 0;
	return errbuf_set(eb, DNSBL_EINVAL, "xdp: interface %s: this dnsbld "
	    "was built without XDP (make XDP=1)", cfg->xdp.interface);
}

static inline void
xdp_close(struct server *sv)
{
	(void)sv;
}

static inline int
xdp_fd(const struct worker *wk)
{
	(void)wk;
	return -1;
}

static inline int
xdp_batch(struct worker *wk, const struct gen *g, struct respond_store *rs,
    const struct respond_db *db)
{
	(void)wk;
	(void)g;
	(void)rs;
	(void)db;
	return 0;
}

#endif
#endif

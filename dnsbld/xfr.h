/*
 * xfr.h -- zone transfers: AXFR (RFC 5936) and IXFR (RFC 1995).
 *
 * Over TCP, the TCP thread hands a connection whose next query is an AXFR
 * or IXFR to xfr_submit(); from then on the connection is ours.  A pool of
 * XFR_THREADS transfer threads (started and stopped with the server's
 * other threads) takes the connections from a queue of XFR_QUEUE; when
 * all are busy and the queue is full, the TCP thread answers REFUSED
 * (xfr_refuse()) and keeps the connection.  A transfer thread writes what
 * the TCP thread still owed the client, checks the request (transfer.allow,
 * TSIG), opens its own store snapshot and streams the zone with blocking
 * writes, one message of up to 64 KB at a time, then closes the
 * connection.  A server_stop() (SIGHUP, exit) aborts transfers in progress
 * between two messages; the secondary retries.
 *
 * Over UDP, xfr_udp() answers in the worker: AXFR is REFUSED, an allowed
 * IXFR gets the SOA alone (RFC 1995 2: the client then comes over TCP).
 *
 * Ownership: the pool is the server's (sv->xfr), created by xfr_start()
 * and freed by xfr_stop().  A job owns its socket and buffers until its
 * thread closes and frees them.
 */
#ifndef DNSBLD_XFR_H
#define DNSBLD_XFR_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

struct server;
struct respond_db;

#define XFR_THREADS	4
#define XFR_QUEUE	8
#define XFR_SEND_TIMEOUT 30	/* seconds a blocked write may wait */

/* Start the transfer threads.  0 or DNSBL_ENOMEM / DNSBL_EIO. */
int xfr_start(struct server *sv);

/* Abort transfers in progress, close the queued ones, join the threads. */
void xfr_stop(struct server *sv);

/*
 * Take over the TCP connection fd whose query is q (qlen bytes), after
 * writing the npending bytes of earlier answers still owed.  Returns 0
 * (fd is the pool's now), or DNSBL_EREFUSED / DNSBL_ENOMEM (the caller
 * keeps fd and should answer xfr_refuse()).
 */
int xfr_submit(struct server *sv, int fd, const uint8_t *q, size_t qlen,
    const uint8_t *pending, size_t npending);

/* A REFUSED answer to the query pkt into out.  Returns its length or 0. */
size_t xfr_refuse(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap);

/*
 * Answer an AXFR or IXFR that came over UDP from peer, inside the worker's
 * store batch (db gives the serial).  Returns the answer's length in out
 * (cap bytes), or 0 to drop it.
 */
size_t xfr_udp(struct server *sv, const struct respond_db *db,
    const uint8_t *pkt, size_t len, const struct sockaddr *peer,
    uint8_t *out, size_t cap);

#endif

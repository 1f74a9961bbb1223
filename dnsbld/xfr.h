/*
 * xfr.h -- zone transfers: AXFR (RFC 5936) and IXFR (RFC 1995).
 *
 * Over TCP, the TCP thread first checks an AXFR or IXFR request with
 * xfr_check() (zone, form, transfer.allow, TSIG): a request that may not
 * transfer is answered there and never queued.  One that may is handed
 * over with xfr_submit(); from then on the connection is ours.  A pool of
 * XFR_THREADS transfer threads (started and stopped with the server's
 * other threads) takes the connections from a queue of XFR_QUEUE.  A
 * client address has at most `transfer_per_client` transfers queued or
 * running; beyond that, or when the queue is full, the TCP thread answers
 * REFUSED (xfr_refuse()) and keeps the connection.  A transfer thread
 * writes what the TCP thread still owed the client, checks the request
 * again, opens its own store snapshot and streams the zone, one message of
 * up to 64 KB at a time, then closes the connection.  Its writes are
 * non-blocking and wait in poll(2) on the socket and the server's stop
 * eventfd: a client that reads nothing for `transfer_timeout` seconds is
 * dropped, and server_stop() (SIGHUP, exit) ends every transfer at once;
 * the secondary retries.  Refusals and evictions are logged through the
 * server's logsum (logsum.h), so a client repeating them writes a line
 * per interval, not per request.
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
struct gen;
struct respond_db;

#define XFR_THREADS	4
#define XFR_QUEUE	8

/* Start the transfer threads.  0 or DNSBL_ENOMEM / DNSBL_EIO. */
int xfr_start(struct server *sv);

/* Abort transfers in progress, close the queued ones, join the threads. */
void xfr_stop(struct server *sv);

/*
 * Check the AXFR or IXFR request pkt (len bytes) that came over TCP from
 * peer, before it is queued.  Returns 0 when it may be queued; 1 when it
 * is answered here (REFUSED, FORMERR or NOTAUTH, signed where due, logged
 * through the logsum): the answer's length (possibly 0) is in *outlen,
 * the answer in out (cap bytes); or DNSBL_EPARSE when it is not a
 * transfer request we can read (answer it as any other query).
 */
int xfr_check(struct server *sv, const uint8_t *pkt, size_t len,
    const struct sockaddr *peer, uint8_t *out, size_t cap, size_t *outlen);

/*
 * Take over the TCP connection fd from peer (peerlen bytes) whose query is
 * q (qlen bytes, checked by xfr_check()), after writing the npending bytes
 * of earlier answers still owed.  Returns 0 (fd is the pool's now), or,
 * with fd still the caller's, who should answer xfr_refuse():
 * DNSBL_ERANGE (the client has transfer_per_client transfers already),
 * DNSBL_ESPACE (every thread busy and the queue full), DNSBL_EREFUSED
 * (stopping) or DNSBL_ENOMEM.
 */
int xfr_submit(struct server *sv, int fd, const struct sockaddr *peer,
    socklen_t peerlen, const uint8_t *q, size_t qlen,
    const uint8_t *pending, size_t npending);

/* A REFUSED answer to the query pkt into out.  Returns its length or 0. */
size_t xfr_refuse(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap);

/*
 * Answer an AXFR or IXFR that came over UDP from peer, from the worker's
 * generation g (gen.h) inside its store batch (db gives the serial).
 * Returns the answer's length in out (cap bytes), or 0 to drop it.
 */
size_t xfr_udp(struct server *sv, const struct gen *g,
    const struct respond_db *db, const uint8_t *pkt, size_t len,
    const struct sockaddr *peer, uint8_t *out, size_t cap);

#endif

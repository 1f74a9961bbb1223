/*
 * udpbatch.h -- one batch of a UDP worker (udpbatch.c).
 *
 * Ownership: a worker owns its struct udp_bufs (udp_bufs_new(), freed
 * with udp_bufs_free()), all the memory a batch uses; udp_batch()
 * allocates nothing.  The buffers are one thread's: never shared.
 */
#ifndef DNSBLD_UDPBATCH_H
#define DNSBLD_UDPBATCH_H

/* Datagrams taken by one recvmmsg(2). */
#define UDP_BATCH	64

struct gen;
struct respond_db;
struct respond_store;
struct udp_bufs;
struct worker;

/* A worker's buffers, ready for the first batch; NULL without memory. */
struct udp_bufs *udp_bufs_new(void);

/* Free b (NULL: nothing). */
void udp_bufs_free(struct udp_bufs *b);

/*
 * Receive, answer and send one batch on the UDP socket fd for worker wk,
 * generation g, with its store reader rs and db.  block: wait in
 * recvmmsg(2) for the first datagram, until a signal interrupts it
 * (server.c's kick; else take only what is there).  Returns the
 * datagrams received (0 when interrupted, or on an error, which is
 * logged).
 */
int udp_batch(struct worker *wk, const struct gen *g, struct udp_bufs *b,
    struct respond_store *rs, const struct respond_db *db, int fd,
    int block);

#endif

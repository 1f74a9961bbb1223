/*
 * xfrmsg.h -- pack the records of a zone transfer into DNS messages.
 *
 * A struct xfr_msg builds one message at a time in a buffer the caller
 * owns: the header, the question copied from the request, then records,
 * each owner name written as its leading labels and a compression pointer
 * to the zone part of the question (the apex).  When the next record does
 * not fit, the message is handed to the caller's send function and a new
 * one begun, so however large the zone, the memory used is the one buffer.
 * With no I/O and no allocation here, the unit tests drive it directly.
 *
 * Ownership: everything is the caller's.  The query (and the packet its
 * qname_raw points into), the zctx and the buffer must outlive the
 * xfr_msg; the send function gets a pointer into the buffer, valid during
 * the call only.
 */
#ifndef DNSBLD_XFRMSG_H
#define DNSBLD_XFRMSG_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct query;
struct zctx;
struct zone_rr;

/* The most a message may hold (a TCP message), and the usual target. */
#define XFR_MSG_MAX	65535

/* Called with each finished message (len bytes, no length prefix). */
typedef int (*xfr_send_fn)(void *arg, const uint8_t *msg, size_t len);

struct xfr_msg {
	const struct query *q;
	const struct zctx *z;
	uint8_t *buf;			/* the caller's, at least cap bytes */
	size_t cap;			/* message size limit */
	struct wire_writer w;
	size_t qend;			/* end of header and question */
	size_t apex_off;		/* the apex inside the question */
	uint16_t an;			/* records in the message so far */
	int sent_any;			/* a message went out */
	xfr_send_fn send;
	void *arg;
	/* Totals, for the log. */
	uint64_t nmsg, nrr, bytes;
};

/*
 * Begin the first message for query q (already parsed, its name at or in
 * zone z) in buf, limited to cap bytes (512..XFR_MSG_MAX).
 */
void xfr_msg_init(struct xfr_msg *m, const struct query *q,
    const struct zctx *z, uint8_t *buf, size_t cap, xfr_send_fn send,
    void *arg);

/*
 * Append records; a record that does not fit sends the message and goes
 * into the next.  Each returns 0, the send function's error, or
 * DNSBL_ESPACE for a record too large for an empty message.
 */
int xfr_msg_soa(struct xfr_msg *m, uint32_t serial);
int xfr_msg_apex(struct xfr_msg *m);	/* the NS records and in-zone glue */
int xfr_msg_rr(struct xfr_msg *m, const struct zone_rr *rr); /* A and TXT */

/* Send the message being built if it holds any record. */
int xfr_msg_flush(struct xfr_msg *m);

/* Send the message being built as it is, with rcode (an error answer). */
int xfr_msg_end(struct xfr_msg *m, int rcode);

#endif

/*
 * tsig.h -- TSIG (RFC 8945) for zone transfers and NOTIFY, through ldns.
 *
 * tsig_verify() checks the TSIG that ends a request against the config's
 * top-level keys: the key named in it must exist with the same algorithm
 * (else BADKEY), the MAC must match (else BADSIG), and the time signed must
 * lie within the request's own fudge of now (else BADTIME).  The answer to
 * a BADKEY or BADSIG carries an unsigned TSIG with the error; a BADTIME
 * answer is signed, with our time in Other Data (RFC 8945 5.2.3), by
 * OpenSSL's HMAC since ldns cannot set those fields.  A verified request fills a
 * struct tsig_ctx, which then signs every message of the answer:
 * tsig_sign() turns our wire message into an ldns_pkt, signs it (the first
 * message with the request's MAC, each later one with the MAC of the one
 * before and the timers only, RFC 8945 5.3.1), and writes it back.  Only
 * TSIG'd transfers pay for ldns; the unsigned path never touches it.
 *
 * Ownership: a struct tsig_ctx lives on the transfer's stack and holds
 * ldns objects (the request's TSIG record, the last MAC) until
 * tsig_ctx_free().  The key points into the config, which outlives it.
 */
#ifndef DNSBLD_TSIG_H
#define DNSBLD_TSIG_H

#include <stddef.h>
#include <stdint.h>

struct dnsbl_config;
struct cfg_key;

/* TSIG error codes (RFC 8945 5.2, RFC 6895). */
#define TSIG_BADSIG	16
#define TSIG_BADKEY	17
#define TSIG_BADTIME	18

#define TSIG_FUDGE	300	/* of the requests we sign (NOTIFY) */

struct tsig_ctx {
	int present;			/* the request carried a TSIG */
	int error;			/* 0, or TSIG_BAD* */
	const struct cfg_key *key;	/* the key whose MAC verified, or NULL */
	uint16_t fudge;			/* the request's: used for the answer */
	void *rr;			/* ldns_rr *: the request's TSIG */
	void *mac;			/* ldns_rdf *: MAC to chain from */
	unsigned nsigned;		/* messages signed so far */
};

/*
 * 0 when the message pkt (len bytes) has no TSIG record or one only, as
 * the last record of its additional section (RFC 8945 5.1); DNSBL_EPARSE
 * when a TSIG is anywhere else or the message cannot be walked.  The
 * functions below check it before ldns reads a message from outside.
 */
int tsig_check_position(const uint8_t *pkt, size_t len);

/*
 * Check the TSIG of the request pkt (len bytes), which query_parse() said
 * ends in one.  Returns 0 with tc filled (tc->error says whether it
 * verified), DNSBL_EPARSE when ldns cannot parse the request or a TSIG is
 * out of place, or DNSBL_ENOMEM.  Free tc with tsig_ctx_free() in every
 * case.
 */
int tsig_verify(const struct dnsbl_config *cfg, const uint8_t *pkt,
    size_t len, struct tsig_ctx *tc);
void tsig_ctx_free(struct tsig_ctx *tc);

/*
 * Sign the answer message msg (len bytes, no TSIG in it) into out (cap
 * bytes) for the verified request tc; chains the MAC for the next message.
 * When tc->error is set, adds an unsigned TSIG carrying the error instead.
 * Returns 0 with *outlen set, DNSBL_ESPACE, DNSBL_EPARSE or DNSBL_ENOMEM.
 */
int tsig_sign(struct tsig_ctx *tc, const uint8_t *msg, size_t len,
    uint8_t *out, size_t cap, size_t *outlen);

/* A request's MAC, kept to verify the response to it. */
struct tsig_mac {
	uint8_t mac[64];
	size_t len;
};

/*
 * Sign a request (a NOTIFY) with key, keeping its MAC in mac.  Returns as
 * tsig_sign().
 */
int tsig_sign_request(const struct cfg_key *key, const uint8_t *msg,
    size_t len, uint8_t *out, size_t cap, size_t *outlen,
    struct tsig_mac *mac);

/*
 * Check the response pkt (len bytes) to a request signed with key whose
 * MAC was mac.  Returns 0 when it is signed and verifies, DNSBL_ENOENT when
 * it carries no TSIG, DNSBL_EREFUSED when the TSIG does not verify,
 * DNSBL_EPARSE (unreadable, or a TSIG out of place) or DNSBL_ENOMEM.
 */
int tsig_verify_response(const struct cfg_key *key, const struct tsig_mac *mac,
    const uint8_t *pkt, size_t len);

/*
 * The most bytes a TSIG record of tc's key adds to an answer: what to
 * leave free when the answer must fit a UDP size limit.
 */
size_t tsig_overhead(const struct tsig_ctx *tc);

/* The key of cfg named name (lower case), or NULL. */
const struct cfg_key *tsig_key(const struct dnsbl_config *cfg,
    const char *name);

#endif

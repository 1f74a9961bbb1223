/*
 * webguard.h -- what guards the web front end's door: the client's
 * address (through trusted proxies' X-Forwarded-For), per-client rate
 * limits of lookups and retest requests, and the CSRF token of the
 * retest form.
 *
 * Limits count per client network (an IPv4 address, an IPv6 /64) in
 * fixed windows (a minute for lookups, an hour for retest requests), in a
 * table of WG_SLOTS slots: a client whose slot another takes starts
 * afresh, so the table's memory is bounded whatever the clients.
 *
 * The CSRF token: the form page sets a cookie with a random nonce and
 * puts TIME.HMAC-SHA256(key, nonce.TIME) in the form; a POST needs both,
 * matching, younger than WG_TOKEN_AGE.  The key is random per start
 * (libcrypto's RAND_bytes), so a restart voids every form.
 *
 * Threads: one struct webguard per process, shared; its table has a mutex.
 * The caller owns the struct (webguard_init(), webguard_fini()).
 */
#ifndef DNSBL_WEBGUARD_H
#define DNSBL_WEBGUARD_H

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"

struct cfg_web;
struct errbuf;

#define WG_SLOTS	8192
#define WG_NONCE_LEN	32		/* hex digits */
#define WG_TOKEN_MAX	96
#define WG_TOKEN_AGE	7200		/* seconds a form stays valid */

enum wg_kind { WG_LOOKUP, WG_RETEST };

struct wg_slot {
	uint8_t net[17];		/* family, then 16 bytes */
	int64_t win[2];			/* start of each kind's window */
	uint32_t n[2];
};

struct webguard {
	pthread_mutex_t mu;
	struct wg_slot *tab;
	uint32_t limit[2];		/* per window; 0: none */
	uint8_t key[32];
};

int webguard_init(struct webguard *g, const struct cfg_web *w,
    struct errbuf *eb);
void webguard_fini(struct webguard *g);

/*
 * Count one request of kind by client at now: 1 if allowed, 0 if over the
 * limit (then *retry_at is when the window ends).
 */
int webguard_allow(struct webguard *g, const struct prefix *client,
    int kind, int64_t now, int64_t *retry_at);

/*
 * The client of a request: the peer sa, or, when the peer is one of w's
 * trusted_proxies, the rightmost address of xff (X-Forwarded-For, may be
 * NULL) that is not a trusted proxy.  A malformed xff from a trusted
 * proxy: the peer itself.  0, or DNSBL_EPARSE for an unknown family.
 */
int webguard_client(const struct sockaddr *sa, const char *xff,
    const struct cfg_web *w, struct prefix *client);

/* 1 if client is inside one of the n prefixes of list. */
int webguard_in(const struct prefix *client, const struct prefix *list,
    size_t n);

/* A new random nonce, WG_NONCE_LEN hex digits and a NUL. */
int webguard_nonce(char out[WG_NONCE_LEN + 1]);
/* The token for nonce at now, NUL-terminated. */
void webguard_token(const struct webguard *g, const char *nonce, int64_t now,
    char out[WG_TOKEN_MAX]);
/* 1 if token was made for nonce within WG_TOKEN_AGE before now. */
int webguard_token_ok(const struct webguard *g, const char *nonce,
    const char *token, int64_t now);

#endif

/*
 * webguard.c -- client addresses, rate limits and CSRF tokens of the web
 * front end (webguard.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "config.h"
#include "err.h"
#include "webguard.h"

static const int64_t window[2] = { 60, 3600 };

int
webguard_init(struct webguard *g, const struct cfg_web *w,
    struct errbuf *eb)
{
	memset(g, 0, sizeof(*g));
	g->limit[WG_LOOKUP] = w->lookups_per_minute;
	g->limit[WG_RETEST] = w->retests_per_hour;
	if (RAND_bytes(g->key, sizeof(g->key)) != 1)
		return errbuf_set(eb, DNSBL_EIO, "no random bytes for the "
		    "CSRF key");
	if ((g->tab = calloc(WG_SLOTS, sizeof(*g->tab))) == NULL)
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	if (pthread_mutex_init(&g->mu, NULL) != 0) {
		free(g->tab);
		g->tab = NULL;
		return errbuf_set(eb, DNSBL_EIO, "pthread_mutex_init failed");
	}
	return 0;
}

void
webguard_fini(struct webguard *g)
{
	if (g->tab == NULL)
		return;
	pthread_mutex_destroy(&g->mu);
	free(g->tab);
	OPENSSL_cleanse(g->key, sizeof(g->key));
	g->tab = NULL;
}

/* The client's network as a table key: an IPv4 address, an IPv6 /64. */
static void
net_key(const struct prefix *c, uint8_t k[17])
{
	memset(k, 0, 17);
	k[0] = (uint8_t)c->family;
	memcpy(k + 1, c->addr, c->family == ADDR_V4 ? 4 : 8);
}

static uint32_t
hash(const uint8_t *k, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

int
webguard_allow(struct webguard *g, const struct prefix *client, int kind,
    int64_t now, int64_t *retry_at)
{
	struct wg_slot *s;
	uint8_t k[17];
	int ok = 1;

	*retry_at = 0;
	if (g->limit[kind] == 0)
		return 1;
	net_key(client, k);
	pthread_mutex_lock(&g->mu);
	s = &g->tab[hash(k, sizeof(k)) % WG_SLOTS];
	if (memcmp(s->net, k, sizeof(k)) != 0) {
		memset(s, 0, sizeof(*s));
		memcpy(s->net, k, sizeof(k));
	}
	if (now >= s->win[kind] + window[kind]) {
		s->win[kind] = now;
		s->n[kind] = 0;
	}
	if (s->n[kind] >= g->limit[kind]) {
		ok = 0;
		*retry_at = s->win[kind] + window[kind];
	} else
		s->n[kind]++;
	pthread_mutex_unlock(&g->mu);
	return ok;
}

int
webguard_in(const struct prefix *client, const struct prefix *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_contains(&list[i], client))
			return 1;
	return 0;
}

int
webguard_client(const struct sockaddr *sa, const char *xff,
    const struct cfg_web *w, struct prefix *client)
{
	struct prefix peer, hop;
	struct errbuf eb;
	char item[64];
	const char *end, *start;
	size_t n;

	if (prefix_of_sockaddr(sa, &peer) != 0)
		return DNSBL_EPARSE;
	*client = peer;
	if (xff == NULL || !webguard_in(&peer, w->trusted_proxies,
	    w->ntrusted_proxies))
		return 0;
	/* From the right: the first hop no trusted proxy added. */
	end = xff + strlen(xff);
	while (end > xff) {
		for (start = end; start > xff && start[-1] != ','; start--)
			;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		n = (size_t)(end - start);
		while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(item) || memchr(start, '/', n))
			return 0;
		memcpy(item, start, n);
		item[n] = '\0';
		if (prefix_parse(item, &hop, &eb) != 0 ||
		    hop.len != addr_bits(hop.family))
			return 0;
		*client = hop;
		if (!webguard_in(&hop, w->trusted_proxies,
		    w->ntrusted_proxies))
			return 0;
		end = start > xff ? start - 1 : xff;
		while (end > xff && end[-1] == ',')
			end--;
	}
	return 0;
}

int
webguard_nonce(char out[WG_NONCE_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t r[WG_NONCE_LEN / 2];
	size_t i;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return DNSBL_EIO;
	for (i = 0; i < sizeof(r); i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[WG_NONCE_LEN] = '\0';
	return 0;
}

static void
mac(const struct webguard *g, const char *nonce, long long t, char *hexout)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char msg[WG_NONCE_LEN + 32];
	int n;

	n = snprintf(msg, sizeof(msg), "%.*s.%lld", WG_NONCE_LEN, nonce, t);
	HMAC(EVP_sha256(), g->key, sizeof(g->key), (const unsigned char *)msg,
	    (size_t)n, md, &mdlen);
	for (i = 0; i < mdlen && i < 32; i++) {
		hexout[2 * i] = hex[md[i] >> 4];
		hexout[2 * i + 1] = hex[md[i] & 15];
	}
	hexout[2 * i] = '\0';
}

void
webguard_token(const struct webguard *g, const char *nonce, int64_t now,
    char out[WG_TOKEN_MAX])
{
	char h[65];

	mac(g, nonce, (long long)now, h);
	snprintf(out, WG_TOKEN_MAX, "%lld.%s", (long long)now, h);
}

int
webguard_token_ok(const struct webguard *g, const char *nonce,
    const char *token, int64_t now)
{
	char h[65], *end;
	long long t;

	if (nonce == NULL || token == NULL ||
	    strlen(nonce) != WG_NONCE_LEN ||
	    strspn(nonce, "0123456789abcdef") != WG_NONCE_LEN)
		return 0;
	t = strtoll(token, &end, 10);
	if (end == token || *end != '.' || t > now || now - t > WG_TOKEN_AGE)
		return 0;
	mac(g, nonce, t, h);
	return strlen(end + 1) == 64 && CRYPTO_memcmp(h, end + 1, 64) == 0;
}

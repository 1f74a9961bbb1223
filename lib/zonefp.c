/*
 * zonefp.c -- the digest of what a zone's records depend on (see zonefp.h).
 *
 * Each field goes in with its length in front, so that no two configs
 * make the same byte string.
 */
#include <string.h>

#include <openssl/evp.h>

#include "config.h"
#include "err.h"
#include "zonefp.h"

static void
put(EVP_MD_CTX *c, const void *p, size_t n)
{
	uint8_t len[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16),
	    (uint8_t)(n >> 8), (uint8_t)n };

	EVP_DigestUpdate(c, len, 4);
	EVP_DigestUpdate(c, p, n);
}

static void
put_str(EVP_MD_CTX *c, const char *s)
{
	if (s == NULL)
		put(c, "\xff", 1);	/* absent, unlike "" */
	else
		put(c, s, strlen(s));
}

static void
put_u32(EVP_MD_CTX *c, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	put(c, b, 4);
}

int
zonefp(const struct cfg_zone *cz, uint8_t fp[ZONEFP_LEN])
{
	EVP_MD_CTX *c;
	unsigned n = 0;
	size_t i;

	if ((c = EVP_MD_CTX_new()) == NULL)
		return DNSBL_ENOMEM;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return DNSBL_ENOMEM;
	}
	put(c, "dnsbl zone 1", 12);
	put_str(c, cz->name.text);
	put_u32(c, cz->ttl);
	put_str(c, cz->soa.mname.text);
	put_str(c, cz->soa.rname.text);
	put_u32(c, cz->soa.ttl);
	put_u32(c, cz->soa.refresh);
	put_u32(c, cz->soa.retry);
	put_u32(c, cz->soa.expire);
	put_u32(c, cz->soa.minimum);
	put_u32(c, (uint32_t)cz->nns);
	for (i = 0; i < cz->nns; i++)
		put_str(c, cz->ns[i].text);
	put_u32(c, (uint32_t)cz->nglue);
	for (i = 0; i < cz->nglue; i++) {
		put_str(c, cz->glue[i].name.text);
		put(c, &cz->glue[i].addr.family, 1);
		put(c, cz->glue[i].addr.addr, 16);
	}
	put(c, cz->a, 4);
	put_str(c, cz->txt);
	put_u32(c, (uint32_t)cz->ncodes);
	for (i = 0; i < cz->ncodes; i++) {
		put_str(c, cz->codes[i].name);
		put(c, cz->codes[i].a, 4);
		put_str(c, cz->codes[i].txt);
	}
	EVP_DigestFinal_ex(c, fp, &n);
	EVP_MD_CTX_free(c);
	return n == ZONEFP_LEN ? 0 : DNSBL_EINVAL;
}

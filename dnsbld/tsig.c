/*
 * tsig.c -- TSIG verification and signing with ldns (see tsig.h).
 *
 * ldns does the HMAC; this file decides which key applies, checks the
 * parts ldns leaves to its caller (key name, algorithm, time), and moves
 * messages between our wire buffers and ldns_pkt.  Every ldns object made
 * here is freed before return, except the two a struct tsig_ctx keeps
 * (the request's TSIG record and the MAC to chain from), which
 * tsig_ctx_free() releases.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldns/ldns.h>

#include "config.h"
#include "err.h"
#include "tsig.h"

/* ldns's name of an algorithm (it compares with a trailing dot). */
static const char *
alg_name(const char *alg)
{
	if (strcasecmp(alg, "hmac-md5") == 0)
		return "hmac-md5.sig-alg.reg.int.";
	if (strcasecmp(alg, "hmac-sha1") == 0)
		return "hmac-sha1.";
	if (strcasecmp(alg, "hmac-sha224") == 0)
		return "hmac-sha224.";
	if (strcasecmp(alg, "hmac-sha256") == 0)
		return "hmac-sha256.";
	if (strcasecmp(alg, "hmac-sha384") == 0)
		return "hmac-sha384.";
	if (strcasecmp(alg, "hmac-sha512") == 0)
		return "hmac-sha512.";
	return alg;
}

const struct cfg_key *
tsig_key(const struct dnsbl_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nkeys; i++)
		if (strcasecmp(cfg->keys[i].name.text, name) == 0)
			return &cfg->keys[i];
	return NULL;
}

/* A dname rdf as text without the trailing dot, lower case; malloc'd. */
static char *
dname_text(const ldns_rdf *d)
{
	char *s = ldns_rdf2str(d), *p;
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if (n > 1 && s[n - 1] == '.')
		s[n - 1] = '\0';
	for (p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return s;
}

static uint64_t
rdf_u48(const ldns_rdf *r)
{
	const uint8_t *p = ldns_rdf_data(r);
	uint64_t v = 0;
	size_t i;

	if (ldns_rdf_size(r) != 6)
		return 0;
	for (i = 0; i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

int
tsig_verify(const struct dnsbl_config *cfg, const uint8_t *pkt, size_t len,
    struct tsig_ctx *tc)
{
	ldns_pkt *p = NULL;
	ldns_rr *rr;
	char *kname = NULL, *aname = NULL;
	const struct cfg_key *key;
	int64_t now, signed_at;
	uint16_t fudge;
	int rc = 0;

	memset(tc, 0, sizeof(*tc));
	tc->present = 1;
	if (ldns_wire2pkt(&p, pkt, len) != LDNS_STATUS_OK)
		return DNSBL_EPARSE;
	if ((rr = ldns_pkt_tsig(p)) == NULL || ldns_rr_rd_count(rr) < 7) {
		rc = DNSBL_EPARSE;
		goto done;
	}
	if ((tc->rr = ldns_rr_clone(rr)) == NULL) {
		rc = DNSBL_ENOMEM;
		goto done;
	}
	kname = dname_text(ldns_rr_owner(rr));
	aname = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	if (kname == NULL || aname == NULL) {
		rc = DNSBL_ENOMEM;
		goto done;
	}
	key = tsig_key(cfg, kname);
	if (key == NULL || strcasecmp(alg_name(key->algorithm), aname) != 0) {
		tc->error = TSIG_BADKEY;
		goto done;
	}
	if (!ldns_pkt_tsig_verify(p, pkt, len, key->name.text, key->secret,
	    NULL)) {
		tc->error = TSIG_BADSIG;
		goto done;
	}
	signed_at = (int64_t)rdf_u48(ldns_rr_rdf(rr, 1));
	fudge = ldns_rdf2native_int16(ldns_rr_rdf(rr, 2));
	now = (int64_t)time(NULL);
	if (now - signed_at > fudge || signed_at - now > fudge) {
		tc->error = TSIG_BADTIME;
		goto done;
	}
	if ((tc->mac = ldns_rdf_clone(ldns_rr_rdf(rr, 3))) == NULL) {
		rc = DNSBL_ENOMEM;
		goto done;
	}
	tc->key = key;
done:
	free(kname);
	free(aname);
	ldns_pkt_free(p);
	return rc;
}

void
tsig_ctx_free(struct tsig_ctx *tc)
{
	if (tc->rr != NULL)
		ldns_rr_free(tc->rr);
	if (tc->mac != NULL)
		ldns_rdf_deep_free(tc->mac);
	tc->rr = tc->mac = NULL;
}

/* Copy p's wire form into out. */
static int
pkt_out(ldns_pkt *p, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t *w = NULL;
	size_t n = 0;

	if (ldns_pkt2wire(&w, p, &n) != LDNS_STATUS_OK)
		return DNSBL_ENOMEM;
	if (n > cap) {
		free(w);
		return DNSBL_ESPACE;
	}
	memcpy(out, w, n);
	free(w);
	*outlen = n;
	return 0;
}

/* The request's TSIG with an empty MAC and error set (RFC 8945 5.3.2). */
static int
error_tsig(struct tsig_ctx *tc, ldns_pkt *p)
{
	ldns_rr *rr;
	ldns_rdf *r;
	uint8_t z[2] = { 0, 0 };

	if (tc->rr == NULL)
		return DNSBL_EPARSE;
	if ((rr = ldns_rr_clone(tc->rr)) == NULL)
		return DNSBL_ENOMEM;
	r = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 2, z);
	if (r != NULL)
		ldns_rdf_deep_free(ldns_rr_set_rdf(rr, r, 3));
	r = ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, (uint16_t)tc->error);
	if (r != NULL)
		ldns_rdf_deep_free(ldns_rr_set_rdf(rr, r, 5));
	r = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 2, z);
	if (r != NULL)
		ldns_rdf_deep_free(ldns_rr_set_rdf(rr, r, 6));
	ldns_pkt_set_tsig(p, rr);
	return 0;
}

int
tsig_sign(struct tsig_ctx *tc, const uint8_t *msg, size_t len, uint8_t *out,
    size_t cap, size_t *outlen)
{
	ldns_pkt *p = NULL;
	ldns_rr *rr;
	int rc;

	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return DNSBL_EPARSE;
	if (tc->error != 0 || tc->key == NULL) {
		if ((rc = error_tsig(tc, p)) != 0)
			goto done;
		rc = pkt_out(p, out, cap, outlen);
		goto done;
	}
	if (ldns_pkt_tsig_sign_next(p, tc->key->name.text, tc->key->secret,
	    TSIG_FUDGE, alg_name(tc->key->algorithm), tc->mac,
	    tc->nsigned > 0) != LDNS_STATUS_OK) {
		rc = DNSBL_EPARSE;
		goto done;
	}
	if ((rr = ldns_pkt_tsig(p)) == NULL || ldns_rr_rd_count(rr) < 4) {
		rc = DNSBL_EPARSE;
		goto done;
	}
	ldns_rdf_deep_free(tc->mac);
	if ((tc->mac = ldns_rdf_clone(ldns_rr_rdf(rr, 3))) == NULL) {
		rc = DNSBL_ENOMEM;
		goto done;
	}
	tc->nsigned++;
	rc = pkt_out(p, out, cap, outlen);
done:
	ldns_pkt_free(p);
	return rc;
}

int
tsig_sign_request(const struct cfg_key *key, const uint8_t *msg, size_t len,
    uint8_t *out, size_t cap, size_t *outlen)
{
	ldns_pkt *p = NULL;
	int rc;

	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return DNSBL_EPARSE;
	if (ldns_pkt_tsig_sign(p, key->name.text, key->secret, TSIG_FUDGE,
	    alg_name(key->algorithm), NULL) != LDNS_STATUS_OK)
		rc = DNSBL_EPARSE;
	else
		rc = pkt_out(p, out, cap, outlen);
	ldns_pkt_free(p);
	return rc;
}

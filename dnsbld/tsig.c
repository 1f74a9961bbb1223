/*
 * tsig.c -- TSIG verification and signing with ldns (see tsig.h).
 *
 * ldns does the HMAC; this file decides which key applies, checks the
 * parts ldns leaves to its caller (key name, algorithm, time), and moves
 * messages between our wire buffers and ldns_pkt.  Every ldns object made
 * here is freed before return, except the two a struct tsig_ctx keeps
 * (the request's TSIG record and the MAC to chain from), which
 * tsig_ctx_free() releases.  A message from outside reaches ldns only
 * once tsig_check_position() has found its TSIG alone and last: ldns
 * keeps only the last of several and loses the others' memory.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "config.h"
#include "err.h"
#include "query.h"
#include "tsig.h"
#include "wire.h"

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
tsig_check_position(const uint8_t *pkt, size_t len)
{
	struct wire_reader r;
	uint16_t qd, an, ns, ar, type, rdlen;
	unsigned i, n;

	wire_reader_init(&r, pkt, len);
	(void)wire_skip(&r, 4);			/* id, flags */
	qd = wire_u16(&r);
	an = wire_u16(&r);
	ns = wire_u16(&r);
	ar = wire_u16(&r);
	for (i = 0; i < qd && !r.err; i++) {
		wire_skip_name(&r);
		(void)wire_skip(&r, 4);		/* type, class */
	}
	n = (unsigned)an + ns + ar;
	for (i = 0; i < n && !r.err; i++) {
		wire_skip_name(&r);
		type = wire_u16(&r);
		(void)wire_skip(&r, 6);		/* class, TTL */
		rdlen = wire_u16(&r);
		(void)wire_skip(&r, rdlen);
		if (!r.err && type == T_TSIG && (i + 1 != n || ar == 0))
			return DNSBL_EPARSE;	/* RFC 8945 5.1 */
	}
	return r.err ? DNSBL_EPARSE : 0;
}

/*
 * ldns_pkt_tsig_verify() for the key named name with secret, chaining from
 * req_mac (NULL for a request).  ldns takes the TSIG record out of p while
 * it computes the MAC and does not put it back when that fails (an
 * algorithm it does not know, a secret it cannot decode): the record is
 * then freed here, so p always owns what it holds.
 */
static int
mac_ok(ldns_pkt *p, const uint8_t *pkt, size_t len, const char *name,
    const char *secret, const ldns_rdf *req_mac)
{
	ldns_rr *rr = ldns_pkt_tsig(p);
	bool ok;

	ok = ldns_pkt_tsig_verify(p, pkt, len, name, secret, req_mac);
	if (rr != NULL && ldns_pkt_tsig(p) == NULL)
		ldns_rr_free(rr);
	return ok;
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
	if (tsig_check_position(pkt, len) != 0 ||
	    ldns_wire2pkt(&p, pkt, len) != LDNS_STATUS_OK)
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
	if (!mac_ok(p, pkt, len, key->name.text, key->secret, NULL)) {
		tc->error = TSIG_BADSIG;
		goto done;
	}
	/* The MAC is good: from here on the answer is signed, even a
	 * BADTIME (RFC 8945 5.2.3), with the request's own fudge. */
	signed_at = (int64_t)rdf_u48(ldns_rr_rdf(rr, 1));
	fudge = ldns_rdf2native_int16(ldns_rr_rdf(rr, 2));
	tc->fudge = fudge;
	if ((tc->mac = ldns_rdf_clone(ldns_rr_rdf(rr, 3))) == NULL) {
		rc = DNSBL_ENOMEM;
		goto done;
	}
	tc->key = key;
	now = (int64_t)time(NULL);
	if (now - signed_at > fudge || signed_at - now > fudge)
		tc->error = TSIG_BADTIME;
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

/* ---- BADTIME: signed, with our time in Other Data (RFC 8945 5.2.3) ----
 *
 * ldns signs with an error of 0 and no Other Data only, so this one answer
 * is signed here, with OpenSSL's HMAC over the fields RFC 8945 4.3.3
 * lists: the request's MAC, the message, then the TSIG variables.
 */

static const EVP_MD *
alg_md(const char *alg)
{
	static const struct { const char *alg, *md; } t[] = {
		{ "hmac-md5", "md5" }, { "hmac-sha1", "sha1" },
		{ "hmac-sha224", "sha224" }, { "hmac-sha256", "sha256" },
		{ "hmac-sha384", "sha384" }, { "hmac-sha512", "sha512" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasecmp(alg, t[i].alg) == 0)
			return EVP_get_digestbyname(t[i].md);
	return NULL;
}

/* A presentation name ("hmac-sha256.") in wire form; its length or 0. */
static size_t
name_wire(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0, l;
	const char *dot;

	while (*s != '\0') {
		dot = strchr(s, '.');
		l = dot ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63 || n + 1 + l + 1 > cap)
			return 0;
		out[n++] = (uint8_t)l;
		for (; l > 0; l--, s++)
			out[n++] = (uint8_t)(*s >= 'A' && *s <= 'Z' ? *s + 32 :
			    *s);
		if (*s == '.')
			s++;
	}
	out[n++] = 0;
	return n;
}

static int
sign_badtime(struct tsig_ctx *tc, const uint8_t *msg, size_t len,
    uint8_t *out, size_t cap, size_t *outlen)
{
	const struct cfg_key *key = tc->key;
	const EVP_MD *md = alg_md(key->algorithm);
	const ldns_rdf *rm = tc->mac;
	uint8_t secret[512], alg[64], vars[600], mac[EVP_MAX_MD_SIZE];
	uint8_t now6[6], *hin;
	size_t alen, slen, vlen = 0, hlen, i;
	uint64_t now = (uint64_t)time(NULL);
	unsigned maclen = 0;
	int n;

	if (md == NULL || (alen = name_wire(alg_name(key->algorithm), alg,
	    sizeof(alg))) == 0)
		return DNSBL_EINVAL;
	slen = strlen(key->secret);
	if (slen > 4 * (sizeof(secret) / 3) || (n = EVP_DecodeBlock(secret,
	    (const unsigned char *)key->secret, (int)slen)) < 0)
		return DNSBL_EPARSE;
	for (i = slen; i > 0 && key->secret[i - 1] == '='; i--)
		n--;		/* EVP_DecodeBlock counts the padding */
	for (i = 0; i < 6; i++)
		now6[i] = (uint8_t)(now >> (8 * (5 - i)));
	/* The TSIG variables, after the key name: class ANY, TTL 0. */
	memcpy(vars, key->name.wire, key->name.wirelen);
	vlen = key->name.wirelen;
	vars[vlen++] = 0; vars[vlen++] = 255;
	memset(vars + vlen, 0, 4);
	vlen += 4;
	memcpy(vars + vlen, alg, alen);
	vlen += alen;
	memcpy(vars + vlen, now6, 6);
	vlen += 6;
	vars[vlen++] = (uint8_t)(tc->fudge >> 8);
	vars[vlen++] = (uint8_t)tc->fudge;
	vars[vlen++] = 0; vars[vlen++] = TSIG_BADTIME;
	vars[vlen++] = 0; vars[vlen++] = 6;
	memcpy(vars + vlen, now6, 6);
	vlen += 6;
	/* HMAC(request MAC with its size, message, variables). */
	hlen = ldns_rdf_size(rm) + len + vlen;
	if ((hin = malloc(hlen)) == NULL)
		return DNSBL_ENOMEM;
	memcpy(hin, ldns_rdf_data(rm), ldns_rdf_size(rm));
	memcpy(hin + ldns_rdf_size(rm), msg, len);
	memcpy(hin + ldns_rdf_size(rm) + len, vars, vlen);
	if (HMAC(md, secret, n, hin, hlen, mac, &maclen) == NULL) {
		free(hin);
		return DNSBL_EINVAL;
	}
	free(hin);
	/* The message, one more additional record, then the TSIG RR. */
	if (len < 12 || len + key->name.wirelen + 10 + alen + 16 + maclen +
	    6 + 6 > cap)
		return DNSBL_ESPACE;
	memcpy(out, msg, len);
	n = (out[10] << 8 | out[11]) + 1;
	out[10] = (uint8_t)(n >> 8);
	out[11] = (uint8_t)n;
	hlen = len;
	memcpy(out + hlen, key->name.wire, key->name.wirelen);
	hlen += key->name.wirelen;
	out[hlen++] = 0; out[hlen++] = 250;		/* TSIG */
	out[hlen++] = 0; out[hlen++] = 255;		/* ANY */
	memset(out + hlen, 0, 4);
	hlen += 4;
	i = alen + 6 + 2 + 2 + maclen + 2 + 2 + 2 + 6;
	out[hlen++] = (uint8_t)(i >> 8);
	out[hlen++] = (uint8_t)i;
	memcpy(out + hlen, alg, alen);
	hlen += alen;
	memcpy(out + hlen, now6, 6);
	hlen += 6;
	out[hlen++] = (uint8_t)(tc->fudge >> 8);
	out[hlen++] = (uint8_t)tc->fudge;
	out[hlen++] = (uint8_t)(maclen >> 8);
	out[hlen++] = (uint8_t)maclen;
	memcpy(out + hlen, mac, maclen);
	hlen += maclen;
	out[hlen++] = msg[0];				/* original id */
	out[hlen++] = msg[1];
	out[hlen++] = 0; out[hlen++] = TSIG_BADTIME;
	out[hlen++] = 0; out[hlen++] = 6;
	memcpy(out + hlen, now6, 6);
	hlen += 6;
	*outlen = hlen;
	tc->nsigned++;
	return 0;
}

int
tsig_sign(struct tsig_ctx *tc, const uint8_t *msg, size_t len, uint8_t *out,
    size_t cap, size_t *outlen)
{
	ldns_pkt *p = NULL;
	ldns_rr *rr;
	int rc;

	if (tc->error == TSIG_BADTIME && tc->key != NULL)
		return sign_badtime(tc, msg, len, out, cap, outlen);
	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return DNSBL_EPARSE;
	if (tc->error != 0 || tc->key == NULL) {
		if ((rc = error_tsig(tc, p)) != 0)
			goto done;
		rc = pkt_out(p, out, cap, outlen);
		goto done;
	}
	if (ldns_pkt_tsig_sign_next(p, tc->key->name.text, tc->key->secret,
	    tc->fudge, alg_name(tc->key->algorithm), tc->mac,
	    tc->nsigned > 0) != LDNS_STATUS_OK) {
		rc = DNSBL_EPARSE;
		goto done;
	}
	if ((rr = ldns_pkt_tsig(p)) == NULL || ldns_rr_rd_count(rr) < 4) {
		rc = DNSBL_EPARSE;
		goto done;
	}
	/* Out first: a message too large leaves the chain as it was. */
	if ((rc = pkt_out(p, out, cap, outlen)) != 0)
		goto done;
	ldns_rdf_deep_free(tc->mac);
	if ((tc->mac = ldns_rdf_clone(ldns_rr_rdf(rr, 3))) == NULL) {
		rc = DNSBL_ENOMEM;
		goto done;
	}
	tc->nsigned++;
done:
	ldns_pkt_free(p);
	return rc;
}

int
tsig_sign_request(const struct cfg_key *key, const uint8_t *msg, size_t len,
    uint8_t *out, size_t cap, size_t *outlen, struct tsig_mac *mac)
{
	ldns_pkt *p = NULL;
	ldns_rr *rr;
	ldns_rdf *m;
	int rc;

	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return DNSBL_EPARSE;
	if (ldns_pkt_tsig_sign(p, key->name.text, key->secret, TSIG_FUDGE,
	    alg_name(key->algorithm), NULL) != LDNS_STATUS_OK ||
	    (rr = ldns_pkt_tsig(p)) == NULL || ldns_rr_rd_count(rr) < 4 ||
	    (m = ldns_rr_rdf(rr, 3)) == NULL)
		rc = DNSBL_EPARSE;
	else if (ldns_rdf_size(m) < 2 || ldns_rdf_size(m) - 2 >
	    sizeof(mac->mac))
		rc = DNSBL_ESPACE;
	else {
		/* The rdf is the MAC with its 2-byte size in front. */
		mac->len = ldns_rdf_size(m) - 2;
		memcpy(mac->mac, ldns_rdf_data(m) + 2, mac->len);
		rc = pkt_out(p, out, cap, outlen);
	}
	ldns_pkt_free(p);
	return rc;
}

int
tsig_verify_response(const struct cfg_key *key, const struct tsig_mac *mac,
    const uint8_t *pkt, size_t len)
{
	ldns_pkt *p = NULL;
	ldns_rdf *req = NULL;
	uint8_t buf[2 + sizeof(mac->mac)];
	int rc = 0;

	if (tsig_check_position(pkt, len) != 0 ||
	    ldns_wire2pkt(&p, pkt, len) != LDNS_STATUS_OK)
		return DNSBL_EPARSE;
	buf[0] = (uint8_t)(mac->len >> 8);
	buf[1] = (uint8_t)mac->len;
	memcpy(buf + 2, mac->mac, mac->len);
	if (ldns_pkt_tsig(p) == NULL)
		rc = DNSBL_ENOENT;
	else if ((req = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA,
	    2 + mac->len, buf)) == NULL)
		rc = DNSBL_ENOMEM;
	else if (!mac_ok(p, pkt, len, key->name.text, key->secret, req))
		rc = DNSBL_EREFUSED;
	ldns_rdf_deep_free(req);
	ldns_pkt_free(p);
	return rc;
}

size_t
tsig_overhead(const struct tsig_ctx *tc)
{
	/* Owner, type, class, TTL, rdlength; the longest algorithm name
	 * ("hmac-md5.sig-alg.reg.int.": 26 bytes), time, fudge, MAC size,
	 * a MAC of up to 64 bytes, original id, error, other data (6). */
	size_t owner = tc->key != NULL ? tc->key->name.wirelen : 255;

	return owner + 10 + 26 + 6 + 2 + 2 + 64 + 2 + 2 + 2 + 6;
}

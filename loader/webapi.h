/*
 * webapi.h -- the web front end's JSON API (docs/web.md, "JSON API"):
 * the same facts as the pages, as objects.  Each function writes one
 * whole document into a new string (*out, freed by the caller) and
 * returns 0, or DNSBL_ENOMEM.  No state.
 */
#ifndef DNSBL_WEBAPI_H
#define DNSBL_WEBAPI_H

#include <stddef.h>
#include <stdint.h>

struct web_lookup;
struct webpage_retest;

/* GET /api/v1/lookup: {"ip", "time", "url", "listed", "zones": [...]}. */
int webapi_lookup(const struct web_lookup *wl, const char *public_url,
    char **out, size_t *len);
/* POST /api/v1/retest: {"id", "ip", "zone"} or an error object. */
int webapi_retest(const struct webpage_retest *r, char **out, size_t *len);
/* {"error": {"code", "message", "retry_at"}}; retry_at 0: null. */
int webapi_error(const char *code, const char *message, int64_t retry_at,
    char **out, size_t *len);

#endif

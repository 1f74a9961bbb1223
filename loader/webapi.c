/*
 * webapi.c -- the web front end's JSON documents (webapi.h), written with
 * the loader's JSON writer (json.h) into a memory stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "webapi.h"
#include "weblookup.h"
#include "webpage.h"

static int
finish(FILE *f, char **out, size_t *len)
{
	if (ferror(f)) {
		fclose(f);
		free(*out);
		*out = NULL;
		return DNSBL_ENOMEM;
	}
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return DNSBL_ENOMEM;
	}
	(void)len;
	return 0;
}

/* A comma-separated list of numbers as an array. */
static void
numbers(struct json *j, const char *s)
{
	char *end;
	long v;

	json_arr_open(j);
	while (*s) {
		v = strtol(s, &end, 10);
		if (end == s)
			break;
		json_int(j, v);
		s = *end == ',' ? end + 1 : end;
	}
	json_arr_close(j);
}

static void
evidence(struct json *j, const struct web_evidence *ev)
{
	const char *p, *nl;

	if (!ev->have) {
		json_null(j);
		return;
	}
	json_obj_open(j);
	json_key(j, "tested_at"); json_time(j, ev->tested_at);
	json_key(j, "result"); json_str(j, ev->result);
	json_key(j, "server"); json_str(j, ev->server[0] ? ev->server : NULL);
	json_key(j, "tester"); json_str(j, ev->tester[0] ? ev->tester : NULL);
	json_key(j, "helo"); json_str(j, ev->helo[0] ? ev->helo : NULL);
	json_key(j, "forms_accepted"); numbers(j, ev->forms);
	json_key(j, "forms_delivered"); numbers(j, ev->delivered);
	json_key(j, "transcript");
	json_arr_open(j);
	for (p = ev->lines; p != NULL && *p; p = nl + 1) {
		char line[1100];
		size_t n;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		n = (size_t)(nl - p) < sizeof(line) - 1 ?
		    (size_t)(nl - p) : sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		json_str(j, line);
	}
	json_arr_close(j);
	json_key(j, "transcript_cut"); json_bool(j, ev->cut);
	json_obj_close(j);
}

static void
zone(struct json *j, const struct web_zone *z)
{
	size_t k;

	json_obj_open(j);
	json_key(j, "zone"); json_str(j, z->zone);
	json_key(j, "listed"); json_bool(j, z->listed);
	json_key(j, "test_entry"); json_bool(j, z->test);
	json_key(j, "listed_by"); json_str(j, z->listed_by[0] ? z->listed_by :
	    NULL);
	json_key(j, "cidr"); json_bool(j, z->cidr);
	json_key(j, "excluded"); json_bool(j, z->excluded);
	json_key(j, "excluded_by");
	json_str(j, z->excluded ? z->excluded_by : NULL);
	json_key(j, "code"); json_str(j, z->listed ? z->code : NULL);
	json_key(j, "code_name");
	json_str(j, z->code_name[0] ? z->code_name : NULL);
	json_key(j, "txt"); json_str(j, z->listed ? z->txt : NULL);
	json_key(j, "entry");
	if (!z->have_entry || z->test)
		json_null(j);
	else {
		json_obj_open(j);
		json_key(j, "prefix"); json_str(j, z->entry_prefix);
		json_key(j, "state"); json_str(j, z->state);
		json_key(j, "reason");
		json_str(j, z->reason[0] ? z->reason : NULL);
		json_key(j, "first_listed"); json_time(j, z->first_listed);
		json_key(j, "listed_since");
		json_time(j, z->listed ? z->listed_since : 0);
		json_key(j, "last_tested"); json_time(j, z->last_tested);
		json_key(j, "last_result"); json_str(j, z->last_result);
		json_key(j, "last_confirmed"); json_time(j, z->last_confirmed);
		json_key(j, "delisted_at"); json_time(j, z->delisted_at);
		json_key(j, "held_until"); json_time(j, z->hold_until);
		json_key(j, "times_listed"); json_int(j, z->times_listed);
		json_obj_close(j);
	}
	json_key(j, "evidence"); evidence(j, &z->ev);
	json_key(j, "retest");
	json_obj_open(j);
	json_key(j, "open"); json_bool(j, z->retest_open);
	json_key(j, "id");
	if (z->retest_open)
		json_int(j, (int64_t)z->retest_id);
	else
		json_null(j);
	json_key(j, "requested_at"); json_time(j, z->retest_requested);
	json_key(j, "last_answered_at"); json_time(j, z->retest_resolved);
	json_key(j, "last_result"); json_str(j, z->retest_result);
	json_key(j, "possible"); json_bool(j, z->retest_possible);
	json_key(j, "possible_from"); json_time(j, z->retest_from);
	json_key(j, "why_not");
	json_str(j, z->retest_why[0] ? z->retest_why : NULL);
	json_obj_close(j);
	json_key(j, "history");
	json_arr_open(j);
	for (k = 0; k < z->nhist; k++) {
		json_obj_open(j);
		json_key(j, "time"); json_time(j, z->hist[k].time);
		json_key(j, "action"); json_str(j, z->hist[k].action);
		json_key(j, "result"); json_str(j, z->hist[k].result);
		json_obj_close(j);
	}
	json_arr_close(j);
	json_obj_close(j);
}

int
webapi_lookup(const struct web_lookup *wl, const char *public_url,
    char **out, size_t *len)
{
	struct json j;
	char url[600];
	size_t i;
	int any = 0;
	FILE *f;

	*out = NULL;
	if ((f = open_memstream(out, len)) == NULL)
		return DNSBL_ENOMEM;
	for (i = 0; i < wl->nz; i++)
		any |= wl->z[i].listed;
	snprintf(url, sizeof(url), "%s/lookup?ip=%s", public_url, wl->ip);
	json_init(&j, f);
	json_obj_open(&j);
	json_key(&j, "ip"); json_str(&j, wl->ip);
	json_key(&j, "time"); json_time(&j, wl->now);
	json_key(&j, "url"); json_str(&j, url);
	json_key(&j, "listed"); json_bool(&j, any);
	json_key(&j, "zones");
	json_arr_open(&j);
	for (i = 0; i < wl->nz; i++)
		zone(&j, &wl->z[i]);
	json_arr_close(&j);
	json_obj_close(&j);
	json_end(&j);
	return finish(f, out, len);
}

int
webapi_error(const char *code, const char *message, int64_t retry_at,
    char **out, size_t *len)
{
	struct json j;
	FILE *f;

	*out = NULL;
	if ((f = open_memstream(out, len)) == NULL)
		return DNSBL_ENOMEM;
	json_init(&j, f);
	json_obj_open(&j);
	json_key(&j, "error");
	json_obj_open(&j);
	json_key(&j, "code"); json_str(&j, code);
	json_key(&j, "message"); json_str(&j, message);
	json_key(&j, "retry_at"); json_time(&j, retry_at);
	json_obj_close(&j);
	json_obj_close(&j);
	json_end(&j);
	return finish(f, out, len);
}

int
webapi_retest(const struct webpage_retest *r, char **out, size_t *len)
{
	struct json j;
	FILE *f;

	if (!r->ok)
		return webapi_error(r->retry_at ? "rate_limited" : "refused",
		    r->message, r->retry_at, out, len);
	*out = NULL;
	if ((f = open_memstream(out, len)) == NULL)
		return DNSBL_ENOMEM;
	json_init(&j, f);
	json_obj_open(&j);
	json_key(&j, "id"); json_int(&j, (int64_t)r->id);
	json_key(&j, "ip"); json_str(&j, r->ip);
	json_key(&j, "zone"); json_str(&j, r->zone);
	json_obj_close(&j);
	json_end(&j);
	return finish(f, out, len);
}

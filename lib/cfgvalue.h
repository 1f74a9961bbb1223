/*
 * cfgvalue.h -- parsers of single configuration values.
 *
 * These turn one scalar of the YAML configuration into its binary form:
 * numbers, sizes with K/M/G/T suffixes, durations, base64 checks.  The
 * public ones (dname_parse, endpoint_parse, duration_parse) are declared in
 * config.h; the ones here serve config.c only.  None allocates or keeps
 * state.
 */
#ifndef DNSBL_CFGVALUE_H
#define DNSBL_CFGVALUE_H

#include <stddef.h>
#include <stdint.h>

/* Values past this are "out of range" for every numeric key. */
#define CFG_NUM_MAX	UINT64_C(0xffffffffffff)

/*
 * Plain decimal digits.  Returns 0, DNSBL_EPARSE (not a number) or
 * DNSBL_ERANGE (over CFG_NUM_MAX).
 */
int cfg_uint_parse(const char *s, uint64_t *out);

/* "90d", "12h", "30m", "45s", "1w", "1d12h" or plain seconds; as above. */
int cfg_duration_parse(const char *s, uint64_t *out);

/* Bytes with an optional K, M, G or T suffix (powers of 1024); as above. */
int cfg_size_parse(const char *s, uint64_t *out);

/* 1 if s is non-empty, well-padded base64 ("A-Za-z0-9+/", '=' at the end). */
int cfg_base64_ok(const char *s);

/* Format a size, with the largest suffix that divides it: "1G", "1536K". */
void cfg_size_format(uint64_t v, char *buf, size_t n);

#endif

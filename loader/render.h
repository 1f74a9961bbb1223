/*
 * render.h -- text the loader prints: TXT templates with the address
 * filled in, intervals broken into CIDRs, and master-file quoting.
 * All buffers belong to the caller; nothing here allocates.
 */
#ifndef DNSBL_RENDER_H
#define DNSBL_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

/* Copy tmpl to out (size n) with every '$' replaced by addr; truncates. */
void txt_render(const char *tmpl, const char *addr, char *out, size_t n);

/*
 * Call fn for each CIDR of the smallest set that covers exactly
 * [first, last] (network order, family's length).  Stops on non-zero.
 */
typedef int (*cidr_fn)(const struct prefix *p, void *arg);
int interval_cidrs(int family, const uint8_t *first, const uint8_t *last,
    cidr_fn fn, void *arg);

/*
 * Write s as one or more master-file character-strings ("..." "..."), each
 * at most 255 bytes, escaping '"', '\\' and unprintable bytes as \DDD.
 */
void zone_quote(FILE *f, const char *s);

#endif

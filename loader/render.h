/*
 * render.h -- master-file quoting for the loader's zone export.
 * The caller owns the FILE; nothing here allocates.
 */
#ifndef DNSBL_RENDER_H
#define DNSBL_RENDER_H

#include <stdio.h>

/*
 * Write s as one or more master-file character-strings ("..." "..."), each
 * at most 255 bytes, escaping '"', '\\' and unprintable bytes as \DDD.
 */
void zone_quote(FILE *f, const char *s);

#endif

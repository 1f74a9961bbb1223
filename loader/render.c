/*
 * render.c -- master-file quoting.
 */
#include "render.h"

void
zone_quote(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chunk = 0;

	fputc('"', f);
	for (; *p; p++) {
		if (chunk == 255) {
			fputs("\" \"", f);
			chunk = 0;
		}
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			fprintf(f, "\\%03u", *p);
		else
			fputc(*p, f);
		chunk++;
	}
	fputc('"', f);
}

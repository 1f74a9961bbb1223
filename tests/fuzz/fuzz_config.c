/*
 * fuzz_config.c -- libFuzzer target for the YAML configuration
 * (lib/config.c, lib/cfgschema.c, lib/cfgvalue.c): every input is a
 * dnsbl.yaml, written to a memory file (memfd_create(2)) and read by
 * config_load() through its /proc/self/fd path, as dnsbld and loader read
 * theirs.  Either the load fails with one line "PATH:LINE:COL: reason"
 * (or "PATH: reason" for what has no place: the file, out of memory), or
 * the config it returns keeps every promise of config.h: at least one
 * zone, each with at least one name server, transfer keys that name
 * defined keys, a default A inside 127.0.0.0/8, endpoints with a socket
 * address.  A loaded config then goes through what dnsbld makes of it at
 * startup (zoneset_build(), the zone digests of zonefp.h, config_zone())
 * and is freed; leaks are the sanitizer's to find.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "zonectx.h"
#include "zonefp.h"

static int memfd = -1;
static char path[64];

static void
check_msg(const char *msg)
{
	size_t n = strlen(path);
	const char *p;

	if (strncmp(msg, path, n) != 0 || msg[n] != ':')
		abort();	/* an error must name the file */
	for (p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();	/* one line, printable */
}

static int
key_defined(const struct dnsbl_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nkeys; i++)
		if (strcmp(cfg->keys[i].name.text, name) == 0)
			return 1;
	return 0;
}

static void
check_cfg(const struct dnsbl_config *cfg)
{
	struct zoneset *zs = NULL;
	struct errbuf eb;
	uint8_t fp[ZONEFP_LEN];
	size_t i, j;

	if (cfg->nzones == 0 || cfg->database == NULL || cfg->nlisten == 0 ||
	    cfg->map_size < (1u << 20))
		abort();
	for (i = 0; i < cfg->nlisten; i++)
		if (cfg->listen[i].sslen == 0 ||
		    memchr(cfg->listen[i].text, '\0',
		    sizeof(cfg->listen[i].text)) == NULL)
			abort();
	for (i = 0; i < cfg->nkeys; i++)
		if (cfg->keys[i].secret == NULL ||
		    cfg->keys[i].algorithm == NULL)
			abort();
	for (i = 0; i < cfg->nzones; i++) {
		const struct cfg_zone *z = &cfg->zones[i];

		if (z->nns == 0 || z->a[0] != 127 || z->name.wirelen == 0)
			abort();
		for (j = 0; j < z->ntransfer_keys; j++)
			if (!key_defined(cfg, z->transfer_keys[j]))
				abort();
		for (j = 0; j < z->ncodes; j++)
			if (z->codes[j].name == NULL ||
			    z->codes[j].a[0] != 127)
				abort();
		if (zonefp(z, fp) != 0)
			abort();
		if (config_zone(cfg, z->name.text) == NULL)
			abort();
	}
	memset(&eb, 0, sizeof(eb));
	if (zoneset_build(cfg, &zs, &eb) == 0)
		zoneset_free(zs);
	else if (eb.msg[0] == '\0')
		abort();	/* a refusal says why */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsbl_config *cfg = NULL;
	struct errbuf eb;
	int rc;

	if (memfd < 0) {
		if ((memfd = memfd_create("fuzz.yaml", 0)) < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) != 0 ||
	    (size > 0 && pwrite(memfd, data, size, 0) != (ssize_t)size))
		abort();
	memset(&eb, 0, sizeof(eb));
	rc = config_load(path, &cfg, &eb);
	if (rc != 0) {
		if (cfg != NULL || rc == DNSBL_EIO)
			abort();	/* the file is there: no I/O error */
		check_msg(eb.msg);
		return 0;
	}
	if (cfg == NULL)
		abort();
	check_cfg(cfg);
	config_free(cfg);
	return 0;
}

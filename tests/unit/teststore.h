/*
 * teststore.h -- a real store for a unit test: a fresh directory under
 * /tmp, a config of the zones given, loaded, its zones rendered and its
 * store opened, then all of it removed.  Static functions, one copy per
 * test program, like tap.h.
 *
 * Ownership: teststore_open() fills a struct teststore that
 * teststore_close() releases (and whose directory it removes), whether
 * the open succeeded or not.
 */
#ifndef DNSBL_TEST_TESTSTORE_H
#define DNSBL_TEST_TESTSTORE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "store.h"
#include "../../dnsbld/zonectx.h"

struct teststore {
	char dir[32];
	struct dnsbl_config *cfg;
	struct zoneset *zs;
	struct store *st;
};

/*
 * zones: the YAML text that follows "zones:" (each zone "  - name: ...").
 * 0, or -1 after printing why as a TAP comment.
 */
static int __attribute__((unused))
teststore_open(struct teststore *ts, const char *zones)
{
	char path[300];
	struct errbuf eb;
	FILE *f;

	memset(ts, 0, sizeof(*ts));
	memset(&eb, 0, sizeof(eb));
	snprintf(ts->dir, sizeof(ts->dir), "/tmp/dnsbl-unit.XXXXXX");
	if (mkdtemp(ts->dir) == NULL) {
		ts->dir[0] = '\0';
		printf("# mkdtemp failed\n");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/dnsbl.yaml", ts->dir);
	if ((f = fopen(path, "w")) == NULL) {
		printf("# cannot write %s\n", path);
		return -1;
	}
	fprintf(f, "database: %s/db\nlisten: [127.0.0.1@53]\nzones:\n%s",
	    ts->dir, zones);
	fclose(f);
	if (config_load(path, &ts->cfg, &eb) != 0 ||
	    zoneset_build(ts->cfg, &ts->zs, &eb) != 0 ||
	    store_open(ts->cfg, 0, &ts->st, &eb) != 0) {
		printf("# the test store: %s\n", eb.msg);
		return -1;
	}
	return 0;
}

static void __attribute__((unused))
teststore_close(struct teststore *ts)
{
	char cmd[64];

	store_close(ts->st);
	zoneset_free(ts->zs);
	config_free(ts->cfg);
	if (ts->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ts->dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", ts->dir);
	}
	memset(ts, 0, sizeof(*ts));
}

#endif

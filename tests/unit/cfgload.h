/*
 * cfgload.h -- for the config's unit tests: load a YAML text from a fresh
 * file and get the error message without the file's name, so that a test
 * states the line, column and reason it expects.  Static functions, one
 * copy per test program, like tap.h.
 */
#ifndef DNSBL_TEST_CFGLOAD_H
#define DNSBL_TEST_CFGLOAD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "../tap.h"

/* The smallest valid config: four lines, more zone keys go on line 5. */
#define MINI								\
	"zones:\n"							\
	"  - name: relays.example\n"					\
	"    soa: {mname: ns1.relays.example, "				\
	"rname: hostmaster.relays.example}\n"				\
	"    ns: [ns1.relays.example]\n"

/* Load text from a fresh file; msg gets the message without the path. */
static int __attribute__((unused))
load(const char *text, struct dnsbl_config **cfg, char msg[512])
{
	char path[] = "/tmp/test_config.XXXXXX";
	struct errbuf eb;
	size_t n = strlen(text), plen;
	int fd, rc;

	memset(&eb, 0, sizeof(eb));
	*cfg = NULL;
	if ((fd = mkstemp(path)) == -1 || write(fd, text, n) != (ssize_t)n) {
		perror("mkstemp");
		exit(2);
	}
	close(fd);
	rc = config_load(path, cfg, &eb);
	unlink(path);
	plen = strlen(path);
	snprintf(msg, 512, "%s", strncmp(eb.msg, path, plen) == 0 ?
	    eb.msg + plen : eb.msg);
	return rc;
}

static int __attribute__((unused))
try(const char *text, char msg[512])
{
	struct dnsbl_config *cfg;
	int rc;

	rc = load(text, &cfg, msg);
	if ((rc == 0) != (cfg != NULL))
		rc = 99;
	config_free(cfg);
	return rc;
}

#define ERR(text, code, want) do {					\
	char m_[512];							\
	int r_ = try(text, m_);						\
	is_int(r_, code, "error %s", want);				\
	is_str(m_, want, "message %s", want);				\
} while (0)

#endif

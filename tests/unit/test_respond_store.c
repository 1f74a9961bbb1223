/*
 * test_respond_store.c -- dnsbld's responder over the real LMDB store, as
 * the loader writes it: exclusions, empty non-terminals, and a delisting
 * seen by the next batch.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "err.h"
#include "../../dnsbld/query.h"
#include "../../dnsbld/respond.h"
#include "../tap.h"
#include "wire.h"
#include "../../dnsbld/zonectx.h"

#define T_MX 15
#include <unistd.h>

#include "lifecycle.h"
#include "store.h"
#include "dnsmsg.h"
#include "teststore.h"

static uint8_t qbuf[600], abuf[RESPOND_MAX];

/* ---- the real store: what the loader writes, the reader answers ---- */

static int
put_entries(struct store_txn *t, void *arg)
{
	static const char *pfx[] = { "192.0.2.0/24", "192.0.2.7", "10.0.0.1" };
	static const uint8_t st[] = { ENTRY_LISTED, ENTRY_EXCLUDED,
	    ENTRY_LISTED };
	struct entry e;
	size_t i;
	int rc;

	(void)arg;
	for (i = 0; i < 3; i++) {
		memset(&e, 0, sizeof(e));
		prefix_parse(pfx[i], &e.prefix, NULL);
		e.state = st[i];
		if ((rc = store_entry_put(t, 0, &e)) != 0)
			return rc;
	}
	return 0;
}

static int
delist_one(struct store_txn *t, void *arg)
{
	struct entry e;

	memset(&e, 0, sizeof(e));
	prefix_parse(arg, &e.prefix, NULL);
	e.state = ENTRY_DELISTED;
	return store_entry_put(t, 0, &e);
}

static void
test_real_store(void)
{
	struct teststore ts;
	struct zoneset *rzs;
	struct store *st;
	struct store_reader *rd = NULL;
	struct respond_store rs;
	struct respond_db rdb;
	struct errbuf eb;
	struct resp r;
	size_t ql, al;

	memset(&eb, 0, sizeof(eb));
	if (!ok(teststore_open(&ts, "  - name: relays.example\n"
	    "    soa: {mname: ns1.relays.example, rname: h.relays.example}\n"
	    "    ns: [ns1.relays.example]\n") == 0, "real store: opened"))
		goto out;
	rzs = ts.zs;
	st = ts.st;
	ok(store_write(st, put_entries, NULL, &eb) == 0, "real store: write");
	ok(store_reader_new(st, &rd) == 0 &&
	    respond_store_init(&rs, &rdb, rd, 1) == 0, "real store: reader");

#define RASK(name, type) do {						\
	ql = mkquery(qbuf, name, type, -1, 0);				\
	store_reader_begin(rd);						\
	respond_store_batch(&rs);					\
	al = respond(rzs, &rdb, qbuf, ql, abuf, sizeof(abuf), 0);	\
	store_reader_end(rd);						\
	if (parse(abuf, al, &r) != 0)					\
		r.rcode = -1;						\
} while (0)
	RASK("9.2.0.192.relays.example", T_A);
	ok(r.rcode == RC_NOERROR && r.an == 1, "real store: in the /24");
	RASK("7.2.0.192.relays.example", T_A);
	is_int(r.rcode, RC_NXDOMAIN, "real store: an exclusion wins");
	RASK("2.0.192.relays.example", T_A);
	is_int(r.rcode, RC_NOERROR, "real store: ENT above the /24");
	RASK("1.0.0.10.relays.example", T_TXT);
	ok(r.rcode == RC_NOERROR && r.an == 1 && r.rr[0].rdlen == 17 &&
	    memcmp(r.rr[0].rdata + 1, "Listed: 10.0.0.1", 16) == 0,
	    "real store: the config's default TXT");
	ok(store_write(st, delist_one, "10.0.0.1", &eb) == 0,
	    "real store: delist");
	RASK("1.0.0.10.relays.example", T_A);
	is_int(r.rcode, RC_NXDOMAIN, "real store: delisting seen by the "
	    "next batch");
	RASK("0.0.10.relays.example", T_A);
	is_int(r.rcode, RC_NXDOMAIN, "real store: and no ENT left");
	respond_store_fini(&rs);
out:
	store_reader_free(rd);
	teststore_close(&ts);
}

int
main(void)
{
	test_real_store();
	return tap_done();
}

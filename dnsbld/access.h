/*
 * access.h -- the DNSBL's answer policy by client network ("access:").
 *
 * Real lists answer some clients differently: a query that comes through a
 * large public resolver, or a network that sends more than its share, gets
 * a fixed "refused" code that MTAs know, with a TXT that says why, rather
 * than the list's data.  Each rule of the config names networks and an
 * action; the first rule with a network that holds the client applies, and
 * a client no rule names is allowed:
 *
 *   allow    answers as usual;
 *   refuse   the rcode REFUSED;
 *   code     every address name of every zone is answered with the rule's
 *            A (default 127.255.255.254) and TXT, listed or not; the apex
 *            (SOA, NS) is answered as usual.
 *
 * A rule may also set a quota: queries per client network (/24 for IPv4,
 * /56 for IPv6) and UTC day.  A network over it gets the rule's quota code
 * (default 127.255.255.255) for the rest of the day, whatever the action.
 * The counts live in a count-min sketch (ACCESS_DEPTH rows of ACCESS_WIDTH
 * 32-bit counters, 16 MB, made only when a rule has a quota): its memory
 * does not grow with the number of networks, and a count is never under
 * the truth; over it by at most e/ACCESS_WIDTH of the day's queries with
 * probability 1 - e^-ACCESS_DEPTH (at a billion queries a day, 2,600 with
 * 98 %).  The sketch is cleared when the UTC day changes.
 *
 * Ownership: each generation of the server's state (gen.h) owns one struct
 * access, made by access_new() from its config (on SIGHUP sharing the
 * quota sketch of the generation before) and freed with the generation;
 * it points into the config it was made from, which the generation holds.
 * The sketch is shared by the threads (relaxed atomics), and by the old
 * and new policies while a reload moves the threads from one to the other;
 * it goes with the last policy over it.  Each thread counts the answers of
 * each rule in its own struct access_counts, which the server sums when
 * the generation ends.
 */
#ifndef DNSBLD_ACCESS_H
#define DNSBLD_ACCESS_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

struct dnsbl_config;
struct access;
struct respond_db;

#define ACCESS_DEPTH	4
#define ACCESS_WIDTH	(1u << 20)

enum access_verdict {
	ACCESS_ALLOW = 0,
	ACCESS_REFUSE,
	ACCESS_CODE			/* answer with a fixed code */
};

/* One thread's counts: per rule, the queries it took, and those over the
 * quota; [nrules] counts the clients no rule named. */
struct access_counts {
	uint64_t *hits;
	uint64_t *over;
	size_t nrules;
};

/*
 * Make the policy of cfg: 0 with *ap set (NULL when cfg has no rules: no
 * cost per query), or DNSBL_ENOMEM.  prev (or NULL) is the policy it
 * replaces: the two share its quota counts, so a reload does not give a
 * network over its quota a new day.  prev is not changed and stays usable
 * until freed.  Make and free policies on one thread only.
 */
int access_new(const struct dnsbl_config *cfg, struct access *prev,
    struct access **ap);
void access_free(struct access *a);

/* A thread's counts for a (NULL: none).  0 or DNSBL_ENOMEM. */
int access_counts_init(struct access_counts *c, const struct access *a);
void access_counts_fini(struct access_counts *c);

/*
 * The verdict for one query from peer at time now.  For ACCESS_CODE, *ans
 * is the answer to give (points into the config).  Counts the query in c
 * and, when the rule has a quota, in the sketch.
 */
enum access_verdict access_decide(struct access *a, struct access_counts *c,
    const struct sockaddr *peer, time_t now, struct store_answer *ans);

/*
 * A respond_db that answers every address as listed with the fixed answer
 * ans, and anything else from base.  Fill it with access_code_db(); it
 * holds pointers to w, which must outlive its use.
 */
struct access_wrap {
	const struct respond_db *base;
	struct store_answer ans;
};
void access_code_db(struct access_wrap *w, struct respond_db *out);

/* Log each rule's counts, summed over threads (n of them). */
void access_report(const struct access *a, const struct access_counts *c,
    size_t n);

#endif

/*
 * stats.c -- dnsbld's counters, kept per thread and summed by name
 * (stats.h).
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "gen.h"
#include "hugemem.h"
#include "query.h"
#include "stats.h"
#include "store.h"
#include "zonectx.h"

#define CACHE_LINE	64

const char *const stats_ctr_name[SC_N] = {
	[SC_UDP] = "udp", [SC_TCP] = "tcp",
	[SC_QT_A] = "A", [SC_QT_TXT] = "TXT", [SC_QT_ANY] = "ANY",
	[SC_QT_OTHER] = "other",
	[SC_LISTED] = "listed", [SC_APEX] = "apex", [SC_NODATA] = "nodata",
	[SC_NXDOMAIN] = "nxdomain", [SC_REFUSED] = "refused",
	[SC_FORMERR] = "formerr", [SC_NOTIMP] = "notimp",
	[SC_BADVERS] = "badvers", [SC_SERVFAIL] = "servfail",
	[SC_NOTAUTH] = "notauth", [SC_TRUNCATED] = "truncated",
	[SC_DROPPED] = "dropped",
	[SC_AXFR_OK] = "axfr_ok", [SC_AXFR_REFUSED] = "axfr_refused",
	[SC_AXFR_FAILED] = "axfr_failed",
	[SC_IXFR_OK] = "ixfr_ok", [SC_IXFR_REFUSED] = "ixfr_refused",
	[SC_IXFR_FAILED] = "ixfr_failed",
	[SC_NOTIFY_SENT] = "notify_sent", [SC_NOTIFY_FAILED] = "notify_failed",
};

int
stats_init(struct stats *s, unsigned nthreads)
{
	memset(s, 0, sizeof(*s));
	if (pthread_mutex_init(&s->mu, NULL) != 0)
		return DNSBL_ENOMEM;
	s->nthreads = nthreads;
	s->started = time(NULL);
	return 0;
}

static void
entries_free(struct stats_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

static void
sg_free(struct stats_gen *sg)
{
	size_t i;

	if (sg == NULL)
		return;
	for (i = 0; sg->names != NULL && i < sg->nzones + 1; i++)
		free(sg->names[i]);
	free(sg->names);
	free(sg->blk);
	free(sg);
}

void
stats_fini(struct stats *s)
{
	struct stats_gen *sg, *next;

	for (sg = s->live; sg != NULL; sg = next) {
		next = sg->next;
		sg->owner = NULL;	/* gen_free() still frees it */
	}
	s->live = NULL;
	entries_free(s->tot, s->ntot);
	s->tot = NULL;
	s->ntot = 0;
	pthread_mutex_destroy(&s->mu);
}

int
stats_gen_attach(struct stats *s, struct gen *g)
{
	struct stats_gen *sg;
	size_t i, n = g->cfg->nzones, per, bytes;

	if (g->st != NULL)
		return 0;
	if ((sg = calloc(1, sizeof(*sg))) == NULL)
		return DNSBL_ENOMEM;
	sg->owner = s;
	sg->nzones = n;
	sg->nthreads = s->nthreads;
	/* Round each thread's block up to whole cache lines. */
	per = (n + 1) * sizeof(struct stats_zone);
	per = (per + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
	while (per % sizeof(struct stats_zone) != 0)
		per += CACHE_LINE;
	sg->stride = per / sizeof(struct stats_zone);
	bytes = per * sg->nthreads;
	if ((sg->blk = aligned_alloc(CACHE_LINE, bytes)) == NULL)
		goto nomem;
	memset(sg->blk, 0, bytes);
	if ((sg->names = calloc(n + 1, sizeof(char *))) == NULL)
		goto nomem;
	for (i = 0; i <= n; i++)
		if ((sg->names[i] = strdup(i < n ? g->cfg->zones[i].name.text :
		    STATS_NONAME)) == NULL)
			goto nomem;
	pthread_mutex_lock(&s->mu);
	sg->next = s->live;
	s->live = sg;
	pthread_mutex_unlock(&s->mu);
	g->st = sg;
	return 0;
nomem:
	sg_free(sg);
	return DNSBL_ENOMEM;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stats_entry *)a)->name,
	    ((const struct stats_entry *)b)->name);
}

/* Sort e by name and add up the entries of one name. */
static size_t
entries_merge(struct stats_entry *e, size_t n)
{
	size_t i, j = 0, k;

	if (n == 0)
		return 0;
	qsort(e, n, sizeof(*e), entry_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(e[i].name, e[j].name) == 0) {
			for (k = 0; k < SC_N; k++)
				e[j].c[k] += e[i].c[k];
			free(e[i].name);
		} else
			e[++j] = e[i];
	}
	return j + 1;
}

/*
 * Append sg's summed counts to e (n entries, room for n + sg->nzones + 1),
 * taking each name from sg (take) or a copy.  Returns the new count, or 0
 * with e unchanged past n when out of memory.
 */
static size_t
entries_add(struct stats_entry *e, size_t n, struct stats_gen *sg, int take)
{
	struct stats_entry *x;
	size_t z, k;
	unsigned t;

	for (z = 0; z <= sg->nzones; z++) {
		x = &e[n + z];
		memset(x, 0, sizeof(*x));
		if (take) {
			x->name = sg->names[z];
			sg->names[z] = NULL;
		} else if ((x->name = strdup(sg->names[z])) == NULL) {
			while (z-- > 0)
				free(e[n + z].name);
			return 0;
		}
		for (t = 0; t < sg->nthreads; t++)
			for (k = 0; k < SC_N; k++)
				x->c[k] += atomic_load_explicit(
				    &stats_at(sg, t, z)->c[k],
				    memory_order_relaxed);
	}
	return n + sg->nzones + 1;
}

void
stats_gen_retire(struct stats_gen *sg)
{
	struct stats *s;
	struct stats_gen **pp;
	struct stats_entry *ne;

	if (sg == NULL)
		return;
	if ((s = sg->owner) == NULL) {
		sg_free(sg);
		return;
	}
	pthread_mutex_lock(&s->mu);
	for (pp = &s->live; *pp != NULL; pp = &(*pp)->next)
		if (*pp == sg) {
			*pp = sg->next;
			break;
		}
	ne = realloc(s->tot, (s->ntot + sg->nzones + 1) * sizeof(*ne));
	if (ne != NULL) {		/* else its counts are lost */
		s->tot = ne;
		s->ntot = entries_merge(ne, entries_add(ne, s->ntot, sg, 1));
	}
	pthread_mutex_unlock(&s->mu);
	sg_free(sg);
}

void
stats_reloaded(struct stats *s, int ok)
{
	pthread_mutex_lock(&s->mu);
	s->reload_at = time(NULL);
	s->reload_ok = ok;
	s->nreloads++;
	if (!ok)
		s->nreload_fail++;
	pthread_mutex_unlock(&s->mu);
}

size_t
stats_zone_of(const struct stats_gen *sg, const struct zoneset *zs,
    const struct query *q)
{
	const struct zctx *z;

	if (!q->has_question)
		return STATS_NOZONE(sg);
	z = zoneset_find(zs, q->qname, q->qname_len, q->labels, q->nlabels);
	return z != NULL ? z->index : STATS_NOZONE(sg);
}

HOT static void
count_query(struct stats_zone *z, const struct query *q, int tcp)
{
	if (z == NULL)
		return;
	stats_inc(z, tcp ? SC_TCP : SC_UDP);
	if (q->has_question)
		stats_inc(z, q->qtype == T_A ? SC_QT_A : q->qtype == T_TXT ?
		    SC_QT_TXT : q->qtype == T_ANY ? SC_QT_ANY : SC_QT_OTHER);
	else
		stats_inc(z, SC_QT_OTHER);
}

void
stats_query(const struct stats_gen *sg, unsigned tid,
    const struct zoneset *zs, const struct query *q, int tcp)
{
	if (sg != NULL)
		count_query(stats_at(sg, tid, stats_zone_of(sg, zs, q)), q,
		    tcp);
}

HOT void
stats_answer(const struct stats_gen *sg, unsigned tid,
    const struct zoneset *zs, const struct query *q, int tcp,
    const uint8_t *ans, size_t alen)
{
	const struct zctx *zc = NULL;

	if (sg == NULL)
		return;
	if (q->has_question)
		zc = zoneset_find(zs, q->qname, q->qname_len, q->labels,
		    q->nlabels);
	stats_answer_zone(sg, tid, zc, q, tcp, ans, alen);
}

HOT void
stats_answer_zone(const struct stats_gen *sg, unsigned tid,
    const struct zctx *zc, const struct query *q, int tcp,
    const uint8_t *ans, size_t alen)
{
	struct stats_zone *z;
	uint16_t flags, ancount;
	enum stats_ctr o;

	if (sg == NULL)
		return;
	z = stats_at(sg, tid, zc != NULL ? zc->index : STATS_NOZONE(sg));
	count_query(z, q, tcp);
	if (alen < DNS_HDRLEN) {
		stats_inc(z, SC_DROPPED);
		return;
	}
	flags = wire_get16(ans + 2);
	ancount = wire_get16(ans + 6);
	if (flags & F_TC)
		o = SC_TRUNCATED;
	else
		switch (flags & 0xf) {
		case RC_NOERROR:
			if (q->edns && q->edns_version > 0 && ancount == 0)
				o = SC_BADVERS;		/* 16: low bits 0 */
			else if (ancount == 0)
				o = SC_NODATA;
			else if (zc != NULL && q->nlabels > zc->nlabels)
				o = SC_LISTED;
			else
				o = SC_APEX;
			break;
		case RC_NXDOMAIN:
			o = SC_NXDOMAIN;
			break;
		case RC_REFUSED:
			o = SC_REFUSED;
			break;
		case RC_FORMERR:
			o = SC_FORMERR;
			break;
		case RC_NOTIMP:
			o = SC_NOTIMP;
			break;
		case RC_NOTAUTH:
			o = SC_NOTAUTH;
			break;
		default:
			o = SC_SERVFAIL;
			break;
		}
	stats_inc(z, o);
}

void
stats_serving(struct stats *s, const struct gen *g)
{
	pthread_mutex_lock(&s->mu);
	s->serving = g;
	pthread_mutex_unlock(&s->mu);
}

/* The serving generation's zones, serials and store size, into v. */
static int
read_serving(const struct gen *g, struct stats_view *v)
{
	struct store_reader *rd = NULL;
	size_t i, n = g->cfg->nzones;
	int begun = 0;

	if ((v->z = calloc(n ? n : 1, sizeof(*v->z))) == NULL)
		return DNSBL_ENOMEM;
	if (g->cfg->path != NULL && (v->config = strdup(g->cfg->path)) == NULL)
		return DNSBL_ENOMEM;
	if (g->fast != NULL) {
		v->have_mi = 1;
		fastidx_info(g->fast, &v->mi);
		v->mi_current = v->mi.txnid != 0 && g->store != NULL &&
		    v->mi.txnid == store_last_txnid(g->store);
	}
	if (g->store != NULL) {
		(void)store_serve_size(g->store, &v->store_bytes);
		if (store_reader_new(g->store, &rd) == 0 &&
		    store_reader_begin(rd) == 0)
			begun = 1;
	}
	for (i = 0; i < n; i++) {
		if ((v->z[i].name = strdup(g->cfg->zones[i].name.text)) ==
		    NULL)
			break;
		if (begun) {
			v->z[i].serial = store_reader_serial(rd, i);
			v->z[i].have_serial = 1;
		}
	}
	v->nz = i;
	if (begun)
		store_reader_end(rd);
	if (rd != NULL)
		store_reader_free(rd);
	return i == n ? 0 : DNSBL_ENOMEM;
}

int
stats_read(struct stats *s, unsigned nworkers, struct stats_view *v)
{
	struct stats_gen *sg;
	size_t i, n, room;
	int rc = 0;

	memset(v, 0, sizeof(*v));
	pthread_mutex_lock(&s->mu);
	room = s->ntot;
	for (sg = s->live; sg != NULL; sg = sg->next)
		room += sg->nzones + 1;
	if ((v->e = calloc(room ? room : 1, sizeof(*v->e))) == NULL) {
		rc = DNSBL_ENOMEM;
		goto out;
	}
	for (n = 0; n < s->ntot; n++) {
		v->e[n] = s->tot[n];
		if ((v->e[n].name = strdup(s->tot[n].name)) == NULL) {
			rc = DNSBL_ENOMEM;
			goto out;
		}
	}
	for (sg = s->live; sg != NULL; sg = sg->next) {
		if ((i = entries_add(v->e, n, sg, 0)) == 0) {
			rc = DNSBL_ENOMEM;
			goto out;
		}
		n = i;
	}
	v->n = entries_merge(v->e, n);
	n = 0;
	v->now = time(NULL);
	v->started = s->started;
	v->reload_at = s->reload_at;
	v->reload_ok = s->reload_ok;
	v->nreloads = s->nreloads;
	v->nreload_fail = s->nreload_fail;
	v->workers = nworkers;
	if (s->serving != NULL)
		rc = read_serving(s->serving, v);
out:
	if (rc != 0 && v->e != NULL && v->n == 0)
		v->n = n;	/* what was copied, for stats_view_free() */
	pthread_mutex_unlock(&s->mu);
	if (rc != 0)
		stats_view_free(v);
	return rc;
}

void
stats_view_free(struct stats_view *v)
{
	size_t i;

	entries_free(v->e, v->n);
	for (i = 0; v->z != NULL && i < v->nz; i++)
		free(v->z[i].name);
	free(v->z);
	free(v->config);
	memset(v, 0, sizeof(*v));
}

uint64_t
stats_view_total(const struct stats_view *v, enum stats_ctr c)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < v->n; i++)
		t += v->e[i].c[c];
	return t;
}

void
stats_xfr_answer(const struct stats_gen *sg, unsigned tid,
    const struct zoneset *zs, const struct query *q, const uint8_t *ans,
    size_t alen)
{
	int rcode, result;

	if (sg == NULL || !q->has_question || (q->qtype != T_AXFR &&
	    q->qtype != T_IXFR))
		return;
	rcode = alen >= DNS_HDRLEN ? (ans[3] & 0xf) : -1;
	result = rcode == RC_NOERROR ? STATS_XFR_OK : rcode == RC_REFUSED ||
	    rcode == RC_NOTAUTH ? STATS_XFR_REFUSED : STATS_XFR_FAILED;
	stats_xfr(stats_at(sg, tid, stats_zone_of(sg, zs, q)),
	    q->qtype == T_IXFR, result);
}

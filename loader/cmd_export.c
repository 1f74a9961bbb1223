/*
 * cmd_export.c -- write a zone out of the served table.
 *
 *   zone     an RFC 1035 master file.  Each served interval is cut into
 *            CIDRs and each CIDR into blocks on octet (IPv4) or nibble
 *            (IPv6) boundaries: a whole block is one host name or one
 *            wildcard ("*.3.2.1"), so a secondary answers every covered
 *            address as dnsbld does.  Served intervals never overlap, so no
 *            wildcard is shadowed by a name below it.
 *   rbldnsd  an ip4set data file (ip6trie with --family 6).
 *   lines    one address or CIDR a line.
 *
 * The RFC 5782 test entries are written as dnsbld answers them: 127.0.0.2
 * (and ::ffff:127.0.0.2) listed with the zone's answer, 127.0.0.1 (and
 * ::ffff:127.0.0.1) never, whatever the store holds.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "loader.h"
#include "render.h"
#include "store.h"

enum { FMT_ZONE, FMT_RBLDNSD, FMT_LINES };

struct export_job {
	struct loader_ctx *ctx;
	const struct cfg_zone *cz;
	size_t zone;
	int format;
	int families;		/* bit 0: v4, bit 1: v6 */
	FILE *f;
	struct store_txn *t;
	uint16_t answer;	/* of the interval being written */
	struct store_answer ans;
	/* lines: a run of adjacent intervals not yet written */
	int pending, pfam;
	uint8_t pfirst[16], plast[16];
};

static const uint8_t test_v4[2][16] = {
	{ 127, 0, 0, 1 }, { 127, 0, 0, 2 }
};
static const uint8_t test_v6[2][16] = {
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 2 },
};

static const char *
answer_txt(struct export_job *job)
{
	if (job->answer != ANSWER_DEFAULT && job->ans.txt)
		return job->ans.txt;
	return job->cz->txt ? job->cz->txt : "";
}

static const uint8_t *
answer_a(struct export_job *job)
{
	return job->answer == ANSWER_DEFAULT ? job->cz->a : job->ans.a;
}

/* One octet- or nibble-aligned block as master-file records. */
static int
zone_block(const struct prefix *p, struct export_job *job)
{
	char owner[80], text[PREFIX_STRLEN], txt[1024], a[PREFIX_STRLEN];
	int host = p->len == addr_bits(p->family);

	if (p->len == 0)
		snprintf(owner, sizeof(owner), "*");
	else {
		char rev[76];
		if (prefix_reverse(p, rev, sizeof(rev)) < 0)
			return DNSBL_EINVAL;
		snprintf(owner, sizeof(owner), "%s%s", host ? "" : "*.", rev);
	}
	prefix_format(p, text);
	addr_format(ADDR_V4, answer_a(job), a);
	txt_render(answer_txt(job), text, txt, sizeof(txt));
	fprintf(job->f, "%s\tA\t%s\n%s\tTXT\t", owner, a, owner);
	zone_quote(job->f, txt);
	fputc('\n', job->f);
	return 0;
}

/* A CIDR for the zone format: split to the next aligned length. */
static int
zone_cidr(const struct prefix *p, void *arg)
{
	struct export_job *job = arg;
	int unit = p->family == ADDR_V4 ? 8 : 4;
	int len = (p->len + unit - 1) / unit * unit, rc;
	uint8_t a[16];
	struct prefix q;
	uint64_t i, n;

	if (len == p->len)
		return zone_block(p, job);
	n = 1ULL << (len - p->len);	/* at most 128 */
	memcpy(a, p->addr, 16);
	for (i = 0; i < n; i++) {
		prefix_make(&q, p->family, a, len);
		if ((rc = zone_block(&q, job)) != 0)
			return rc;
		/* Step to the next block of length len. */
		{
			int byte = (len - 1) / 8;
			unsigned step = 1u << ((8 - len % 8) % 8);
			unsigned v = a[byte] + step;
			a[byte] = (uint8_t)v;
			if (v > 0xff)
				addr_inc(a, (size_t)byte);
		}
	}
	return 0;
}

static int
rbldnsd_cidr(const struct prefix *p, void *arg)
{
	struct export_job *job = arg;
	char text[PREFIX_STRLEN], a[PREFIX_STRLEN];

	prefix_format(p, text);
	fputs(text, job->f);
	if (job->answer != ANSWER_DEFAULT) {
		addr_format(ADDR_V4, answer_a(job), a);
		fprintf(job->f, " :%s:%s", a, answer_txt(job));
	}
	fputc('\n', job->f);
	return 0;
}

static int
lines_cidr(const struct prefix *p, void *arg)
{
	struct export_job *job = arg;
	char text[PREFIX_STRLEN];

	prefix_format(p, text);
	fprintf(job->f, "%s\n", text);
	return 0;
}

static int
write_piece(struct export_job *job, int family, const uint8_t *first,
    const uint8_t *last)
{
	cidr_fn fn = job->format == FMT_ZONE ? zone_cidr :
	    job->format == FMT_RBLDNSD ? rbldnsd_cidr : lines_cidr;

	if (memcmp(first, last, addr_len(family)) > 0)
		return 0;
	return interval_cidrs(family, first, last, fn, job);
}

/* lines: write the pending run of adjacent intervals, if any. */
static int
flush_run(struct export_job *job)
{
	if (!job->pending)
		return 0;
	job->pending = 0;
	return interval_cidrs(job->pfam, job->pfirst, job->plast, lines_cidr,
	    job);
}

/* lines: codes do not show, so adjacent intervals merge into one run. */
static int
lines_interval(int family, const uint8_t *first, const uint8_t *last,
    struct export_job *job)
{
	size_t n = addr_len(family);
	uint8_t next[16];
	int rc;

	memcpy(next, job->plast, 16);
	if (job->pending && job->pfam == family && !addr_inc(next, n) &&
	    memcmp(next, first, n) == 0) {
		memcpy(job->plast, last, n);
		return 0;
	}
	if ((rc = flush_run(job)) != 0)
		return rc;
	job->pending = 1;
	job->pfam = family;
	memset(job->pfirst, 0, 16);
	memset(job->plast, 0, 16);
	memcpy(job->pfirst, first, n);
	memcpy(job->plast, last, n);
	return 0;
}

/* An interval, less the test addresses. */
static int
export_interval(int family, const uint8_t *first, const uint8_t *last,
    uint16_t answer, void *arg)
{
	struct export_job *job = arg;
	const uint8_t (*tst)[16] = family == ADDR_V4 ? test_v4 : test_v6;
	size_t n = addr_len(family);
	uint8_t a[16], b[16];
	int rc;

	if (job->format == FMT_LINES)
		return lines_interval(family, first, last, job);
	job->answer = answer;
	if (answer != ANSWER_DEFAULT &&
	    (rc = store_answer_get(job->t, job->zone, answer, &job->ans)) != 0)
		return rc;
	if (memcmp(last, tst[0], n) < 0 || memcmp(first, tst[1], n) > 0)
		return write_piece(job, family, first, last);
	/* [first, t1 - 1] and [t2 + 1, last] */
	memcpy(a, tst[0], n);
	if (memcmp(first, a, n) < 0 && !addr_dec(a, n) &&
	    (rc = write_piece(job, family, first, a)) != 0)
		return rc;
	memcpy(b, tst[1], n);
	if (memcmp(last, b, n) > 0 && !addr_inc(b, n))
		return write_piece(job, family, b, last);
	return 0;
}

static void
zone_header(struct export_job *job, uint32_t serial)
{
	const struct cfg_zone *cz = job->cz;
	char a[PREFIX_STRLEN];
	size_t i;

	fprintf(job->f, "; %s, exported by dnsbl loader\n$ORIGIN %s.\n"
	    "$TTL %u\n", cz->name.text, cz->name.text, cz->ttl);
	fprintf(job->f, "@\t%u\tSOA\t%s. %s. %u %u %u %u %u\n", cz->soa.ttl,
	    cz->soa.mname.text, cz->soa.rname.text, serial, cz->soa.refresh,
	    cz->soa.retry, cz->soa.expire, cz->soa.minimum);
	for (i = 0; i < cz->nns; i++)
		fprintf(job->f, "@\t%u\tNS\t%s.\n", cz->soa.ttl,
		    cz->ns[i].text);
	for (i = 0; i < cz->nglue; i++) {
		addr_format(cz->glue[i].addr.family, cz->glue[i].addr.addr, a);
		fprintf(job->f, "%s.\t%u\t%s\t%s\n", cz->glue[i].name.text,
		    cz->soa.ttl, cz->glue[i].addr.family == ADDR_V4 ? "A" :
		    "AAAA", a);
	}
}

static void
rbldnsd_header(struct export_job *job, uint32_t serial)
{
	const struct cfg_zone *cz = job->cz;
	char a[PREFIX_STRLEN];
	size_t i;

	fprintf(job->f, "# %s, exported by dnsbl loader (rbldnsd %s)\n",
	    cz->name.text, job->families == 2 ? "ip6trie" : "ip4set");
	fprintf(job->f, "$SOA %u %s. %s. %u %u %u %u %u\n$NS %u", cz->soa.ttl,
	    cz->soa.mname.text, cz->soa.rname.text, serial, cz->soa.refresh,
	    cz->soa.retry, cz->soa.expire, cz->soa.minimum, cz->soa.ttl);
	for (i = 0; i < cz->nns; i++)
		fprintf(job->f, " %s.", cz->ns[i].text);
	addr_format(ADDR_V4, cz->a, a);
	fprintf(job->f, "\n$TTL %u\n:%s:%s\n", cz->ttl, a,
	    cz->txt ? cz->txt : "");
}

static int
export_txn(struct store_txn *t, void *arg)
{
	struct export_job *job = arg;
	uint32_t serial = store_serial(t, job->zone);
	int rc, fam;

	job->t = t;
	if (job->format == FMT_ZONE)
		zone_header(job, serial);
	else if (job->format == FMT_RBLDNSD)
		rbldnsd_header(job, serial);
	for (fam = 0; fam < 2; fam++) {
		int family = fam ? ADDR_V6 : ADDR_V4;
		if (!(job->families & (1 << fam)))
			continue;
		if (job->format != FMT_LINES) {
			/* The RFC 5782 test entry, with the zone's answer. */
			job->answer = ANSWER_DEFAULT;
			if ((rc = write_piece(job, family, fam ? test_v6[1] :
			    test_v4[1], fam ? test_v6[1] : test_v4[1])) != 0)
				return rc;
		}
		rc = store_serve_walk(t, job->zone, family, export_interval,
		    job);
		if (rc || (rc = flush_run(job)) != 0)
			return rc;
	}
	return ferror(job->f) ? DNSBL_EIO : 0;
}

int
cmd_export(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "format", required_argument, NULL, 'F' },
		{ "family", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("export");
	struct export_job job;
	struct errbuf eb = { "" };
	const char *zone = NULL, *out = NULL, *format = "zone";
	char tmp[4200];
	long zi;
	int ch, rc, family = 0;

	memset(&job, 0, sizeof(job));
	job.ctx = ctx;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'F': format = optarg; break;
		case 'o': out = optarg; break;
		case 'a':
			if (strcmp(optarg, "4") && strcmp(optarg, "6"))
				return command_usage(cmd);
			family = optarg[0] - '0';
			break;
		default: return command_usage(cmd);
		}
	}
	if (optind != argc)
		return command_usage(cmd);
	if (strcmp(format, "zone") == 0)
		job.format = FMT_ZONE;
	else if (strcmp(format, "rbldnsd") == 0)
		job.format = FMT_RBLDNSD;
	else if (strcmp(format, "lines") == 0)
		job.format = FMT_LINES;
	else {
		fprintf(stderr, "loader: unknown format '%s' (want zone, "
		    "rbldnsd or lines)\n", format);
		return EXIT_USAGE;
	}
	/* rbldnsd keeps IPv4 and IPv6 in different dataset types. */
	if (family == 0)
		family = job.format == FMT_RBLDNSD ? 4 : 0;
	job.families = family == 4 ? 1 : family == 6 ? 2 : 3;
	if ((zi = ctx_zone(ctx, zone)) < 0)
		return 1;
	job.zone = (size_t)zi;
	job.cz = &ctx->cfg->zones[zi];
	job.f = stdout;
	if (out) {
		snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", out, (long)getpid());
		if ((job.f = fopen(tmp, "w")) == NULL) {
			perror(tmp);
			return 1;
		}
	}
	rc = store_read(ctx->st, export_txn, &job, &eb);
	if (out) {
		if (fclose(job.f) != 0 && rc == 0)
			rc = DNSBL_EIO;
		if (rc == 0 && rename(tmp, out) != 0) {
			perror(out);
			rc = DNSBL_EIO;
		}
		if (rc)
			unlink(tmp);
	}
	if (rc) {
		fprintf(stderr, "loader: export: %s\n", eb.msg[0] ? eb.msg :
		    dnsbl_strerror(rc));
		return 1;
	}
	return 0;
}

/*
 * cmd_export.c -- write a zone out of the served table.
 *
 *   zone     an RFC 1035 master file, with the records lib/zonegen.c makes
 *            (the same as dnsbld's AXFR): a host name or a wildcard
 *            ("*.3.2.1") for each octet- or nibble-aligned block, so a
 *            secondary answers every covered address as dnsbld does.
 *   rbldnsd  an ip4set data file (ip6trie with --family 6).
 *   lines    one address or CIDR a line.
 *
 * The RFC 5782 test entries are written as dnsbld answers them: 127.0.0.2
 * (and ::ffff:127.0.0.2) listed with the zone's answer, 127.0.0.1 (and
 * ::ffff:127.0.0.1) never, whatever the store holds.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer.h"
#include "config.h"
#include "err.h"
#include "json.h"
#include "loader.h"
#include "outfile.h"
#include "render.h"
#include "say.h"
#include "zonegen.h"
#include "store.h"
#include "txt.h"

enum { FMT_ZONE, FMT_RBLDNSD, FMT_LINES };

struct export_job {
	struct loader_ctx *ctx;
	const struct cfg_zone *cz;
	size_t zone;
	int format;
	int families;		/* bit 0: v4, bit 1: v6 */
	FILE *f;
	struct store_txn *t;
	struct errbuf *eb;
	int cut_txt;		/* rbldnsd: cut long texts (counted in ncut) */
	uint64_t ncut;
	uint64_t nrec;		/* data lines written: names, CIDRs */
	uint16_t answer;	/* of the interval being written */
	/* lines: a run of adjacent intervals not yet written */
	int pending, pfam;
	uint8_t pfirst[16], plast[16];
};

/* zone: one record pair. */
static int
zone_rr(const struct zone_rr *rr, void *arg)
{
	struct export_job *job = arg;
	char a[PREFIX_STRLEN];

	addr_format(ADDR_V4, rr->a, a);
	job->nrec++;
	fprintf(job->f, "%s\tA\t%s\n", rr->owner, a);
	if (rr->txt[0] != '\0') {		/* no text: no TXT */
		fprintf(job->f, "%s\tTXT\t", rr->owner);
		zone_quote(job->f, rr->txt);
		fputc('\n', job->f);
	}
	return 0;
}

/*
 * rbldnsd's ip6trie reads IPv6 in hex groups only: "::ffff:127.0.0.2" is an
 * invalid address to it and the line is dropped.  Write IPv6 as eight hex
 * groups (and /LEN), which every reader takes.
 */
static void
rbldnsd_format(const struct prefix *p, char text[PREFIX_STRLEN])
{
	int i, n = 0;

	if (p->family != ADDR_V6) {
		prefix_format(p, text);
		return;
	}
	for (i = 0; i < 16; i += 2)
		n += snprintf(text + n, PREFIX_STRLEN - (size_t)n, "%s%x",
		    i ? ":" : "", (unsigned)(p->addr[i] << 8 | p->addr[i + 1]));
	if (p->len != 128)
		snprintf(text + n, PREFIX_STRLEN - (size_t)n, "/%d", p->len);
}

/*
 * The longest prefix of txt, in bytes, that rbldnsd answers whole: its
 * text, with each '$' the longest address of the family, in one string of
 * 255 bytes.  Not inside a UTF-8 sequence, and with no space at the end
 * (rbldnsd would drop it).
 */
static size_t
rbldnsd_fits(const char *txt, int family)
{
	size_t addr = family == ADDR_V6 ? 39 : 15, used = 0, n;

	for (n = 0; txt[n] != '\0'; n++) {
		used += txt[n] == '$' ? addr : 1;
		if (used > TXT_RBLDNSD_MAX)
			break;
	}
	if (txt[n] == '\0')
		return n;
	while (n > 0 && (((unsigned char)txt[n] & 0xc0) == 0x80 ||
	    txt[n - 1] == ' '))
		n--;
	return n;
}

/*
 * rbldnsd: ":A:TXT", the A and template of an answer.  rbldnsd has no
 * escapes: a text it cannot carry exactly (txt.h) is refused, and one
 * longer than it answers is refused unless --cut-txt (then cut, counted).
 */
static int
rbldnsd_value(struct export_job *job, const struct answer *res,
    struct errbuf *eb)
{
	char a[PREFIX_STRLEN];
	const char *txt = res->txt ? res->txt : "";
	int family = job->families == 2 ? ADDR_V6 : ADDR_V4;
	size_t n = strlen(txt), fit;
	int rc;

	if ((rc = txt_check(txt, eb)) != 0)
		return errbuf_set(eb, rc, "a TXT cannot be written for "
		    "rbldnsd: %s", eb->msg);
	if ((fit = rbldnsd_fits(txt, family)) < n) {
		if (!job->cut_txt)
			return errbuf_set(eb, DNSBL_ERANGE, "a TXT of %zu bytes "
			    "(\"%.40s...\"): rbldnsd answers only %d bytes, "
			    "with each '$' an %s address; shorten it, or export "
			    "with --cut-txt", n, txt, TXT_RBLDNSD_MAX,
			    family == ADDR_V6 ? "IPv6" : "IPv4");
		n = fit;
		job->ncut++;
	}
	addr_format(ADDR_V4, res->a, a);
	fprintf(job->f, ":%s:%.*s", a, (int)n, txt);
	return 0;
}

/* rbldnsd: one CIDR, with its answer unless it is the default. */
static int
rbldnsd_cidr(const struct prefix *p, void *arg)
{
	struct export_job *job = arg;
	struct store_answer ans;
	struct answer res;
	char text[PREFIX_STRLEN];
	int rc;

	rbldnsd_format(p, text);
	job->nrec++;
	fputs(text, job->f);
	if (job->answer != ANSWER_DEFAULT) {
		if ((rc = store_answer_get(job->t, job->zone, job->answer,
		    &ans)) != 0)
			return rc;
		answer_resolve(job->cz, &ans, &res);
		fputc(' ', job->f);
		if ((rc = rbldnsd_value(job, &res, job->eb)) != 0)
			return rc;
	}
	fputc('\n', job->f);
	return 0;
}

static int
rbldnsd_interval(int family, const uint8_t *first, const uint8_t *last,
    uint16_t answer, void *arg)
{
	struct export_job *job = arg;

	job->answer = answer;
	return interval_cidrs(family, first, last, rbldnsd_cidr, job);
}

static int
lines_cidr(const struct prefix *p, void *arg)
{
	struct export_job *job = arg;
	char text[PREFIX_STRLEN];

	prefix_format(p, text);
	job->nrec++;
	fprintf(job->f, "%s\n", text);
	return 0;
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
    uint16_t answer, void *arg)
{
	struct export_job *job = arg;
	size_t n = addr_len(family);
	uint8_t next[16];
	int rc;

	(void)answer;
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

static int
rbldnsd_header(struct export_job *job, uint32_t serial)
{
	const struct cfg_zone *cz = job->cz;
	struct answer res;
	size_t i;
	int rc;

	fprintf(job->f, "# %s, exported by dnsbl loader (rbldnsd %s)\n",
	    cz->name.text, job->families == 2 ? "ip6trie" : "ip4set");
	fprintf(job->f, "$SOA %u %s. %s. %u %u %u %u %u\n$NS %u", cz->soa.ttl,
	    cz->soa.mname.text, cz->soa.rname.text, serial, cz->soa.refresh,
	    cz->soa.retry, cz->soa.expire, cz->soa.minimum, cz->soa.ttl);
	for (i = 0; i < cz->nns; i++)
		fprintf(job->f, " %s.", cz->ns[i].text);
	fprintf(job->f, "\n$TTL %u\n", cz->ttl);
	answer_resolve(cz, NULL, &res);
	if ((rc = rbldnsd_value(job, &res, job->eb)) != 0)
		return rc;
	fputc('\n', job->f);
	return 0;
}

static int
export_txn(struct store_txn *t, void *arg)
{
	static const char *const test_entry[2] = { "127.0.0.2",
	    "0:0:0:0:0:ffff:7f00:2" };	/* ::ffff:127.0.0.2 for ip6trie */
	struct export_job *job = arg;
	uint32_t serial = store_serial(t, job->zone);
	int rc = 0, fam;

	job->t = t;
	if (job->format == FMT_ZONE) {
		zone_header(job, serial);
		rc = zonegen_walk(t, job->zone, job->families, zone_rr, job);
	} else {
		if (job->format == FMT_RBLDNSD &&
		    (rc = rbldnsd_header(job, serial)) != 0)
			return rc;
		for (fam = 0; fam < 2 && rc == 0; fam++) {
			if (!(job->families & (1 << fam)))
				continue;
			if (job->format == FMT_RBLDNSD) {
				/* The RFC 5782 test entry. */
				fprintf(job->f, "%s\n", test_entry[fam]);
				rc = zonegen_intervals(t, job->zone, fam ?
				    ADDR_V6 : ADDR_V4, rbldnsd_interval, job);
			} else if ((rc = zonegen_intervals(t, job->zone, fam ?
			    ADDR_V6 : ADDR_V4, lines_interval, job)) == 0)
				rc = flush_run(job);
		}
	}
	if (rc)
		return rc;
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
		{ "cut-txt", no_argument, NULL, 'x' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("export");
	struct export_job job;
	struct errbuf eb = { "" };
	const char *zone = NULL, *out = NULL, *format = "zone";
	struct outfile of;
	off_t bytes = -1;
	struct json j;
	long zi;
	int ch, rc, family = 0;

	memset(&job, 0, sizeof(job));
	job.ctx = ctx;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'F': format = optarg; break;
		case 'o': out = optarg; break;
		case 'x': job.cut_txt = 1; break;
		case 'j': ctx->json = 1; break;
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
	/* The data and the JSON summary cannot share stdout. */
	if (ctx->json && out == NULL)
		return ctx_fail(ctx, EXIT_USAGE, "usage", "export --json "
		    "needs -o FILE: the data goes to FILE, the summary to "
		    "stdout");
	if (strcmp(format, "zone") == 0)
		job.format = FMT_ZONE;
	else if (strcmp(format, "rbldnsd") == 0)
		job.format = FMT_RBLDNSD;
	else if (strcmp(format, "lines") == 0)
		job.format = FMT_LINES;
	else
		return ctx_fail(ctx, EXIT_USAGE, "usage", "unknown format "
		    "'%s' (want zone, rbldnsd or lines)", format);
	/* rbldnsd keeps IPv4 and IPv6 in different dataset types. */
	if (family == 0)
		family = job.format == FMT_RBLDNSD ? 4 : 0;
	job.families = family == 4 ? 1 : family == 6 ? 2 : 3;
	if ((zi = ctx_zone(ctx, zone)) < 0)
		return 1;
	job.zone = (size_t)zi;
	job.cz = &ctx->cfg->zones[zi];
	job.f = stdout;
	job.eb = &eb;
	if (out) {
		if ((rc = outfile_open(&of, out, &eb)) != 0)
			return ctx_fail(ctx, 1, cli_code_of(rc), "export: %s",
			    eb.msg);
		job.f = of.f;
	}
	rc = store_read(ctx->st, export_txn, &job, &eb);
	if (out) {
		/* The size for --json: flushed here, a failure kept. */
		if (rc == 0 && fflush(of.f) != 0)
			rc = errbuf_set(&eb, DNSBL_EIO, "%s: %s", out,
			    strerror(errno));
		else if (rc == 0)
			bytes = ftello(of.f);
		if (rc == 0)
			rc = outfile_commit(&of, &eb);
		else
			outfile_abort(&of);
	} else if (rc == 0 && fflush(stdout) != 0)
		rc = errbuf_set(&eb, DNSBL_EIO, "standard output: %s",
		    strerror(errno));
	if (rc == 0 && job.ncut > 0)
		say(stderr, PROG ": export: %llu TXT cut to %d bytes "
		    "for rbldnsd (--cut-txt)\n", (unsigned long long)job.ncut,
		    TXT_RBLDNSD_MAX);
	if (rc)
		return ctx_fail(ctx, 1, cli_code_of(rc), "export: %s",
		    eb.msg[0] ? eb.msg : dnsbl_strerror(rc));
	if (ctx->json) {
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "zone"); json_str(&j, job.cz->name.text);
		json_key(&j, "format"); json_str(&j, format);
		json_key(&j, "families");
		json_arr_open(&j);
		if (job.families & 1)
			json_int(&j, 4);
		if (job.families & 2)
			json_int(&j, 6);
		json_arr_close(&j);
		json_key(&j, "records"); json_int(&j, (int64_t)job.nrec);
		json_key(&j, "txt_cut"); json_int(&j, (int64_t)job.ncut);
		json_key(&j, "path"); json_str(&j, out);
		json_key(&j, "bytes");
		if (bytes >= 0)
			json_int(&j, (int64_t)bytes);
		else
			json_null(&j);	/* a pipe or a device */
		json_obj_close(&j);
		json_end(&j);
	}
	return 0;
}

/*
 * import.c -- the two import formats, parsed strictly.
 *
 * Both parsers collect every record before anything is applied, so a bad
 * record anywhere rejects the whole file.  Results dated more than five
 * minutes in the future are refused: one would make every real result
 * after it look stale; and so are results dated before 1990, which cannot
 * be relay tests (and 1970 would read as "never").  No field may hold a
 * control character (a transcript may hold tabs and line breaks); tester
 * and helo hold at most 255 bytes, a transcript 64 KB.
 */
#include <ctype.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "err.h"
#include "import.h"
#include "store.h"
#include "timefmt.h"

#define FUTURE_SLACK 300
#define TIME_MIN 631152000	/* 1990-01-01T00:00:00Z: no relay test before */
#define FIELD_MAX 255		/* tester, helo */
#define TRANSCRIPT_MAX 65536

void
import_set_free(struct import_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		struct import_extra *x = set->recs[i].x;
		if (x == NULL)
			continue;
		free(x->tester);
		free(x->helo);
		free(x->transcript);
		free(x);
	}
	free(set->recs);
	memset(set, 0, sizeof(*set));
}

static struct import_rec *
new_rec(struct import_set *set)
{
	struct import_rec *r;

	if (set->n == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 65536;
		if ((r = realloc(set->recs, nc * sizeof(*r))) == NULL)
			return NULL;
		set->recs = r;
		set->cap = nc;
	}
	r = &set->recs[set->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

/*
 * Each field is checked to its documented form (dnsbl-loader(8), import), and
 * an error names the file, the line and the field.  Text is refused when
 * it holds a control character (a NUL, an escape), whatever the field.
 */

static int
check_time(const char *name, unsigned long line, const char *field,
    const char *s, int64_t now, int64_t *out, struct errbuf *eb)
{
	if (time_parse(s, out) != 0)
		return errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: %s: bad time '%s' "
		    "(want RFC 3339, e.g. 2026-11-23T10:00:00Z)", name, line,
		    field, s);
	if (*out < TIME_MIN)
		return errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: %s: time '%s' is "
		    "before 1990-01-01T00:00:00Z: not the time of a relay "
		    "test", name, line, field, s);
	if (*out > now + FUTURE_SLACK)
		return errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: %s: time '%s' is "
		    "in the future", name, line, field, s);
	return 0;
}

static int
check_result(const char *name, unsigned long line, const char *field,
    const char *s, uint8_t *out, struct errbuf *eb)
{
	int r;

	if (test_result_parse(s, &r) != 0 || r == RESULT_SUSPECTED)
		return errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: %s: unknown result "
		    "'%s' (want open, closed or unreachable)", name, line,
		    field, s);
	*out = (uint8_t)r;
	return 0;
}

static int
check_addr(const char *name, unsigned long line, const char *field,
    const char *s, struct prefix *p, struct errbuf *eb)
{
	struct errbuf e2;

	if (prefix_parse(s, p, &e2) != 0)
		return errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: %s: %s", name,
		    line, field, e2.msg);
	return 0;
}

/*
 * Text of n bytes: no control character but those allowed (tab, and for a
 * transcript newline and carriage return), at most max bytes, not empty.
 */
static int
check_text(const char *name, unsigned long line, const char *field,
    const char *s, size_t n, size_t max, const char *allow,
    struct errbuf *eb)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	if (n == 0)
		return errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: %s: empty", name,
		    line, field);
	if (n > max)
		return errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: %s: longer than "
		    "%zu bytes", name, line, field, max);
	for (i = 0; i < n; i++)
		if ((p[i] < 0x20 || p[i] == 0x7f) && (p[i] == 0 ||
		    strchr(allow, p[i]) == NULL))
			return errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: %s: "
			    "control character 0x%02x at byte %zu", name, line,
			    field, p[i], i + 1);
	return 0;
}

int
import_parse_lines(FILE *f, const char *name, int64_t now,
    struct import_set *set, struct errbuf *eb)
{
	char *line = NULL, *p, *field[4];
	size_t cap = 0;
	ssize_t len;
	unsigned long lno = 0;
	struct import_rec *r;
	int nf, rc = 0;

	while ((len = getline(&line, &cap, f)) != -1) {
		lno++;
		if (len == 0 || line[len - 1] != '\n') {
			rc = errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: the last "
			    "line has no newline: the file looks truncated",
			    name, lno);
			goto out;
		}
		line[--len] = '\0';
		/* A NUL would end the line early for strtok: "192.0.2.8\0
		 * closed" must not import as "192.0.2.8 open". */
		if (len > 0 && (rc = check_text(name, lno, "line", line,
		    (size_t)len, (size_t)len, "\t\r", eb)) != 0)
			goto out;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		nf = 0;
		for (p = strtok(line, " \t\r"); p != NULL;
		    p = strtok(NULL, " \t\r")) {
			if (nf == 3) {
				rc = errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: too "
				    "many fields (want ADDRESS [RESULT [TIME]])",
				    name, lno);
				goto out;
			}
			field[nf++] = p;
		}
		if (nf == 0)
			continue;
		if ((r = new_rec(set)) == NULL) {
			rc = errbuf_set(eb, DNSBL_ENOMEM, "%s: out of memory",
			    name);
			goto out;
		}
		r->line = (uint32_t)lno;
		r->result = RESULT_OPEN;
		r->tested_at = now;
		if ((rc = check_addr(name, lno, "address", field[0],
		    &r->prefix, eb)) ||
		    (nf > 1 && (rc = check_result(name, lno, "result",
		    field[1], &r->result, eb))) ||
		    (nf > 2 && (rc = check_time(name, lno, "time", field[2],
		    now, &r->tested_at, eb))))
			goto out;
	}
	if (ferror(f))
		rc = errbuf_set(eb, DNSBL_EIO, "%s: read error", name);
out:
	free(line);
	return rc;
}

/* ---------------------------------------------------------------------
 * YAML, read as events so a large file needs no document tree.
 */

struct yctx {
	yaml_parser_t parser;
	const char *name;
	struct errbuf *eb;
	FILE *f;
	int last;		/* the last byte read, or EOF if none */
	unsigned long lines;	/* newlines read */
	size_t bytes;		/* bytes read */
};

/* All of the input read, and it does not end with a newline. */
static int
truncated(const struct yctx *y)
{
	return feof(y->f) && y->last != EOF && y->last != '\n';
}

/*
 * libyaml's input, through here so the parser can tell a file cut short:
 * like a lines file, a YAML file must end with a newline.  Without this a
 * file cut inside its last record (a transcript, a tester, even an ip
 * such as 192.0.2.12 from 192.0.2.123) would be imported as if whole.
 */
static int
yread(void *data, unsigned char *buf, size_t size, size_t *got)
{
	struct yctx *y = data;
	size_t i;

	*got = fread(buf, 1, size, y->f);
	if (*got == 0)
		return !ferror(y->f);
	y->last = buf[*got - 1];
	y->bytes += *got;
	for (i = 0; i < *got; i++)
		if (buf[i] == '\n')
			y->lines++;
	return 1;
}

static int
ynext(struct yctx *y, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&y->parser, ev) && truncated(y) &&
	    y->parser.problem_mark.index >= y->bytes)
		/* An error at the end of a file cut short: say so. */
		return errbuf_set(y->eb, DNSBL_EPARSE, "%s:%lu: the last line "
		    "has no newline: the file looks truncated (%s)", y->name,
		    y->lines + 1, y->parser.problem ? y->parser.problem :
		    "YAML error");
	if (y->parser.error != YAML_NO_ERROR)
		return errbuf_set(y->eb, DNSBL_EPARSE, "%s:%lu:%lu: %s%s%s",
		    y->name, (unsigned long)y->parser.problem_mark.line + 1,
		    (unsigned long)y->parser.problem_mark.column + 1,
		    y->parser.problem ? y->parser.problem : "YAML error",
		    y->parser.context ? " " : "",
		    y->parser.context ? y->parser.context : "");
	return 0;
}

static unsigned long
yline(const yaml_event_t *ev)
{
	return (unsigned long)ev->start_mark.line + 1;
}

static int
ydup(const yaml_event_t *ev, char **out)
{
	free(*out);
	*out = strndup((const char *)ev->data.scalar.value,
	    ev->data.scalar.length);
	return *out ? 0 : DNSBL_ENOMEM;
}

/* One mapping (its MAPPING_START already read) into a record. */
static int
yrecord(struct yctx *y, struct import_set *set, unsigned long line,
    int64_t now)
{
	enum { K_IP = 1, K_RESULT = 2, K_TIME = 4, K_TESTER = 8, K_HELO = 16,
	    K_TRANSCRIPT = 32 };
	static const char *const keys[] = { "ip", "result", "tested_at",
	    "tester", "helo", "transcript" };
	yaml_event_t k, v;
	struct import_rec *r;
	char key[32];
	unsigned seen = 0, bit;
	size_t i;
	int rc = 0;

	if ((r = new_rec(set)) == NULL ||
	    (r->x = calloc(1, sizeof(*r->x))) == NULL)
		return errbuf_set(y->eb, DNSBL_ENOMEM, "out of memory");
	r->line = (uint32_t)line;
	for (;;) {
		if ((rc = ynext(y, &k)) != 0)
			return rc;
		if (k.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&k);
			break;
		}
		if (k.type != YAML_SCALAR_EVENT) {
			rc = errbuf_set(y->eb, DNSBL_EPARSE, "%s:%lu: expected "
			    "a key", y->name, yline(&k));
			yaml_event_delete(&k);
			return rc;
		}
		snprintf(key, sizeof(key), "%.*s",
		    (int)(k.data.scalar.length < 31 ? k.data.scalar.length : 31),
		    (const char *)k.data.scalar.value);
		line = yline(&k);
		if (memchr(k.data.scalar.value, 0, k.data.scalar.length) !=
		    NULL || k.data.scalar.length > 31)	/* no key of ours */
			snprintf(key, sizeof(key), "(a NUL or over 31 bytes)");
		yaml_event_delete(&k);
		for (i = 0, bit = 1; i < 6; i++, bit <<= 1)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (i == 6)
			return errbuf_set(y->eb, DNSBL_EPARSE, "%s:%lu: unknown "
			    "key '%s' (want ip, result, tested_at, tester, helo, "
			    "transcript)", y->name, line, key);
		if (seen & bit)
			return errbuf_set(y->eb, DNSBL_EPARSE, "%s:%lu: "
			    "duplicate key '%s'", y->name, line, key);
		seen |= bit;
		if ((rc = ynext(y, &v)) != 0)
			return rc;
		if (v.type != YAML_SCALAR_EVENT) {
			rc = errbuf_set(y->eb, DNSBL_EPARSE, "%s:%lu: %s: "
			    "expected a plain value", y->name, yline(&v), key);
			yaml_event_delete(&v);
			return rc;
		}
		{
			char *val = NULL;
			size_t vlen = v.data.scalar.length;
			line = yline(&v);
			/* A NUL inside a value would cut it short: refuse
			 * it, and every other control character but a
			 * transcript's line breaks and tabs. */
			rc = vlen == 0 ? 0 : check_text(y->name, line, key,
			    (const char *)v.data.scalar.value, vlen,
			    bit == K_TRANSCRIPT ? TRANSCRIPT_MAX :
			    bit == K_TESTER || bit == K_HELO ? FIELD_MAX : vlen,
			    bit == K_TRANSCRIPT ? "\t\n\r" : "", y->eb);
			if (rc == 0 && (rc = ydup(&v, &val)) != 0)
				rc = errbuf_set(y->eb, rc, "out of memory");
			yaml_event_delete(&v);
			if (rc)
				return rc;
			switch (bit) {
			case K_IP:
				rc = check_addr(y->name, line, key, val,
				    &r->prefix, y->eb);
				break;
			case K_RESULT:
				rc = check_result(y->name, line, key, val,
				    &r->result, y->eb);
				break;
			case K_TIME:
				rc = check_time(y->name, line, key, val, now,
				    &r->tested_at, y->eb);
				break;
			case K_TESTER: r->x->tester = val; val = NULL; break;
			case K_HELO: r->x->helo = val; val = NULL; break;
			default: r->x->transcript = val; val = NULL; break;
			}
			free(val);
			if (rc)
				return rc;
		}
	}
	for (i = 0, bit = 1; i < 3; i++, bit <<= 1)
		if (!(seen & bit))
			return errbuf_set(y->eb, DNSBL_EPARSE, "%s:%lu: record "
			    "has no '%s'", y->name, (unsigned long)r->line,
			    keys[i]);
	return 0;
}

int
import_parse_yaml(FILE *f, const char *name, int64_t now,
    struct import_set *set, struct errbuf *eb)
{
	struct yctx y;
	yaml_event_t ev;
	int rc, depth = 0, done = 0;

	memset(&y, 0, sizeof(y));
	y.name = name;
	y.eb = eb;
	if (!yaml_parser_initialize(&y.parser))
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	y.f = f;
	y.last = EOF;
	yaml_parser_set_input(&y.parser, yread, &y);
	while (!done) {
		if ((rc = ynext(&y, &ev)) != 0)
			goto out;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_SEQUENCE_START_EVENT:
			if (depth++ == 0)
				break;
			/* FALLTHROUGH */
		case YAML_SEQUENCE_END_EVENT:
			if (ev.type == YAML_SEQUENCE_END_EVENT && --depth == 0)
				break;
			rc = errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: expected a "
			    "record (a mapping with ip, result, tested_at)",
			    name, yline(&ev));
			goto out_ev;
		case YAML_MAPPING_START_EVENT:
			if (depth != 1) {
				rc = errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: the "
				    "file must be a sequence of records", name,
				    yline(&ev));
				goto out_ev;
			}
			if ((rc = yrecord(&y, set, yline(&ev), now)) != 0)
				goto out_ev;
			break;
		case YAML_SCALAR_EVENT:
			/* An empty document is a null scalar: no records. */
			if (depth == 0 && ev.data.scalar.length == 0)
				break;
			/* FALLTHROUGH */
		default:
			rc = errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: the file "
			    "must be a sequence of records", name, yline(&ev));
			goto out_ev;
		}
		yaml_event_delete(&ev);
	}
	rc = 0;
	if (truncated(&y))
		rc = errbuf_set(eb, DNSBL_EPARSE, "%s:%lu: the last line has no "
		    "newline: the file looks truncated", name, y.lines + 1);
	goto out;
out_ev:
	yaml_event_delete(&ev);
out:
	yaml_parser_delete(&y.parser);
	return rc;
}

/* ---------------------------------------------------------------------
 * The order to apply the records in.
 */

/* The full key of a record: the store's key order, then time, then line. */
struct sortkey {
	uint64_t k0;		/* family, address bytes 0-6 */
	uint64_t k1;		/* address bytes 7-14 */
	uint32_t k2;		/* address byte 15, prefix length */
	uint32_t line;
	int64_t t;
	uint32_t i;		/* the record's index */
};

static void
make_key(const struct import_rec *r, uint32_t i, struct sortkey *k)
{
	uint64_t v;

	memcpy(&v, r->prefix.addr, 8);
	k->k0 = (uint64_t)r->prefix.family << 56 | be64toh(v) >> 8;
	memcpy(&v, r->prefix.addr + 7, 8);
	k->k1 = be64toh(v);
	k->k2 = (uint32_t)r->prefix.addr[15] << 8 | r->prefix.len;
	k->t = r->tested_at;
	k->line = r->line;
	k->i = i;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct sortkey *x = a, *y = b;

	if (x->k0 != y->k0)
		return x->k0 < y->k0 ? -1 : 1;
	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? -1 : 1;
	if (x->k2 != y->k2)
		return x->k2 < y->k2 ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* What the radix sort moves: the first word of a key and its record. */
struct radix {
	uint64_t k0;
	uint64_t i;
};

/*
 * Sort n items by k0: a stable LSD radix sort, a byte a pass, the passes
 * over a byte that every key has alike left out.  The histograms of all
 * eight bytes are taken in one pass (a permutation does not change them).
 * b is scratch of n; the result is a or b, returned.
 */
static struct radix *
radix_sort(struct radix *a, struct radix *b, size_t n)
{
	size_t cnt[8][256], i, sum, c;
	struct radix *tmp;
	int pass, sh;

	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < n; i++)
		for (pass = 0; pass < 8; pass++)
			cnt[pass][(a[i].k0 >> (pass * 8)) & 0xff]++;
	for (pass = 0; n > 0 && pass < 8; pass++) {
		sh = pass * 8;
		if (cnt[pass][(a[0].k0 >> sh) & 0xff] == n)
			continue;	/* every key has this byte alike */
		for (i = 0, sum = 0; i < 256; i++) {
			c = cnt[pass][i];
			cnt[pass][i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[cnt[pass][(a[i].k0 >> sh) & 0xff]++] = a[i];
		tmp = a;
		a = b;
		b = tmp;
	}
	return a;
}

/*
 * Runs of one k0 in a, sorted by k0 (one address with many results, or an
 * IPv6 /56 and narrower): each sorted on its full keys, made again from
 * the records, in O(k log k).  DNSBL_ENOMEM, else 0.
 */
static int
sort_runs(const struct import_set *set, struct radix *a, size_t n)
{
	struct sortkey *k = NULL, *nk;
	size_t i, j, m, cap = 0;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && a[j].k0 == a[i].k0; j++)
			;
		if (j - i < 2)
			continue;
		if (j - i > cap) {
			if ((nk = realloc(k, (j - i) * sizeof(*k))) == NULL) {
				free(k);
				return DNSBL_ENOMEM;
			}
			k = nk;
			cap = j - i;
		}
		for (m = 0; m < j - i; m++)
			make_key(&set->recs[a[i + m].i], (uint32_t)a[i + m].i,
			    &k[m]);
		qsort(k, j - i, sizeof(*k), key_cmp);
		for (m = 0; m < j - i; m++)
			a[i + m].i = k[m].i;
	}
	free(k);
	return 0;
}

/* 1 if the records are in order already (an export, a sorted feed). */
static int
in_order(const struct import_set *set)
{
	struct sortkey k[2];	/* record i's key is k[i % 2] */
	size_t i;

	if (set->n < 2)
		return 1;
	make_key(&set->recs[0], 0, &k[0]);
	for (i = 1; i < set->n; i++) {
		make_key(&set->recs[i], (uint32_t)i, &k[i % 2]);
		if (key_cmp(&k[(i - 1) % 2], &k[i % 2]) > 0)
			return 0;
	}
	return 1;
}

uint32_t *
import_order(const struct import_set *set)
{
	struct radix *a = NULL, *b = NULL, *s;
	struct sortkey k;
	uint32_t *order;
	size_t i, n = set->n;

	if ((order = malloc((n ? n : 1) * sizeof(*order))) == NULL)
		return NULL;
	/* A file already in order is left as it is: one pass to see it,
	 * instead of the sort's. */
	if (in_order(set)) {
		for (i = 0; i < n; i++)
			order[i] = (uint32_t)i;
		return order;
	}
	a = malloc(n * sizeof(*a));
	b = malloc(n * sizeof(*b));
	if (a == NULL || b == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		make_key(&set->recs[i], (uint32_t)i, &k);
		a[i].k0 = k.k0;
		a[i].i = i;
	}
	s = radix_sort(a, b, n);
	if (sort_runs(set, s, n) != 0)
		goto fail;
	for (i = 0; i < n; i++)
		order[i] = (uint32_t)s[i].i;
	free(a);
	free(b);
	return order;
fail:
	free(a);
	free(b);
	free(order);
	return NULL;
}

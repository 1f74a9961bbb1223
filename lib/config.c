/*
 * config.c -- the YAML configuration of dnsbld and loader.
 *
 * libyaml loads the whole file as one document: a tree of nodes, each with
 * the line and column where it starts.  A schema table then walks the tree.
 * Each row of the table names a key, its type, its range, its default
 * (written as text and parsed exactly like a value in the file), where the
 * value goes in the struct and, for maps and sequences of maps, the schema
 * of the sub-map.  The same table drives config_free(), so whatever the
 * parser filled in is released, also after an error half-way.
 *
 * Keys of a map are checked first (unknown and duplicate keys, in file
 * order), then the rows are applied in table order, so top-level "keys" is
 * known before the zones that refer to it.  Errors come out in the errbuf
 * as "FILE:LINE:COLUMN: reason", with 1-based line and column.
 *
 * The tables are in cfgschema.c, the scalar parsers (names, endpoints,
 * durations, sizes) in cfgvalue.c, config_free() and the types' sizes in
 * cfgfree.c; docs/dnsbl.yaml.5 describes every row.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include <yaml.h>

#include "cfgschema.h"
#include "cfgvalue.h"
#include "config.h"
#include "err.h"
#include "txt.h"

struct cfgctx {
	const char *file;
	yaml_document_t *doc;
	struct dnsbl_config *cfg;
	struct errbuf *eb;
	unsigned long work;	/* values walked, against alias bombs */
};

#define WORK_MAX	1000000
#define FILE_MAX	(16 << 20)

static int __attribute__((format(printf, 4, 5)))
err_at(struct cfgctx *c, yaml_mark_t m, int code, const char *fmt, ...)
{
	char why[400], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	for (p = why; *p != '\0'; p++)	/* one line, whatever the input */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return errbuf_set(c->eb, code, "%s:%zu:%zu: %s", c->file, m.line + 1,
	    m.column + 1, why);
}

static yaml_node_t *
node(struct cfgctx *c, int i)
{
	return yaml_document_get_node(c->doc, i);
}

static const char *
text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* Bytes of a scalar shown in a message. */
static int
shown(const yaml_node_t *n)
{
	return n->data.scalar.length > 64 ? 64 : (int)n->data.scalar.length;
}

static int
key_is(const yaml_node_t *k, const char *s)
{
	return k != NULL && k->type == YAML_SCALAR_NODE &&
	    k->data.scalar.length == strlen(s) &&
	    memcmp(k->data.scalar.value, s, k->data.scalar.length) == 0;
}

static int
same_scalar(const yaml_node_t *a, const yaml_node_t *b)
{
	return a->data.scalar.length == b->data.scalar.length &&
	    memcmp(a->data.scalar.value, b->data.scalar.value,
	    a->data.scalar.length) == 0;
}

/* A plain "", "~" or "null": the same as leaving the key out. */
static int
is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = text(n);
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* The value of key in map, or NULL. */
static yaml_node_t *
map_get(struct cfgctx *c, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++)
		if (key_is(node(c, p->key), key))
			return node(c, p->value);
	return NULL;
}

static int
set_str(struct cfgctx *c, yaml_mark_t m, void *dst, const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		return err_at(c, m, DNSBL_ENOMEM, "out of memory");
	memcpy(dst, &p, sizeof(p));
	return 0;
}

static void
fmt_num(enum ftype t, uint64_t v, char *buf, size_t n)
{
	if (t == T_SIZE)
		cfg_size_format(v, buf, n);
	else
		snprintf(buf, n, "%llu", (unsigned long long)v);
}

static int
parse_number(struct cfgctx *c, const struct field *f, enum ftype t,
    const char *s, yaml_mark_t m, void *dst)
{
	char lo[32], hi[32];
	uint64_t v = 0;
	uint32_t v32;
	int rc;

	if (t == T_SIZE)
		rc = cfg_size_parse(s, &v);
	else if (t == T_DUR)
		rc = cfg_duration_parse(s, &v);
	else
		rc = cfg_uint_parse(s, &v);
	if (rc == DNSBL_EPARSE)
		return err_at(c, m, rc, t == T_SIZE ?
		    "%s: bad size '%.64s' (want bytes, or e.g. 512M, 1G)" :
		    t == T_DUR ?
		    "%s: bad duration '%.64s' (want e.g. 90d, 12h, 30m, 45s)" :
		    "%s: bad number '%.64s'", f->key, s);
	if (rc == DNSBL_ERANGE || v < f->min || v > f->max) {
		fmt_num(t, f->min, lo, sizeof(lo));
		fmt_num(t, f->max, hi, sizeof(hi));
		return err_at(c, m, DNSBL_ERANGE, "%s: %.64s out of range "
		    "(%s..%s)", f->key, s, lo, hi);
	}
	if (t == T_SIZE)
		memcpy(dst, &v, sizeof(v));
	else {
		v32 = (uint32_t)v;
		memcpy(dst, &v32, sizeof(v32));
	}
	return 0;
}

/* Parse the scalar s of type t (the field's, or its element's) into dst. */
static int
parse_scalar(struct cfgctx *c, const struct field *f, const char *s, size_t len,
    yaml_mark_t m, void *dst)
{
	char list[128];
	struct errbuf eb;
	struct cfg_dname d;
	struct prefix p;
	size_t i;
	int rc;

	memset(&eb, 0, sizeof(eb));
	if (++c->work > WORK_MAX)
		return err_at(c, m, DNSBL_ERANGE, "too many values");
	if (strlen(s) != len)
		return err_at(c, m, DNSBL_EPARSE, "%s: NUL byte in value",
		    f->key);
	switch (f->type) {
	case T_STR:
		if (len < f->min || len > f->max)
			return err_at(c, m, DNSBL_ERANGE, "%s: length %zu out "
			    "of range (%llu..%llu characters)", f->key, len,
			    (unsigned long long)f->min,
			    (unsigned long long)f->max);
		return set_str(c, m, dst, s);
	case T_TXT:
		if ((rc = txt_check(s, &eb)) != 0)
			return err_at(c, m, rc, "%s: %s", f->key, eb.msg);
		return set_str(c, m, dst, s);
	case T_PATH:
		if (len == 0)
			return err_at(c, m, DNSBL_EPARSE, "%s: empty path",
			    f->key);
		if (len > f->max)
			return err_at(c, m, DNSBL_ERANGE, "%s: path longer "
			    "than %llu bytes", f->key,
			    (unsigned long long)f->max);
		return set_str(c, m, dst, s);
	case T_ENUM:
		list[0] = '\0';
		for (i = 0; f->choices[i] != NULL; i++) {
			if (strcasecmp(s, f->choices[i]) == 0)
				return set_str(c, m, dst, f->choices[i]);
			snprintf(list + strlen(list), sizeof(list) -
			    strlen(list), "%s%s", i ? ", " : "",
			    f->choices[i]);
		}
		return err_at(c, m, DNSBL_EPARSE, "%s: unknown value '%.64s' "
		    "(want one of %s)", f->key, s, list);
	case T_BASE64:
		if (!cfg_base64_ok(s))
			return err_at(c, m, DNSBL_EPARSE, "%s: not valid "
			    "base64", f->key);
		return set_str(c, m, dst, s);
	case T_U32:
	case T_DUR:
	case T_SIZE:
		return parse_number(c, f, f->type, s, m, dst);
	case T_DNAME:
		if ((rc = dname_parse(s, dst, &eb)) != 0)
			return err_at(c, m, rc, "%s: %s", f->key, eb.msg);
		return 0;
	case T_KEYREF:
		if ((rc = dname_parse(s, &d, &eb)) != 0)
			return err_at(c, m, rc, "%s: %s", f->key, eb.msg);
		return set_str(c, m, dst, d.text);
	case T_A127:
		if (inet_pton(AF_INET, s, dst) != 1)
			return err_at(c, m, DNSBL_EPARSE, "%s: bad IPv4 "
			    "address '%.64s'", f->key, s);
		if (((uint8_t *)dst)[0] != 127)
			return err_at(c, m, DNSBL_ERANGE, "%s: %s is not "
			    "inside 127.0.0.0/8", f->key, s);
		return 0;
	case T_HOST:
	case T_CIDR:
		if ((rc = prefix_parse(s, &p, &eb)) != 0)
			return err_at(c, m, rc, "%s: %s", f->key, eb.msg);
		if (f->type == T_HOST && p.len != addr_bits(p.family))
			return err_at(c, m, DNSBL_EPARSE, "%s: '%.64s' is not "
			    "a single address", f->key, s);
		memcpy(dst, &p, sizeof(p));
		return 0;
	case T_ENDPOINT:
		if ((rc = endpoint_parse(s, 53, dst, &eb)) != 0)
			return err_at(c, m, rc, "%s: %s", f->key, eb.msg);
		return 0;
	default:
		return err_at(c, m, DNSBL_EINVAL, "%s: bad schema", f->key);
	}
}

/* Allocate n elements of esz for the list or sequence f of obj. */
static int
alloc_array(struct cfgctx *c, const struct field *f, void *obj, size_t n,
    size_t esz, yaml_mark_t m, char **out)
{
	char *arr;

	*out = NULL;
	if (n == 0)
		return 0;
	if ((arr = calloc(n, esz)) == NULL)
		return err_at(c, m, DNSBL_ENOMEM, "out of memory");
	memcpy((char *)obj + f->off, &arr, sizeof(arr));
	memcpy((char *)obj + f->noff, &n, sizeof(n));
	*out = arr;
	return 0;
}

/* A list default: the space-separated items of f->def. */
static int
parse_list_default(struct cfgctx *c, const struct field *f, yaml_mark_t m,
    void *obj)
{
	char buf[256], *tok, *save;
	size_t n = 0, esz = cfg_type_size(f->type);
	char *arr;
	int rc;

	snprintf(buf, sizeof(buf), "%s", f->def);
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save))
		n++;
	if ((rc = alloc_array(c, f, obj, n, esz, m, &arr)) != 0)
		return rc;
	snprintf(buf, sizeof(buf), "%s", f->def);
	n = 0;
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save), n++)
		if ((rc = parse_scalar(c, f, tok, strlen(tok), m,
		    arr + n * esz)) != 0)
			return rc;
	return 0;
}

static int parse_map(struct cfgctx *, const struct schema *, yaml_node_t *,
    yaml_mark_t, void *);

static int
count_ok(struct cfgctx *c, const struct field *f, yaml_node_t *v, size_t n)
{
	if (n < f->min)
		return err_at(c, v->start_mark, DNSBL_EPARSE, "%s: needs at "
		    "least %llu item%s", f->key, (unsigned long long)f->min,
		    f->min == 1 ? "" : "s");
	if (f->max != 0 && n > f->max)
		return err_at(c, v->start_mark, DNSBL_ERANGE, "%s: more than "
		    "%llu items", f->key, (unsigned long long)f->max);
	if (n > WORK_MAX - c->work)	/* aliases can repeat a long list */
		return err_at(c, v->start_mark, DNSBL_ERANGE,
		    "too many values");
	return 0;
}

/* A list of scalars or a sequence of maps. */
static int
parse_seq(struct cfgctx *c, const struct field *f, yaml_node_t *v, void *obj)
{
	yaml_node_item_t *items = v->data.sequence.items.start;
	size_t n = (size_t)(v->data.sequence.items.top - items), i, esz;
	yaml_node_t *it;
	char *arr;
	int rc;

	esz = f->type == T_SEQ ? f->sub->size : cfg_type_size(f->type);
	if ((rc = count_ok(c, f, v, n)) != 0 ||
	    (rc = alloc_array(c, f, obj, n, esz, v->start_mark, &arr)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if ((it = node(c, items[i])) == NULL)
			return err_at(c, v->start_mark, DNSBL_EPARSE,
			    "%s: bad item", f->key);
		if (f->type == T_SEQ) {
			if (it->type != YAML_MAPPING_NODE)
				return err_at(c, it->start_mark, DNSBL_EPARSE,
				    "%s: expected a mapping", f->key);
			rc = parse_map(c, f->sub, it, it->start_mark,
			    arr + i * esz);
		} else {
			if (it->type != YAML_SCALAR_NODE)
				return err_at(c, it->start_mark, DNSBL_EPARSE,
				    "%s: expected a scalar", f->key);
			rc = parse_scalar(c, f, text(it),
			    it->data.scalar.length, it->start_mark,
			    arr + i * esz);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* A map with names chosen by the user as keys: "codes". */
static int
parse_dmap(struct cfgctx *c, const struct field *f, yaml_node_t *v, void *obj)
{
	yaml_node_pair_t *pairs = v->data.mapping.pairs.start, *q;
	size_t n = (size_t)(v->data.mapping.pairs.top - pairs), i, j, esz;
	yaml_node_t *k, *val;
	const char *s;
	char *arr, *elem;
	int rc;

	esz = f->sub->size;
	if ((rc = count_ok(c, f, v, n)) != 0 ||
	    (rc = alloc_array(c, f, obj, n, esz, v->start_mark, &arr)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		k = node(c, pairs[i].key);
		val = node(c, pairs[i].value);
		if (k == NULL || val == NULL || k->type != YAML_SCALAR_NODE)
			return err_at(c, k ? k->start_mark : v->start_mark,
			    DNSBL_EPARSE, "%s: expected a scalar key", f->key);
		s = text(k);
		for (j = 0; s[j] != '\0'; j++)
			if (!(s[j] == '-' || s[j] == '_' ||
			    (s[j] >= '0' && s[j] <= '9') ||
			    (s[j] >= 'a' && s[j] <= 'z') ||
			    (s[j] >= 'A' && s[j] <= 'Z')))
				break;
		if (j == 0 || j > 63 || s[j] != '\0' ||
		    j != k->data.scalar.length)
			return err_at(c, k->start_mark, DNSBL_EPARSE, "%s: bad "
			    "name '%.*s' (want 1..63 letters, digits, '-', "
			    "'_')", f->key, shown(k), s);
		for (q = pairs; q < pairs + i; q++)
			if (same_scalar(node(c, q->key), k))
				return err_at(c, k->start_mark, DNSBL_EPARSE,
				    "duplicate key '%s' in %s", s, f->key);
		elem = arr + i * esz;
		if ((rc = set_str(c, k->start_mark, elem + f->sub->keyoff,
		    s)) != 0)
			return rc;
		if (is_null(val))
			val = NULL;
		else if (val->type != YAML_MAPPING_NODE)
			return err_at(c, val->start_mark, DNSBL_EPARSE,
			    "%s: %s: expected a mapping", f->key, s);
		if ((rc = parse_map(c, f->sub, val, k->start_mark, elem)) != 0)
			return rc;
	}
	return 0;
}

static int
parse_field(struct cfgctx *c, const struct field *f, yaml_node_t *v,
    yaml_mark_t where, void *obj)
{
	void *dst = (char *)obj + f->off;

	if (v != NULL && is_null(v)) {
		if (f->flags & F_REQ)
			return err_at(c, v->start_mark, DNSBL_EPARSE,
			    "%s: missing value", f->key);
		v = NULL;
	}
	if (v == NULL) {
		if (f->flags & F_REQ)
			return err_at(c, where, DNSBL_EPARSE,
			    "missing required key '%s'", f->key);
		if (f->type == T_MAP)
			return parse_map(c, f->sub, NULL, where, dst);
		if (f->def == NULL)
			return 0;
		if (f->flags & F_LIST)
			return parse_list_default(c, f, where, obj);
		return parse_scalar(c, f, f->def, strlen(f->def), where, dst);
	}
	if (f->type == T_MAP || f->type == T_DMAP) {
		if (v->type != YAML_MAPPING_NODE)
			return err_at(c, v->start_mark, DNSBL_EPARSE,
			    "%s: expected a mapping", f->key);
		if (f->type == T_DMAP)
			return parse_dmap(c, f, v, obj);
		return parse_map(c, f->sub, v, v->start_mark, dst);
	}
	if ((f->flags & F_LIST) || f->type == T_SEQ) {
		if (v->type != YAML_SEQUENCE_NODE)
			return err_at(c, v->start_mark, DNSBL_EPARSE,
			    "%s: expected a sequence", f->key);
		return parse_seq(c, f, v, obj);
	}
	if (v->type != YAML_SCALAR_NODE)
		return err_at(c, v->start_mark, DNSBL_EPARSE,
		    "%s: expected a scalar", f->key);
	return parse_scalar(c, f, text(v), v->data.scalar.length,
	    v->start_mark, dst);
}

static int
parse_map(struct cfgctx *c, const struct schema *s, yaml_node_t *map,
    yaml_mark_t where, void *obj)
{
	yaml_node_pair_t *p, *q;
	const struct field *f;
	yaml_node_t *k;
	int rc;

	if (++c->work > WORK_MAX)
		return err_at(c, where, DNSBL_ERANGE, "too many values");
	if (map != NULL) {
		where = map->start_mark;
		for (p = map->data.mapping.pairs.start;
		    p < map->data.mapping.pairs.top; p++) {
			if ((k = node(c, p->key)) == NULL ||
			    k->type != YAML_SCALAR_NODE)
				return err_at(c, k ? k->start_mark : where,
				    DNSBL_EPARSE, "expected a scalar key in %s",
				    s->what);
			for (f = s->fields; f->key != NULL; f++)
				if (key_is(k, f->key))
					break;
			if (f->key == NULL)
				return err_at(c, k->start_mark, DNSBL_EPARSE,
				    "unknown key '%.*s' in %s", shown(k),
				    text(k), s->what);
			for (q = map->data.mapping.pairs.start; q < p; q++)
				if (key_is(node(c, q->key), f->key))
					return err_at(c, k->start_mark,
					    DNSBL_EPARSE, "duplicate key '%s' "
					    "in %s", f->key, s->what);
		}
	}
	for (f = s->fields; f->key != NULL; f++)
		if ((rc = parse_field(c, f, map_get(c, map, f->key), where,
		    obj)) != 0)
			return rc;
	if (s->check != NULL)
		return s->check(c, obj, map, where);
	return 0;
}

/* Where key (or item i of the sequence under key) is, else where. */
static yaml_mark_t
mark_of(struct cfgctx *c, yaml_node_t *map, const char *key, long i,
    yaml_mark_t where)
{
	yaml_node_t *v = map_get(c, map, key), *it;

	if (v == NULL)
		return where;
	if (i >= 0 && v->type == YAML_SEQUENCE_NODE &&
	    i < v->data.sequence.items.top - v->data.sequence.items.start &&
	    (it = node(c, v->data.sequence.items.start[i])) != NULL)
		return it->start_mark;
	return v->start_mark;
}

const struct dnsbl_config *
cfg_ctx_config(const struct cfgctx *c)
{
	return c->cfg;
}

yaml_node_t *
cfg_map_get(struct cfgctx *c, yaml_node_t *map, const char *key)
{
	return map_get(c, map, key);
}

static int
verror(struct cfgctx *c, yaml_mark_t m, int code, const char *fmt,
    va_list ap)
{
	char why[400];

	vsnprintf(why, sizeof(why), fmt, ap);
	return err_at(c, m, code, "%s", why);
}

int
cfg_error_item(struct cfgctx *c, yaml_node_t *map, const char *key, long i,
    yaml_mark_t where, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = verror(c, mark_of(c, map, key, i, where), code, fmt, ap);
	va_end(ap);
	return rc;
}

int
cfg_error_at(struct cfgctx *c, yaml_node_t *map, const char *key,
    yaml_mark_t where, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = verror(c, mark_of(c, map, key, -1, where), code, fmt, ap);
	va_end(ap);
	return rc;
}

/* Line and column of byte offset off in fp, for reader errors. */
static yaml_mark_t
offset_mark(FILE *fp, size_t off)
{
	yaml_mark_t m;
	int ch;

	memset(&m, 0, sizeof(m));
	rewind(fp);
	for (; m.index < off && (ch = getc(fp)) != EOF; m.index++) {
		if (ch == '\n') {
			m.line++;
			m.column = 0;
		} else if ((ch & 0xc0) != 0x80)
			m.column++;	/* count characters, not bytes */
	}
	return m;
}

/* A libyaml error as "FILE:LINE:COL: problem". */
static int
yaml_error(struct cfgctx *c, yaml_parser_t *p, FILE *fp)
{
	const char *why = p->problem ? p->problem : "syntax error";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return errbuf_set(c->eb, DNSBL_ENOMEM, "%s: out of memory",
		    c->file);
	case YAML_READER_ERROR:
		if (ferror(fp))
			return errbuf_set(c->eb, DNSBL_EIO, "%s: %s", c->file,
			    strerror(errno));
		return err_at(c, offset_mark(fp, p->problem_offset),
		    DNSBL_EPARSE, "%s", why);
	default:
		if (p->context != NULL)
			return err_at(c, p->problem_mark, DNSBL_EPARSE,
			    "%s (%s at line %zu)", why, p->context,
			    p->context_mark.line + 1);
		return err_at(c, p->problem_mark, DNSBL_EPARSE, "%s", why);
	}
}

int
config_load(const char *path, struct dnsbl_config **out, struct errbuf *eb)
{
	struct dnsbl_config *cfg = NULL;
	yaml_parser_t parser;
	yaml_document_t doc, more;
	yaml_node_t *root;
	struct cfgctx c;
	struct stat st;
	FILE *fp;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.file = path;
	c.eb = eb;
	c.doc = &doc;
	if ((fp = fopen(path, "r")) == NULL)
		return errbuf_set(eb, DNSBL_EIO, "%s: %s", path,
		    strerror(errno));
	if (fstat(fileno(fp), &st) == -1 || S_ISDIR(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			errno = EISDIR;
		rc = errbuf_set(eb, DNSBL_EIO, "%s: %s", path, strerror(errno));
		goto close;
	}
	if (st.st_size > FILE_MAX) {
		rc = errbuf_set(eb, DNSBL_ERANGE, "%s: larger than %d bytes",
		    path, FILE_MAX);
		goto close;
	}
	if (!yaml_parser_initialize(&parser)) {
		rc = errbuf_set(eb, DNSBL_ENOMEM, "%s: out of memory", path);
		goto close;
	}
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = yaml_error(&c, &parser, fp);
		goto parser;
	}
	if ((root = yaml_document_get_root_node(&doc)) == NULL) {
		rc = errbuf_set(eb, DNSBL_EPARSE, "%s:1:1: empty configuration",
		    path);
		goto document;
	}
	if (root->type != YAML_MAPPING_NODE) {
		rc = err_at(&c, root->start_mark, DNSBL_EPARSE,
		    "expected a mapping at the top level");
		goto document;
	}
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (cfg->path = strdup(path)) == NULL) {
		rc = errbuf_set(eb, DNSBL_ENOMEM, "%s: out of memory", path);
		goto document;
	}
	c.cfg = cfg;
	rc = parse_map(&c, &cfg_top_schema, root, root->start_mark, cfg);
	if (rc != 0)
		goto document;
	/* A second document would be ignored silently: refuse it. */
	if (!yaml_parser_load(&parser, &more)) {
		rc = yaml_error(&c, &parser, fp);
		goto document;
	}
	if ((root = yaml_document_get_root_node(&more)) != NULL)
		rc = err_at(&c, root->start_mark, DNSBL_EPARSE,
		    "more than one YAML document");
	yaml_document_delete(&more);
	if (rc == 0) {
		*out = cfg;
		cfg = NULL;
	}
document:
	yaml_document_delete(&doc);
parser:
	yaml_parser_delete(&parser);
close:
	fclose(fp);
	config_free(cfg);
	return rc;
}

const struct cfg_zone *
config_zone(const struct dnsbl_config *cfg, const char *name)
{
	size_t i, n;

	if (cfg == NULL || name == NULL)
		return NULL;
	n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	for (i = 0; i < cfg->nzones; i++)
		if (strlen(cfg->zones[i].name.text) == n &&
		    strncasecmp(cfg->zones[i].name.text, name, n) == 0)
			return &cfg->zones[i];
	return NULL;
}

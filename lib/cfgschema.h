/*
 * cfgschema.h -- the schema tables of the YAML configuration.
 *
 * A schema is a list of rows, one per key of a YAML map: the key, its type,
 * its range, its default (as text, parsed like a value in the file), where
 * the value goes in the struct and, for maps and sequences of maps, the
 * schema of the sub-map.  cfgschema.c holds the tables; config.c walks a
 * loaded document with them and frees with them.  Private to those two.
 */
#ifndef DNSBL_CFGSCHEMA_H
#define DNSBL_CFGSCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

enum ftype {
	T_STR,		/* char *; length min..max */
	T_TXT,		/* char *; a TXT template (txt.h), length min..max */
	T_PATH,		/* char *; a non-empty path */
	T_ENUM,		/* char *; one of f->choices */
	T_BASE64,	/* char *; valid base64, kept as written */
	T_U32,		/* uint32_t; min..max */
	T_DUR,		/* uint32_t seconds ("90d"); min..max */
	T_SIZE,		/* uint64_t bytes ("1G"); min..max */
	T_DNAME,	/* struct cfg_dname */
	T_KEYREF,	/* char *; a domain name, the name of a TSIG key */
	T_A127,		/* uint8_t[4] inside 127.0.0.0/8 */
	T_HOST,		/* struct prefix; one IPv4 or IPv6 address */
	T_CIDR,		/* struct prefix */
	T_ENDPOINT,	/* struct cfg_endpoint; port 53 if not given */
	T_MAP,		/* a struct at off, keys in f->sub */
	T_SEQ,		/* array of f->sub maps at off, count at noff */
	T_DMAP		/* map NAME -> f->sub, stored like T_SEQ */
};

#define F_REQ	0x1	/* the key must be present */
#define F_LIST	0x2	/* array of the scalar type at off, count at noff */

struct cfgctx;
struct schema;

/* One row of a schema: a key of a map. */
struct field {
	const char *key;
	enum ftype type;
	unsigned flags;
	uint64_t min, max;	/* value; length of T_STR; count of lists */
	const char *def;	/* default as text; lists: space-separated */
	size_t off, noff;	/* value, element count (lists, T_SEQ) */
	const struct schema *sub;
	const char *const *choices;
};

/* A map: its rows, its name in messages, a check of the whole map. */
struct schema {
	const char *what;
	size_t size;		/* struct size, for T_SEQ and T_DMAP */
	size_t keyoff;		/* T_DMAP: the char * holding the key */
	const struct field *fields;
	int (*check)(struct cfgctx *, void *, yaml_node_t *, yaml_mark_t);
};

/* The web front end's map, "web:" (cfgweb.c). */
extern const struct schema cfg_web_schema;

/* The top-level map: struct dnsbl_config. */
extern const struct schema cfg_top_schema;

/* The xdp map (cfgxdp.c). */
extern const struct schema cfg_xdp_schema;

/*
 * For a check outside config.c: the config read so far (the keys before
 * the map being checked), and an error at key of map (or at where when
 * the map has no key), as "file:line:column: reason".
 */
const struct dnsbl_config *cfg_ctx_config(const struct cfgctx *c);
int cfg_error_at(struct cfgctx *c, yaml_node_t *map, const char *key,
    yaml_mark_t where, int code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The same at item i of the sequence under key (at key if i < 0). */
int cfg_error_item(struct cfgctx *c, yaml_node_t *map, const char *key,
    long i, yaml_mark_t where, int code, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* The value of key in map, or NULL; points into the parser's document. */
yaml_node_t *cfg_map_get(struct cfgctx *c, yaml_node_t *map, const char *key);

/* The size of one value of type t in its struct, 0 for a map or a
 * sequence; and 1 if a value of type t is a char * the parser allocated
 * (cfgfree.c). */
size_t cfg_type_size(enum ftype t);
int cfg_type_is_str(enum ftype t);

/* Checks of a whole map, after its rows (cfgcheck.c). */
int cfg_zone_check(struct cfgctx *, void *, yaml_node_t *, yaml_mark_t);
int cfg_key_check(struct cfgctx *, void *, yaml_node_t *, yaml_mark_t);

#endif

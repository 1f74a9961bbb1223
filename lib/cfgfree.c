/*
 * cfgfree.c -- what the schema tables say of a value's type beyond its
 * parsing (its size in the struct, whether the parser allocated it), and
 * config_free(), which walks the same tables to release whatever
 * config.c's parser filled in, also after an error half-way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "addr.h"
#include "cfgschema.h"
#include "config.h"

size_t
cfg_type_size(enum ftype t)
{
	switch (t) {
	case T_STR:
	case T_TXT:
	case T_PATH:
	case T_ENUM:
	case T_BASE64:
	case T_KEYREF:
		return sizeof(char *);
	case T_U32:
	case T_DUR:
		return sizeof(uint32_t);
	case T_SIZE:
		return sizeof(uint64_t);
	case T_DNAME:
		return sizeof(struct cfg_dname);
	case T_A127:
		return 4;
	case T_HOST:
	case T_CIDR:
		return sizeof(struct prefix);
	case T_ENDPOINT:
		return sizeof(struct cfg_endpoint);
	default:
		return 0;
	}
}

int
cfg_type_is_str(enum ftype t)
{
	return t == T_STR || t == T_TXT || t == T_PATH || t == T_ENUM ||
	    t == T_BASE64 || t == T_KEYREF;
}

/* Release what the rows of s hold in obj, not obj itself. */
static void
free_obj(const struct schema *s, void *obj)
{
	const struct field *f;
	size_t n, i, esz;
	char *arr, *str;

	for (f = s->fields; f->key != NULL; f++) {
		if (f->type == T_MAP) {
			free_obj(f->sub, (char *)obj + f->off);
			continue;
		}
		if (!(f->flags & F_LIST) && f->type != T_SEQ &&
		    f->type != T_DMAP) {
			if (cfg_type_is_str(f->type)) {
				memcpy(&str, (char *)obj + f->off, sizeof(str));
				free(str);
			}
			continue;
		}
		memcpy(&arr, (char *)obj + f->off, sizeof(arr));
		memcpy(&n, (char *)obj + f->noff, sizeof(n));
		esz = f->sub != NULL ? f->sub->size : cfg_type_size(f->type);
		for (i = 0; arr != NULL && i < n; i++) {
			char *elem = arr + i * esz;

			if (f->type == T_DMAP) {
				memcpy(&str, elem + f->sub->keyoff,
				    sizeof(str));
				free(str);
			}
			if (f->sub != NULL)
				free_obj(f->sub, elem);
			else if (cfg_type_is_str(f->type)) {
				memcpy(&str, elem, sizeof(str));
				free(str);
			}
		}
		free(arr);
	}
}

void
config_free(struct dnsbl_config *cfg)
{
	if (cfg == NULL)
		return;
	free_obj(&cfg_top_schema, cfg);
	free(cfg->path);
	free(cfg);
}


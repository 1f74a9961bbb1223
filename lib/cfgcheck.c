/*
 * cfgcheck.c -- checks of a whole zone or TSIG key map of the
 * configuration, run by the parser (config.c) after the map's rows:
 * what no single row can check, against the config read so far.  Errors
 * name the file, line and column of the offending key.
 */
#include <string.h>

#include <yaml.h>

#include "cfgschema.h"
#include "config.h"
#include "err.h"

static int
dname_eq(const struct cfg_dname *a, const struct cfg_dname *b)
{
	return a->wirelen == b->wirelen &&
	    memcmp(a->wire, b->wire, a->wirelen) == 0;
}

/* No two zones of one name; every transfer key is defined. */
int
cfg_zone_check(struct cfgctx *c, void *obj, yaml_node_t *map, yaml_mark_t where)
{
	const struct dnsbl_config *cfg = cfg_ctx_config(c);
	const struct cfg_zone *z = obj;
	size_t i, j, idx = (size_t)(z - cfg->zones);

	for (i = 0; i < idx; i++)
		if (dname_eq(&z->name, &cfg->zones[i].name))
			return cfg_error_at(c, map, "name", where,
			    DNSBL_EPARSE, "duplicate zone '%s'", z->name.text);
	for (i = 0; i < z->ntransfer_keys; i++) {
		for (j = 0; j < cfg->nkeys; j++)
			if (strcmp(cfg->keys[j].name.text,
			    z->transfer_keys[i]) == 0)
				break;
		if (j == cfg->nkeys)
			return cfg_error_item(c, cfg_map_get(c, map,
			    "transfer"), "keys", (long)i, where, DNSBL_EPARSE,
			    "transfer: key '%s' is not defined in keys",
			    z->transfer_keys[i]);
	}
	return 0;
}

/* No two TSIG keys of one name. */
int
cfg_key_check(struct cfgctx *c, void *obj, yaml_node_t *map, yaml_mark_t where)
{
	const struct dnsbl_config *cfg = cfg_ctx_config(c);
	const struct cfg_key *k = obj;
	size_t i, idx = (size_t)(k - cfg->keys);

	for (i = 0; i < idx; i++)
		if (dname_eq(&k->name, &cfg->keys[i].name))
			return cfg_error_at(c, map, "name", where,
			    DNSBL_EPARSE, "duplicate key '%s'", k->name.text);
	return 0;
}

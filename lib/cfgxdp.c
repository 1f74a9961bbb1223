/*
 * cfgxdp.c -- the schema of the "xdp:" map of dnsbl.yaml (struct cfg_xdp,
 * config.h): dnsbld's optional AF_XDP path (docs/xdp.md).  Every build
 * reads it, so one file checks alike with and without XDP; only a dnsbld
 * built with `make XDP=1` can serve it.  docs/dnsbl.yaml.5 describes each
 * row.  The tables are constant; nothing here owns memory.
 */
#include <stddef.h>
#include <string.h>

#include <sys/socket.h>

#include "cfgschema.h"
#include "config.h"
#include "err.h"

static const char *const xdp_modes[] = { "auto", "native", "generic", NULL };

/*
 * With an interface: an IPv4 address that is one of `listen` (the kernel
 * keeps answering TCP and whatever the XDP program passes on it), and no
 * queue twice; frames a power of two (the rings' sizes).  A name of an interface is at most IFNAMSIZ - 1 bytes.
 */
static int
xdp_check(struct cfgctx *c, void *obj, yaml_node_t *map, yaml_mark_t where)
{
	const struct cfg_xdp *x = obj;
	const struct dnsbl_config *cfg = cfg_ctx_config(c);
	size_t i, j;

	if ((x->frames & (x->frames - 1)) != 0)
		return cfg_error_at(c, map, "frames", where, DNSBL_EPARSE,
		    "xdp: frames %u is not a power of two",
		    (unsigned)x->frames);
	if (x->interface == NULL) {
		if (x->address.sslen != 0)
			return cfg_error_at(c, map, "address", where,
			    DNSBL_EPARSE, "xdp: address without interface");
		return 0;
	}
	if (x->address.sslen == 0)
		return cfg_error_at(c, map, "interface", where, DNSBL_EPARSE,
		    "xdp: interface '%s' needs an address", x->interface);
	if (x->address.ss.ss_family != AF_INET)
		return cfg_error_at(c, map, "address", where, DNSBL_EPARSE,
		    "xdp: address %s is not IPv4 (the XDP path answers "
		    "IPv4 only)", x->address.text);
	for (i = 0; i < cfg->nlisten; i++)
		if (cfg->listen[i].sslen == x->address.sslen &&
		    memcmp(&cfg->listen[i].ss, &x->address.ss,
		    x->address.sslen) == 0)
			break;
	if (i == cfg->nlisten)
		return cfg_error_at(c, map, "address", where, DNSBL_EPARSE,
		    "xdp: address %s is not one of listen", x->address.text);
	if (x->nqueues == 0)
		return cfg_error_at(c, map, "queues", where, DNSBL_EPARSE,
		    "xdp: queues needs at least one queue");
	for (i = 0; i < x->nqueues; i++)
		for (j = 0; j < i; j++)
			if (x->queues[i] == x->queues[j])
				return cfg_error_at(c, map, "queues", where,
				    DNSBL_EPARSE, "xdp: queue %u twice",
				    (unsigned)x->queues[i]);
	return 0;
}

static const struct field xdp_fields[] = {
	{ .key = "interface", .type = T_STR, .min = 1, .max = 15,
	  .off = offsetof(struct cfg_xdp, interface) },
	/* The range is both the queue numbers' and the count's. */
	{ .key = "queues", .type = T_U32, .flags = F_LIST, .min = 0,
	  .max = 63, .def = "0", .off = offsetof(struct cfg_xdp, queues),
	  .noff = offsetof(struct cfg_xdp, nqueues) },
	{ .key = "mode", .type = T_ENUM, .def = "auto",
	  .off = offsetof(struct cfg_xdp, mode), .choices = xdp_modes },
	{ .key = "address", .type = T_ENDPOINT,
	  .off = offsetof(struct cfg_xdp, address) },
	{ .key = "frames", .type = T_U32, .min = 256, .max = 65536,
	  .def = "4096", .off = offsetof(struct cfg_xdp, frames) },
	{ .key = NULL }
};

const struct schema cfg_xdp_schema = { .what = "xdp",
	.fields = xdp_fields, .check = xdp_check };

/*
 * xdp_kern.c -- the XDP program of dnsbld's AF_XDP path (docs/xdp.md),
 * compiled with clang -target bpf by `make XDP=1` and carried inside the
 * dnsbld binary (xdp.c loads it).  It is not part of the C build of
 * dnsbld itself.
 *
 * An untagged IPv4 UDP datagram with no IP options, not a fragment, to
 * the address and port in dnsbl_cfg, goes to the AF_XDP socket of the
 * queue it came in on (dnsbl_xsks, filled by dnsbld); any other frame,
 * or one on a queue with no socket, goes on to the kernel (XDP_PASS).
 * dnsbl_cfg is empty (address 0) until dnsbld fills it: then every frame
 * passes.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct dnsbl_xdp_cfg {
	__u32 addr;		/* network byte order */
	__u16 port;		/* network byte order */
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dnsbl_xdp_cfg);
} dnsbl_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} dnsbl_xsks SEC(".maps");

SEC("xdp")
int dnsbl_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	struct dnsbl_xdp_cfg *c;
	__u32 zero = 0;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_UDP ||
	    (ip->frag_off & bpf_htons(0x3fff)) != 0)
		return XDP_PASS;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end)
		return XDP_PASS;
	c = bpf_map_lookup_elem(&dnsbl_cfg, &zero);
	if (c == NULL || c->addr == 0 || ip->daddr != c->addr ||
	    udp->dest != c->port)
		return XDP_PASS;
	return bpf_redirect_map(&dnsbl_xsks, ctx->rx_queue_index, XDP_PASS);
}

/* The kernel asks each program for a license: this one calls no helper
 * reserved to GPL programs, and the project has not chosen its license
 * yet (debian/copyright), so it claims none. */
char _license[] SEC("license") = "none";

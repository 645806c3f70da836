/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Link-layer rewriting shared by tunnel and redirect: resolve the next hop
 * before anything is rewritten (a packet that cannot leave is served here
 * untouched), then write a plain Ethernet header for it.
 */
#ifndef ES_L2_H
#define ES_L2_H

#include <linux/if_ether.h>
#include "maps.h"
#include "parse.h"
#include "stats.h"

#define ES_SYS_AF_INET		2	/* AF_INET / AF_INET6 of bpf_fib_lookup */
#define ES_SYS_AF_INET6		10

struct nexthop {
	__u32 ifindex;
	__u8 smac[ETH_ALEN];
	__u8 dmac[ETH_ALEN];
};

/* The POP's resolved next hop, or the kernel FIB's answer when userspace
 * has not resolved one. Returns 0 on success. */
static __always_inline int nexthop_resolve(struct xdp_md *ctx, const struct es_pop *pop,
					   struct nexthop *nh)
{
	struct bpf_fib_lookup fib = {};
	int rc;

	if (pop->ifindex) {
		nh->ifindex = pop->ifindex;
		__builtin_memcpy(nh->smac, pop->smac, ETH_ALEN);
		__builtin_memcpy(nh->dmac, pop->dmac, ETH_ALEN);
		return 0;
	}

	fib.ifindex = ctx->ingress_ifindex;
	if (pop->family == ES_AF_INET) {
		fib.family = ES_SYS_AF_INET;
		fib.ipv4_src = pop->source.v4;
		fib.ipv4_dst = pop->endpoint.v4;
	} else {
		fib.family = ES_SYS_AF_INET6;
		__builtin_memcpy(fib.ipv6_src, pop->source.v6w, 16);
		__builtin_memcpy(fib.ipv6_dst, pop->endpoint.v6w, 16);
	}
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return -1;
	nh->ifindex = fib.ifindex;
	__builtin_memcpy(nh->smac, fib.smac, ETH_ALEN);
	__builtin_memcpy(nh->dmac, fib.dmac, ETH_ALEN);
	count(ES_CNT_FIB_LOOKUP, 0);
	return 0;
}

static __always_inline void eth_write(struct ethhdr *eth, const __u8 *dmac, const __u8 *smac,
				      __u8 family)
{
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	eth->h_proto = family == ES_AF_INET ? bpf_htons(ETH_P_IP) : bpf_htons(ETH_P_IPV6);
}

/* Send the rewritten frame: back out the interface it came in on, or to
 * another one. bpf_redirect() to an ifindex is bulked by the kernel like a
 * devmap redirect, and going through the egress devmap first would cost a
 * hash lookup per packet for nothing. */
static __always_inline int transmit(struct xdp_md *ctx, __u32 ifindex)
{
	if (ifindex == ctx->ingress_ifindex)
		return XDP_TX;
	return bpf_redirect(ifindex, 0);
}

#endif /* ES_L2_H */

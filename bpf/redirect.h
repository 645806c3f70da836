/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 7, redirect POPs: hand the packet unchanged at L3 to a local
 * interface (a server segment, a scrubber, ...) with new MAC addresses.
 * VLAN tags of the edge link mean nothing there and are removed.
 */
#ifndef ES_REDIRECT_H
#define ES_REDIRECT_H

#include "l2.h"

static __always_inline bool mac_is_zero(const __u8 *m)
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

/* Returns the verdict, or -1 when the interface is not usable (the packet
 * is then untouched and served here). */
static __always_inline int redirect_to_pop(struct xdp_md *ctx, const struct packet *pkt,
					   const struct es_pop *pop)
{
	__u32 ifindex = pop->ifindex;
	__u8 dmac[ETH_ALEN];
	struct ethhdr *eth;
	void *data, *data_end;

	if (!ifindex || !bpf_map_lookup_elem(&egress, &ifindex))
		return -1;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return -1;
	/* no configured MAC: keep the one the frame came with */
	if (!mac_is_zero(pop->dmac))
		__builtin_memcpy(dmac, pop->dmac, ETH_ALEN);
	else
		__builtin_memcpy(dmac, eth->h_dest, ETH_ALEN);

	if (pkt->nvlan && bpf_xdp_adjust_head(ctx, pkt->nvlan * 4))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return -1;
	eth_write(eth, dmac, pop->smac, pkt->family);
	return bpf_redirect_map(&egress, ifindex, 0);
}

#endif /* ES_REDIRECT_H */

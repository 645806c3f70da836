/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 2: tunnel traffic addressed to this POP. Another POP's edge
 * steered a client here; strip the outer IP (and GUE UDP) header and pass
 * the inner packet to the local stack, which serves it and answers the
 * client directly. A decapsulated packet is never steered again: it goes
 * straight to XDP_PASS, so steering can never loop between POPs.
 */
#ifndef ES_DECAP_H
#define ES_DECAP_H

#include "addr_table.h"
#include "mss.h"
#include "stats.h"

static __always_inline bool addr_eq(__u8 family, const struct es_addr *a, const struct es_addr *b)
{
	if (family == ES_AF_INET)
		return a->v4 == b->v4;
	return a->v6w[0] == b->v6w[0] && a->v6w[1] == b->v6w[1] &&
	       a->v6w[2] == b->v6w[2] && a->v6w[3] == b->v6w[3];
}

/* Outer destination is our tunnel address and the protocol is a tunnel. */
static __always_inline bool is_tunnel_to_us(const struct packet *pkt, const struct es_config *cfg)
{
	if (!cfg->self_family || cfg->self_family != pkt->family ||
	    !addr_eq(pkt->family, &pkt->daddr, &cfg->self_addr))
		return false;
	return pkt->proto == IPPROTO_IPIP || pkt->proto == IPPROTO_IPV6 ||
	       (pkt->proto == IPPROTO_UDP && pkt->frag != FRAG_LATER &&
		pkt->dport == cfg->gue_port);
}

static __always_inline bool peer_allowed(const struct packet *pkt)
{
	return addr_table_find(&peer_table, pkt->family, &pkt->saddr) != NULL;
}

/* Link header of up to two VLAN tags, kept across the decapsulation. */
struct l2_copy {
	__u8 bytes[sizeof(struct ethhdr) + 4 * ES_MAX_VLAN_TAGS];
};

static __always_inline int decapsulate(struct xdp_md *ctx, const struct packet *pkt,
				       const struct es_config *cfg)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 inner_off = pkt->l4_off, outer_len;
	__u8 inner_family, version;
	struct l2_copy l2;
	__u8 *p;

	if (!peer_allowed(pkt))
		return done(XDP_DROP, ES_CNT_DECAP_DENIED, pkt->len);
	/* XDP cannot reassemble: a fragmented tunnel packet is unusable */
	if (pkt->frag != FRAG_NONE)
		return done(XDP_DROP, ES_CNT_DECAP_MALFORMED, pkt->len);

	if (pkt->proto == IPPROTO_UDP)
		inner_off += sizeof(struct udphdr);
	if (inner_off > 512)	/* bound for the verifier; real headers are far shorter */
		return done(XDP_DROP, ES_CNT_DECAP_MALFORMED, pkt->len);
	outer_len = inner_off - pkt->l3_off;

	/* the inner IP header must be there, whole, and say what it is */
	p = data + inner_off;
	if ((void *)(p + sizeof(struct iphdr)) > data_end)
		return done(XDP_DROP, ES_CNT_DECAP_MALFORMED, pkt->len);
	version = *p >> 4;
	switch (pkt->proto) {
	case IPPROTO_IPIP:
		inner_family = ES_AF_INET;
		break;
	case IPPROTO_IPV6:
		inner_family = ES_AF_INET6;
		break;
	default:	/* GUE variant 1: the IP version says what follows */
		if (version != ES_AF_INET && version != ES_AF_INET6)
			return done(XDP_DROP, ES_CNT_DECAP_MALFORMED, pkt->len);
		inner_family = version;
		break;
	}
	if (version != inner_family ||
	    (version == ES_AF_INET6 && inner_off + sizeof(struct ipv6hdr) >
	     (__u32)(data_end - data)))
		return done(XDP_DROP, ES_CNT_DECAP_MALFORMED, pkt->len);

	if (data + sizeof(l2.bytes) > data_end)
		return done(XDP_DROP, ES_CNT_DECAP_MALFORMED, pkt->len);
	__builtin_memcpy(l2.bytes, data, sizeof(l2.bytes));

	if (bpf_xdp_adjust_head(ctx, outer_len))
		return done(XDP_DROP, ES_CNT_ADJUST_FAILED, pkt->len);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(l2.bytes) > data_end)
		return done(XDP_DROP, ES_CNT_DECAP_MALFORMED, pkt->len);

	/* the link header moves up to sit in front of the inner packet; the
	 * last ethertype (after any VLAN tags) now names the inner family */
	__builtin_memcpy(data, l2.bytes, sizeof(struct ethhdr));
	if (pkt->nvlan >= 1)
		__builtin_memcpy(data + 14, l2.bytes + 14, 4);
	if (pkt->nvlan >= 2)
		__builtin_memcpy(data + 18, l2.bytes + 18, 4);
	{
		__be16 *type = data + 12 + 4 * (pkt->nvlan & 3);

		if ((void *)(type + 1) > data_end)
			return done(XDP_DROP, ES_CNT_DECAP_MALFORMED, pkt->len);
		*type = inner_family == ES_AF_INET ? bpf_htons(ETH_P_IP) : bpf_htons(ETH_P_IPV6);
	}
	mss_record(ctx, pkt->l3_off, outer_len, inner_family, cfg, pkt->len);
	return done(XDP_PASS, ES_CNT_DECAP, pkt->len);
}

#endif /* ES_DECAP_H */

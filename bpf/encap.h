/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 7, tunnel POPs: encapsulate the IP packet (without its link
 * header and VLAN tags) in an outer IPv4 or IPv6 header, optionally with a
 * GUE UDP header, addressed from the POP's real source address to its
 * endpoint, and send it to the POP's next hop.
 *
 * Outer header rules: TTL / hop limit 64; DSCP and ECN copied from the
 * inner header (RFC 6040 normal mode); IPv4 outer always DF, because the
 * receiving POP decapsulates in XDP and cannot reassemble; IPv6 outer flow
 * label and the GUE source port come from the flow hash so that the
 * receiver's RSS spreads flows over its queues.
 */
#ifndef ES_ENCAP_H
#define ES_ENCAP_H

#include "csum.h"
#include "l2.h"

#define GUE_SPORT_BASE		0xc000	/* ephemeral range, RFC 6335 */
#define GUE_SPORT_MASK		0x3fff
#define ES_MAX_CSUM_WORDS	4800	/* 9600-byte jumbo frames */

static __always_inline __u32 mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* Same value for every packet of a flow, and for every fragment of a
 * datagram: fragments hash their addresses alone, all of them alike. Not
 * the ports, which later fragments lack, nor the protocol: an IPv6 later
 * fragment can only name the header after its fragment header, which the
 * first fragment may have walked past (destination options). */
static __always_inline __u32 flow_hash(const struct packet *pkt)
{
	__u32 s = pkt->saddr.v6w[0] ^ pkt->saddr.v6w[1] ^ pkt->saddr.v6w[2] ^ pkt->saddr.v6w[3];
	__u32 d = pkt->daddr.v6w[0] ^ pkt->daddr.v6w[1] ^ pkt->daddr.v6w[2] ^ pkt->daddr.v6w[3];
	__u32 l4 = 0;

	if (pkt->frag == FRAG_NONE)
		l4 = (((__u32)pkt->sport << 16) | pkt->dport) ^ pkt->proto;
	return mix32(mix32(s * 0x9e3779b1 ^ d) ^ l4);
}

static __always_inline __u32 encap_overhead(const struct es_pop *pop)
{
	return (pop->family == ES_AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr)) +
	       (pop->encap == ES_ENCAP_GUE ? sizeof(struct udphdr) : 0);
}

/*
 * Sum of the inner packet's bytes without reading its payload, from the
 * checksums it already carries: a correct IPv4 header sums to zero (in
 * ones' complement), and a correct TCP/UDP/ICMPv6 segment sums to the
 * complement of its pseudo-header. This is the "local checksum offload"
 * identity of RFC 1624 arithmetic; it makes the GUE UDP checksum cost a
 * few additions whatever the packet size. Returns false when it does not
 * apply (fragments, IPv6 extension headers, protocols without a
 * checksum, UDP over IPv4 sent without one).
 */
static __always_inline bool inner_sum_from_headers(const struct packet *pkt, __u64 *sum)
{
	__u32 l4_len = pkt->l3_len - (pkt->l4_off - pkt->l3_off);
	__u64 s = 0;

	if (pkt->frag != FRAG_NONE || pkt->ext_hdrs)
		return false;
	switch (pkt->proto) {
	case IPPROTO_TCP:
		break;
	case IPPROTO_UDP:
		if (pkt->family == ES_AF_INET && !pkt->l4_csum)
			return false;
		break;
	case IPPROTO_ICMP:
		if (pkt->family != ES_AF_INET)
			return false;
		*sum = 0;	/* header and ICMP message each sum to zero */
		return true;
	case IPPROTO_ICMPV6:
		if (pkt->family != ES_AF_INET6)
			return false;
		break;
	default:
		return false;
	}
	/* (an inner IPv6 header has no checksum: the caller adds its words) */
	s += (__u16)~csum_fold(csum_pseudo(pkt->family, &pkt->saddr, &pkt->daddr,
					   pkt->proto, l4_len));
	*sum = s;
	return true;
}

/*
 * GUE over IPv6 must carry a real UDP checksum. When it cannot come from
 * the inner headers it is summed over the bytes, which this program can
 * only do for the linear part of a frame: a multi-buffer (jumbo) frame
 * would leave with a wrong checksum and be dropped by the receiver, so the
 * caller serves it here instead.
 */
static __always_inline bool encap_csum_unavailable(struct xdp_md *ctx, const struct packet *pkt,
						   const struct es_pop *pop)
{
	__u64 unused;
	__u32 linear = ctx->data_end - ctx->data;

	return pop->encap == ES_ENCAP_GUE && pop->family == ES_AF_INET6 &&
	       pkt->len > linear && !inner_sum_from_headers(pkt, &unused);
}

/* Returns the verdict, or -1 when encapsulation failed after the packet
 * was changed (counted, and the caller drops it). */
static __always_inline int encap_to_pop(struct xdp_md *ctx, const struct packet *pkt,
					const struct es_pop *pop, const struct nexthop *nh,
					__be16 gue_port)
{
	bool gue = pop->encap == ES_ENCAP_GUE;
	__u32 inner_len = pkt->l3_len;
	__u32 outer_l3 = pop->family == ES_AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	__u32 hdrs = sizeof(struct ethhdr) + outer_l3 + (gue ? sizeof(struct udphdr) : 0);
	__u8 inner_proto = pkt->family == ES_AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
	__u32 hash = flow_hash(pkt);
	__u32 frame_end = pkt->l3_off + inner_len;
	void *data, *data_end;
	struct ethhdr *eth;
	void *outer, *inner;

	/* Ethernet padding after the IP packet would end up inside the tunnel */
	if (pkt->len > frame_end &&
	    bpf_xdp_adjust_tail(ctx, -(int)(pkt->len - frame_end)))
		return -1;
	if (bpf_xdp_adjust_head(ctx, (int)pkt->l3_off - (int)hdrs))
		return -1;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	outer = eth + 1;
	if ((void *)(eth + 1) > data_end)
		return -1;
	eth_write(eth, nh->dmac, nh->smac, pop->family);

	if (pop->family == ES_AF_INET) {
		struct iphdr *ip = outer;
		struct iphdr h = {};

		if ((void *)(ip + 1) > data_end)
			return -1;
		h.version = 4;
		h.ihl = 5;
		h.tos = pkt->tos;
		h.tot_len = bpf_htons(outer_l3 + (gue ? sizeof(struct udphdr) : 0) + inner_len);
		h.frag_off = bpf_htons(IP_DF_BIT);
		h.ttl = 64;
		h.protocol = gue ? IPPROTO_UDP : inner_proto;
		h.saddr = pop->source.v4;
		h.daddr = pop->endpoint.v4;
		h.check = ~csum_fold(csum_words(&h, sizeof(h) / 2));
		*ip = h;
	} else {
		struct ipv6hdr *ip6 = outer;
		struct ipv6hdr h = {};

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		h.version = 6;
		h.priority = pkt->tos >> 4;
		h.flow_lbl[0] = ((pkt->tos & 0xf) << 4) | ((hash >> 16) & 0xf);
		h.flow_lbl[1] = hash >> 8;
		h.flow_lbl[2] = hash;
		h.payload_len = bpf_htons((gue ? sizeof(struct udphdr) : 0) + inner_len);
		h.nexthdr = gue ? IPPROTO_UDP : inner_proto;
		h.hop_limit = 64;
		__builtin_memcpy(&h.saddr, pop->source.v6, 16);
		__builtin_memcpy(&h.daddr, pop->endpoint.v6, 16);
		*ip6 = h;
	}

	if (gue) {
		struct udphdr *uh = outer + outer_l3;
		__u32 udp_len = sizeof(*uh) + inner_len;
		__u64 sum, inner_sum;
		__u16 csum;

		inner = uh + 1;
		if ((void *)(uh + 1) > data_end)
			return -1;
		uh->source = bpf_htons(GUE_SPORT_BASE | (hash & GUE_SPORT_MASK));
		uh->dest = gue_port;
		uh->len = bpf_htons(udp_len);
		uh->check = 0;

		if (inner_sum_from_headers(pkt, &inner_sum)) {
			if (pkt->family == ES_AF_INET6) {
				struct ipv6hdr *in6 = inner;

				if ((void *)(in6 + 1) > data_end)
					return -1;
				inner_sum += csum_words(in6, sizeof(*in6) / 2);
			}
		} else if (pop->family == ES_AF_INET) {
			return transmit(ctx, nh->ifindex);	/* UDP over IPv4: 0 = none */
		} else {
			inner_sum = csum_span(inner, data_end, ES_MAX_CSUM_WORDS);
		}
		sum = csum_pseudo(pop->family, &pop->source, &pop->endpoint, IPPROTO_UDP, udp_len);
		sum += uh->source + uh->dest + uh->len + inner_sum;
		csum = ~csum_fold(sum);
		uh->check = csum ? csum : 0xffff;	/* 0 means "no checksum" */
	}
	return transmit(ctx, nh->ifindex);
}

#endif /* ES_ENCAP_H */

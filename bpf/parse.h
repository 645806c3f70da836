/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 1: parse. One function per header; each bounds-checks against
 * data_end before reading, advances the cursor and reports the next
 * protocol. Nothing here loops without a constant bound.
 *
 * The result is a struct packet: offsets from the start of the frame and
 * copies of the fields later stages need, so that the packet can be
 * rewritten (adjust_head) without re-parsing.
 */
#ifndef ES_PARSE_H
#define ES_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "edgesteer.h"

#ifndef ES_MAX_VLAN_TAGS
#define ES_MAX_VLAN_TAGS	2	/* 802.1ad outer + 802.1Q inner */
#endif
#ifndef ES_MAX_IPV6_EXT
#define ES_MAX_IPV6_EXT		8	/* extension headers walked, then give up */
#endif

#define IPV6_EXT_HOPOPTS	0
#define IPV6_EXT_ROUTING	43
#define IPV6_EXT_FRAGMENT	44
#define IPV6_EXT_AH		51
#define IPV6_EXT_DSTOPTS	60

#define IP_DF_BIT		0x4000
#define IP_MF_BIT		0x2000
#define IP_OFFSET_MASK		0x1fff

enum parse_result {
	PARSE_OK = 0,
	PARSE_NOT_IP,		/* not IPv4/IPv6: not ours to look at */
	PARSE_BAD_L2,
	PARSE_BAD_IPV4,
	PARSE_BAD_IPV6,
	PARSE_BAD_IPV6_EXT,
	PARSE_BAD_L4,
};

/* packet.frag */
#define FRAG_NONE	0
#define FRAG_FIRST	1	/* first fragment: L4 header present */
#define FRAG_LATER	2	/* offset != 0: no L4 header */

/* packet.quote (icmp_quote.h) */
#define QUOTE_NONE	0	/* steered as the packet itself */
#define QUOTE_FLOW	1	/* an ICMP error steered as the flow it quotes */
#define QUOTE_ADDR	2	/* the same, but the quote is a later fragment:
				 * the client's address without ports */

struct packet {
	__u32 len;		/* frame length: the linear part, plus the frags
				 * once the IP length reaches into them */
	__u16 l3_off;		/* start of the IP header: 14 + 4 * nvlan */
	__u16 l4_off;		/* after IP header, options, ext headers */
	__u16 l3_len;		/* IPv4 tot_len / 40 + IPv6 payload_len */
	__u8 nvlan;
	__u8 family;		/* ES_AF_INET / ES_AF_INET6 */
	__u8 proto;		/* L4 protocol after extension headers */
	__u8 frag;		/* FRAG_* */
	__u8 tos;		/* IPv4 TOS / IPv6 traffic class: DSCP + ECN */
	__u8 df;		/* IPv4 don't-fragment bit set */
	__u8 tcp_flags;		/* byte 13 of the TCP header */
	__u8 icmp_type;
	__u8 ext_hdrs;		/* IPv6 extension headers present */
	__u8 pad;
	__be16 sport;		/* network order; 0 without ports */
	__be16 dport;
	__be16 l4_csum;		/* TCP/UDP/ICMP checksum as found */
	__be16 ip_id;		/* IPv4 identification: the datagram a fragment is of */
	struct es_addr saddr;
	struct es_addr daddr;
	/* An ICMP error to a VIP is steered as the packet it quotes, which
	 * the VIP sent to a client, reversed to the client's direction
	 * (icmp_quote.h). The q_* fields mean something only with quote set;
	 * the VIP end of that flow is daddr. */
	__u8 quote;		/* QUOTE_* */
	__u8 q_proto;
	__be16 q_sport;		/* the client's port: the quoted destination port */
	__be16 q_dport;		/* the VIP's port: the quoted source port */
	__u16 q_pad;
	struct es_addr q_saddr;	/* the client: the quoted destination */
};

struct cursor {
	void *pos;
	void *end;		/* end of the linear part: bounds every read */
	struct xdp_md *ctx;
	__u32 l3_avail;		/* bytes from the IP header to the end of the
				 * frame: bounds IP lengths */
	__u8 whole_len;		/* l3_avail includes the frags */
};

/*
 * Room for an IP packet of `need` bytes. The linear part's length is free;
 * a multi-buffer frame's full length costs a helper call, which in a cold
 * run (a new flow, one packet among many) is tens of nanoseconds of
 * instruction fetch. So it is asked only when the IP header claims more
 * than the linear part holds, which is exactly when frags can matter.
 */
static __always_inline __u32 l3_room(struct cursor *c, struct packet *pkt, __u32 need)
{
	if (need > c->l3_avail && !c->whole_len) {
		pkt->len = bpf_xdp_get_buff_len(c->ctx);
		c->l3_avail = pkt->len - pkt->l3_off;
		c->whole_len = 1;
	}
	return c->l3_avail;
}

/* Returns the ethertype (network order) after skipping VLAN tags, or 0. */
static __always_inline __be16 parse_eth(struct cursor *c, struct packet *pkt)
{
	struct ethhdr *eth = c->pos;
	__be16 proto;

	if ((void *)(eth + 1) > c->end)
		return 0;
	proto = eth->h_proto;
	c->pos = eth + 1;

#pragma unroll
	for (int i = 0; i < ES_MAX_VLAN_TAGS; i++) {
		struct vlan_tag { __be16 tci; __be16 proto; } *tag = c->pos;

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(tag + 1) > c->end)
			return 0;
		proto = tag->proto;
		c->pos = tag + 1;
		pkt->nvlan++;
	}
	return proto;
}

/* IPv4 with options: trusts nothing, IHL and tot_len are checked against
 * each other and against the bytes present. */
static __always_inline int parse_ipv4(struct cursor *c, struct packet *pkt)
{
	struct iphdr *iph = c->pos;
	__u32 hlen, tot;
	__u16 frag;

	if ((void *)(iph + 1) > c->end)
		return PARSE_BAD_IPV4;
	if (iph->version != 4 || iph->ihl < 5)
		return PARSE_BAD_IPV4;
	hlen = iph->ihl * 4;
	tot = bpf_ntohs(iph->tot_len);
	if (tot < hlen || tot > l3_room(c, pkt, tot))
		return PARSE_BAD_IPV4;
	if ((void *)iph + hlen > c->end)
		return PARSE_BAD_IPV4;

	pkt->family = ES_AF_INET;
	pkt->l3_len = tot;
	pkt->proto = iph->protocol;
	pkt->tos = iph->tos;
	pkt->saddr.v4 = iph->saddr;
	pkt->daddr.v4 = iph->daddr;
	pkt->ip_id = iph->id;
	frag = bpf_ntohs(iph->frag_off);
	pkt->df = !!(frag & IP_DF_BIT);
	if (frag & IP_OFFSET_MASK)
		pkt->frag = FRAG_LATER;
	else if (frag & IP_MF_BIT)
		pkt->frag = FRAG_FIRST;
	c->pos = (void *)iph + hlen;
	return PARSE_OK;
}

/* IPv6 and its extension headers, at most ES_MAX_IPV6_EXT of them. */
static __always_inline int parse_ipv6(struct cursor *c, struct packet *pkt)
{
	struct ipv6hdr *ip6 = c->pos;
	__u8 next;

	if ((void *)(ip6 + 1) > c->end)
		return PARSE_BAD_IPV6;
	if (ip6->version != 6)
		return PARSE_BAD_IPV6;
	if (sizeof(*ip6) + bpf_ntohs(ip6->payload_len) >
	    l3_room(c, pkt, sizeof(*ip6) + bpf_ntohs(ip6->payload_len)))
		return PARSE_BAD_IPV6;

	pkt->family = ES_AF_INET6;
	pkt->l3_len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	pkt->tos = (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
	__builtin_memcpy(&pkt->saddr, &ip6->saddr, sizeof(pkt->saddr));
	__builtin_memcpy(&pkt->daddr, &ip6->daddr, sizeof(pkt->daddr));
	next = ip6->nexthdr;
	c->pos = ip6 + 1;

#pragma unroll
	for (int i = 0; i < ES_MAX_IPV6_EXT; i++) {
		struct ipv6_opt_hdr *eh = c->pos;
		__u32 elen;

		switch (next) {
		case IPV6_EXT_HOPOPTS:
		case IPV6_EXT_ROUTING:
		case IPV6_EXT_DSTOPTS:
			if ((void *)(eh + 1) > c->end)
				return PARSE_BAD_IPV6_EXT;
			elen = (eh->hdrlen + 1) * 8;
			break;
		case IPV6_EXT_AH:
			if ((void *)(eh + 1) > c->end)
				return PARSE_BAD_IPV6_EXT;
			elen = (eh->hdrlen + 2) * 4;
			break;
		case IPV6_EXT_FRAGMENT: {
			struct frag_hdr { __u8 nexthdr, reserved; __be16 off; __be32 id; } *fh = c->pos;

			if ((void *)(fh + 1) > c->end)
				return PARSE_BAD_IPV6_EXT;
			elen = sizeof(*fh);
			/* offset is the top 13 bits; M is bit 0 */
			pkt->frag = (bpf_ntohs(fh->off) & 0xfff8) ? FRAG_LATER : FRAG_FIRST;
			if (pkt->frag == FRAG_LATER) {
				/* what follows is payload, never a header */
				c->pos += elen;
				pkt->ext_hdrs++;
				pkt->proto = fh->nexthdr;
				return PARSE_OK;
			}
			break;
		}
		default:
			pkt->proto = next;
			return PARSE_OK;
		}
		if (c->pos + elen > c->end)
			return PARSE_BAD_IPV6_EXT;
		next = eh->nexthdr;
		c->pos += elen;
		pkt->ext_hdrs++;
	}
	/* still an extension header after the limit: refuse to guess */
	if (next == IPV6_EXT_HOPOPTS || next == IPV6_EXT_ROUTING ||
	    next == IPV6_EXT_DSTOPTS || next == IPV6_EXT_AH ||
	    next == IPV6_EXT_FRAGMENT)
		return PARSE_BAD_IPV6_EXT;
	pkt->proto = next;
	return PARSE_OK;
}

/* Ports, TCP flags and ICMP type. A later fragment carries none of them. */
static __always_inline int parse_l4(struct cursor *c, struct packet *pkt)
{
	if (pkt->frag == FRAG_LATER)
		return PARSE_OK;

	switch (pkt->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = c->pos;

		if ((void *)(th + 1) > c->end)
			return PARSE_BAD_L4;
		pkt->sport = th->source;
		pkt->dport = th->dest;
		pkt->tcp_flags = ((__u8 *)th)[13];
		pkt->l4_csum = th->check;
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = c->pos;

		if ((void *)(uh + 1) > c->end)
			return PARSE_BAD_L4;
		pkt->sport = uh->source;
		pkt->dport = uh->dest;
		pkt->l4_csum = uh->check;
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		struct icmphdr_min { __u8 type, code; __be16 csum; } *ih = c->pos;

		if ((void *)(ih + 1) > c->end)
			return PARSE_BAD_L4;
		pkt->icmp_type = ih->type;
		pkt->l4_csum = ih->csum;
		break;
	}
	default:
		break;
	}
	return PARSE_OK;
}

/* The whole stage: Ethernet, VLANs, IP, extension headers, L4. */
static __always_inline int parse_packet(struct xdp_md *ctx, struct packet *pkt)
{
	void *data = (void *)(long)ctx->data;
	struct cursor c = { .pos = data, .end = (void *)(long)ctx->data_end, .ctx = ctx };
	__be16 proto;
	int err;

	/* the linear length; l3_room() adds the frags when they matter */
	pkt->len = c.end - c.pos;
	proto = parse_eth(&c, pkt);
	if (!proto)
		return PARSE_BAD_L2;
	pkt->l3_off = c.pos - data;
	c.l3_avail = pkt->len - pkt->l3_off;

	if (proto == bpf_htons(ETH_P_IP))
		err = parse_ipv4(&c, pkt);
	else if (proto == bpf_htons(ETH_P_IPV6))
		err = parse_ipv6(&c, pkt);
	else
		return PARSE_NOT_IP;
	if (err)
		return err;

	pkt->l4_off = c.pos - data;
	return parse_l4(&c, pkt);
}

#endif /* ES_PARSE_H */

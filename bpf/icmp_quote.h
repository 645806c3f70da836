/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Between stages 1 and 3: what an ICMP error to a VIP is steered as.
 *
 * An error about a packet the VIP sent (fragmentation needed or packet too
 * big on the way to the client, time exceeded, ...) comes from a router on
 * that path, and BGP brings it to the POP nearest to that router, not to the
 * POP that serves the client. Steered by its own source it would reach a POP
 * with no socket for the connection, and path MTU discovery through anycast
 * would black-hole. The quote says which connection it is about: source the
 * VIP, destination the client. So the error is classified by the quoted
 * destination and looked up in the flow table as the quoted flow reversed
 * (client -> VIP, ports swapped), exactly as the client's own packets are.
 *
 * A quote is used only when it is whole (the quoted IP header, its IPv6
 * extension headers and, for TCP/UDP, the 4 bytes of ports: RFC 792 quotes
 * at least 8 bytes of the L4 header, so that is all we ask for), of the
 * outer family, and its source is the outer destination: the VIP the error
 * is addressed to. Anything else is steered as the packet itself, by its
 * outer source, like every packet this program does not understand. Serving
 * it here would be as safe, but would make a second rule for the same case,
 * and a forged quote buys a sender nothing: the error goes to the POP of the
 * client named in it, whose stack checks the quote against its own socket
 * (TCP sequence window, minimum PMTU) as it does for any ICMP error.
 *
 * A fragmented error is never steered by its quote: its later fragments
 * carry no quote and must go where the first one goes (fragments follow
 * their source, see decide.h).
 */
#ifndef ES_ICMP_QUOTE_H
#define ES_ICMP_QUOTE_H

#include "classify.h"
#include "parse.h"
#include "vip.h"

#define ICMP_HDR_LEN		8	/* type, code, checksum, 4 bytes "rest" */
#define QUOTE_MAX_OFF		512	/* bound for the verifier: no real error
					 * starts further into the frame */

/* ICMP and ICMPv6 messages that quote the packet they are about. */
static __always_inline bool icmp_is_error(const struct packet *pkt)
{
	if (pkt->family == ES_AF_INET && pkt->proto == IPPROTO_ICMP)
		return pkt->icmp_type == 3 ||	/* destination unreachable, frag needed */
		       pkt->icmp_type == 11 ||	/* time exceeded */
		       pkt->icmp_type == 12;	/* parameter problem */
	if (pkt->family == ES_AF_INET6 && pkt->proto == IPPROTO_ICMPV6)
		return pkt->icmp_type >= 1 &&	/* destination unreachable */
		       pkt->icmp_type <= 4;	/* packet too big, time exceeded,
						 * parameter problem */
	return false;
}

/*
 * A quote being read. It reaches the packet only when it is trusted: a
 * refused quote must leave the packet exactly as a packet without one,
 * which also lets the verifier treat both alike for the rest of the
 * program (its state would otherwise fork on every field written here).
 */
struct quote {
	__u8 proto;
	__be16 sport, dport;	/* the client's direction */
	struct es_addr client;
};

/* The ports of the quoted L4 header at l4, if its protocol has them:
 * the first 4 bytes of TCP and UDP alike. False when they are cut off. */
static __always_inline bool quote_ports(struct quote *qt, void *l4, void *end, __u8 proto)
{
	__be16 *ports = l4;

	qt->proto = proto;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return true;	/* no ports: the address alone */
	if ((void *)(ports + 2) > end)
		return false;
	/* quoted: VIP port -> client port; the client's direction swaps them */
	qt->dport = ports[0];
	qt->sport = ports[1];
	return true;
}

static __always_inline __u8 quote_ipv4(const struct packet *pkt, struct quote *qt, void *q,
				       void *end)
{
	struct iphdr *iph = q;
	__u32 hlen;

	if ((void *)(iph + 1) > end)
		return QUOTE_NONE;
	if (iph->version != 4 || iph->ihl < 5 || iph->saddr != pkt->daddr.v4)
		return QUOTE_NONE;
	hlen = iph->ihl * 4;
	if (q + hlen > end)
		return QUOTE_NONE;
	qt->client.v4 = iph->daddr;
	if (bpf_ntohs(iph->frag_off) & IP_OFFSET_MASK) {
		qt->proto = iph->protocol;	/* a later fragment: no ports */
		return QUOTE_ADDR;
	}
	return quote_ports(qt, q + hlen, end, iph->protocol) ? QUOTE_FLOW : QUOTE_NONE;
}

static __always_inline bool addr6_eq(const struct in6_addr *a, const struct es_addr *b)
{
	return a->in6_u.u6_addr32[0] == b->v6w[0] && a->in6_u.u6_addr32[1] == b->v6w[1] &&
	       a->in6_u.u6_addr32[2] == b->v6w[2] && a->in6_u.u6_addr32[3] == b->v6w[3];
}

/* The quoted IPv6 header and its extension headers, at most
 * ES_MAX_IPV6_EXT of them, as parse_ipv6() walks a packet's own. */
static __always_inline __u8 quote_ipv6(const struct packet *pkt, struct quote *qt, void *q,
				       void *end)
{
	struct ipv6hdr *ip6 = q;
	void *pos;
	__u8 next;

	if ((void *)(ip6 + 1) > end)
		return QUOTE_NONE;
	if (ip6->version != 6 || !addr6_eq(&ip6->saddr, &pkt->daddr))
		return QUOTE_NONE;
	__builtin_memcpy(&qt->client, &ip6->daddr, sizeof(qt->client));
	next = ip6->nexthdr;
	pos = ip6 + 1;

	for (int i = 0; i < ES_MAX_IPV6_EXT; i++) {
		struct ipv6_opt_hdr *eh = pos;
		__u32 elen;

		switch (next) {
		case IPV6_EXT_HOPOPTS:
		case IPV6_EXT_DSTOPTS:
			if ((void *)(eh + 1) > end)
				return QUOTE_NONE;
			elen = (eh->hdrlen + 1) * 8;
			break;
		case IPV6_EXT_AH:
			if ((void *)(eh + 1) > end)
				return QUOTE_NONE;
			elen = (eh->hdrlen + 2) * 4;
			break;
		case IPV6_EXT_FRAGMENT: {
			struct { __u8 nexthdr, reserved; __be16 off; __be32 id; } *fh = pos;

			if ((void *)(fh + 1) > end)
				return QUOTE_NONE;
			if (bpf_ntohs(fh->off) & 0xfff8) {
				qt->proto = fh->nexthdr;	/* a later fragment: no ports */
				return QUOTE_ADDR;
			}
			elen = sizeof(*fh);
			break;
		}
		case IPV6_EXT_ROUTING:
			/* the destination field is the next hop of the route,
			 * not necessarily the client: not a quote to go by */
			return QUOTE_NONE;
		default:
			return quote_ports(qt, pos, end, next) ? QUOTE_FLOW : QUOTE_NONE;
		}
		if (pos + elen > end)
			return QUOTE_NONE;
		next = eh->nexthdr;
		pos += elen;
	}
	return QUOTE_NONE;	/* still extension headers: refuse to guess */
}

/*
 * Sets pkt->quote and the q_* fields when pkt is an ICMP error whose quote
 * can be trusted (see the top of this file); leaves them zero otherwise.
 * Reads only the linear part of the frame, where the headers of any error
 * are: a quote that reaches past it is not used.
 */
static __always_inline void icmp_quote(struct xdp_md *ctx, struct packet *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct quote qt = {};
	__u32 off = pkt->l4_off;
	__u8 quote;
	void *q;

	if (pkt->frag != FRAG_NONE || !icmp_is_error(pkt))
		return;
	if (off > QUOTE_MAX_OFF)
		return;
	q = data + off + ICMP_HDR_LEN;
	if (q > end)
		return;
	quote = pkt->family == ES_AF_INET ? quote_ipv4(pkt, &qt, q, end) :
					    quote_ipv6(pkt, &qt, q, end);
	if (quote == QUOTE_NONE)
		return;
	pkt->quote = quote;
	pkt->q_proto = qt.proto;
	pkt->q_sport = qt.sport;
	pkt->q_dport = qt.dport;
	pkt->q_saddr = qt.client;
}

/*
 * Stage 3 on the flow that is steered: an ICMP error is narrowed as the
 * flow it quotes, so an error about tcp/443 on a VIP steered only for
 * tcp/443 is steered, one about an SSH session to the same address stays
 * here; a quote without ports matches on the protocol, as a later
 * fragment does.
 */
static __always_inline bool vip_match_steered(const struct packet *pkt)
{
	if (pkt->quote)
		return vip_match(pkt->family, &pkt->daddr, pkt->q_proto, pkt->q_dport,
				 pkt->quote != QUOTE_ADDR);
	return vip_match(pkt->family, &pkt->daddr, pkt->proto, pkt->dport,
			 pkt->frag != FRAG_LATER);
}

/* Stage 4 on the steering address: the client, which for an ICMP error
 * is the quoted destination rather than the router that sent it. */
static __always_inline __u32 classify_steered(const struct packet *pkt)
{
	/* a copy, not a pointer to either: one verifier state, not two */
	struct es_addr client = pkt->quote ? pkt->q_saddr : pkt->saddr;

	if (pkt->family == ES_AF_INET)
		return classify_v4_addr(client.v4);
	return classify_v6_addr(&client);
}

#endif /* ES_ICMP_QUOTE_H */

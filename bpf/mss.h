/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An MSS that fits the tunnel. With direct server return only the client's
 * direction goes through the tunnel, and the size of its segments is the
 * MSS this POP advertises in its SYN-ACK, which never passes the edge that
 * encapsulates them. So the two halves meet here, on the receiving POP:
 *
 *   - decapsulation (stage 2) records every tunnelled TCP SYN in
 *     tunnelled_syns with the largest MSS whose segments, once the edge has
 *     wrapped them in the same outer headers this SYN came in, still fit
 *     the tunnel's MTU;
 *   - a tc program on the egress of the interface the replies leave by
 *     (edgesteer_mss) finds the SYN-ACK of such a connection and lowers
 *     its MSS option to that value when it is larger.
 *
 * The key is the connection as the client's SYN carries it (client is the
 * source); the SYN-ACK looks it up reversed.
 */
#ifndef ES_MSS_H
#define ES_MSS_H

#include <linux/pkt_cls.h>
#include "parse.h"
#include "stats.h"

#define TCP_FLAG_SYN		0x02
#define TCP_FLAG_RST		0x04
#define TCP_FLAG_ACK		0x10

#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_MSS		2
#define TCPOLEN_MSS		4
#define TCP_OPTS_MAX		40	/* data offset 15: 60 - 20 bytes */

/* Below this (Linux's own floor, TCP_MIN_MSS) a clamp would only break the
 * connection: a tunnel that small is a configuration error, left alone. */
#define MSS_MIN			88

/*
 * The MTU of the tunnel to this POP: this POP's own entry of the shared
 * POP list (the edges encapsulate to at most that), else the MTU of the
 * interface the tunnel packet came in on. That interface is the last link
 * of the tunnel and nothing larger than its MTU can arrive over it, so it
 * is the best bound known here; the size of this packet is not one (a SYN
 * is small whatever the path).
 */
static __always_inline __u32 mss_tunnel_mtu(struct xdp_md *ctx, const struct es_config *cfg)
{
	__u32 id = cfg->self_pop, mtu = 0;
	struct es_pop *self = id ? bpf_map_lookup_elem(&pops, &id) : NULL;

	if (self && self->mtu)
		return self->mtu;
	/* ifindex 0: the device the frame arrived on; writes its MTU */
	if (bpf_check_mtu(ctx, 0, &mtu, 0, 0) < 0)
		return 0;
	return mtu;
}

/*
 * Called by decapsulate() once the outer headers are gone: the inner IP
 * header sits at l3_off. outer_len is what the edge added (outer IP header
 * with its options or extension headers, plus UDP for GUE); it adds the
 * same to every segment of this connection. Anything that is not a plain
 * TCP SYN is left alone: the stack judges the inner packet, not us.
 */
static __always_inline void mss_record(struct xdp_md *ctx, __u32 l3_off, __u32 outer_len,
				       __u8 family, const struct es_config *cfg, __u32 len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct es_flow_key key = { .family = family, .proto = IPPROTO_TCP };
	void *l3 = data + (l3_off & 0x3f);	/* 14 + 4 * tags: bounded */
	struct tcphdr *th;
	__u32 iph_len, mss;
	long room;

	if (cfg->flags & ES_CONFIG_NO_MSS_CLAMP)
		return;
	if (family == ES_AF_INET) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) > data_end || iph->protocol != IPPROTO_TCP || iph->ihl < 5 ||
		    (iph->frag_off & bpf_htons(IP_MF_BIT | IP_OFFSET_MASK)))
			return;
		th = l3 + iph->ihl * 4;
		key.saddr.v4 = iph->saddr;
		key.daddr.v4 = iph->daddr;
		iph_len = sizeof(struct iphdr);
	} else {
		struct ipv6hdr *ip6 = l3;

		/* a SYN behind extension headers is rare enough to go unclamped */
		if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != IPPROTO_TCP)
			return;
		th = (void *)(ip6 + 1);
		__builtin_memcpy(&key.saddr, &ip6->saddr, sizeof(key.saddr));
		__builtin_memcpy(&key.daddr, &ip6->daddr, sizeof(key.daddr));
		iph_len = sizeof(struct ipv6hdr);
	}
	if ((void *)(th + 1) > data_end)
		return;
	if ((((__u8 *)th)[13] & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) != TCP_FLAG_SYN)
		return;

	/* RFC 6691: the MSS counts neither IP nor TCP options */
	room = (long)mss_tunnel_mtu(ctx, cfg) - outer_len - iph_len - sizeof(struct tcphdr);
	if (room < MSS_MIN || room >= 0xffff)
		return;		/* unusable, or no SYN-ACK can advertise more */
	mss = room;
	key.sport = th->source;
	key.dport = th->dest;
	if (bpf_map_update_elem(&tunnelled_syns, &key, &mss, BPF_ANY))
		return;
	count(ES_CNT_MSS_RECORDED, len);
}

/* The walk over a SYN-ACK's options, one option per bpf_loop() step: the
 * verifier checks a step once instead of every path through 40 of them. */
struct mss_walk {
	__u8 opts[64];		/* the options, zero beyond optlen */
	__u32 optlen;
	__u32 off;		/* next option */
	int at;			/* offset of the MSS value, -1: none */
};

/*
 * One option. Stops (returns 1) at the MSS option, at the end, and at
 * anything malformed (a length below 2 or past the end, an MSS of the
 * wrong length): those keep at == -1. Every step advances, so TCP_OPTS_MAX
 * steps reach the end of any option list.
 */
static long mss_walk_step(__u32 i, void *arg)
{
	struct mss_walk *w = arg;
	__u32 off = w->off;
	__u8 kind, olen;

	if (off >= w->optlen)
		return 1;
	kind = w->opts[off & 63];
	if (kind == TCPOPT_EOL)
		return 1;
	if (kind == TCPOPT_NOP) {
		w->off = off + 1;
		return 0;
	}
	if (off + 1 >= w->optlen)
		return 1;
	olen = w->opts[(off + 1) & 63];
	if (olen < 2 || off + olen > w->optlen)
		return 1;
	if (kind == TCPOPT_MSS) {
		if (olen == TCPOLEN_MSS)
			w->at = off + 2;
		return 1;
	}
	w->off = off + olen;
	return 0;
}

/*
 * The tc egress half: lower the MSS of a SYN-ACK answering a tunnelled
 * SYN. The packet is only ever rewritten, never dropped.
 *
 * The checksum is updated with bpf_l4_csum_replace(), not by hand: the
 * stack hands TCP segments to the device CHECKSUM_PARTIAL (the field holds
 * only the pseudo-header sum, the rest is summed later, in hardware or in
 * validate_xmit_skb()), and the helper knows to leave such a field alone;
 * a finished checksum gets the RFC 1624 update.
 */
static __always_inline void mss_clamp(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct cursor c = { .pos = data, .end = data_end };
	struct es_flow_key key = { .proto = IPPROTO_TCP };
	__u16 old_mss, new_mss, from, to;
	struct packet l2 = {};
	__u32 zero = 0, tcp_off, optlen, *fits;
	struct es_config *cfg;
	struct tcphdr *th;
	struct mss_walk w = { .at = -1 };
	__be16 proto;
	int at;

	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg || (cfg->flags & ES_CONFIG_NO_MSS_CLAMP))
		return;
	proto = parse_eth(&c, &l2);
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = c.pos;

		if ((void *)(iph + 1) > data_end || iph->version != 4 || iph->ihl < 5 ||
		    iph->protocol != IPPROTO_TCP ||
		    (iph->frag_off & bpf_htons(IP_MF_BIT | IP_OFFSET_MASK)))
			return;
		th = c.pos + iph->ihl * 4;
		key.family = ES_AF_INET;
		key.saddr.v4 = iph->daddr;
		key.daddr.v4 = iph->saddr;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = c.pos;

		if ((void *)(ip6 + 1) > data_end || ip6->version != 6 ||
		    ip6->nexthdr != IPPROTO_TCP)
			return;
		th = (void *)(ip6 + 1);
		key.family = ES_AF_INET6;
		__builtin_memcpy(&key.saddr, &ip6->daddr, sizeof(key.saddr));
		__builtin_memcpy(&key.daddr, &ip6->saddr, sizeof(key.daddr));
	} else {
		return;
	}
	if ((void *)(th + 1) > data_end)
		return;
	if ((((__u8 *)th)[13] & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) !=
	    (TCP_FLAG_SYN | TCP_FLAG_ACK))
		return;
	if (th->doff <= 5)
		return;		/* no options, no MSS: the client assumes 536/1220 */
	key.sport = th->dest;
	key.dport = th->source;
	fits = bpf_map_lookup_elem(&tunnelled_syns, &key);
	if (!fits)
		return;

	tcp_off = (void *)th - data;
	optlen = th->doff * 4 - sizeof(struct tcphdr);
	if (optlen < TCPOLEN_MSS || optlen > TCP_OPTS_MAX ||
	    optlen > skb->len - tcp_off - sizeof(struct tcphdr))
		return;		/* options cut short */
	if (bpf_skb_load_bytes(skb, tcp_off + sizeof(struct tcphdr), w.opts, optlen))
		return;
	w.optlen = optlen;
	bpf_loop(TCP_OPTS_MAX, mss_walk_step, &w, 0);
	at = w.at & 63;
	if (w.at < 0)
		return;
	__builtin_memcpy(&old_mss, &w.opts[at], sizeof(old_mss));
	if (bpf_ntohs(old_mss) <= *fits)
		return;
	new_mss = bpf_htons(*fits);

	/* The checksum sums 16-bit words from the start of the TCP header. A
	 * value at an odd offset (an MSS after a lone NOP) straddles two of
	 * them and counts byte-swapped. */
	from = old_mss;
	to = new_mss;
	if (at & 1) {
		from = __builtin_bswap16(from);
		to = __builtin_bswap16(to);
	}
	if (bpf_skb_store_bytes(skb, tcp_off + sizeof(struct tcphdr) + at, &new_mss,
				sizeof(new_mss), 0))
		return;
	if (bpf_l4_csum_replace(skb, tcp_off + __builtin_offsetof(struct tcphdr, check), from, to,
				sizeof(to))) {
		/* a value the checksum does not cover must not leave */
		bpf_skb_store_bytes(skb, tcp_off + sizeof(struct tcphdr) + at, &old_mss,
				    sizeof(old_mss), 0);
		return;
	}
	count(ES_CNT_MSS_CLAMPED, skb->len);
}

#endif /* ES_MSS_H */

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 7, tunnel POPs: a packet that would not fit the tunnel once
 * encapsulated. Dropping it silently black-holes every full-size packet
 * of the client; serving it here splits its connection between two POPs.
 * So a packet the client allows us to refuse (IPv4 with DF, every IPv6
 * packet) gets an ICMP error back from the VIP, as a router on the path
 * would send: IPv4 "fragmentation needed" (RFC 792, RFC 1191) or ICMPv6
 * Packet Too Big (RFC 4443), with the room the tunnel leaves for the
 * client's packet. The client's stack lowers its path MTU to the VIP and
 * sends packets that fit. IPv4 without DF cannot be refused and is served
 * here, as are packets no ICMP error may answer (RFC 1122 3.2.2, RFC 4443
 * 2.4(e)): ICMP errors, later fragments, sources that are not one host,
 * link-layer multicast.
 *
 * The answer is built in place: the frame is cut to the quote, grown at
 * the front by the new IP and ICMP headers, the link header (VLAN tags
 * kept) moves to the front with its MACs swapped, and the frame goes back
 * out the interface it came in on (XDP_TX) to the router that sent it.
 * Every answer takes a token of the rate limit (icmp_limit.h).
 *
 * The quote is as long as RFC 1812 / RFC 4443 allow wherever its bytes
 * are: a driver may hand over a multi-buffer frame whose linear part holds
 * little more than the headers, and a quote cut to that part (an IP header
 * and 4 bytes of ICMP) is one no stack accepts (it needs the IP header and
 * 8 bytes). Such an answer stays multi-buffer; the bytes in frags are
 * summed through bpf_xdp_load_bytes.
 */
#ifndef ES_TOO_BIG_H
#define ES_TOO_BIG_H

#include "csum.h"
#include "encap.h"
#include "fragments.h"
#include "icmp_limit.h"

#define ES_MTU_ALWAYS		1280	/* every link carries this (the IPv6 minimum) */
#define ICMP4_ERR_MAX		576	/* RFC 1812 4.3.2.3: the most an ICMP error may be */
#define ICMP6_ERR_MAX		1280	/* RFC 4443 2.4(c) */
#define ICMP_HDR_LEN		8
#define ICMP_TOS		0xc0	/* precedence 6, internetwork control, as routers send */
#define ICMP_MSG_MAX_WORDS	((ICMP6_ERR_MAX - 40) / 2)	/* ICMP header + quote */

/* (linux/icmp.h drags in the libc's socket headers, which BPF has not) */
#define ICMP_DEST_UNREACH	3
#define ICMP_FRAG_NEEDED	4
#define ICMP_SOURCE_QUENCH	4
#define ICMP_REDIRECT		5
#define ICMP_TIME_EXCEEDED	11
#define ICMP_PARAMETERPROB	12
#define ICMPV6_PKT_TOOBIG	2

/* The first 8 bytes of both ICMP errors: the MTU is 16 bits after 16
 * unused ones in ICMP (RFC 1191), 32 bits in ICMPv6. */
struct icmp_err_hdr {
	__u8 type;
	__u8 code;
	__be16 csum;
	union {
		struct {
			__be16 unused;
			__be16 mtu;
		} v4;
		__be32 mtu6;
	};
};

/*
 * The largest outer packet the tunnel to this POP carries: its configured
 * MTU, else its egress interface's. Asking the interface is a helper call,
 * which in a cold run costs about 20 ns, as much as the whole VIP match
 * (docs/architecture.md, "Address tables"). Every link carries 1280 bytes
 * (the IPv6 minimum; no backbone is smaller for IPv4), so an encapsulated
 * packet of that size or less, most packets, fits without asking.
 */
static __always_inline __u32 tunnel_mtu(struct xdp_md *ctx, const struct packet *pkt,
					const struct es_pop *pop, const struct nexthop *nh)
{
	__u32 len = pkt->l3_len + encap_overhead(pop);
	__u32 mtu = len;	/* bpf_check_mtu: the length to check, then the MTU */

	if (pop->mtu)
		return pop->mtu;
	if (len <= ES_MTU_ALWAYS)
		return 0xffff;
	/* an interface that is not there: the redirect itself will fail */
	if (bpf_check_mtu(ctx, nh->ifindex, &mtu, 0, 0) < 0)
		return 0xffff;
	return mtu;
}

static __always_inline bool icmp4_is_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
	       type == ICMP_REDIRECT || type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
}

/* Whether the client may be sent an ICMP error about this packet. */
static __always_inline bool icmp_error_allowed(struct xdp_md *ctx, const struct packet *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end || (eth->h_dest[0] & 1))
		return false;
	if (pkt->family == ES_AF_INET) {
		__u8 net = ((__u8 *)&pkt->saddr.v4)[0];

		if (!pkt->df || pkt->frag == FRAG_LATER)
			return false;
		if (pkt->proto == IPPROTO_ICMP && icmp4_is_error(pkt->icmp_type))
			return false;
		/* one host: not "this network", loopback, multicast or above */
		return net != 0 && net != 127 && net < 224;
	}
	/* a later fragment's ICMPv6 type is unknown: assume an error */
	if (pkt->proto == IPPROTO_ICMPV6 && (pkt->frag == FRAG_LATER || pkt->icmp_type < 128))
		return false;
	return pkt->saddr.v6[0] != 0xff &&
	       (pkt->saddr.v6w[0] | pkt->saddr.v6w[1] | pkt->saddr.v6w[2] | pkt->saddr.v6w[3]);
}

/* 64 bytes of frags at a time: their sum fits a small stack buffer */
#define FRAG_SUM_CHUNK		64
#define FRAG_SUM_CHUNKS		((ICMP6_ERR_MAX + FRAG_SUM_CHUNK - 1) / FRAG_SUM_CHUNK)

/*
 * Sum of the frame's bytes from off to end, which lie in frags (raw order,
 * as if off were even, an odd last byte padded with zero). Returns -1 when
 * they could not be read.
 */
static __always_inline int frags_sum(struct xdp_md *ctx, __u32 off, __u32 end, __u64 *sum)
{
	__u16 buf[FRAG_SUM_CHUNK / 2];

	for (int i = 0; i < FRAG_SUM_CHUNKS; i++) {
		__u32 n = end - off;

		if (off >= end)
			break;
		if (n > FRAG_SUM_CHUNK)
			n = FRAG_SUM_CHUNK;
		/* the identity on 1..64, which the verifier sees as the range */
		n = ((n - 1) & (FRAG_SUM_CHUNK - 1)) + 1;
		if (n < FRAG_SUM_CHUNK)
			__builtin_memset(buf, 0, sizeof(buf));
		if (bpf_xdp_load_bytes(ctx, off, buf, n))
			return -1;
#pragma unroll
		for (int w = 0; w < FRAG_SUM_CHUNK / 2; w++)
			*sum += buf[w];
		off += n;
	}
	return 0;
}

/*
 * Sum of the ICMP message at ic to the end of the frame: the linear part
 * read directly, then the frags, whose first byte continues the linear
 * part's last word when that part has an odd length (their sum is then
 * the byte-swap of one taken from an even start). Returns -1 on failure.
 */
static __always_inline int icmp_msg_sum_all(struct xdp_md *ctx, const void *ic, __u64 *sum)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 linear = data_end - data, whole = bpf_xdp_get_buff_len(ctx);
	__u64 frags = 0;
	__u16 f;

	*sum = csum_span(ic, data_end, ICMP_MSG_MAX_WORDS);
	if (whole <= linear)
		return 0;
	if (frags_sum(ctx, linear, whole, &frags))
		return -1;
	f = csum_fold(frags);
	if ((data_end - ic) & 1)
		f = (f >> 8) | (f << 8);
	*sum += f;
	return 0;
}

/*
 * Cut the frame to the link header and the first bytes of the IP packet
 * (at most quote_max, from the linear part and the frags alike), then
 * make room for hdrs bytes in front of the IP packet, the link header
 * moved up with its MACs swapped. Returns the quote's length, or 0 when
 * the frame could not be reshaped (it may have changed: the caller drops
 * it).
 */
static __always_inline __u32 icmp_reshape(struct xdp_md *ctx, const struct packet *pkt,
					  __u32 hdrs, __u32 quote_max)
{
	__u8 l2[sizeof(struct ethhdr) + 4 * ES_MAX_VLAN_TAGS];
	__u32 whole = bpf_xdp_get_buff_len(ctx);
	__u32 quote = pkt->l3_len, keep;
	void *data, *data_end;
	struct ethhdr *eth;

	if (quote > quote_max)
		quote = quote_max;
	if (pkt->l3_off >= whole)
		return 0;
	if (quote > whole - pkt->l3_off)
		quote = whole - pkt->l3_off;
	keep = pkt->l3_off + quote;
	if (whole > keep && bpf_xdp_adjust_tail(ctx, -(int)(whole - keep)))
		return 0;
	if (bpf_xdp_adjust_head(ctx, -(int)hdrs))
		return 0;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (bpf_xdp_get_buff_len(ctx) != hdrs + keep)
		return 0;
	if (data + hdrs + sizeof(l2) > data_end)
		return 0;
	/* the tags (or the IP header, overwritten next) come along */
	__builtin_memcpy(l2, data + hdrs, sizeof(l2));
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return 0;
	__builtin_memcpy(eth->h_dest, l2 + ETH_ALEN, ETH_ALEN);
	__builtin_memcpy(eth->h_source, l2, ETH_ALEN);
	__builtin_memcpy((void *)eth + 2 * ETH_ALEN, l2 + 2 * ETH_ALEN, sizeof(l2) - 2 * ETH_ALEN);
	return quote;
}

/* IPv4 "fragmentation needed and DF set" (type 3 code 4), RFC 1191. */
static __always_inline int frag_needed_build(struct xdp_md *ctx, const struct packet *pkt,
					     __u32 room)
{
	__u32 hdrs = sizeof(struct iphdr) + ICMP_HDR_LEN, quote, off = pkt->l3_off;
	void *data, *data_end;
	struct iphdr *ip, h = {};
	struct icmp_err_hdr *ic;
	__u64 sum;

	quote = icmp_reshape(ctx, pkt, hdrs, ICMP4_ERR_MAX - hdrs);
	if (!quote || off > sizeof(struct ethhdr) + 4 * ES_MAX_VLAN_TAGS)
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ip = data + off;
	ic = (void *)(ip + 1);
	if ((void *)(ic + 1) > data_end)
		return -1;

	h.version = 4;
	h.ihl = 5;
	h.tos = ICMP_TOS;
	h.tot_len = bpf_htons(hdrs + quote);
	h.ttl = 64;
	h.protocol = IPPROTO_ICMP;
	h.saddr = pkt->daddr.v4;	/* from the VIP the client wrote to */
	h.daddr = pkt->saddr.v4;
	h.check = ~csum_fold(csum_words(&h, sizeof(h) / 2));
	*ip = h;

	ic->type = ICMP_DEST_UNREACH;
	ic->code = ICMP_FRAG_NEEDED;
	ic->csum = 0;
	ic->v4.unused = 0;
	ic->v4.mtu = bpf_htons(room > 0xffff ? 0xffff : room);
	if (icmp_msg_sum_all(ctx, ic, &sum))
		return -1;
	ic->csum = ~csum_fold(sum);
	return 0;
}

/* ICMPv6 Packet Too Big (type 2 code 0), RFC 4443 3.2. */
static __always_inline int packet_too_big_build(struct xdp_md *ctx, const struct packet *pkt,
						__u32 room)
{
	__u32 hdrs = sizeof(struct ipv6hdr) + ICMP_HDR_LEN, quote, off = pkt->l3_off;
	void *data, *data_end;
	struct ipv6hdr *ip6, h = {};
	struct icmp_err_hdr *ic;
	__u64 sum;

	quote = icmp_reshape(ctx, pkt, hdrs, ICMP6_ERR_MAX - hdrs);
	if (!quote || off > sizeof(struct ethhdr) + 4 * ES_MAX_VLAN_TAGS)
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ip6 = data + off;
	ic = (void *)(ip6 + 1);
	if ((void *)(ic + 1) > data_end)
		return -1;

	h.version = 6;
	h.payload_len = bpf_htons(ICMP_HDR_LEN + quote);
	h.nexthdr = IPPROTO_ICMPV6;
	h.hop_limit = 64;
	__builtin_memcpy(&h.saddr, pkt->daddr.v6, 16);
	__builtin_memcpy(&h.daddr, pkt->saddr.v6, 16);
	*ip6 = h;

	ic->type = ICMPV6_PKT_TOOBIG;
	ic->code = 0;
	ic->csum = 0;
	/* a tunnel that cannot carry 1280 still may not ask for less */
	ic->mtu6 = bpf_htonl(room < ES_MTU_ALWAYS ? ES_MTU_ALWAYS : room);
	if (icmp_msg_sum_all(ctx, ic, &sum))
		return -1;
	sum += csum_pseudo(ES_AF_INET6, &pkt->daddr, &pkt->saddr, IPPROTO_ICMPV6,
			   ICMP_HDR_LEN + quote);
	ic->csum = ~csum_fold(sum);
	return 0;
}

/*
 * The packet needs mtu bytes once encapsulated, which the tunnel does not
 * have. Answer it (XDP_TX), or serve it here, or drop it when the rate
 * limit says no; counted either way.
 */
static __always_inline int too_big(struct xdp_md *ctx, const struct packet *pkt,
				   const struct es_pop *pop, __u32 mtu)
{
	__u32 overhead = encap_overhead(pop), zero = 0;
	__u32 room = mtu > overhead ? mtu - overhead : 0;
	struct es_config *cfg;
	int err;

	if (!icmp_error_allowed(ctx, pkt)) {
		datagram_serve_here(pkt);	/* its other fragments too */
		return done(XDP_PASS, ES_CNT_LOCAL_TOO_BIG, pkt->len);
	}
	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg || !icmp_token_take(cfg))
		return done(XDP_DROP, ES_CNT_ICMP_RATE_LIMITED, pkt->len);
	if (pkt->family == ES_AF_INET)
		err = frag_needed_build(ctx, pkt, room);
	else
		err = packet_too_big_build(ctx, pkt, room);
	if (err)
		return done(XDP_DROP, ES_CNT_ADJUST_FAILED, pkt->len);
	return done(XDP_TX, ES_CNT_ICMP_TOO_BIG, pkt->len);
}

#endif /* ES_TOO_BIG_H */

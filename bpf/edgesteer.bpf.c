// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteer: steer anycast traffic by client source prefix, at the edge.
 *
 * The whole data path of one packet, stage by stage; each stage lives in
 * the header named after it:
 *   1. parse.h     Ethernet, VLANs, IPv4/IPv6 (+ext headers), L4 ports
 *   2. decap.h     tunnel traffic for this POP: strip and pass, never steer
 *   3. vip.h       only anycast service addresses are steered
 *      icmp_quote.h  an ICMP error as the flow it quotes
 *   4. classify.h  source address -> decision id (longest prefix)
 *   5. decide.h    decision -> the POP that takes this packet
 *   6. flow.h      open TCP connections stay where they are
 *   7. encap.h / redirect.h / XDP_PASS: act
 *   8. stats.h     every packet counted by verdict and reason
 */
#include "parse.h"
#include "decap.h"
#include "vip.h"
#include "classify.h"
#include "icmp_quote.h"
#include "decide.h"
#include "encap.h"
#include "too_big.h"
#include "fragments.h"
#include "redirect.h"
#include "stats.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline int malformed(int err, __u32 len)
{
	switch (err) {
	case PARSE_NOT_IP:
		return done(XDP_PASS, ES_CNT_NOT_IP, len);
	case PARSE_BAD_L2:
		return done(XDP_DROP, ES_CNT_MALFORMED_L2, len);
	case PARSE_BAD_IPV4:
		return done(XDP_DROP, ES_CNT_MALFORMED_IPV4, len);
	case PARSE_BAD_IPV6:
		return done(XDP_DROP, ES_CNT_MALFORMED_IPV6, len);
	case PARSE_BAD_IPV6_EXT:
		return done(XDP_DROP, ES_CNT_MALFORMED_IPV6_EXT, len);
	default:
		return done(XDP_DROP, ES_CNT_MALFORMED_L4, len);
	}
}

/* Stage 7 for a tunnel POP: resolve, check the size, encapsulate. */
static __always_inline int tunnel(struct xdp_md *ctx, const struct packet *pkt,
				  const struct es_pop *pop, __u32 pop_id, __be16 gue_port)
{
	struct nexthop nh;
	__u32 mtu;
	int action;

	if (nexthop_resolve(ctx, pop, &nh))
		return done(XDP_PASS, ES_CNT_LOCAL_NO_NEXTHOP, pkt->len);
	/* too big: ICMP back to the client, or served here (too_big.h);
	 * a datagram served here keeps all its fragments here (fragments.h) */
	mtu = tunnel_mtu(ctx, pkt, pop, &nh);
	if (pkt->l3_len + encap_overhead(pop) > mtu)
		return too_big(ctx, pkt, pop, mtu);
	if (datagram_served_here(pkt))
		return done(XDP_PASS, ES_CNT_LOCAL_TOO_BIG, pkt->len);
	if (encap_csum_unavailable(ctx, pkt, pop))
		return done(XDP_PASS, ES_CNT_LOCAL_NO_CSUM, pkt->len);

	action = encap_to_pop(ctx, pkt, pop, &nh, gue_port);
	if (action < 0)
		return done(XDP_DROP, ES_CNT_ADJUST_FAILED, pkt->len);
	count_pop(pop_id, pkt->len);
	return done(action, ES_CNT_TUNNEL, pkt->len);
}

SEC("xdp.frags")
int edgesteer(struct xdp_md *ctx)
{
	struct packet pkt = {};
	struct es_config *cfg;
	struct es_decision *d;
	struct es_pop *pop;
	__u32 zero = 0, decision_id, pop_id;
	int err, action;

	/* 1. parse */
	err = parse_packet(ctx, &pkt);
	if (err)
		return malformed(err, pkt.len);

	/* 2. tunnel traffic to this POP */
	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg)
		return done(XDP_PASS, ES_CNT_NOT_VIP, pkt.len);
	if (is_tunnel_to_us(&pkt, cfg))
		return decapsulate(ctx, &pkt, cfg);

	/* 3. anycast services only; an ICMP error as the flow it quotes */
	icmp_quote(ctx, &pkt);
	if (!vip_match_steered(&pkt))
		return done(XDP_PASS, ES_CNT_NOT_VIP, pkt.len);
	if (pkt.quote)
		count(ES_CNT_ICMP_QUOTED, 0);
	if (pkt.frag != FRAG_NONE)
		count(ES_CNT_FRAGMENT, 0);

	/* 4. classify: the client, an ICMP error's quoted destination */
	decision_id = classify_steered(&pkt);
	if (!decision_id)
		return done(XDP_PASS, ES_CNT_LOCAL_NO_PREFIX, pkt.len);
	d = bpf_map_lookup_elem(&decisions, &decision_id);
	if (!d || d->action == ES_ACTION_NONE)
		return done(XDP_PASS, ES_CNT_LOCAL_BAD_DECISION, pkt.len);
	count_decision(decision_id);
	if (d->action == ES_ACTION_LOCAL)
		return done(XDP_PASS, ES_CNT_LOCAL_DECISION, pkt.len);
	if (d->action == ES_ACTION_DROP)
		return done(XDP_DROP, ES_CNT_DROP_DECISION, pkt.len);

	/* 5, 6. the POP that takes this packet */
	pop_id = choose_pop(&pkt, decision_id, d);
	if (pop_id == ES_POP_HERE)
		return done(XDP_PASS, ES_CNT_LOCAL_DECISION, pkt.len);
	if (!pop_id)
		return done(XDP_PASS, ES_CNT_LOCAL_NO_CANDIDATE, pkt.len);
	if (pop_id == cfg->self_pop) {
		count_pop(pop_id, pkt.len);
		return done(XDP_PASS, ES_CNT_LOCAL_SELF, pkt.len);
	}
	pop = pop_get(pop_id);
	if (!pop)
		return done(XDP_PASS, ES_CNT_LOCAL_NO_CANDIDATE, pkt.len);

	/* 7. act */
	if (pop->kind == ES_POP_REDIRECT) {
		action = redirect_to_pop(ctx, &pkt, pop);
		if (action < 0)
			return done(XDP_PASS, ES_CNT_LOCAL_NO_NEXTHOP, pkt.len);
		count_pop(pop_id, pkt.len);
		return done(action, ES_CNT_REDIRECT, pkt.len);
	}
	return tunnel(ctx, &pkt, pop, pop_id, cfg->gue_port);
}

/*
 * The receiving POP's other half (bpf/mss.h): on the egress of the
 * interface replies leave by, lower the MSS of SYN-ACKs answering SYNs
 * that came through a tunnel. In this object so that it shares the maps.
 * TC_ACT_UNSPEC (TCX_NEXT): the packet goes on to whatever runs after us,
 * and is passed when nothing does; this program never decides its fate.
 */
SEC("tc")
int edgesteer_mss(struct __sk_buff *skb)
{
	mss_clamp(skb);
	return TC_ACT_UNSPEC;
}

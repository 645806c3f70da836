/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 6: keeping open TCP connections where they are.
 *
 * New flows take the first candidate that is up. Flow state is needed only
 * when the answer for an open connection could differ from the answer for a
 * new one, which happens in exactly two cases:
 *  - a candidate ahead of the chosen one is draining: connections it
 *    already has must stay on it, new ones go on;
 *  - the prefix's decision changed (ES_DECISION_TRANSITION): connections
 *    opened before the change keep the POP the old decision gave them.
 * Only then is the flow table consulted, and only for TCP, whose SYN tells
 * a new connection from an open one: a SYN is pinned to the new choice, any
 * other segment without an entry belongs to a connection that predates the
 * drain or the change and is pinned to the old one. An ICMP error about a
 * connection is looked up as that connection and pins nothing. Fragments
 * never touch the table. In the steady state no per-flow state is read or
 * written at all.
 */
#ifndef ES_FLOW_H
#define ES_FLOW_H

#include "candidates.h"
#include "parse.h"
#include "stats.h"

#define FLOW_REFRESH_NS		(1000ull * 1000 * 1000)

/*
 * Whether the flow table can know this packet's connection: TCP, with
 * ports. An ICMP error quoting a TCP segment the VIP sent counts as a
 * packet of that connection (icmp_quote.h). No fragment does, the first
 * one included: later fragments carry no ports, and every fragment of a
 * datagram must go where the others go, which only the source address
 * (the classification) can promise.
 */
static __always_inline bool flow_tracked(const struct packet *pkt)
{
	if (pkt->frag != FRAG_NONE)
		return false;
	if (pkt->quote)
		return pkt->quote == QUOTE_FLOW && pkt->q_proto == IPPROTO_TCP;
	return pkt->proto == IPPROTO_TCP;
}

/* The connection in the client's direction: the packet itself, or the
 * flow an ICMP error quotes, reversed (its VIP end is the error's daddr). */
static __always_inline void flow_key_of(const struct packet *pkt, struct es_flow_key *k)
{
	k->family = pkt->family;
	k->pad = 0;
	k->daddr = pkt->daddr;
	if (pkt->quote) {
		k->proto = pkt->q_proto;
		k->sport = pkt->q_sport;
		k->dport = pkt->q_dport;
		k->saddr = pkt->q_saddr;
		return;
	}
	k->proto = pkt->proto;
	k->sport = pkt->sport;
	k->dport = pkt->dport;
	k->saddr = pkt->saddr;
}

static __always_inline bool tcp_is_syn(const struct packet *pkt)
{
	/* SYN without ACK: the first segment of a new connection */
	return (pkt->tcp_flags & 0x12) == 0x02;
}

/*
 * The sticky path: `id` is the answer for a new connection, `d` the
 * decision (draining candidate ahead, or a transition). Returns the POP id,
 * ES_POP_HERE, or 0 when nothing can take the packet.
 */
static __always_inline __u16 flow_stick(const struct packet *pkt, __u32 decision_id,
					const struct es_decision *d, __u16 id)
{
	struct es_flow_key key;
	struct es_flow *f, nf = {};
	bool unused = false;
	__u16 pick;
	__u64 now;

	flow_key_of(pkt, &key);
	now = bpf_ktime_get_ns();
	f = bpf_map_lookup_elem(&flows, &key);
	if (f && f->pop == ES_POP_HERE) {
		count(ES_CNT_FLOW_HIT, 0);
		return ES_POP_HERE;
	}
	if (f) {
		struct es_pop *p = pop_get(f->pop);

		if (p && p->kind != ES_POP_UNUSED && p->state != ES_STATE_DOWN) {
			/* refresh rarely: a write per packet would bounce the line */
			if (now - f->last_ns > FLOW_REFRESH_NS)
				f->last_ns = now;
			count(ES_CNT_FLOW_HIT, 0);
			return f->pop;
		}
	}

	if (tcp_is_syn(pkt)) {
		pick = id;
	} else {
		pick = 0;
		if (d->flags & ES_DECISION_TRANSITION) {
			__u32 prev_id = d->prev;
			struct es_decision *prev = bpf_map_lookup_elem(&decisions, &prev_id);

			if (prev && prev->action == ES_ACTION_POPS)
				pick = first_usable(prev, true, &unused);
			else if (prev && prev->action == ES_ACTION_LOCAL)
				pick = ES_POP_HERE;
		} else {
			pick = first_usable(d, true, &unused);
		}
		if (!pick)
			pick = id;
	}
	if (!pick)
		return 0;
	/* An ICMP error is not a segment of its connection: it goes where
	 * the connection's next segment will, and pins nothing (a router
	 * sends one per packet it could not forward; the client's own
	 * segment will pin the same answer). */
	if (pkt->quote)
		return pick;
	count(tcp_is_syn(pkt) ? ES_CNT_FLOW_PIN_NEW : ES_CNT_FLOW_PIN_EXISTING, 0);
	nf.pop = pick;
	nf.decision = decision_id;
	nf.last_ns = now;
	bpf_map_update_elem(&flows, &key, &nf, BPF_ANY);
	return pick;
}

#endif /* ES_FLOW_H */

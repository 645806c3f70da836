/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fragments of an IPv4 datagram must all end up in one place: the POP that
 * reassembles it. Each fragment is classified by its source alone, so all
 * of them get the same decision; but a fragment too big for the tunnel
 * (no DF: fragments never have it) is served here, while its smaller last
 * fragment would still fit and be tunnelled, splitting the datagram
 * between two POPs that can each never reassemble it.
 *
 * So a too-big fragment marks its datagram (source, destination, ID,
 * protocol) as served here, and every later fragment of that datagram that
 * would be tunnelled is served here too. Only fragments pay the lookup.
 * A datagram whose small fragment arrives before its first too-big one
 * is still split; fragments are sent in order by every stack that matters.
 */
#ifndef ES_FRAGMENTS_H
#define ES_FRAGMENTS_H

#include "maps.h"
#include "parse.h"

static __always_inline bool is_ipv4_fragment(const struct packet *pkt)
{
	return pkt->family == ES_AF_INET && pkt->frag != FRAG_NONE;
}

static __always_inline struct datagram_key datagram_of(const struct packet *pkt)
{
	struct datagram_key k = {
		.saddr = pkt->saddr.v4,
		.daddr = pkt->daddr.v4,
		.id = pkt->ip_id,
		.proto = pkt->proto,
	};

	return k;
}

static __always_inline bool datagram_served_here(const struct packet *pkt)
{
	struct datagram_key k;

	if (!is_ipv4_fragment(pkt))
		return false;
	k = datagram_of(pkt);
	return bpf_map_lookup_elem(&local_datagrams, &k) != NULL;
}

static __always_inline void datagram_serve_here(const struct packet *pkt)
{
	struct datagram_key k;
	__u8 one = 1;

	if (!is_ipv4_fragment(pkt))
		return;
	k = datagram_of(pkt);
	bpf_map_update_elem(&local_datagrams, &k, &one, BPF_ANY);
}

#endif /* ES_FRAGMENTS_H */

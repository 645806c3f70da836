/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 4: classify a source address into a decision id.
 *
 * The table layout is described in include/edgesteer.h: a 24-bit root level
 * (one read) and 8-bit group levels below it. IPv4 costs one or two array
 * reads, IPv6 at most 1 + 13, bounded by the longest prefix present under
 * the address, never by the number of prefixes. The live table is slot 0 of
 * an array-of-maps so that a full reload swaps in atomically.
 */
#ifndef ES_CLASSIFY_H
#define ES_CLASSIFY_H

#include "maps.h"

static __always_inline __u32 entry_value(__u32 e)
{
	return e & ES_ENTRY_VALUE_MASK;
}

/* Returns the decision id, 0 when no prefix covers the address. */
static __always_inline __u32 classify_v4_addr(__be32 saddr)
{
	__u32 zero = 0, a = bpf_ntohl(saddr), idx, e;
	struct es_node *node;
	void *table;

	table = bpf_map_lookup_elem(&classify_v4, &zero);
	if (!table)
		return 0;
	idx = a >> 16;
	node = bpf_map_lookup_elem(table, &idx);
	if (!node)
		return 0;
	e = node->entry[(a >> 8) & 0xff];
	if (!(e & ES_ENTRY_GROUP))
		return entry_value(e);

	idx = entry_value(e);
	node = bpf_map_lookup_elem(table, &idx);
	if (!node)
		return 0;
	e = node->entry[a & 0xff];
	/* an IPv4 group never points further; treat it as no match */
	return (e & ES_ENTRY_GROUP) ? 0 : entry_value(e);
}

static __always_inline __u32 classify_v6_addr(const struct es_addr *saddr)
{
	__u32 zero = 0, idx, e;
	struct es_node *node;
	void *table;

	table = bpf_map_lookup_elem(&classify_v6, &zero);
	if (!table)
		return 0;
	idx = ((__u32)saddr->v6[0] << 8) | saddr->v6[1];
	node = bpf_map_lookup_elem(table, &idx);
	if (!node)
		return 0;
	e = node->entry[saddr->v6[2]];

	for (int level = 3; level < 16; level++) {
		if (!(e & ES_ENTRY_GROUP))
			return entry_value(e);
		idx = entry_value(e);
		node = bpf_map_lookup_elem(table, &idx);
		if (!node)
			return 0;
		e = node->entry[saddr->v6[level]];
	}
	return (e & ES_ENTRY_GROUP) ? 0 : entry_value(e);
}

static __always_inline __u32 classify(const struct packet *pkt)
{
	if (pkt->family == ES_AF_INET)
		return classify_v4_addr(pkt->saddr.v4);
	return classify_v6_addr(&pkt->saddr);
}

#endif /* ES_CLASSIFY_H */

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Finding an address in an address table (include/edgesteer.h): linear
 * probing in a BPF array that userspace built, every read inlined by the
 * verifier. Both table kinds start each slot with the same key layout.
 */
#ifndef ES_ADDR_TABLE_H
#define ES_ADDR_TABLE_H

#include "maps.h"
#include "parse.h"

static __always_inline bool addr_key_eq(const struct es_vip_key *k, __u8 family,
					const struct es_addr *a)
{
	return k->family == family && k->addr.v6w[0] == a->v6w[0] &&
	       k->addr.v6w[1] == a->v6w[1] && k->addr.v6w[2] == a->v6w[2] &&
	       k->addr.v6w[3] == a->v6w[3];
}

/* The slot holding (family, a) in the table in slot 0 of outer, or NULL. */
static __always_inline void *addr_table_find(void *outer, __u8 family, const struct es_addr *a)
{
	__u32 zero = 0, idx = es_addr_hash(family, a);
	void *table = bpf_map_lookup_elem(outer, &zero);

	if (!table)
		return NULL;
	for (int i = 0; i < ES_ADDR_PROBES; i++) {
		const struct es_vip_key *k;

		idx &= ES_ADDR_SLOTS - 1;
		k = bpf_map_lookup_elem(table, &idx);
		if (!k || k->family == ES_AF_NONE)
			return NULL;
		if (addr_key_eq(k, family, a))
			return (void *)k;
		idx++;
	}
	return NULL;
}

#endif /* ES_ADDR_TABLE_H */

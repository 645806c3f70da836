/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 3: is the destination an anycast service we steer? One probe of
 * the VIP address table, usually; rules, if any, narrow it to protocols and
 * ports. Everything else (BGP sessions, SSH, monitoring) passes untouched.
 */
#ifndef ES_VIP_H
#define ES_VIP_H

#include "addr_table.h"

/*
 * Is a flow of proto to daddr port dport steered? ports false: the flow's
 * ports are not known (a later fragment, an ICMP error quoting one) and the
 * protocol decides; the first fragment decided the ports already.
 */
static __always_inline bool vip_match(__u8 family, const struct es_addr *daddr, __u8 proto,
				      __be16 dport, bool ports)
{
	struct es_vip_slot *slot = addr_table_find(&vip_table, family, daddr);
	const struct es_vip *vip;

	if (!slot)
		return false;
	vip = &slot->vip;
	if (!vip->nrules)
		return true;
	for (int i = 0; i < ES_MAX_VIP_RULES; i++) {
		const struct es_vip_rule *r = &vip->rules[i];

		if (i >= vip->nrules)
			break;
		if (r->proto != proto)
			continue;
		if (!r->port || !ports || r->port == dport)
			return true;
	}
	return false;
}

#endif /* ES_VIP_H */

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 3: is the destination an anycast service we steer? One probe of
 * the VIP address table, usually; rules, if any, narrow it to protocols and
 * ports. Everything else (BGP sessions, SSH, monitoring) passes untouched.
 */
#ifndef ES_VIP_H
#define ES_VIP_H

#include "addr_table.h"

static __always_inline bool vip_match(const struct packet *pkt)
{
	struct es_vip_slot *slot = addr_table_find(&vip_table, pkt->family, &pkt->daddr);
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
		if (r->proto != pkt->proto)
			continue;
		/* a later fragment has no port; the first one decided */
		if (!r->port || r->port == pkt->dport || pkt->frag == FRAG_LATER)
			return true;
	}
	return false;
}

#endif /* ES_VIP_H */

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 3: is the destination an anycast service we steer? One hash lookup
 * by address; rules, if any, narrow it to protocols and ports. Everything
 * else (BGP sessions, SSH, monitoring) passes untouched.
 */
#ifndef ES_VIP_H
#define ES_VIP_H

#include "maps.h"
#include "parse.h"

static __always_inline bool vip_match(const struct packet *pkt)
{
	struct es_vip_key k = { .family = pkt->family, .addr = pkt->daddr };
	struct es_vip *vip = bpf_map_lookup_elem(&vips, &k);

	if (!vip)
		return false;
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

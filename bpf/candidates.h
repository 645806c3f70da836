/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A decision's candidate POPs and their states, shared by stage 5 (the
 * POP a new flow takes) and stage 6 (the POP an open connection keeps).
 */
#ifndef ES_CANDIDATES_H
#define ES_CANDIDATES_H

#include "maps.h"

static __always_inline struct es_pop *pop_get(__u32 id)
{
	return bpf_map_lookup_elem(&pops, &id);
}

/*
 * First candidate that may take a new flow (existing == false: up only)
 * or an existing one (existing == true: up or draining). Sets
 * *skipped_drain when a draining candidate was passed over.
 */
static __always_inline __u16 first_usable(const struct es_decision *d, bool existing,
					  bool *skipped_drain)
{
	for (int i = 0; i < ES_MAX_CANDIDATES; i++) {
		struct es_pop *p;
		__u32 id;

		if (i >= d->npops)
			break;
		id = d->pops[i];
		p = pop_get(id);
		if (!p || p->kind == ES_POP_UNUSED)
			continue;
		if (p->state == ES_STATE_UP)
			return id;
		if (p->state == ES_STATE_DRAIN) {
			if (existing)
				return id;
			*skipped_drain = true;
		}
	}
	return 0;
}

#endif /* ES_CANDIDATES_H */

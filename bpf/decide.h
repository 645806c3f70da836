/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 5: from a decision to the POP that takes this packet.
 *
 * New flows take the first candidate that is up; a draining candidate is
 * passed over for them but keeps the connections it has, a down one gets
 * nothing. When the answer for an open connection can differ from the
 * answer for a new one, flow.h decides (stage 6).
 */
#ifndef ES_DECIDE_H
#define ES_DECIDE_H

#include "candidates.h"
#include "flow.h"
#include "parse.h"

/* Returns the POP id for this packet, ES_POP_HERE for a connection that
 * was served here before a transition, 0 when no candidate can take it. */
static __always_inline __u16 choose_pop(const struct packet *pkt, __u32 decision_id,
					const struct es_decision *d)
{
	bool skipped_drain = false;
	__u16 id;

	id = first_usable(d, false, &skipped_drain);
	if (!(d->flags & ES_DECISION_TRANSITION) && !skipped_drain)
		return id;	/* the steady state: no per-flow state at all */
	if (!flow_tracked(pkt))
		return id;
	return flow_stick(pkt, decision_id, d, id);
}

#endif /* ES_DECIDE_H */

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Decisions: interned, reference-counted, immutable while referenced.
 *
 * Every prefix with the same steering shares one decision id. The data
 * path may read a decision at any moment, so a slot is written only while
 * nothing can reach it: a fresh slot, or one whose last reference went away
 * more than ES_GRACE_NS ago. The content of a released slot stays intact
 * during that grace period for packets that read its id just before.
 */
#ifndef ES_DECISIONS_H
#define ES_DECISIONS_H

#include "state.h"

/* Find the decision with this content (action, npops, pops, flags, prev)
 * or create it; takes one reference. A new TRANSITION decision also takes
 * a reference on its prev. -ENOSPC when every id is in use. */
int es_decision_get(struct es_state *st, const struct es_decision *want, __u32 *id);

/* Drop one reference (id 0 is ignored). */
void es_decision_put(struct es_state *st, __u32 id);

/* The decision with this id, or NULL when the slot is unused. */
const struct es_decision *es_decision_at(const struct es_state *st, __u32 id);

/* Same steering, ignoring transition bookkeeping (flags, prev). */
bool es_decision_same_steering(const struct es_decision *a, const struct es_decision *b);

/* Ids in use (refs > 0). */
__u32 es_decisions_in_use(const struct es_state *st);

#endif /* ES_DECISIONS_H */

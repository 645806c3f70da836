/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * POPs by name and id, this box's identity (`pop self`), and the peers
 * allowed to send tunnel traffic. A tunnel POP's endpoint is an allowed
 * peer for as long as the POP exists, so the same POP list can be deployed
 * to every POP of a fleet and only `pop self` differs.
 */
#ifndef ES_POPS_H
#define ES_POPS_H

#include "state.h"

/* Find a POP by name; fills *id and (if non-NULL) *pop. -ENOENT. */
int es_pop_find(struct es_state *st, const char *name, __u32 *id, struct es_pop *pop);
int es_pop_get(struct es_state *st, __u32 id, struct es_pop *pop);

/*
 * Add a POP. -EINVAL: bad id, name, kind or address families;
 * -EEXIST: the id or the name is taken (*conflict gets the other POP's id).
 * A redirect POP's interface is added to the egress devmap.
 */
int es_pop_add(struct es_state *st, __u32 id, const struct es_pop *pop, __u32 *conflict);

int es_pop_set_state(struct es_state *st, __u32 id, __u8 state);

/* Prefixes whose decision names the POP (0 when unused); *example gets
 * one of them when non-NULL. */
size_t es_pop_users(struct es_state *st, __u32 id, struct es_prefix_key *example);

/* Delete a POP: -EBUSY while a prefix names it, or while it is `self`. */
int es_pop_del(struct es_state *st, __u32 id);

/* Every configured POP, by id; *ids gets their ids. Caller frees. */
int es_pop_list(struct es_state *st, __u32 **ids, struct es_pop **pops, size_t *n);

/* Run-time configuration. */
int es_config_get(struct es_state *st, struct es_config *cfg);
int es_config_set(struct es_state *st, const struct es_config *cfg);

/* This box is POP id: its decisions are served here and its tunnel
 * address is decapsulated. id 0 clears it. */
int es_self_set(struct es_state *st, __u32 id);

/* Explicit peers (beyond POP endpoints). -EEXIST / -ENOENT. */
int es_peer_add(struct es_state *st, __u8 family, const struct es_addr *addr);
int es_peer_del(struct es_state *st, __u8 family, const struct es_addr *addr);
/* Every allowed source with its ES_PEER_* flags. Caller frees. */
int es_peer_list(struct es_state *st, struct es_peer_key **keys, struct es_peer **vals, size_t *n);

#endif /* ES_POPS_H */

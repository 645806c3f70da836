/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The prefix table as a whole: the RIB (every configured prefix and its
 * decision), the classifier tables built from it, and the decisions they
 * point at, kept consistent with each other.
 *
 * Changing the steering of addresses that already had one makes the new
 * decision a TRANSITION from the old: TCP connections open before the
 * change stay where they were (see bpf/decide.h). es_prefixes_settle()
 * ends transitions that no live connection needs any more.
 */
#ifndef ES_PREFIXES_H
#define ES_PREFIXES_H

#include "state.h"

/* What a prefix does. */
struct es_steering {
	__u8 action;			/* ES_ACTION_POPS / LOCAL / DROP */
	__u8 npops;
	__u16 pops[ES_MAX_CANDIDATES];	/* POP ids, in order */
};

/* One prefix and its steering, as loaded from a file or dumped. */
struct es_prefix_spec {
	__u8 family;
	__u8 len;
	struct es_addr addr;		/* host bits zero */
	struct es_steering steer;
};

/*
 * The decision a prefix gets when its steering becomes `steer`, given the
 * decision its addresses have now (`before`, 0 when none): a plain one when
 * nothing changes for open connections, else a transition that remembers
 * where they were (never pointing at another transition). The rule every
 * writer of prefixes follows (es_prefix_set, replace, latency steering).
 */
void es_prefix_decision_for(const struct es_state *st, __u32 before,
			    const struct es_steering *steer, struct es_decision *want);

/* Add a prefix or change its steering. -EINVAL for a bad prefix. */
int es_prefix_set(struct es_state *st, __u8 family, const struct es_addr *addr, __u8 len,
		  const struct es_steering *steer);

/* Remove a prefix: its addresses fall back to the covering prefix.
 * -ENOENT when it is not configured. */
int es_prefix_del(struct es_state *st, __u8 family, const struct es_addr *addr, __u8 len);

/* Steering and decision id of a configured prefix; -ENOENT if absent. */
int es_prefix_get(struct es_state *st, __u8 family, const struct es_addr *addr, __u8 len,
		  struct es_steering *steer, __u32 *decision);

/* What the data path does with a new flow from an address, read from the
 * very tables it uses. */
enum es_lookup_action {
	ES_LOOKUP_LOCAL,	/* served here */
	ES_LOOKUP_REDIRECT,
	ES_LOOKUP_TUNNEL,
	ES_LOOKUP_DROP,
};

struct es_lookup {
	int len;			/* matching prefix length, -1: none */
	struct es_addr prefix;		/* the matching prefix (masked) */
	__u32 decision;			/* 0: no prefix */
	struct es_steering steer;	/* the decision's steering */
	bool transition;		/* open connections may stay elsewhere */
	__u32 pop;			/* POP a new flow takes, 0: none */
	__u8 action;			/* enum es_lookup_action */
};

int es_prefix_lookup(struct es_state *st, __u8 family, const struct es_addr *addr,
		     struct es_lookup *res);

/* Every configured prefix (both families, unordered); caller frees *out. */
int es_prefixes_list(struct es_state *st, struct es_prefix_spec **out, size_t *n);

/*
 * Make v[0..n) the complete prefix table. Each family's classifier is
 * rebuilt aside and swapped in with one update, so no packet sees an empty
 * or half-loaded table. Validated before anything changes: a bad prefix or
 * a table that does not fit fails with nothing applied.
 */
int es_prefixes_replace(struct es_state *st, const struct es_prefix_spec *v, size_t n);

/*
 * End the transitions no open connection needs: a transition stays while
 * the flow table holds a flow of its addresses seen within idle_ns.
 * Returns the number of prefixes settled, or a negative errno.
 */
int es_prefixes_settle(struct es_state *st, __u64 idle_ns);

#endif /* ES_PREFIXES_H */

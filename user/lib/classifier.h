/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Classifier tables: source prefix -> decision id, in the multibit trie
 * layout described in include/edgesteer.h ("Classifier").
 *
 * A table is a flat array of struct es_node, normally the mmapped
 * BPF_F_MMAPABLE array the XDP program reads while we write it. The rules
 * that make that safe:
 *   - one writer per table at a time (the caller serialises); readers on
 *     any CPU, any time;
 *   - every entry a reader can reach changes with one aligned __u32
 *     release store, so a reader sees the old or the new entry;
 *   - a group is filled completely before the entry pointing at it is
 *     published, and is never freed or reused while the table lives;
 *     readers therefore never follow a dangling or half-built pointer;
 *   - groups come from a bump allocator (header next_free). When it runs
 *     out, updates fail with -ENOSPC *before* writing anything and the
 *     caller rebuilds the table from its prefix list (es_table_build) into
 *     a fresh array and swaps that in.
 *
 * Addresses are struct es_addr in network byte order; an IPv4 address is
 * in .v4 and the other 12 bytes are zero. Functions return 0 or a negative
 * errno and never print.
 */
#ifndef ES_CLASSIFIER_H
#define ES_CLASSIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "edgesteer.h"

struct es_table {
	struct es_node *nodes;	/* the array (mmapped or malloc'd) */
	__u32 nnodes;		/* its max_entries */
	__u8 family;		/* ES_AF_INET or ES_AF_INET6 */
};

/* One prefix for es_table_build. */
struct es_table_prefix {
	struct es_addr addr;	/* network order, host bits zero */
	__u8 len;		/* 0..32 / 0..128 */
	__u32 decision;		/* 1..ES_MAX_DECISIONS-1 */
};

/*
 * Format an empty table in nodes[0..nnodes): zero every node and write the
 * header. Only for an array no reader sees yet (it is not an atomic reset).
 * -EINVAL: bad family, nnodes <= ES_FIRST_GROUP, or a node index that would
 * not fit in an entry's 23-bit value.
 */
int es_table_init(struct es_table *t, struct es_node *nodes, __u32 nnodes,
		  __u8 family);

/* The same for memory known to be all zero (a new BPF array): writes only
 * the header, instead of touching every page of a table that may be
 * hundreds of MiB and stay mostly empty. */
int es_table_init_zeroed(struct es_table *t, struct es_node *nodes, __u32 nnodes,
			 __u8 family);

/*
 * Attach to a table formatted earlier (e.g. a pinned map mmapped again).
 * -EINVAL: bad arguments; -EBADMSG: the header is not that of a table of
 * this family and size (magic, family, nodes or next_free wrong).
 */
int es_table_attach(struct es_table *t, struct es_node *nodes, __u32 nnodes,
		    __u8 family);

/*
 * Longest-prefix match the way the data path does it: root entry, then
 * one group per 8 bits while the entry is a group pointer. Safe to call
 * while another thread updates the table. Returns the decision id, or 0
 * when no prefix covers addr; *depth (if non-NULL) gets the matching
 * prefix length, or -1 when none.
 */
__u32 es_table_lookup(const struct es_table *t, const struct es_addr *addr,
		      int *depth);

/*
 * Add prefix addr/len -> decision, or change the decision of a prefix
 * already there. Overwrites every entry in the prefix's range written by a
 * prefix of length <= len (including its own), keeps the longer ones.
 * Allocates the groups the prefix needs on its path.
 * -EINVAL: len too long for the family, host bits set, decision 0 or
 * >= ES_MAX_DECISIONS; -ENOSPC: not enough free groups (nothing written).
 * The header's prefix count is left to the caller (only the RIB knows
 * whether the prefix is new).
 */
int es_table_insert(struct es_table *t, const struct es_addr *addr, __u8 len,
		    __u32 decision);

/*
 * Remove prefix addr/len. The caller passes what covers the prefix once it
 * is gone: the longest remaining prefix strictly shorter that contains it
 * (parent_decision, parent_len), or 0/0 when there is none. Entries written
 * by this prefix are rewritten to the parent (to "no prefix" when none);
 * entries of longer prefixes inside it stay. Groups are never freed.
 * Deleting a prefix that is not in the table changes nothing and returns
 * 0: the table cannot tell an absent prefix from one that longer prefixes
 * shadow completely, the caller's RIB can.
 * -EINVAL: len too long, host bits set, parent_len >= len, or a parent
 * decision out of range (or 0 with parent_len != 0).
 */
int es_table_delete(struct es_table *t, const struct es_addr *addr, __u8 len,
		    __u32 parent_decision, __u8 parent_len);

/*
 * Write n prefixes into t (already es_table_init'ed, typically a fresh
 * array no reader sees: it uses plain stores). Input order does not matter
 * except between duplicates of one prefix, where the last one wins.
 * Sets the header's prefix count to n.
 * -EINVAL: a bad prefix (checked before anything is written); -ENOMEM;
 * -ENOSPC: out of groups, the table is then partly built: discard it.
 */
int es_table_build(struct es_table *t, const struct es_table_prefix *p,
		   size_t n);

/* Group nodes in use / available in total, for memory reporting. */
__u32 es_table_groups_used(const struct es_table *t);
__u32 es_table_groups_capacity(const struct es_table *t);

/*
 * Zero the host bits of a (everything after the first len bits, including
 * the 12 unused bytes of an IPv4 address). Returns true if any bit was set,
 * i.e. the CIDR had host bits. A len longer than the family is treated as
 * the full length; an unknown family leaves a alone and returns false.
 */
bool es_addr_mask(struct es_addr *a, __u8 family, __u8 len);

#endif /* ES_CLASSIFIER_H */

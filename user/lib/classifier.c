// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Classifier tables (see classifier.h and include/edgesteer.h).
 *
 * Levels: level 0 is the root, indexed by the top 24 bits of the address
 * (bytes 0..2 in network order; root node = bytes 0..1, entry = byte 2).
 * Because root nodes 0..65535 are contiguous, the root is also one flat
 * array of 2^24 entries indexed by those 24 bits, which is how it is walked
 * here. Level k >= 1 is a group indexed by byte 2 + k and resolves bits
 * [16 + 8k, 24 + 8k). A prefix of length len lives at the first level
 * whose bits reach len, where it covers 2^(level end - len) entries.
 *
 * Invariant used by delete: a leaf entry at level k has a depth of at most
 * 24 + 8k, because a prefix is written at its own level or below (group
 * copies of a shorter leaf) and delete only rewrites to shorter parents.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"

#define ES_V4_MAX_GROUP_LEVELS	1	/* (32 - 24) / 8 */
#define ES_ROOT_ENTRIES		(1u << ES_ROOT_BITS)

/* Which stores an update uses. */
struct table_writer {
	struct es_node *nodes;
	/*
	 * true: readers may be walking the table, every reachable entry
	 * changes with a release store. false: es_table_build into an array
	 * no reader can see until the caller publishes it (a map swap, i.e.
	 * a syscall), so plain stores are enough and cheaper.
	 */
	bool live;
};

static inline __u32 entry_leaf(__u32 decision, __u8 depth)
{
	return (__u32)depth << ES_ENTRY_DEPTH_SHIFT | decision;
}

static inline __u32 entry_group(__u32 node)
{
	return ES_ENTRY_GROUP | node;
}

static inline __u32 entry_value(__u32 e)
{
	return e & ES_ENTRY_VALUE_MASK;
}

static inline __u8 entry_depth(__u32 e)
{
	return (e >> ES_ENTRY_DEPTH_SHIFT) & ES_ENTRY_DEPTH_MASK;
}

static inline void entry_store(const struct table_writer *w, __u32 *slot,
			       __u32 e)
{
	if (w->live)
		__atomic_store_n(slot, e, __ATOMIC_RELEASE);
	else
		*slot = e;
}

static struct es_node_header *table_header(const struct es_table *t)
{
	return (struct es_node_header *)&t->nodes[ES_NODE_HEADER];
}

/*
 * The root as one array of 2^24 entries. Taken through a plain pointer so
 * that indexing past one node's entry[] is not an out-of-bounds access.
 */
static inline __u32 *root_entries(const struct es_table *t)
{
	return (__u32 *)t->nodes;
}

static unsigned int family_bits(__u8 family)
{
	switch (family) {
	case ES_AF_INET:
		return 32;
	case ES_AF_INET6:
		return 128;
	default:
		return 0;
	}
}

static unsigned int family_group_levels(__u8 family)
{
	return family == ES_AF_INET ? ES_V4_MAX_GROUP_LEVELS :
				      ES_V6_MAX_GROUP_LEVELS;
}

/* Number of the last address bit a level resolves, plus one. */
static inline unsigned int level_end_bits(unsigned int level)
{
	return ES_ROOT_BITS + level * ES_STRIDE_BITS;
}

/* The level a prefix of length len is written at. */
static inline unsigned int prefix_level(unsigned int len)
{
	if (len <= ES_ROOT_BITS)
		return 0;
	return (len - ES_ROOT_BITS + ES_STRIDE_BITS - 1) / ES_STRIDE_BITS;
}

/* Top 24 bits of the address: bytes 0..2 in network order. */
static inline __u32 root_index(const struct es_addr *a)
{
	return (__u32)a->v6[0] << 16 | (__u32)a->v6[1] << 8 | a->v6[2];
}

/* Index inside a group of level >= 1. */
static inline __u8 group_index(const struct es_addr *a, unsigned int level)
{
	return a->v6[2 + level];
}

static bool decision_valid(__u32 decision)
{
	return decision > 0 && decision < ES_MAX_DECISIONS;
}

bool es_addr_mask(struct es_addr *a, __u8 family, __u8 len)
{
	unsigned int bits = family_bits(family), i;
	bool had_host_bits = false;

	if (!bits)
		return false;
	if (len > bits)
		len = bits;
	/* Byte by byte: network order, so the prefix is a run of leading bytes. */
	for (i = 0; i < sizeof(a->v6); i++) {
		unsigned int keep = len > i * 8 ? len - i * 8 : 0;
		__u8 mask = keep >= 8 ? 0xff : (__u8)(0xff00 >> keep);

		if (a->v6[i] & ~mask) {
			had_host_bits = true;
			a->v6[i] &= mask;
		}
	}
	return had_host_bits;
}

/* addr/len is a prefix of the table's family with no host bits. */
static bool prefix_valid(const struct es_table *t, const struct es_addr *addr,
			 __u8 len)
{
	unsigned int bits = family_bits(t->family);
	struct es_addr masked = *addr;

	if (!bits || len > bits)
		return false;
	return !es_addr_mask(&masked, t->family, len);
}

int es_table_init(struct es_table *t, struct es_node *nodes, __u32 nnodes,
		  __u8 family)
{
	if (!t || !nodes || !family_bits(family) || nnodes <= ES_FIRST_GROUP ||
	    nnodes - 1 > ES_ENTRY_VALUE_MASK)
		return -EINVAL;
	memset(nodes, 0, (size_t)nnodes * sizeof(*nodes));
	return es_table_init_zeroed(t, nodes, nnodes, family);
}

int es_table_init_zeroed(struct es_table *t, struct es_node *nodes, __u32 nnodes,
			 __u8 family)
{
	struct es_node_header *h;

	if (!t || !nodes || !family_bits(family) || nnodes <= ES_FIRST_GROUP ||
	    nnodes - 1 > ES_ENTRY_VALUE_MASK)
		return -EINVAL;

	t->nodes = nodes;
	t->nnodes = nnodes;
	t->family = family;

	h = table_header(t);
	h->magic = ES_NODE_MAGIC;
	h->family = family;
	h->nodes = nnodes;
	h->next_free = ES_FIRST_GROUP;
	h->prefixes = 0;
	return 0;
}

int es_table_attach(struct es_table *t, struct es_node *nodes, __u32 nnodes,
		    __u8 family)
{
	const struct es_node_header *h;

	if (!t || !nodes || !family_bits(family) || nnodes <= ES_FIRST_GROUP ||
	    nnodes - 1 > ES_ENTRY_VALUE_MASK)
		return -EINVAL;

	h = (const struct es_node_header *)&nodes[ES_NODE_HEADER];
	if (h->magic != ES_NODE_MAGIC || h->family != family ||
	    h->nodes != nnodes || h->next_free < ES_FIRST_GROUP ||
	    h->next_free > nnodes)
		return -EBADMSG;

	t->nodes = nodes;
	t->nnodes = nnodes;
	t->family = family;
	return 0;
}

__u32 es_table_lookup(const struct es_table *t, const struct es_addr *addr,
		      int *depth)
{
	unsigned int max_levels = family_group_levels(t->family), level;
	__u32 e;

	/* Acquire pairs with the writer's release: a group is complete by the
	 * time its pointer is visible. */
	e = __atomic_load_n(&root_entries(t)[root_index(addr)], __ATOMIC_ACQUIRE);
	for (level = 1; e & ES_ENTRY_GROUP; level++) {
		__u32 node = entry_value(e);

		/* Never true in a well-formed table; the data path's bounds
		 * checks give up the same way. */
		if (level > max_levels || node < ES_FIRST_GROUP ||
		    node >= t->nnodes) {
			e = 0;
			break;
		}
		e = __atomic_load_n(&t->nodes[node].entry[group_index(addr, level)],
				    __ATOMIC_ACQUIRE);
	}

	if (depth)
		*depth = entry_value(e) ? entry_depth(e) : -1;
	return entry_value(e);
}

/*
 * Follow existing groups on the path of addr from the root towards level.
 * Returns addr's slot at the deepest level reached; *reached is level, or
 * the level of a leaf above it that has no group under it yet.
 * Only the writer calls this: plain loads of entries it wrote itself.
 */
static __u32 *path_walk(const struct es_table *t, const struct es_addr *addr,
			unsigned int level, unsigned int *reached)
{
	__u32 *slot = &root_entries(t)[root_index(addr)];
	unsigned int k;

	for (k = 0; k < level; k++) {
		__u32 e = *slot;

		if (!(e & ES_ENTRY_GROUP))
			break;
		slot = &t->nodes[entry_value(e)].entry[group_index(addr, k + 1)];
	}
	*reached = k;
	return slot;
}

/*
 * Write leaf e (a prefix of length len) into count entries from slot and,
 * recursively, into the groups they point to, wherever the entry came from
 * a prefix of length <= len (itself included); longer ones are more
 * specific and stay.
 */
static void range_write_prefix(const struct table_writer *w, __u32 *slot,
			       __u32 count, __u32 e, __u8 len)
{
	__u32 i;

	for (i = 0; i < count; i++) {
		__u32 old = slot[i];

		if (old & ES_ENTRY_GROUP)
			range_write_prefix(w, w->nodes[entry_value(old)].entry,
					   ES_NODE_ENTRIES, e, len);
		else if (entry_depth(old) <= len)
			entry_store(w, &slot[i], e);
	}
}

/*
 * Rewrite the entries a prefix of length len wrote (depth == len) in count
 * entries from slot and the groups below them to replacement. Within the
 * prefix's range only that prefix can have written depth len.
 */
static void range_delete_prefix(const struct table_writer *w, __u32 *slot,
				__u32 count, __u8 len, __u32 replacement)
{
	__u32 i;

	for (i = 0; i < count; i++) {
		__u32 old = slot[i];

		if (old & ES_ENTRY_GROUP)
			range_delete_prefix(w, w->nodes[entry_value(old)].entry,
					    ES_NODE_ENTRIES, len, replacement);
		else if (entry_depth(old) == len && old != replacement)
			entry_store(w, &slot[i], replacement);
	}
}

/*
 * Build the chain of groups for levels from+1..to on the path of addr in
 * nodes first, first+1, ...: each starts as 256 copies of leaf (what the
 * entry being replaced answered for every address under it), and each but
 * the last points to the next. Returns addr's slot in the last one.
 * Nothing here is reachable before the caller publishes the pointer to
 * first, so plain stores: the release store that publishes orders them.
 */
static __u32 *chain_build(struct es_node *nodes, const struct es_addr *addr,
			  unsigned int from, unsigned int to, __u32 leaf,
			  __u32 first)
{
	__u32 *slot = NULL, node = first;
	unsigned int level, i;

	for (level = from + 1; level <= to; level++, node++) {
		for (i = 0; i < ES_NODE_ENTRIES; i++)
			nodes[node].entry[i] = leaf;
		if (slot)
			*slot = entry_group(node);
		slot = &nodes[node].entry[group_index(addr, level)];
	}
	return slot;
}

/* Insert for a prefix already validated. */
static int table_write_prefix(struct es_table *t, const struct es_addr *addr,
			      __u8 len, __u32 decision, bool live)
{
	struct table_writer w = { .nodes = t->nodes, .live = live };
	struct es_node_header *h = table_header(t);
	unsigned int level = prefix_level(len), reached;
	__u32 e = entry_leaf(decision, len), count, first, need;
	__u32 *slot, *top;

	/* Host bits are zero, so addr's slot at level starts the range. */
	count = 1u << (level_end_bits(level) - len);
	slot = path_walk(t, addr, level, &reached);
	if (reached == level) {
		range_write_prefix(&w, slot, count, e, len);
		return 0;
	}

	/*
	 * *slot is a leaf above the prefix's level: replace it by a chain of
	 * new groups holding its old answer plus the prefix, published with
	 * one store. The leaf is shorter than len (see the invariant at the
	 * top), so the prefix overwrites its whole range in the last group.
	 */
	need = level - reached;
	if (need > t->nnodes - h->next_free)
		return -ENOSPC;
	top = slot;
	first = h->next_free;
	slot = chain_build(t->nodes, addr, reached, level, *top, first);
	w.live = false;
	range_write_prefix(&w, slot, count, e, len);
	h->next_free = first + need;

	w.live = live;
	entry_store(&w, top, entry_group(first));
	return 0;
}

int es_table_insert(struct es_table *t, const struct es_addr *addr, __u8 len,
		    __u32 decision)
{
	if (!prefix_valid(t, addr, len) || !decision_valid(decision))
		return -EINVAL;
	return table_write_prefix(t, addr, len, decision, true);
}

int es_table_delete(struct es_table *t, const struct es_addr *addr, __u8 len,
		    __u32 parent_decision, __u8 parent_len)
{
	struct table_writer w = { .nodes = t->nodes, .live = true };
	unsigned int level = prefix_level(len), reached;
	__u32 replacement = 0, count;
	__u32 *slot;

	if (!prefix_valid(t, addr, len))
		return -EINVAL;
	if (parent_decision) {
		if (!decision_valid(parent_decision) || parent_len >= len)
			return -EINVAL;
		replacement = entry_leaf(parent_decision, parent_len);
	} else if (parent_len) {
		return -EINVAL;
	}

	slot = path_walk(t, addr, level, &reached);
	/* A leaf above the prefix's level is shorter than len: the prefix
	 * has no entry on this path. */
	if (reached < level)
		return 0;
	count = 1u << (level_end_bits(level) - len);
	range_delete_prefix(&w, slot, count, len, replacement);
	return 0;
}

int es_table_build(struct es_table *t, const struct es_table_prefix *p,
		   size_t n)
{
	unsigned int bits = family_bits(t->family), len;
	size_t start[128 + 2] = { 0 }, i;
	__u32 *order;
	int err = 0;

	if (!bits)
		return -EINVAL;
	if (n > UINT32_MAX)
		return -E2BIG;
	/* Validate everything first: a bad prefix writes nothing. */
	for (i = 0; i < n; i++) {
		if (!prefix_valid(t, &p[i].addr, p[i].len) ||
		    !decision_valid(p[i].decision))
			return -EINVAL;
		start[p[i].len + 1]++;
	}

	/*
	 * Counting sort by length, shortest first, stable so the last of
	 * duplicates wins. In that order a prefix never meets a group at its
	 * own level nor an entry deeper than itself, so each insert is a
	 * plain fill of its range; the general insert is used anyway (its
	 * checks cost one compare per entry) so any input is handled.
	 */
	order = malloc((n ? n : 1) * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (len = 1; len <= bits + 1; len++)
		start[len] += start[len - 1];
	for (i = 0; i < n; i++)
		order[start[p[i].len]++] = i;

	for (i = 0; i < n; i++) {
		const struct es_table_prefix *q = &p[order[i]];

		err = table_write_prefix(t, &q->addr, q->len, q->decision, false);
		if (err)
			goto out;
	}
	table_header(t)->prefixes = n;
out:
	free(order);
	return err;
}

__u32 es_table_groups_used(const struct es_table *t)
{
	return table_header(t)->next_free - ES_FIRST_GROUP;
}

__u32 es_table_groups_capacity(const struct es_table *t)
{
	return t->nnodes - ES_FIRST_GROUP;
}

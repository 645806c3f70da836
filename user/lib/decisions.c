// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "decisions.h"

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

bool es_decision_same_steering(const struct es_decision *a, const struct es_decision *b)
{
	if (a->action != b->action || a->npops != b->npops)
		return false;
	for (int i = 0; i < a->npops && i < ES_MAX_CANDIDATES; i++)
		if (a->pops[i] != b->pops[i])
			return false;
	return true;
}

static bool same_content(const struct es_decision *a, const struct es_decision *b)
{
	return es_decision_same_steering(a, b) && a->flags == b->flags &&
	       a->prev == b->prev;
}

/*
 * Content -> id index, kept in this process only and rebuilt from the
 * mmapped array on first use: the array is the truth, shared with every
 * other process, and each writer holds the pin path lock.
 */
#define INDEX_SLOTS	(2 * ES_MAX_DECISIONS)

struct decision_index {
	__u32 slot[INDEX_SLOTS];	/* decision id, 0 = empty */
};

static __u32 content_hash(const struct es_decision *d)
{
	__u32 h = d->action * 0x9e3779b1u ^ d->npops ^ (d->flags << 8) ^ d->prev * 0x85ebca6bu;

	for (int i = 0; i < ES_MAX_CANDIDATES; i++)
		h = (h ^ (i < d->npops ? d->pops[i] : 0)) * 0xc2b2ae35u;
	return h ^ (h >> 15);
}

static void index_add(struct decision_index *ix, const struct es_decision *all, __u32 id)
{
	__u32 i = content_hash(&all[id]) % INDEX_SLOTS;

	while (ix->slot[i] && ix->slot[i] != id)
		i = (i + 1) % INDEX_SLOTS;
	ix->slot[i] = id;
}

static struct decision_index *index_get(struct es_state *st)
{
	struct decision_index *ix = st->decision_index;

	if (ix)
		return ix;
	ix = calloc(1, sizeof(*ix));
	if (!ix)
		return NULL;
	for (__u32 id = 1; id < ES_MAX_DECISIONS; id++)
		if (st->decisions[id].action != ES_ACTION_NONE)
			index_add(ix, st->decisions, id);
	st->decision_index = ix;
	return ix;
}

/* Index lookup; stale slots (content rewritten since) are skipped. */
static __u32 index_find(struct decision_index *ix, const struct es_decision *all,
			const struct es_decision *want)
{
	__u32 i = content_hash(want) % INDEX_SLOTS;

	for (__u32 n = 0; n < INDEX_SLOTS && ix->slot[i]; n++) {
		__u32 id = ix->slot[i];

		if (all[id].action != ES_ACTION_NONE && same_content(&all[id], want))
			return id;
		i = (i + 1) % INDEX_SLOTS;
	}
	return 0;
}

static __u32 find_free_slot(struct es_state *st, __u64 now)
{
	for (__u32 n = 0; n < ES_MAX_DECISIONS - 1; n++) {
		__u32 id = 1 + (st->decision_hint + n) % (ES_MAX_DECISIONS - 1);
		const struct es_decision *d = &st->decisions[id];

		if (d->refs)
			continue;
		if (d->action == ES_ACTION_NONE || now - d->freed_ns > ES_GRACE_NS) {
			st->decision_hint = id;
			return id;
		}
	}
	return 0;
}

int es_decision_get(struct es_state *st, const struct es_decision *want, __u32 *id_out)
{
	struct decision_index *ix = index_get(st);
	struct es_decision *d;
	__u32 id;

	if (!ix)
		return -ENOMEM;
	id = index_find(ix, st->decisions, want);
	if (id) {
		d = &st->decisions[id];
		if (!d->refs && (d->flags & ES_DECISION_TRANSITION))
			st->decisions[d->prev].refs++;	/* revived */
		d->refs++;
		*id_out = id;
		return 0;
	}

	id = find_free_slot(st, now_ns());
	if (!id)
		return -ENOSPC;
	d = &st->decisions[id];
	/* a reused id starts counting from zero, not from its last owner */
	{
		__u64 *zero = calloc(st->ncpus, sizeof(*zero));

		if (zero) {
			bpf_map_update_elem(st->decision_stats_fd, &id, zero, BPF_ANY);
			free(zero);
		}
	}
	/* Nothing reaches this slot now; publish content before any table
	 * entry can point at it (the entry store is a release store). */
	d->npops = want->npops;
	memcpy(d->pops, want->pops, sizeof(d->pops));
	for (int i = want->npops; i < ES_MAX_CANDIDATES; i++)
		d->pops[i] = 0;
	d->flags = want->flags;
	d->prev = want->prev;
	d->refs = 1;
	d->freed_ns = 0;
	__atomic_store_n(&d->action, want->action, __ATOMIC_RELEASE);
	if (d->flags & ES_DECISION_TRANSITION)
		st->decisions[d->prev].refs++;
	index_add(ix, st->decisions, id);
	*id_out = id;
	return 0;
}

void es_decision_put(struct es_state *st, __u32 id)
{
	struct es_decision *d;

	if (!id || id >= ES_MAX_DECISIONS)
		return;
	d = &st->decisions[id];
	if (!d->refs)
		return;
	if (--d->refs)
		return;
	/* content stays readable for the grace period */
	d->freed_ns = now_ns();
	if (d->flags & ES_DECISION_TRANSITION)
		es_decision_put(st, d->prev);
}

const struct es_decision *es_decision_at(const struct es_state *st, __u32 id)
{
	if (!id || id >= ES_MAX_DECISIONS || st->decisions[id].action == ES_ACTION_NONE)
		return NULL;
	return &st->decisions[id];
}

__u32 es_decisions_in_use(const struct es_state *st)
{
	__u32 n = 0;

	for (__u32 id = 1; id < ES_MAX_DECISIONS; id++)
		n += st->decisions[id].refs != 0;
	return n;
}

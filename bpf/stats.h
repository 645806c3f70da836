/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 8: count. Per-CPU arrays, so plain increments are exact. Every
 * packet ends in done(), which counts it once by verdict and once by reason.
 */
#ifndef ES_STATS_H
#define ES_STATS_H

#include "maps.h"

static __always_inline void count(__u32 counter, __u32 bytes)
{
	struct es_counter_value *v = bpf_map_lookup_elem(&stats, &counter);

	if (v) {
		v->packets++;
		v->bytes += bytes;
	}
}

static __always_inline void count_pop(__u32 pop, __u32 bytes)
{
	struct es_counter_value *v = bpf_map_lookup_elem(&pop_stats, &pop);

	if (v) {
		v->packets++;
		v->bytes += bytes;
	}
}

static __always_inline void count_decision(__u32 decision)
{
	__u64 *v = bpf_map_lookup_elem(&decision_stats, &decision);

	if (v)
		(*v)++;
}

/* The one exit of the program: count verdict and reason, return verdict. */
static __always_inline int done(int action, __u32 reason, __u32 bytes)
{
	__u32 vc;

	switch (action) {
	case XDP_PASS:
		vc = ES_CNT_VERDICT_PASS;
		break;
	case XDP_DROP:
		vc = ES_CNT_VERDICT_DROP;
		break;
	case XDP_TX:
		vc = ES_CNT_VERDICT_TX;
		break;
	case XDP_REDIRECT:
		vc = ES_CNT_VERDICT_REDIRECT;
		break;
	default:
		vc = ES_CNT_VERDICT_ABORTED;
		break;
	}
	count(vc, bytes);
	count(reason, bytes);
	return action;
}

#endif /* ES_STATS_H */

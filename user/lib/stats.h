/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Counters summed over every CPU, their names, and the flow table.
 */
#ifndef ES_LIB_STATS_H
#define ES_LIB_STATS_H

#include "state.h"

/* Stable name of a counter ("verdict_pass", "not_vip", ...). */
const char *es_counter_name(enum es_counter c);

/* Every counter of enum es_counter, summed over CPUs. */
int es_stats_read(struct es_state *st, struct es_counter_value out[ES_CNT_MAX]);
/* Packets and bytes per POP id (ES_MAX_POPS entries). */
int es_pop_stats_read(struct es_state *st, struct es_counter_value *out);
/* Packets of one decision. */
int es_decision_stats_read(struct es_state *st, __u32 decision, __u64 *packets);
/* Zero every counter (verdicts, reasons, POPs, decisions). */
int es_stats_reset(struct es_state *st);

/* Flow table: call fn for each entry (stops early on non-zero return). */
int es_flows_walk(struct es_state *st,
		  int (*fn)(const struct es_flow_key *, const struct es_flow *, void *), void *arg);
/* Delete every entry; returns how many, or -errno. */
long es_flows_flush(struct es_state *st);

#endif /* ES_LIB_STATS_H */

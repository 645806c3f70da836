/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Address tables (include/edgesteer.h): the VIP and peer lookups the data
 * path does, built from their configuration maps. Every change to a
 * configuration map is followed by a publish, which builds the whole table
 * afresh and swaps it in with one map update: a packet sees the table
 * before or after the change, never one in between.
 */
#ifndef ES_ADDR_TABLE_H
#define ES_ADDR_TABLE_H

#include "state.h"

enum es_addr_table_kind {
	ES_TABLE_VIPS,
	ES_TABLE_PEERS,
};

/* Rebuild the table of a kind from its configuration map and swap it in.
 * -ENOSPC: some address would need more than ES_ADDR_PROBES probes (the
 * live table is then unchanged). */
int es_addr_table_publish(struct es_state *st, enum es_addr_table_kind kind);

/* The inner-map template every table of a kind is created like (for
 * bpf_map__set_inner_map_fd before load). Returns an fd or -errno. */
int es_addr_table_template(enum es_addr_table_kind kind);

#endif /* ES_ADDR_TABLE_H */

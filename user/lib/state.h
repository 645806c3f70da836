/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One instance of edgesteer's state: the loaded XDP program and its maps,
 * pinned under a pin path (or private, for tests), with the classifier
 * tables and the decision array mapped into this process.
 */
#ifndef ES_STATE_H
#define ES_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include "edgesteer.h"
#include "classifier.h"

#define ES_DEFAULT_PIN_PATH	"/sys/fs/bpf/edgesteer"
#define ES_PIN_PATH_ENV		"EDGESTEER_PIN_PATH"
#define ES_DEFAULT_V4_GROUPS	65536		/* 64 MiB beyond the 64 MiB root */
#define ES_DEFAULT_V6_GROUPS	262144		/* 256 MiB beyond the 64 MiB root */
#define ES_DEFAULT_FLOWS	(1u << 20)
#define ES_DEFAULT_PREFIXES	(1u << 21)

/* Capacities, fixed when the maps are first created; 0 = default. */
struct es_limits {
	__u32 v4_groups;
	__u32 v6_groups;
	__u32 flows;
	__u32 prefixes;
};

struct edgesteer_bpf;
struct decision_index;

/* A classifier table as the data path sees it: slot 0 of classify_v4/v6. */
struct es_live_table {
	int outer_fd;		/* the array-of-maps (not owned) */
	int fd;			/* the inner array currently in slot 0 */
	size_t map_len;		/* bytes mapped */
	struct es_table t;	/* nodes point into the mapping */
};

struct es_state {
	struct edgesteer_bpf *skel;	/* NULL when opened from pins only */
	char pin_path[256];		/* "" when private */
	int prog_fd;
	int mss_prog_fd;		/* tc MSS clamp; -1: pinned by an older build */
	int config_fd, pops_fd, decisions_fd, prefixes_fd, vips_fd, peers_fd;
	int flows_fd, egress_fd, stats_fd, pop_stats_fd, decision_stats_fd;
	int vip_table_fd, peer_table_fd;	/* address tables, slot 0 */
	struct es_decision *decisions;	/* mmapped ES_MAX_DECISIONS array */
	struct es_live_table v4, v6;
	int ncpus;
	int lock_fd;				/* es_state_lock(), -1 */
	struct decision_index *decision_index;	/* decisions.c, lazily built */
	__u32 decision_hint;			/* next free-slot scan start */
};

#define ES_OPEN_CREATE		0x1	/* load and pin when nothing is pinned */

/*
 * Open the state pinned under pin_path: the program and every map, for a
 * short-lived process (the CLI) or a long-lived one (the daemon). With
 * ES_OPEN_CREATE, load and pin it first when nothing is pinned there yet
 * (lim applies only then). The directory is created if missing and must
 * be on a BPF filesystem; the default one gets bpffs mounted at
 * /sys/fs/bpf when it is not. -ENOENT: nothing pinned and no
 * ES_OPEN_CREATE. -ENOTDIR/-EMEDIUMTYPE: pin_path unusable.
 */
int es_state_open(struct es_state **out, const char *pin_path, unsigned int flags,
		  const struct es_limits *lim);

/* Serialise writers across processes (CLI calls, the daemon): an exclusive
 * flock on the pin directory, held until es_state_close(). */
int es_state_lock(struct es_state *st);

/*
 * Load the XDP program and create its maps, or take over the maps already
 * pinned under pin_path (a new program build keeps all state). pin_path
 * NULL: nothing is pinned, the instance lives as long as the process (the
 * BPF tests use that). The program itself is not attached here.
 */
int es_state_load(struct es_state **out, const char *pin_path, const struct es_limits *lim);
void es_state_close(struct es_state *st);

/* Every key and value of a hash map, in the kernel's order. *keys and
 * *vals are malloc'd arrays of key_size / value_size elements. */
int es_map_dump(int fd, size_t key_size, size_t value_size, void **keys, void **vals,
		size_t *n);

/* The table of a family; mapped only after es_state_map_tables() (always
 * for state made by es_state_load()). */
struct es_live_table *es_state_table(struct es_state *st, __u8 family);
int es_state_map_table(struct es_state *st, __u8 family);
int es_state_map_tables(struct es_state *st);

/*
 * Build a new classifier table for one family from scratch and make it the
 * live one with a single map update: packets see either the whole old
 * table or the whole new one. On failure nothing changes.
 */
int es_table_replace(struct es_state *st, __u8 family,
		     const struct es_table_prefix *p, size_t n);

#endif /* ES_STATE_H */

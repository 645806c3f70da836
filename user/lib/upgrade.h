/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Replacing the pinned programs with the ones embedded in this build while
 * traffic flows: the new programs are loaded against the pinned maps (all
 * state is kept: tables, flows, counters), every pinned link is moved to
 * them with bpf_link_update (never detached, so no packet meets an empty
 * hook), and the program pins are replaced by rename(2), so that a
 * concurrent process always finds one.
 */
#ifndef ES_UPGRADE_H
#define ES_UPGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include "state.h"

/* Leave everything as it is when the embedded programs are the pinned
 * ones (same tags): what a daemon start wants. */
#define ES_UPGRADE_IF_CHANGED	0x1

struct es_upgrade_result {
	__u32 old_prog_id, new_prog_id;		/* the XDP program */
	__u32 old_mss_prog_id, new_mss_prog_id;	/* the tc MSS clamp; 0: none */
	bool changed;		/* the embedded programs' tags differ from the pinned */
	bool replaced;		/* the new programs are pinned and attached */
	size_t nlinks;		/* links moved to the new programs */
	size_t new_maps;	/* maps this build adds (created and pinned) */
	char detail[256];	/* on error: what was wrong, naming the map or link */
};

/*
 * Upgrade the state st was opened from (es_state_open: pinned, not loaded
 * by this process). Takes the state's lock unless st holds it already.
 * On success, st's program descriptors are the new programs. Errors change
 * nothing: -EPROTO a pinned map is incompatible with this build (detail
 * names it and what differs); -EINVAL st is a private instance; others
 * from the kernel, with detail saying which step failed.
 */
int es_upgrade(struct es_state *st, unsigned int flags, struct es_upgrade_result *res);

/* The compatibility check alone (a batch's first pass): 0 or -EPROTO with
 * detail, and new_maps counted. Loads nothing. */
int es_upgrade_check(struct es_state *st, struct es_upgrade_result *res);

#endif /* ES_UPGRADE_H */

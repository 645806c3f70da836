/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * POP states written by the daemon, and how it tells them from an
 * operator's.
 *
 * Probes and the CLI write the same byte (es_pop.state). The daemon
 * remembers, per POP, the state it last wrote, in a small array map pinned
 * next to the state ("edgesteerd_owner"), so the record lives exactly as
 * long as the state it describes and survives a restart of the daemon.
 * The daemon may change a POP's state when
 *   - the state is up (the normal state, and how an operator hands a POP
 *     back), or
 *   - the state is the one it last wrote itself.
 * Anything else (drain or down that the daemon did not write) is an
 * operator's, and stays until the operator sets the POP up again.
 */
#ifndef ESD_POPSTATE_H
#define ESD_POPSTATE_H

#include <stdbool.h>
#include "state.h"

#define ESD_OWNER_PIN	"edgesteerd_owner"

enum esd_follow {
	ESD_FOLLOW_SAME = 0,	/* already in that state */
	ESD_FOLLOW_SET,		/* written */
	ESD_FOLLOW_HELD,	/* an operator's state: left alone */
};

/* Open (or create and pin) the ownership record of the state st. */
int esd_owner_open(struct es_state *st);
void esd_owner_close(void);

/*
 * Bring the POP named name to state want, unless an operator holds it.
 * *id caches its id (0: look it up). *cur gets the state found. Writes
 * take the state's write lock for the one update. Returns an esd_follow
 * or -errno (-ENOENT: no such POP).
 */
int esd_pop_follow(struct es_state *st, const char *name, __u32 *id, __u8 want, __u8 *cur);

/* Serialise one update with CLI writers: the same flock the CLI takes. */
int esd_lock(const struct es_state *st);
void esd_unlock(int fd);

const char *esd_state_name(__u8 state);

#endif /* ESD_POPSTATE_H */

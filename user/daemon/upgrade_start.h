/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * At start, edgesteerd brings the pinned programs to its own build: a
 * package upgrade followed by a daemon restart upgrades the data path,
 * in place and without losing a packet (user/lib/upgrade.h).
 */
#ifndef ESD_UPGRADE_START_H
#define ESD_UPGRADE_START_H

#include "state.h"

/* Upgrade when the pinned programs' tags differ from the embedded ones,
 * and log what was done. -1: the pinned maps do not fit this build (the
 * daemon must not write them); other failures leave the pinned program
 * running and return 0 after logging. */
int esd_upgrade_at_start(struct es_state *st);

#endif /* ESD_UPGRADE_START_H */

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Tunnel POPs' next hops kept current: resolved with the kernel over
 * rtnetlink (user/lib/nexthop.h) at start, after every reload and
 * whenever a route, neighbour or link notification may change them, and
 * written (only when they changed) under the state's write lock.
 */
#ifndef ESD_NEXTHOPS_H
#define ESD_NEXTHOPS_H

#include "state.h"

/* Open the netlink sockets, watch notifications, resolve every POP. */
int esd_nexthops_start(struct es_state *st);
/* Resolve every tunnel POP again (the POP list may have changed). */
void esd_nexthops_refresh(void);
void esd_nexthops_stop(void);

#endif /* ESD_NEXTHOPS_H */

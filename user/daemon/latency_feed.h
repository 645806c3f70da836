/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Latency steering in the daemon: the sources of measurements and the
 * ranking timer around libedgesteer's latency store (user/lib/latency.h).
 *
 * - `latency file PATH`: read at start and after every reload, and again
 *   whenever it is rewritten (inotify on its directory: a close after
 *   writing, or a rename onto it, taken 200 ms later). A file with a bad
 *   line is rejected whole (the log says FILE:LINE) and the store keeps
 *   what it had.
 * - `latency socket PATH`: a Unix SOCK_DGRAM socket, mode 0600. Each
 *   datagram holds one or more lines `PREFIX POP RTT_MS`; each line is
 *   taken on its own. A sender with an address gets one answer datagram,
 *   a line per measurement line: "ok", "ignored: socket: ..." or
 *   "error: socket: ...". Errors are logged too. The file is removed at
 *   exit.
 * - Ranking: every second and shortly after each feed, with the POPs in
 *   state `up` as the healthy ones; the prefixes whose preferred POP
 *   changes are written under the state's write lock (taken only for the
 *   write), each logged with its reason.
 */
#ifndef ESD_LATENCY_FEED_H
#define ESD_LATENCY_FEED_H

#include "config.h"
#include "state.h"

/* After the event loop is set up. Sources that fail are logged and left
 * out; only a store that cannot be made is an error (-errno). */
int esd_latency_start(struct es_state *st, const char *pin_path, const struct esd_config *cfg);
/* A new configuration: policy, file list and socket path. */
void esd_latency_reload(const struct esd_config *cfg);
/* Close the sources, remove the socket file. */
void esd_latency_stop(void);

#endif /* ESD_LATENCY_FEED_H */

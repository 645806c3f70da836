/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The metrics listener: GET /metrics over HTTP/1.1 answered with the
 * Prometheus text format (every edgesteer counter, per-POP traffic and
 * state, next hops, probes, decisions in use, the daemon's reloads).
 *
 * It listens on `metrics listen ADDR:PORT`, else on 127.0.0.1:9469
 * (loopback only: the counters say how traffic is steered). Every socket
 * is non-blocking in the daemon's epoll loop; a connection carries one
 * request of at most ESD_METRICS_REQ_MAX bytes and is closed after the
 * answer or after ESD_METRICS_TIMEOUT_MS, whichever comes first, and at
 * most ESD_METRICS_MAX_CONN are open at once, so a slow or hostile client
 * costs a few descriptors for a few seconds and never blocks the daemon.
 */
#ifndef ESD_METRICS_H
#define ESD_METRICS_H

#include <stdbool.h>
#include "config.h"
#include "state.h"

#define ESD_METRICS_DEFAULT_ADDR	"127.0.0.1"
#define ESD_METRICS_DEFAULT_PORT	9469
#define ESD_METRICS_REQ_MAX		4096
#define ESD_METRICS_TIMEOUT_MS		5000
#define ESD_METRICS_MAX_CONN		16

struct esd_health;

/*
 * Listen where cfg says. *health is read at each scrape (the daemon
 * replaces its checks on reload). A configured address that cannot be
 * bound is an error (-errno, logged); the default one only a warning.
 */
int esd_metrics_start(struct es_state *st, struct esd_health *const *health,
		      const struct esd_config *cfg);
/* After a reload: listen on the new address if it changed (on failure
 * the old listener stays, logged). ok counts the reload's outcome. */
void esd_metrics_reloaded(const struct esd_config *cfg, bool ok);
void esd_metrics_stop(void);

/* Render every metric into p (for the listener and the tests). */
struct esd_prom;
void esd_metrics_render(struct esd_prom *p);

#endif /* ESD_METRICS_H */

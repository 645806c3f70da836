/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Health checks: a probe per tunnel POP (ICMP echo, TCP connect, HTTP GET
 * expecting 2xx) sent from the POP's tunnel source to its endpoint, so it
 * takes the path the POP's traffic takes, and this box's own check (a
 * command's exit status, or a drain file).
 *
 * Each check runs every interval, fails after timeout, and turns its
 * results into a verdict with rise and fall: healthy after `rise`
 * successes in a row, unhealthy after `fall` failures in a row, unknown
 * until then (a daemon just started changes nothing until it knows). The
 * verdict is written to the POP's state (probes: up or down; self: up or
 * drain) when it changes and whenever the state drifts from it, through
 * esd_pop_follow(), which leaves an operator's drain or down alone.
 */
#ifndef ESD_HEALTH_H
#define ESD_HEALTH_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "state.h"

struct esd_health;

/*
 * Start the checks cfg asks for against the state st (which must outlive
 * them). Verdicts of checks that prev had for the same POP with the same
 * target carry over, so a reload does not forget what it knew. NULL after
 * a message in err (a probe whose POP has no address to probe).
 */
struct esd_health *esd_health_start(struct es_state *st, const struct esd_config *cfg,
				    const struct esd_health *prev, char *err, size_t errlen);
void esd_health_free(struct esd_health *h);

/* What a check knows, for the metrics (valid until the next reload). */
struct esd_check_info {
	bool self;
	const char *pop;	/* probes: the POP's name; self: "" */
	const char *kind;	/* icmp, tcp, http, command, drain-file */
	int verdict;		/* -1 unknown, 0 unhealthy, 1 healthy */
	unsigned int ok_run, fail_run;	/* consecutive successes, failures */
	uint64_t rtt_us;	/* the last successful attempt's; 0: none yet */
	uint64_t successes, failures;	/* attempts since start (kept over reloads) */
};

size_t esd_health_count(const struct esd_health *h);
void esd_health_info(const struct esd_health *h, size_t i, struct esd_check_info *out);

/* SIGCHLD: collect finished self-check commands. */
void esd_health_reap(struct esd_health *h);

#endif /* ESD_HEALTH_H */

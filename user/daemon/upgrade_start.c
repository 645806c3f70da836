// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include "log.h"
#include "upgrade.h"
#include "upgrade_start.h"

int esd_upgrade_at_start(struct es_state *st)
{
	struct es_upgrade_result r;
	int err = es_upgrade(st, ES_UPGRADE_IF_CHANGED, &r);

	if (err == -EPROTO) {
		esd_err("%s: this build cannot run on the pinned state", r.detail);
		return -1;
	}
	if (err) {
		/* the old program keeps running on the same maps */
		esd_warn("program upgrade failed, the pinned program stays: %s", r.detail);
		return 0;
	}
	if (r.replaced)
		esd_info("program upgraded in place: prog %u -> %u, mss prog %u -> %u, %zu link%s moved, maps kept%s",
			 r.old_prog_id, r.new_prog_id, r.old_mss_prog_id, r.new_mss_prog_id,
			 r.nlinks, r.nlinks == 1 ? "" : "s", r.new_maps ? " (new maps pinned)" : "");
	else if (r.old_prog_id)
		esd_info("pinned program %u is this build's: no upgrade", r.old_prog_id);
	return 0;
}

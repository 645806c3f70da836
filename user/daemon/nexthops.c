// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's side of next-hop resolution (nexthops.h): which POPs to
 * resolve, when, and the log of what changed. Resolution itself is
 * libedgesteer's (nexthop.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "log.h"
#include "loop.h"
#include "nexthop.h"
#include "nexthops.h"
#include "parse.h"
#include "pops.h"
#include "popstate.h"

static struct es_state *nh_st;
static struct es_nexthops *nh;
static struct esd_src nh_src = { .fd = -1 };

static void log_change(const struct es_pop *p, const struct es_nexthop_result *r)
{
	char mac[ES_MAC_STRLEN], gw[ES_ADDR_STRLEN] = "on-link";

	if (r->state != ES_NH_RESOLVED) {
		esd_warn("pop %s: next hop unresolved (%s%s%s): the data path falls back to a FIB lookup",
			 p->name, es_nexthop_state_name(r->state), r->detail[0] ? ": " : "",
			 r->detail);
		return;
	}
	es_format_mac(r->dmac, mac, sizeof(mac));
	if (r->has_gateway)
		es_format_addr(r->gw_family, &r->gateway, gw, sizeof(gw));
	esd_info("pop %s: next hop ifindex %u via %s, dmac %s", p->name, r->ifindex, gw, mac);
}

void esd_nexthops_refresh(void)
{
	struct es_nexthop_result *res;
	bool *ok = NULL;
	struct es_config cfg = { 0 };
	struct es_pop *pops = NULL;
	__u32 *ids = NULL;
	size_t n = 0;
	int lock, r;

	if (!nh || es_pop_list(nh_st, &ids, &pops, &n))
		return;
	es_config_get(nh_st, &cfg);
	res = calloc(n ? n : 1, sizeof(*res));
	ok = calloc(n ? n : 1, sizeof(*ok));
	if (!res || !ok)
		goto out;
	/* netlink first, without the lock: the CLI must not wait on it */
	for (size_t i = 0; i < n; i++) {
		if (pops[i].kind != ES_POP_TUNNEL || ids[i] == cfg.self_pop)
			continue;
		r = es_nexthop_resolve(nh, pops[i].family, &pops[i].endpoint, &pops[i].source,
				       &res[i]);
		if (r)
			esd_err("pop %s: next hop: netlink: %s", pops[i].name, strerror(-r));
		ok[i] = !r;
	}
	lock = esd_lock(nh_st);
	if (lock < 0) {
		esd_err("next hops: cannot lock the state: %s", strerror(-lock));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!ok[i])
			continue;
		r = es_nexthop_apply(nh_st, ids[i], &res[i]);
		if (r == 1)
			log_change(&pops[i], &res[i]);
		else if (r < 0 && r != -ENOENT)
			esd_err("pop %s: cannot write its next hop: %s", pops[i].name,
				strerror(-r));
	}
	esd_unlock(lock);
out:
	free(ok);
	free(res);
	free(ids);
	free(pops);
}

static void on_netlink(struct esd_src *src, uint32_t events)
{
	bool changed = false;
	int r = es_nexthops_process(nh, &changed);

	if (r < 0 && r != -EAGAIN)
		esd_err("next hops: netlink notifications: %s", strerror(-r));
	if (changed)
		esd_nexthops_refresh();
}

int esd_nexthops_start(struct es_state *st)
{
	nh_st = st;
	nh = es_nexthops_open();
	if (!nh)
		return -errno;
	nh_src.fd = es_nexthops_fd(nh);
	nh_src.fn = on_netlink;
	if (esd_loop_add(&nh_src, EPOLLIN))
		return -errno;
	esd_nexthops_refresh();
	return 0;
}

void esd_nexthops_stop(void)
{
	if (nh_src.fd >= 0)
		esd_loop_del(&nh_src);
	nh_src.fd = -1;
	es_nexthops_close(nh);
	nh = NULL;
}

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * VIPs: the anycast service addresses that are steered. An address with
 * no rules steers everything sent to it; rules narrow it to protocols and
 * ports. Adding a rule to an address that steers everything, or removing
 * the last rule of one, is refused rather than silently widening or
 * narrowing the service.
 */
#ifndef ES_VIPS_H
#define ES_VIPS_H

#include "state.h"

/* proto 0: the whole address. port 0: every port of proto.
 * -EEXIST: already there (or covered by the whole address);
 * -ENOSPC: ES_MAX_VIP_RULES rules already. */
int es_vip_add(struct es_state *st, __u8 family, const struct es_addr *addr, __u8 proto,
	       __u16 port);

/* proto 0: the address and all its rules. -ENOENT: no such VIP/rule. */
int es_vip_del(struct es_state *st, __u8 family, const struct es_addr *addr, __u8 proto,
	       __u16 port);

int es_vip_list(struct es_state *st, struct es_vip_key **keys, struct es_vip **vals, size_t *n);

#endif /* ES_VIPS_H */

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Attaching the program to interfaces with pinned bpf_links
 * (PIN_PATH/link_IFNAME), so it stays attached after the process exits and
 * one set of maps serves every interface it is attached to.
 */
#ifndef ES_LINKS_H
#define ES_LINKS_H

#include <net/if.h>
#include "state.h"

enum es_xdp_mode {
	ES_XDP_NATIVE = 0,	/* driver mode: the default */
	ES_XDP_GENERIC = 1,	/* skb mode: any interface, slower */
};

struct es_link_info {
	char ifname[IF_NAMESIZE];
	__u32 ifindex;
	__u32 link_id;
	__u32 prog_id;
	__u8 mode;		/* enum es_xdp_mode */
	bool stale;		/* pinned, but the interface is gone */
};

/*
 * Attach. Idempotent: attaching again in the same mode changes nothing.
 * -ENODEV: no such interface; -EEXIST: attached in the other mode, or
 * another XDP program is attached there; -EOPNOTSUPP: the driver cannot
 * run XDP natively (use generic mode).
 */
int es_link_attach(struct es_state *st, const char *ifname, enum es_xdp_mode mode);

/* Detach: -ENOENT when edgesteer is not attached there. */
int es_link_detach(struct es_state *st, const char *ifname);

int es_link_list(struct es_state *st, struct es_link_info **v, size_t *n);

#endif /* ES_LINKS_H */

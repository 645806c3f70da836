/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Attaching the program to interfaces with pinned bpf_links
 * (PIN_PATH/link_MODE_IFNAME), so it stays attached after the process exits
 * and one set of maps serves every interface it is attached to. Besides the
 * XDP program, the MSS clamp (bpf/mss.h) attaches to an interface's tc
 * egress with a tcx link (PIN_PATH/link_egress_IFNAME).
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
	__u8 mode;		/* enum es_xdp_mode; not set when egress */
	bool egress;		/* the tc egress MSS clamp, not XDP */
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

/*
 * The MSS clamp on ifname's egress: the interface replies to tunnelled
 * clients leave by. Idempotent. -ENODEV: no such interface; -ENOPROTOOPT:
 * the pinned state predates the clamp (no program to attach).
 */
int es_link_attach_egress(struct es_state *st, const char *ifname);

/* -ENOENT when the clamp is not attached there. */
int es_link_detach_egress(struct es_state *st, const char *ifname);

/* Every pinned attachment, XDP and egress. */
int es_link_list(struct es_state *st, struct es_link_info **v, size_t *n);

#endif /* ES_LINKS_H */

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Next hops of tunnel POPs, asked of the kernel over rtnetlink (libmnl):
 * the egress interface, its MAC and the MAC of the neighbour a frame to
 * the POP's endpoint is handed to, exactly as the kernel would send it.
 * The data path uses them instead of a bpf_fib_lookup per packet; the
 * caller (edgesteerd) re-resolves when es_nexthops_process() says routes,
 * neighbours or links changed, and writes results with es_nexthop_apply().
 *
 * Routes: RTM_GETROUTE for the endpoint from the POP's source, the same
 * output lookup as `ip route get ENDPOINT from SOURCE`, so policy rules,
 * tables and nexthop objects count as they do for the kernel. ECMP: the
 * path the kernel picks for that (source, endpoint) pair. Every packet of
 * a tunnel has that same outer pair, so the kernel's own stack would put
 * them all on that one path too; when it goes away the next resolution
 * gets another.
 *
 * Neighbours: RTM_GETNEIGH for the next hop on the egress interface. One
 * missing or not valid is asked for with RTM_NEWNEIGH NTF_USE (created if
 * needed): the kernel then sends ARP / neighbour solicitations as if it
 * had a packet for it, and its answer arrives as a neighbour notification.
 * A STALE one is used and asked about the same way: frames sent by XDP
 * never pass the neighbour code, so without this nobody would ever
 * confirm it again.
 */
#ifndef ES_NEXTHOP_H
#define ES_NEXTHOP_H

#include <stdbool.h>
#include "state.h"

enum es_nexthop_state {
	ES_NH_RESOLVED = 0,		/* ifindex, smac, dmac usable */
	ES_NH_NEIGH_INCOMPLETE,		/* route found, neighbour not (yet) valid:
					 * the kernel was asked to resolve it */
	ES_NH_NO_ROUTE,			/* no route to the endpoint */
	ES_NH_LINK_DOWN,		/* the route leaves by a link that is down
					 * or has no carrier */
	ES_NH_UNSUPPORTED,		/* a route the data path cannot follow:
					 * blackhole, prohibit, unreachable, local,
					 * a device without an Ethernet address */
};

struct es_nexthop_result {
	enum es_nexthop_state state;
	__u32 ifindex;			/* egress interface, 0: none */
	__u8 smac[6];			/* the egress interface's address */
	__u8 dmac[6];			/* the neighbour's, when RESOLVED */
	bool has_gateway;		/* false: the endpoint is on-link */
	__u8 gw_family;			/* ES_AF_*: family of gateway */
	struct es_addr gateway;		/* the neighbour dmac belongs to: the
					 * route's gateway, else the endpoint */
	__u16 nud;			/* the neighbour's NUD_* state, 0: none */
	bool asked;			/* RTM_NEWNEIGH NTF_USE was sent */
	bool source_ignored;		/* the kernel refused the source (not a
					 * local address): looked up without it */
	char detail[64];		/* why, when not RESOLVED */
};

struct es_nexthops;

/* Two NETLINK_ROUTE sockets: one for queries, one (non-blocking)
 * subscribed to link, address, route, rule, nexthop and neighbour
 * notifications. NULL with errno set on failure. */
struct es_nexthops *es_nexthops_open(void);
void es_nexthops_close(struct es_nexthops *nh);

/*
 * Resolve the next hop towards endpoint (family ES_AF_INET/ES_AF_INET6)
 * from source (NULL or all zero: the kernel's choice). Returns 0 with
 * *out filled whatever its state, a negative errno when netlink itself
 * failed. The endpoint is remembered so that es_nexthops_process() can
 * tell which changes concern it (es_nexthops_forget() drops it).
 */
int es_nexthop_resolve(struct es_nexthops *nh, __u8 family, const struct es_addr *endpoint,
		       const struct es_addr *source, struct es_nexthop_result *out);
void es_nexthops_forget(struct es_nexthops *nh, __u8 family, const struct es_addr *endpoint,
			const struct es_addr *source);

/* The notification socket, for poll/epoll (readable: call process). */
int es_nexthops_fd(struct es_nexthops *nh);

/*
 * Read every pending notification without blocking. *changed becomes true
 * when one of them may change the result of a resolution made so far: a
 * route covering an endpoint or gateway, the neighbour entry of a next
 * hop, any link, address, rule or nexthop object change, or lost
 * notifications (socket overrun). Coarse on purpose: a false alarm costs
 * one re-resolution. Returns the number of messages read, or -errno.
 */
int es_nexthops_process(struct es_nexthops *nh, bool *changed);

/*
 * Write r's next hop into tunnel POP pop_id: ifindex, smac and dmac only,
 * the rest as it is. Anything but RESOLVED writes ifindex 0 and zero MACs
 * (the data path then tries bpf_fib_lookup, else serves here). Returns 1
 * when the entry was written, 0 when it already held that, -ENOENT (no
 * such POP), -EINVAL (not a tunnel POP) or another -errno. Call it with
 * the writer lock held (es_state_lock), as for every POP change.
 */
int es_nexthop_apply(struct es_state *st, __u32 pop_id, const struct es_nexthop_result *r);

const char *es_nexthop_state_name(enum es_nexthop_state s);

#endif /* ES_NEXTHOP_H */

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Next hops over rtnetlink with libmnl: route, link and neighbour queries
 * on one socket, change notifications on another, and the write into the
 * POP entry the data path reads. See nexthop.h for the choices made.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include "pops.h"
#include "nexthop.h"

/* A neighbour whose link-layer address can be used (the kernel's
 * NUD_VALID, not exported to userspace). */
#define NH_NUD_VALID	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | \
			 NUD_DELAY)
/* Beyond this many remembered endpoints every route and neighbour change
 * counts: the set is searched linearly per notification. */
#define NH_WATCH_MAX	4096
#define NH_RCVBUF	(4 << 20)
#define NH_REQ_LEN	256		/* a request: header and two addresses */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP	0x10000		/* linux/if.h: carrier; net/if.h lacks it */
#endif

/* What a resolution depended on, for filtering notifications. */
struct nh_watch {
	__u8 family;
	__u8 gw_family;		/* 0: no neighbour looked up */
	__u32 ifindex;
	struct es_addr endpoint;
	struct es_addr source;
	struct es_addr gw;
};

struct es_nexthops {
	struct mnl_socket *query;
	struct mnl_socket *events;
	__u32 query_portid;
	__u32 seq;
	struct nh_watch *watch;
	size_t nwatch, watch_cap;
	bool watch_overflow;
	/* one reply; big enough for a link with many attributes */
	char buf[65536] __attribute__((aligned(8)));
};

static int sys_family(__u8 family)
{
	return family == ES_AF_INET ? AF_INET : family == ES_AF_INET6 ? AF_INET6 : -1;
}

static __u8 es_family(int af)
{
	return af == AF_INET ? ES_AF_INET : af == AF_INET6 ? ES_AF_INET6 : ES_AF_NONE;
}

static size_t addr_len(__u8 family)
{
	return family == ES_AF_INET ? 4 : 16;
}

static bool addr_zero(const struct es_addr *a)
{
	static const struct es_addr zero;

	return !a || !memcmp(a, &zero, sizeof(zero));
}

/* Copy an address attribute of the given family; false when its size is
 * not that family's. */
static bool attr_addr(const struct nlattr *a, __u8 family, struct es_addr *out)
{
	size_t len = addr_len(family);

	if (mnl_attr_get_payload_len(a) != len)
		return false;
	memset(out, 0, sizeof(*out));
	memcpy(out, mnl_attr_get_payload(a), len);
	return true;
}

static void format_addr(__u8 family, const struct es_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(sys_family(family), a, buf, len))
		snprintf(buf, len, "?");
}

/* --------------------------------------------------------------------- */
/* Sockets and one request/answer exchange                               */
/* --------------------------------------------------------------------- */

static int subscribe(struct mnl_socket *nl)
{
	static const int groups[] = {
		RTNLGRP_LINK, RTNLGRP_NEIGH, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
		RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE,
		RTNLGRP_NEXTHOP,
	};
	int rcvbuf = NH_RCVBUF;

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		int g = groups[i];

		if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
			return -errno;
	}
	/* a burst (a link going down takes its routes and neighbours with
	 * it) should not overrun the socket; if it does, process() says so */
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return 0;
}

struct es_nexthops *es_nexthops_open(void)
{
	struct es_nexthops *nh = calloc(1, sizeof(*nh));
	int err;

	if (!nh)
		return NULL;
	nh->query = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	nh->events = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nh->query || !nh->events)
		goto fail;
	if (mnl_socket_bind(nh->query, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(nh->events, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	err = subscribe(nh->events);
	if (err) {
		errno = -err;
		goto fail;
	}
	nh->query_portid = mnl_socket_get_portid(nh->query);
	return nh;
fail:
	err = errno;
	es_nexthops_close(nh);
	errno = err;
	return NULL;
}

void es_nexthops_close(struct es_nexthops *nh)
{
	if (!nh)
		return;
	if (nh->query)
		mnl_socket_close(nh->query);
	if (nh->events)
		mnl_socket_close(nh->events);
	free(nh->watch);
	free(nh);
}

int es_nexthops_fd(struct es_nexthops *nh)
{
	return mnl_socket_get_fd(nh->events);
}

/*
 * Send req (with an ACK asked for) and feed the answer to cb until the
 * ACK. The callbacks never stop early, so nothing of this exchange is left
 * in the socket for the next one. Returns 0, or the kernel's -errno.
 */
static int talk(struct es_nexthops *nh, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	__u32 seq = ++nh->seq;
	ssize_t n;
	int ret;

	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = seq;
	if (mnl_socket_sendto(nh->query, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nh->query, nh->buf, sizeof(nh->buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(nh->buf, n, seq, nh->query_portid, cb, data);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

/* --------------------------------------------------------------------- */
/* Route, link and neighbour queries                                     */
/* --------------------------------------------------------------------- */

struct route {
	bool found;
	__u8 family;		/* the route's own */
	__u8 type;		/* RTN_* */
	__u32 oif;
	__u8 gw_family;		/* 0: on-link */
	struct es_addr gw;
};

static int route_attr(const struct nlattr *a, void *data)
{
	struct route *r = data;

	switch (mnl_attr_get_type(a)) {
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			r->oif = mnl_attr_get_u32(a);
		break;
	case RTA_GATEWAY:
		if (attr_addr(a, r->family, &r->gw))
			r->gw_family = r->family;
		break;
	case RTA_VIA: {
		/* IPv4 route through an IPv6 gateway */
		const struct rtvia *via = mnl_attr_get_payload(a);
		size_t len = mnl_attr_get_payload_len(a);
		__u8 f = es_family(len >= sizeof(*via) ? via->rtvia_family : AF_UNSPEC);

		if (f && len == sizeof(*via) + addr_len(f)) {
			memset(&r->gw, 0, sizeof(r->gw));
			memcpy(&r->gw, via->rtvia_addr, addr_len(f));
			r->gw_family = f;
		}
		break;
	}
	}
	return MNL_CB_OK;
}

static int route_reply(const struct nlmsghdr *nlh, void *data)
{
	struct route *r = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWROUTE || r->found)
		return MNL_CB_OK;
	r->found = true;
	r->type = rtm->rtm_type;
	r->family = es_family(rtm->rtm_family);
	if (r->family)
		mnl_attr_parse(nlh, sizeof(*rtm), route_attr, r);
	return MNL_CB_OK;
}

/* The kernel's output route lookup, as `ip route get`. */
static int route_get(struct es_nexthops *nh, __u8 family, const struct es_addr *dst,
		     const struct es_addr *src, struct route *r)
{
	char buf[NH_REQ_LEN] __attribute__((aligned(8)));
	struct nlmsghdr *req = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	int err;

	req->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(req, sizeof(*rtm));
	rtm->rtm_family = sys_family(family);
	rtm->rtm_dst_len = addr_len(family) * 8;
	mnl_attr_put(req, RTA_DST, addr_len(family), dst);
	if (src) {
		rtm->rtm_src_len = addr_len(family) * 8;
		mnl_attr_put(req, RTA_SRC, addr_len(family), src);
	}
	memset(r, 0, sizeof(*r));
	err = talk(nh, req, route_reply, r);
	if (!err && !r->found)
		err = -ENOMSG;
	return err;
}

struct link {
	bool found;
	__u16 type;		/* ARPHRD_* */
	__u32 flags;		/* IFF_* */
	int addr_len;
	__u8 addr[6];
	char name[IF_NAMESIZE];
};

static int link_attr(const struct nlattr *a, void *data)
{
	struct link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_ADDRESS:
		l->addr_len = mnl_attr_get_payload_len(a);
		if (l->addr_len == 6)
			memcpy(l->addr, mnl_attr_get_payload(a), 6);
		break;
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
		break;
	}
	return MNL_CB_OK;
}

static int link_reply(const struct nlmsghdr *nlh, void *data)
{
	struct link *l = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK || l->found)
		return MNL_CB_OK;
	l->found = true;
	l->type = ifi->ifi_type;
	l->flags = ifi->ifi_flags;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr, l);
	return MNL_CB_OK;
}

static int link_get(struct es_nexthops *nh, __u32 ifindex, struct link *l)
{
	char buf[NH_REQ_LEN] __attribute__((aligned(8)));
	struct nlmsghdr *req = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	int err;

	req->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(req, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "if%u", ifindex);
	err = talk(nh, req, link_reply, l);
	if (!err && !l->found)
		err = -ENODEV;
	return err;
}

struct neigh {
	bool found;
	__u16 state;		/* NUD_* */
	int lladdr_len;
	__u8 lladdr[6];
};

static int neigh_attr(const struct nlattr *a, void *data)
{
	struct neigh *n = data;

	if (mnl_attr_get_type(a) == NDA_LLADDR) {
		n->lladdr_len = mnl_attr_get_payload_len(a);
		if (n->lladdr_len == 6)
			memcpy(n->lladdr, mnl_attr_get_payload(a), 6);
	}
	return MNL_CB_OK;
}

static int neigh_reply(const struct nlmsghdr *nlh, void *data)
{
	struct neigh *n = data;
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWNEIGH || n->found)
		return MNL_CB_OK;
	n->found = true;
	n->state = ndm->ndm_state;
	mnl_attr_parse(nlh, sizeof(*ndm), neigh_attr, n);
	return MNL_CB_OK;
}

/* The neighbour entry of addr on ifindex; -ENOENT when there is none. */
static int neigh_get(struct es_nexthops *nh, __u8 family, __u32 ifindex,
		     const struct es_addr *addr, struct neigh *n)
{
	char buf[NH_REQ_LEN] __attribute__((aligned(8)));
	struct nlmsghdr *req = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;
	int err;

	req->nlmsg_type = RTM_GETNEIGH;
	ndm = mnl_nlmsg_put_extra_header(req, sizeof(*ndm));
	ndm->ndm_family = sys_family(family);
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put(req, NDA_DST, addr_len(family), addr);
	memset(n, 0, sizeof(*n));
	err = talk(nh, req, neigh_reply, n);
	if (!err && !n->found)
		err = -ENOENT;
	return err;
}

static int ignore_reply(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

/*
 * Have the kernel resolve (or re-confirm) addr on ifindex as if it had a
 * packet for it: RTM_NEWNEIGH with NTF_USE runs the neighbour state
 * machine (INCOMPLETE and solicitations for a new or failed entry, DELAY
 * then a unicast probe for a stale one) without touching the entry's
 * address or making it permanent; NLM_F_CREATE makes a missing entry
 * first. Nothing waits for the answer: it comes as a notification.
 */
static int neigh_ask(struct es_nexthops *nh, __u8 family, __u32 ifindex,
		     const struct es_addr *addr)
{
	char buf[NH_REQ_LEN] __attribute__((aligned(8)));
	struct nlmsghdr *req = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;

	req->nlmsg_type = RTM_NEWNEIGH;
	req->nlmsg_flags = NLM_F_CREATE;
	ndm = mnl_nlmsg_put_extra_header(req, sizeof(*ndm));
	ndm->ndm_family = sys_family(family);
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_NONE;
	ndm->ndm_flags = NTF_USE;
	mnl_attr_put(req, NDA_DST, addr_len(family), addr);
	return talk(nh, req, ignore_reply, NULL);
}

/* --------------------------------------------------------------------- */
/* What a resolution depended on                                         */
/* --------------------------------------------------------------------- */

static struct nh_watch *watch_find(struct es_nexthops *nh, __u8 family,
				   const struct es_addr *endpoint, const struct es_addr *source)
{
	for (size_t i = 0; i < nh->nwatch; i++) {
		struct nh_watch *w = &nh->watch[i];

		if (w->family == family && !memcmp(&w->endpoint, endpoint, sizeof(*endpoint)) &&
		    !memcmp(&w->source, source, sizeof(*source)))
			return w;
	}
	return NULL;
}

/* The entry of (family, endpoint, source), new or reset; NULL when the set
 * is full (then every change counts). */
static struct nh_watch *watch_get(struct es_nexthops *nh, __u8 family,
				  const struct es_addr *endpoint, const struct es_addr *source)
{
	struct nh_watch *w = watch_find(nh, family, endpoint, source);

	if (!w) {
		if (nh->nwatch == nh->watch_cap) {
			size_t cap = nh->watch_cap ? nh->watch_cap * 2 : 16;
			struct nh_watch *grown;

			if (cap > NH_WATCH_MAX)
				grown = NULL;
			else
				grown = realloc(nh->watch, cap * sizeof(*grown));
			if (!grown) {
				nh->watch_overflow = true;
				return NULL;
			}
			nh->watch = grown;
			nh->watch_cap = cap;
		}
		w = &nh->watch[nh->nwatch++];
	}
	memset(w, 0, sizeof(*w));
	w->family = family;
	w->endpoint = *endpoint;
	w->source = *source;
	return w;
}

void es_nexthops_forget(struct es_nexthops *nh, __u8 family, const struct es_addr *endpoint,
			const struct es_addr *source)
{
	struct es_addr none = { 0 };
	struct nh_watch *w = watch_find(nh, family, endpoint, source ? source : &none);

	if (w)
		*w = nh->watch[--nh->nwatch];
}

/* Does prefix/len of family cover addr? */
static bool covers(const struct es_addr *prefix, unsigned int len, const struct es_addr *addr)
{
	unsigned int bytes = len / 8, bits = len % 8;

	if (memcmp(prefix, addr, bytes))
		return false;
	if (!bits)
		return true;
	return !((prefix->v6[bytes] ^ addr->v6[bytes]) & (0xff00 >> bits));
}

/* --------------------------------------------------------------------- */
/* Resolution                                                            */
/* --------------------------------------------------------------------- */

static void __attribute__((format(printf, 3, 4)))
settle(struct es_nexthop_result *out, enum es_nexthop_state state, const char *fmt, ...)
{
	va_list ap;

	out->state = state;
	va_start(ap, fmt);
	vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
	va_end(ap);
}

/* A failed route lookup as a state: the kernel answers a reject route
 * with that type's error (ip_route_output / ip6_route_output). */
static int route_error_state(int err, struct es_nexthop_result *out)
{
	switch (err) {
	case -ENETUNREACH:
		/* also an IPv6 "unreachable" route: the same error */
		settle(out, ES_NH_NO_ROUTE, "no route");
		return 0;
	case -EHOSTUNREACH:
		settle(out, ES_NH_UNSUPPORTED, "unreachable route");
		return 0;
	case -EACCES:
		settle(out, ES_NH_UNSUPPORTED, "prohibit route");
		return 0;
	case -EINVAL:
		settle(out, ES_NH_UNSUPPORTED, "blackhole route");
		return 0;
	}
	return err;
}

static const char *route_type_name(__u8 type)
{
	switch (type) {
	case RTN_LOCAL:		return "the endpoint is a local address";
	case RTN_BROADCAST:	return "the endpoint is a broadcast address";
	case RTN_MULTICAST:	return "the endpoint is a multicast address";
	case RTN_BLACKHOLE:	return "blackhole route";
	case RTN_UNREACHABLE:	return "unreachable route";
	case RTN_PROHIBIT:	return "prohibit route";
	}
	return "route of an unusable type";
}

/* The egress link: its MAC, and whether frames can leave by it. false
 * when the result is settled (not usable). */
static int egress(struct es_nexthops *nh, struct es_nexthop_result *out, bool *usable)
{
	struct link l;
	int err;

	*usable = false;
	err = link_get(nh, out->ifindex, &l);
	if (err == -ENODEV) {
		/* gone since the route lookup: its notification is queued */
		settle(out, ES_NH_LINK_DOWN, "egress interface %u is gone", out->ifindex);
		return 0;
	}
	if (err)
		return err;
	if (l.type != ARPHRD_ETHER || l.addr_len != 6 || (l.flags & IFF_NOARP)) {
		settle(out, ES_NH_UNSUPPORTED, "egress %s is not an Ethernet interface", l.name);
		return 0;
	}
	memcpy(out->smac, l.addr, 6);
	if (!(l.flags & IFF_UP) || !(l.flags & IFF_LOWER_UP)) {
		settle(out, ES_NH_LINK_DOWN, "egress %s is down or has no carrier", l.name);
		return 0;
	}
	*usable = true;
	return 0;
}

/* The neighbour: its MAC when valid; asks the kernel when it is missing,
 * not valid, or stale. */
static int neighbour(struct es_nexthops *nh, struct es_nexthop_result *out)
{
	char text[INET6_ADDRSTRLEN];
	struct neigh n;
	int err;

	err = neigh_get(nh, out->gw_family, out->ifindex, &out->gateway, &n);
	if (err && err != -ENOENT)
		return err;
	out->nud = err ? 0 : n.state;
	if (!err && (n.state & NH_NUD_VALID) && n.lladdr_len == 6) {
		memcpy(out->dmac, n.lladdr, 6);
		out->state = ES_NH_RESOLVED;
		out->detail[0] = 0;
		if (!(n.state & NUD_STALE))
			return 0;
	} else {
		format_addr(out->gw_family, &out->gateway, text, sizeof(text));
		settle(out, ES_NH_NEIGH_INCOMPLETE, "neighbour %s not resolved", text);
	}
	/* a refusal leaves the state as found: the next query would show a
	 * socket that stopped working */
	out->asked = neigh_ask(nh, out->gw_family, out->ifindex, &out->gateway) == 0;
	return 0;
}

/* A refusal from a local source is the answer (a rule sends that source
 * nowhere); from any other it may only be the source's fault. */
static bool source_is_local(struct es_nexthops *nh, __u8 family, const struct es_addr *source)
{
	struct route r;

	return !route_get(nh, family, source, NULL, &r) && r.type == RTN_LOCAL;
}

int es_nexthop_resolve(struct es_nexthops *nh, __u8 family, const struct es_addr *endpoint,
		       const struct es_addr *source, struct es_nexthop_result *out)
{
	struct es_addr none = { 0 };
	struct nh_watch *w;
	struct route r;
	bool usable;
	int err;

	memset(out, 0, sizeof(*out));
	if (sys_family(family) < 0 || !endpoint)
		return -EINVAL;
	if (!source)
		source = &none;
	w = watch_get(nh, family, endpoint, source);

	err = route_get(nh, family, endpoint, addr_zero(source) ? NULL : source, &r);
	if (err && err != -ENOMSG && !addr_zero(source) && !source_is_local(nh, family, source)) {
		/* IPv4 refuses a source that is not local to this box; the
		 * tunnel uses it all the same, route as if none were given */
		err = route_get(nh, family, endpoint, NULL, &r);
		out->source_ignored = !err;
	}
	if (err)
		return route_error_state(err, out);
	if (r.type != RTN_UNICAST) {
		settle(out, ES_NH_UNSUPPORTED, "%s", route_type_name(r.type));
		return 0;
	}
	if (!r.oif) {
		settle(out, ES_NH_UNSUPPORTED, "route without an interface");
		return 0;
	}
	out->ifindex = r.oif;
	out->has_gateway = r.gw_family != 0;
	out->gw_family = r.gw_family ? r.gw_family : family;
	out->gateway = r.gw_family ? r.gw : *endpoint;
	if (w) {
		w->ifindex = out->ifindex;
		w->gw_family = out->gw_family;
		w->gw = out->gateway;
	}

	err = egress(nh, out, &usable);
	if (err || !usable)
		return err;
	return neighbour(nh, out);
}

const char *es_nexthop_state_name(enum es_nexthop_state s)
{
	switch (s) {
	case ES_NH_RESOLVED:		return "resolved";
	case ES_NH_NEIGH_INCOMPLETE:	return "neigh-incomplete";
	case ES_NH_NO_ROUTE:		return "no-route";
	case ES_NH_LINK_DOWN:		return "link-down";
	case ES_NH_UNSUPPORTED:		return "unsupported";
	}
	return "?";
}

/* --------------------------------------------------------------------- */
/* Notifications                                                         */
/* --------------------------------------------------------------------- */

struct event_scan {
	struct es_nexthops *nh;
	bool changed;
	/* the message being parsed */
	__u8 family;
	struct es_addr addr;
	bool has_addr;
};

static int dst_attr(const struct nlattr *a, void *data)
{
	struct event_scan *s = data;
	__u16 type = mnl_attr_get_type(a);

	/* RTA_DST and NDA_DST are both 1 */
	if (type == RTA_DST && attr_addr(a, s->family, &s->addr))
		s->has_addr = true;
	return MNL_CB_OK;
}

/* A route change matters when its prefix covers an endpoint or a gateway
 * a resolution used: only such a lookup can have a different answer. */
static bool route_matters(struct event_scan *s, const struct nlmsghdr *nlh)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct es_nexthops *nh = s->nh;

	s->family = es_family(rtm->rtm_family);
	if (!s->family)
		return false;
	if (rtm->rtm_dst_len > addr_len(s->family) * 8)
		return true;
	mnl_attr_parse(nlh, sizeof(*rtm), dst_attr, s);
	if (!s->has_addr && rtm->rtm_dst_len)
		return true;	/* malformed: do not guess */
	for (size_t i = 0; i < nh->nwatch; i++) {
		const struct nh_watch *w = &nh->watch[i];

		if (w->family == s->family && covers(&s->addr, rtm->rtm_dst_len, &w->endpoint))
			return true;
		if (w->gw_family == s->family && covers(&s->addr, rtm->rtm_dst_len, &w->gw))
			return true;
	}
	return false;
}

/* A neighbour change matters when it is the entry of a next hop in use. */
static bool neigh_matters(struct event_scan *s, const struct nlmsghdr *nlh)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct es_nexthops *nh = s->nh;

	s->family = es_family(ndm->ndm_family);
	if (!s->family)
		return false;	/* bridge FDB entries share the group */
	mnl_attr_parse(nlh, sizeof(*ndm), dst_attr, s);
	if (!s->has_addr)
		return true;
	for (size_t i = 0; i < nh->nwatch; i++) {
		const struct nh_watch *w = &nh->watch[i];

		if (w->gw_family == s->family && w->ifindex == (__u32)ndm->ndm_ifindex &&
		    !memcmp(&w->gw, &s->addr, sizeof(s->addr)))
			return true;
	}
	return false;
}

static int event_msg(const struct nlmsghdr *nlh, void *data)
{
	struct event_scan *s = data;

	s->has_addr = false;
	memset(&s->addr, 0, sizeof(s->addr));
	switch (nlh->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct rtmsg)))
			break;
		s->changed |= s->nh->watch_overflow || route_matters(s, nlh);
		return MNL_CB_OK;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ndmsg)))
			break;
		s->changed |= s->nh->watch_overflow || neigh_matters(s, nlh);
		return MNL_CB_OK;
	}
	/* links (down, up, a new MAC, gone: IPv4 drops their routes without
	 * telling), addresses (the same when the last one goes), rules,
	 * nexthop objects, anything unexpected */
	s->changed = true;
	return MNL_CB_OK;
}

int es_nexthops_process(struct es_nexthops *nh, bool *changed)
{
	struct event_scan s = { .nh = nh };
	int msgs = 0;
	ssize_t n;

	for (;;) {
		n = mnl_socket_recvfrom(nh->events, nh->buf, sizeof(nh->buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS || errno == ENOSPC) {
				/* overrun (or one message too big to
				 * read): something was missed */
				s.changed = true;
				continue;
			}
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* the callback never stops early; a control message that
		 * does (an error, a DONE) may hide others behind it */
		if (mnl_cb_run(nh->buf, n, 0, 0, event_msg, &s) <= MNL_CB_STOP)
			s.changed = true;
		msgs++;
	}
	*changed = s.changed;
	return msgs;
}

/* --------------------------------------------------------------------- */
/* Into the POP entry                                                    */
/* --------------------------------------------------------------------- */

int es_nexthop_apply(struct es_state *st, __u32 pop_id, const struct es_nexthop_result *r)
{
	struct es_pop p, old;
	int err;

	err = es_pop_get(st, pop_id, &p);
	if (err)
		return err;
	if (p.kind != ES_POP_TUNNEL)
		return -EINVAL;	/* a redirect POP's ifindex is its configuration */
	old = p;
	if (r->state == ES_NH_RESOLVED && r->ifindex) {
		p.ifindex = r->ifindex;
		memcpy(p.smac, r->smac, sizeof(p.smac));
		memcpy(p.dmac, r->dmac, sizeof(p.dmac));
	} else {
		p.ifindex = 0;
		memset(p.smac, 0, sizeof(p.smac));
		memset(p.dmac, 0, sizeof(p.dmac));
	}
	if (!memcmp(&p, &old, sizeof(p)))
		return 0;
	/*
	 * An array map update copies the value into the live element in
	 * place (no new element, no RCU): a data path reading the POP on
	 * another CPU during the copy may see any mix of old and new bytes.
	 * Every field but ifindex/smac/dmac is written with the value it
	 * already has, so only the next hop can be seen mixed: an old
	 * ifindex with a new MAC or the reverse, for the few frames being
	 * rewritten in that instant. Those go to the wrong interface or
	 * neighbour and are lost, as frames in flight are during any route
	 * change; nothing else is affected, and the next frame reads the
	 * whole new entry. Excluding it would need two next-hop slots and a
	 * switch in the ABI: not worth it for a change that happens on
	 * failover, not per packet. A concurrent `pop set state` from the
	 * CLI is another read-modify-write of the same entry: the writer
	 * lock (es_state_lock) keeps the two from undoing each other.
	 */
	if (bpf_map_update_elem(st->pops_fd, &pop_id, &p, BPF_EXIST))
		return -errno;
	return 1;
}

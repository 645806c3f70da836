/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * edgesteer ABI: everything the XDP program and userspace both see.
 *
 * Plain __u8/__u32/__be32 types only, no pointers, no padding holes the
 * compiler could fill differently for the BPF target and the host: every
 * struct below is laid out by hand and checked with static asserts.
 *
 * Byte order: addresses and ports inside keys are network order (they are
 * copied straight from packets); everything else is host order.
 */
#ifndef EDGESTEER_H
#define EDGESTEER_H

#include <linux/types.h>

#define ES_VERSION "0.1.0"

/* Limits. POP and decision ids index arrays, so id 0 is never valid. */
#define ES_MAX_POPS		256	/* POP ids 1..255 */
#define ES_MAX_DECISIONS	65536	/* decision ids 1..65535 */
#define ES_MAX_CANDIDATES	4	/* candidate POPs per decision */
#define ES_MAX_VIP_RULES	8	/* proto/port narrowings per VIP address */
#define ES_POP_NAME_LEN		16	/* including the NUL */
#define ES_POP_HERE		0xffff	/* flow pinned to "serve here" */

/* Address families as they appear in keys (independent of the host's AF_*). */
enum es_family {
	ES_AF_NONE = 0,
	ES_AF_INET = 4,
	ES_AF_INET6 = 6,
};

/* An IPv4 or IPv6 address. IPv4 lives in v4 (== v6w[0]); the rest is zero. */
struct es_addr {
	union {
		__be32 v4;
		__be32 v6w[4];
		__u8 v6[16];
	};
};

/*
 * ---------------------------------------------------------------------------
 * Classifier: source address -> decision id.
 *
 * Both families use the same multibit trie of 256-entry nodes stored in one
 * BPF array per family (BPF_F_MMAPABLE, written by userspace with plain
 * stores). Nodes 0..65535 are the root level and are indexed directly by the
 * top 16 bits of the address; entry[] inside a root node by the next 8 bits,
 * so the root level resolves 24 bits with one read (DIR-24). Every further
 * level is one 256-entry "group" node resolving 8 more bits: IPv4 needs at
 * most one (24 + 8), IPv6 at most 13 (24 + 13 * 8 = 128). The number of
 * reads is bounded by the prefix length, never by the size of the table.
 *
 * Node ES_NODE_HEADER is not reachable from the data path; userspace keeps
 * its allocator state there (struct es_node_header). Group nodes start right
 * after it.
 *
 * An entry (__u32):
 *   bit 31      ES_ENTRY_GROUP: value is the index of the next-level node
 *   bits 30..23 depth: the length of the prefix that wrote this entry
 *               (control plane only: lets an update know what it may
 *               overwrite without consulting the full prefix list)
 *   bits 22..0  value: decision id, or node index when ES_ENTRY_GROUP
 * An entry of value 0 and no group bit means "no prefix covers this address".
 * Entries are aligned __u32 stores: a packet sees an old or a new entry,
 * never a torn one.
 * ---------------------------------------------------------------------------
 */
#define ES_NODE_ENTRIES		256
#define ES_ROOT_NODES		65536
#define ES_NODE_HEADER		ES_ROOT_NODES
#define ES_FIRST_GROUP		(ES_ROOT_NODES + 1)
#define ES_ROOT_BITS		24
#define ES_STRIDE_BITS		8
#define ES_V6_MAX_GROUP_LEVELS	13	/* (128 - 24) / 8 */

#define ES_ENTRY_GROUP		(1u << 31)
#define ES_ENTRY_DEPTH_SHIFT	23
#define ES_ENTRY_DEPTH_MASK	0xffu
#define ES_ENTRY_VALUE_MASK	((1u << 23) - 1)

struct es_node {
	__u32 entry[ES_NODE_ENTRIES];
};

/* Lives in node ES_NODE_HEADER of every classifier table. */
#define ES_NODE_MAGIC		0x65736e31	/* "esn1" */
struct es_node_header {
	__u32 magic;
	__u32 family;		/* enum es_family */
	__u32 nodes;		/* capacity: max_entries of the array */
	__u32 next_free;	/* bump allocator: first never-used group node */
	__u32 prefixes;		/* number of prefixes written into this table */
	__u32 pad[251];
};

/*
 * The control plane's record of every prefix (the "RIB"): the classifier
 * tables are built from it and dumped from it. Not read by the data path.
 */
struct es_prefix_key {
	__u8 family;		/* enum es_family */
	__u8 len;		/* prefix length, 0..32 / 0..128 */
	__u8 pad[2];
	struct es_addr addr;	/* host bits are always zero */
};

struct es_prefix {
	__u32 decision;
};

/*
 * ---------------------------------------------------------------------------
 * Decisions: what to do with a classified packet.
 *
 * Decisions are immutable while in use and shared by every prefix with the
 * same content; changing a prefix's steering points it at another decision
 * with one entry store. Userspace never reuses a freed id before
 * ES_GRACE_NS has passed, so a packet that read an id just before it was
 * released still finds the old content.
 * ---------------------------------------------------------------------------
 */
enum es_decision_action {
	ES_ACTION_NONE = 0,	/* unused slot */
	ES_ACTION_POPS = 1,	/* steer to the first usable candidate */
	ES_ACTION_LOCAL = 2,	/* serve here */
	ES_ACTION_DROP = 3,	/* drop */
};

/*
 * ES_DECISION_TRANSITION: the prefix was moved from decision `prev` while
 * connections may be open. TCP flows already open keep the POP `prev` gave
 * them (remembered in the flow table on first sight); new connections
 * follow pops[].
 */
#define ES_DECISION_TRANSITION	0x1

#define ES_GRACE_NS		(1000ull * 1000 * 1000)	/* 1 s >> any XDP run */

struct es_decision {
	__u8 action;		/* enum es_decision_action */
	__u8 npops;		/* valid entries in pops[] */
	__u16 flags;		/* ES_DECISION_* */
	__u16 pops[ES_MAX_CANDIDATES];	/* POP ids, in order of preference */
	__u32 prev;		/* TRANSITION: the decision being left */
	/* control plane bookkeeping, never read by the data path */
	__u32 refs;		/* prefixes (and transitions) using it */
	__u64 freed_ns;		/* CLOCK_MONOTONIC when refs fell to 0 */
};

/*
 * ---------------------------------------------------------------------------
 * POPs
 * ---------------------------------------------------------------------------
 */
enum es_pop_kind {
	ES_POP_UNUSED = 0,
	ES_POP_TUNNEL = 1,	/* encapsulate to endpoint */
	ES_POP_REDIRECT = 2,	/* XDP_REDIRECT to a local interface */
};

enum es_pop_state {
	ES_STATE_UP = 0,	/* takes new and existing flows */
	ES_STATE_DRAIN = 1,	/* keeps the flows it has, no new ones */
	ES_STATE_DOWN = 2,	/* takes nothing */
};

/*
 * Encapsulation. IPIP means "IP in IP" of whatever families the inner packet
 * and the endpoint have: IPv4-in-IPv4, IPv6-in-IPv6, IPv4-in-IPv6 or
 * IPv6-in-IPv4. GUE is UDP (variant 1: the inner IP header directly after
 * the UDP header) to the configured GUE port.
 */
enum es_encap {
	ES_ENCAP_IPIP = 0,
	ES_ENCAP_GUE = 1,
};

struct es_pop {
	__u8 kind;		/* enum es_pop_kind */
	__u8 state;		/* enum es_pop_state */
	__u8 encap;		/* enum es_encap */
	__u8 family;		/* family of endpoint and source */
	__u16 mtu;		/* largest outer packet; 0: no limit known */
	__u16 pad;
	/* next hop: where the encapsulated (or redirected) frame leaves */
	__u32 ifindex;		/* 0: unresolved, try bpf_fib_lookup */
	__u8 smac[6];
	__u8 dmac[6];
	struct es_addr endpoint;	/* tunnel destination */
	struct es_addr source;		/* outer source address */
	char name[ES_POP_NAME_LEN];	/* control plane only */
};

/*
 * ---------------------------------------------------------------------------
 * VIPs: the anycast service addresses that are steered. One entry per
 * address; rules narrow it to protocols/ports (no rules: everything to the
 * address is steered).
 * ---------------------------------------------------------------------------
 */
struct es_vip_key {
	__u8 family;
	__u8 pad[3];
	struct es_addr addr;
};

struct es_vip_rule {
	__u8 proto;		/* IPPROTO_TCP / IPPROTO_UDP */
	__u8 pad;
	__be16 port;		/* 0: any port */
};

struct es_vip {
	__u8 nrules;		/* 0: every protocol and port */
	__u8 pad[3];
	struct es_vip_rule rules[ES_MAX_VIP_RULES];
};

/*
 * Peers allowed to send us tunnel traffic: every POP's endpoint (added and
 * removed with the POP) and explicitly configured peers.
 */
#define ES_PEER_POP		0x1	/* the endpoint of a configured POP */
#define ES_PEER_EXPLICIT	0x2	/* added with `peer add` */

struct es_peer_key {
	__u8 family;
	__u8 pad[3];
	struct es_addr addr;
};

struct es_peer {
	__u32 flags;
};

/*
 * ---------------------------------------------------------------------------
 * Address tables: what the data path reads to match VIPs and tunnel peers.
 * The vips and peers hash maps above are the configuration; from them
 * userspace builds an open-addressing hash table in a BPF array (linear
 * probing from es_addr_hash(), an empty slot ends the search) and swaps it
 * in whole through slot 0 of an array-of-maps, as it does the classifier
 * tables. The verifier inlines array reads; a hash map lookup is a call
 * whose code is cold for a new flow, and costs more than all the rest of
 * the match.
 * ---------------------------------------------------------------------------
 */
#define ES_ADDR_SLOTS		16384	/* power of two, 4x the entries a config map holds */
#define ES_ADDR_PROBES		32	/* the builder refuses a table that needs more */

struct es_vip_slot {
	struct es_vip_key key;		/* family ES_AF_NONE: empty */
	struct es_vip vip;
};

struct es_peer_slot {
	struct es_peer_key key;		/* family ES_AF_NONE: empty */
	struct es_peer peer;
};

/* The first slot to probe for an address (both sides must agree). The
 * words are taken as they sit in memory: the same bytes hash the same on
 * either side of the ABI. */
static inline __u32 es_addr_hash(__u8 family, const struct es_addr *a)
{
	__u32 h = family * 0x9e3779b1u;

	for (int i = 0; i < 4; i++) {
		h ^= a->v6w[i];
		h *= 0x85ebca6bu;
		h ^= h >> 13;
	}
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

/*
 * ---------------------------------------------------------------------------
 * Flow table: only written for TCP flows of a prefix in transition or whose
 * preferred POP is draining; see docs/architecture.md.
 * ---------------------------------------------------------------------------
 */
struct es_flow_key {
	__u8 family;
	__u8 proto;
	__be16 sport;
	__be16 dport;
	__u16 pad;
	struct es_addr saddr;
	struct es_addr daddr;
};

struct es_flow {
	__u16 pop;		/* POP id this flow is pinned to */
	__u16 pad;
	__u32 decision;		/* decision that pinned it (diagnostics) */
	__u64 last_ns;		/* bpf_ktime_get_ns(), refreshed at most 1/s */
};

/*
 * ---------------------------------------------------------------------------
 * Configuration that changes at run time (the `config` array, key 0).
 * ---------------------------------------------------------------------------
 */
struct es_config {
	__u16 self_pop;		/* POP id of this box, 0: none */
	__be16 gue_port;	/* UDP port of GUE, network order */
	__u8 self_family;	/* family of self_addr, 0: decap off */
	__u8 flags;		/* ES_CONFIG_* */
	__u8 pad[2];
	struct es_addr self_addr;	/* our tunnel address (decap target) */
	__u32 icmp_rate;	/* ICMP errors the edge may send, per second
				 * and per CPU (token bucket refill) */
	__u32 icmp_burst;	/* bucket depth */
};

#define ES_GUE_PORT_DEFAULT	6080
#define ES_ICMP_RATE_DEFAULT	1000
#define ES_ICMP_BURST_DEFAULT	50

/* es_config.flags */
#define ES_CONFIG_NO_MSS_CLAMP	0x1	/* do not lower the MSS of SYN-ACKs for
					 * connections that came through a tunnel */

/*
 * One CPU's token bucket for the ICMP errors the edge sends (the
 * icmp_bucket per-CPU array, bpf/icmp_limit.h). last_ns is
 * bpf_ktime_get_ns() of the last refill, 0: never used (starts full).
 */
struct es_icmp_bucket {
	__u64 tokens;
	__u64 last_ns;
};

/*
 * ---------------------------------------------------------------------------
 * Counters. One per-CPU array indexed by enum es_counter, each a packet and
 * byte count. The first ES_CNT_VERDICTS slots count verdicts, the rest
 * reasons; every packet counts exactly once in each group.
 * ---------------------------------------------------------------------------
 */
enum es_counter {
	/* verdicts */
	ES_CNT_VERDICT_PASS,
	ES_CNT_VERDICT_DROP,
	ES_CNT_VERDICT_TX,
	ES_CNT_VERDICT_REDIRECT,
	ES_CNT_VERDICT_ABORTED,
	ES_CNT_VERDICTS,

	/* reasons: passed untouched */
	ES_CNT_NOT_IP = ES_CNT_VERDICTS,	/* ARP, LLDP, ... */
	ES_CNT_NOT_VIP,			/* not addressed to a VIP */
	/* reasons: served here */
	ES_CNT_LOCAL_SELF,		/* decision chose this box */
	ES_CNT_LOCAL_DECISION,		/* decision says "local" */
	ES_CNT_LOCAL_NO_PREFIX,		/* no prefix covers the source */
	ES_CNT_LOCAL_NO_CANDIDATE,	/* every candidate down */
	ES_CNT_LOCAL_NO_NEXTHOP,	/* tunnel POP with no usable next hop */
	ES_CNT_LOCAL_TOO_BIG,		/* would exceed the tunnel MTU */
	ES_CNT_LOCAL_BAD_DECISION,	/* classifier pointed at a free slot */
	ES_CNT_LOCAL_NO_CSUM,		/* GUE over IPv6 needs a byte sum the
					 * program cannot take (multi-buffer) */
	/* reasons: steered */
	ES_CNT_TUNNEL,
	ES_CNT_REDIRECT,
	ES_CNT_DROP_DECISION,		/* decision says "drop" */
	/* reasons: tunnel traffic to us */
	ES_CNT_DECAP,
	ES_CNT_DECAP_DENIED,		/* from neither a POP nor a peer */
	ES_CNT_DECAP_MALFORMED,		/* inner packet unusable */
	/* reasons: malformed, dropped */
	ES_CNT_MALFORMED_L2,		/* truncated Ethernet / VLAN */
	ES_CNT_MALFORMED_IPV4,		/* truncated, IHL < 5, bad length */
	ES_CNT_MALFORMED_IPV6,		/* truncated, bad payload length */
	ES_CNT_MALFORMED_IPV6_EXT,	/* truncated or too many ext headers */
	ES_CNT_MALFORMED_L4,		/* truncated TCP/UDP/ICMP header */
	ES_CNT_ADJUST_FAILED,		/* bpf_xdp_adjust_head refused */
	/* reasons: too big for the tunnel (IPv4 with DF, IPv6) */
	ES_CNT_ICMP_TOO_BIG,		/* answered with frag-needed / packet too big */
	ES_CNT_ICMP_RATE_LIMITED,	/* answer suppressed by the rate limit: dropped */
	ES_CNT_REASONS_END,

	/* events: not exclusive, counted on top of the verdict and reason */
	ES_CNT_FLOW_HIT = ES_CNT_REASONS_END,	/* flow table kept a flow's POP */
	ES_CNT_FLOW_PIN_NEW,		/* new TCP flow remembered */
	ES_CNT_FLOW_PIN_EXISTING,	/* open TCP flow remembered on its old POP */
	ES_CNT_FIB_LOOKUP,		/* next hop found by bpf_fib_lookup */
	ES_CNT_ICMP_QUOTED,		/* ICMP error steered by the packet it quotes */
	ES_CNT_FRAGMENT,		/* IP fragment (first or later) steered */
	ES_CNT_MSS_RECORDED,		/* tunnelled SYN remembered for the MSS clamp */
	ES_CNT_MSS_CLAMPED,		/* SYN-ACK MSS lowered to fit the tunnel */
	ES_CNT_MAX,
};

struct es_counter_value {
	__u64 packets;
	__u64 bytes;
};

#endif /* EDGESTEER_H */

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every map of the data path, one comment each. All are pinned by name
 * under the loader's pin path, so the CLI and the daemon share them and a
 * new program build can take them over without losing state.
 * Sizes marked "loader" are set by userspace before load.
 */
#ifndef ES_MAPS_H
#define ES_MAPS_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "edgesteer.h"

/* Run-time configuration: this POP's id and tunnel address, GUE port. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct es_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} config SEC(".maps");

/* POPs by id: kind, state, tunnel endpoint and resolved next hop. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ES_MAX_POPS);
	__type(key, __u32);
	__type(value, struct es_pop);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pops SEC(".maps");

/* Decisions by id: ordered candidate POPs or a terminal action.
 * Mmapable so userspace can scan and reference-count them cheaply. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ES_MAX_DECISIONS);
	__type(key, __u32);
	__type(value, struct es_decision);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} decisions SEC(".maps");

/* One classifier table (see include/edgesteer.h); size: loader. */
struct classifier_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ES_FIRST_GROUP + 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct es_node));
};

/* The live IPv4 classifier table, slot 0. A full reload builds a new table
 * and swaps it in with one update: no packet sees a half-built table. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct classifier_table);
} classify_v4 SEC(".maps");

/* The live IPv6 classifier table, slot 0. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct classifier_table);
} classify_v6 SEC(".maps");

/* Every configured prefix -> decision: the control plane's record the
 * classifier tables are built from. Never read by the data path. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 21);	/* loader */
	__type(key, struct es_prefix_key);
	__type(value, struct es_prefix);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} prefixes SEC(".maps");

/* Anycast service addresses that are steered, with proto/port rules: the
 * configuration vip_table is built from. Never read by the data path. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct es_vip_key);
	__type(value, struct es_vip);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vips SEC(".maps");

/* Sources allowed to send us tunnel traffic (POP endpoints and explicit
 * peers): the configuration peer_table is built from. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct es_peer_key);
	__type(value, struct es_peer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} peers SEC(".maps");

/* Address tables (include/edgesteer.h): one per kind, rebuilt whole by
 * userspace on every change and swapped in through slot 0. */
struct vip_slots {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ES_ADDR_SLOTS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct es_vip_slot));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct vip_slots);
} vip_table SEC(".maps");

struct peer_slots {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ES_ADDR_SLOTS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct es_peer_slot));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct peer_slots);
} peer_table SEC(".maps");

/* TCP flows pinned to a POP while their prefix is in transition or their
 * POP drains. LRU: idle flows age out under pressure. Size: loader. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1 << 20);
	__type(key, struct es_flow_key);
	__type(value, struct es_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flows SEC(".maps");

/* Local interfaces redirect POPs transmit on, keyed by ifindex: a redirect
 * POP's interface must be registered (tunnels use bpf_redirect). */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egress SEC(".maps");

/* Packets and bytes by verdict, reason and event (enum es_counter). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ES_CNT_MAX);
	__type(key, __u32);
	__type(value, struct es_counter_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats SEC(".maps");

/* Packets and bytes steered to each POP (tunnel, redirect or self). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ES_MAX_POPS);
	__type(key, __u32);
	__type(value, struct es_counter_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pop_stats SEC(".maps");

/* Packets classified into each decision. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ES_MAX_DECISIONS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} decision_stats SEC(".maps");

/* The ICMP error rate limit: one token bucket per CPU (icmp_limit.h).
 * Not pinned: a new program starts with full buckets, which is harmless. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct es_icmp_bucket);
} icmp_bucket SEC(".maps");

/* Tunnelled TCP SYNs -> the MSS that fits the tunnel they came through
 * (bpf/mss.h): written by decapsulation, read by the tc egress program
 * that clamps the SYN-ACK. Keyed by the connection as the SYN carries it.
 * LRU: an entry only has to outlive the handshake and its retransmits. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct es_flow_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tunnelled_syns SEC(".maps");

/* IPv4 datagrams served here because a fragment of theirs was too big
 * for its tunnel (fragments.h). Not pinned: entries matter for the
 * milliseconds a datagram's fragments are in flight. */
struct datagram_key {
	__be32 saddr;
	__be32 daddr;
	__be16 id;
	__u8 proto;
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct datagram_key);
	__type(value, __u8);
} local_datagrams SEC(".maps");

#endif /* ES_MAPS_H */

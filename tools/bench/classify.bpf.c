// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Classification alone, for bench_classify: three XDP programs that each
 * take the next client address from an array and do exactly one lookup.
 *
 *   classify_edgesteer  the data path's own classify() on the live tables
 *                       of an edgesteer instance (classify_v4/v6 are
 *                       reused from it by the loader)
 *   classify_lpm        the kernel's LPM trie holding the same prefixes
 *   classify_flat       one read of a flat array indexed by the top 24
 *                       bits of the address: the floor, one memory access
 *
 * The packet is never looked at (each run returns XDP_PASS and leaves it
 * alone), so BPF_PROG_TEST_RUN can repeat a program many times per call.
 * Each program keeps its own cursor into the address array and stores its
 * answer, so the lookup cannot be optimised away and the loader can read
 * back what it found.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps.h"
#include "parse.h"
#include "classify.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

enum { PROG_EDGESTEER, PROG_LPM, PROG_FLAT, PROG_MAX };

/* Set and read by the loader through the mmapped .bss; bench_classify.c
 * mirrors this layout and checks its size. */
struct classify_ctl {
	__u32 naddrs;		/* addresses in use in addrs, >= 1 */
	__u32 family;		/* ES_AF_INET / ES_AF_INET6 */
	__u32 cursor[PROG_MAX];	/* index of the next address, per program */
	__u32 result[PROG_MAX];	/* the answer of the last run */
};

struct classify_ctl ctl;

/* Client addresses, cycled through; size: loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1 << 20);
	__type(key, __u32);
	__type(value, struct es_addr);
} addrs SEC(".maps");

struct lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct lpm_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* The same prefixes as the edgesteer table, value: their decision id.
 * Sizes: loader (the table's prefix count). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct lpm_v4_key);
	__type(value, __u32);
} lpm_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct lpm_v6_key);
	__type(value, __u32);
} lpm_v6 SEC(".maps");

/* The floor: 2^24 entries, 64 MiB like the classifier's root level. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << 24);
	__type(key, __u32);
	__type(value, __u32);
} flat SEC(".maps");

/* The address this run looks up; advances the program's cursor. */
static __always_inline struct es_addr *next_addr(int prog)
{
	__u32 i = ctl.cursor[prog];

	if (i >= ctl.naddrs)
		i = 0;
	ctl.cursor[prog] = i + 1;
	return bpf_map_lookup_elem(&addrs, &i);
}

SEC("xdp")
int classify_edgesteer(struct xdp_md *ctx)
{
	struct es_addr *a = next_addr(PROG_EDGESTEER);
	struct packet pkt;

	if (!a)
		return XDP_ABORTED;
	/* only what classify() reads */
	pkt.family = ctl.family;
	pkt.saddr = *a;
	ctl.result[PROG_EDGESTEER] = classify(&pkt);
	return XDP_PASS;
}

SEC("xdp")
int classify_lpm(struct xdp_md *ctx)
{
	struct es_addr *a = next_addr(PROG_LPM);
	__u32 *v;

	if (!a)
		return XDP_ABORTED;
	if (ctl.family == ES_AF_INET) {
		struct lpm_v4_key k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, &a->v4, sizeof(k.addr));
		v = bpf_map_lookup_elem(&lpm_v4, &k);
	} else {
		struct lpm_v6_key k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, a->v6, sizeof(k.addr));
		v = bpf_map_lookup_elem(&lpm_v6, &k);
	}
	ctl.result[PROG_LPM] = v ? *v : 0;
	return XDP_PASS;
}

SEC("xdp")
int classify_flat(struct xdp_md *ctx)
{
	struct es_addr *a = next_addr(PROG_FLAT);
	__u32 idx, *v;

	if (!a)
		return XDP_ABORTED;
	/* the first three bytes are the top 24 bits in both families */
	idx = ((__u32)a->v6[0] << 16) | ((__u32)a->v6[1] << 8) | a->v6[2];
	v = bpf_map_lookup_elem(&flat, &idx);
	ctl.result[PROG_FLAT] = v ? *v : 0;
	return XDP_PASS;
}

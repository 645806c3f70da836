// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What keeping connections in place costs on the tunnel path.
 *
 * Per-flow state is only consulted while a prefix is in transition or its
 * preferred POP drains (bpf/flow.h). The scenario: clients in 10.0.0.0/8
 * steered to POPs B then C, both IPIP tunnels whose next hop is lo (the
 * ingress test_run reports, so the verdict is XDP_TX).
 *   flow.steady        B up: no flow state read or written at all
 *   flow.hit.N         B drains, N open connections pinned to it sit in the
 *                      flow table (the LRU hash `flows`) and the packets
 *                      cycle over all of them: every packet is a flow-table
 *                      hit and stays on B. N = 1; 100,000; 1,000,000
 *   flow.insert        B drains and every packet is a new connection (a
 *                      SYN from a new 5-tuple): a miss and an insert each,
 *                      the flow pinned to C
 * each against a program that only returns XDP_TX, timed the same way,
 * interleaved, over the same frames (NAME.baseline).
 *
 * The open connections are written into the flow table the way the data
 * path itself would have pinned them (the key and value of the ABI), in
 * batches: running a million SYNs through the program first would only
 * make the setup slower. A flow revisited less than once a second gets its
 * timestamp refreshed on its hit, as the data path does for a quiet flow:
 * with a million flows cycling that is every hit.
 *
 * Checked, or the benchmark fails: the verdict of every run of both
 * programs, one output frame walked by the packet oracle, and the counters
 * (tunnel, flow hits, new pins, per-POP packets) grew by exactly the runs.
 *
 * Usage: bench_flow [--quick]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "pkt.h"
#include "report.h"
#include "runner.h"
#include "stats.h"

#define SELF_POP	1
#define POP_B		2	/* preferred: drains */
#define POP_C		3	/* takes the new connections meanwhile */
#define NEXTHOP_LO	1
#define STRIDE		128
#define MAX_FLOWS	1000000
#define CLIENTS		"10.0.0.0/8"
#define VIP4		"203.0.113.10"
#define SELF4		"198.51.100.1"

static const __u8 mac_nic[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const __u8 mac_upstream[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe };
static const __u8 mac_pop_src[6] = { 0x02, 0x5a, 0x00, 0x00, 0x00, 0x02 };
static const __u8 mac_pop_dst[6] = { 0x02, 0xda, 0x00, 0x00, 0x00, 0x02 };

struct sizes {
	long runs;		/* steady, hit.1, hit.100000 */
	long runs_million;	/* hit.1000000: one pass over (part of) the flows */
	long runs_insert;	/* each a new connection */
};

static const struct sizes FULL = { 500000, 1000000, 500000 };
static const struct sizes QUICK = { 30000, 100000, 100000 };

struct bench {
	struct es_state *st;
	struct bpf_object *minimal;
	int base_fd;
	__u32 decision;		/* of the client prefix */
	size_t pinned;		/* flows 0..pinned-1 are in the flow table */
	unsigned char *frames;
	unsigned int *lens;
	struct pkt *p;
};

/* What to expect of a measurement, beyond verdict XDP_TX and one tunnel
 * counted per run. */
struct expect {
	__u16 pop;		/* the POP every packet goes to */
	enum es_counter event;	/* grew by the runs; ES_CNT_MAX: no flow event at all */
};

/* ---- flows ----------------------------------------------------------------- */

/* Flow i: a client of its own in 10.0.0.0/8 (i times an odd constant is a
 * permutation of the 24 host bits: distinct, and scattered), its own
 * source port, to the VIP on 443. */
static __be32 flow_saddr(size_t i)
{
	return htonl(0x0a000000u | (((__u32)i * 0x9e3779b1u) & 0xffffffu));
}

static __u16 flow_sport(size_t i)
{
	return 1024 + (__u16)((i * 7919) % (65536 - 1024));
}

static void flow_frame(struct bench *b, size_t i, bool syn)
{
	static const __u8 syn_opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
					 1, 3, 3, 7 };
	static const __u8 ack_opts[] = { 1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1 };
	__be32 saddr = flow_saddr(i);
	struct es_addr vip;
	struct pkt *p = b->p;

	fx_addr(VIP4, &vip);
	pkt_init(p);
	pkt_eth(p, mac_nic, mac_upstream);
	pkt_ipv4_raw(p, &saddr, &vip.v4, IPPROTO_TCP, NULL, 0);
	pkt_ipv4_frag(p, PKT_IP_DF);
	pkt_tcp(p, flow_sport(i), 443, syn ? PKT_TCP_SYN : PKT_TCP_ACK);
	if (syn)
		pkt_tcp_options(p, syn_opts, sizeof(syn_opts));
	else
		pkt_tcp_options(p, ack_opts, sizeof(ack_opts));
	pkt_finish(p);
	if (p->len > STRIDE)
		bench_die("frame of %zu bytes does not fit in %d", p->len, STRIDE);
	memcpy(b->frames + i * STRIDE, p->data, p->len);
	b->lens[i] = p->len;
}

/* Frames of flows 0..n-1: segments of open connections, or SYNs; a
 * sample checked by the packet oracle. */
static struct bench_frames frames_build(struct bench *b, size_t n, bool syn)
{
	struct bench_frames f = { .n = n, .stride = STRIDE, .len = b->lens, .data = b->frames };
	char msg[256];

	for (size_t i = 0; i < n; i++)
		flow_frame(b, i, syn);
	for (size_t i = 0; i < n; i += 1 + i % 61)
		if (pkt_verify(b->frames + i * STRIDE, b->lens[i], 0, msg, sizeof(msg)))
			bench_die("flow %zu: invalid frame: %s", i, msg);
	return f;
}

static void flow_key(size_t i, struct es_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = ES_AF_INET;
	k->proto = IPPROTO_TCP;
	k->sport = htons(flow_sport(i));
	k->dport = htons(443);
	k->saddr.v4 = flow_saddr(i);
	fx_addr(VIP4, &k->daddr);
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns()'s clock */
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Flows pinned..n-1 become open connections pinned to B, as the data
 * path pins a connection it sees while B drains. */
static void flows_pin(struct bench *b, size_t n)
{
	const size_t batch = 65536;
	struct es_flow_key *keys = bench_calloc(batch, sizeof(*keys));
	struct es_flow *vals = bench_calloc(batch, sizeof(*vals));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	while (b->pinned < n) {
		__u32 count = n - b->pinned < batch ? n - b->pinned : batch;

		for (__u32 j = 0; j < count; j++) {
			flow_key(b->pinned + j, &keys[j]);
			vals[j].pop = POP_B;
			vals[j].decision = b->decision;
			vals[j].last_ns = mono_ns();
		}
		if (bpf_map_update_batch(b->st->flows_fd, keys, vals, &count, &opts))
			bench_check(-errno, "flow table: batch update");
		b->pinned += count;
	}
	free(keys);
	free(vals);
}

/* Every pinned flow out again (by key: walking a million-entry hash from
 * its first key for each delete would take minutes). */
static void flows_unpin(struct bench *b)
{
	const size_t batch = 65536;
	struct es_flow_key *keys = bench_calloc(batch, sizeof(*keys));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct es_flow_key k;

	for (size_t i = 0; i < b->pinned; i += batch) {
		__u32 count = b->pinned - i < batch ? b->pinned - i : batch;

		for (__u32 j = 0; j < count; j++)
			flow_key(i + j, &keys[j]);
		if (bpf_map_delete_batch(b->st->flows_fd, keys, &count, &opts))
			bench_check(-errno, "flow table: batch delete");
	}
	b->pinned = 0;
	if (bpf_map_get_next_key(b->st->flows_fd, NULL, &k) == 0)
		bench_die("flow table not empty after removing every pinned flow");
	free(keys);
}

/* ---- measuring --------------------------------------------------------------- */

/* One run of frame i before timing: XDP_TX, and out goes an IPIP packet. */
static void output_check(struct bench *b, size_t i, const char *name)
{
	static unsigned char out[PKT_MAX_LEN];
	char msg[256];
	size_t len = 0;
	int verdict = fx_run(b->st, b->frames + i * STRIDE, b->lens[i], out, sizeof(out), &len);

	if (verdict != XDP_TX)
		bench_die("%s: edgesteer returned %d, want XDP_TX (%d)", name, verdict, XDP_TX);
	if (pkt_verify(out, len, 0, msg, sizeof(msg)) || strcmp(msg, "eth ipv4 ipv4 tcp"))
		bench_die("%s: output frame is not IPv4 in IPv4: %s", name, msg);
}

static __u64 counter(struct bench *b, enum es_counter c)
{
	return c == ES_CNT_MAX ? 0 : fx_counter(b->st, c);
}

static __u64 flow_events(struct bench *b)
{
	return fx_counter(b->st, ES_CNT_FLOW_HIT) + fx_counter(b->st, ES_CNT_FLOW_PIN_NEW) +
	       fx_counter(b->st, ES_CNT_FLOW_PIN_EXISTING);
}

/* Time the frames f (after a check run of frame `probe`); NAME and
 * NAME.baseline. */
static void measure(struct bench *b, const struct bench_frames *f, size_t probe, long runs,
		    const struct expect *e, const char *name)
{
	struct bench_timing prog, base;
	__u64 tunnel0, pop0, event0, all0, tunnel, pop, event, all;
	char base_name[96];

	output_check(b, probe, name);
	tunnel0 = fx_counter(b->st, ES_CNT_TUNNEL);
	pop0 = fx_pop_packets(b->st, e->pop);
	event0 = counter(b, e->event);
	all0 = flow_events(b);
	bench_time_pair(b->st->prog_fd, b->base_fd, f, runs, &prog, &base);
	tunnel = fx_counter(b->st, ES_CNT_TUNNEL) - tunnel0;
	pop = fx_pop_packets(b->st, e->pop) - pop0;
	event = counter(b, e->event) - event0;
	all = flow_events(b) - all0;

	if (prog.verdict != XDP_TX || prog.verdict_mismatches || base.verdict != XDP_TX ||
	    base.verdict_mismatches)
		bench_die("%s: verdicts %u (%zu others) and baseline %u (%zu others), want XDP_TX",
		    name, prog.verdict, prog.verdict_mismatches, base.verdict,
		    base.verdict_mismatches);
	if (tunnel != (__u64)runs || pop != (__u64)runs)
		bench_die("%s: %ld runs, %llu tunnelled, %llu to POP %u", name, runs,
		    (unsigned long long)tunnel, (unsigned long long)pop, e->pop);
	if (e->event == ES_CNT_MAX ? all != 0 : (event != (__u64)runs || all != (__u64)runs))
		bench_die("%s: %ld runs, but %s grew by %llu and all flow events by %llu", name, runs,
		    e->event == ES_CNT_MAX ? "-" : es_counter_name(e->event),
		    (unsigned long long)event, (unsigned long long)all);

	snprintf(base_name, sizeof(base_name), "%s.baseline", name);
	bench_result(base_name, base.ns, "ns", NULL);
	bench_result(name, prog.ns, "ns", base_name);
}

/* Open connections 0..n-1 pinned to draining B, packets cycling over them. */
static void measure_hits(struct bench *b, size_t n, long runs)
{
	struct expect e = { POP_B, ES_CNT_FLOW_HIT };
	struct bench_frames f;
	char name[64];

	flows_pin(b, n);
	f = frames_build(b, (size_t)runs < n ? (size_t)runs : n, false);
	snprintf(name, sizeof(name), "flow.hit.%zu", n);
	measure(b, &f, 0, runs, &e, name);
}

static void setup(struct bench *b)
{
	struct es_limits lim = { .v4_groups = 256, .v6_groups = 256 };
	const __u16 b_then_c[] = { POP_B, POP_C };
	const char *obj = getenv("ES_MINIMAL_OBJ");
	struct es_steering steer;
	struct es_addr clients;
	struct bpf_program *prog;

	libbpf_set_print(NULL);
	bench_check(es_state_load(&b->st, NULL, &lim), "es_state_load");
	b->minimal = bpf_object__open_file(obj ? obj : "build/tools/bench/minimal.bpf.o", NULL);
	if (!b->minimal || bpf_object__load(b->minimal))
		bench_die("cannot load the minimal programs (ES_MINIMAL_OBJ)");
	prog = bpf_object__find_program_by_name(b->minimal, "minimal_tx");
	if (!prog)
		bench_die("no minimal_tx program");
	b->base_fd = bpf_program__fd(prog);

	bench_check(fx_config(b->st, SELF_POP, SELF4, 6080), "config");
	bench_check(fx_pop_tunnel(b->st, POP_B, "b", "198.51.100.2", SELF4, ES_ENCAP_IPIP, 1500,
			    NEXTHOP_LO, mac_pop_src, mac_pop_dst), "POP B");
	bench_check(fx_pop_tunnel(b->st, POP_C, "c", "198.51.100.3", SELF4, ES_ENCAP_IPIP, 1500,
			    NEXTHOP_LO, mac_pop_src, mac_pop_dst), "POP C");
	bench_check(fx_vip(b->st, VIP4, 0, 0), "VIP");
	bench_check(fx_prefix(b->st, CLIENTS, ES_ACTION_POPS, b_then_c, 2), "prefix");
	fx_addr("10.0.0.0", &clients);
	bench_check(es_prefix_get(b->st, ES_AF_INET, &clients, 8, &steer, &b->decision), "prefix");

	b->frames = bench_calloc(MAX_FLOWS, STRIDE);
	b->lens = bench_calloc(MAX_FLOWS, sizeof(*b->lens));
	b->p = bench_calloc(1, sizeof(*b->p));
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	const struct sizes *sz;
	struct bench b = { 0 };
	struct expect steady = { POP_B, ES_CNT_MAX }, insert = { POP_C, ES_CNT_FLOW_PIN_NEW };
	struct bench_frames f;

	bench_parse_args(argc, argv, &o, "bench_flow [--quick]");
	sz = o.quick ? &QUICK : &FULL;
	setup(&b);

	bench_section("flow: the tunnel path with flow state, ns per packet against a program "
		      "that only returns XDP_TX");
	bench_note("%ld runs (hit.1000000: %ld, insert: %ld)%s; flow table: LRU hash of %u "
		   "entries", sz->runs, sz->runs_million, sz->runs_insert,
		   o.quick ? " (--quick: fewer runs, same flow counts)" : "", ES_DEFAULT_FLOWS);

	/* B up: one flow, never looked up */
	f = frames_build(&b, 1, false);
	measure(&b, &f, 0, sz->runs, &steady, "flow.steady");

	bench_check(fx_pop_state(b.st, POP_B, ES_STATE_DRAIN), "drain B");
	measure_hits(&b, 1, sz->runs);
	measure_hits(&b, 100000, sz->runs);
	measure_hits(&b, MAX_FLOWS, sz->runs_million);

	/* New connections while B drains, into an emptied table. The check
	 * run takes a connection of its own (the last frame), or the first
	 * timed SYN would find its flow already pinned. */
	flows_unpin(&b);
	f = frames_build(&b, sz->runs_insert + 1, true);
	f.n = sz->runs_insert;
	measure(&b, &f, sz->runs_insert, sz->runs_insert, &insert, "flow.insert");
	bench_note("insert: every run a SYN of a new 5-tuple, into a table holding no other flow");

	bpf_object__close(b.minimal);
	es_state_close(b.st);
	free(b.frames);
	free(b.lens);
	free(b.p);
	return 0;
}

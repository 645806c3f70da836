// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What keeping connections in place costs: the tunnel path with no flow
 * state (steady state), with a flow-table hit (a drained POP's open
 * connection), and with a flow-table insert for every packet (new
 * connections while a POP drains: the worst case, and what an edge that
 * tracks every flow pays for every new flow).
 *
 * Every path is timed one packet per BPF_PROG_TEST_RUN (repeat = 1: the
 * tunnel path rewrites the buffer, so a repeat would re-run an already
 * encapsulated packet) and reported against a program that only returns
 * the same verdict, timed the same way in the same run.
 *
 * Usage: bench_flow [--quick]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "pkt.h"

static const __u8 mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const __u8 mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

struct result {
	const char *name;
	double ns;
};

/* Mean in-kernel ns per packet over n single runs; sport varies per
 * packet when vary_flow, so every packet is a new connection. */
static double time_runs(int prog_fd, struct pkt *p, long n, bool vary_flow)
{
	size_t sport_off = pkt_off(p, PKT_TCP, 0);
	unsigned char out[2048];
	unsigned long long total = 0;

	for (long i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = p->data,
			.data_size_in = p->len,
			.data_out = out,
			.data_size_out = sizeof(out),
			.repeat = 1,
		);

		if (vary_flow) {
			/* source port and the low source address bytes: a new
			 * 5-tuple each time, same prefix */
			__u32 v = (__u32)i;

			p->data[sport_off] = v >> 8;
			p->data[sport_off + 1] = v;
			p->data[pkt_off(p, PKT_IPV4, 0) + 15] = v >> 16;
		}
		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			fprintf(stderr, "bench_flow: test_run: %s\n", strerror(errno));
			exit(1);
		}
		total += opts.duration;
	}
	return (double)total / n;
}

static void build_packet(struct pkt *p, __u8 tcp_flags)
{
	pkt_init(p);
	pkt_eth(p, mac_a, mac_b);
	pkt_ipv4(p, "192.0.2.10", "203.0.113.10", IPPROTO_TCP, NULL, 0);
	pkt_tcp(p, 40000, 443, tcp_flags);
	pkt_pattern(p, 64, 1);
	pkt_finish(p);
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && !strcmp(argv[1], "--quick");
	long n = quick ? 20000 : 200000;
	long flows = quick ? 100000 : 1000000;
	struct bpf_object *obj;
	struct es_state *st;
	struct pkt *p = malloc(sizeof(*p));
	__u16 b_then_c[] = { 2, 3 };
	double base, steady, hit, insert, pbase, notvip, self;
	int base_fd, pass_fd;

	struct es_limits lim = { .v4_groups = 256, .v6_groups = 256, .flows = ES_DEFAULT_FLOWS };

	libbpf_set_print(NULL);
	if (!p || es_state_load(&st, NULL, &lim)) {
		fprintf(stderr, "bench_flow: cannot load edgesteer\n");
		return 1;
	}
	obj = bpf_object__open_file(getenv("ES_MINIMAL_OBJ") ? getenv("ES_MINIMAL_OBJ") :
				    "build/tools/bench/minimal.bpf.o", NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "bench_flow: cannot load the minimal programs\n");
		return 1;
	}
	base_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "minimal_redirect"));
	pass_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "minimal_pass"));

	fx_config(st, 1, "198.51.100.1", 6080);
	fx_pop_tunnel(st, 2, "b", "198.51.100.2", "198.51.100.1", ES_ENCAP_IPIP, 0, 7, mac_a, mac_b);
	fx_pop_tunnel(st, 3, "c", "198.51.100.3", "198.51.100.1", ES_ENCAP_IPIP, 0, 7, mac_a, mac_b);
	fx_vip(st, "203.0.113.10", 0, 0);
	fx_prefix(st, "192.0.2.0/24", ES_ACTION_POPS, b_then_c, 2);

	build_packet(p, PKT_TCP_ACK);
	pbase = time_runs(pass_fd, p, n, false);
	fx_prefix(st, "192.0.2.0/24", ES_ACTION_POPS, (__u16[]){ 1 }, 1);
	es_prefixes_settle(st, 0);	/* a plain decision, not a transition */
	self = time_runs(st->prog_fd, p, n, false);
	fx_prefix(st, "192.0.2.0/24", ES_ACTION_POPS, b_then_c, 2);
	es_prefixes_settle(st, 0);
	p->data[pkt_off(p, PKT_IPV4, 0) + 19] = 11;	/* 203.0.113.11: no VIP */
	notvip = time_runs(st->prog_fd, p, n, false);
	p->data[pkt_off(p, PKT_IPV4, 0) + 19] = 10;
	base = time_runs(base_fd, p, n, false);
	steady = time_runs(st->prog_fd, p, n, false);

	/* B drains: its open connection is found in the flow table */
	fx_pop_state(st, 2, ES_STATE_DRAIN);
	time_runs(st->prog_fd, p, 1, false);	/* pins the flow */
	hit = time_runs(st->prog_fd, p, n, false);

	/* new connections while B drains: one insert per packet */
	build_packet(p, PKT_TCP_SYN);
	insert = time_runs(st->prog_fd, p, flows, true);

	printf("%-40s %10s %10s %8s\n", "path (1 packet per run)", "ns/pkt", "over base", "ratio");
	printf("%-40s %10.1f %10s %8s\n", "baseline: return XDP_PASS", pbase, "", "");
	printf("%-40s %10.1f %10.1f %8.2f\n", "not a VIP", notvip, notvip - pbase, notvip / pbase);
	printf("%-40s %10.1f %10.1f %8.2f\n", "served here (this POP first)", self, self - pbase,
	       self / pbase);
	printf("%-40s %10.1f %10s %8s\n", "baseline: return XDP_REDIRECT", base, "", "");
	printf("%-40s %10.1f %10.1f %8.2f\n", "tunnel, steady state (no flow state)", steady,
	       steady - base, steady / base);
	printf("%-40s %10.1f %10.1f %8.2f\n", "tunnel, drain: flow-table hit", hit, hit - base,
	       hit / base);
	printf("%-40s %10.1f %10.1f %8.2f\n", "tunnel, drain: new flow, insert", insert,
	       insert - base, insert / base);
	printf("(%ld runs per path; %ld distinct new flows into a %u-entry LRU)\n", n, flows,
	       ES_DEFAULT_FLOWS);
	bpf_object__close(obj);
	es_state_close(st);
	free(p);
	return 0;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What one packet costs on each path through the real edgesteer program:
 * not a VIP, served here (decision "local"), served here because the first
 * candidate is this POP ("self"), dropped, redirected, tunnelled (IPIP,
 * IPv6-in-IPv6, 4-in-6, 6-in-4, GUE over IPv4 and IPv6) and decapsulated.
 *
 * Every path is timed one packet per BPF_PROG_TEST_RUN (each run starts
 * from a fresh copy of its input: the rewriting paths must not re-run an
 * already rewritten buffer), interleaved with a minimal program that only
 * returns the verdict edgesteer returned, timed the same way over the same
 * frames (runner.h). Each path is measured twice:
 *   path.<path>         one repeated flow: the same frame every run
 *   path.<path>.random  new flows from random clients: a million distinct
 *                       sources (each frame its own source address and
 *                       port), drawn uniformly over the space a
 *                       1,000,000-prefix IPv4 table (262,144-prefix IPv6
 *                       table for IPv6 clients) covers, the tables loaded
 *                       with es_prefixes_replace as `prefix load` would
 * with baselines path.<path>.baseline and path.<path>.random.baseline.
 *
 * Nothing is taken on trust: each frame set is checked with the packet
 * oracle (tests/lib/pkt.h), one output per path is walked by it too (a
 * tunnel must leave as the tunnel it claims to be), both programs must
 * return the expected verdict on every run, and the edgesteer counter of
 * the path's reason and verdict must have grown by exactly the number of
 * runs. Any disagreement ends the benchmark with exit status 1.
 *
 * Usage: bench_path [--quick]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "pkt.h"
#include "prefixes.h"
#include "report.h"
#include "runner.h"
#include "stats.h"
#include "table.h"

#define GUE_PORT	6080
#define SELF_POP	1	/* this box (not a configured POP) */
#define THE_POP		2	/* the one POP every prefix steers to */
#define NEXTHOP_LO	1	/* lo: test_run's ingress, so tunnels leave with XDP_TX */
#define STRIDE		128	/* bytes between prebuilt frames */

#define VIP4		"203.0.113.10"
#define NOTVIP4		"203.0.113.11"
#define VIP6		"2001:db8:100::10"
#define SELF4		"198.51.100.1"	/* our tunnel address (decap target) */
#define SELF6		"2001:db8:1::1"
#define ENDPOINT4	"198.51.100.2"	/* the tunnel POP's endpoint */
#define ENDPOINT6	"2001:db8:2::2"
#define PEER4		"198.51.100.9"	/* a POP sending us tunnel traffic */

static const __u8 mac_nic[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const __u8 mac_upstream[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe };
static const __u8 mac_pop_src[6] = { 0x02, 0x5a, 0x00, 0x00, 0x00, 0x02 };
static const __u8 mac_pop_dst[6] = { 0x02, 0xda, 0x00, 0x00, 0x00, 0x02 };

/* What the prefixes of the table do (all of them alike). */
enum steer {
	STEER_LOCAL,
	STEER_DROP,
	STEER_POP,	/* candidates: THE_POP */
};

/* What THE_POP is while a path is measured. */
enum pop_role {
	POP_ANY,	/* irrelevant to the path */
	POP_SELF,	/* a tunnel POP that is this box */
	POP_REDIRECT,	/* a local interface (lo, in the egress devmap) */
	POP_TUNNEL,
};

struct path {
	const char *name;
	enum steer steer;
	enum pop_role role;
	__u8 encap;
	const char *endpoint, *source;	/* POP_TUNNEL */
	__u8 client;			/* family of the client's packet */
	const char *dst;		/* where the client's packet goes */
	bool decap;			/* the client's packet arrives in a tunnel */
	unsigned int verdict;
	enum es_counter reason;
	const char *walk;		/* pkt_verify's walk of the output, NULL: none */
};

/*
 * In the order the table steering needs them: `local` and `drop` while
 * every prefix says so, then the paths that steer to THE_POP. Going local
 * -> drop -> POP creates no transition (nothing stays open through a
 * drop), so the POP paths see the steady state, no flow state.
 */
static const struct path PATHS[] = {
	{ "notvip", STEER_LOCAL, POP_ANY, 0, NULL, NULL, ES_AF_INET, NOTVIP4, false,
	  XDP_PASS, ES_CNT_NOT_VIP, "eth ipv4 tcp" },
	{ "local", STEER_LOCAL, POP_ANY, 0, NULL, NULL, ES_AF_INET, VIP4, false,
	  XDP_PASS, ES_CNT_LOCAL_DECISION, "eth ipv4 tcp" },
	{ "drop", STEER_DROP, POP_ANY, 0, NULL, NULL, ES_AF_INET, VIP4, false,
	  XDP_DROP, ES_CNT_DROP_DECISION, NULL },
	{ "self", STEER_POP, POP_SELF, ES_ENCAP_IPIP, ENDPOINT4, SELF4, ES_AF_INET, VIP4, false,
	  XDP_PASS, ES_CNT_LOCAL_SELF, "eth ipv4 tcp" },
	{ "redirect", STEER_POP, POP_REDIRECT, 0, NULL, NULL, ES_AF_INET, VIP4, false,
	  XDP_REDIRECT, ES_CNT_REDIRECT, "eth ipv4 tcp" },
	{ "tunnel.ipip4", STEER_POP, POP_TUNNEL, ES_ENCAP_IPIP, ENDPOINT4, SELF4, ES_AF_INET, VIP4,
	  false, XDP_TX, ES_CNT_TUNNEL, "eth ipv4 ipv4 tcp" },
	{ "tunnel.ip6ip6", STEER_POP, POP_TUNNEL, ES_ENCAP_IPIP, ENDPOINT6, SELF6, ES_AF_INET6,
	  VIP6, false, XDP_TX, ES_CNT_TUNNEL, "eth ipv6 ipv6 tcp" },
	{ "tunnel.4in6", STEER_POP, POP_TUNNEL, ES_ENCAP_IPIP, ENDPOINT6, SELF6, ES_AF_INET, VIP4,
	  false, XDP_TX, ES_CNT_TUNNEL, "eth ipv6 ipv4 tcp" },
	{ "tunnel.6in4", STEER_POP, POP_TUNNEL, ES_ENCAP_IPIP, ENDPOINT4, SELF4, ES_AF_INET6, VIP6,
	  false, XDP_TX, ES_CNT_TUNNEL, "eth ipv4 ipv6 tcp" },
	{ "tunnel.gue4", STEER_POP, POP_TUNNEL, ES_ENCAP_GUE, ENDPOINT4, SELF4, ES_AF_INET, VIP4,
	  false, XDP_TX, ES_CNT_TUNNEL, "eth ipv4 udp(gue) ipv4 tcp" },
	{ "tunnel.gue6", STEER_POP, POP_TUNNEL, ES_ENCAP_GUE, ENDPOINT6, SELF6, ES_AF_INET6, VIP6,
	  false, XDP_TX, ES_CNT_TUNNEL, "eth ipv6 udp(gue) ipv6 tcp" },
	{ "decap", STEER_POP, POP_ANY, 0, NULL, NULL, ES_AF_INET, VIP4, true,
	  XDP_PASS, ES_CNT_DECAP, "eth ipv4 tcp" },
};
#define NPATHS (sizeof(PATHS) / sizeof(PATHS[0]))

/* Counts of one run of the benchmark. */
struct sizes {
	size_t v4_prefixes, v6_prefixes;
	size_t clients;		/* distinct sources per family */
	long runs_repeated, runs_random;
};

static const struct sizes FULL = { 1000000, 262144, 1000000, 200000, 1000000 };
static const struct sizes QUICK = { 100000, 65536, 100000, 20000, 100000 };

/* The world: the instance, its tables, the clients, the baselines. */
struct world {
	struct es_state *st;
	struct bpf_object *minimal;
	struct es_prefix_spec *specs;	/* the v4 table, then the v6 table */
	size_t n4, n6;
	enum steer steer;		/* what the loaded table does */
	bool v6_loaded;
	struct es_addr *clients4, *clients6;
	size_t nclients;
	__u16 *sports;
	unsigned char *frames;		/* nclients frames of STRIDE bytes */
	unsigned int *lens;
	struct pkt *p, *inner;
	__u64 rs;
};

/* ---- clients ------------------------------------------------------------- */

static __u64 addr_hash(const struct es_addr *a)
{
	__u64 h = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 4; i++)
		h = (h ^ a->v6w[i]) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

/*
 * n distinct client addresses drawn uniformly over the space the table
 * covers, in the order drawn (sorting them would hand the classifier a
 * locality real traffic does not have): a draw that repeats an earlier
 * address is replaced by a fresh one.
 */
static void clients_draw(const struct bench_table *t, struct es_addr *out, size_t n, __u64 seed)
{
	size_t cap = 1024, have = 0;
	struct es_addr *batch = bench_calloc(n, sizeof(*batch));
	__u32 *slot;

	while (cap < 2 * n)
		cap <<= 1;
	slot = bench_calloc(cap, sizeof(*slot));
	for (int round = 0; have < n; round++) {
		size_t want = n - have;

		if (round == 64)
			bench_die("cannot draw %zu distinct clients from a %zu-prefix table", n, t->n);
		bench_table_sample_space(t, batch, want, seed + round);
		for (size_t k = 0; k < want; k++) {
			size_t i = addr_hash(&batch[k]) & (cap - 1);
			bool dup = false;

			for (; slot[i]; i = (i + 1) & (cap - 1))
				if (!memcmp(&out[slot[i] - 1], &batch[k], sizeof(batch[k]))) {
					dup = true;
					break;
				}
			if (dup)
				continue;
			out[have] = batch[k];
			slot[i] = ++have;
		}
	}
	free(slot);
	free(batch);
}

/* ---- frames --------------------------------------------------------------- */

/* What a client sends: a SYN opening a new connection, or a segment of
 * an open one (timestamps only), to `dst`. */
static void client_segment(struct pkt *p, __u8 family, const struct es_addr *src, const char *dst,
			   __u16 sport, bool syn)
{
	static const __u8 syn_opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
					 1, 3, 3, 7 };
	static const __u8 ack_opts[] = { 1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1 };
	struct es_addr d;

	fx_addr(dst, &d);
	pkt_init(p);
	pkt_eth(p, mac_nic, mac_upstream);
	if (family == ES_AF_INET) {
		pkt_ipv4_raw(p, &src->v4, &d.v4, IPPROTO_TCP, NULL, 0);
		pkt_ipv4_frag(p, PKT_IP_DF);
	} else {
		pkt_ipv6_raw(p, src->v6, d.v6, IPPROTO_TCP);
	}
	pkt_tcp(p, sport, 443, syn ? PKT_TCP_SYN : PKT_TCP_ACK);
	if (syn)
		pkt_tcp_options(p, syn_opts, sizeof(syn_opts));
	else
		pkt_tcp_options(p, ack_opts, sizeof(ack_opts));
	pkt_finish(p);
}

/* The frame of one client for a path: its segment, inside an IPIP tunnel
 * from a peer POP to us when the path decapsulates. */
static void path_frame(struct world *w, const struct path *pa, const struct es_addr *src,
		       __u16 sport, bool syn)
{
	if (!pa->decap) {
		client_segment(w->p, pa->client, src, pa->dst, sport, syn);
		return;
	}
	client_segment(w->inner, pa->client, src, pa->dst, sport, syn);
	pkt_init(w->p);
	pkt_eth(w->p, mac_nic, mac_upstream);
	pkt_ipv4(w->p, PEER4, SELF4, IPPROTO_IPIP, NULL, 0);
	pkt_ipv4_frag(w->p, PKT_IP_DF);
	pkt_inner(w->p, w->inner);
	pkt_finish(w->p);
}

static void frame_store(struct world *w, size_t i)
{
	if (w->p->len > STRIDE)
		bench_die("frame of %zu bytes does not fit in %d", w->p->len, STRIDE);
	memcpy(w->frames + i * STRIDE, w->p->data, w->p->len);
	w->lens[i] = w->p->len;
}

/* The oracle walks a sample of the frames (all would take as long as a
 * measurement): lengths and every checksum must be right. */
static void frames_verify(const struct world *w, size_t n, const char *what)
{
	char msg[256];

	for (size_t i = 0; i < n; i += 1 + (i % 61)) {
		if (pkt_verify(w->frames + i * STRIDE, w->lens[i], GUE_PORT, msg, sizeof(msg)))
			bench_die("%s: frame %zu is invalid: %s", what, i, msg);
	}
}

/* One frame (the first client, an open connection) for the repeated flow. */
static struct bench_frames frames_repeated(struct world *w, const struct path *pa)
{
	const struct es_addr *src = pa->client == ES_AF_INET ? w->clients4 : w->clients6;
	struct bench_frames f = { .n = 1, .stride = STRIDE, .len = w->lens, .data = w->frames };

	path_frame(w, pa, &src[0], 40000, false);
	frame_store(w, 0);
	frames_verify(w, 1, pa->name);
	return f;
}

/* Every client's SYN, each from its own source address and port. */
static struct bench_frames frames_random(struct world *w, const struct path *pa)
{
	const struct es_addr *src = pa->client == ES_AF_INET ? w->clients4 : w->clients6;
	struct bench_frames f = { .n = w->nclients, .stride = STRIDE, .len = w->lens,
				  .data = w->frames };

	for (size_t i = 0; i < w->nclients; i++) {
		path_frame(w, pa, &src[i], w->sports[i], true);
		frame_store(w, i);
	}
	frames_verify(w, w->nclients, pa->name);
	return f;
}

/* ---- the instance ---------------------------------------------------------- */

static void table_steer(struct world *w, enum steer s, bool with_v6)
{
	struct es_steering st = { 0 };
	unsigned long long t0 = bench_now_ns();
	size_t n = w->n4 + (with_v6 ? w->n6 : 0);

	switch (s) {
	case STEER_LOCAL:
		st.action = ES_ACTION_LOCAL;
		break;
	case STEER_DROP:
		st.action = ES_ACTION_DROP;
		break;
	case STEER_POP:
		st.action = ES_ACTION_POPS;
		st.npops = 1;
		st.pops[0] = THE_POP;
		break;
	}
	for (size_t i = 0; i < n; i++)
		w->specs[i].steer = st;
	bench_check(es_prefixes_replace(w->st, w->specs, n), "es_prefixes_replace");
	w->steer = s;
	w->v6_loaded = with_v6;
	bench_note("table: %zu IPv4 + %zu IPv6 prefixes now %s (load: %.2f s, not part of this "
		   "benchmark)", w->n4, with_v6 ? w->n6 : 0,
		   s == STEER_LOCAL ? "local" : s == STEER_DROP ? "drop" : "to one POP",
		   (bench_now_ns() - t0) / 1e9);
}

/* What the library's own reading of the tables says a new flow of the
 * path's clients gets; -1 when the path never classifies. */
static int lookup_want(const struct path *pa)
{
	if (pa->decap || !strcmp(pa->dst, NOTVIP4))
		return -1;
	if (pa->steer == STEER_LOCAL)
		return ES_LOOKUP_LOCAL;
	if (pa->steer == STEER_DROP)
		return ES_LOOKUP_DROP;
	if (pa->role == POP_SELF)
		return ES_LOOKUP_LOCAL;
	return pa->role == POP_REDIRECT ? ES_LOOKUP_REDIRECT : ES_LOOKUP_TUNNEL;
}

/* The library must agree: every client is covered, by a plain decision
 * (no transition: no flow state), with the path's outcome. */
static void lookup_check(struct world *w, const struct path *pa)
{
	const struct es_addr *src = pa->client == ES_AF_INET ? w->clients4 : w->clients6;
	int want = lookup_want(pa);
	struct es_lookup res;

	if (want < 0)
		return;
	for (size_t i = 0; i < w->nclients; i += 1 + w->nclients / 64) {
		bench_check(es_prefix_lookup(w->st, pa->client, &src[i], &res), "es_prefix_lookup");
		if (res.transition || res.decision == 0 || res.action != want)
			bench_die("%s: client %zu: the table says decision %u action %u%s, want "
			    "action %d", pa->name, i, res.decision, res.action,
			    res.transition ? " (transition)" : "", want);
	}
}

/*
 * Switching a million prefixes between paths cheaply: every prefix shares
 * one decision, "candidates: THE_POP". What that POP is (a tunnel of each
 * encapsulation, a redirect interface, this box) is one POP entry, so the
 * POP paths only rewrite it; the table itself is reloaded only for the
 * decision actions (local, drop), twice in all.
 */
static void world_set(struct world *w, const struct path *pa)
{
	bool want_v6 = pa->steer == STEER_POP;

	if (w->steer != pa->steer || w->v6_loaded != want_v6)
		table_steer(w, pa->steer, want_v6);
	bench_check(fx_config(w->st, pa->role == POP_SELF ? THE_POP : SELF_POP, SELF4, GUE_PORT),
	      "config");
	switch (pa->role) {
	case POP_ANY:
		break;
	case POP_SELF:
	case POP_TUNNEL:
		bench_check(fx_pop_tunnel(w->st, THE_POP, "the-pop", pa->endpoint, pa->source, pa->encap,
				    1500, NEXTHOP_LO, mac_pop_src, mac_pop_dst), "tunnel POP");
		break;
	case POP_REDIRECT:
		bench_check(fx_pop_redirect(w->st, THE_POP, "the-pop", NEXTHOP_LO, mac_pop_src,
				      mac_pop_dst), "redirect POP");
		break;
	}
	lookup_check(w, pa);
}

static void world_load(struct world *w, const struct sizes *sz)
{
	struct es_limits lim = { .flows = 4096 };
	struct es_steering none = { .action = ES_ACTION_LOCAL };
	struct bench_table t4, t6;
	const char *obj = getenv("ES_MINIMAL_OBJ");
	__u32 lo = NEXTHOP_LO;

	libbpf_set_print(NULL);
	bench_check(es_state_load(&w->st, NULL, &lim), "es_state_load");
	w->minimal = bpf_object__open_file(obj ? obj : "build/tools/bench/minimal.bpf.o", NULL);
	if (!w->minimal || bpf_object__load(w->minimal))
		bench_die("cannot load the minimal programs (ES_MINIMAL_OBJ)");

	bench_check(fx_vip(w->st, VIP4, 0, 0), "VIP");
	bench_check(fx_vip(w->st, VIP6, 0, 0), "VIP");
	bench_check(fx_peer(w->st, PEER4), "peer");
	/* lo in the egress devmap: the redirect POP's interface exists */
	if (bpf_map_update_elem(w->st->egress_fd, &lo, &lo, BPF_ANY))
		bench_check(-errno, "egress devmap");

	bench_check(bench_table_make(&t4, ES_AF_INET, sz->v4_prefixes, 4, &none), "IPv4 table");
	bench_check(bench_table_make(&t6, ES_AF_INET6, sz->v6_prefixes, 6, &none), "IPv6 table");
	w->n4 = t4.n;
	w->n6 = t6.n;
	w->specs = bench_calloc(w->n4 + w->n6, sizeof(*w->specs));
	memcpy(w->specs, t4.v, w->n4 * sizeof(*w->specs));
	memcpy(w->specs + w->n4, t6.v, w->n6 * sizeof(*w->specs));

	w->nclients = sz->clients;
	w->clients4 = bench_calloc(w->nclients, sizeof(*w->clients4));
	w->clients6 = bench_calloc(w->nclients, sizeof(*w->clients6));
	clients_draw(&t4, w->clients4, w->nclients, 44);
	clients_draw(&t6, w->clients6, w->nclients, 66);
	bench_table_free(&t4);
	bench_table_free(&t6);

	w->sports = bench_calloc(w->nclients, sizeof(*w->sports));
	w->rs = 2024;
	for (size_t i = 0; i < w->nclients; i++)
		w->sports[i] = 1024 + bench_rand(&w->rs) % (65536 - 1024);
	w->frames = bench_calloc(w->nclients, STRIDE);
	w->lens = bench_calloc(w->nclients, sizeof(*w->lens));
	w->p = bench_calloc(1, sizeof(*w->p));
	w->inner = bench_calloc(1, sizeof(*w->inner));
	w->steer = (enum steer)-1;
}

/* ---- measuring -------------------------------------------------------------- */

static const char *verdict_name(unsigned int v)
{
	switch (v) {
	case XDP_PASS:
		return "pass";
	case XDP_DROP:
		return "drop";
	case XDP_TX:
		return "tx";
	case XDP_REDIRECT:
		return "redirect";
	default:
		return "aborted";
	}
}

/* The minimal program with the verdict the path must end in. */
static int baseline_fd(struct world *w, unsigned int verdict)
{
	char name[32];
	struct bpf_program *prog;

	snprintf(name, sizeof(name), "minimal_%s", verdict_name(verdict));
	prog = bpf_object__find_program_by_name(w->minimal, name);
	if (!prog)
		bench_die("no baseline program %s", name);
	return bpf_program__fd(prog);
}

/* One run through edgesteer before timing: the verdict, and the output
 * frame walked by the oracle (a tunnel must leave as the one it claims). */
static void output_check(struct world *w, const struct path *pa, const struct bench_frames *f,
			 const char *what)
{
	static unsigned char out[PKT_MAX_LEN];
	char msg[256];
	size_t len = 0;
	int verdict;

	verdict = fx_run(w->st, f->data, f->len[0], out, sizeof(out), &len);
	if (verdict != (int)pa->verdict)
		bench_die("%s: edgesteer returned %d (%s), the path ends in %s", what, verdict,
		    verdict < 0 ? strerror(-verdict) : verdict_name(verdict),
		    verdict_name(pa->verdict));
	if (!pa->walk)
		return;
	if (pkt_verify(out, len, GUE_PORT, msg, sizeof(msg)))
		bench_die("%s: invalid output frame: %s", what, msg);
	if (strcmp(msg, pa->walk))
		bench_die("%s: output frame is '%s', want '%s'", what, msg, pa->walk);
}

/* Time a path over frames f; results NAME and NAME.baseline. Returns the
 * difference in ns. */
static double measure(struct world *w, const struct path *pa, const struct bench_frames *f,
		      long runs, const char *name)
{
	enum es_counter vc = fx_verdict_counter(pa->verdict);
	struct bench_timing prog, base;
	char base_name[96];
	__u64 reason0, verdict0, reason, verdict;

	output_check(w, pa, f, name);
	reason0 = fx_counter(w->st, pa->reason);
	verdict0 = fx_counter(w->st, vc);
	bench_time_pair(w->st->prog_fd, baseline_fd(w, pa->verdict), f, runs, &prog, &base);
	reason = fx_counter(w->st, pa->reason) - reason0;
	verdict = fx_counter(w->st, vc) - verdict0;

	if (prog.verdict != pa->verdict || prog.verdict_mismatches)
		bench_die("%s: edgesteer returned %s, and another verdict %zu times; want %s", name,
		    verdict_name(prog.verdict), prog.verdict_mismatches,
		    verdict_name(pa->verdict));
	if (base.verdict != prog.verdict || base.verdict_mismatches)
		bench_die("%s: the baseline returned %s (%zu mismatches), edgesteer %s", name,
		    verdict_name(base.verdict), base.verdict_mismatches,
		    verdict_name(prog.verdict));
	if (reason != (__u64)runs || verdict != (__u64)runs)
		bench_die("%s: %ld runs, but the %s counter grew by %llu and verdict_%s by %llu", name,
		    runs, es_counter_name(pa->reason), (unsigned long long)reason,
		    verdict_name(pa->verdict), (unsigned long long)verdict);

	snprintf(base_name, sizeof(base_name), "%s.baseline", name);
	bench_result(base_name, base.ns, "ns", NULL);
	bench_result(name, prog.ns, "ns", base_name);
	return prog.ns - base.ns;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	const struct sizes *sz;
	struct world w = { 0 };
	double over[NPATHS][2];
	char name[96];

	bench_parse_args(argc, argv, &o, "bench_path [--quick]");
	sz = o.quick ? &QUICK : &FULL;
	world_load(&w, sz);

	bench_section("path: ns per packet, one packet per BPF_PROG_TEST_RUN, against a program "
		      "that only returns the same verdict");
	bench_note("%zu IPv4 + %zu IPv6 prefixes; random clients: %zu distinct sources per "
		   "family, uniform over the covered space; %ld runs repeated, %ld random%s",
		   w.n4, w.n6, w.nclients, sz->runs_repeated, sz->runs_random,
		   o.quick ? " (--quick: smaller table, fewer clients and runs)" : "");
	for (size_t i = 0; i < NPATHS; i++) {
		const struct path *pa = &PATHS[i];
		struct bench_frames f;

		world_set(&w, pa);
		snprintf(name, sizeof(name), "path.%s", pa->name);
		f = frames_repeated(&w, pa);
		over[i][0] = measure(&w, pa, &f, sz->runs_repeated, name);
		snprintf(name, sizeof(name), "path.%s.random", pa->name);
		f = frames_random(&w, pa);
		over[i][1] = measure(&w, pa, &f, sz->runs_random, name);
	}

	bench_note("ns over the minimal program (target: a tunnelled packet < 100 ns more, "
		   "repeated and random):");
	for (size_t i = 0; i < NPATHS; i++)
		bench_note("  %-14s %+8.1f repeated %+8.1f random  (minimal_%s)", PATHS[i].name,
			   over[i][0], over[i][1], verdict_name(PATHS[i].verdict));

	bpf_object__close(w.minimal);
	es_state_close(w.st);
	free(w.specs);
	free(w.clients4);
	free(w.clients6);
	free(w.sports);
	free(w.frames);
	free(w.lens);
	free(w.p);
	free(w.inner);
	return 0;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteerd's reaction times.
 *
 *   failover.time         from B's failure (its health service killed) to
 *                         the first packet A tunnels to C instead, in real
 *                         namespaces with edgesteerd probing B over TCP
 *                         (tools/bench/daemon_failover.sh: a client sends
 *                         an echo request every millisecond, tcpdump on C
 *                         stamps the first tunnelled one). Baseline:
 *                         failover.probe_interval, the probe interval the
 *                         daemon was given (fall 2: the ratio says how many
 *                         intervals a failover takes, ~1-2 expected).
 *   latency.update.N      a latency update that moves every one of N
 *                         prefixes to another POP: es_latency_rank and
 *                         es_latency_apply (the daemon's work after a feed
 *                         is read), on a private instance. Baseline:
 *                         latency.table_load.N, es_prefixes_replace of the
 *                         same N prefixes (loading them as a table), in
 *                         the same rounds, interleaved.
 *
 * Checked: every failover round saw B up, C silent before the failure and
 * a tunnelled packet at C after it (the script fails otherwise); every
 * latency round applied N changes and a sample of prefixes takes new flows
 * to C after the update and to B after the table load.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edgesteer.h"
#include "latency.h"
#include "prefixes.h"
#include "state.h"
#include "../../tests/bpf/fixture.h"
#include "lib/report.h"

#define SEC		1000000000ull
#define NPREFIXES	100000
#define PROBE_MS	100
#define CHECK_EVERY	997		/* prefixes checked per round: every 997th */

enum { A = 1, B = 2, C = 3, D = 4 };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- failover ------------------------------------------------------------- */

static void bench_failover(int rounds)
{
	const char *build = getenv("ES_BUILD");
	double ms[16];
	char cmd[512], line[128];
	int n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tools/bench/daemon_failover.sh '%s' %d %d",
		 build && *build ? build : "build", rounds, PROBE_MS);
	p = popen(cmd, "r");
	if (!p)
		bench_die("cannot run %s: %s", cmd, strerror(errno));
	while (fgets(line, sizeof(line), p)) {
		unsigned long long ns;

		if (sscanf(line, "failover_ns %llu", &ns) == 1 && n < 16)
			ms[n++] = ns / 1e6;
	}
	if (pclose(p) != 0 || n != rounds)
		bench_die("the failover measurement failed (%d of %d rounds)", n, rounds);
	bench_section("edgesteerd failover (TCP probe, fall 2)");
	bench_result("failover.probe_interval", PROBE_MS, "ms", NULL);
	bench_result("failover.time", median(ms, n), "ms", "failover.probe_interval");
	bench_note("median of %d round%s: B's health service killed -> first packet tunnelled to C",
		   n, n == 1 ? "" : "s");
}

/* ---- latency update --------------------------------------------------------- */

/* The i-th /56 under 2001:db8::/32. */
static void prefix_addr(size_t i, struct es_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->v6[0] = 0x20;
	a->v6[1] = 0x01;
	a->v6[2] = 0x0d;
	a->v6[3] = 0xb8;
	a->v6[4] = i >> 16;
	a->v6[5] = i >> 8;
	a->v6[6] = i;
}

static struct es_state *latency_state(void)
{
	static const __u8 smac[6] = { 2, 0, 0, 0, 0, 1 }, dmac[6] = { 2, 0, 0, 0, 0, 2 };
	static const char *const ep[] = { NULL, NULL, "198.51.100.2", "198.51.100.3",
					  "198.51.100.4" };
	static const char *const name[] = { NULL, NULL, "B", "C", "D" };
	struct es_state *st = fx_open(0, 0);
	int err;

	if (!st)
		bench_die("cannot open a private instance");
	err = fx_config(st, A, "198.51.100.1", 6080);
	for (int id = B; id <= D && !err; id++)
		err = fx_pop_tunnel(st, id, name[id], ep[id], "198.51.100.1", ES_ENCAP_IPIP, 1500,
				    1, smac, dmac);
	bench_check(err, "POPs");
	return st;
}

/* Every CHECK_EVERY-th prefix takes new flows to pop. */
static void check_steering(struct es_state *st, __u32 pop, const char *after)
{
	for (size_t i = 0; i < NPREFIXES; i += CHECK_EVERY) {
		struct es_lookup res;
		struct es_addr a;

		prefix_addr(i, &a);
		a.v6[7] = 1;	/* an address inside the /56 */
		bench_check(es_prefix_lookup(st, ES_AF_INET6, &a, &res), "lookup");
		if (res.len != 56 || res.pop != pop)
			bench_die("after %s, prefix %zu takes new flows to POP %u (/%d), not %u",
				  after, i, res.pop, res.len, pop);
	}
}

static void bench_latency(int rounds)
{
	struct es_prefix_spec *specs = bench_calloc(NPREFIXES, sizeof(*specs));
	double t_load[16], t_update[16];
	struct es_latency_config cfg;
	struct es_latency_rib rib;
	struct es_latency *l;
	struct es_state *st;
	char err[256], name[64], base[64];

	st = latency_state();
	es_latency_rib_state(&rib, st);
	es_latency_config_default(&cfg);
	cfg.hold_down_ns = 0;		/* every round may move every prefix */
	cfg.max_age_ns = 0;
	if (es_latency_new(&l, &cfg, err, sizeof(err)))
		bench_die("latency store: %s", err);
	for (size_t i = 0; i < NPREFIXES; i++) {
		struct es_prefix_spec *p = &specs[i];

		p->family = ES_AF_INET6;
		p->len = 56;
		prefix_addr(i, &p->addr);
		p->steer.action = ES_ACTION_POPS;
		p->steer.npops = 3;
		p->steer.pops[0] = B;
		p->steer.pops[1] = C;
		p->steer.pops[2] = D;
	}

	for (int r = 0; r < rounds; r++) {
		struct es_latency_changes c = { 0 };
		struct es_pop_mask up;
		size_t applied = 0;
		__u64 now = (1000 + r) * SEC, t;

		/* baseline: the table loaded whole, every prefix on B first */
		t = bench_now_ns();
		bench_check(es_prefixes_replace(st, specs, NPREFIXES), "es_prefixes_replace");
		t_load[r] = (bench_now_ns() - t) / 1e6;
		check_steering(st, B, "the table load");

		/* measurements (not timed: reading a feed is another matter):
		 * C is the fastest everywhere */
		for (size_t i = 0; i < NPREFIXES; i++) {
			static const __u32 pop[] = { B, C, D };
			static const double rtt[] = { 50, 20, 80 };
			struct es_prefix_key key;

			bench_check(es_latency_key(&key, ES_AF_INET6, &specs[i].addr, 56), "key");
			for (int k = 0; k < 3; k++)
				bench_check(es_latency_sample(l, &key, &specs[i].steer, pop[k], rtt[k],
							      now), "es_latency_sample");
		}
		bench_check(es_pop_mask_up(st, &up), "es_pop_mask_up");
		t = bench_now_ns();
		bench_check(es_latency_rank(l, &rib, &up, now, &c), "es_latency_rank");
		bench_check(es_latency_apply(l, st, &c, &applied), "es_latency_apply");
		t_update[r] = (bench_now_ns() - t) / 1e6;
		if (c.n != NPREFIXES || applied != NPREFIXES)
			bench_die("round %d: %zu changes ranked, %zu applied, expected %d", r, c.n,
				  applied, NPREFIXES);
		es_latency_changes_free(&c);
		check_steering(st, C, "the latency update");
	}

	snprintf(base, sizeof(base), "latency.table_load.%d", NPREFIXES);
	snprintf(name, sizeof(name), "latency.update.%d", NPREFIXES);
	bench_section("latency update (rank + apply) vs loading the table");
	bench_result(base, median(t_load, rounds), "ms", NULL);
	bench_result(name, median(t_update, rounds), "ms", base);
	bench_note("%d IPv6 /56, B,C,D -> C,B,D each round; median of %d rounds", NPREFIXES,
		   rounds);
	es_latency_free(l);
	es_state_close(st);
	free(specs);
}

int main(int argc, char **argv)
{
	struct bench_opts o;

	bench_parse_args(argc, argv, &o, "bench_daemon [--quick]");
	bench_latency(o.quick ? 2 : 5);
	bench_failover(o.quick ? 1 : 3);
	return 0;
}

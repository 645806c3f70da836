// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Latency steering through the real data path: measurements read against
 * a private edgesteer instance's POPs and RIB, ranked, written with
 * es_latency_apply(), then packets run through the XDP program with
 * BPF_PROG_TEST_RUN. The oracle for where a packet went is the outer
 * destination address of the frame that comes out (and the per-POP
 * packet counters), never the library's own view.
 *
 * Also applies a 100,000-prefix update and prints how long loading,
 * ranking and writing took (information, not an assertion: the machine
 * is shared), and checks that only changed prefixes are written.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <linux/bpf.h>

#include "decisions.h"
#include "fixture.h"
#include "latency.h"
#include "pkt.h"
#include "pops.h"
#include "test.h"

#define SEC		1000000000ull
#define VIP		"203.0.113.10"
#define SELF		"198.51.100.1"
#define P_IPIP		4
#define P_TCP		6

enum { A = 1, B = 2, C = 3, D = 4 };

static const char *const ENDPOINT[] = { NULL, SELF, "198.51.100.2", "198.51.100.3",
					"198.51.100.4" };
static const char *const NAME[] = { NULL, "A", "B", "C", "D" };

static const uint8_t MAC_NIC[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t MAC_UPSTREAM[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe };

static struct es_state *g_st;
static struct es_latency_rib g_rib;

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * SEC + ts.tv_nsec;
}

static bool setup(void)
{
	const __u8 smac[6] = { 0x02, 0x5a, 0, 0, 0, 1 };
	int err = 0;

	g_st = fx_open(0, 0);
	if (!g_st)
		return false;
	err |= fx_config(g_st, A, SELF, 6080);
	for (int id = A; id <= D; id++) {
		const __u8 dmac[6] = { 0x02, 0xda, 0, 0, 0, (__u8)id };

		/* lo, the interface BPF_PROG_TEST_RUN runs on: XDP_TX */
		err |= fx_pop_tunnel(g_st, id, NAME[id], ENDPOINT[id], SELF, ES_ENCAP_IPIP, 1500,
				     1, smac, dmac);
	}
	err |= fx_vip(g_st, VIP, P_TCP, 443);
	if (err)
		fprintf(stdout, "setup failed: %d\n", err);
	es_latency_rib_state(&g_rib, g_st);
	return !err;
}

static struct es_latency *new_store(__u64 hold_down)
{
	struct es_latency_config cfg;
	struct es_latency *l = NULL;
	char err[128];

	es_latency_config_default(&cfg);
	cfg.weight = 1;
	cfg.hold_down_ns = hold_down;
	if (!ASSERT_OK(es_latency_new(&l, &cfg, err, sizeof(err)), "es_latency_new"))
		return NULL;
	return l;
}

static void feed(struct es_latency *l, const char *line, __u64 now)
{
	char err[256];

	if (!ASSERT_OK(es_latency_feed_line(l, "socket", line, &g_rib, now, NULL, err, sizeof(err)),
		       line))
		fprintf(stdout, "  %s\n", err);
}

/* Rank and apply; the number of prefixes written, or -errno. */
static int update(struct es_latency *l, __u64 now)
{
	struct es_latency_changes c = { 0 };
	struct es_pop_mask up;
	size_t applied = 0;
	int ret;

	ret = es_pop_mask_up(g_st, &up);
	if (!ret)
		ret = es_latency_rank(l, &g_rib, &up, now, &c);
	if (!ret)
		ret = es_latency_apply(l, g_st, &c, &applied);
	ASSERT_EQ(applied, c.n, "every change applied");
	es_latency_changes_free(&c);
	return ret ? ret : (int)applied;
}

/*
 * Run a TCP segment from client:sport to the VIP and return the POP whose
 * endpoint is the outer destination of the tunnelled frame (0: not
 * tunnelled, or to an unknown address).
 */
static int steered_to(const char *client, uint16_t sport, uint8_t flags)
{
	static struct pkt in;
	static uint8_t out[PKT_MAX_LEN];
	size_t out_len = 0;
	__u64 before[D + 1];
	int verdict, pop = 0;
	char dst[INET_ADDRSTRLEN];

	pkt_init(&in);
	pkt_eth(&in, MAC_NIC, MAC_UPSTREAM);
	pkt_ipv4(&in, client, VIP, P_TCP, NULL, 0);
	pkt_tcp(&in, sport, 443, flags);
	pkt_payload(&in, "hello", 5);
	pkt_finish(&in);
	for (int id = A; id <= D; id++)
		before[id] = fx_pop_packets(g_st, id);
	verdict = fx_run(g_st, in.data, in.len, out, sizeof(out), &out_len);
	if (verdict != XDP_TX || out_len < 14 + 20 + 20 + 20)
		return 0;
	/* Ethernet, outer IPv4 (IPIP), the client's packet inside */
	if (out[14 + 9] != P_IPIP || !inet_ntop(AF_INET, out + 14 + 16, dst, sizeof(dst)))
		return 0;
	for (int id = B; id <= D; id++)
		if (!strcmp(dst, ENDPOINT[id]))
			pop = id;
	/* the data path's own counter agrees */
	for (int id = A; id <= D; id++)
		if (fx_pop_packets(g_st, id) - before[id] != (__u64)(id == pop)) {
			fprintf(stdout, "  POP %d counted %llu packets, frame went to %s\n", id,
				(unsigned long long)(fx_pop_packets(g_st, id) - before[id]), dst);
			return -1;
		}
	return pop;
}

#define SYN	PKT_TCP_SYN
#define ACK	(PKT_TCP_ACK | PKT_TCP_PSH)

static struct es_steering rib_of(const char *cidr, __u32 *decision)
{
	struct es_steering s = { 0 };
	struct es_addr a;
	char buf[64], *slash;
	__u8 fam;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	*slash = 0;
	fam = fx_addr(buf, &a);
	if (es_prefix_get(g_st, fam, &a, atoi(slash + 1), &s, decision))
		fprintf(stdout, "  %s not in the RIB\n", cidr);
	return s;
}

static void test_new_flows_follow_latency(void)
{
	static const __u16 bc[] = { B, C }, bcd[] = { B, C, D };
	const char *cli = "192.0.2.7";
	struct es_latency *l = new_store(60 * SEC);
	__u32 dec_local, dec_drop, dec_other, d;
	__u64 now = 1000 * SEC;
	struct es_steering s;

	if (!l)
		return;
	if (!ASSERT_OK(fx_prefix(g_st, "192.0.2.0/24", ES_ACTION_POPS, bc, 2), "prefix") ||
	    !ASSERT_OK(fx_prefix(g_st, "203.0.113.128/26", ES_ACTION_LOCAL, NULL, 0), "local") ||
	    !ASSERT_OK(fx_prefix(g_st, "203.0.113.192/26", ES_ACTION_DROP, NULL, 0), "drop") ||
	    !ASSERT_OK(fx_prefix(g_st, "198.51.100.128/25", ES_ACTION_POPS, bcd, 3), "other"))
		goto out;
	rib_of("203.0.113.128/26", &dec_local);
	rib_of("203.0.113.192/26", &dec_drop);
	rib_of("198.51.100.128/25", &dec_other);

	ASSERT_EQ(steered_to(cli, 40000, SYN), B, "before: SYN to B");
	ASSERT_EQ(steered_to(cli, 40001, ACK), B, "before: an open connection's segment: B");

	/* C is far faster for this prefix; the others get numbers they ignore */
	feed(l, "192.0.2.0/24 B 80", now);
	feed(l, "192.0.2.0/24 C 10.5", now);
	ASSERT_EQ(es_latency_feed_line(l, "socket", "203.0.113.128/26 B 1", &g_rib, now, NULL,
				       NULL, 0), ES_LATENCY_IGNORED, "local ignored");
	ASSERT_EQ(update(l, now), 1, "one prefix written");
	s = rib_of("192.0.2.0/24", NULL);
	ASSERT_TRUE(s.npops == 2 && s.pops[0] == C && s.pops[1] == B, "RIB: C, B");

	ASSERT_EQ(steered_to(cli, 40002, SYN), C, "after: a new connection goes to C");
	ASSERT_EQ(steered_to(cli, 40002, ACK), C, "after: and stays there");
	ASSERT_EQ(steered_to(cli, 40001, ACK), B, "after: the open connection stays on B");
	ASSERT_EQ(steered_to(cli, 40001, ACK), B, "after: again");
	ASSERT_EQ(steered_to(cli, 40002, ACK), C, "after: the new one again");

	/* nothing else was written */
	rib_of("203.0.113.128/26", &d);
	ASSERT_EQ(d, dec_local, "local untouched");
	rib_of("203.0.113.192/26", &d);
	ASSERT_EQ(d, dec_drop, "drop untouched");
	rib_of("198.51.100.128/25", &d);
	ASSERT_EQ(d, dec_other, "unmeasured prefix untouched");

	/* a small change below the hysteresis writes nothing */
	feed(l, "192.0.2.0/24 B 9", now + 100 * SEC);
	ASSERT_EQ(update(l, now + 100 * SEC), 0, "B 1.5 ms better: held");
	ASSERT_EQ(steered_to(cli, 40003, SYN), C, "still C");

	/* C fails: left at once, inside the hold-down */
	ASSERT_OK(es_pop_set_state(g_st, C, ES_STATE_DOWN), "C down");
	ASSERT_EQ(update(l, now + 101 * SEC), 1, "failover written");
	s = rib_of("192.0.2.0/24", NULL);
	ASSERT_TRUE(s.npops == 2 && s.pops[0] == B && s.pops[1] == C, "RIB: B, C");
	ASSERT_EQ(steered_to(cli, 40004, SYN), B, "C down: new connections to B");
	ASSERT_OK(es_pop_set_state(g_st, C, ES_STATE_UP), "C up");
	ASSERT_EQ(update(l, now + 102 * SEC), 0, "C up: B is as good, nothing to do");
	ASSERT_EQ(steered_to(cli, 40005, SYN), B, "B");
out:
	es_latency_free(l);
}

/*
 * The batched writer and es_prefix_set() make the same decisions: two
 * prefixes with the same history, one written each way, end up on the
 * very same (interned) decision id at every step.
 */
static void test_batch_matches_prefix_set(void)
{
	static const __u16 bcd[] = { B, C, D };
	static const __u16 orders[][3] = { { C, B, D }, { D, C, B }, { B, C, D }, { C, D, B } };
	struct es_latency *l = new_store(0);
	struct es_addr a1, a2;
	__u32 d1, d2;

	if (!l)
		return;
	fx_addr("192.0.2.0", &a1);
	fx_addr("192.0.2.128", &a2);
	if (!ASSERT_OK(fx_prefix(g_st, "192.0.2.0/25", ES_ACTION_POPS, bcd, 3), "p1") ||
	    !ASSERT_OK(fx_prefix(g_st, "192.0.2.128/25", ES_ACTION_POPS, bcd, 3), "p2"))
		goto out;
	for (size_t k = 0; k < sizeof(orders) / sizeof(orders[0]); k++) {
		struct es_steering to = { .action = ES_ACTION_POPS, .npops = 3 };
		struct es_latency_change ch = { .reason = ES_LATENCY_FASTER };
		struct es_latency_changes c = { .v = &ch, .n = 1, .cap = 1 };
		const struct es_decision *d;
		size_t applied = 0;

		memcpy(to.pops, orders[k], sizeof(orders[k]));
		ASSERT_OK(es_prefix_set(g_st, ES_AF_INET, &a1, 25, &to), "es_prefix_set");
		es_latency_key(&ch.key, ES_AF_INET, &a2, 25);
		ASSERT_OK(es_prefix_get(g_st, ES_AF_INET, &a2, 25, &ch.from, &ch.from_decision),
			  "get");
		ch.to = to;
		ASSERT_OK(es_latency_apply(l, g_st, &c, &applied), "es_latency_apply");
		ASSERT_EQ(applied, 1, "applied");
		es_prefix_get(g_st, ES_AF_INET, &a1, 25, NULL, &d1);
		es_prefix_get(g_st, ES_AF_INET, &a2, 25, NULL, &d2);
		ASSERT_EQ(d2, d1, "same decision");
		d = es_decision_at(g_st, d2);
		if (ASSERT_TRUE(d != NULL, "decision"))
			ASSERT_TRUE(d->flags & ES_DECISION_TRANSITION, "a transition");
		/* the classifier agrees with the RIB */
		{
			struct es_lookup res;
			struct es_addr host = a2;

			host.v6[3] = 200;
			ASSERT_OK(es_prefix_lookup(g_st, ES_AF_INET, &host, &res), "lookup");
			ASSERT_EQ(res.decision, d2, "the table points at it");
			ASSERT_EQ(res.pop, orders[k][0], "first candidate");
		}
	}
	ASSERT_EQ(es_prefixes_settle(g_st, 0) >= 2, 1, "settled");
	es_prefix_get(g_st, ES_AF_INET, &a1, 25, NULL, &d1);
	es_prefix_get(g_st, ES_AF_INET, &a2, 25, NULL, &d2);
	ASSERT_EQ(d2, d1, "same decision after settling");
out:
	es_latency_free(l);
}

/* ---- 100,000 prefixes ------------------------------------------------------ */

#define BIG	100000

/* The i-th /56 under 2001:db8::/32. */
static void big_prefix(size_t i, struct es_addr *a)
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

/* "PREFIX POP RTT" for every prefix and POP; c_of(i) is C's RTT. */
static bool write_big_file(const char *path, int (*c_of)(size_t))
{
	gzFile z = gzopen(path, "wb1");
	char cidr[INET6_ADDRSTRLEN];
	bool ok = z != NULL;

	for (size_t i = 0; ok && i < BIG; i++) {
		struct es_addr a;

		big_prefix(i, &a);
		inet_ntop(AF_INET6, a.v6, cidr, sizeof(cidr));
		ok = gzprintf(z, "%s/56 B 50\n%s/56 C %d\n%s/56 D 80.25\n", cidr, cidr, c_of(i),
			      cidr) > 0;
	}
	return z && gzclose(z) == Z_OK && ok;
}

static int c_fast(size_t i)
{
	return 20;
}

static int c_slow_for_even(size_t i)
{
	return i % 2 ? 20 : 200;
}

static double ms_since(__u64 t)
{
	return (mono_ns() - t) / 1e6;
}

static bool big_timed_update(struct es_latency *l, const char *path, __u64 now, size_t want,
			     const char *what)
{
	struct es_latency_changes c = { 0 };
	struct es_latency_feed_stats fs = { 0 };
	struct es_pop_mask up;
	double t_load, t_rank, t_apply;
	size_t applied = 0;
	char err[256];
	__u64 t;
	bool ok = true;

	es_pop_mask_up(g_st, &up);
	t = mono_ns();
	ok &= ASSERT_OK(es_latency_load_file(l, path, &g_rib, now, &fs, err, sizeof(err)), err);
	t_load = ms_since(t);
	ok &= ASSERT_EQ(fs.applied, 3 * BIG, "samples");
	t = mono_ns();
	ok &= ASSERT_OK(es_latency_rank(l, &g_rib, &up, now, &c), "rank");
	t_rank = ms_since(t);
	ok &= ASSERT_EQ(c.n, want, "changes");
	t = mono_ns();
	ok &= ASSERT_OK(es_latency_apply(l, g_st, &c, &applied), "apply");
	t_apply = ms_since(t);
	ok &= ASSERT_EQ(applied, want, "applied");
	fprintf(stdout, "  %s: load %d lines (gzip) %.0f ms, rank %d prefixes %.0f ms, "
		"write %zu changes %.0f ms; rank + write %.0f ms\n", what, 3 * BIG, t_load, BIG,
		t_rank, applied, t_apply, t_rank + t_apply);
	es_latency_changes_free(&c);
	return ok;
}

static void test_big_update(void)
{
	char path[] = "/tmp/es-latency-big-XXXXXX";
	struct es_prefix_spec *specs = NULL, *all;
	struct es_latency *l = new_store(0);
	struct es_lookup res;
	size_t n = 0;
	__u64 now = 5000 * SEC;
	int fd;

	fd = mkstemp(path);
	if (!l || !ASSERT_TRUE(fd >= 0, "mkstemp"))
		goto out;
	close(fd);
	/* the prefixes, configured B, C, D, next to what is there already */
	if (!ASSERT_OK(es_prefixes_list(g_st, &specs, &n), "list"))
		goto out;
	all = realloc(specs, (n + BIG) * sizeof(*specs));
	if (!ASSERT_TRUE(all != NULL, "realloc"))
		goto out;
	specs = all;
	for (size_t i = 0; i < BIG; i++) {
		struct es_prefix_spec *p = &specs[n + i];

		memset(p, 0, sizeof(*p));
		p->family = ES_AF_INET6;
		p->len = 56;
		big_prefix(i, &p->addr);
		p->steer.action = ES_ACTION_POPS;
		p->steer.npops = 3;
		p->steer.pops[0] = B;
		p->steer.pops[1] = C;
		p->steer.pops[2] = D;
	}
	if (!ASSERT_OK(es_prefixes_replace(g_st, specs, n + BIG), "replace"))
		goto out;

	/* every prefix moves to C */
	if (!ASSERT_TRUE(write_big_file(path, c_fast), "write file") ||
	    !big_timed_update(l, path, now, BIG, "all 100000 move"))
		goto out;
	for (size_t i = 0; i < BIG; i += 9973) {
		struct es_addr a;

		big_prefix(i, &a);
		a.v6[15] = 1;
		ASSERT_OK(es_prefix_lookup(g_st, ES_AF_INET6, &a, &res), "lookup");
		ASSERT_EQ(res.pop, C, "a new flow goes to C");
		ASSERT_EQ(res.len, 56, "its /56");
	}

	/* the same numbers again: nothing to write */
	if (!big_timed_update(l, path, now + SEC, 0, "nothing changes"))
		goto out;

	/* C becomes slow for every other prefix: those move to B, only those */
	if (!ASSERT_TRUE(write_big_file(path, c_slow_for_even), "write file") ||
	    !big_timed_update(l, path, now + 2 * SEC, BIG / 2, "half move back"))
		goto out;
	for (size_t i = 0; i < BIG; i += 997) {
		struct es_addr a;

		big_prefix(i, &a);
		ASSERT_OK(es_prefix_lookup(g_st, ES_AF_INET6, &a, &res), "lookup");
		ASSERT_EQ(res.pop, i % 2 ? C : B, "even: B, odd: C");
	}
	{
		struct es_latency_stats s;

		es_latency_stats(l, &s);
		ASSERT_EQ(s.prefixes, BIG, "held");
		ASSERT_EQ(s.preferred[C], BIG / 2, "preferring C");
		ASSERT_EQ(s.preferred[B], BIG / 2, "preferring B");
		fprintf(stdout, "  store: %zu KiB for %d prefixes, %zu samples\n", s.bytes / 1024,
			BIG, s.samples);
	}
out:
	unlink(path);
	free(specs);
	es_latency_free(l);
}

int main(void)
{
	es_test_require_root("test_latency_apply");
	if (!setup()) {
		fprintf(stdout, "FAIL setup\n");
		if (g_st)
			es_state_close(g_st);
		return 1;
	}
	RUN_TEST(test_new_flows_follow_latency);
	RUN_TEST(test_batch_matches_prefix_set);
	RUN_TEST(test_big_update);
	es_state_close(g_st);
	return es_test_exit();
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The prefix table as the data path sees it while the control plane
 * changes it: tables that do not fit, compaction, decision lifetimes,
 * transitions, and full replaces under live traffic.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "decisions.h"
#include "fixture.h"
#include "pkt.h"
#include "test.h"

static const __u8 mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const __u8 mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static void build_tcp(struct pkt *p, const char *src, const char *dst, __u8 flags)
{
	pkt_init(p);
	pkt_eth(p, mac_a, mac_b);
	if (strchr(src, ':'))
		pkt_ipv6(p, src, dst, IPPROTO_TCP);
	else
		pkt_ipv4(p, src, dst, IPPROTO_TCP, NULL, 0);
	pkt_tcp(p, 40000, 443, flags);
	pkt_finish(p);
}

/* The POP id a packet was tunnelled to (outer IPv4 dst 198.51.100.N),
 * 0 when it was not tunnelled. */
static int tunnelled_to(struct es_state *st, const struct pkt *p)
{
	unsigned char out[2048];
	size_t len;
	int v = fx_run(st, p->data, p->len, out, sizeof(out), &len);

	if (v != XDP_REDIRECT || len < 34)
		return 0;
	return out[14 + 19];
}

static struct es_state *fleet(__u32 v4_groups)
{
	struct es_state *st = fx_open(v4_groups, 0);
	char ep[32];

	if (!st)
		return NULL;
	fx_config(st, 1, "198.51.100.1", 6080);
	for (int id = 2; id <= 4; id++) {
		snprintf(ep, sizeof(ep), "198.51.100.%d", id);
		fx_pop_tunnel(st, id, "p", ep, "198.51.100.1", ES_ENCAP_IPIP, 0, 9, mac_a, mac_b);
	}
	fx_vip(st, "203.0.113.10", 0, 0);
	fx_vip(st, "2001:db8:ffff::10", 0, 0);
	return st;
}

/* A table that cannot hold a prefix says so and keeps what it had. */
static void test_full_table_fails_loudly(void)
{
	struct es_state *st = fleet(4);	/* four groups: four /25s in distinct /24s */
	__u16 b[] = { 2 }, c[] = { 3 };
	struct pkt p;
	char cidr[32];
	int err = 0, added = 0;

	if (!ASSERT_TRUE(st, "fleet"))
		return;
	for (int i = 0; i < 10 && !err; i++) {
		snprintf(cidr, sizeof(cidr), "192.0.%d.0/25", i);
		err = fx_prefix(st, cidr, ES_ACTION_POPS, b, 1);
		added += !err;
	}
	ASSERT_EQ(err, -ENOSPC, "add beyond capacity");
	ASSERT_EQ(added, 4, "prefixes that fit");
	/* what fitted still steers, the refused prefix is not in the RIB */
	build_tcp(&p, "192.0.3.1", "203.0.113.10", PKT_TCP_SYN);
	ASSERT_EQ(tunnelled_to(st, &p), 2, "existing prefix still steered");
	build_tcp(&p, "192.0.4.1", "203.0.113.10", PKT_TCP_SYN);
	ASSERT_EQ(tunnelled_to(st, &p), 0, "refused prefix not steered");
	{
		struct es_addr a;

		fx_addr("192.0.4.0", &a);
		ASSERT_EQ(es_prefix_get(st, ES_AF_INET, &a, 25, NULL, NULL), -ENOENT,
			  "refused prefix not recorded");
	}
	/* deleting frees nothing in place, but the next add compacts */
	ASSERT_OK(fx_prefix(st, "192.0.0.0/25", ES_ACTION_POPS, c, 1), "change in place");
	{
		struct es_addr a;

		fx_addr("192.0.0.0", &a);
		ASSERT_OK(es_prefix_del(st, ES_AF_INET, &a, 25), "delete");
	}
	ASSERT_OK(fx_prefix(st, "192.0.9.0/25", ES_ACTION_POPS, c, 1), "add after delete compacts");
	build_tcp(&p, "192.0.9.1", "203.0.113.10", PKT_TCP_SYN);
	ASSERT_EQ(tunnelled_to(st, &p), 3, "new prefix after compaction");
	build_tcp(&p, "192.0.1.1", "203.0.113.10", PKT_TCP_SYN);
	ASSERT_EQ(tunnelled_to(st, &p), 2, "old prefix survives compaction");
	build_tcp(&p, "192.0.0.1", "203.0.113.10", PKT_TCP_SYN);
	ASSERT_EQ(tunnelled_to(st, &p), 0, "deleted prefix gone");
	es_state_close(st);
}

/* Prefixes with the same steering share a decision; a released decision
 * keeps its content for the grace period and is then reused. */
static void test_decisions_shared_and_released(void)
{
	struct es_state *st = fleet(0);
	__u16 bc[] = { 2, 3 }, cb[] = { 3, 2 };
	__u32 d1, d2, d3;
	struct es_addr a;

	if (!ASSERT_TRUE(st, "fleet"))
		return;
	fx_prefix(st, "192.0.2.0/24", ES_ACTION_POPS, bc, 2);
	fx_prefix(st, "2001:db8:1::/48", ES_ACTION_POPS, bc, 2);
	fx_prefix(st, "198.18.0.0/15", ES_ACTION_POPS, cb, 2);
	fx_addr("192.0.2.0", &a);
	es_prefix_get(st, ES_AF_INET, &a, 24, NULL, &d1);
	fx_addr("2001:db8:1::", &a);
	es_prefix_get(st, ES_AF_INET6, &a, 48, NULL, &d2);
	fx_addr("198.18.0.0", &a);
	es_prefix_get(st, ES_AF_INET, &a, 15, NULL, &d3);
	ASSERT_EQ(d1, d2, "same steering, same decision");
	ASSERT_TRUE(d1 != d3, "other steering, other decision");
	ASSERT_EQ(st->decisions[d1].refs, 2, "references");
	ASSERT_EQ(es_decisions_in_use(st), 2, "decisions in use");

	ASSERT_OK(es_prefix_del(st, ES_AF_INET, &a, 15), "delete");
	ASSERT_EQ(st->decisions[d3].refs, 0, "released");
	ASSERT_EQ(st->decisions[d3].action, ES_ACTION_POPS, "content kept for the grace period");
	ASSERT_EQ(st->decisions[d3].pops[0], 3, "candidates kept for the grace period");
	es_state_close(st);
}

/* Moving a prefix keeps open TCP connections where they were, and settle
 * ends the transition once no flow needs it. */
static void test_transition_and_settle(void)
{
	struct es_state *st = fleet(0);
	__u16 b[] = { 2 }, c[] = { 3 };
	struct pkt open_conn, new_conn;
	const struct es_decision *d;
	struct es_addr a;
	__u32 id;
	int settled;

	if (!ASSERT_TRUE(st, "fleet"))
		return;
	fx_prefix(st, "192.0.2.0/24", ES_ACTION_POPS, b, 1);
	build_tcp(&open_conn, "192.0.2.7", "203.0.113.10", PKT_TCP_ACK);
	ASSERT_EQ(tunnelled_to(st, &open_conn), 2, "before the change");
	ASSERT_EQ(fx_counter(st, ES_CNT_FLOW_PIN_EXISTING), 0, "no flow state in steady state");

	fx_prefix(st, "192.0.2.0/24", ES_ACTION_POPS, c, 1);
	fx_addr("192.0.2.0", &a);
	es_prefix_get(st, ES_AF_INET, &a, 24, NULL, &id);
	d = es_decision_at(st, id);
	ASSERT_TRUE(d && (d->flags & ES_DECISION_TRANSITION), "change makes a transition");
	ASSERT_EQ(tunnelled_to(st, &open_conn), 2, "open connection stays on B");
	build_tcp(&new_conn, "192.0.2.8", "203.0.113.10", PKT_TCP_SYN);
	ASSERT_EQ(tunnelled_to(st, &new_conn), 3, "new connection goes to C");
	new_conn.data[pkt_off(&new_conn, PKT_TCP, 0) + 13] = PKT_TCP_ACK;
	ASSERT_EQ(tunnelled_to(st, &new_conn), 3, "and stays on C");

	/* a second change while the first is in progress: connections from
	 * before the first change still belong to B */
	fx_prefix(st, "192.0.2.0/24", ES_ACTION_POPS, (__u16[]){ 4 }, 1);
	ASSERT_EQ(tunnelled_to(st, &open_conn), 2, "still on B after a second change");
	ASSERT_EQ(tunnelled_to(st, &new_conn), 3, "C's connection still on C");

	/* live flows keep the transition; idle ones let it settle */
	settled = es_prefixes_settle(st, 60ull * 1000000000);
	ASSERT_EQ(settled, 0, "transition kept while flows live");
	settled = es_prefixes_settle(st, 0);
	ASSERT_EQ(settled, 1, "settled once idle");
	es_prefix_get(st, ES_AF_INET, &a, 24, NULL, &id);
	d = es_decision_at(st, id);
	ASSERT_TRUE(d && !(d->flags & ES_DECISION_TRANSITION), "plain decision after settle");
	fx_counters_reset(st);
	build_tcp(&open_conn, "192.0.2.9", "203.0.113.10", PKT_TCP_ACK);
	ASSERT_EQ(tunnelled_to(st, &open_conn), 4, "unknown segment follows the decision");
	ASSERT_EQ(fx_counter(st, ES_CNT_FLOW_HIT) + fx_counter(st, ES_CNT_FLOW_PIN_EXISTING), 0,
		  "no flow lookups after settle");
	es_state_close(st);
}

/* While replaces run back to back, a packet from an address covered by
 * every version of the table is never unclassified. */
struct reader {
	struct es_state *st;
	atomic_bool stop;
	long runs, unclassified, wrong;
};

static void *reader_loop(void *arg)
{
	struct reader *r = arg;
	struct pkt *p = malloc(sizeof(*p));

	build_tcp(p, "192.0.2.77", "203.0.113.10", PKT_TCP_SYN);
	while (!atomic_load(&r->stop)) {
		int pop = tunnelled_to(r->st, p);

		r->runs++;
		if (!pop)
			r->unclassified++;
		else if (pop != 2 && pop != 3)
			r->wrong++;
	}
	free(p);
	return NULL;
}

static void test_replace_under_traffic(void)
{
	struct es_state *st = fleet(0);
	struct es_prefix_spec *v = calloc(20001, sizeof(*v));
	struct reader r = { 0 };
	pthread_t th;

	if (!ASSERT_TRUE(st && v, "fleet"))
		goto out;
	/* 20,000 other prefixes make each rebuild take a while */
	for (int i = 0; i < 20000; i++) {
		v[i].family = ES_AF_INET;
		v[i].len = 24;
		v[i].addr.v4 = htonl(0x0a000000 | (i << 8));
		v[i].steer.action = ES_ACTION_POPS;
		v[i].steer.npops = 1;
		v[i].steer.pops[0] = 4;
	}
	v[20000].family = ES_AF_INET;
	v[20000].len = 24;
	fx_addr("192.0.2.0", &v[20000].addr);
	v[20000].steer.action = ES_ACTION_POPS;
	v[20000].steer.npops = 1;
	v[20000].steer.pops[0] = 2;
	if (!ASSERT_OK(es_prefixes_replace(st, v, 20001), "first replace"))
		goto out;
	r.st = st;
	pthread_create(&th, NULL, reader_loop, &r);
	for (int round = 0; round < 20; round++) {
		v[20000].steer.pops[0] = 2 + round % 2;
		if (!ASSERT_OK(es_prefixes_replace(st, v, 20001), "replace"))
			break;
	}
	atomic_store(&r.stop, true);
	pthread_join(th, NULL);
	fprintf(stdout, "  %ld packets during 20 replaces\n", r.runs);
	ASSERT_TRUE(r.runs > 0, "reader ran");
	ASSERT_EQ(r.unclassified, 0, "packets that saw no prefix");
	ASSERT_EQ(r.wrong, 0, "packets steered to a POP no table version named");
out:
	free(v);
	es_state_close(st);
}

/* A replace that does not validate changes nothing. */
static void test_replace_validates_first(void)
{
	struct es_state *st = fleet(0);
	struct es_prefix_spec v[2] = { 0 };
	struct pkt p;

	if (!ASSERT_TRUE(st, "fleet"))
		return;
	fx_prefix(st, "192.0.2.0/24", ES_ACTION_POPS, (__u16[]){ 2 }, 1);
	v[0].family = ES_AF_INET;
	v[0].len = 24;
	fx_addr("198.18.0.0", &v[0].addr);
	v[0].steer.action = ES_ACTION_LOCAL;
	v[1].family = ES_AF_INET;
	v[1].len = 16;
	fx_addr("198.18.1.0", &v[1].addr);	/* host bits set */
	v[1].steer.action = ES_ACTION_DROP;
	ASSERT_EQ(es_prefixes_replace(st, v, 2), -EINVAL, "bad prefix refused");
	build_tcp(&p, "192.0.2.1", "203.0.113.10", PKT_TCP_SYN);
	ASSERT_EQ(tunnelled_to(st, &p), 2, "old table still live");
	{
		struct es_addr a;

		fx_addr("198.18.0.0", &a);
		ASSERT_EQ(es_prefix_get(st, ES_AF_INET, &a, 24, NULL, NULL), -ENOENT,
			  "nothing of the refused table recorded");
	}
	es_state_close(st);
}

int main(void)
{
	RUN_TEST(test_full_table_fails_loudly);
	RUN_TEST(test_decisions_shared_and_released);
	RUN_TEST(test_transition_and_settle);
	RUN_TEST(test_replace_under_traffic);
	RUN_TEST(test_replace_validates_first);
	return es_test_exit();
}

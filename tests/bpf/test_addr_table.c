// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The VIP and peer address tables (include/edgesteer.h, user/lib/
 * addr_table.c) through the real program: a full table matches every
 * address in it and nothing else, a table that would need more probes
 * than the data path makes is refused whole, and peers follow their
 * configuration.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include "addr_table.h"
#include "fixture.h"
#include "pkt.h"
#include "pops.h"
#include "test.h"
#include "vips.h"

static const __u8 mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const __u8 mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static struct es_state *setup(void)
{
	struct es_state *st = fx_open(0, 0);

	if (!st)
		return NULL;
	/* every client is served here, so a VIP packet says LOCAL_DECISION */
	if (fx_config(st, 1, "198.51.100.1", 6080) ||
	    fx_prefix(st, "0.0.0.0/0", ES_ACTION_LOCAL, NULL, 0) ||
	    fx_prefix(st, "::/0", ES_ACTION_LOCAL, NULL, 0)) {
		es_state_close(st);
		return NULL;
	}
	return st;
}

/* Reason counter the program gave a UDP packet to dst (IPv4, raw). */
static enum es_counter reason_for(struct es_state *st, __be32 dst)
{
	static struct pkt p;
	unsigned char out[256];
	__be32 src = htonl(0xc0000201);	/* 192.0.2.1 */
	__u64 vip0, notvip0;
	size_t out_len;

	pkt_init(&p);
	pkt_eth(&p, mac_a, mac_b);
	pkt_ipv4_raw(&p, &src, &dst, IPPROTO_UDP, NULL, 0);
	pkt_udp(&p, 1000, 53);
	pkt_finish(&p);
	vip0 = fx_counter(st, ES_CNT_LOCAL_DECISION);
	notvip0 = fx_counter(st, ES_CNT_NOT_VIP);
	fx_run(st, p.data, p.len, out, sizeof(out), &out_len);
	if (fx_counter(st, ES_CNT_LOCAL_DECISION) > vip0)
		return ES_CNT_LOCAL_DECISION;
	if (fx_counter(st, ES_CNT_NOT_VIP) > notvip0)
		return ES_CNT_NOT_VIP;
	return ES_CNT_MAX;
}

static void test_full_vip_table(void)
{
	struct es_state *st = setup();
	enum { N = 4096 };
	__u32 zero_hits = 0, stray = 0;

	if (!ASSERT_TRUE(st, "setup"))
		return;
	/* the configuration map's capacity, written directly, then one build */
	for (__u32 i = 0; i < N; i++) {
		struct es_vip_key k = { .family = ES_AF_INET };
		struct es_vip v = { 0 };

		k.addr.v4 = htonl(0xcb007100 + i * 7919);	/* spread over 203.0.113.0/... */
		if (!ASSERT_OK(bpf_map_update_elem(st->vips_fd, &k, &v, BPF_NOEXIST), "record"))
			goto out;
	}
	if (!ASSERT_OK(es_addr_table_publish(st, ES_TABLE_VIPS), "publish 4096 VIPs"))
		goto out;
	for (__u32 i = 0; i < N; i++)
		zero_hits += reason_for(st, htonl(0xcb007100 + i * 7919)) != ES_CNT_LOCAL_DECISION;
	ASSERT_EQ(zero_hits, 0, "VIPs not matched");
	for (__u32 i = 0; i < 20000; i++) {
		__u32 a = 0xcb007100 + i * 7919 + 1 + i % 7000;	/* never a multiple-of-7919 step */

		if ((a - 0xcb007100) % 7919 == 0 && (a - 0xcb007100) / 7919 < N)
			continue;
		stray += reason_for(st, htonl(a)) != ES_CNT_NOT_VIP;
	}
	ASSERT_EQ(stray, 0, "non-VIPs matched");
out:
	es_state_close(st);
}

/* Addresses whose first probe is the same slot: more of them than the data
 * path probes cannot all be placed. */
static void test_probe_limit_refused_whole(void)
{
	struct es_state *st = setup();
	struct es_addr same[ES_ADDR_PROBES + 1];
	struct es_addr a = { 0 };
	__u32 want, found = 0, matched = 0;
	struct es_vip_key *keys = NULL;
	struct es_vip *vals = NULL;
	size_t n = 0;

	if (!ASSERT_TRUE(st, "setup"))
		return;
	a.v4 = htonl(0xcb007100);
	want = es_addr_hash(ES_AF_INET, &a) & (ES_ADDR_SLOTS - 1);
	for (__u32 x = 0xcb007100; found <= ES_ADDR_PROBES; x++) {
		a.v4 = htonl(x);
		if ((es_addr_hash(ES_AF_INET, &a) & (ES_ADDR_SLOTS - 1)) == want)
			same[found++] = a;
	}
	for (__u32 i = 0; i < ES_ADDR_PROBES; i++)
		if (!ASSERT_OK(es_vip_add(st, ES_AF_INET, &same[i], 0, 0), "colliding VIP"))
			goto out;
	ASSERT_EQ(es_vip_add(st, ES_AF_INET, &same[ES_ADDR_PROBES], 0, 0), -ENOSPC,
		  "one probe too many");
	/* nothing changed: the configuration and the live table */
	if (ASSERT_OK(es_vip_list(st, &keys, &vals, &n), "list"))
		ASSERT_EQ(n, ES_ADDR_PROBES, "VIPs configured after the refusal");
	for (__u32 i = 0; i < ES_ADDR_PROBES; i++)
		matched += reason_for(st, same[i].v4) == ES_CNT_LOCAL_DECISION;
	ASSERT_EQ(matched, ES_ADDR_PROBES, "colliding VIPs still matched");
	ASSERT_EQ(reason_for(st, same[ES_ADDR_PROBES].v4), ES_CNT_NOT_VIP, "refused VIP");
	/* and deleting one makes room */
	ASSERT_OK(es_vip_del(st, ES_AF_INET, &same[0], 0, 0), "del");
	ASSERT_OK(es_vip_add(st, ES_AF_INET, &same[ES_ADDR_PROBES], 0, 0), "add after del");
	ASSERT_EQ(reason_for(st, same[ES_ADDR_PROBES].v4), ES_CNT_LOCAL_DECISION, "now matched");
	ASSERT_EQ(reason_for(st, same[0].v4), ES_CNT_NOT_VIP, "deleted VIP");
out:
	free(keys);
	free(vals);
	es_state_close(st);
}

/* An IPIP packet to this POP from src: decapsulated or denied. */
static enum es_counter decap_from(struct es_state *st, const char *src)
{
	static struct pkt outer, inner;
	unsigned char out[256];
	__u64 ok0, denied0;
	size_t out_len;

	pkt_init(&inner);
	pkt_ipv4(&inner, "192.0.2.10", "203.0.113.10", IPPROTO_UDP, NULL, 0);
	pkt_udp(&inner, 1000, 53);
	pkt_finish(&inner);
	pkt_init(&outer);
	pkt_eth(&outer, mac_a, mac_b);
	pkt_ipv4(&outer, src, "198.51.100.1", IPPROTO_IPIP, NULL, 0);
	pkt_inner(&outer, &inner);
	pkt_finish(&outer);
	ok0 = fx_counter(st, ES_CNT_DECAP);
	denied0 = fx_counter(st, ES_CNT_DECAP_DENIED);
	fx_run(st, outer.data, outer.len, out, sizeof(out), &out_len);
	if (fx_counter(st, ES_CNT_DECAP) > ok0)
		return ES_CNT_DECAP;
	if (fx_counter(st, ES_CNT_DECAP_DENIED) > denied0)
		return ES_CNT_DECAP_DENIED;
	return ES_CNT_MAX;
}

static void test_peers_follow_configuration(void)
{
	struct es_state *st = setup();
	struct es_addr peer;

	if (!ASSERT_TRUE(st, "setup"))
		return;
	fx_addr("198.51.100.9", &peer);
	ASSERT_EQ(decap_from(st, "198.51.100.9"), ES_CNT_DECAP_DENIED, "before peer add");
	ASSERT_OK(es_peer_add(st, ES_AF_INET, &peer), "peer add");
	ASSERT_EQ(decap_from(st, "198.51.100.9"), ES_CNT_DECAP, "after peer add");
	ASSERT_EQ(decap_from(st, "198.51.100.8"), ES_CNT_DECAP_DENIED, "a stranger");
	ASSERT_OK(es_peer_del(st, ES_AF_INET, &peer), "peer del");
	ASSERT_EQ(decap_from(st, "198.51.100.9"), ES_CNT_DECAP_DENIED, "after peer del");
	es_state_close(st);
}

int main(void)
{
	RUN_TEST(test_full_vip_table);
	RUN_TEST(test_probe_limit_refused_whole);
	RUN_TEST(test_peers_follow_configuration);
	return es_test_exit();
}

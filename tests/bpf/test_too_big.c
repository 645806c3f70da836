// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN fixtures for packets too big for their tunnel
 * (bpf/too_big.h, bpf/icmp_limit.h).
 *
 * Every answer is compared byte for byte with a frame built here with the
 * packet builder (tests/lib/pkt.h, which computes its own lengths and
 * checksums): MACs swapped, VLAN tags kept, IP header from the VIP to the
 * client, ICMP type, code and MTU field, the quote. On top of that the
 * test sums the IPv4 header, the ICMP message and the ICMPv6 message with
 * its pseudo-header itself, and pkt_verify() walks the frame. Every
 * counter's delta is checked, so a case that answers must not also count
 * a tunnel, and one that is served here must not have answered.
 *
 * The rate limit is checked with exact counts: the test writes the
 * per-CPU buckets itself (a refill stamp in the future earns nothing, so
 * no refill can happen during a run, however slow the machine).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "edgesteer.skel.h"
#include "fixture.h"
#include "pkt.h"
#include "stats.h"
#include "test.h"

#define GUE_PORT	6080
#define P_ICMP		1
#define P_TCP		6
#define P_UDP		17
#define P_ICMPV6	58

#define SELF4		"192.0.2.1"
#define SELF6		"2001:db8:ff::1"
#define VIP4		"198.51.100.10"
#define VIP6		"2001:db8:100::10"

static const uint8_t MAC_NIC[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t MAC_ROUTER[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe };
static const uint8_t MAC_MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t MAC_POP_S[6] = { 0x02, 0x5a, 0, 0, 0, 0x01 };
static const uint8_t MAC_POP_D[6] = { 0x02, 0xda, 0, 0, 0, 0x01 };

/* POPs: clients 10.<id>.0.0/16 and 2001:db8:<id>::/48 go to POP <id>. */
static const struct popd {
	uint16_t id;
	const char *name;
	uint8_t encap;
	const char *endpoint, *source;
	uint16_t mtu;
	uint32_t ifindex;	/* 1: lo, which test_run receives on (XDP_TX) */
	unsigned int overhead;
} POPS[] = {
	{ 2, "ipip4", ES_ENCAP_IPIP, "203.0.113.2", SELF4, 1400, 7, 20 },
	{ 3, "ipip6", ES_ENCAP_IPIP, "2001:db8:ff::3", SELF6, 1400, 7, 40 },
	{ 4, "gue4", ES_ENCAP_GUE, "203.0.113.4", SELF4, 1400, 7, 28 },
	{ 5, "gue6", ES_ENCAP_GUE, "2001:db8:ff::5", SELF6, 1400, 7, 48 },
	{ 6, "small6", ES_ENCAP_IPIP, "2001:db8:ff::6", SELF6, 1280, 7, 40 },
	{ 7, "dev", ES_ENCAP_IPIP, "203.0.113.7", SELF4, 0, 1, 20 },
	{ 8, "small4", ES_ENCAP_IPIP, "203.0.113.8", SELF4, 1000, 7, 20 },
	{ 9, "tiny4", ES_ENCAP_IPIP, "203.0.113.9", SELF4, 560, 7, 20 },	/* below the CLI's 576 */
};
#define NPOPS (sizeof(POPS) / sizeof(POPS[0]))

static struct es_state *g_st;
static int g_bucket_fd;

static const struct popd *pop(uint16_t id)
{
	for (size_t i = 0; i < NPOPS; i++)
		if (POPS[i].id == id)
			return &POPS[i];
	abort();
}

/* ---- input frames ------------------------------------------------------------ */

enum { L4_UDP, L4_TCP, L4_ICMP_ERR, L4_ECHO };

struct spec {
	int fam;		/* 4 / 6 */
	uint16_t pop;		/* client 10.<pop>.0.9 / 2001:db8:<pop>::9 */
	size_t l3_len;		/* the whole IP packet */
	bool df;		/* IPv4 */
	int l4;
	int vlans;		/* 0..2 */
	bool ip_opts;		/* IPv4: 8 bytes of options */
	bool later_frag;	/* IPv4: offset 800 */
	bool first_frag;	/* IPv4: offset 0, more fragments */
	uint16_t ip_id;		/* IPv4 identification, 0: 0x4242 */
	const uint8_t *dmac;	/* NULL: MAC_NIC */
	uint16_t sport;
};

static char g_client[64];

static const char *client(const struct spec *s)
{
	if (s->fam == 4)
		snprintf(g_client, sizeof(g_client), "10.%u.0.9", s->pop);
	else
		snprintf(g_client, sizeof(g_client), "2001:db8:%x::9", s->pop);
	return g_client;
}

static void add_vlans(struct pkt *p, int n)
{
	if (n == 1)
		pkt_vlan(p, 0x8100, 0xa064);
	if (n == 2) {
		pkt_vlan(p, 0x88a8, 0x00c8);
		pkt_vlan(p, 0x8100, 0x2064);
	}
}

static void build_in(struct pkt *p, const struct spec *s)
{
	static const uint8_t opts[8] = { 0x94, 0x04, 0, 0, 0x01, 0x01, 0x01, 0x00 };
	size_t ip_hdr = s->fam == 4 ? 20 + (s->ip_opts ? 8 : 0) : 40, l4_hdr;
	uint8_t proto;

	switch (s->l4) {
	case L4_TCP:
		proto = P_TCP;
		l4_hdr = 20;
		break;
	case L4_UDP:
		proto = P_UDP;
		l4_hdr = 8;
		break;
	default:
		proto = s->fam == 4 ? P_ICMP : P_ICMPV6;
		l4_hdr = 8;
		break;
	}
	if (s->later_frag)
		l4_hdr = 0;
	pkt_init(p);
	pkt_eth(p, s->dmac ? s->dmac : MAC_NIC, MAC_ROUTER);
	add_vlans(p, s->vlans);
	if (s->fam == 4) {
		pkt_ipv4(p, client(s), VIP4, proto, s->ip_opts ? opts : NULL, s->ip_opts ? 8 : 0);
		pkt_ipv4_id(p, s->ip_id ? s->ip_id : 0x4242);
		pkt_ipv4_frag(p, (s->df ? PKT_IP_DF : 0) | (s->later_frag ? 100 : 0) |
				 (s->first_frag ? PKT_IP_MF : 0));
	} else {
		pkt_ipv6(p, client(s), VIP6, proto);
		pkt_ipv6_flowlabel(p, 0x12345);
	}
	pkt_ip_tos(p, 0x28);
	if (!s->later_frag) {
		switch (s->l4) {
		case L4_TCP:
			pkt_tcp(p, s->sport, 443, PKT_TCP_ACK);
			break;
		case L4_UDP:
			pkt_udp(p, s->sport, 443);
			break;
		case L4_ICMP_ERR:	/* destination / address unreachable */
			pkt_icmp(p, s->fam == 4 ? 3 : 1, s->fam == 4 ? 1 : 3, 0);
			break;
		default:
			pkt_icmp_echo(p, false, s->sport, 1);
			break;
		}
	}
	pkt_pattern(p, s->l3_len - ip_hdr - l4_hdr, (uint8_t)s->sport);
	pkt_finish(p);
}

/* The answer the edge must send for input in: quote as RFC 1812 (576
 * bytes in all) and RFC 4443 (1280) allow. */
static void build_answer(struct pkt *w, const struct pkt *in, const struct spec *s,
			 uint32_t mtu_field)
{
	size_t l3_len = in->end - in->l3_off;
	size_t quote_max = s->fam == 4 ? 576 - 28 : 1280 - 48;
	size_t quote = l3_len < quote_max ? l3_len : quote_max;

	pkt_init(w);
	pkt_eth(w, MAC_ROUTER, s->dmac ? s->dmac : MAC_NIC);
	add_vlans(w, s->vlans);
	if (s->fam == 4) {
		pkt_ipv4(w, VIP4, client(s), P_ICMP, NULL, 0);
		pkt_ip_tos(w, 0xc0);
		pkt_ipv4_id(w, 0);
		pkt_icmp(w, 3, 4, mtu_field);		/* 16 unused bits, 16-bit MTU */
	} else {
		pkt_ipv6(w, VIP6, client(s), P_ICMPV6);
		pkt_icmp(w, 2, 0, mtu_field);
	}
	pkt_ip_ttl(w, 64);
	pkt_payload(w, in->data + in->l3_off, quote);
	pkt_finish(w);
}

/* ---- running frames and counters ------------------------------------------- */

static struct {
	int verdict;
	size_t len;
	uint8_t data[PKT_MAX_LEN + 4096];
} R;

struct snap {
	__u64 c[ES_CNT_MAX];
	__u64 pop[8];
};

static void snap_take(struct snap *s)
{
	for (int c = 0; c < ES_CNT_MAX; c++)
		s->c[c] = fx_counter(g_st, c);
	for (int p = 0; p < 8; p++)
		s->pop[p] = fx_pop_packets(g_st, (__u16)p);
}

/* Counters not about sizes, left to their own tests (test_datapath.c). */
static bool other_event(int c)
{
	return c == ES_CNT_FRAGMENT;
}

/* Every counter rose by exactly want[c] (verdict and reason: n each). */
static void check_counts(const struct snap *a, const struct snap *b, int verdict_cnt, int reason,
			 long long n, int tunnel_pop, const char *what)
{
	for (int c = 0; c < ES_CNT_MAX; c++) {
		long long want = (c == verdict_cnt ? n : 0) + (c == reason ? n : 0);
		long long got = (long long)(b->c[c] - a->c[c]);

		if (got != want && !other_event(c)) {
			es_test_failures++;
			fprintf(stdout, "  %s: counter %s rose by %lld, want %lld\n", what,
				es_counter_name(c), got, want);
		}
	}
	for (int p = 0; p < 8; p++) {
		long long want = p == tunnel_pop ? n : 0;
		long long got = (long long)(b->pop[p] - a->pop[p]);

		if (got != want) {
			es_test_failures++;
			fprintf(stdout, "  %s: POP %d rose by %lld, want %lld\n", what, p, got, want);
		}
	}
}

static int run(const struct pkt *in)
{
	R.len = 0;
	R.verdict = fx_run(g_st, in->data, in->len, R.data, sizeof(R.data), &R.len);
	return R.verdict;
}

/* The test's own sums over the answer in R (not the builder's). */
static void check_sums(const struct spec *s, const char *what)
{
	size_t l3 = 14 + 4 * (size_t)s->vlans;
	const uint8_t *ip = R.data + l3;

	if (R.len < l3 + (s->fam == 4 ? 28 : 48)) {
		ASSERT_TRUE(false, what);
		return;
	}
	if (s->fam == 4) {
		ASSERT_EQ(pkt_csum(ip, 20, 0), 0, "IPv4 header checksum");
		ASSERT_EQ(pkt_csum(ip + 20, R.len - l3 - 20, 0), 0, "ICMP checksum");
	} else {
		size_t len = R.len - l3 - 40;
		uint8_t tail[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
				    (uint8_t)len, 0, 0, 0, P_ICMPV6 };
		uint32_t pseudo = pkt_csum_partial(ip + 8, 32, 0);	/* source, destination */

		pseudo = pkt_csum_partial(tail, sizeof(tail), pseudo);
		ASSERT_EQ(pkt_csum(ip + 40, len, pseudo), 0, "ICMPv6 checksum");
	}
}

/* A packet that must be answered with mtu_field; everything checked. */
static void answered(const struct spec *s, uint32_t mtu_field, const char *what)
{
	static struct pkt in, want;
	struct snap a, b;

	build_in(&in, s);
	snap_take(&a);
	run(&in);
	snap_take(&b);
	if (!ASSERT_EQ(R.verdict, XDP_TX, what))
		fprintf(stdout, "  (%s)\n", what);
	check_counts(&a, &b, ES_CNT_VERDICT_TX, ES_CNT_ICMP_TOO_BIG, 1, -1, what);
	build_answer(&want, &in, s, mtu_field);
	ASSERT_PKT_EQ(R.data, R.len, want.data, want.len, what);
	ASSERT_PKT_VALID(R.data, R.len, GUE_PORT, what);
	check_sums(s, what);
}

/* A packet served here (XDP_PASS), untouched. */
static void served_here(const struct spec *s, int reason, const char *what)
{
	static struct pkt in;
	struct snap a, b;

	build_in(&in, s);
	snap_take(&a);
	run(&in);
	snap_take(&b);
	ASSERT_EQ(R.verdict, XDP_PASS, what);
	check_counts(&a, &b, ES_CNT_VERDICT_PASS, reason, 1, -1, what);
	ASSERT_PKT_EQ(R.data, R.len, in.data, in.len, what);
}

/* A packet that fits: tunnelled (checked in full by test_datapath.c). */
static void tunnelled(const struct spec *s, const char *what)
{
	static struct pkt in;
	const struct popd *p = pop(s->pop);
	int verdict = p->ifindex == 1 ? XDP_TX : XDP_REDIRECT;
	struct snap a, b;

	build_in(&in, s);
	snap_take(&a);
	run(&in);
	snap_take(&b);
	ASSERT_EQ(R.verdict, verdict, what);
	check_counts(&a, &b, verdict == XDP_TX ? ES_CNT_VERDICT_TX : ES_CNT_VERDICT_REDIRECT,
		     ES_CNT_TUNNEL, 1, s->pop, what);
	ASSERT_EQ(R.len, in.len + p->overhead, "tunnelled frame length");
}

/* ---- the rate limit's buckets -------------------------------------------- */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns()'s clock */
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void buckets_set(__u64 tokens, __u64 last_ns)
{
	struct es_icmp_bucket *v = calloc((size_t)g_st->ncpus, sizeof(*v));
	__u32 zero = 0;

	if (!v)
		abort();
	for (int i = 0; i < g_st->ncpus; i++)
		v[i] = (struct es_icmp_bucket){ .tokens = tokens, .last_ns = last_ns };
	if (bpf_map_update_elem(g_bucket_fd, &zero, v, BPF_ANY))
		ASSERT_OK(-errno, "bucket update");
	free(v);
}

/* The bucket of the CPU that ran the last packet: the one that changed
 * from what buckets_set() wrote. */
static bool bucket_changed(__u64 tokens, __u64 last_ns, struct es_icmp_bucket *out)
{
	struct es_icmp_bucket *v = calloc((size_t)g_st->ncpus, sizeof(*v));
	__u32 zero = 0;
	int found = 0;

	if (!v)
		abort();
	if (!bpf_map_lookup_elem(g_bucket_fd, &zero, v))
		for (int i = 0; i < g_st->ncpus; i++)
			if (v[i].tokens != tokens || v[i].last_ns != last_ns) {
				*out = v[i];
				found++;
			}
	free(v);
	return ASSERT_EQ(found, 1, "buckets changed");
}

static void config_set(__u32 rate, __u32 burst)
{
	struct es_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(g_st->config_fd, &zero, &cfg))
		abort();
	cfg.icmp_rate = rate;
	cfg.icmp_burst = burst;
	if (bpf_map_update_elem(g_st->config_fd, &zero, &cfg, BPF_ANY))
		abort();
}

/* ---- the cases ------------------------------------------------------------ */

static void test_ipv4_df(void)
{
	/* room = MTU 1400 - encapsulation: 1380 IPIP, 1372 GUE, 1360 4in6 */
	static const struct { uint16_t pop; unsigned int room; } t[] = {
		{ 2, 1380 }, { 4, 1372 }, { 3, 1360 }, { 5, 1352 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct spec s = { .fam = 4, .pop = t[i].pop, .df = true, .l4 = L4_TCP,
				  .sport = (uint16_t)(1000 + i) };
		char what[96];

		s.l3_len = t[i].room;
		snprintf(what, sizeof(what), "%s: ipv4 DF %zu fits", pop(s.pop)->name, s.l3_len);
		tunnelled(&s, what);
		s.l3_len = t[i].room + 1;
		snprintf(what, sizeof(what), "%s: ipv4 DF %zu: frag needed, mtu %u",
			 pop(s.pop)->name, s.l3_len, t[i].room);
		answered(&s, t[i].room, what);
	}
	/* options are quoted as they are; UDP and echo alike */
	answered(&(struct spec){ .fam = 4, .pop = 2, .df = true, .l4 = L4_UDP, .ip_opts = true,
				 .l3_len = 1480, .sport = 1100 }, 1380, "ipip4: DF with options");
	answered(&(struct spec){ .fam = 4, .pop = 2, .df = true, .l4 = L4_ECHO, .l3_len = 1500,
				 .sport = 1101 }, 1380, "ipip4: DF echo request");
}

static void test_ipv4_no_df(void)
{
	for (uint16_t id = 2; id <= 5; id++) {
		struct spec s = { .fam = 4, .pop = id, .l4 = L4_UDP, .l3_len = 1500,
				  .sport = (uint16_t)(1200 + id) };

		served_here(&s, ES_CNT_LOCAL_TOO_BIG, "ipv4 without DF: served here");
	}
}

/* A datagram whose first fragment is too big for the tunnel is served
 * here whole: its small last fragment must not be tunnelled away from
 * the first (neither end could reassemble it). */
static void test_fragments_stay_together(void)
{
	struct spec first = { .fam = 4, .pop = 2, .l4 = L4_UDP, .l3_len = 1500,
			      .first_frag = true, .ip_id = 0x7001, .sport = 1301 };
	struct spec last = { .fam = 4, .pop = 2, .l4 = L4_UDP, .l3_len = 200,
			     .later_frag = true, .ip_id = 0x7001 };
	struct spec other = last;
	struct spec elsewhere = last;

	other.ip_id = 0x7002;		/* no sibling too big: tunnelled */
	elsewhere.pop = 4;		/* same ID from another client */
	tunnelled(&last, "a small fragment before any too-big sibling");
	served_here(&first, ES_CNT_LOCAL_TOO_BIG, "too-big first fragment: served here");
	served_here(&last, ES_CNT_LOCAL_TOO_BIG, "its last fragment follows it here");
	served_here(&last, ES_CNT_LOCAL_TOO_BIG, "and again (a retransmission)");
	tunnelled(&other, "another datagram's fragment");
	tunnelled(&elsewhere, "the same ID from another client");
}

static void test_ipv6(void)
{
	/* room 1360 6in6, 1352 GUE/6, 1380 6in4, 1372 GUE/4 */
	static const struct { uint16_t pop; unsigned int room; } t[] = {
		{ 3, 1360 }, { 5, 1352 }, { 2, 1380 }, { 4, 1372 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct spec s = { .fam = 6, .pop = t[i].pop, .l4 = L4_TCP,
				  .sport = (uint16_t)(1300 + i) };
		char what[96];

		s.l3_len = t[i].room;
		snprintf(what, sizeof(what), "%s: ipv6 %zu fits", pop(s.pop)->name, s.l3_len);
		tunnelled(&s, what);
		s.l3_len = t[i].room + 1;
		snprintf(what, sizeof(what), "%s: ipv6 %zu: packet too big, mtu %u",
			 pop(s.pop)->name, s.l3_len, t[i].room);
		answered(&s, t[i].room, what);
	}
	/* 1280 - 40 = 1240 of room: the answer may not ask for less than 1280 */
	answered(&(struct spec){ .fam = 6, .pop = 6, .l4 = L4_UDP, .l3_len = 1241, .sport = 1310 },
		 1280, "small6: room 1240, mtu field 1280");
	/* a quote shorter than the limit: the whole packet */
	answered(&(struct spec){ .fam = 6, .pop = 6, .l4 = L4_UDP, .l3_len = 1281, .sport = 1311 },
		 1280, "small6: 1281 bytes, quote 1232");
	answered(&(struct spec){ .fam = 6, .pop = 3, .l4 = L4_ECHO, .l3_len = 1500, .sport = 1312 },
		 1360, "ipip6: echo request");
}

/* Quotes of an odd length: the last byte is summed padded with a zero. */
static void test_odd_quote(void)
{
	answered(&(struct spec){ .fam = 6, .pop = 8, .l4 = L4_UDP, .l3_len = 1001, .sport = 1320 },
		 1280, "small4: ipv6 of 1001 bytes, all quoted");
	answered(&(struct spec){ .fam = 4, .pop = 9, .df = true, .l4 = L4_UDP, .l3_len = 541,
				 .sport = 1321 }, 540, "tiny4: ipv4 DF of 541 bytes, all quoted");
}

static void test_vlan_tags_kept(void)
{
	for (int tags = 1; tags <= 2; tags++) {
		answered(&(struct spec){ .fam = 4, .pop = 2, .df = true, .l4 = L4_TCP, .vlans = tags,
					 .l3_len = 1500, .sport = (uint16_t)(1400 + tags) },
			 1380, tags == 1 ? "ipv4, 802.1Q tag" : "ipv4, 802.1ad + 802.1Q tags");
		answered(&(struct spec){ .fam = 6, .pop = 5, .l4 = L4_UDP, .vlans = tags,
					 .l3_len = 1500, .sport = (uint16_t)(1410 + tags) },
			 1352, tags == 1 ? "ipv6, 802.1Q tag" : "ipv6, 802.1ad + 802.1Q tags");
	}
}

/* Multi-buffer frames (test_run puts what passes ~3.5 KB in frags): the
 * quote comes from the linear part and the frags are dropped. */
static void test_jumbo(void)
{
	answered(&(struct spec){ .fam = 4, .pop = 2, .df = true, .l4 = L4_UDP, .l3_len = 9000,
				 .sport = 1500 }, 1380, "ipv4 DF, 9000 bytes multi-buffer");
	answered(&(struct spec){ .fam = 6, .pop = 3, .l4 = L4_TCP, .l3_len = 9000, .vlans = 2,
				 .sport = 1501 }, 1360, "ipv6, 9000 bytes multi-buffer, 2 tags");
}

/*
 * Multi-buffer frames whose linear part holds little more than the headers
 * (drivers that split headers from data; test_run makes one when the
 * xdp_md's data_end is below the frame's length, since Linux 6.18). The
 * answer is the same frame as from a linear one: a quote cut to the linear
 * part was an IP header and 4 bytes of ICMP, which no stack accepts.
 * Returns false when this kernel's test_run cannot set the linear size.
 */
static bool answered_linear(const struct spec *s, uint32_t mtu_field, size_t linear,
			    const char *what)
{
	static struct pkt in, want;
	struct xdp_md ctx = { .data_end = 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .data_out = R.data, .data_size_out = sizeof(R.data), .repeat = 1);
	struct snap a, b;

	build_in(&in, s);
	ctx.data_end = (__u32)linear;
	opts.data_in = in.data;
	opts.data_size_in = (__u32)in.len;
	snap_take(&a);
	if (bpf_prog_test_run_opts(g_st->prog_fd, &opts))
		return errno != EINVAL && ASSERT_OK(-errno, what);
	snap_take(&b);
	R.verdict = (int)opts.retval;
	R.len = opts.data_size_out;
	ASSERT_EQ(R.verdict, XDP_TX, what);
	check_counts(&a, &b, ES_CNT_VERDICT_TX, ES_CNT_ICMP_TOO_BIG, 1, -1, what);
	build_answer(&want, &in, s, mtu_field);
	ASSERT_PKT_EQ(R.data, R.len, want.data, want.len, what);
	ASSERT_PKT_VALID(R.data, R.len, GUE_PORT, what);
	check_sums(s, what);
	return true;
}

static void test_small_linear(void)
{
	/* linear: link header + what parse needs (IP, 4 bytes of ICMP; UDP,
	 * TCP headers), then odd and even counts of quoted bytes in it,
	 * which decide whether the frags' sum continues an odd word */
	static const struct { struct spec s; uint32_t mtu; size_t extra; const char *what; } t[] = {
		{ { .fam = 4, .pop = 2, .df = true, .l4 = L4_ECHO, .l3_len = 1500, .sport = 1700 },
		  1380, 0, "ipv4 echo, linear to 4 bytes of ICMP" },
		{ { .fam = 4, .pop = 2, .df = true, .l4 = L4_UDP, .l3_len = 1500, .sport = 1701 },
		  1380, 1, "ipv4 UDP, linear to 1 byte after UDP (odd)" },
		{ { .fam = 4, .pop = 4, .df = true, .l4 = L4_TCP, .l3_len = 1400, .ip_opts = true,
		    .vlans = 1, .sport = 1702 }, 1372, 2, "ipv4 TCP, options, 1 tag, even" },
		{ { .fam = 6, .pop = 3, .l4 = L4_ECHO, .l3_len = 1500, .sport = 1703 },
		  1360, 0, "ipv6 echo, linear to 4 bytes of ICMPv6" },
		{ { .fam = 6, .pop = 5, .l4 = L4_TCP, .l3_len = 1500, .vlans = 2, .sport = 1704 },
		  1352, 3, "ipv6 TCP, 2 tags, odd" },
		{ { .fam = 6, .pop = 6, .l4 = L4_UDP, .l3_len = 1241, .sport = 1705 },
		  1280, 501, "ipv6 UDP of 1241 bytes, 549 of them linear" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct spec *s = &t[i].s;
		size_t l3_off = 14 + 4 * (size_t)s->vlans;
		size_t ip_hdr = s->fam == 4 ? 20 + (s->ip_opts ? 8 : 0) : 40;
		size_t l4_need = s->l4 == L4_TCP ? 20 : s->l4 == L4_UDP ? 8 : 4;

		if (!answered_linear(s, t[i].mtu, l3_off + ip_hdr + l4_need + t[i].extra,
				     t[i].what)) {
			es_test_skip("test_run sets no linear size before Linux 6.18");
			return;
		}
	}
}

/* RFC 1122 3.2.2, RFC 4443 2.4(e): no ICMP error about these. */
static void test_never_answered(void)
{
	served_here(&(struct spec){ .fam = 4, .pop = 2, .df = true, .l4 = L4_ICMP_ERR,
				    .l3_len = 1500, .sport = 1600 },
		    ES_CNT_LOCAL_TOO_BIG, "ipv4: an ICMP error");
	served_here(&(struct spec){ .fam = 6, .pop = 3, .l4 = L4_ICMP_ERR, .l3_len = 1500,
				    .sport = 1601 },
		    ES_CNT_LOCAL_TOO_BIG, "ipv6: an ICMPv6 error");
	served_here(&(struct spec){ .fam = 4, .pop = 2, .df = true, .l4 = L4_UDP,
				    .later_frag = true, .l3_len = 1500, .sport = 1602 },
		    ES_CNT_LOCAL_TOO_BIG, "ipv4: a later fragment");
	served_here(&(struct spec){ .fam = 4, .pop = 2, .df = true, .l4 = L4_UDP, .l3_len = 1500,
				    .dmac = MAC_MCAST, .sport = 1603 },
		    ES_CNT_LOCAL_TOO_BIG, "ipv4: link-layer multicast");
	served_here(&(struct spec){ .fam = 6, .pop = 3, .l4 = L4_UDP, .l3_len = 1500,
				    .dmac = MAC_MCAST, .sport = 1604 },
		    ES_CNT_LOCAL_TOO_BIG, "ipv6: link-layer multicast");
}

/* Rate 0: nothing is ever sent; every too-big packet is dropped and
 * counted as suppressed. */
static void test_rate_zero(void)
{
	static struct pkt in;
	struct snap a, b;
	int tx = 0;

	config_set(0, ES_ICMP_BURST_DEFAULT);
	buckets_set(0, 0);
	build_in(&in, &(struct spec){ .fam = 4, .pop = 2, .df = true, .l4 = L4_UDP,
				      .l3_len = 1500, .sport = 1700 });
	snap_take(&a);
	for (int i = 0; i < 5; i++)
		tx += run(&in) == XDP_TX;
	build_in(&in, &(struct spec){ .fam = 6, .pop = 3, .l4 = L4_UDP, .l3_len = 1500,
				      .sport = 1701 });
	for (int i = 0; i < 5; i++)
		tx += run(&in) == XDP_TX;
	snap_take(&b);
	ASSERT_EQ(tx, 0, "answers sent at rate 0");
	check_counts(&a, &b, ES_CNT_VERDICT_DROP, ES_CNT_ICMP_RATE_LIMITED, 10, -1, "rate 0");
	config_set(ES_ICMP_RATE_DEFAULT, ES_ICMP_BURST_DEFAULT);
}

/* A full bucket of 3 and no refill: 3 answers, then 7 suppressed. */
static void test_burst(void)
{
	static struct pkt in;
	struct snap a, b, c;
	int tx = 0, drop = 0;

	config_set(1, 3);
	buckets_set(3, now_ns() + 3600ull * 1000000000ull);
	snap_take(&a);
	for (int i = 0; i < 10; i++) {
		build_in(&in, &(struct spec){ .fam = i % 2 ? 6 : 4, .pop = 2, .df = true,
					      .l4 = L4_UDP, .l3_len = 1500,
					      .sport = (uint16_t)(1800 + i) });
		run(&in);
		tx += R.verdict == XDP_TX;
		drop += R.verdict == XDP_DROP;
		if (i == 2)
			snap_take(&b);
	}
	snap_take(&c);
	ASSERT_EQ(tx, 3, "answers sent from a bucket of 3");
	ASSERT_EQ(drop, 7, "packets suppressed");
	check_counts(&a, &b, ES_CNT_VERDICT_TX, ES_CNT_ICMP_TOO_BIG, 3, -1, "the burst");
	check_counts(&b, &c, ES_CNT_VERDICT_DROP, ES_CNT_ICMP_RATE_LIMITED, 7, -1, "after it");

	/* a burst lowered below what a bucket holds caps it */
	config_set(1, 2);
	buckets_set(40, now_ns() + 3600ull * 1000000000ull);
	snap_take(&a);
	for (int i = 0; i < 5; i++) {
		build_in(&in, &(struct spec){ .fam = 4, .pop = 2, .df = true, .l4 = L4_UDP,
					      .l3_len = 1500, .sport = (uint16_t)(1820 + i) });
		run(&in);
	}
	snap_take(&b);
	ASSERT_EQ(b.c[ES_CNT_ICMP_TOO_BIG] - a.c[ES_CNT_ICMP_TOO_BIG], 2, "answers, burst 2");
	ASSERT_EQ(b.c[ES_CNT_ICMP_RATE_LIMITED] - a.c[ES_CNT_ICMP_RATE_LIMITED], 3, "suppressed");
	config_set(ES_ICMP_RATE_DEFAULT, ES_ICMP_BURST_DEFAULT);
	buckets_set(0, 0);
}

/* Refill: whole tokens for the time elapsed, the stamp moved on by exactly
 * the time they are worth (fractions are kept). Bounds from the clock read
 * before and after the run, so a slow run cannot fail it. */
static void test_refill(void)
{
	static struct pkt in;
	struct es_icmp_bucket got;
	const __u64 sec = 1000000000ull;
	__u64 t0, t1, stamp, lo, hi;

	build_in(&in, &(struct spec){ .fam = 4, .pop = 2, .df = true, .l4 = L4_UDP,
				      .l3_len = 1500, .sport = 1900 });

	/* empty, idle for 100 s at 1/s, burst 4: full again, one taken */
	config_set(1, 4);
	t0 = now_ns();
	stamp = t0 - 100 * sec;
	buckets_set(0, stamp);
	ASSERT_EQ(run(&in), XDP_TX, "refilled after 100 s");
	t1 = now_ns();
	if (bucket_changed(0, stamp, &got)) {
		ASSERT_EQ(got.tokens, 3, "tokens after a full refill and one answer");
		ASSERT_TRUE(got.last_ns >= t0 && got.last_ns <= t1, "a full bucket's stamp is now");
	}

	/* empty, 2.25 s at 2/s: 4 tokens (+1 per half second the run is late) */
	config_set(2, 10);
	t0 = now_ns();
	stamp = t0 - 2250 * 1000000ull;
	buckets_set(0, stamp);
	ASSERT_EQ(run(&in), XDP_TX, "refilled after 2.25 s");
	t1 = now_ns();
	lo = (t0 - stamp) * 2 / sec;
	hi = (t1 - stamp) * 2 / sec;
	if (bucket_changed(0, stamp, &got)) {
		__u64 added = got.tokens + 1;

		ASSERT_TRUE(added >= lo && added <= hi, "whole tokens earned");
		ASSERT_EQ(got.last_ns, stamp + added * sec / 2, "stamp moved by their worth");
	}

	/* a stamp in the future earns nothing: empty stays empty */
	buckets_set(0, now_ns() + 3600 * sec);
	ASSERT_EQ(run(&in), XDP_DROP, "no refill from a future stamp");
	config_set(ES_ICMP_RATE_DEFAULT, ES_ICMP_BURST_DEFAULT);
	buckets_set(0, 0);
}

/* A fresh bucket starts full: the default burst is there at once. */
static void test_fresh_bucket(void)
{
	static struct pkt in;

	buckets_set(0, 0);
	build_in(&in, &(struct spec){ .fam = 6, .pop = 3, .l4 = L4_UDP, .l3_len = 1500,
				      .sport = 1950 });
	ASSERT_EQ(run(&in), XDP_TX, "first too-big packet on a fresh bucket");
}

/* Every truncation of a too-big frame: malformed (dropped, counted) or a
 * consistent shorter packet, never a crash or an answer with a wrong sum. */
static void test_truncated(void)
{
	static struct pkt in;

	for (int fam = 4; fam <= 6; fam += 2) {
		build_in(&in, &(struct spec){ .fam = fam, .pop = 2, .df = true, .l4 = L4_TCP,
					      .vlans = 1, .l3_len = 1500, .sport = 2000 });
		for (size_t len = 0; len < in.len; len += 7) {
			struct snap a, b;
			int v;

			buckets_set(0, 0);
			snap_take(&a);
			v = fx_run(g_st, in.data, len, R.data, sizeof(R.data), &R.len);
			snap_take(&b);
			if (v == -EINVAL && len < 14)
				continue;	/* test_run wants an Ethernet header */
			if (!ASSERT_TRUE(v == XDP_DROP || v == XDP_PASS, "verdict of a cut frame") ||
			    !ASSERT_EQ(b.c[ES_CNT_ICMP_TOO_BIG], a.c[ES_CNT_ICMP_TOO_BIG],
				       "no answer to a cut frame")) {
				fprintf(stdout, "  ipv%d cut to %zu: verdict %d\n", fam, len, v);
				return;
			}
		}
	}
}

/* Tunnel MTU 0: the egress interface's, asked only above 1280 bytes.
 * In a fresh namespace, where the POP's interface, lo, gets our MTU. */
static int lo_mtu(int mtu)
{
	struct ifreq ifr = { .ifr_mtu = mtu };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCSIFMTU, &ifr))
		err = -errno;
	close(fd);
	return err;
}

static void test_interface_mtu(void)
{
	int saved = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	if (saved < 0 || unshare(CLONE_NEWNET)) {
		es_test_skip("cannot enter a fresh network namespace");
		if (saved >= 0)
			close(saved);
		return;
	}
	if (!ASSERT_OK(lo_mtu(1300), "lo mtu 1300"))
		goto out;
	tunnelled(&(struct spec){ .fam = 4, .pop = 7, .df = true, .l4 = L4_UDP, .l3_len = 1280,
				  .sport = 2100 }, "dev mtu 1300: 1280 + 20 fits");
	answered(&(struct spec){ .fam = 4, .pop = 7, .df = true, .l4 = L4_UDP, .l3_len = 1281,
				 .sport = 2101 }, 1280, "dev mtu 1300: 1281 + 20, frag needed 1280");
	answered(&(struct spec){ .fam = 6, .pop = 7, .l4 = L4_UDP, .l3_len = 1400,
				 .sport = 2102 }, 1280, "dev mtu 1300: ipv6 1400, too big 1280");

	/* up to 1280 bytes once encapsulated the interface is not asked:
	 * even a (nonsensical) 1000-byte MTU lets it through */
	if (!ASSERT_OK(lo_mtu(1000), "lo mtu 1000"))
		goto out;
	tunnelled(&(struct spec){ .fam = 4, .pop = 7, .df = true, .l4 = L4_UDP, .l3_len = 1260,
				  .sport = 2103 }, "dev mtu 1000: 1260 + 20 not checked");
	answered(&(struct spec){ .fam = 4, .pop = 7, .df = true, .l4 = L4_UDP, .l3_len = 1261,
				 .sport = 2104 }, 980, "dev mtu 1000: 1261 + 20, frag needed 980");
out:
	if (setns(saved, CLONE_NEWNET))
		ASSERT_OK(-errno, "setns back");
	close(saved);
}

static bool setup(void)
{
	__u32 lo = 1;
	int err = 0;

	g_st = fx_open(0, 0);
	if (!g_st)
		return false;
	g_bucket_fd = bpf_map__fd(g_st->skel->maps.icmp_bucket);
	err = err ?: fx_config(g_st, 1, SELF4, GUE_PORT);
	for (size_t i = 0; i < NPOPS && !err; i++) {
		const struct popd *p = &POPS[i];
		uint16_t id = p->id;
		char cidr[64];

		err = fx_pop_tunnel(g_st, id, p->name, p->endpoint, p->source, p->encap, p->mtu,
				    p->ifindex, MAC_POP_S, MAC_POP_D);
		snprintf(cidr, sizeof(cidr), "10.%u.0.0/16", id);
		err = err ?: fx_prefix(g_st, cidr, ES_ACTION_POPS, &id, 1);
		snprintf(cidr, sizeof(cidr), "2001:db8:%x::/48", id);
		err = err ?: fx_prefix(g_st, cidr, ES_ACTION_POPS, &id, 1);
	}
	err = err ?: fx_vip(g_st, VIP4, 0, 0);
	err = err ?: fx_vip(g_st, VIP6, 0, 0);
	if (!err && bpf_map_update_elem(g_st->egress_fd, &lo, &lo, BPF_ANY))
		err = -errno;
	if (err)
		fprintf(stdout, "setup: %s\n", strerror(-err));
	return !err;
}

int main(void)
{
	es_test_require_root("test_too_big");
	if (!setup()) {
		fprintf(stdout, "FAIL setup\n");
		es_state_close(g_st);
		return 1;
	}
	RUN_TEST(test_ipv4_df);
	RUN_TEST(test_ipv4_no_df);
	RUN_TEST(test_ipv6);
	RUN_TEST(test_odd_quote);
	RUN_TEST(test_vlan_tags_kept);
	RUN_TEST(test_jumbo);
	RUN_TEST(test_small_linear);
	RUN_TEST(test_never_answered);
	RUN_TEST(test_rate_zero);
	RUN_TEST(test_burst);
	RUN_TEST(test_refill);
	RUN_TEST(test_fresh_bucket);
	RUN_TEST(test_truncated);
	RUN_TEST(test_interface_mtu);
	RUN_TEST(test_fragments_stay_together);
	es_state_close(g_st);
	return es_test_exit();
}

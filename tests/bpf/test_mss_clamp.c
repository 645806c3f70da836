// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN fixtures of the MSS clamp (bpf/mss.h): a tunnelled
 * SYN goes through the XDP program (decapsulation records it), then the
 * server's SYN-ACK through the tc program edgesteer_mss.
 *
 * The oracle is tests/lib/pkt.h: the expected SYN-ACK is built from
 * scratch with the lowered MSS and pkt_finish() computes its checksum, so
 * the program's incremental update must agree with a full recomputation
 * byte for byte; the expected MSS is computed here from the tunnel MTU and
 * the headers the test itself put around the SYN. Untouched cases compare
 * the output with the input. Every case checks the exact delta of the
 * two MSS counters.
 *
 * The binary runs in a network namespace of its own, so that the MTU of
 * its loopback (the ingress device of an XDP test run: the fallback when
 * the POP list gives no MTU) is ours to set.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "edgesteer.skel.h"
#include "fixture.h"
#include "pkt.h"
#include "test.h"

#define GUE_PORT	6080
#define SELF_POP	1
#define SELF_MTU	1400		/* the tunnel to this POP, from the POP list */

#define SELF4		"192.0.2.1"		/* our tunnel addresses */
#define SELF6		"2001:db8:ff::1"
#define PEER4		"203.0.113.2"		/* the edge that tunnels to us */
#define PEER6		"2001:db8:ff::2"
#define VIP4		"198.51.100.10"
#define VIP6		"2001:db8:100::10"
#define CLIENT4		"192.0.2.77"
#define CLIENT6		"2001:db8:1::77"
#define VIP_PORT	443

static const uint8_t MAC_A[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t MAC_B[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe };

static struct es_state *g_st;
static int g_tc_fd, g_syns_fd;

#define FAIL(...) fail_at(__LINE__, __VA_ARGS__)
static void __attribute__((format(printf, 2, 3))) fail_at(int line, const char *f, ...)
{
	va_list ap;

	es_test_failures++;
	fprintf(stdout, "  %s:%d: ", __FILE__, line);
	va_start(ap, f);
	vfprintf(stdout, f, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* ---- packets ------------------------------------------------------------- */

/* How a SYN reaches us: the outer headers the edge put around it. */
struct tunnel {
	bool outer6;
	bool gue;
	bool opts;		/* IPv4 options (8 bytes) / IPv6 Destination Options (8) */
};

/* What those headers cost, counted from what the test builds. */
static int tunnel_overhead(const struct tunnel *t)
{
	return (t->outer6 ? 40 : 20) + (t->opts ? 8 : 0) + (t->gue ? 8 : 0);
}

/* The MSS a SYN through t fits into, for an MTU: RFC 6691, fixed headers. */
static int fitting_mss(int mtu, const struct tunnel *t, bool inner6)
{
	return mtu - tunnel_overhead(t) - (inner6 ? 40 : 20) - 20;
}

static const uint8_t IP_OPTS[8] = { 0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00 };

/* Linux's SYN options: MSS 1460, SACK permitted, timestamps, NOP, wscale 7. */
static const uint8_t SYN_OPTS[20] = {
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01, 0x02, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

static void ip_header(struct pkt *p, bool v6, const char *s4, const char *d4, const char *s6,
		      const char *d6, uint8_t proto)
{
	if (v6)
		pkt_ipv6(p, s6, d6, proto);
	else
		pkt_ipv4(p, s4, d4, proto, NULL, 0);
}

/* The client's SYN as the edge tunnelled it to us. */
static void build_tunnelled_syn(struct pkt *p, const struct tunnel *t, bool inner6,
				uint16_t cport, uint8_t flags)
{
	static struct pkt inner;
	uint8_t proto = t->gue ? IPPROTO_UDP : inner6 ? IPPROTO_IPV6 : IPPROTO_IPIP;

	pkt_init(&inner);
	pkt_eth(&inner, MAC_A, MAC_B);
	ip_header(&inner, inner6, CLIENT4, VIP4, CLIENT6, VIP6, IPPROTO_TCP);
	pkt_tcp(&inner, cport, VIP_PORT, flags);
	pkt_tcp_options(&inner, SYN_OPTS, sizeof(SYN_OPTS));
	pkt_finish(&inner);

	pkt_init(p);
	pkt_eth(p, MAC_A, MAC_B);
	if (t->outer6) {
		pkt_ipv6(p, PEER6, SELF6, proto);
		if (t->opts)
			pkt_ipv6_ext(p, 60, NULL, 0);
	} else {
		pkt_ipv4(p, PEER4, SELF4, proto, t->opts ? IP_OPTS : NULL,
			 t->opts ? sizeof(IP_OPTS) : 0);
		pkt_ipv4_frag(p, PKT_IP_DF);
	}
	if (t->gue)
		pkt_udp(p, 0xc0de, GUE_PORT);
	pkt_inner(p, &inner);
	pkt_finish(p);
}

/* The server's answer to that SYN, with the given options. */
static void build_synack(struct pkt *p, bool v6, uint16_t cport, uint8_t flags,
			 const uint8_t *opts, size_t optlen, int vlans)
{
	pkt_init(p);
	pkt_eth(p, MAC_B, MAC_A);
	for (int i = 0; i < vlans; i++)
		pkt_vlan(p, 0x8100, 100 + i);
	ip_header(p, v6, VIP4, CLIENT4, VIP6, CLIENT6, IPPROTO_TCP);
	pkt_tcp(p, VIP_PORT, cport, flags);
	pkt_tcp_seq(p, 0x11223344, 0x55667788);
	if (optlen)
		pkt_tcp_options(p, opts, optlen);
	pkt_finish(p);
}

/* Options with the MSS value at `at` replaced. */
static void with_mss(uint8_t *dst, const uint8_t *src, size_t len, size_t at, int mss)
{
	memcpy(dst, src, len);
	dst[at] = (uint8_t)(mss >> 8);
	dst[at + 1] = (uint8_t)mss;
}

/* ---- running ----------------------------------------------------------------- */

static uint8_t g_out[PKT_MAX_LEN];
static size_t g_out_len;

struct deltas {
	__u64 recorded, clamped, decap;
};

static void deltas_take(struct deltas *d)
{
	d->recorded = fx_counter(g_st, ES_CNT_MSS_RECORDED);
	d->clamped = fx_counter(g_st, ES_CNT_MSS_CLAMPED);
	d->decap = fx_counter(g_st, ES_CNT_DECAP);
}

static void deltas_check(const struct deltas *a, long long recorded, long long clamped,
			 const char *what)
{
	struct deltas b;

	deltas_take(&b);
	if ((long long)(b.recorded - a->recorded) != recorded)
		FAIL("%s: mss_recorded rose by %lld, want %lld", what,
		     (long long)(b.recorded - a->recorded), recorded);
	if ((long long)(b.clamped - a->clamped) != clamped)
		FAIL("%s: mss_clamped rose by %lld, want %lld", what,
		     (long long)(b.clamped - a->clamped), clamped);
}

/* The tc program on a frame; output in g_out. Returns its return code. */
static int run_tc(const void *in, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in,
		.data_size_in = len,
		.data_out = g_out,
		.data_size_out = sizeof(g_out),
		.repeat = 1,
	);

	if (bpf_prog_test_run_opts(g_tc_fd, &opts))
		return -errno;
	g_out_len = opts.data_size_out;
	return (int)opts.retval;
}

/* The recorded MSS of a connection (client side first), -1: none. */
static long recorded_mss(bool v6, uint16_t cport)
{
	struct es_flow_key k = { .proto = IPPROTO_TCP, .sport = htons(cport),
				 .dport = htons(VIP_PORT) };
	__u32 v;

	k.family = fx_addr(v6 ? CLIENT6 : CLIENT4, &k.saddr);
	fx_addr(v6 ? VIP6 : VIP4, &k.daddr);
	if (bpf_map_lookup_elem(g_syns_fd, &k, &v))
		return -1;
	return v;
}

/* Decapsulate a SYN; expects the pass verdict and `recorded` new records. */
static void tunnel_syn(const struct tunnel *t, bool inner6, uint16_t cport, uint8_t flags,
		       int recorded, const char *what)
{
	static struct pkt in;
	struct deltas a;
	int v;

	build_tunnelled_syn(&in, t, inner6, cport, flags);
	deltas_take(&a);
	v = fx_run(g_st, in.data, in.len, g_out, sizeof(g_out), &g_out_len);
	ASSERT_EQ(v, XDP_PASS, what);
	deltas_check(&a, recorded, 0, what);
	ASSERT_EQ(fx_counter(g_st, ES_CNT_DECAP) - a.decap, 1, what);
}

/* The SYN-ACK comes out of the tc program exactly as `want`, valid. */
static void synack_case(const struct pkt *in, const struct pkt *want, int clamped,
			const char *what)
{
	struct deltas a;
	int v;

	deltas_take(&a);
	v = run_tc(in->data, in->len);
	ASSERT_EQ(v, TC_ACT_UNSPEC, what);
	ASSERT_PKT_EQ(g_out, g_out_len, want->data, want->len, what);
	if (clamped)
		ASSERT_PKT_VALID(g_out, g_out_len, 0, what);
	deltas_check(&a, 0, clamped, what);
}

/* A SYN-ACK that must leave untouched (no counter moves). */
static void untouched(const struct pkt *in, const char *what)
{
	synack_case(in, in, 0, what);
}

/* A whole handshake through one tunnel: SYN recorded with the MSS that
 * fits, SYN-ACK's MSS 1460 lowered to it, every other byte as it was. */
static void handshake(const struct tunnel *t, bool inner6, uint16_t cport, const char *what)
{
	static struct pkt in, want;
	int mss = fitting_mss(SELF_MTU, t, inner6);
	uint8_t opts[sizeof(SYN_OPTS)];

	tunnel_syn(t, inner6, cport, PKT_TCP_SYN, 1, what);
	ASSERT_EQ(recorded_mss(inner6, cport), mss, what);

	build_synack(&in, inner6, cport, PKT_TCP_SYN | PKT_TCP_ACK, SYN_OPTS, sizeof(SYN_OPTS), 0);
	with_mss(opts, SYN_OPTS, sizeof(SYN_OPTS), 2, mss);
	build_synack(&want, inner6, cport, PKT_TCP_SYN | PKT_TCP_ACK, opts, sizeof(opts), 0);
	synack_case(&in, &want, 1, what);
}

static void config_flags(__u8 flags)
{
	struct es_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(g_st->config_fd, &zero, &cfg)) {
		FAIL("config lookup: %s", strerror(errno));
		return;
	}
	cfg.flags = flags;
	if (bpf_map_update_elem(g_st->config_fd, &zero, &cfg, BPF_ANY))
		FAIL("config update: %s", strerror(errno));
}

/* Decapsulation of one family of outer header at a time. */
static void self_family(bool v6)
{
	if (fx_config(g_st, SELF_POP, v6 ? SELF6 : SELF4, GUE_PORT))
		FAIL("config");
}

static void self_mtu(__u16 mtu)
{
	if (fx_pop_tunnel(g_st, SELF_POP, "self", SELF4, SELF4, ES_ENCAP_IPIP, mtu, 0, NULL, NULL))
		FAIL("self POP");
}

/* ---- tests ------------------------------------------------------------------ */

static void test_every_tunnel(void)
{
	static const struct {
		struct tunnel t;
		bool inner6;
		const char *what;
	} cases[] = {
		{ { false, false, false }, false, "IPIP" },
		{ { false, false, false }, true, "6in4" },
		{ { false, false, true }, false, "IPIP, outer IPv4 options" },
		{ { false, true, false }, false, "GUE/IPv4, IPv4 inner" },
		{ { false, true, false }, true, "GUE/IPv4, IPv6 inner" },
		{ { true, false, false }, true, "IP6IP6" },
		{ { true, false, false }, false, "4in6" },
		{ { true, false, true }, true, "IP6IP6, outer Destination Options" },
		{ { true, true, false }, false, "GUE/IPv6, IPv4 inner" },
		{ { true, true, false }, true, "GUE/IPv6, IPv6 inner" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		self_family(cases[i].t.outer6);
		handshake(&cases[i].t, cases[i].inner6, (uint16_t)(40000 + i), cases[i].what);
	}
	self_family(false);
}

/* The shapes of option lists the clamp must find the MSS in. */
static void test_option_layouts(void)
{
	static const uint8_t nop_first[8] = { 0x01, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x00 };
	static const uint8_t mss_last[16] = {
		0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x04, 0x05, 0xb4,
	};
	static const uint8_t sack_ws_mss[12] = {
		0x04, 0x02, 0x01, 0x03, 0x03, 0x07, 0x02, 0x04, 0x23, 0x28, 0x00, 0x00,
	};
	static const struct {
		const uint8_t *opts;
		size_t len, at;		/* MSS value offset */
		const char *what;
	} cases[] = {
		{ SYN_OPTS, sizeof(SYN_OPTS), 2, "Linux layout" },
		/* the value at an odd offset straddles two checksum words */
		{ nop_first, sizeof(nop_first), 3, "NOP then MSS: odd offset" },
		{ mss_last, sizeof(mss_last), 14, "NOP NOP timestamps MSS" },
		{ sack_ws_mss, sizeof(sack_ws_mss), 8, "SACK-permitted, wscale, MSS 9000, EOL" },
	};
	struct tunnel t = { 0 };
	int mss = fitting_mss(SELF_MTU, &t, false);
	static struct pkt in, want;
	uint8_t opts[40], nops[40];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t cport = (uint16_t)(41000 + i);

		tunnel_syn(&t, false, cport, PKT_TCP_SYN, 1, cases[i].what);
		build_synack(&in, false, cport, PKT_TCP_SYN | PKT_TCP_ACK, cases[i].opts,
			     cases[i].len, 0);
		with_mss(opts, cases[i].opts, cases[i].len, cases[i].at, mss);
		build_synack(&want, false, cport, PKT_TCP_SYN | PKT_TCP_ACK, opts, cases[i].len, 0);
		synack_case(&in, &want, 1, cases[i].what);
	}

	/* the longest walk there is: 36 NOPs, then the MSS in the last 4 bytes */
	memset(nops, 0x01, sizeof(nops));
	memcpy(nops + 36, "\x02\x04\x05\xb4", 4);
	tunnel_syn(&t, false, 41100, PKT_TCP_SYN, 1, "36 NOPs");
	build_synack(&in, false, 41100, PKT_TCP_SYN | PKT_TCP_ACK, nops, sizeof(nops), 0);
	with_mss(opts, nops, sizeof(nops), 38, mss);
	build_synack(&want, false, 41100, PKT_TCP_SYN | PKT_TCP_ACK, opts, sizeof(nops), 0);
	synack_case(&in, &want, 1, "36 NOPs then MSS");

	/* ECN-setup SYN-ACK (ECE) and a VLAN-tagged one are SYN-ACKs too */
	tunnel_syn(&t, false, 41101, PKT_TCP_SYN, 1, "ECE");
	build_synack(&in, false, 41101, PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_ECE, SYN_OPTS,
		     sizeof(SYN_OPTS), 0);
	with_mss(opts, SYN_OPTS, sizeof(SYN_OPTS), 2, mss);
	build_synack(&want, false, 41101, PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_ECE, opts,
		     sizeof(SYN_OPTS), 0);
	synack_case(&in, &want, 1, "SYN-ACK with ECE");

	tunnel_syn(&t, true, 41102, PKT_TCP_SYN, 1, "v6, tagged");
	build_synack(&in, true, 41102, PKT_TCP_SYN | PKT_TCP_ACK, SYN_OPTS, sizeof(SYN_OPTS), 2);
	with_mss(opts, SYN_OPTS, sizeof(SYN_OPTS), 2, fitting_mss(SELF_MTU, &t, true));
	build_synack(&want, true, 41102, PKT_TCP_SYN | PKT_TCP_ACK, opts, sizeof(SYN_OPTS), 2);
	synack_case(&in, &want, 1, "IPv6 SYN-ACK behind two VLAN tags");
}

static void test_untouched(void)
{
	struct tunnel t = { 0 };
	static struct pkt in;
	uint8_t opts[sizeof(SYN_OPTS)];

	/* never seen through a tunnel: the port differs, then the family */
	tunnel_syn(&t, false, 42000, PKT_TCP_SYN, 1, "recorded");
	build_synack(&in, false, 42001, PKT_TCP_SYN | PKT_TCP_ACK, SYN_OPTS, sizeof(SYN_OPTS), 0);
	untouched(&in, "SYN-ACK of a connection that came directly");
	build_synack(&in, true, 42000, PKT_TCP_SYN | PKT_TCP_ACK, SYN_OPTS, sizeof(SYN_OPTS), 0);
	untouched(&in, "same ports, other family");

	/* the MSS is already small enough */
	with_mss(opts, SYN_OPTS, sizeof(SYN_OPTS), 2, 1200);
	build_synack(&in, false, 42000, PKT_TCP_SYN | PKT_TCP_ACK, opts, sizeof(opts), 0);
	untouched(&in, "MSS 1200 already below the tunnel's 1340");
	with_mss(opts, SYN_OPTS, sizeof(SYN_OPTS), 2, fitting_mss(SELF_MTU, &t, false));
	build_synack(&in, false, 42000, PKT_TCP_SYN | PKT_TCP_ACK, opts, sizeof(opts), 0);
	untouched(&in, "MSS equal to the tunnel's");

	/* not a SYN-ACK of that connection */
	build_synack(&in, false, 42000, PKT_TCP_ACK, SYN_OPTS, sizeof(SYN_OPTS), 0);
	untouched(&in, "ACK carrying an MSS option");
	build_synack(&in, false, 42000, PKT_TCP_SYN, SYN_OPTS, sizeof(SYN_OPTS), 0);
	untouched(&in, "SYN without ACK");
	build_synack(&in, false, 42000, PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST, SYN_OPTS,
		     sizeof(SYN_OPTS), 0);
	untouched(&in, "SYN-ACK-RST");
	build_synack(&in, false, 42000, PKT_TCP_SYN | PKT_TCP_ACK, NULL, 0, 0);
	untouched(&in, "SYN-ACK without options");

	/* only SYNs are recorded, and only TCP ones */
	tunnel_syn(&t, false, 42002, PKT_TCP_SYN | PKT_TCP_ACK, 0, "tunnelled SYN-ACK");
	tunnel_syn(&t, false, 42003, PKT_TCP_ACK, 0, "tunnelled ACK");
	ASSERT_EQ(recorded_mss(false, 42002), -1, "no record of a SYN-ACK");
	ASSERT_EQ(recorded_mss(false, 42003), -1, "no record of an ACK");
}

/* The switch: ES_CONFIG_NO_MSS_CLAMP stops both halves. */
static void test_switched_off(void)
{
	struct tunnel t = { 0 };
	static struct pkt in, want;
	uint8_t opts[sizeof(SYN_OPTS)];

	tunnel_syn(&t, false, 43000, PKT_TCP_SYN, 1, "recorded while on");
	build_synack(&in, false, 43000, PKT_TCP_SYN | PKT_TCP_ACK, SYN_OPTS, sizeof(SYN_OPTS), 0);

	config_flags(ES_CONFIG_NO_MSS_CLAMP);
	untouched(&in, "switched off: SYN-ACK of a recorded SYN");
	tunnel_syn(&t, false, 43001, PKT_TCP_SYN, 0, "SYN while off: decapsulated, not recorded");
	ASSERT_EQ(recorded_mss(false, 43001), -1, "no record while off");

	/* back on: the record made before is still there */
	config_flags(0);
	with_mss(opts, SYN_OPTS, sizeof(SYN_OPTS), 2, fitting_mss(SELF_MTU, &t, false));
	build_synack(&want, false, 43000, PKT_TCP_SYN | PKT_TCP_ACK, opts, sizeof(opts), 0);
	synack_case(&in, &want, 1, "switched on again");
}

/* Malformed or cut options: left as they are, and the walk ends. */
static void test_malformed_options(void)
{
	static const struct {
		uint8_t opts[40];
		size_t len;
		const char *what;
	} cases[] = {
		{ { 0x08, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x00, 0x00 }, 8, "option of length 0" },
		{ { 0x08, 0x01, 0x02, 0x04, 0x05, 0xb4, 0x00, 0x00 }, 8, "option of length 1" },
		{ { 0x01, 0x01, 0x08, 0x0a, 0x02, 0x04, 0x05, 0xb4 }, 8, "timestamps past end" },
		{ { 0x02, 0x03, 0x05, 0xb4 }, 4, "MSS of length 3" },
		{ { 0x02, 0x06, 0x05, 0xb4, 0x00, 0x00, 0x00, 0x00 }, 8, "MSS of length 6" },
		{ { 0x01, 0x01, 0x01, 0x02 }, 4, "MSS kind in the last byte" },
		{ { 0x00, 0x02, 0x04, 0x05, 0xb4, 0x00, 0x00, 0x00 }, 8, "MSS after EOL" },
		{ { 0x01, 0x01, 0x01, 0x01 }, 4, "only NOPs" },
	};
	struct tunnel t = { 0 };
	static struct pkt in;

	tunnel_syn(&t, false, 44000, PKT_TCP_SYN, 1, "recorded");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build_synack(&in, false, 44000, PKT_TCP_SYN | PKT_TCP_ACK, cases[i].opts,
			     cases[i].len, 0);
		untouched(&in, cases[i].what);
	}

	/* the data offset promises more than the frame holds: every cut of
	 * a SYN-ACK leaves it untouched (the test run itself refuses IPv4
	 * frames without a whole IP header) */
	build_synack(&in, false, 44000, PKT_TCP_SYN | PKT_TCP_ACK, SYN_OPTS, sizeof(SYN_OPTS), 0);
	for (size_t len = in.l3_off + 20; len < in.len; len++) {
		char what[64];
		struct deltas a;
		int v;

		snprintf(what, sizeof(what), "SYN-ACK cut to %zu/%zu", len, in.len);
		deltas_take(&a);
		v = run_tc(in.data, len);
		ASSERT_EQ(v, TC_ACT_UNSPEC, what);
		ASSERT_PKT_EQ(g_out, g_out_len, in.data, len, what);
		deltas_check(&a, 0, 0, what);
	}

	/* a data offset below 5 */
	build_synack(&in, false, 44000, PKT_TCP_SYN | PKT_TCP_ACK, SYN_OPTS, sizeof(SYN_OPTS), 0);
	in.data[pkt_off(&in, PKT_TCP, -1) + 12] = 4 << 4;
	untouched(&in, "data offset 4");
}

/* The POP list gives no MTU for us: the ingress device's MTU counts. */
static void test_mtu_from_interface(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	struct tunnel t = { 0 }, gue6 = { .outer6 = true, .gue = true };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (!ASSERT_TRUE(s >= 0, "socket"))
		return;
	self_mtu(0);

	ifr.ifr_mtu = 65536;
	ASSERT_OK(ioctl(s, SIOCSIFMTU, &ifr), "lo mtu 65536");
	tunnel_syn(&t, false, 45000, PKT_TCP_SYN, 1, "ingress MTU 65536");
	ASSERT_EQ(recorded_mss(false, 45000), fitting_mss(65536, &t, false), "MSS from lo's 65536");

	ifr.ifr_mtu = 1450;
	ASSERT_OK(ioctl(s, SIOCSIFMTU, &ifr), "lo mtu 1450");
	tunnel_syn(&t, false, 45001, PKT_TCP_SYN, 1, "ingress MTU 1450");
	ASSERT_EQ(recorded_mss(false, 45001), fitting_mss(1450, &t, false), "MSS from lo's MTU");
	self_family(true);
	tunnel_syn(&gue6, true, 45002, PKT_TCP_SYN, 1, "ingress MTU 1450, GUE/IPv6");
	ASSERT_EQ(recorded_mss(true, 45002), fitting_mss(1450, &gue6, true),
		  "MSS from lo's MTU, GUE/IPv6");
	self_family(false);

	/* an MTU that leaves no usable MSS is not a clamp */
	ifr.ifr_mtu = 140;
	ASSERT_OK(ioctl(s, SIOCSIFMTU, &ifr), "lo mtu 140");
	tunnel_syn(&t, false, 45003, PKT_TCP_SYN, 0, "ingress MTU 140");

	ifr.ifr_mtu = 65536;
	ioctl(s, SIOCSIFMTU, &ifr);
	close(s);
	self_mtu(SELF_MTU);
}

static bool setup(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s;

	/* our own loopback: its MTU is the fallback under test */
	if (unshare(CLONE_NEWNET)) {
		fprintf(stdout, "  unshare: %s\n", strerror(errno));
		return false;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return false;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return false;
	close(s);

	g_st = fx_open(0, 0);
	if (!g_st)
		return false;
	g_tc_fd = bpf_program__fd(g_st->skel->progs.edgesteer_mss);
	g_syns_fd = bpf_map__fd(g_st->skel->maps.tunnelled_syns);
	self_mtu(SELF_MTU);
	/* the edge's endpoints: tunnel traffic from them is accepted */
	return !fx_config(g_st, SELF_POP, SELF4, GUE_PORT) &&
	       !fx_pop_tunnel(g_st, 2, "edge4", PEER4, SELF4, ES_ENCAP_IPIP, 0, 0, NULL, NULL) &&
	       !fx_pop_tunnel(g_st, 3, "edge6", PEER6, SELF6, ES_ENCAP_IPIP, 0, 0, NULL, NULL) &&
	       !es_test_failures;
}

int main(void)
{
	es_test_require_root("test_mss_clamp");
	if (!setup()) {
		fprintf(stdout, "FAIL setup\n");
		if (g_st)
			es_state_close(g_st);
		return 1;
	}
	RUN_TEST(test_every_tunnel);
	RUN_TEST(test_option_layouts);
	RUN_TEST(test_untouched);
	RUN_TEST(test_switched_off);
	RUN_TEST(test_malformed_options);
	RUN_TEST(test_mtu_from_interface);
	es_state_close(g_st);
	return es_test_exit();
}

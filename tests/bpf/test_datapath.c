// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN fixtures of the XDP data path (bpf/edgesteer.bpf.c).
 *
 * Every case is: an input frame built with tests/lib/pkt.h, the verdict,
 * the exact output frame (built independently with pkt.h; the only fields
 * taken from the program's output are the two hash-derived ones, the IPv6
 * outer flow label and the GUE source port), and the exact delta of every
 * counter (each verdict and reason counter, the flow/FIB events and the
 * per-POP packet counts). Tunnel outputs are also walked by pkt_verify(),
 * which recomputes every length and checksum, outer and inner.
 *
 * One private instance is loaded for the whole binary (a load costs ~0.7 s
 * here); cases keep out of each other's way by using their own client
 * prefixes and TCP ports, and tests that change shared settings (POP
 * states, the config) put them back.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fixture.h"
#include "stats.h"
#include "pkt.h"
#include "test.h"

/* ---- the world the fixtures live in --------------------------------------- */

#define GUE_PORT	6080

#define P_ICMP		1
#define P_IPIP		4
#define P_TCP		6
#define P_UDP		17
#define P_IPV6		41
#define P_GRE		47
#define P_ICMPV6	58

#define SELF4		"192.0.2.1"		/* our tunnel address (decap) */
#define SELF6		"2001:db8:ff::1"
#define VIP4		"198.51.100.10"		/* every protocol and port */
#define VIP4_TLS	"198.51.100.11"		/* tcp/443 only */
#define VIP4_MIX	"198.51.100.12"		/* tcp/443 and udp/any */
#define NOVIP4		"198.51.100.99"
#define VIP6		"2001:db8:100::10"
#define VIP6_TLS	"2001:db8:100::11"
#define NOVIP6		"2001:db8:100::99"
#define PEER4		"198.18.0.9"		/* explicit peers */
#define PEER6		"2001:db8:99::9"
#define STRANGER4	"198.18.0.66"		/* neither POP nor peer */
#define STRANGER6	"2001:db8:99::66"
#define NOPFX4		"172.16.0.7"		/* covered by no prefix */
#define NOPFX6		"2001:db8:ffff::7"

static const uint8_t MAC_NIC[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t MAC_UPSTREAM[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* POPs as configured by setup(); the tests read this table, never the maps. */
struct popd {
	uint16_t id;
	const char *name;
	uint8_t kind;		/* ES_POP_TUNNEL / ES_POP_REDIRECT */
	uint8_t encap;
	const char *endpoint, *source;
	uint16_t mtu;
	uint32_t ifindex;
	bool keep_dmac;		/* redirect POP without a destination MAC */
};

/* The MTU-0 POPs ask their interface for its MTU above 1280 bytes (too_big.h),
 * in test_run's namespace: an ifindex no host has, so that every packet fits
 * (setup() checks; a real ifindex 8 with its own MTU made big packets too big). */
#define IFINDEX_ABSENT	0x7ffffff0

#define T ES_POP_TUNNEL
#define RD ES_POP_REDIRECT
#define IPIP ES_ENCAP_IPIP
#define GUE ES_ENCAP_GUE
static struct popd POPS[] = {
	{ 1, "self", T, IPIP, SELF4, SELF4, 1500, 7, false },
	{ 2, "ipip4", T, IPIP, "203.0.113.2", SELF4, 1500, 7, false },
	{ 3, "ipip6", T, IPIP, "2001:db8:ff::3", SELF6, 1500, 7, false },
	{ 4, "gue4", T, GUE, "203.0.113.4", SELF4, 0, IFINDEX_ABSENT, false },
	{ 5, "gue6", T, GUE, "2001:db8:ff::5", SELF6, 0, IFINDEX_ABSENT, false },
	{ 6, "mtu4", T, IPIP, "203.0.113.6", SELF4, 600, 7, false },
	{ 7, "mtu6gue", T, GUE, "2001:db8:ff::7", SELF6, 1280, 7, false },
	{ 8, "nofib4", T, IPIP, "203.0.113.8", SELF4, 1500, 0, false },
	{ 9, "nofib6", T, IPIP, "2001:db8:ff::9", SELF6, 1500, 0, false },
	{ 10, "cand-a", T, IPIP, "203.0.113.10", SELF4, 1500, 7, false },
	{ 11, "cand-b", T, IPIP, "203.0.113.11", SELF4, 1500, 7, false },
	{ 12, "cand-c", T, IPIP, "203.0.113.12", SELF4, 1500, 7, false },
	{ 13, "trans-b", T, IPIP, "203.0.113.13", SELF4, 1500, 7, false },
	{ 14, "trans-c", T, IPIP, "203.0.113.14", SELF4, 1500, 7, false },
	{ 15, "tx-lo", T, IPIP, "203.0.113.15", SELF4, 1500, 1, false },
	{ 16, "tx-other", T, IPIP, "203.0.113.16", SELF4, 1500, 0 /* setup */, false },
	{ 20, "redir", RD, 0, NULL, NULL, 0, 1, false },
	{ 21, "redir-keepmac", RD, 0, NULL, NULL, 0, 1, true },
	{ 22, "redir-nodev", RD, 0, NULL, NULL, 0, 9, false },
};
#undef T
#undef RD
#undef IPIP
#undef GUE

/* POPs whose client prefix is 10.<id>.0.0/16 and 2001:db8:<id hex>::/48 */
static const uint16_t PLAIN_POPS[] = { 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 20, 21, 22 };

#define NPOP_SNAP	32	/* POP counters compared: ids 0..31 */

static struct es_state *g_st;
static uint16_t g_gue_port = GUE_PORT;	/* as configured right now */
static uint32_t g_other_ifindex;	/* an interface other than lo, 0: none */

static const struct popd *pop(uint16_t id)
{
	for (size_t i = 0; i < sizeof(POPS) / sizeof(POPS[0]); i++)
		if (POPS[i].id == id)
			return &POPS[i];
	fprintf(stderr, "test bug: no POP %u\n", id);
	abort();
}

static int pop_family(const struct popd *p)
{
	return strchr(p->endpoint, ':') ? 6 : 4;
}

static void pop_macs(uint16_t id, uint8_t smac[6], uint8_t dmac[6])
{
	const uint8_t s[6] = { 0x02, 0x5a, 0x00, 0x00, 0x00, (uint8_t)id };
	const uint8_t d[6] = { 0x02, 0xda, 0x00, 0x00, 0x00, (uint8_t)id };

	memcpy(smac, s, 6);
	memcpy(dmac, d, 6);
	if (pop(id)->keep_dmac)
		memset(dmac, 0, 6);
}

/* A few strings at a time without allocation (names, addresses). */
static const char *fmt(const char *f, ...)
{
	static char bufs[32][160];
	static unsigned int next;
	char *b = bufs[next++ % 32];
	va_list ap;

	va_start(ap, f);
	vsnprintf(b, sizeof(bufs[0]), f, ap);
	va_end(ap);
	return b;
}

static const char *cli4(unsigned int id)
{
	return fmt("10.%u.0.7", id);
}

static const char *cli6(unsigned int id)
{
	return fmt("2001:db8:%x::7", id);
}

static bool addr6(const char *a)
{
	return strchr(a, ':') != NULL;
}

static unsigned int be16(const uint8_t *b)
{
	return (unsigned int)b[0] << 8 | b[1];
}

static void put_be16(uint8_t *b, unsigned int v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

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

/* ---- client packets -------------------------------------------------------- */

enum { L4_TCP = 1, L4_UDP, L4_ICMP, L4_GRE };
enum { FR_NONE, FR_FIRST, FR_LATER };
#define EXT_HBH		0x1	/* Hop-by-Hop options */
#define EXT_SRH		0x2	/* Segment Routing header, final segment = dst */

struct flow {
	const char *src, *dst;	/* the family follows the addresses */
	int l4;			/* L4_* (ICMP: echo request, ICMPv6 over IPv6) */
	uint16_t sport, dport;	/* ICMP: echo id and sequence */
	uint8_t flags;		/* TCP */
	uint8_t tos;		/* IPv4 TOS / IPv6 traffic class */
	int vlans;		/* 0..3 tags: 1 = 802.1Q, 2+ = 802.1ad outer */
	bool ip_opts;		/* IPv4 options (8 bytes) */
	bool tcp_opts;		/* TCP options (20 bytes) */
	bool udp_nocsum;	/* UDP over IPv4 sent without a checksum */
	int ext;		/* IPv6: EXT_* */
	int ndst;		/* IPv6: this many Destination Options headers */
	int frag;		/* FR_*: IPv4 MF/offset or an IPv6 Fragment header */
	size_t payload;
	size_t trailer;		/* Ethernet padding after the IP packet */
};

static const uint8_t IP_OPTS[8] = {
	0x94, 0x04, 0x00, 0x00,	/* Router Alert */
	0x01, 0x01, 0x01, 0x00,	/* NOP NOP NOP EOL */
};

static void add_vlans(struct pkt *p, int n)
{
	static const uint16_t tci[] = { 0x00c8, 0x2064, 0x012c };

	if (n == 1) {
		pkt_vlan(p, 0x8100, 0xa064);	/* PCP 5, VID 100 */
		return;
	}
	for (int i = 0; i < n; i++)
		pkt_vlan(p, i == 0 ? 0x88a8 : 0x8100, tci[i]);
}

static uint8_t flow_proto(const struct flow *f)
{
	switch (f->l4) {
	case L4_TCP:
		return P_TCP;
	case L4_UDP:
		return P_UDP;
	case L4_ICMP:
		return addr6(f->src) ? P_ICMPV6 : P_ICMP;
	default:
		return P_GRE;
	}
}

static void build_flow(struct pkt *p, const struct flow *f)
{
	static const uint8_t tcp_opts[20] = {
		0x02, 0x04, 0x05, 0xb4,			/* MSS 1460 */
		0x04, 0x02,				/* SACK permitted */
		0x08, 0x0a, 0, 0, 0x12, 0x34, 0, 0, 0, 0,	/* timestamps */
		0x01, 0x03, 0x03, 0x07,			/* NOP, window scale 7 */
	};
	uint8_t trailer[64];
	uint8_t proto = flow_proto(f);

	pkt_init(p);
	pkt_eth(p, MAC_NIC, MAC_UPSTREAM);
	add_vlans(p, f->vlans);
	if (!addr6(f->src)) {
		pkt_ipv4(p, f->src, f->dst, proto, f->ip_opts ? IP_OPTS : NULL,
			 f->ip_opts ? sizeof(IP_OPTS) : 0);
		pkt_ip_tos(p, f->tos);
		pkt_ipv4_id(p, (uint16_t)(0x1234 ^ f->sport));
		if (f->frag == FR_FIRST)
			pkt_ipv4_frag(p, PKT_IP_MF);
		else if (f->frag == FR_LATER)
			pkt_ipv4_frag(p, 100);	/* offset 800, last fragment */
	} else {
		pkt_ipv6(p, f->src, f->dst, proto);
		pkt_ip_tos(p, f->tos);
		pkt_ipv6_flowlabel(p, 0xabcde);
		if (f->ext & EXT_HBH)
			pkt_ipv6_ext(p, 0, NULL, 0);
		for (int i = 0; i < f->ndst; i++)
			pkt_ipv6_ext(p, 60, NULL, 0);
		if (f->ext & EXT_SRH) {
			uint8_t srh[22] = { 4, 1, 0, 0, 0, 0 };	/* type 4, segments left 1 */

			inet_pton(AF_INET6, f->dst, srh + 6);
			pkt_ipv6_ext(p, 43, srh, sizeof(srh));
		}
		if (f->frag != FR_NONE)
			pkt_ipv6_frag(p, f->frag == FR_LATER ? 100 : 0, f->frag == FR_FIRST,
				      0xfeed0000u | f->sport);
	}
	if (f->frag != FR_LATER) {
		switch (f->l4) {
		case L4_TCP:
			pkt_tcp(p, f->sport, f->dport, f->flags);
			pkt_tcp_seq(p, 1000u + f->sport, (f->flags & PKT_TCP_ACK) ? 77 : 0);
			if (f->tcp_opts)
				pkt_tcp_options(p, tcp_opts, sizeof(tcp_opts));
			break;
		case L4_UDP:
			pkt_udp(p, f->sport, f->dport);
			if (f->udp_nocsum)
				pkt_udp_no_csum(p);
			break;
		case L4_ICMP:
			pkt_icmp_echo(p, false, f->sport, f->dport);
			break;
		default:	/* GRE: opaque bytes */
			break;
		}
	}
	pkt_pattern(p, f->payload, (uint8_t)f->sport);
	if (f->trailer) {
		if (f->trailer > sizeof(trailer))
			abort();
		memset(trailer, 0xee, sizeof(trailer));
		pkt_trailer(p, trailer, f->trailer);
	}
	pkt_finish(p);
}

/*
 * Whether the sum of an inner packet can be derived from its headers: a
 * correct IPv4 header sums to zero, a TCP/UDP/ICMPv6 segment to the
 * complement of its pseudo-header, an ICMP message to zero. Not for
 * fragments (the L4 checksum covers the whole datagram), IPv6 extension
 * headers (our own restatement: the program declines them), UDP over IPv4
 * without a checksum, or protocols that carry none.
 */
static bool inner_summable(const struct flow *f)
{
	if (f->frag != FR_NONE || f->ext || f->ndst)
		return false;
	if (f->l4 == L4_GRE)
		return false;
	if (f->l4 == L4_UDP && f->udp_nocsum && !addr6(f->src))
		return false;
	return true;
}

/* ---- running a frame and checking counters ------------------------------ */

static struct {
	int verdict;
	size_t len;
	uint8_t data[PKT_MAX_LEN + 4096];
} R;

struct expect {
	int verdict;		/* XDP_* or -errno from test_run */
	int reason;		/* ES_CNT_* reason; ignored with -errno */
	uint16_t pop;		/* POP whose packet count rises by one, 0: none */
	int hit, pin_new, pin_old, fib;	/* event deltas */
	int mss_rec;		/* a tunnelled SYN recorded for the MSS clamp */
	int frag;		/* a fragment steered (ES_CNT_FRAGMENT) */
};

struct snap {
	__u64 c[ES_CNT_MAX];
	__u64 pop[NPOP_SNAP];
};


static const char *verdict_name(int v)
{
	switch (v) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	case -EINVAL:
		return "-EINVAL";
	default:
		return fmt("%d", v);
	}
}

static void snap_take(struct snap *s)
{
	for (int c = 0; c < ES_CNT_MAX; c++)
		s->c[c] = fx_counter(g_st, c);
	for (int p = 0; p < NPOP_SNAP; p++)
		s->pop[p] = fx_pop_packets(g_st, (__u16)p);
}

static void check_deltas(const struct snap *a, const struct snap *b, const struct expect *e,
			 const char *what)
{
	for (int c = 0; c < ES_CNT_MAX; c++) {
		long long want = 0, got = (long long)(b->c[c] - a->c[c]);

		if (e->verdict >= 0) {
			want += c == (int)fx_verdict_counter(e->verdict);
			want += c == e->reason;
			if (c == ES_CNT_FLOW_HIT)
				want = e->hit;
			else if (c == ES_CNT_FLOW_PIN_NEW)
				want = e->pin_new;
			else if (c == ES_CNT_FLOW_PIN_EXISTING)
				want = e->pin_old;
			else if (c == ES_CNT_FIB_LOOKUP)
				want = e->fib;
			else if (c == ES_CNT_MSS_RECORDED)
				want = e->mss_rec;
			else if (c == ES_CNT_FRAGMENT)
				want = e->frag;
		}
		if (got != want)
			FAIL("%s: counter %s rose by %lld, want %lld", what, es_counter_name(c), got, want);
	}
	for (int p = 0; p < NPOP_SNAP; p++) {
		long long want = e->verdict >= 0 && e->pop && p == e->pop;
		long long got = (long long)(b->pop[p] - a->pop[p]);

		if (got != want)
			FAIL("%s: packets of POP %d rose by %lld, want %lld", what, p, got, want);
	}
}

/* test_run with an xdp_md context: the ingress interface is ours to pick. */
static int test_run_ctx(const void *in, size_t len, __u32 ingress)
{
	struct xdp_md ctx = {
		.data = 0,
		.data_end = (__u32)len,
		.ingress_ifindex = ingress,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in,
		.data_size_in = (__u32)len,
		.data_out = R.data,
		.data_size_out = sizeof(R.data),
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);

	if (bpf_prog_test_run_opts(g_st->prog_fd, &opts))
		return -errno;
	R.len = opts.data_size_out;
	return (int)opts.retval;
}

/* Run one frame (ingress 0: test_run's default, lo) and check the verdict
 * and every counter delta. The output is left in R. */
static int run_frame_on(const void *frame, size_t len, __u32 ingress, const struct expect *e,
			const char *what)
{
	struct snap a, b;

	snap_take(&a);
	R.len = 0;
	if (ingress)
		R.verdict = test_run_ctx(frame, len, ingress);
	else
		R.verdict = fx_run(g_st, frame, len, R.data, sizeof(R.data), &R.len);
	snap_take(&b);
	if (R.verdict != e->verdict)
		FAIL("%s: verdict %s, want %s (reason %s)", what, verdict_name(R.verdict),
		     verdict_name(e->verdict), e->verdict >= 0 ? es_counter_name(e->reason) : "-");
	check_deltas(&a, &b, e, what);
	return R.verdict;
}

static int run_frame(const void *frame, size_t len, const struct expect *e, const char *what)
{
	return run_frame_on(frame, len, 0, e, what);
}

static void check_unchanged(const struct pkt *in, const char *what)
{
	ASSERT_PKT_EQ(R.data, R.len, in->data, in->len, what);
}

static void check_valid(bool opaque, const char *what)
{
	char err[256];
	int r = pkt_verify_ex(R.data, R.len, g_gue_port, opaque ? PKT_VERIFY_OPAQUE : 0, err,
			      sizeof(err));

	if (r)
		FAIL("%s: output does not verify (%d): %s", what, r, err);
}

/* A case whose output is the input, untouched. */
static void untouched_case(const char *what, const struct pkt *in, int verdict, int reason)
{
	struct expect e = { .verdict = verdict, .reason = reason };

	run_frame(in->data, in->len, &e, what);
	check_unchanged(in, what);
}

/* ---- tunnels ---------------------------------------------------------------- */

struct hashinfo {
	uint16_t sport;		/* GUE source port */
	uint32_t label;		/* IPv6 outer flow label */
	bool ok;
};

/* The frame a tunnel POP must send: built here from the POP's settings and
 * the input, with the two hash-derived fields given. */
static void build_tunnel_want(struct pkt *w, const struct popd *p, const struct pkt *in,
			      uint8_t tos, uint32_t label, uint16_t sport, bool udp_csum)
{
	bool inner6 = in->data[in->l3_off] >> 4 == 6;
	bool gue = p->encap == ES_ENCAP_GUE;
	uint8_t proto = gue ? P_UDP : inner6 ? P_IPV6 : P_IPIP;
	uint8_t smac[6], dmac[6];

	pop_macs(p->id, smac, dmac);
	pkt_init(w);
	pkt_eth(w, dmac, smac);
	if (pop_family(p) == 4) {
		pkt_ipv4(w, p->source, p->endpoint, proto, NULL, 0);
		pkt_ipv4_id(w, 0);
		pkt_ipv4_frag(w, PKT_IP_DF);
	} else {
		pkt_ipv6(w, p->source, p->endpoint, proto);
		pkt_ipv6_flowlabel(w, label);
	}
	pkt_ip_tos(w, tos);
	pkt_ip_ttl(w, 64);
	if (gue) {
		pkt_udp(w, sport, g_gue_port);
		if (!udp_csum)
			pkt_udp_no_csum(w);
	}
	pkt_inner(w, in);
	pkt_finish(w);
}

/* Compare R with the frame tunnel POP p must send for input in (flow f). */
static struct hashinfo check_tunnel(const char *what, const struct pkt *in, const struct flow *f,
				    const struct popd *p)
{
	static struct pkt w;
	struct hashinfo h = { 0, 0, false };
	size_t ol3 = pop_family(p) == 4 ? 20 : 40;
	bool gue = p->encap == ES_ENCAP_GUE, csum = true;

	if (R.len < 14 + ol3 + (gue ? 8 : 0)) {
		FAIL("%s: output of %zu bytes cannot hold the tunnel headers", what, R.len);
		return h;
	}
	if (pop_family(p) == 6)
		h.label = (uint32_t)(R.data[15] & 0x0f) << 16 | (uint32_t)R.data[16] << 8 | R.data[17];
	if (gue) {
		const uint8_t *uh = R.data + 14 + ol3;

		h.sport = (uint16_t)be16(uh);
		if (h.sport < 0xc000)
			FAIL("%s: GUE source port 0x%04x is outside 0xc000..0xffff", what, h.sport);
		/* over IPv4 a sender may leave it out when it cannot sum cheaply */
		if (pop_family(p) == 4 && !inner_summable(f) && be16(uh + 6) == 0)
			csum = false;
	}
	build_tunnel_want(&w, p, in, f->tos, h.label, h.sport, csum);
	h.ok = ASSERT_PKT_EQ(R.data, R.len, w.data, w.len, what);
	check_valid(f->l4 == L4_GRE, what);
	return h;
}

static struct expect tunnel_expect(const struct popd *p)
{
	struct expect e = {
		.verdict = p->ifindex == 1 ? XDP_TX : XDP_REDIRECT,
		.reason = ES_CNT_TUNNEL,
		.pop = p->id,
	};
	return e;
}

/* Steer flow f to tunnel POP p (its client prefix decides) and check it all. */
static struct hashinfo tunnel_case(const char *what, const struct flow *f, const struct popd *p)
{
	static struct pkt in;
	struct expect e = tunnel_expect(p);

	e.frag = f->frag != FR_NONE;
	build_flow(&in, f);
	run_frame(in.data, in.len, &e, what);
	return check_tunnel(what, &in, f, p);
}

/* ---- setup ------------------------------------------------------------------ */

static bool setup_ok(int err, const char *what)
{
	if (err) {
		fprintf(stdout, "setup: %s: %s\n", what, strerror(-err));
		return false;
	}
	return true;
}

static int prefix_pops(const char *cidr, const uint16_t *ids, int n)
{
	return fx_prefix(g_st, cidr, ES_ACTION_POPS, ids, n);
}

static uint32_t find_other_ifindex(void)
{
	struct if_nameindex *ni = if_nameindex(), *i;
	uint32_t found = 0;

	if (!ni)
		return 0;
	for (i = ni; i->if_index; i++)
		if (i->if_index != 1) {
			found = i->if_index;
			break;
		}
	if_freenameindex(ni);
	return found;
}

static bool setup(void)
{
	static const uint16_t self_first4[] = { 1, 2 }, self_first6[] = { 1, 3 };
	char ifname[IF_NAMESIZE];
	__u32 lo = 1;
	bool ok = true;

	g_st = fx_open(0, 0);
	if (!g_st)
		return false;
	g_other_ifindex = find_other_ifindex();
	if (if_indextoname(IFINDEX_ABSENT, ifname)) {
		fprintf(stderr, "setup: ifindex %#x exists here\n", IFINDEX_ABSENT);
		return false;
	}
	for (size_t i = 0; i < sizeof(POPS) / sizeof(POPS[0]); i++)
		if (POPS[i].id == 16)
			POPS[i].ifindex = g_other_ifindex ? g_other_ifindex : 0xfff0;

	ok &= setup_ok(fx_config(g_st, 1, SELF4, GUE_PORT), "config");
	for (size_t i = 0; i < sizeof(POPS) / sizeof(POPS[0]); i++) {
		const struct popd *p = &POPS[i];
		uint8_t smac[6], dmac[6];

		pop_macs(p->id, smac, dmac);
		if (p->kind == ES_POP_TUNNEL)
			ok &= setup_ok(fx_pop_tunnel(g_st, p->id, p->name, p->endpoint, p->source,
						     p->encap, p->mtu, p->ifindex, smac, dmac),
				       p->name);
		else
			ok &= setup_ok(fx_pop_redirect(g_st, p->id, p->name, p->ifindex, smac,
						       dmac), p->name);
	}
	ok &= setup_ok(fx_vip(g_st, VIP4, 0, 0), "vip");
	ok &= setup_ok(fx_vip(g_st, VIP4_TLS, P_TCP, 443), "vip");
	ok &= setup_ok(fx_vip(g_st, VIP4_MIX, P_TCP, 443), "vip");
	ok &= setup_ok(fx_vip(g_st, VIP4_MIX, P_UDP, 0), "vip");
	ok &= setup_ok(fx_vip(g_st, VIP6, 0, 0), "vip");
	ok &= setup_ok(fx_vip(g_st, VIP6_TLS, P_TCP, 443), "vip");
	ok &= setup_ok(fx_peer(g_st, PEER4), "peer");
	ok &= setup_ok(fx_peer(g_st, PEER6), "peer");

	for (size_t i = 0; i < sizeof(PLAIN_POPS) / sizeof(PLAIN_POPS[0]); i++) {
		uint16_t id = PLAIN_POPS[i];

		ok &= setup_ok(prefix_pops(fmt("10.%u.0.0/16", id), &id, 1), "prefix");
		ok &= setup_ok(prefix_pops(fmt("2001:db8:%x::/48", id), &id, 1), "prefix");
	}
	ok &= setup_ok(fx_prefix(g_st, "10.200.0.0/16", ES_ACTION_LOCAL, NULL, 0), "local");
	ok &= setup_ok(fx_prefix(g_st, "2001:db8:200::/48", ES_ACTION_LOCAL, NULL, 0), "local");
	ok &= setup_ok(fx_prefix(g_st, "10.201.0.0/16", ES_ACTION_DROP, NULL, 0), "drop");
	ok &= setup_ok(fx_prefix(g_st, "2001:db8:201::/48", ES_ACTION_DROP, NULL, 0), "drop");
	ok &= setup_ok(prefix_pops("10.202.0.0/16", self_first4, 2), "self");
	ok &= setup_ok(prefix_pops("2001:db8:202::/48", self_first6, 2), "self");

	/* lo in the egress devmap: a redirect target that exists */
	if (bpf_map_update_elem(g_st->egress_fd, &lo, &lo, BPF_ANY))
		ok &= setup_ok(-errno, "egress devmap");
	return ok;
}

/* ---- 1. not ours to steer --------------------------------------------------- */

static void test_not_ip(void)
{
	static struct pkt in;
	struct flow f3 = { .src = cli4(2), .dst = VIP4, .l4 = L4_TCP, .sport = 1001,
			   .dport = 443, .flags = PKT_TCP_SYN, .vlans = 3 };

	/* ARP request, padded to the Ethernet minimum */
	pkt_init(&in);
	pkt_eth(&in, MAC_BCAST, MAC_UPSTREAM);
	pkt_eth_type(&in, 0x0806);
	pkt_pattern(&in, 28, 1);
	pkt_pad_to(&in, 60);
	pkt_finish(&in);
	untouched_case("ARP", &in, XDP_PASS, ES_CNT_NOT_IP);

	/* ARP on a VLAN */
	pkt_init(&in);
	pkt_eth(&in, MAC_BCAST, MAC_UPSTREAM);
	add_vlans(&in, 1);
	pkt_eth_type(&in, 0x0806);
	pkt_pattern(&in, 28, 1);
	pkt_finish(&in);
	untouched_case("ARP in 802.1Q", &in, XDP_PASS, ES_CNT_NOT_IP);

	/* LLDP */
	pkt_init(&in);
	pkt_eth(&in, MAC_BCAST, MAC_UPSTREAM);
	pkt_eth_type(&in, 0x88cc);
	pkt_pattern(&in, 46, 9);
	pkt_finish(&in);
	untouched_case("LLDP", &in, XDP_PASS, ES_CNT_NOT_IP);

	/* a third tag is more than the parser walks: not IP as far as it knows */
	build_flow(&in, &f3);
	untouched_case("IPv4 to a VIP under 3 VLAN tags", &in, XDP_PASS, ES_CNT_NOT_IP);
}

static void test_not_vip(void)
{
	static const struct flow cases[] = {
		{ .src = "10.2.0.7", .dst = NOVIP4, .l4 = L4_TCP, .sport = 1100, .dport = 22,
		  .flags = PKT_TCP_SYN },
		{ .src = "10.2.0.7", .dst = NOVIP4, .l4 = L4_UDP, .sport = 1101, .dport = 53,
		  .payload = 20, .vlans = 2 },
		{ .src = "10.2.0.7", .dst = NOVIP4, .l4 = L4_ICMP, .sport = 1102, .dport = 1,
		  .payload = 56 },
		{ .src = "10.2.0.7", .dst = SELF4, .l4 = L4_TCP, .sport = 1103, .dport = 179,
		  .flags = PKT_TCP_ACK, .payload = 19 },	/* BGP to our own address */
		{ .src = "2001:db8:3::7", .dst = NOVIP6, .l4 = L4_TCP, .sport = 1104, .dport = 22,
		  .flags = PKT_TCP_SYN, .vlans = 1 },
		{ .src = "2001:db8:3::7", .dst = NOVIP6, .l4 = L4_UDP, .sport = 1105, .dport = 123,
		  .payload = 48 },
		{ .src = "2001:db8:3::7", .dst = NOVIP6, .l4 = L4_ICMP, .sport = 1106, .dport = 1,
		  .ext = EXT_HBH },
		{ .src = "203.0.113.2", .dst = NOVIP4, .l4 = L4_UDP, .sport = 1107, .dport = 6080,
		  .payload = 40 },	/* looks like GUE, but not to us */
	};
	static struct pkt in;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build_flow(&in, &cases[i]);
		untouched_case(fmt("not a VIP #%zu (%s -> %s)", i, cases[i].src, cases[i].dst),
			       &in, XDP_PASS, ES_CNT_NOT_VIP);
	}
}

static void test_vip_rules(void)
{
	struct flow tls4 = { .src = cli4(2), .dst = VIP4_TLS, .l4 = L4_TCP, .sport = 1200,
			     .dport = 443, .flags = PKT_TCP_SYN, .tcp_opts = true };
	struct flow tls6 = { .src = cli6(3), .dst = VIP6_TLS, .l4 = L4_TCP, .sport = 1201,
			     .dport = 443, .flags = PKT_TCP_ACK, .payload = 10 };
	struct flow mix_udp = { .src = cli4(2), .dst = VIP4_MIX, .l4 = L4_UDP, .sport = 1202,
				.dport = 53, .payload = 30 };
	static struct pkt in;
	struct flow f;

	tunnel_case("tcp/443 to a tcp/443 VIP (v4)", &tls4, pop(2));
	tunnel_case("tcp/443 to a tcp/443 VIP (v6)", &tls6, pop(3));
	tunnel_case("udp/53 to a VIP with a udp/any rule", &mix_udp, pop(2));

	f = tls4;
	f.dport = 80;
	build_flow(&in, &f);
	untouched_case("tcp/80 to a tcp/443 VIP (v4)", &in, XDP_PASS, ES_CNT_NOT_VIP);
	f = tls6;
	f.dport = 80;
	build_flow(&in, &f);
	untouched_case("tcp/80 to a tcp/443 VIP (v6)", &in, XDP_PASS, ES_CNT_NOT_VIP);
	f = tls4;
	f.l4 = L4_UDP;
	build_flow(&in, &f);
	untouched_case("udp/443 to a tcp/443 VIP (v4)", &in, XDP_PASS, ES_CNT_NOT_VIP);
	f = tls6;
	f.l4 = L4_UDP;
	build_flow(&in, &f);
	untouched_case("udp/443 to a tcp/443 VIP (v6)", &in, XDP_PASS, ES_CNT_NOT_VIP);
	f = tls4;
	f.l4 = L4_ICMP;
	build_flow(&in, &f);
	untouched_case("ICMP echo to a tcp/443 VIP", &in, XDP_PASS, ES_CNT_NOT_VIP);
	f = mix_udp;
	f.l4 = L4_TCP;
	f.dport = 22;
	build_flow(&in, &f);
	untouched_case("tcp/22 to a tcp/443 + udp/any VIP", &in, XDP_PASS, ES_CNT_NOT_VIP);
}

/* ---- 2. decisions that end here --------------------------------------------- */

static void test_local_decisions(void)
{
	static const struct {
		const char *src, *dst;
		int verdict, reason;
		uint16_t pop;
	} cases[] = {
		{ NOPFX4, VIP4, XDP_PASS, ES_CNT_LOCAL_NO_PREFIX, 0 },
		{ NOPFX6, VIP6, XDP_PASS, ES_CNT_LOCAL_NO_PREFIX, 0 },
		{ "10.200.1.1", VIP4, XDP_PASS, ES_CNT_LOCAL_DECISION, 0 },
		{ "2001:db8:200::1", VIP6, XDP_PASS, ES_CNT_LOCAL_DECISION, 0 },
		{ "10.201.1.1", VIP4, XDP_DROP, ES_CNT_DROP_DECISION, 0 },
		{ "2001:db8:201::1", VIP6, XDP_DROP, ES_CNT_DROP_DECISION, 0 },
		{ "10.202.1.1", VIP4, XDP_PASS, ES_CNT_LOCAL_SELF, 1 },
		{ "2001:db8:202::1", VIP6, XDP_PASS, ES_CNT_LOCAL_SELF, 1 },
	};
	static struct pkt in;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int vl = 0; vl <= 2; vl += 2) {
			struct flow f = { .src = cases[i].src, .dst = cases[i].dst, .l4 = L4_TCP,
					  .sport = (uint16_t)(1300 + i), .dport = 443,
					  .flags = PKT_TCP_SYN, .vlans = vl, .payload = 3 };
			struct expect e = { .verdict = cases[i].verdict, .reason = cases[i].reason,
					    .pop = cases[i].pop };
			const char *what = fmt("%s from %s (%d tags)", es_counter_name(cases[i].reason),
					       cases[i].src, vl);

			build_flow(&in, &f);
			run_frame(in.data, in.len, &e, what);
			check_unchanged(&in, what);
		}
	}
}

/* A classifier entry that points at a decision slot that is not in use. */
static void test_bad_decision(void)
{
	static const uint16_t ids[] = { 4, 2 };
	struct flow f = { .src = "10.230.0.7", .dst = VIP4, .l4 = L4_UDP, .sport = 1400,
			  .dport = 53, .payload = 8 };
	struct es_steering steer;
	static struct pkt in;
	struct es_addr a;
	__u32 id = 0;
	__u8 saved;

	if (!ASSERT_OK(prefix_pops("10.230.0.0/16", ids, 2), "prefix"))
		return;
	fx_addr("10.230.0.0", &a);
	if (!ASSERT_OK(es_prefix_get(g_st, ES_AF_INET, &a, 16, &steer, &id), "prefix get"))
		return;
	build_flow(&in, &f);
	tunnel_case("before the slot is cleared", &f, pop(4));

	saved = g_st->decisions[id].action;
	g_st->decisions[id].action = ES_ACTION_NONE;
	untouched_case("decision slot not in use", &in, XDP_PASS, ES_CNT_LOCAL_BAD_DECISION);
	g_st->decisions[id].action = saved;
	tunnel_case("after the slot is restored", &f, pop(4));
}

/* ---- 3. encapsulation --------------------------------------------------------- */

static const char *l4_name(int l4)
{
	switch (l4) {
	case L4_TCP:
		return "tcp";
	case L4_UDP:
		return "udp";
	case L4_ICMP:
		return "icmp-echo";
	default:
		return "gre";
	}
}

/* Every POP encapsulation x inner family x TCP/UDP/ICMP echo. */
static void test_encap_matrix(void)
{
	static const uint16_t pops[] = { 2, 3, 4, 5 };
	static const int l4s[] = { L4_TCP, L4_UDP, L4_ICMP };
	static const uint8_t tos[] = { 0, 0xb9 /* EF, ECT(1) */, 0x03 /* CE */, 0x48 };
	static const size_t payload[] = { 0, 100, 37, 56 };

	for (size_t pi = 0; pi < sizeof(pops) / sizeof(pops[0]); pi++) {
		const struct popd *p = pop(pops[pi]);

		for (int fam = 4; fam <= 6; fam += 2) {
			for (size_t li = 0; li < sizeof(l4s) / sizeof(l4s[0]); li++) {
				int l4 = l4s[li];
				struct flow f = {
					.src = fam == 4 ? cli4(p->id) : cli6(p->id),
					.dst = fam == 4 ? VIP4 : VIP6,
					.l4 = l4,
					.sport = (uint16_t)(20000 + p->id * 16 + fam + l4),
					.dport = l4 == L4_TCP ? 443 : 53,
					.flags = PKT_TCP_ACK | PKT_TCP_PSH,
					.tos = tos[l4],
					.payload = payload[l4],
				};

				tunnel_case(fmt("%s: ipv%d %s", p->name, fam, l4_name(l4)), &f, p);
			}
		}
	}
}

/* Inner packets whose sum cannot come from their headers: over an IPv4
 * outer the GUE checksum may be 0, over IPv6 it must be summed. */
static void test_gue_unsummable(void)
{
	static const struct {
		int fam;
		struct flow f;
	} cases[] = {
		{ 6, { .l4 = L4_TCP, .ext = EXT_HBH, .payload = 30, .tos = 0x22 } },
		{ 6, { .l4 = L4_TCP, .ext = EXT_SRH, .ndst = 1, .payload = 31 } },
		{ 6, { .l4 = L4_ICMP, .ext = EXT_HBH, .payload = 8 } },
		{ 6, { .l4 = L4_UDP, .frag = FR_FIRST, .payload = 64 } },
		{ 6, { .l4 = L4_UDP, .frag = FR_LATER, .payload = 40 } },
		{ 4, { .l4 = L4_UDP, .frag = FR_FIRST, .payload = 64 } },
		{ 4, { .l4 = L4_UDP, .frag = FR_LATER, .payload = 41 } },
		{ 4, { .l4 = L4_UDP, .udp_nocsum = true, .payload = 33 } },
		{ 4, { .l4 = L4_GRE, .payload = 24 } },
		{ 6, { .l4 = L4_GRE, .payload = 25 } },
	};

	for (uint16_t id = 4; id <= 5; id++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct flow f = cases[i].f;
			bool v4 = cases[i].fam == 4;

			f.src = v4 ? cli4(id) : cli6(id);
			f.dst = v4 ? VIP4 : VIP6;
			f.sport = (uint16_t)(21000 + id * 32 + i);
			f.dport = 53;
			f.flags = PKT_TCP_ACK;
			tunnel_case(fmt("%s: unsummable #%zu ipv%d %s%s%s%s", pop(id)->name, i,
					v4 ? 4 : 6, l4_name(f.l4), f.ext ? " ext" : "",
					f.frag == FR_FIRST ? " frag-first" :
					f.frag == FR_LATER ? " frag-later" : "",
					f.udp_nocsum ? " no-csum" : ""),
				    &f, pop(id));
		}
	}
}

/* VLAN tags, IPv4 options and Ethernet padding on the way in. */
static void test_encap_l2_variants(void)
{
	static const struct {
		uint16_t pop;
		int fam;
		struct flow f;
	} cases[] = {
		{ 2, 4, { .l4 = L4_TCP, .vlans = 1, .payload = 20 } },
		{ 2, 4, { .l4 = L4_TCP, .vlans = 2, .payload = 21 } },
		{ 3, 6, { .l4 = L4_TCP, .vlans = 1, .payload = 22 } },
		{ 3, 6, { .l4 = L4_UDP, .vlans = 2, .payload = 23 } },
		{ 3, 4, { .l4 = L4_UDP, .vlans = 2, .payload = 5 } },
		{ 2, 6, { .l4 = L4_ICMP, .vlans = 2, .payload = 5 } },
		{ 4, 6, { .l4 = L4_TCP, .vlans = 2, .payload = 24 } },
		{ 5, 4, { .l4 = L4_UDP, .vlans = 1, .payload = 25 } },
		{ 2, 4, { .l4 = L4_TCP, .ip_opts = true, .tcp_opts = true, .payload = 9 } },
		{ 3, 4, { .l4 = L4_TCP, .ip_opts = true, .payload = 9, .tos = 0x01 } },
		{ 4, 4, { .l4 = L4_TCP, .ip_opts = true, .tcp_opts = true, .payload = 9 } },
		{ 5, 4, { .l4 = L4_UDP, .ip_opts = true, .payload = 9 } },
		{ 4, 4, { .l4 = L4_ICMP, .ip_opts = true, .payload = 9 } },
		/* padded to the 60-byte Ethernet minimum */
		{ 2, 4, { .l4 = L4_UDP, .payload = 4, .trailer = 14 } },
		{ 3, 4, { .l4 = L4_UDP, .payload = 4, .trailer = 14 } },
		{ 4, 4, { .l4 = L4_UDP, .payload = 4, .trailer = 14 } },
		{ 5, 4, { .l4 = L4_TCP, .payload = 0, .trailer = 6 } },
		{ 3, 6, { .l4 = L4_UDP, .payload = 0, .trailer = 8 } },
		{ 5, 6, { .l4 = L4_ICMP, .payload = 0, .trailer = 3 } },
		{ 5, 4, { .l4 = L4_TCP, .vlans = 2, .ip_opts = true, .tcp_opts = true,
			  .payload = 33, .trailer = 7, .tos = 0xfe } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct popd *p = pop(cases[i].pop);
		struct flow f = cases[i].f;

		f.src = cases[i].fam == 4 ? cli4(p->id) : cli6(p->id);
		f.dst = cases[i].fam == 4 ? VIP4 : VIP6;
		f.sport = (uint16_t)(22000 + i);
		f.dport = 443;
		f.flags = PKT_TCP_ACK;
		tunnel_case(fmt("%s: ipv%d %s, %d tags%s%s, %zu bytes padding", p->name,
				cases[i].fam, l4_name(f.l4), f.vlans,
				f.ip_opts ? ", ip options" : "", f.tcp_opts ? ", tcp options" : "",
				f.trailer),
			    &f, p);
	}
}

/* Hash-derived fields: a function of the flow only. */
static void test_flow_hash(void)
{
	static const uint16_t pops[] = { 3, 4, 5 };

	for (size_t pi = 0; pi < sizeof(pops) / sizeof(pops[0]); pi++) {
		const struct popd *p = pop(pops[pi]);
		bool gue = p->encap == ES_ENCAP_GUE, v6 = pop_family(p) == 6;

		for (int fam = 4; fam <= 6; fam += 2) {
			struct flow f = { .src = fam == 4 ? cli4(p->id) : cli6(p->id),
					  .dst = fam == 4 ? VIP4 : VIP6, .l4 = L4_TCP,
					  .sport = 23000, .dport = 443, .flags = PKT_TCP_SYN };
			struct hashinfo first, again, other[16];
			int distinct_port = 0, distinct_label = 0;

			first = tunnel_case(fmt("%s ipv%d: SYN", p->name, fam), &f, p);
			f.flags = PKT_TCP_ACK | PKT_TCP_PSH;
			f.payload = 300;
			f.tos = 0x10;
			again = tunnel_case(fmt("%s ipv%d: data of the same flow", p->name, fam), &f, p);
			if (gue && first.sport != again.sport)
				FAIL("%s ipv%d: same flow, GUE source ports 0x%04x and 0x%04x", p->name,
				     fam, first.sport, again.sport);
			if (v6 && first.label != again.label)
				FAIL("%s ipv%d: same flow, flow labels 0x%05x and 0x%05x", p->name, fam,
				     first.label, again.label);

			for (int k = 0; k < 16; k++) {
				struct flow g = f;
				bool seen_p = false, seen_l = false;

				g.sport = (uint16_t)(23001 + k * 7);
				if (k & 1)	/* another client of the same prefix */
					g.src = fam == 4 ? fmt("10.%u.%d.%d", p->id, k, 9 + k) :
						fmt("2001:db8:%x::%x", p->id, 0x100 + k);
				other[k] = tunnel_case(fmt("%s ipv%d: flow %d", p->name, fam, k), &g, p);
				for (int j = 0; j < k; j++) {
					seen_p |= other[j].sport == other[k].sport;
					seen_l |= other[j].label == other[k].label;
				}
				seen_p |= other[k].sport == first.sport;
				seen_l |= other[k].label == first.label;
				distinct_port += !seen_p;
				distinct_label += !seen_l;
			}
			/* 16 flows in 2^14 ports / 2^20 labels: a collision or two at most */
			if (gue && distinct_port < 14)
				FAIL("%s ipv%d: 16 other flows gave only %d new GUE source ports", p->name,
				     fam, distinct_port);
			if (v6 && distinct_label < 15)
				FAIL("%s ipv%d: 16 other flows gave only %d new flow labels", p->name, fam,
				     distinct_label);
		}
	}
}

/* XDP_TX when the next hop is the ingress interface; redirect otherwise. */
static void test_verdict_tx(void)
{
	const struct popd *lo_pop = pop(15), *other = pop(16);
	struct flow f = { .src = cli4(15), .dst = VIP4, .l4 = L4_TCP, .sport = 24000,
			  .dport = 443, .flags = PKT_TCP_ACK, .payload = 10 };
	struct flow g = f;
	struct expect e;
	static struct pkt in;

	/* test_run's default ingress is lo (ifindex 1) */
	tunnel_case("next hop on lo, default ingress: XDP_TX", &f, lo_pop);

	build_flow(&in, &f);
	e = tunnel_expect(lo_pop);
	e.verdict = XDP_TX;
	run_frame_on(in.data, in.len, 1, &e, "next hop on lo, ctx ingress lo: XDP_TX");
	check_tunnel("next hop on lo, ctx ingress lo", &in, &f, lo_pop);

	if (!g_other_ifindex) {
		fprintf(stdout, "  note: no interface besides lo, ctx ingress != lo not tried\n");
		return;
	}
	fprintf(stdout, "  note: ctx ingress_ifindex %u accepted by test_run\n", g_other_ifindex);
	/* ingress elsewhere: lo is in the egress devmap, so redirect_map */
	e.verdict = XDP_REDIRECT;
	run_frame_on(in.data, in.len, g_other_ifindex, &e,
		     "next hop on lo, ctx ingress other: XDP_REDIRECT");
	check_tunnel("next hop on lo, ctx ingress other", &in, &f, lo_pop);

	g.src = cli4(16);
	build_flow(&in, &g);
	e = tunnel_expect(other);
	e.verdict = XDP_TX;
	run_frame_on(in.data, in.len, g_other_ifindex, &e,
		     "next hop = ctx ingress (not lo): XDP_TX");
	check_tunnel("next hop = ctx ingress", &in, &g, other);
	e.verdict = XDP_REDIRECT;
	run_frame_on(in.data, in.len, 0, &e, "next hop not the ingress: XDP_REDIRECT");
	check_tunnel("next hop not the ingress", &in, &g, other);
}

/* ---- 4. MTU ------------------------------------------------------------------- */

static void test_mtu(void)
{
	static const struct {
		uint16_t pop;
		int fam;
		size_t l3_len;		/* inner IP packet */
		size_t trailer;
		bool fits;
	} cases[] = {
		{ 6, 4, 580, 0, true },		/* 580 + 20 = 600 = mtu */
		{ 6, 4, 580, 4, true },		/* padding is not carried */
		{ 6, 4, 581, 0, false },
		{ 6, 6, 580, 0, true },
		{ 6, 6, 581, 0, false },
		{ 7, 6, 1232, 0, true },	/* 1232 + 40 + 8 = 1280 */
		{ 7, 6, 1233, 0, false },
		{ 7, 4, 1232, 0, true },
		{ 7, 4, 1233, 0, false },
	};
	static struct pkt in;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct popd *p = pop(cases[i].pop);
		size_t ip_hdr = cases[i].fam == 4 ? 20 : 40;
		struct flow f = { .src = cases[i].fam == 4 ? cli4(p->id) : cli6(p->id),
				  .dst = cases[i].fam == 4 ? VIP4 : VIP6, .l4 = L4_UDP,
				  .sport = (uint16_t)(25000 + i), .dport = 443,
				  .payload = cases[i].l3_len - ip_hdr - 8,
				  .trailer = cases[i].trailer };
		const char *what = fmt("%s (mtu %u): ipv%d packet of %zu bytes", p->name, p->mtu,
				       cases[i].fam, cases[i].l3_len);

		if (cases[i].fits) {
			tunnel_case(what, &f, p);
		} else if (cases[i].fam == 6) {
			/* answered with a Packet Too Big (bytes: test_too_big.c) */
			struct expect e = { .verdict = XDP_TX, .reason = ES_CNT_ICMP_TOO_BIG };

			build_flow(&in, &f);
			run_frame(in.data, in.len, &e, what);
			check_valid(false, what);
		} else {
			/* IPv4 without DF */
			build_flow(&in, &f);
			untouched_case(what, &in, XDP_PASS, ES_CNT_LOCAL_TOO_BIG);
		}
	}
}

/* ---- 5. next hop not resolved ------------------------------------------------ */

static int netns_enter_fresh(int *saved)
{
	*saved = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return -errno;
	if (unshare(CLONE_NEWNET)) {
		int err = -errno;

		close(*saved);
		return err;
	}
	return 0;
}

static void netns_leave(int saved)
{
	if (setns(saved, CLONE_NEWNET))
		FAIL("setns back: %s", strerror(errno));
	close(saved);
}

static void test_nexthop_unresolved(void)
{
	static struct pkt in;
	int saved;

	/* The FIB of this host has a default route; a fresh namespace has
	 * none, so the lookup has nothing to find for a documentation address. */
	if (netns_enter_fresh(&saved)) {
		es_test_skip("cannot enter a fresh network namespace");
		return;
	}
	for (uint16_t id = 8; id <= 9; id++) {
		for (int fam = 4; fam <= 6; fam += 2) {
			struct flow f = { .src = fam == 4 ? cli4(id) : cli6(id),
					  .dst = fam == 4 ? VIP4 : VIP6, .l4 = L4_TCP,
					  .sport = (uint16_t)(26000 + id * 8 + fam), .dport = 443,
					  .flags = PKT_TCP_SYN, .vlans = 1 };

			build_flow(&in, &f);
			untouched_case(fmt("%s, ipv%d inner, empty FIB", pop(id)->name, fam), &in,
				       XDP_PASS, ES_CNT_LOCAL_NO_NEXTHOP);
		}
	}

	/* and a FIB that knows the endpoint: a route and a neighbour on lo */
	if (system("ip link set lo up && ip route add 203.0.113.8/32 dev lo && "
		   "ip neigh replace 203.0.113.8 lladdr 02:0f:1b:00:00:08 dev lo nud permanent && "
		   "sysctl -qw net.ipv4.conf.all.forwarding=1 net.ipv4.conf.lo.forwarding=1"
		   " >/dev/null 2>&1") == 0) {
		struct flow f = { .src = cli4(8), .dst = VIP4, .l4 = L4_TCP, .sport = 26100,
				  .dport = 443, .flags = PKT_TCP_SYN };
		static const uint8_t nb[6] = { 0x02, 0x0f, 0x1b, 0x00, 0x00, 0x08 };
		static const uint8_t zero[6];
		struct expect e = { .verdict = XDP_TX, .reason = ES_CNT_TUNNEL, .pop = 8, .fib = 1 };
		static struct pkt w;

		build_flow(&in, &f);
		run_frame(in.data, in.len, &e, "FIB resolves the endpoint via lo: XDP_TX");
		pkt_init(&w);
		pkt_eth(&w, nb, zero);	/* lo's own address is all zeros */
		pkt_ipv4(&w, SELF4, "203.0.113.8", P_IPIP, NULL, 0);
		pkt_ipv4_frag(&w, PKT_IP_DF);
		pkt_inner(&w, &in);
		pkt_finish(&w);
		ASSERT_PKT_EQ(R.data, R.len, w.data, w.len, "FIB next hop");
	} else {
		fprintf(stdout, "  note: could not set up a FIB route in the namespace\n");
	}
	netns_leave(saved);
}

/* ---- 6. candidates, drain, transitions, redirect ------------------------------ */

static void pops_up(void)
{
	for (uint16_t id = 10; id <= 14; id++)
		fx_pop_state(g_st, id, ES_STATE_UP);
}

/* TCP segment from client src to VIP4 through POP `want` (0: served here). */
static void steer_case(const char *what, const char *src, uint16_t sport, uint8_t flags,
		       uint16_t want, int reason_if_local, int hit, int pin_new, int pin_old)
{
	struct flow f = { .src = src, .dst = VIP4, .l4 = L4_TCP, .sport = sport, .dport = 443,
			  .flags = flags, .payload = (flags & PKT_TCP_SYN) ? 0 : 12 };
	static struct pkt in;

	build_flow(&in, &f);
	if (want) {
		struct expect e = tunnel_expect(pop(want));

		e.hit = hit;
		e.pin_new = pin_new;
		e.pin_old = pin_old;
		run_frame(in.data, in.len, &e, what);
		check_tunnel(what, &in, &f, pop(want));
	} else {
		struct expect e = { .verdict = XDP_PASS, .reason = reason_if_local, .hit = hit,
				    .pin_new = pin_new, .pin_old = pin_old };

		run_frame(in.data, in.len, &e, what);
		check_unchanged(&in, what);
	}
}

#define SYN	PKT_TCP_SYN
#define ACK	(PKT_TCP_ACK | PKT_TCP_PSH)

static void test_candidates(void)
{
	static const uint16_t ids[] = { 10, 11, 12 };
	const char *c = "10.210.0.7";
	struct flow u = { .src = c, .dst = VIP4, .l4 = L4_UDP, .sport = 27050, .dport = 53,
			  .payload = 10 };

	pops_up();
	if (!ASSERT_OK(prefix_pops("10.210.0.0/16", ids, 3), "prefix"))
		return;
	steer_case("all up: first", c, 27000, SYN, 10, 0, 0, 0, 0);
	fx_pop_state(g_st, 10, ES_STATE_DOWN);
	steer_case("first down: second (SYN)", c, 27001, SYN, 11, 0, 0, 0, 0);
	steer_case("first down: second (ACK)", c, 27002, ACK, 11, 0, 0, 0, 0);
	tunnel_case("first down: second (UDP)", &u, pop(11));
	fx_pop_state(g_st, 11, ES_STATE_DOWN);
	steer_case("two down: third", c, 27003, ACK, 12, 0, 0, 0, 0);
	fx_pop_state(g_st, 12, ES_STATE_DOWN);
	steer_case("all down: SYN served here", c, 27004, SYN, 0, ES_CNT_LOCAL_NO_CANDIDATE, 0, 0, 0);
	steer_case("all down: ACK served here", c, 27005, ACK, 0, ES_CNT_LOCAL_NO_CANDIDATE, 0, 0, 0);
	{
		static struct pkt in;

		build_flow(&in, &u);
		untouched_case("all down: UDP served here", &in, XDP_PASS, ES_CNT_LOCAL_NO_CANDIDATE);
	}
	fx_pop_state(g_st, 11, ES_STATE_UP);
	steer_case("second back up", c, 27006, ACK, 11, 0, 0, 0, 0);
	pops_up();
}

static void test_drain(void)
{
	static const uint16_t ids[] = { 10, 11 };
	const char *c = "10.211.0.7";
	struct flow u = { .src = c, .dst = VIP4, .l4 = L4_UDP, .sport = 28050, .dport = 53,
			  .payload = 10 };

	pops_up();
	if (!ASSERT_OK(prefix_pops("10.211.0.0/16", ids, 2), "prefix"))
		return;
	steer_case("both up: no flow state", c, 28000, ACK, 10, 0, 0, 0, 0);
	fx_pop_state(g_st, 10, ES_STATE_DRAIN);
	steer_case("first drains: SYN to the second", c, 28001, SYN, 11, 0, 0, 1, 0);
	steer_case("first drains: unseen ACK stays on it", c, 28002, ACK, 10, 0, 0, 0, 1);
	steer_case("SYN'd flow, next segment: second", c, 28001, ACK, 11, 0, 1, 0, 0);
	steer_case("pinned old flow, next segment: first", c, 28002, ACK, 10, 0, 1, 0, 0);
	steer_case("SYN retransmitted: second", c, 28001, SYN, 11, 0, 1, 0, 0);
	steer_case("SYN'd flow again", c, 28001, ACK | PKT_TCP_FIN, 11, 0, 1, 0, 0);
	tunnel_case("UDP is not tracked: second", &u, pop(11));

	/* the draining POP goes down: its flows have to move */
	fx_pop_state(g_st, 10, ES_STATE_DOWN);
	steer_case("drained POP down: its flow moves on", c, 28002, ACK, 11, 0, 0, 0, 0);

	/* draining first, second down: new connections have nowhere to go */
	fx_pop_state(g_st, 10, ES_STATE_DRAIN);
	fx_pop_state(g_st, 11, ES_STATE_DOWN);
	steer_case("drain + down: unseen ACK stays on the draining POP", c, 28003, ACK, 10, 0,
		   0, 0, 1);
	steer_case("drain + down: SYN served here, nothing pinned", c, 28004, SYN, 0,
		   ES_CNT_LOCAL_NO_CANDIDATE, 0, 0, 0);
	pops_up();
}

static void test_transition(void)
{
	static const uint16_t b = 13, cc = 14;
	const char *c = "10.220.0.7";
	int settled;

	pops_up();
	if (!ASSERT_OK(prefix_pops("10.220.0.0/16", &b, 1), "prefix -> B"))
		return;
	steer_case("plain B: SYN", c, 29000, SYN, 13, 0, 0, 0, 0);
	steer_case("plain B: ACK", c, 29001, ACK, 13, 0, 0, 0, 0);
	if (!ASSERT_OK(prefix_pops("10.220.0.0/16", &cc, 1), "prefix -> C"))
		return;
	steer_case("B -> C: SYN goes to C", c, 29002, SYN, 14, 0, 0, 1, 0);
	steer_case("B -> C: ACK of an open flow stays on B", c, 29001, ACK, 13, 0, 0, 0, 1);
	steer_case("B -> C: the open flow again: B", c, 29001, ACK, 13, 0, 1, 0, 0);
	steer_case("B -> C: the new flow's ACK: C", c, 29002, ACK, 14, 0, 1, 0, 0);
	steer_case("B -> C: another unseen ACK: B", c, 29003, ACK, 13, 0, 0, 0, 1);
	fx_pop_state(g_st, 13, ES_STATE_DOWN);
	steer_case("B down: its pinned flow moves to C", c, 29001, ACK, 14, 0, 0, 0, 1);
	steer_case("B down: unseen ACK goes to C", c, 29006, ACK, 14, 0, 0, 0, 1);
	fx_pop_state(g_st, 13, ES_STATE_UP);
	steer_case("B up again: the moved flow stays on C", c, 29001, ACK, 14, 0, 1, 0, 0);
	steer_case("B up again: the other open flow is still on B", c, 29003, ACK, 13, 0, 1, 0, 0);

	settled = es_prefixes_settle(g_st, 0);
	if (settled < 1)
		FAIL("es_prefixes_settle(0) settled %d prefixes, want >= 1", settled);
	steer_case("settled: unseen ACK goes to C", c, 29004, ACK, 14, 0, 0, 0, 0);
	steer_case("settled: the once pinned flow follows C", c, 29001, ACK, 14, 0, 0, 0, 0);
	steer_case("settled: SYN to C", c, 29005, SYN, 14, 0, 0, 0, 0);
}

/* From "serve here" to a POP: open connections stay here. */
static void test_transition_from_local(void)
{
	static const uint16_t cc = 14;
	const char *c = "10.221.0.7";

	pops_up();
	if (!ASSERT_OK(fx_prefix(g_st, "10.221.0.0/16", ES_ACTION_LOCAL, NULL, 0), "local"))
		return;
	steer_case("local: ACK", c, 29100, ACK, 0, ES_CNT_LOCAL_DECISION, 0, 0, 0);
	if (!ASSERT_OK(prefix_pops("10.221.0.0/16", &cc, 1), "prefix -> C"))
		return;
	steer_case("local -> C: open flow stays here", c, 29100, ACK, 0, ES_CNT_LOCAL_DECISION,
		   0, 0, 1);
	steer_case("local -> C: open flow again", c, 29100, ACK, 0, ES_CNT_LOCAL_DECISION, 1, 0, 0);
	steer_case("local -> C: SYN goes to C", c, 29101, SYN, 14, 0, 0, 1, 0);
	steer_case("local -> C: its next segment", c, 29101, ACK, 14, 0, 1, 0, 0);
	es_prefixes_settle(g_st, 0);
	steer_case("settled: the open flow goes to C", c, 29100, ACK, 14, 0, 0, 0, 0);
}

/* Redirect POPs: new MACs, tags gone, the IP packet untouched. */
static void test_redirect(void)
{
	static struct pkt in, w;

	for (uint16_t id = 20; id <= 22; id++) {
		const struct popd *p = pop(id);
		uint8_t smac[6], dmac[6];

		pop_macs(id, smac, dmac);
		for (int fam = 4; fam <= 6; fam += 2) {
			for (int vl = 0; vl <= 2; vl++) {
				struct flow f = { .src = fam == 4 ? cli4(id) : cli6(id),
						  .dst = fam == 4 ? VIP4 : VIP6, .l4 = L4_TCP,
						  .sport = (uint16_t)(30000 + id * 8 + fam + vl),
						  .dport = 443, .flags = PKT_TCP_SYN,
						  .tcp_opts = true, .vlans = vl };
				const char *what = fmt("%s ipv%d, %d tags", p->name, fam, vl);
				struct expect e = { .verdict = XDP_REDIRECT, .reason = ES_CNT_REDIRECT,
						    .pop = id };

				build_flow(&in, &f);
				if (id == 22) {
					untouched_case(what, &in, XDP_PASS, ES_CNT_LOCAL_NO_NEXTHOP);
					continue;
				}
				run_frame(in.data, in.len, &e, what);
				pkt_init(&w);
				pkt_eth(&w, p->keep_dmac ? MAC_NIC : dmac, smac);
				pkt_eth_type(&w, fam == 4 ? 0x0800 : 0x86dd);
				pkt_inner(&w, &in);
				pkt_finish(&w);
				ASSERT_PKT_EQ(R.data, R.len, w.data, w.len, what);
				check_valid(false, what);
			}
		}
	}
}

/* ---- 7. decapsulation ------------------------------------------------------------ */

struct outer {
	const char *src, *dst;
	int vlans;
	bool gue;
	uint16_t gue_port;	/* 0: GUE_PORT */
	bool opts;		/* IPv4 options / an IPv6 Destination Options header */
	uint16_t frag;		/* IPv4 frag_off; 0: DF */
	uint8_t proto;		/* 0: from GUE / the inner version */
};

/* Outer frame around inner (a finished frame: its IP packet is used), or
 * around raw bytes when inner is NULL. */
static void build_outer(struct pkt *p, const struct outer *o, const struct pkt *inner,
			const void *raw, size_t rawlen)
{
	bool inner6 = inner && inner->data[inner->l3_off] >> 4 == 6;
	uint8_t proto = o->proto ? o->proto : o->gue ? P_UDP : inner6 ? P_IPV6 : P_IPIP;

	pkt_init(p);
	pkt_eth(p, MAC_NIC, MAC_UPSTREAM);
	add_vlans(p, o->vlans);
	if (!addr6(o->src)) {
		pkt_ipv4(p, o->src, o->dst, proto, o->opts ? IP_OPTS : NULL,
			 o->opts ? sizeof(IP_OPTS) : 0);
		pkt_ipv4_frag(p, o->frag ? o->frag : PKT_IP_DF);
		pkt_ip_tos(p, 0x28);
	} else {
		pkt_ipv6(p, o->src, o->dst, proto);
		pkt_ipv6_flowlabel(p, 0x54321);
		if (o->opts)
			pkt_ipv6_ext(p, 60, NULL, 0);
	}
	if (o->gue)
		pkt_udp(p, 0xc0de, o->gue_port ? o->gue_port : g_gue_port);
	if (inner)
		pkt_inner(p, inner);
	else
		pkt_payload(p, raw, rawlen);
	pkt_finish(p);
}

/* What the stack must get: the outer frame's link header (tags kept, last
 * EtherType naming the inner family) and the inner packet. */
static void build_decap_want(struct pkt *w, const struct outer *o, const struct pkt *inner)
{
	pkt_init(w);
	pkt_eth(w, MAC_NIC, MAC_UPSTREAM);
	add_vlans(w, o->vlans);
	pkt_eth_type(w, inner->data[inner->l3_off] >> 4 == 6 ? 0x86dd : 0x0800);
	pkt_inner(w, inner);
	pkt_finish(w);
}

/* Inner packets: a client of a tunnel-steered prefix to a VIP, so that a
 * second steering would show. */
static const struct flow INNER4 = { .src = "10.2.0.7", .dst = VIP4, .l4 = L4_TCP,
				    .sport = 31000, .dport = 443, .flags = PKT_TCP_SYN,
				    .tcp_opts = true, .tos = 0x02 };
static const struct flow INNER6 = { .src = "2001:db8:3::7", .dst = VIP6, .l4 = L4_TCP,
				    .sport = 31001, .dport = 443, .flags = PKT_TCP_ACK,
				    .payload = 21 };

static void decap_ok_case(const char *what, const struct outer *o, const struct flow *fi)
{
	static struct pkt inner, in, w;
	struct expect e = { .verdict = XDP_PASS, .reason = ES_CNT_DECAP };

	e.mss_rec = fi->l4 == L4_TCP && (fi->flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN;
	build_flow(&inner, fi);
	build_outer(&in, o, &inner, NULL, 0);
	run_frame(in.data, in.len, &e, what);
	build_decap_want(&w, o, &inner);
	ASSERT_PKT_EQ(R.data, R.len, w.data, w.len, what);
	check_valid(false, what);
}

static void decap_bad_case(const char *what, const struct outer *o, const struct flow *fi,
			   const void *raw, size_t rawlen, int verdict, int reason)
{
	static struct pkt inner, in;

	if (fi)
		build_flow(&inner, fi);
	build_outer(&in, o, fi ? &inner : NULL, raw, rawlen);
	untouched_case(what, &in, verdict, reason);
}

static void test_decap_ipv4_outer(void)
{
	static const char *const from[] = { "203.0.113.2" /* POP 2 */, PEER4 };

	fx_config(g_st, 1, SELF4, GUE_PORT);
	for (size_t s = 0; s < 2; s++) {
		for (int vl = 0; vl <= 2; vl++) {
			struct outer o = { .src = from[s], .dst = SELF4, .vlans = vl };
			const char *who = s ? "peer" : "POP";

			decap_ok_case(fmt("IPIP from %s, %d tags", who, vl), &o, &INNER4);
			decap_ok_case(fmt("6in4 from %s, %d tags", who, vl), &o, &INNER6);
			o.gue = true;
			decap_ok_case(fmt("GUE/IPv4 ipv4 inner from %s, %d tags", who, vl), &o, &INNER4);
			decap_ok_case(fmt("GUE/IPv4 ipv6 inner from %s, %d tags", who, vl), &o, &INNER6);
			o.opts = true;
			decap_ok_case(fmt("GUE/IPv4+options from %s, %d tags", who, vl), &o, &INNER6);
			o.gue = false;
			decap_ok_case(fmt("IPIP+options from %s, %d tags", who, vl), &o, &INNER4);
		}
	}
}

static void test_decap_ipv6_outer(void)
{
	static const char *const from[] = { "2001:db8:ff::3" /* POP 3 */, PEER6 };

	fx_config(g_st, 1, SELF6, GUE_PORT);
	for (size_t s = 0; s < 2; s++) {
		for (int vl = 0; vl <= 2; vl++) {
			struct outer o = { .src = from[s], .dst = SELF6, .vlans = vl };
			const char *who = s ? "peer" : "POP";

			decap_ok_case(fmt("IP6IP6 from %s, %d tags", who, vl), &o, &INNER6);
			decap_ok_case(fmt("4in6 from %s, %d tags", who, vl), &o, &INNER4);
			o.gue = true;
			decap_ok_case(fmt("GUE/IPv6 ipv4 inner from %s, %d tags", who, vl), &o, &INNER4);
			decap_ok_case(fmt("GUE/IPv6 ipv6 inner from %s, %d tags", who, vl), &o, &INNER6);
			o.opts = true;
			decap_ok_case(fmt("GUE/IPv6+dstopts from %s, %d tags", who, vl), &o, &INNER4);
			o.gue = false;
			decap_ok_case(fmt("4in6+dstopts from %s, %d tags", who, vl), &o, &INNER4);
		}
	}
	fx_config(g_st, 1, SELF4, GUE_PORT);
}

static void test_decap_refused(void)
{
	static const uint8_t nibble5[40] = { 0x55, 0x00, 0x00, 0x28 };
	static const uint8_t short4[12] = { 0x45, 0x00, 0x00, 0x0c };
	static const uint8_t short6[30] = { 0x60 };
	struct outer o;

	fx_config(g_st, 1, SELF4, GUE_PORT);
	o = (struct outer){ .src = STRANGER4, .dst = SELF4 };
	decap_bad_case("IPIP from a stranger", &o, &INNER4, NULL, 0, XDP_DROP, ES_CNT_DECAP_DENIED);
	o.gue = true;
	decap_bad_case("GUE/IPv4 from a stranger", &o, &INNER6, NULL, 0, XDP_DROP,
		       ES_CNT_DECAP_DENIED);
	o = (struct outer){ .src = PEER4, .dst = SELF4, .gue = true };
	decap_bad_case("GUE payload of version 5", &o, NULL, nibble5, sizeof(nibble5), XDP_DROP,
		       ES_CNT_DECAP_MALFORMED);
	o.gue = false;
	o.proto = P_IPIP;
	decap_bad_case("protocol 4 carrying IPv6", &o, &INNER6, NULL, 0, XDP_DROP,
		       ES_CNT_DECAP_MALFORMED);
	o.proto = P_IPV6;
	decap_bad_case("protocol 41 carrying IPv4", &o, &INNER4, NULL, 0, XDP_DROP,
		       ES_CNT_DECAP_MALFORMED);
	o.proto = P_IPIP;
	decap_bad_case("IPIP with a 12-byte inner header", &o, NULL, short4, sizeof(short4),
		       XDP_DROP, ES_CNT_DECAP_MALFORMED);
	o.proto = P_IPV6;
	decap_bad_case("6in4 with a 30-byte inner header", &o, NULL, short6, sizeof(short6),
		       XDP_DROP, ES_CNT_DECAP_MALFORMED);
	o.proto = 0;
	o.frag = PKT_IP_MF;
	decap_bad_case("IPIP first fragment", &o, &INNER4, NULL, 0, XDP_DROP,
		       ES_CNT_DECAP_MALFORMED);
	o.frag = 0;

	/* tunnel-looking traffic that is not for us: ordinary traffic */
	o = (struct outer){ .src = PEER4, .dst = "192.0.2.77" };
	decap_bad_case("IPIP to an address not ours", &o, &INNER4, NULL, 0, XDP_PASS,
		       ES_CNT_NOT_VIP);
	o = (struct outer){ .src = PEER4, .dst = SELF4, .gue = true, .gue_port = 6081 };
	decap_bad_case("UDP to us, not the GUE port", &o, &INNER4, NULL, 0, XDP_PASS,
		       ES_CNT_NOT_VIP);
	o = (struct outer){ .src = PEER6, .dst = SELF6 };
	decap_bad_case("IP6IP6 to our v6 address while decap is IPv4", &o, &INNER6, NULL, 0,
		       XDP_PASS, ES_CNT_NOT_VIP);
	fx_config(g_st, 1, NULL, GUE_PORT);
	o = (struct outer){ .src = PEER4, .dst = SELF4 };
	decap_bad_case("IPIP with decap off", &o, &INNER4, NULL, 0, XDP_PASS, ES_CNT_NOT_VIP);

	fx_config(g_st, 1, SELF6, GUE_PORT);
	o = (struct outer){ .src = STRANGER6, .dst = SELF6 };
	decap_bad_case("IP6IP6 from a stranger", &o, &INNER6, NULL, 0, XDP_DROP,
		       ES_CNT_DECAP_DENIED);
	o = (struct outer){ .src = PEER6, .dst = SELF6, .gue = true };
	decap_bad_case("GUE/IPv6 payload of version 5", &o, NULL, nibble5, sizeof(nibble5),
		       XDP_DROP, ES_CNT_DECAP_MALFORMED);
	o = (struct outer){ .src = PEER6, .dst = "2001:db8:ff::77", .gue = true };
	decap_bad_case("GUE/IPv6 to an address not ours", &o, &INNER4, NULL, 0, XDP_PASS,
		       ES_CNT_NOT_VIP);
	fx_config(g_st, 1, SELF4, GUE_PORT);
}

/* The GUE port is configuration, both ways. */
static void test_gue_port_config(void)
{
	struct flow f4 = { .src = cli4(4), .dst = VIP4, .l4 = L4_TCP, .sport = 31500,
			   .dport = 443, .flags = PKT_TCP_ACK, .payload = 5 };
	struct flow f6 = { .src = cli6(5), .dst = VIP6, .l4 = L4_UDP, .sport = 31501,
			   .dport = 53, .payload = 5 };
	struct outer o = { .src = PEER4, .dst = SELF4, .gue = true };

	if (!ASSERT_OK(fx_config(g_st, 1, SELF4, 7777), "config"))
		return;
	g_gue_port = 7777;
	tunnel_case("GUE/IPv4 to port 7777", &f4, pop(4));
	tunnel_case("GUE/IPv6 to port 7777", &f6, pop(5));
	decap_ok_case("GUE decap on port 7777", &o, &INNER4);
	o.gue_port = GUE_PORT;
	decap_bad_case("UDP to the default port while GUE is 7777", &o, &INNER4, NULL, 0,
		       XDP_PASS, ES_CNT_NOT_VIP);
	g_gue_port = GUE_PORT;
	fx_config(g_st, 1, SELF4, GUE_PORT);
}

/* ---- 8. malformed --------------------------------------------------------------- */

static void m_ihl4(struct pkt *p)
{
	p->data[p->l3_off] = 0x44;
}

static void m_ihl15(struct pkt *p)
{
	p->data[p->l3_off] = 0x4f;	/* 60-byte header in a 40-byte packet */
}

static void m_v4_version6(struct pkt *p)
{
	p->data[p->l3_off] = 0x65;
}

static void m_totlen_big(struct pkt *p)
{
	put_be16(p->data + p->l3_off + 2, be16(p->data + p->l3_off + 2) + 1);
}

static void m_totlen_small(struct pkt *p)
{
	put_be16(p->data + p->l3_off + 2, 16);
}

static void m_v6_version4(struct pkt *p)
{
	p->data[p->l3_off] = (uint8_t)(0x40 | (p->data[p->l3_off] & 0x0f));
}

static void m_plen_big(struct pkt *p)
{
	put_be16(p->data + p->l3_off + 4, be16(p->data + p->l3_off + 4) + 1);
}

static void m_hbh_len(struct pkt *p)
{
	p->data[p->l3_off + 40 + 1] = 10;	/* 88 bytes claimed, 8 + 20 present */
}

static void m_cut20(struct pkt *p)
{
	p->len = p->l3_off + 10;	/* IPv4 header cut */
}

static void m_cut30(struct pkt *p)
{
	p->len = p->l3_off + 30;	/* IPv6 header cut */
}

/* Shorten the IP packet to end `keep` bytes into its L4 header, with
 * consistent IP lengths (and IPv4 header checksum). */
static void cut_l4(struct pkt *p, size_t keep)
{
	uint8_t *ip = p->data + p->l3_off;
	size_t end = p->l4_off + keep;

	p->len = end;
	if (ip[0] >> 4 == 4) {
		size_t hlen = (size_t)(ip[0] & 0x0f) * 4;

		put_be16(ip + 2, (unsigned int)(end - p->l3_off));
		put_be16(ip + 10, 0);
		put_be16(ip + 10, pkt_csum(ip, hlen, 0));
	} else {
		put_be16(ip + 4, (unsigned int)(end - p->l3_off - 40));
	}
}

static void m_l4_keep19(struct pkt *p)
{
	cut_l4(p, 19);
}

static void m_l4_keep10(struct pkt *p)
{
	cut_l4(p, 10);
}

static void m_l4_keep7(struct pkt *p)
{
	cut_l4(p, 7);
}

static void m_l4_keep3(struct pkt *p)
{
	cut_l4(p, 3);
}

static void m_frag_cut(struct pkt *p)
{
	/* the IPv6 header says a Fragment header follows; 4 of its 8 bytes do */
	p->len = p->l3_off + 44;
	put_be16(p->data + p->l3_off + 4, 4);
}

static void test_malformed(void)
{
	static const struct {
		const char *name;
		struct flow f;
		void (*mangle)(struct pkt *p);
		int verdict, reason;
		uint16_t pop;	/* a valid packet: tunnel to this POP */
	} cases[] = {
		{ "IPv4 IHL 4", { .src = "10.2.0.7", .dst = VIP4, .l4 = L4_TCP }, m_ihl4,
		  XDP_DROP, ES_CNT_MALFORMED_IPV4, 0 },
		{ "IPv4 IHL 15 > total length", { .src = "10.2.0.7", .dst = VIP4, .l4 = L4_TCP },
		  m_ihl15, XDP_DROP, ES_CNT_MALFORMED_IPV4, 0 },
		{ "IPv4 EtherType, version 6", { .src = "10.2.0.7", .dst = VIP4, .l4 = L4_UDP },
		  m_v4_version6, XDP_DROP, ES_CNT_MALFORMED_IPV4, 0 },
		{ "IPv4 total length > frame", { .src = "10.2.0.7", .dst = VIP4, .l4 = L4_UDP,
		  .vlans = 1, .payload = 10 }, m_totlen_big, XDP_DROP, ES_CNT_MALFORMED_IPV4, 0 },
		{ "IPv4 total length > frame, not a VIP", { .src = "10.2.0.7", .dst = NOVIP4,
		  .l4 = L4_UDP, .payload = 10 }, m_totlen_big, XDP_DROP, ES_CNT_MALFORMED_IPV4, 0 },
		{ "IPv4 total length < IHL*4", { .src = "10.2.0.7", .dst = VIP4, .l4 = L4_TCP },
		  m_totlen_small, XDP_DROP, ES_CNT_MALFORMED_IPV4, 0 },
		{ "IPv4 options, total length < IHL*4", { .src = "10.2.0.7", .dst = VIP4,
		  .l4 = L4_TCP, .ip_opts = true }, m_totlen_small, XDP_DROP,
		  ES_CNT_MALFORMED_IPV4, 0 },
		{ "IPv4 header cut at 10 bytes", { .src = "10.2.0.7", .dst = VIP4, .l4 = L4_TCP },
		  m_cut20, XDP_DROP, ES_CNT_MALFORMED_IPV4, 0 },
		{ "IPv6 EtherType, version 4", { .src = "2001:db8:3::7", .dst = VIP6,
		  .l4 = L4_TCP }, m_v6_version4, XDP_DROP, ES_CNT_MALFORMED_IPV6, 0 },
		{ "IPv6 payload length > frame", { .src = "2001:db8:3::7", .dst = VIP6,
		  .l4 = L4_UDP, .payload = 3 }, m_plen_big, XDP_DROP, ES_CNT_MALFORMED_IPV6, 0 },
		{ "IPv6 header cut at 30 bytes", { .src = "2001:db8:3::7", .dst = VIP6,
		  .l4 = L4_UDP }, m_cut30, XDP_DROP, ES_CNT_MALFORMED_IPV6, 0 },
		{ "IPv6 with 9 extension headers", { .src = "2001:db8:3::7", .dst = VIP6,
		  .l4 = L4_TCP, .ndst = 9 }, NULL, XDP_DROP, ES_CNT_MALFORMED_IPV6_EXT, 0 },
		{ "IPv6 with HBH + 8 extension headers", { .src = "2001:db8:3::7", .dst = VIP6,
		  .l4 = L4_TCP, .ext = EXT_HBH, .ndst = 8 }, NULL, XDP_DROP,
		  ES_CNT_MALFORMED_IPV6_EXT, 0 },
		{ "IPv6 with 8 extension headers", { .src = "2001:db8:3::7", .dst = VIP6,
		  .l4 = L4_TCP, .ndst = 8 }, NULL, XDP_REDIRECT, ES_CNT_TUNNEL, 3 },
		{ "IPv6 extension header longer than the packet", { .src = "2001:db8:3::7",
		  .dst = VIP6, .l4 = L4_TCP, .ext = EXT_HBH }, m_hbh_len, XDP_DROP,
		  ES_CNT_MALFORMED_IPV6_EXT, 0 },
		{ "IPv6 fragment header cut", { .src = "2001:db8:3::7", .dst = VIP6, .l4 = L4_UDP,
		  .frag = FR_FIRST }, m_frag_cut, XDP_DROP, ES_CNT_MALFORMED_IPV6_EXT, 0 },
		{ "TCP header of 19 bytes to a VIP", { .src = "10.2.0.7", .dst = VIP4,
		  .l4 = L4_TCP }, m_l4_keep19, XDP_DROP, ES_CNT_MALFORMED_L4, 0 },
		{ "TCP header of 10 bytes to a VIP (v6)", { .src = "2001:db8:3::7", .dst = VIP6,
		  .l4 = L4_TCP, .vlans = 2 }, m_l4_keep10, XDP_DROP, ES_CNT_MALFORMED_L4, 0 },
		{ "TCP header of 20 bytes, nothing more", { .src = "10.2.0.7", .dst = VIP4,
		  .l4 = L4_TCP }, NULL, XDP_REDIRECT, ES_CNT_TUNNEL, 2 },
		{ "UDP header of 7 bytes", { .src = "10.2.0.7", .dst = VIP4, .l4 = L4_UDP },
		  m_l4_keep7, XDP_DROP, ES_CNT_MALFORMED_L4, 0 },
		{ "UDP header of 7 bytes (v6)", { .src = "2001:db8:3::7", .dst = VIP6,
		  .l4 = L4_UDP }, m_l4_keep7, XDP_DROP, ES_CNT_MALFORMED_L4, 0 },
		{ "ICMP header of 3 bytes", { .src = "10.2.0.7", .dst = VIP4, .l4 = L4_ICMP },
		  m_l4_keep3, XDP_DROP, ES_CNT_MALFORMED_L4, 0 },
		{ "ICMPv6 header of 3 bytes", { .src = "2001:db8:3::7", .dst = VIP6,
		  .l4 = L4_ICMP }, m_l4_keep3, XDP_DROP, ES_CNT_MALFORMED_L4, 0 },
	};
	static struct pkt in;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct flow f = cases[i].f;

		f.sport = (uint16_t)(32000 + i);
		f.dport = 443;
		f.flags = PKT_TCP_ACK;
		if (cases[i].pop) {
			tunnel_case(cases[i].name, &f, pop(cases[i].pop));
			continue;
		}
		build_flow(&in, &f);
		if (cases[i].mangle)
			cases[i].mangle(&in);
		untouched_case(cases[i].name, &in, cases[i].verdict, cases[i].reason);
	}

	/* link layer */
	pkt_init(&in);
	pkt_eth(&in, MAC_NIC, MAC_UPSTREAM);
	pkt_eth_type(&in, 0x8100);
	pkt_payload(&in, "\x00\x64", 2);
	untouched_case("802.1Q tag cut", &in, XDP_DROP, ES_CNT_MALFORMED_L2);
	pkt_init(&in);
	pkt_eth(&in, MAC_NIC, MAC_UPSTREAM);
	add_vlans(&in, 1);
	pkt_eth_type(&in, 0x8100);
	pkt_payload(&in, "\x00\x65\x08", 3);
	untouched_case("second tag cut", &in, XDP_DROP, ES_CNT_MALFORMED_L2);
	pkt_init(&in);
	pkt_eth(&in, MAC_NIC, MAC_UPSTREAM);
	pkt_eth_type(&in, 0x0800);
	untouched_case("IPv4 EtherType, nothing after", &in, XDP_DROP, ES_CNT_MALFORMED_IPV4);
	pkt_init(&in);
	pkt_eth(&in, MAC_NIC, MAC_UPSTREAM);
	pkt_eth_type(&in, 0x86dd);
	untouched_case("IPv6 EtherType, nothing after", &in, XDP_DROP, ES_CNT_MALFORMED_IPV6);
}

/* ---- truncation sweep ------------------------------------------------------- */

/*
 * What a frame of the first `len` bytes of a valid frame `in` must get,
 * from the header layout alone: test_run refuses less than an Ethernet
 * header; a VLAN tag that is not all there is an L2 error; an IP header
 * that is not all there, or whose length field claims more than is left,
 * is an IP error. Once the IP packet is whole (anything after it is
 * padding) the frame is the valid one.
 */
static struct expect predict_truncated(const struct pkt *in, size_t len, const struct expect *full)
{
	struct expect e = { .verdict = XDP_DROP };
	const uint8_t *ip = in->data + in->l3_off;
	size_t avail;

	if (len < 14) {
		e.verdict = -EINVAL;
		return e;
	}
	if (len < in->l3_off) {
		e.reason = ES_CNT_MALFORMED_L2;
		return e;
	}
	avail = len - in->l3_off;
	if (ip[0] >> 4 == 4) {
		e.reason = ES_CNT_MALFORMED_IPV4;
		if (avail < 20 || avail < be16(ip + 2))
			return e;
	} else {
		e.reason = ES_CNT_MALFORMED_IPV6;
		if (avail < 40 || avail < 40 + be16(ip + 4))
			return e;
	}
	return *full;
}

struct sweep_ctx {
	const char *name;
	const struct pkt *in;
	struct expect full;
	/* output check for a frame that gets the full verdict */
	const struct flow *flow;	/* tunnel: the flow and POP */
	const struct popd *pop;
	const struct pkt *want;		/* decap: the expected frame */
};

static void sweep(const struct sweep_ctx *sc)
{
	struct snap a, b;
	long long runs = 0, verdicts = 0, reasons = 0;
	int bad = 0;

	snap_take(&a);
	for (size_t len = 0; len <= sc->in->len && bad < 5; len++) {
		struct expect e = predict_truncated(sc->in, len, &sc->full);
		const char *what = fmt("%s cut to %zu/%zu", sc->name, len, sc->in->len);
		int before = es_test_failures;

		run_frame(sc->in->data, len, &e, what);
		if (R.verdict >= 0) {
			runs++;
			if (R.verdict < XDP_DROP || R.verdict > XDP_REDIRECT)
				FAIL("%s: verdict %d is not a valid one", what, R.verdict);
		}
		if (R.verdict == e.verdict && e.verdict >= 0) {
			if (e.reason != sc->full.reason || e.verdict != sc->full.verdict)
				ASSERT_PKT_EQ(R.data, R.len, sc->in->data, len, what);
			else if (sc->pop)
				check_tunnel(what, sc->in, sc->flow, sc->pop);
			else
				ASSERT_PKT_EQ(R.data, R.len, sc->want->data, sc->want->len, what);
		}
		bad += es_test_failures != before;
	}
	snap_take(&b);
	for (int c = 0; c < ES_CNT_VERDICTS; c++)
		verdicts += (long long)(b.c[c] - a.c[c]);
	for (int c = ES_CNT_VERDICTS; c < ES_CNT_REASONS_END; c++)
		reasons += (long long)(b.c[c] - a.c[c]);
	if (bad < 5) {
		ASSERT_EQ(verdicts, runs, fmt("%s: verdict counters vs runs", sc->name));
		ASSERT_EQ(reasons, runs, fmt("%s: reason counters vs runs", sc->name));
	} else {
		FAIL("%s: sweep stopped after 5 failing lengths", sc->name);
	}
}

static void test_truncation_sweep(void)
{
	static struct pkt in1, in2, in3, in4, in5, inner3, inner4, want3, want4;
	static const struct flow f1 = { .src = "10.2.0.7", .dst = VIP4, .l4 = L4_TCP,
					.sport = 33000, .dport = 443, .flags = PKT_TCP_ACK,
					.vlans = 2, .ip_opts = true, .tcp_opts = true,
					.payload = 40, .tos = 0x12 };
	static const struct flow f2 = { .src = "2001:db8:5::7", .dst = VIP6, .l4 = L4_UDP,
					.sport = 33001, .dport = 53, .ext = EXT_HBH,
					.frag = FR_FIRST, .payload = 50 };
	static const struct flow f5 = { .src = "10.4.0.7", .dst = VIP4, .l4 = L4_UDP,
					.sport = 33002, .dport = 53, .payload = 4, .trailer = 14 };
	static const struct flow i4 = { .src = "10.2.0.7", .dst = VIP4, .l4 = L4_TCP,
					.sport = 33003, .dport = 443, .flags = PKT_TCP_SYN,
					.vlans = 1 };
	const struct outer o3 = { .src = "203.0.113.4", .dst = SELF4, .gue = true };
	const struct outer o4 = { .src = PEER4, .dst = SELF4, .vlans = 1 };
	struct sweep_ctx sc;

	fx_config(g_st, 1, SELF4, GUE_PORT);

	build_flow(&in1, &f1);
	sc = (struct sweep_ctx){ .name = "v4 TCP+options, 2 tags, to IPIP", .in = &in1,
				 .full = tunnel_expect(pop(2)), .flow = &f1, .pop = pop(2) };
	sweep(&sc);

	build_flow(&in2, &f2);
	sc = (struct sweep_ctx){ .name = "v6 HBH+frag+UDP, to GUE/IPv6", .in = &in2,
				 .full = tunnel_expect(pop(5)), .flow = &f2, .pop = pop(5) };
	sc.full.frag = 1;
	sweep(&sc);

	build_flow(&inner3, &INNER6);
	build_outer(&in3, &o3, &inner3, NULL, 0);
	build_decap_want(&want3, &o3, &inner3);
	sc = (struct sweep_ctx){ .name = "GUE decap", .in = &in3,
				 .full = { .verdict = XDP_PASS, .reason = ES_CNT_DECAP },
				 .want = &want3 };
	sweep(&sc);

	build_flow(&inner4, &i4);
	build_outer(&in4, &o4, &inner4, NULL, 0);
	build_decap_want(&want4, &o4, &inner4);
	sc = (struct sweep_ctx){ .name = "IPIP decap, 1 tag", .in = &in4,
				 .full = { .verdict = XDP_PASS, .reason = ES_CNT_DECAP,
					   .mss_rec = 1 },
				 .want = &want4 };
	sweep(&sc);

	build_flow(&in5, &f5);
	sc = (struct sweep_ctx){ .name = "v4 UDP padded to 60, to GUE/IPv4", .in = &in5,
				 .full = tunnel_expect(pop(4)), .flow = &f5, .pop = pop(4) };
	sweep(&sc);
}

/* ---- 9. fragments ------------------------------------------------------------- */

static void test_fragments(void)
{
	static const uint16_t pops[] = { 2, 3, 4, 5 };

	for (size_t pi = 0; pi < sizeof(pops) / sizeof(pops[0]); pi++) {
		const struct popd *p = pop(pops[pi]);

		for (int fam = 4; fam <= 6; fam += 2) {
			struct flow f = { .src = fam == 4 ? cli4(p->id) : cli6(p->id),
					  .dst = fam == 4 ? VIP4 : VIP6, .l4 = L4_UDP,
					  .sport = (uint16_t)(34000 + p->id * 8 + fam), .dport = 53,
					  .frag = FR_FIRST, .payload = 200, .tos = 0x04 };
			struct hashinfo first, later;

			first = tunnel_case(fmt("%s ipv%d first fragment", p->name, fam), &f, p);
			f.frag = FR_LATER;
			f.payload = 77;
			later = tunnel_case(fmt("%s ipv%d later fragment", p->name, fam), &f, p);
			if (first.sport != later.sport)
				FAIL("%s ipv%d: GUE source port 0x%04x for the first fragment, 0x%04x for a later one",
				     p->name, fam, first.sport, later.sport);
			if (first.label != later.label)
				FAIL("%s ipv%d: flow label 0x%05x for the first fragment, 0x%05x for a later one",
				     p->name, fam, first.label, later.label);
		}
	}

	/* a VIP narrowed to tcp/443: the later fragment has no port, the
	 * protocol still has to match */
	{
		struct flow f = { .src = cli4(2), .dst = VIP4_TLS, .l4 = L4_TCP, .sport = 34100,
				  .dport = 443, .flags = PKT_TCP_ACK, .frag = FR_FIRST,
				  .payload = 100 };
		static struct pkt in;

		tunnel_case("tcp/443 VIP: first fragment", &f, pop(2));
		f.frag = FR_LATER;
		tunnel_case("tcp/443 VIP: later fragment", &f, pop(2));
		f.l4 = L4_UDP;
		build_flow(&in, &f);
		untouched_case("tcp/443 VIP: later fragment of UDP", &in, XDP_PASS, ES_CNT_NOT_VIP);

		f = (struct flow){ .src = cli6(3), .dst = VIP6_TLS, .l4 = L4_TCP, .sport = 34101,
				   .dport = 443, .flags = PKT_TCP_ACK, .frag = FR_FIRST,
				   .payload = 100 };
		tunnel_case("tcp/443 VIP (v6): first fragment", &f, pop(3));
		f.frag = FR_LATER;
		tunnel_case("tcp/443 VIP (v6): later fragment", &f, pop(3));
		f.l4 = L4_UDP;
		build_flow(&in, &f);
		untouched_case("tcp/443 VIP (v6): later fragment of UDP", &in, XDP_PASS,
			       ES_CNT_NOT_VIP);
	}
}

/* ---- multi-buffer frames (SEC("xdp.frags"): jumbo frames) ---------------------- */

static void test_jumbo_frames(void)
{
	static const struct {
		uint16_t pop;
		struct flow f;
	} cases[] = {
		{ 4, { .src = "10.4.0.7", .dst = VIP4, .l4 = L4_TCP, .flags = PKT_TCP_ACK,
		       .payload = 6000 } },
		{ 5, { .src = "2001:db8:5::7", .dst = VIP6, .l4 = L4_TCP, .flags = PKT_TCP_ACK,
		       .payload = 6000 } },
		{ 2, { .src = "10.2.0.7", .dst = VIP4, .l4 = L4_UDP, .payload = 1400,
		       .vlans = 2 } },
		{ 5, { .src = "2001:db8:5::7", .dst = VIP6, .l4 = L4_TCP, .flags = PKT_TCP_ACK,
		       .ndst = 1, .payload = 6000 } },
		{ 5, { .src = "10.5.0.7", .dst = VIP4, .l4 = L4_UDP, .udp_nocsum = true,
		       .payload = 5001 } },
	};
	struct outer o = { .src = PEER4, .dst = SELF4, .gue = true, .vlans = 1 };
	struct flow big = INNER6;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct flow f = cases[i].f;

		f.sport = (uint16_t)(35000 + i);
		f.dport = 443;
		if (cases[i].pop == 2) {	/* control: large, still linear; 1428 + 20 <= 1500 */
			tunnel_case("IPIP, 1428-byte packet, 2 tags", &f, pop(2));
			continue;
		}
		if (cases[i].pop == 5 && (f.ndst || f.udp_nocsum)) {
			/* GUE over IPv6 needs the byte sum, which the program
			 * cannot take over frags: served here, untouched */
			struct pkt *in = malloc(sizeof(*in));

			build_flow(in, &f);
			untouched_case(fmt("%s: %zu-byte multi-buffer, no header sum: served here",
					   pop(5)->name, f.payload), in, XDP_PASS, ES_CNT_LOCAL_NO_CSUM);
			free(in);
			continue;
		}
		tunnel_case(fmt("%s: %zu-byte ipv%d %s%s%s", pop(cases[i].pop)->name,
				f.payload, addr6(f.src) ? 6 : 4, l4_name(f.l4),
				f.ndst ? " + dstopts" : "", f.udp_nocsum ? " no-csum" : ""),
			    &f, pop(cases[i].pop));
	}

	fx_config(g_st, 1, SELF4, GUE_PORT);
	big.payload = 6000;
	decap_ok_case("GUE decap of a 6 KB inner packet", &o, &big);
}

int main(void)
{
	es_test_require_root("test_datapath");
	if (!setup()) {
		fprintf(stdout, "FAIL setup\n");
		if (g_st)
			es_state_close(g_st);
		return 1;
	}
	RUN_TEST(test_not_ip);
	RUN_TEST(test_not_vip);
	RUN_TEST(test_vip_rules);
	RUN_TEST(test_local_decisions);
	RUN_TEST(test_bad_decision);
	RUN_TEST(test_encap_matrix);
	RUN_TEST(test_gue_unsummable);
	RUN_TEST(test_encap_l2_variants);
	RUN_TEST(test_flow_hash);
	RUN_TEST(test_verdict_tx);
	RUN_TEST(test_mtu);
	RUN_TEST(test_nexthop_unresolved);
	RUN_TEST(test_candidates);
	RUN_TEST(test_drain);
	RUN_TEST(test_transition);
	RUN_TEST(test_transition_from_local);
	RUN_TEST(test_redirect);
	RUN_TEST(test_decap_ipv4_outer);
	RUN_TEST(test_decap_ipv6_outer);
	RUN_TEST(test_decap_refused);
	RUN_TEST(test_gue_port_config);
	RUN_TEST(test_malformed);
	RUN_TEST(test_truncation_sweep);
	RUN_TEST(test_fragments);
	RUN_TEST(test_jumbo_frames);
	es_state_close(g_st);
	return es_test_exit();
}

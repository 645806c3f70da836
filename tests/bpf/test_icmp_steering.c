// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN fixtures: ICMP errors to a VIP follow the flow they
 * quote (bpf/icmp_quote.h), echo requests follow their source, and every
 * fragment of a datagram goes where the others go, without per-flow state
 * (bpf/decide.h, bpf/flow.h).
 *
 * The world: a client prefix steered to one POP, a router in a prefix
 * steered to another (so an error steered by its outer source goes
 * somewhere visibly wrong), and prefixes in transition whose flow table
 * decides. Every input and every expected output frame is built with the
 * packet builder (tests/lib/pkt.h), which knows nothing of the program:
 * a tunnelled error must be the whole ICMP packet, unchanged, inside the
 * POP's outer header. Every counter delta is checked, not only the ones a
 * case is about.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "fixture.h"
#include "pkt.h"
#include "test.h"

#define GUE_PORT	6080
#define P_ICMP		1
#define P_TCP		6
#define P_UDP		17
#define P_ICMPV6	58

#define SELF4		"192.0.2.1"
#define SELF6		"2001:db8:ff::1"
#define VIP4		"198.51.100.10"		/* every protocol and port */
#define VIP4_TLS	"198.51.100.11"		/* tcp/443 only */
#define VIP6		"2001:db8:100::10"
#define CLIENT4		"10.2.0.7"		/* 10.2.0.0/16 -> POP 2 */
#define CLIENT6		"2001:db8:2::7"		/* 2001:db8:2::/48 -> POP 3 */
#define ROUTER4		"10.4.0.1"		/* 10.4.0.0/16 -> POP 4 */
#define ROUTER6		"2001:db8:4::1"		/* 2001:db8:4::/48 -> POP 4 */
#define TRANS4		"10.10.0.7"		/* POP 10, then POP 11 */
#define TRANS6		"2001:db8:10::7"
#define FRAG4		"10.12.0.7"		/* POP 10, then POP 13 */
#define FRAG6		"2001:db8:12::7"	/* POP 10, then POP 14 */

static const uint8_t MAC_NIC[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t MAC_UPSTREAM[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe };

struct popd {
	uint16_t id;
	uint8_t encap;
	const char *endpoint, *source;
};

static const struct popd POPS[] = {
	{ 2, ES_ENCAP_IPIP, "203.0.113.2", SELF4 },	/* the client's */
	{ 3, ES_ENCAP_IPIP, "2001:db8:ff::3", SELF6 },	/* the IPv6 client's */
	{ 4, ES_ENCAP_IPIP, "203.0.113.4", SELF4 },	/* the router's */
	{ 10, ES_ENCAP_IPIP, "203.0.113.10", SELF4 },	/* before the transitions */
	{ 11, ES_ENCAP_IPIP, "203.0.113.11", SELF4 },	/* after */
	{ 13, ES_ENCAP_GUE, "203.0.113.13", SELF4 },
	{ 14, ES_ENCAP_GUE, "2001:db8:ff::14", SELF6 },
};

static struct es_state *g_st;

static const struct popd *pop(uint16_t id)
{
	for (size_t i = 0; i < sizeof(POPS) / sizeof(POPS[0]); i++)
		if (POPS[i].id == id)
			return &POPS[i];
	fprintf(stderr, "test bug: no POP %u\n", id);
	abort();
}

static bool v6(const char *a)
{
	return strchr(a, ':') != NULL;
}

static void pop_macs(uint16_t id, uint8_t smac[6], uint8_t dmac[6])
{
	const uint8_t s[6] = { 0x02, 0x5a, 0x00, 0x00, 0x00, (uint8_t)id };
	const uint8_t d[6] = { 0x02, 0xda, 0x00, 0x00, 0x00, (uint8_t)id };

	memcpy(smac, s, 6);
	memcpy(dmac, d, 6);
}

static const char *fmt(const char *f, ...)
{
	static char bufs[16][160];
	static unsigned int next;
	char *b = bufs[next++ % 16];
	va_list ap;

	va_start(ap, f);
	vsnprintf(b, sizeof(bufs[0]), f, ap);
	va_end(ap);
	return b;
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

/* ---- packets ----------------------------------------------------------------- */

/* The packet the VIP sent that an error quotes: VIP -> client, TCP or UDP,
 * with IPv6 extension headers when asked (nothing, or HBH + DSTOPTS +
 * fragment header at offset 0). 1400 bytes long on the wire; the error
 * quotes only its beginning. */
static void build_quoted(struct pkt *q, const char *vip, const char *client, uint8_t proto,
			 uint16_t vport, uint16_t cport, bool ext)
{
	pkt_init(q);
	pkt_eth(q, MAC_NIC, MAC_UPSTREAM);
	if (v6(vip)) {
		pkt_ipv6(q, vip, client, proto);
		if (ext) {
			pkt_ipv6_ext(q, 0, NULL, 0);
			pkt_ipv6_ext(q, 60, NULL, 4);
			pkt_ipv6_frag(q, 0, true, 0x5eed);
		}
	} else {
		pkt_ipv4(q, vip, client, proto, NULL, 0);
		pkt_ipv4_id(q, 0x4242);
		pkt_ipv4_frag(q, PKT_IP_DF);
	}
	if (proto == P_TCP) {
		pkt_tcp(q, vport, cport, PKT_TCP_ACK | PKT_TCP_PSH);
		pkt_tcp_seq(q, 0x1000 + cport, 0x2000);
	} else {
		pkt_udp(q, vport, cport);
	}
	pkt_pattern(q, 1400 - (q->len - q->l3_off), 0x30);
	pkt_finish(q);
}

/* ICMP(v6) error from `router` to `vip` quoting the first `quote_len`
 * bytes of q (from its IP header). */
static void build_error(struct pkt *p, const char *router, const char *vip, uint8_t type,
			uint8_t code, uint32_t rest, const struct pkt *q, size_t quote_len)
{
	pkt_init(p);
	pkt_eth(p, MAC_NIC, MAC_UPSTREAM);
	if (v6(router))
		pkt_ipv6(p, router, vip, P_ICMPV6);
	else
		pkt_ipv4(p, router, vip, P_ICMP, NULL, 0);
	pkt_ip_ttl(p, 250);
	pkt_icmp(p, type, code, rest);
	pkt_payload(p, q->data + q->l3_off, quote_len);
	pkt_finish(p);
}

static size_t quoted_ip_len(const struct pkt *q)
{
	return q->end - q->l3_off;
}

/* ---- running and checking ------------------------------------------------------ */

static struct {
	int verdict;
	size_t len;
	uint8_t data[PKT_MAX_LEN + 4096];
} R;

struct expect {
	int verdict, reason;
	uint16_t pop;			/* whose packet count rises, 0: none */
	int hit, pin_new, pin_old;	/* flow-table events */
	int quoted, frag;		/* ES_CNT_ICMP_QUOTED, ES_CNT_FRAGMENT */
};

struct snap {
	__u64 c[ES_CNT_MAX];
	__u64 pop[16];
};

static void snap_take(struct snap *s)
{
	for (int c = 0; c < ES_CNT_MAX; c++)
		s->c[c] = fx_counter(g_st, c);
	for (int p = 0; p < 16; p++)
		s->pop[p] = fx_pop_packets(g_st, (__u16)p);
}

static void run(const struct pkt *in, const struct expect *e, const char *what)
{
	struct snap a, b;

	snap_take(&a);
	R.len = 0;
	R.verdict = fx_run(g_st, in->data, in->len, R.data, sizeof(R.data), &R.len);
	snap_take(&b);
	if (R.verdict != e->verdict)
		FAIL("%s: verdict %d, want %d", what, R.verdict, e->verdict);
	for (int c = 0; c < ES_CNT_MAX; c++) {
		long long got = (long long)(b.c[c] - a.c[c]), want;

		want = (c == (int)fx_verdict_counter(e->verdict)) + (c == e->reason);
		if (c == ES_CNT_FLOW_HIT)
			want = e->hit;
		else if (c == ES_CNT_FLOW_PIN_NEW)
			want = e->pin_new;
		else if (c == ES_CNT_FLOW_PIN_EXISTING)
			want = e->pin_old;
		else if (c == ES_CNT_ICMP_QUOTED)
			want = e->quoted;
		else if (c == ES_CNT_FRAGMENT)
			want = e->frag;
		if (got != want)
			FAIL("%s: counter %d rose by %lld, want %lld", what, c, got, want);
	}
	for (int p = 0; p < 16; p++) {
		long long got = (long long)(b.pop[p] - a.pop[p]), want = e->pop && p == e->pop;

		if (got != want)
			FAIL("%s: packets of POP %d rose by %lld, want %lld", what, p, got, want);
	}
}

static bool pop6(const struct popd *p)
{
	return v6(p->endpoint);
}

/*
 * R must be `in` tunnelled to POP p: the outer header built here, the
 * inner packet byte for byte. Only the hash-derived fields (IPv6 flow
 * label, GUE source port) are taken from R, and returned for comparing
 * the fragments of a datagram. udp_csum: the GUE checksum is present.
 */
struct hashes {
	uint32_t label;
	uint16_t sport;
};

static struct hashes check_tunnel(const struct pkt *in, const struct popd *p, bool udp_csum,
				  const char *what)
{
	static struct pkt w;
	bool gue = p->encap == ES_ENCAP_GUE, inner6 = in->data[in->l3_off] >> 4 == 6;
	size_t ol3 = pop6(p) ? 40 : 20;
	uint8_t smac[6], dmac[6], proto = gue ? P_UDP : inner6 ? 41 : 4;
	struct hashes h = { 0, 0 };
	char err[256];

	if (R.len < 14 + ol3 + (gue ? 8 : 0)) {
		FAIL("%s: %zu bytes out, too short for a tunnel", what, R.len);
		return h;
	}
	if (pop6(p))
		h.label = (uint32_t)(R.data[15] & 0x0f) << 16 | (uint32_t)R.data[16] << 8 |
			  R.data[17];
	if (gue)
		h.sport = (uint16_t)(R.data[14 + ol3] << 8 | R.data[14 + ol3 + 1]);

	pop_macs(p->id, smac, dmac);
	pkt_init(&w);
	pkt_eth(&w, dmac, smac);
	if (pop6(p)) {
		pkt_ipv6(&w, p->source, p->endpoint, proto);
		pkt_ipv6_flowlabel(&w, h.label);
	} else {
		pkt_ipv4(&w, p->source, p->endpoint, proto, NULL, 0);
		pkt_ipv4_id(&w, 0);
		pkt_ipv4_frag(&w, PKT_IP_DF);
	}
	pkt_ip_ttl(&w, 64);
	if (gue) {
		pkt_udp(&w, h.sport, GUE_PORT);
		if (!udp_csum)
			pkt_udp_no_csum(&w);
	}
	pkt_inner(&w, in);
	pkt_finish(&w);
	ASSERT_PKT_EQ(R.data, R.len, w.data, w.len, what);
	if (pkt_verify(R.data, R.len, GUE_PORT, err, sizeof(err)))
		FAIL("%s: output does not verify: %s", what, err);
	return h;
}

static struct expect to_pop(uint16_t id)
{
	struct expect e = { .verdict = XDP_REDIRECT, .reason = ES_CNT_TUNNEL, .pop = id };

	return e;
}

/* `in` goes to POP id, whole and unchanged inside the tunnel. */
static struct hashes tunnelled(const struct pkt *in, uint16_t id, struct expect e,
			       bool udp_csum, const char *what)
{
	run(in, &e, what);
	return check_tunnel(in, pop(id), udp_csum, what);
}

static long flow_entries(void)
{
	struct es_flow_key k, next;
	long n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(g_st->flows_fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/* ---- setup ------------------------------------------------------------------- */

static bool ok_or_say(int err, const char *what)
{
	if (err)
		fprintf(stdout, "setup: %s: %s\n", what, strerror(-err));
	return !err;
}

static int prefix(const char *cidr, uint16_t id)
{
	return fx_prefix(g_st, cidr, ES_ACTION_POPS, &id, 1);
}

static bool setup(void)
{
	bool ok = true;

	g_st = fx_open(0, 0);
	if (!g_st)
		return false;
	ok &= ok_or_say(fx_config(g_st, 1, SELF4, GUE_PORT), "config");
	for (size_t i = 0; i < sizeof(POPS) / sizeof(POPS[0]); i++) {
		uint8_t smac[6], dmac[6];

		pop_macs(POPS[i].id, smac, dmac);
		ok &= ok_or_say(fx_pop_tunnel(g_st, POPS[i].id, fmt("p%u", POPS[i].id),
					      POPS[i].endpoint, POPS[i].source, POPS[i].encap,
					      1500, 7, smac, dmac), "pop");
	}
	ok &= ok_or_say(fx_vip(g_st, VIP4, 0, 0), "vip");
	ok &= ok_or_say(fx_vip(g_st, VIP4_TLS, P_TCP, 443), "vip");
	ok &= ok_or_say(fx_vip(g_st, VIP6, 0, 0), "vip");
	ok &= ok_or_say(prefix("10.2.0.0/16", 2), "prefix");
	ok &= ok_or_say(prefix("2001:db8:2::/48", 3), "prefix");
	ok &= ok_or_say(prefix("10.4.0.0/16", 4), "prefix");
	ok &= ok_or_say(prefix("2001:db8:4::/48", 4), "prefix");
	return ok;
}

/* ---- ICMP errors ---------------------------------------------------------------- */

/* Frag needed / packet too big / time exceeded / unreachable / parameter
 * problem, about a packet VIP -> client, sent by a router steered to POP
 * 4: each goes to POP 2 or 3, the client's. */
static void test_errors_follow_the_client(void)
{
	static const struct {
		const char *router, *vip, *client;
		uint8_t type, code;
		uint32_t rest;
		uint8_t proto;
		bool ext;
		uint16_t want;
	} cases[] = {
		{ ROUTER4, VIP4, CLIENT4, 3, 4, 1400, P_TCP, false, 2 },	/* frag needed */
		{ ROUTER4, VIP4, CLIENT4, 3, 1, 0, P_UDP, false, 2 },	/* host unreachable */
		{ ROUTER4, VIP4, CLIENT4, 11, 0, 0, P_TCP, false, 2 },	/* TTL exceeded */
		{ ROUTER4, VIP4, CLIENT4, 12, 0, 0x14000000, P_TCP, false, 2 },
		{ ROUTER4, VIP4_TLS, CLIENT4, 3, 4, 1280, P_TCP, false, 2 },	/* tcp/443 VIP */
		{ ROUTER6, VIP6, CLIENT6, 2, 0, 1280, P_TCP, false, 3 },	/* packet too big */
		{ ROUTER6, VIP6, CLIENT6, 1, 3, 0, P_UDP, false, 3 },
		{ ROUTER6, VIP6, CLIENT6, 3, 0, 0, P_TCP, false, 3 },
		{ ROUTER6, VIP6, CLIENT6, 4, 0, 40, P_TCP, false, 3 },
		{ ROUTER6, VIP6, CLIENT6, 2, 0, 1280, P_TCP, true, 3 },	/* HBH DST frag */
		{ ROUTER6, VIP6, CLIENT6, 2, 0, 1280, P_UDP, true, 3 },
	};
	static struct pkt q, in;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct expect e = to_pop(cases[i].want);
		const char *what = fmt("#%zu type %u code %u from %s", i, cases[i].type,
				       cases[i].code, cases[i].router);
		size_t qlen;

		build_quoted(&q, cases[i].vip, cases[i].client, cases[i].proto, 443,
			     (uint16_t)(50000 + i), cases[i].ext);
		/* as much as fits in 576 / 1280 bytes, the way routers quote */
		qlen = quoted_ip_len(&q);
		if (qlen > (v6(cases[i].vip) ? 1280 - 48 : 576 - 28))
			qlen = v6(cases[i].vip) ? 1280 - 48 : 576 - 28;
		build_error(&in, cases[i].router, cases[i].vip, cases[i].type, cases[i].code,
			    cases[i].rest, &q, qlen);
		e.quoted = 1;
		tunnelled(&in, cases[i].want, e, true, what);

		/* RFC 792's minimum: the IP header and 8 bytes */
		build_error(&in, cases[i].router, cases[i].vip, cases[i].type, cases[i].code,
			    cases[i].rest, &q, (size_t)(q.l4_off - q.l3_off) + 8);
		tunnelled(&in, cases[i].want, e, true, fmt("%s, short quote", what));
	}
}

/*
 * Truncated quotes at every length: a quote is used from the length that
 * holds the quoted IP header (and its extension headers) and the 4 bytes
 * of ports on; anything shorter is steered by the outer source, to the
 * router's POP. Never a crash, never a drop: the outer packet is sound.
 */
static void test_truncated_quotes(void)
{
	static struct pkt q, in;

	for (int fam = 4; fam <= 6; fam += 2) {
		for (int ext = 0; ext <= (fam == 6); ext++) {
			const char *vip = fam == 4 ? VIP4 : VIP6;
			size_t need, max;
			int bad = 0;

			build_quoted(&q, vip, fam == 4 ? CLIENT4 : CLIENT6, P_TCP, 443, 51000,
				     ext);
			need = q.l4_off - q.l3_off + 4;
			max = q.l4_off - q.l3_off + 20;
			for (size_t n = 0; n <= max && bad < 3; n++) {
				uint16_t want = n >= need ? (fam == 4 ? 2 : 3) : 4;
				struct expect e = to_pop(want);
				const char *what = fmt("ipv%d%s quote of %zu bytes", fam,
						       ext ? " ext" : "", n);
				int before = es_test_failures;

				e.quoted = n >= need;
				build_error(&in, fam == 4 ? ROUTER4 : ROUTER6, vip,
					    fam == 4 ? 3 : 2, fam == 4 ? 4 : 0, 1280, &q, n);
				tunnelled(&in, want, e, true, what);
				bad += es_test_failures != before;
			}
		}
	}
}

/* Quotes that are whole but not to be trusted, and errors that are not
 * quote-steered at all: all steered by the outer source. */
static void test_untrusted_quotes(void)
{
	static struct pkt q, in;
	struct expect e = to_pop(4);

	/* the quoted source is not the VIP the error is addressed to */
	build_quoted(&q, "198.51.100.99", CLIENT4, P_TCP, 443, 52000, false);
	build_error(&in, ROUTER4, VIP4, 3, 4, 1400, &q, 48);
	tunnelled(&in, 4, e, true, "v4 quote from another address");
	build_quoted(&q, "2001:db8:100::99", CLIENT6, P_TCP, 443, 52000, false);
	build_error(&in, ROUTER6, VIP6, 2, 0, 1280, &q, 80);
	tunnelled(&in, 4, e, true, "v6 quote from another address");

	/* an IPv6 header quoted in ICMP over IPv4, and the reverse */
	build_quoted(&q, VIP6, CLIENT6, P_TCP, 443, 52001, false);
	build_error(&in, ROUTER4, VIP4, 3, 4, 1400, &q, 80);
	tunnelled(&in, 4, e, true, "v6 quoted in ICMPv4");
	build_quoted(&q, VIP4, CLIENT4, P_TCP, 443, 52001, false);
	build_error(&in, ROUTER6, VIP6, 2, 0, 1280, &q, 48);
	tunnelled(&in, 4, e, true, "v4 quoted in ICMPv6");

	/* IHL 4 in the quote */
	build_quoted(&q, VIP4, CLIENT4, P_TCP, 443, 52002, false);
	q.data[q.l3_off] = 0x44;
	build_error(&in, ROUTER4, VIP4, 3, 4, 1400, &q, 48);
	tunnelled(&in, 4, e, true, "v4 quote with IHL 4");

	/* a quoted routing header: its destination need not be the client */
	pkt_init(&q);
	pkt_eth(&q, MAC_NIC, MAC_UPSTREAM);
	pkt_ipv6(&q, VIP6, CLIENT6, P_TCP);
	{
		uint8_t srh[22] = { 4, 1, 0, 0, 0, 0 };

		inet_pton(AF_INET6, CLIENT6, srh + 6);
		pkt_ipv6_ext(&q, 43, srh, sizeof(srh));
	}
	pkt_tcp(&q, 443, 52003, PKT_TCP_ACK);
	pkt_finish(&q);
	build_error(&in, ROUTER6, VIP6, 2, 0, 1280, &q, quoted_ip_len(&q));
	tunnelled(&in, 4, e, true, "v6 quote with a routing header");

	/* more extension headers than the walk takes */
	pkt_init(&q);
	pkt_eth(&q, MAC_NIC, MAC_UPSTREAM);
	pkt_ipv6(&q, VIP6, CLIENT6, P_TCP);
	for (int i = 0; i < 9; i++)
		pkt_ipv6_ext(&q, 60, NULL, 0);
	pkt_tcp(&q, 443, 52004, PKT_TCP_ACK);
	pkt_finish(&q);
	build_error(&in, ROUTER6, VIP6, 2, 0, 1280, &q, quoted_ip_len(&q));
	tunnelled(&in, 4, e, true, "v6 quote with 9 extension headers");

	/* a redirect (type 5) and an echo reply are not errors */
	build_quoted(&q, VIP4, CLIENT4, P_TCP, 443, 52005, false);
	build_error(&in, ROUTER4, VIP4, 5, 1, 0x0a040001, &q, 48);
	tunnelled(&in, 4, e, true, "v4 redirect");
	build_quoted(&q, VIP6, CLIENT6, P_TCP, 443, 52005, false);
	build_error(&in, ROUTER6, VIP6, 129, 0, 0, &q, 60);
	tunnelled(&in, 4, e, true, "v6 echo reply carrying a quote");

	/* a fragmented error: its later fragments could not follow the quote */
	build_quoted(&q, VIP4, CLIENT4, P_TCP, 443, 52006, false);
	build_error(&in, ROUTER4, VIP4, 3, 4, 1400, &q, 48);
	in.data[in.l3_off + 6] = 0x20;	/* MF */
	in.data[in.l3_off + 10] = 0;
	in.data[in.l3_off + 11] = 0;
	{
		uint16_t c = pkt_csum(in.data + in.l3_off, 20, 0);

		in.data[in.l3_off + 10] = (uint8_t)(c >> 8);
		in.data[in.l3_off + 11] = (uint8_t)c;
	}
	e.frag = 1;
	tunnelled(&in, 4, e, false, "v4 error, first fragment");

	/* an error to an address that is not a VIP is none of our business */
	build_error(&in, ROUTER4, "198.51.100.99", 3, 4, 1400, &q, 48);
	{
		struct expect n = { .verdict = XDP_PASS, .reason = ES_CNT_NOT_VIP };

		run(&in, &n, "error to a non-VIP");
		ASSERT_PKT_EQ(R.data, R.len, in.data, in.len, "error to a non-VIP");
	}
	/* an error about a flow the tcp/443 VIP does not steer: served here */
	build_quoted(&q, VIP4_TLS, CLIENT4, P_TCP, 22, 52007, false);
	build_error(&in, ROUTER4, VIP4_TLS, 3, 4, 1400, &q, 48);
	{
		struct expect n = { .verdict = XDP_PASS, .reason = ES_CNT_NOT_VIP };

		run(&in, &n, "error about tcp/22 on a tcp/443 VIP");
	}
}

/*
 * A prefix in transition from POP 10 to POP 11: the flow table decides
 * where open connections go, and an error about a connection must go
 * where the connection goes: looked up as client -> VIP with the quoted
 * ports swapped. Classification alone would say POP 11 for all of them.
 */
static void test_errors_follow_pinned_flows(void)
{
	static struct pkt seg, q, in;

	for (int fam = 4; fam <= 6; fam += 2) {
		const char *client = fam == 4 ? TRANS4 : TRANS6, *vip = fam == 4 ? VIP4 : VIP6;
		const char *router = fam == 4 ? ROUTER4 : ROUTER6;
		const char *cidr = fam == 4 ? "10.10.0.0/16" : "2001:db8:10::/48";
		uint16_t base = (uint16_t)(40000 + fam * 100);
		struct expect e;

		if (!ASSERT_OK(prefix(cidr, 10), "prefix -> 10") ||
		    !ASSERT_OK(prefix(cidr, 11), "prefix -> 11"))
			return;

		/* an open connection's segment: pinned to the old POP */
		pkt_init(&seg);
		pkt_eth(&seg, MAC_NIC, MAC_UPSTREAM);
		if (fam == 4)
			pkt_ipv4(&seg, client, vip, P_TCP, NULL, 0);
		else
			pkt_ipv6(&seg, client, vip, P_TCP);
		pkt_tcp(&seg, base, 443, PKT_TCP_ACK);
		pkt_finish(&seg);
		e = to_pop(10);
		e.pin_old = 1;
		tunnelled(&seg, 10, e, true, fmt("v%d open connection pinned to 10", fam));

		/* a new connection: pinned to the new POP */
		pkt_init(&seg);
		pkt_eth(&seg, MAC_NIC, MAC_UPSTREAM);
		if (fam == 4)
			pkt_ipv4(&seg, client, vip, P_TCP, NULL, 0);
		else
			pkt_ipv6(&seg, client, vip, P_TCP);
		pkt_tcp(&seg, (uint16_t)(base + 1), 443, PKT_TCP_SYN);
		pkt_finish(&seg);
		e = to_pop(11);
		e.pin_new = 1;
		tunnelled(&seg, 11, e, true, fmt("v%d new connection pinned to 11", fam));

		/* errors about each: the flow table's answer */
		build_quoted(&q, vip, client, P_TCP, 443, base, false);
		build_error(&in, router, vip, fam == 4 ? 3 : 2, fam == 4 ? 4 : 0, 1280, &q, 60);
		e = to_pop(10);
		e.hit = 1;
		e.quoted = 1;
		tunnelled(&in, 10, e, true, fmt("v%d error about the open connection", fam));

		build_quoted(&q, vip, client, P_TCP, 443, (uint16_t)(base + 1), false);
		build_error(&in, router, vip, fam == 4 ? 3 : 2, fam == 4 ? 4 : 0, 1280, &q, 60);
		e = to_pop(11);
		e.hit = 1;
		e.quoted = 1;
		tunnelled(&in, 11, e, true, fmt("v%d error about the new connection", fam));

		/* a connection the table has not seen is an open one (the old
		 * POP), as its next segment would be; the error pins nothing */
		build_quoted(&q, vip, client, P_TCP, 443, (uint16_t)(base + 2), false);
		build_error(&in, router, vip, fam == 4 ? 3 : 2, fam == 4 ? 4 : 0, 1280, &q, 60);
		e = to_pop(10);
		e.quoted = 1;
		tunnelled(&in, 10, e, true, fmt("v%d error about an unseen connection", fam));
		e = to_pop(10);
		e.quoted = 1;
		tunnelled(&in, 10, e, true, fmt("v%d again: still nothing pinned", fam));

		/* UDP has no flow state: the current decision */
		build_quoted(&q, vip, client, P_UDP, 53, (uint16_t)(base + 3), false);
		build_error(&in, router, vip, fam == 4 ? 3 : 1, fam == 4 ? 3 : 4, 0, &q, 60);
		e = to_pop(11);
		e.quoted = 1;
		tunnelled(&in, 11, e, true, fmt("v%d error about a UDP flow", fam));
	}
}

/* ---- echo requests --------------------------------------------------------------- */

static void test_echo_follows_source(void)
{
	static struct pkt in;

	pkt_init(&in);
	pkt_eth(&in, MAC_NIC, MAC_UPSTREAM);
	pkt_ipv4(&in, CLIENT4, VIP4, P_ICMP, NULL, 0);
	pkt_icmp_echo(&in, false, 0x77, 1);
	pkt_pattern(&in, 56, 0);
	pkt_finish(&in);
	tunnelled(&in, 2, to_pop(2), true, "v4 echo request");

	pkt_init(&in);
	pkt_eth(&in, MAC_NIC, MAC_UPSTREAM);
	pkt_ipv6(&in, CLIENT6, VIP6, P_ICMPV6);
	pkt_icmp_echo(&in, false, 0x77, 1);
	pkt_pattern(&in, 56, 0);
	pkt_finish(&in);
	tunnelled(&in, 3, to_pop(3), true, "v6 echo request");

	/* from the router's prefix: the router's POP */
	pkt_init(&in);
	pkt_eth(&in, MAC_NIC, MAC_UPSTREAM);
	pkt_ipv4(&in, ROUTER4, VIP4, P_ICMP, NULL, 0);
	pkt_icmp_echo(&in, false, 0x78, 1);
	pkt_finish(&in);
	tunnelled(&in, 4, to_pop(4), true, "v4 echo request from the router's prefix");
}

/* ---- fragments ------------------------------------------------------------------- */

/* A fragment of a TCP segment (offset 0 or 800) or of a UDP datagram. */
static void build_fragment(struct pkt *p, const char *src, const char *dst, uint8_t proto,
			   uint16_t sport, bool later, bool dstopts_after)
{
	pkt_init(p);
	pkt_eth(p, MAC_NIC, MAC_UPSTREAM);
	if (v6(src)) {
		pkt_ipv6(p, src, dst, dstopts_after && later ? 60 : proto);
		pkt_ipv6_frag(p, later ? 100 : 0, !later, 0xf00d0000u | sport);
		if (dstopts_after && !later)
			pkt_ipv6_ext(p, 60, NULL, 0);
	} else {
		pkt_ipv4(p, src, dst, proto, NULL, 0);
		pkt_ipv4_id(p, sport);
		pkt_ipv4_frag(p, later ? 100 : PKT_IP_MF);
	}
	if (!later) {
		if (proto == P_TCP)
			pkt_tcp(p, sport, 443, PKT_TCP_ACK);
		else
			pkt_udp(p, sport, 53);
	}
	/* payload that would be a malformed header if parsed as one */
	pkt_pattern(p, later ? 200 : 96, 0xf0);
	pkt_finish(p);
}

/*
 * Every fragment of a datagram from a client whose prefix is in
 * transition (POP 10 -> 13 / 14): first and later fragments alike go to
 * the new decision's POP, with the same GUE source port and flow label,
 * no flow-table lookup or insert, and ES_CNT_FRAGMENT counted. An
 * unfragmented ACK of the same flow would be pinned to the old POP.
 */
static void test_fragments_bypass_flow_state(void)
{
	static struct pkt first, later;

	for (int fam = 4; fam <= 6; fam += 2) {
		const char *src = fam == 4 ? FRAG4 : FRAG6, *dst = fam == 4 ? VIP4 : VIP6;
		const char *cidr = fam == 4 ? "10.12.0.0/16" : "2001:db8:12::/48";
		uint16_t want = fam == 4 ? 13 : 14;
		struct expect e = to_pop(want);
		long entries;

		if (!ASSERT_OK(prefix(cidr, 10), "prefix -> 10") ||
		    !ASSERT_OK(prefix(cidr, want), "prefix -> new"))
			return;
		e.frag = 1;
		entries = flow_entries();
		for (int proto = 0; proto < 2; proto++) {
			for (int dst_after = 0; dst_after <= (fam == 6); dst_after++) {
				uint8_t l4 = proto ? P_UDP : P_TCP;
				uint16_t sport = (uint16_t)(43000 + fam * 10 + proto * 2 + dst_after);
				const char *what = fmt("ipv%d %s%s", fam, proto ? "udp" : "tcp",
						       dst_after ? " dstopts after frag" : "");
				struct hashes h1, h2;

				build_fragment(&first, src, dst, l4, sport, false, dst_after);
				build_fragment(&later, src, dst, l4, sport, true, dst_after);
				/* GUE over IPv4 sends fragments without a UDP checksum */
				h1 = tunnelled(&first, want, e, fam == 6,
					       fmt("%s first fragment", what));
				h2 = tunnelled(&later, want, e, fam == 6,
					       fmt("%s later fragment", what));
				if (h1.sport != h2.sport)
					FAIL("%s: GUE source port 0x%04x first, 0x%04x later", what,
					     h1.sport, h2.sport);
				if (h1.label != h2.label)
					FAIL("%s: flow label 0x%05x first, 0x%05x later", what,
					     h1.label, h2.label);
			}
		}
		ASSERT_EQ(flow_entries(), entries, fmt("ipv%d flow entries after fragments", fam));
	}
}

int main(void)
{
	es_test_require_root("test_icmp_steering");
	if (!setup()) {
		fprintf(stdout, "FAIL setup\n");
		if (g_st)
			es_state_close(g_st);
		return 1;
	}
	RUN_TEST(test_errors_follow_the_client);
	RUN_TEST(test_truncated_quotes);
	RUN_TEST(test_untrusted_quotes);
	RUN_TEST(test_errors_follow_pinned_flows);
	RUN_TEST(test_echo_follows_source);
	RUN_TEST(test_fragments_bypass_flow_state);
	es_state_close(g_st);
	return es_test_exit();
}

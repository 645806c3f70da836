// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Tests of the packet oracle (tests/lib/pkt.c) itself: every other fixture
 * test trusts its lengths and checksums, so they are checked here against
 * values worked out by hand from the RFCs, against tshark when it is
 * installed, and by showing that pkt_verify() notices any single corrupted
 * byte it is able to notice.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pkt.h"
#include "test.h"

#define GUE_PORT	6080	/* ES_GUE_PORT_DEFAULT */
#define GUE_PORT_V6	6081	/* second port: lets tshark decode IPv6 inner packets */

static const uint8_t mac_dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

/* Big-endian field readers, independent of pkt.c's. */
static unsigned int be16(const uint8_t *b)
{
	return (unsigned int)b[0] << 8 | b[1];
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* ---- checksum vectors --------------------------------------------------- */

static void test_csum_rfc1071(void)
{
	/* RFC 1071 3: these bytes sum to ddf2 (0x2ddf0 folded); checksum ~ddf2. */
	static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t odd[] = { 0x00, 0x01, 0xf2 };	/* 0001 + f200 = f201 */
	static const uint8_t ones[] = { 0xff, 0xff, 0xff, 0xff };
	static uint8_t big[PKT_MAX_LEN];
	uint32_t part;

	ASSERT_EQ(pkt_csum_partial(rfc, sizeof(rfc), 0), 0xddf2, "RFC 1071 sum");
	ASSERT_EQ(pkt_csum(rfc, sizeof(rfc), 0), 0x220d, "RFC 1071 checksum");
	ASSERT_EQ(pkt_csum(odd, sizeof(odd), 0), (uint16_t)~0xf201, "odd length pads on the right");
	ASSERT_EQ(pkt_csum(odd, 1, 0), 0xffff, "one zero byte");
	ASSERT_EQ(pkt_csum(rfc + 2, 1, 0), (uint16_t)~0xf200, "one byte is the high half");
	ASSERT_EQ(pkt_csum(rfc, 0, 0), 0xffff, "empty");
	ASSERT_EQ(pkt_csum(ones, sizeof(ones), 0), 0, "end-around carry: ffff + ffff = ffff");
	ASSERT_EQ(pkt_csum(rfc, 0, 0x2ddf0), 0x220d, "initial value folded like data");
	/* Pieces compose when every piece but the last is even. */
	part = pkt_csum_partial(rfc, 4, 0);
	ASSERT_EQ(pkt_csum(rfc + 4, 4, part), 0x220d, "split sum");
	/* A region that includes its correct checksum sums to zero. */
	{
		uint8_t buf[10];

		memcpy(buf, rfc, 8);
		buf[8] = 0x22;
		buf[9] = 0x0d;
		ASSERT_EQ(pkt_csum(buf, sizeof(buf), 0), 0, "data + checksum");
	}
	/* No overflow over the largest buffer: 8192 words of ffff fold to ffff. */
	memset(big, 0xff, sizeof(big));
	ASSERT_EQ(pkt_csum(big, sizeof(big), 0), 0, "16 KiB of ones");
	big[sizeof(big) - 1] = 0xfe;
	ASSERT_EQ(pkt_csum(big, sizeof(big), 0), 1, "16 KiB, last word fffe");
}

static void test_csum_ipv4_known_header(void)
{
	/*
	 * The textbook header 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7:
	 * 4500 + 0073 + 0000 + 4000 + 4011 + c0a8 + 0001 + c0a8 + 00c7 = 2479c,
	 * folded 479c + 2 = 479e, complemented b861.
	 */
	static const uint8_t want[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};
	static struct pkt p;
	char err[256];

	ASSERT_EQ(pkt_csum(want, sizeof(want), 0), 0, "header with its checksum sums to 0");

	pkt_init(&p);
	pkt_ipv4(&p, "192.168.0.1", "192.168.0.199", 17, NULL, 0);
	pkt_ipv4_frag(&p, PKT_IP_DF);
	pkt_payload(&p, NULL, 0x73 - 20);
	pkt_finish(&p);
	ASSERT_EQ(p.len, 0x73, "length");
	ASSERT_PKT_EQ(p.data, 20, want, sizeof(want), "built header");
	/* The payload is not a valid UDP datagram: only the IP layer checks out. */
	ASSERT_EQ(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, err, sizeof(err)),
		  PKT_ERR_LENGTH, "zero UDP length rejected");
}

static void test_csum_udp_by_hand(void)
{
	static const uint8_t payload[2] = { 0x01, 0x02 };
	static struct pkt p;

	/*
	 * IPv4 192.0.2.1 -> 192.0.2.2, UDP 0x1234 -> 53, payload 0102, length 10.
	 * Pseudo-header (RFC 768): c000 + 0201 + c000 + 0202 + 0011 + 000a
	 * = 1841e; UDP header 1234 + 0035 + 000a + 0000 = 1273; payload 0102.
	 * 1841e + 1273 + 0102 = 19793, folded 9794, complemented 686b.
	 */
	pkt_init(&p);
	pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 17, NULL, 0);
	pkt_udp(&p, 0x1234, 53);
	pkt_payload(&p, payload, sizeof(payload));
	pkt_finish(&p);
	ASSERT_EQ(be16(p.data + 20 + 4), 10, "IPv4 UDP length");
	ASSERT_EQ(be16(p.data + 20 + 6), 0x686b, "IPv4 UDP checksum");

	/*
	 * IPv6 2001:db8::1 -> 2001:db8::2, same datagram. Pseudo-header (RFC
	 * 8200 8.1): 2001 + 0db8 + 0001 + 2001 + 0db8 + 0002 + 0000 + 000a +
	 * 0000 + 0011 = 5b90; + 1273 + 0102 = 6f05, complemented 90fa.
	 */
	pkt_init(&p);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", 17);
	pkt_udp(&p, 0x1234, 53);
	pkt_payload(&p, payload, sizeof(payload));
	pkt_finish(&p);
	ASSERT_EQ(be16(p.data + 4), 10, "IPv6 payload length");
	ASSERT_EQ(be16(p.data + 40 + 6), 0x90fa, "IPv6 UDP checksum");

	/*
	 * ICMPv4 echo request id 1 seq 2, no data (RFC 792, no pseudo-header):
	 * 0800 + 0000 + 0001 + 0002 = 0803, complemented f7fc.
	 */
	pkt_init(&p);
	pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 1, NULL, 0);
	pkt_icmp_echo(&p, false, 1, 2);
	pkt_finish(&p);
	ASSERT_EQ(be16(p.data + 20 + 2), 0xf7fc, "ICMP checksum");
}

/* ---- builder ------------------------------------------------------------ */

static void test_build_l2(void)
{
	static struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, mac_dst, mac_src);
	pkt_vlan(&p, 0x88a8, 100);
	pkt_vlan(&p, 0x8100, 0xa000 | 200);	/* PCP 5 */
	pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 6, NULL, 0);
	pkt_tcp(&p, 1, 2, PKT_TCP_SYN);
	pkt_finish(&p);
	ASSERT_MEM_EQ(p.data, mac_dst, 6, "destination MAC first");
	ASSERT_MEM_EQ(p.data + 6, mac_src, 6, "source MAC");
	ASSERT_EQ(be16(p.data + 12), 0x88a8, "outer TPID");
	ASSERT_EQ(be16(p.data + 14), 100, "outer TCI");
	ASSERT_EQ(be16(p.data + 16), 0x8100, "inner TPID");
	ASSERT_EQ(be16(p.data + 18), 0xa0c8, "inner TCI");
	ASSERT_EQ(be16(p.data + 20), 0x0800, "EtherType");
	ASSERT_EQ(p.l3_off, 22, "l3_off");
	ASSERT_EQ(p.l4_off, 42, "l4_off");
	ASSERT_EQ(p.len, 62, "len");
	ASSERT_EQ(pkt_off(&p, PKT_VLAN, 1), 18, "second tag");
	ASSERT_EQ(pkt_off(&p, PKT_VLAN, -1), 18, "last tag");
	ASSERT_EQ(pkt_off(&p, PKT_VLAN, -2), 14, "second to last tag");
	ASSERT_EQ(pkt_off(&p, PKT_UDP, 0), SIZE_MAX, "absent layer");
	ASSERT_PKT_VALID(p.data, p.len, 0, "QinQ TCP");

	/* Non-IP: EtherType set by hand, verifiable only as opaque. */
	pkt_init(&p);
	pkt_eth(&p, mac_dst, mac_src);
	pkt_eth_type(&p, 0x0806);
	pkt_payload(&p, NULL, 28);
	pkt_finish(&p);
	ASSERT_EQ(be16(p.data + 12), 0x0806, "ARP EtherType");
	ASSERT_EQ(pkt_verify(p.data, p.len, 0, NULL, 0), PKT_ERR_UNSUPPORTED, "ARP is not checkable");
	ASSERT_OK(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_OPAQUE, NULL, 0), "ARP as opaque");
}

static void test_build_ipv4_fields(void)
{
	/* Router Alert (RFC 2113): type 148, length 4, value 0. */
	static const uint8_t ra[4] = { 0x94, 0x04, 0x00, 0x00 };
	static struct pkt p;
	const uint8_t *h;

	pkt_init(&p);
	pkt_eth(&p, mac_dst, mac_src);
	pkt_ipv4(&p, "198.51.100.7", "203.0.113.9", 17, ra, sizeof(ra));
	pkt_ip_tos(&p, 0xb8);	/* DSCP EF */
	pkt_ip_ttl(&p, 1);
	pkt_ipv4_id(&p, 0xbeef);
	pkt_ipv4_frag(&p, PKT_IP_DF);
	pkt_udp(&p, 5353, 5353);
	pkt_pattern(&p, 7, 0x40);
	pkt_finish(&p);
	h = p.data + 14;
	ASSERT_EQ(h[0], 0x46, "version 4, IHL 6");
	ASSERT_EQ(h[1], 0xb8, "TOS");
	ASSERT_EQ(be16(h + 2), 24 + 8 + 7, "total length");
	ASSERT_EQ(be16(h + 4), 0xbeef, "id");
	ASSERT_EQ(be16(h + 6), 0x4000, "DF");
	ASSERT_EQ(h[8], 1, "TTL");
	ASSERT_EQ(h[9], 17, "protocol");
	ASSERT_EQ(be32(h + 12), 0xc6336407, "source");
	ASSERT_EQ(be32(h + 16), 0xcb007109, "destination");
	ASSERT_MEM_EQ(h + 20, ra, 4, "options");
	ASSERT_EQ(pkt_csum(h, 24, 0), 0, "header checksum");
	ASSERT_EQ(be16(h + 24 + 4), 15, "UDP length");
	ASSERT_EQ(h[24 + 8], 0x40, "pattern start");
	ASSERT_EQ(h[24 + 14], 0x46, "pattern end");
	ASSERT_PKT_VALID(p.data, p.len, 0, "IPv4 with options");

	/* pkt_finish() twice, after an edit, rewrites the checksums. */
	pkt_ip_ttl(&p, 63);
	pkt_finish(&p);
	ASSERT_EQ(h[8], 63, "TTL edited");
	ASSERT_PKT_VALID(p.data, p.len, 0, "finished again");
}

static void test_build_ipv6_ext_chain(void)
{
	static const uint8_t ra6[4] = { 0x05, 0x02, 0x00, 0x00 };	/* Router Alert, RFC 2711 */
	static const uint8_t exp[5] = { 0x1e, 0x03, 0xaa, 0xbb, 0xcc };	/* RFC 4727 experiment */
	static struct pkt p;
	const uint8_t *h, *e;

	pkt_init(&p);
	pkt_eth(&p, mac_dst, mac_src);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", 6);
	pkt_ip_tos(&p, 0xb9);
	pkt_ipv6_flowlabel(&p, 0xabcde);
	pkt_ip_ttl(&p, 255);
	pkt_ipv6_ext(&p, 0, ra6, sizeof(ra6));		/* 2 + 4 -> 8 with Pad2 */
	pkt_ipv6_ext(&p, 60, NULL, 0);			/* 2 -> 8 with Pad6 */
	pkt_ipv6_ext(&p, 60, exp, sizeof(exp));		/* 2 + 5 -> 8 with Pad1 */
	pkt_ipv6_frag(&p, 0, false, 0x01020304);	/* atomic fragment */
	pkt_tcp(&p, 443, 50000, PKT_TCP_ACK);
	pkt_finish(&p);
	h = p.data + 14;
	/* Version 6, traffic class b9, flow label abcde: 6b 9a bc de. */
	ASSERT_EQ(be32(h), 0x6b9abcde, "first word");
	ASSERT_EQ(be16(h + 4), 32 + 20, "payload length counts ext headers");
	ASSERT_EQ(h[6], 0, "IPv6 -> Hop-by-Hop");
	ASSERT_EQ(h[7], 255, "hop limit");
	e = h + 40;
	ASSERT_EQ(e[0], 60, "Hop-by-Hop -> Destination Options");
	ASSERT_EQ(e[1], 0, "Hop-by-Hop length (8-octet units - 1)");
	ASSERT_MEM_EQ(e + 2, ra6, 4, "Hop-by-Hop option");
	ASSERT_EQ(e[6], 1, "PadN");
	ASSERT_EQ(e[7], 0, "PadN of 2 has no data");
	e += 8;
	ASSERT_EQ(e[0], 60, "-> second Destination Options");
	ASSERT_EQ(e[2], 1, "PadN");
	ASSERT_EQ(e[3], 4, "PadN of 6 carries 4 zeros");
	e += 8;
	ASSERT_EQ(e[0], 44, "-> Fragment");
	ASSERT_MEM_EQ(e + 2, exp, sizeof(exp), "experimental option");
	ASSERT_EQ(e[7], 0, "Pad1");
	e += 8;
	ASSERT_EQ(e[0], 6, "Fragment -> TCP");
	ASSERT_EQ(e[1], 0, "Fragment reserved");
	ASSERT_EQ(be16(e + 2), 0, "offset 0, M 0");
	ASSERT_EQ(be32(e + 4), 0x01020304, "identification");
	ASSERT_EQ(p.l4_off, 14 + 40 + 32, "l4_off");
	ASSERT_PKT_VALID(p.data, p.len, 0, "ext chain");

	/* AH counts 4-octet units minus 2 (RFC 4302 2.2). */
	pkt_init(&p);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", 59);
	pkt_ipv6_ext(&p, 51, NULL, 22);			/* 24 bytes */
	pkt_finish(&p);
	ASSERT_EQ(p.data[40], 59, "AH -> No Next Header");
	ASSERT_EQ(p.data[41], 4, "AH length");
	ASSERT_OK(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, NULL, 0), "AH + No Next Header");
}

static void test_build_tcp_fields(void)
{
	/* MSS 1460 (kind 2 len 4), SACK permitted (4, 2), window scale 7 (3, 3). */
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 3, 3, 7 };
	static struct pkt p;
	const uint8_t *t;

	pkt_init(&p);
	pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 6, NULL, 0);
	pkt_tcp(&p, 40000, 443, PKT_TCP_SYN | PKT_TCP_ECE | PKT_TCP_CWR);
	pkt_tcp_options(&p, opts, sizeof(opts));
	pkt_tcp_seq(&p, 0x11223344, 0x55667788);
	pkt_tcp_window(&p, 29200);
	pkt_finish(&p);
	t = p.data + 20;
	ASSERT_EQ(be16(t), 40000, "sport");
	ASSERT_EQ(be16(t + 2), 443, "dport");
	ASSERT_EQ(be32(t + 4), 0x11223344, "seq");
	ASSERT_EQ(be32(t + 8), 0x55667788, "ack");
	ASSERT_EQ(t[12], 8 << 4, "data offset: 20 + 12 bytes");
	ASSERT_EQ(t[13], 0xc2, "flags");
	ASSERT_EQ(be16(t + 14), 29200, "window");
	ASSERT_MEM_EQ(t + 20, opts, sizeof(opts), "options");
	ASSERT_EQ(t[29] | t[30] | t[31], 0, "EOL padding");
	ASSERT_EQ(p.len, 20 + 32, "len");
	ASSERT_OK(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, NULL, 0), "verify");
}

/*
 * An encapsulated packet built as one struct pkt and as an outer packet
 * around a finished inner one must come out identical: both are how
 * fixtures spell the expected output of an encapsulation.
 */
static void test_encap_two_ways(void)
{
	static struct pkt inner, outer, flat;
	char err[256];

	/* IPv4 in IPv6 (RFC 2473). */
	pkt_init(&inner);
	pkt_eth(&inner, mac_src, mac_dst);	/* not copied by pkt_inner() */
	pkt_ipv4(&inner, "198.51.100.1", "192.0.2.80", 6, NULL, 0);
	pkt_tcp(&inner, 33333, 80, PKT_TCP_ACK | PKT_TCP_PSH);
	pkt_pattern(&inner, 100, 0);
	pkt_pad_to(&inner, 200);		/* nor is its trailer */
	pkt_finish(&inner);

	pkt_init(&outer);
	pkt_eth(&outer, mac_dst, mac_src);
	pkt_ipv6(&outer, "2001:db8:1::1", "2001:db8:2::1", 4);
	pkt_inner(&outer, &inner);
	pkt_finish(&outer);

	pkt_init(&flat);
	pkt_eth(&flat, mac_dst, mac_src);
	pkt_ipv6(&flat, "2001:db8:1::1", "2001:db8:2::1", 4);
	pkt_ipv4(&flat, "198.51.100.1", "192.0.2.80", 6, NULL, 0);
	pkt_tcp(&flat, 33333, 80, PKT_TCP_ACK | PKT_TCP_PSH);
	pkt_pattern(&flat, 100, 0);
	pkt_finish(&flat);

	ASSERT_PKT_EQ(outer.data, outer.len, flat.data, flat.len, "4in6 two ways");
	ASSERT_EQ(be16(outer.data + 14 + 4), 20 + 20 + 100, "outer payload length = inner packet");
	ASSERT_MEM_EQ(outer.data + 54, inner.data + 14, 140, "inner bytes untouched");
	ASSERT_EQ(pkt_verify(outer.data, outer.len, 0, err, sizeof(err)), 0, err);
	ASSERT_TRUE(!strcmp(err, "eth ipv6 ipv4 tcp"), err);

	/* GUE over IPv4, IPv6 inside: the outer UDP checksum covers it all. */
	pkt_init(&inner);
	pkt_ipv6(&inner, "2001:db8::10", "2001:db8::20", 17);
	pkt_udp(&inner, 1000, 53);
	pkt_pattern(&inner, 31, 7);
	pkt_finish(&inner);

	pkt_init(&outer);
	pkt_eth(&outer, mac_dst, mac_src);
	pkt_ipv4(&outer, "10.0.0.1", "10.0.0.2", 17, NULL, 0);
	pkt_ipv4_frag(&outer, PKT_IP_DF);
	pkt_udp(&outer, 49152, GUE_PORT);
	pkt_inner(&outer, &inner);
	pkt_finish(&outer);

	pkt_init(&flat);
	pkt_eth(&flat, mac_dst, mac_src);
	pkt_ipv4(&flat, "10.0.0.1", "10.0.0.2", 17, NULL, 0);
	pkt_ipv4_frag(&flat, PKT_IP_DF);
	pkt_udp(&flat, 49152, GUE_PORT);
	pkt_ipv6(&flat, "2001:db8::10", "2001:db8::20", 17);
	pkt_udp(&flat, 1000, 53);
	pkt_pattern(&flat, 31, 7);
	pkt_finish(&flat);

	ASSERT_PKT_EQ(outer.data, outer.len, flat.data, flat.len, "GUE two ways");
	ASSERT_EQ(be16(outer.data + 34 + 4), 8 + 40 + 8 + 31, "GUE UDP length");
	ASSERT_EQ(pkt_verify(outer.data, outer.len, GUE_PORT, err, sizeof(err)), 0, err);
	ASSERT_TRUE(!strcmp(err, "eth ipv4 udp(gue) ipv6 udp"), err);
	/* Not told the port, the verifier stops at the outer UDP. */
	ASSERT_EQ(pkt_verify(outer.data, outer.len, 0, err, sizeof(err)), 0, err);
	ASSERT_TRUE(!strcmp(err, "eth ipv4 udp"), err);
}

/*
 * Make the checksum of the transport header at t come out as 0 from scratch
 * by setting the 16-bit word at w (whose contents the sum covers and is
 * currently 0): with everything else summing to S, the stored checksum is
 * ~S, and w = ~S makes the total S + ~S = ffff, whose complement is 0.
 */
static void force_zero_csum(struct pkt *p, size_t csum_at, size_t w)
{
	unsigned int c;

	pkt_finish(p);
	c = be16(p->data + csum_at);
	p->data[w] = c >> 8;
	p->data[w + 1] = c & 0xff;
	pkt_finish(p);
}

static void test_gue_csum_zero_is_ffff(void)
{
	static struct pkt p;
	size_t udp, csum_at;
	char err[256];

	/*
	 * GUE over IPv6 with an IPv6 inner packet. The inner UDP checksum
	 * cancels everything the inner UDP covers, so the outer sum only
	 * feels the inner IPv6 header: tune it through the low 16 bits of the
	 * flow label (bytes 2-3), which no inner checksum covers.
	 */
	pkt_init(&p);
	pkt_eth(&p, mac_dst, mac_src);
	pkt_ipv6(&p, "2001:db8:a::1", "2001:db8:b::1", 17);
	pkt_udp(&p, 51000, GUE_PORT);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", 17);
	pkt_udp(&p, 7, 7);
	pkt_pattern(&p, 12, 1);
	udp = pkt_off(&p, PKT_UDP, 0);
	csum_at = udp + 6;
	force_zero_csum(&p, csum_at, pkt_off(&p, PKT_IPV6, 1) + 2);
	ASSERT_EQ(be16(p.data + csum_at), 0xffff, "computed 0 is sent as ffff");
	ASSERT_EQ(pkt_verify(p.data, p.len, GUE_PORT, err, sizeof(err)), 0, err);
	p.data[csum_at] = p.data[csum_at + 1] = 0;
	ASSERT_EQ(pkt_verify(p.data, p.len, GUE_PORT, err, sizeof(err)), PKT_ERR_CSUM,
		  "0 over IPv6 is no checksum, forbidden");
	ASSERT_TRUE(strstr(err, "want 0xffff") != NULL, err);

	/* Over IPv4 the same rule for the computed value (RFC 768). */
	pkt_init(&p);
	pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 17, NULL, 0);
	pkt_udp(&p, 9, 9);
	pkt_payload(&p, NULL, 2);
	force_zero_csum(&p, 20 + 6, 20 + 8);
	ASSERT_EQ(be16(p.data + 26), 0xffff, "IPv4: computed 0 is sent as ffff");
	ASSERT_OK(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, err, sizeof(err)), err);
}

static void test_udp_no_csum(void)
{
	static struct pkt p;
	char err[256];

	pkt_init(&p);
	pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 17, NULL, 0);
	pkt_udp(&p, 9, GUE_PORT);
	pkt_udp_no_csum(&p);
	pkt_ipv4(&p, "198.51.100.1", "192.0.2.80", 1, NULL, 0);
	pkt_icmp_echo(&p, false, 1, 1);
	pkt_finish(&p);
	ASSERT_EQ(be16(p.data + 26), 0, "no checksum");
	ASSERT_EQ(pkt_verify_ex(p.data, p.len, GUE_PORT, PKT_VERIFY_L3, err, sizeof(err)), 0, err);
	ASSERT_TRUE(!strcmp(err, "ipv4 udp(gue) ipv4 icmp"), err);

	pkt_init(&p);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", 17);
	pkt_udp(&p, 9, 9);
	pkt_udp_no_csum(&p);
	pkt_finish(&p);
	ASSERT_EQ(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, err, sizeof(err)), PKT_ERR_CSUM,
		  "UDP over IPv6 without checksum");
}

/* ---- the sample frames -------------------------------------------------- */

struct sample {
	const char *name;
	void (*build)(struct pkt *p);
	uint16_t gue_port;
	const char *path;	/* what pkt_verify() walks */
};

static void build_v4_tcp_syn(struct pkt *p)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };

	pkt_eth(p, mac_dst, mac_src);
	pkt_ipv4(p, "198.51.100.1", "192.0.2.80", 6, NULL, 0);
	pkt_ipv4_frag(p, PKT_IP_DF);
	pkt_tcp(p, 40000, 80, PKT_TCP_SYN);
	pkt_tcp_options(p, mss, sizeof(mss));
}

static void build_v4_tcp_vlan_opts(struct pkt *p)
{
	/* NOP, NOP, then Router Alert must be 4-aligned: NOP NOP EOL pad. */
	static const uint8_t opts[8] = { 0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00 };

	pkt_eth(p, mac_dst, mac_src);
	pkt_vlan(p, 0x8100, 42);
	pkt_ipv4(p, "198.51.100.1", "192.0.2.80", 6, opts, sizeof(opts));
	pkt_ip_tos(p, 0x02);
	pkt_tcp(p, 40000, 443, PKT_TCP_ACK | PKT_TCP_PSH);
	pkt_pattern(p, 33, 0x80);	/* odd length */
}

static void build_v4_udp_qinq(struct pkt *p)
{
	pkt_eth(p, mac_dst, mac_src);
	pkt_vlan(p, 0x88a8, 10);
	pkt_vlan(p, 0x8100, 20);
	pkt_ipv4(p, "203.0.113.5", "192.0.2.53", 17, NULL, 0);
	pkt_udp(p, 40053, 9);
	pkt_pattern(p, 17, 0xf0);
}

static void build_v4_icmp(struct pkt *p)
{
	pkt_eth(p, mac_dst, mac_src);
	pkt_ipv4(p, "203.0.113.5", "192.0.2.1", 1, NULL, 0);
	pkt_icmp_echo(p, false, 0x1234, 7);
	pkt_pattern(p, 56, 0);
}

static void build_v6_tcp(struct pkt *p)
{
	pkt_eth(p, mac_dst, mac_src);
	pkt_ipv6(p, "2001:db8:100::1", "2001:db8:200::80", 6);
	pkt_ip_tos(p, 0x28);
	pkt_ipv6_flowlabel(p, 0x12345);
	pkt_tcp(p, 50000, 443, PKT_TCP_ACK);
	pkt_pattern(p, 20, 3);
}

static void build_v6_udp_ext(struct pkt *p)
{
	static const uint8_t ra6[4] = { 0x05, 0x02, 0x00, 0x00 };

	pkt_eth(p, mac_dst, mac_src);
	pkt_vlan(p, 0x8100, 7);
	pkt_ipv6(p, "2001:db8:100::1", "2001:db8:200::53", 17);
	pkt_ipv6_ext(p, 0, ra6, sizeof(ra6));
	pkt_ipv6_ext(p, 60, NULL, 0);
	pkt_ipv6_frag(p, 0, false, 0xdeadbeef);
	pkt_udp(p, 40053, 9);
	pkt_pattern(p, 11, 0x61);
}

static void build_v6_icmp6(struct pkt *p)
{
	pkt_eth(p, mac_dst, mac_src);
	pkt_ipv6(p, "2001:db8:100::1", "2001:db8:200::1", 58);
	pkt_icmp_echo(p, true, 0x4242, 1);
	pkt_pattern(p, 32, 0x30);
}

/* SRH (RFC 8754) with one segment left: the pseudo-header uses Segment List[0]. */
static const uint8_t srh_final[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99,
};

static void build_v6_tcp_srh(struct pkt *p)
{
	uint8_t body[6 + 32] = {
		4,	/* routing type: segment routing */
		1,	/* segments left */
		1,	/* last entry */
		0, 0, 0,	/* flags, tag */
	};
	uint8_t via[16];

	memcpy(body + 6, srh_final, 16);		/* Segment List[0]: final */
	inet_pton(AF_INET6, "2001:db8:200::1", via);
	memcpy(body + 6 + 16, via, 16);		/* Segment List[1]: current */
	pkt_eth(p, mac_dst, mac_src);
	pkt_ipv6_raw(p, (const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, via, 6);
	pkt_ipv6_ext(p, 43, body, sizeof(body));
	pkt_tcp(p, 1234, 80, PKT_TCP_SYN);
	pkt_pattern(p, 5, 0);
}

static void build_4in4(struct pkt *p)
{
	pkt_eth(p, mac_dst, mac_src);
	pkt_ipv4(p, "10.1.0.1", "10.2.0.1", 4, NULL, 0);
	pkt_ipv4(p, "198.51.100.1", "192.0.2.80", 6, NULL, 0);
	pkt_tcp(p, 40000, 80, PKT_TCP_ACK);
	pkt_pattern(p, 9, 0);
}

static void build_6in6(struct pkt *p)
{
	pkt_eth(p, mac_dst, mac_src);
	pkt_ipv6(p, "2001:db8:a::1", "2001:db8:b::1", 41);
	pkt_ipv6(p, "2001:db8:100::1", "2001:db8:200::53", 17);
	pkt_udp(p, 40053, 9);
	pkt_pattern(p, 10, 0);
}

static void build_4in6(struct pkt *p)
{
	pkt_eth(p, mac_dst, mac_src);
	pkt_ipv6(p, "2001:db8:a::1", "2001:db8:b::1", 4);
	pkt_ipv4(p, "198.51.100.1", "192.0.2.1", 1, NULL, 0);
	pkt_icmp_echo(p, false, 1, 2);
	pkt_pattern(p, 8, 0);
}

static void build_6in4(struct pkt *p)
{
	pkt_eth(p, mac_dst, mac_src);
	pkt_ipv4(p, "10.1.0.1", "10.2.0.1", 41, NULL, 0);
	pkt_ipv6(p, "2001:db8:100::1", "2001:db8:200::80", 6);
	pkt_tcp(p, 50000, 80, PKT_TCP_FIN | PKT_TCP_ACK);
}

static void build_gue4_v4(struct pkt *p)
{
	pkt_eth(p, mac_dst, mac_src);
	pkt_ipv4(p, "10.1.0.1", "10.2.0.1", 17, NULL, 0);
	pkt_udp(p, 49153, GUE_PORT);
	pkt_ipv4(p, "198.51.100.1", "192.0.2.80", 6, NULL, 0);
	pkt_tcp(p, 40000, 80, PKT_TCP_ACK);
	pkt_pattern(p, 13, 0);
}

static void build_gue6_v6(struct pkt *p)
{
	pkt_eth(p, mac_dst, mac_src);
	pkt_ipv6(p, "2001:db8:a::1", "2001:db8:b::1", 17);
	pkt_udp(p, 49154, GUE_PORT_V6);
	pkt_ipv6(p, "2001:db8:100::1", "2001:db8:200::53", 17);
	pkt_ipv6_ext(p, 60, NULL, 0);
	pkt_udp(p, 40053, 9);
	pkt_pattern(p, 3, 0);
}

static void build_gue4_v6(struct pkt *p)
{
	pkt_eth(p, mac_dst, mac_src);
	pkt_vlan(p, 0x8100, 300);
	pkt_ipv4(p, "10.1.0.1", "10.2.0.1", 17, NULL, 0);
	pkt_udp(p, 49155, GUE_PORT_V6);
	pkt_ipv6(p, "2001:db8:100::1", "2001:db8:200::1", 58);
	pkt_icmp_echo(p, false, 9, 9);
}

static void build_gue6_v4(struct pkt *p)
{
	pkt_eth(p, mac_dst, mac_src);
	pkt_ipv6(p, "2001:db8:a::1", "2001:db8:b::1", 17);
	pkt_udp(p, 49156, GUE_PORT);
	pkt_ipv4(p, "198.51.100.1", "192.0.2.53", 17, NULL, 0);
	pkt_udp(p, 40053, 9);
	pkt_pattern(p, 21, 0);
}

static const struct sample samples[] = {
	{ "v4_tcp_syn", build_v4_tcp_syn, 0, "eth ipv4 tcp" },
	{ "v4_tcp_vlan_opts", build_v4_tcp_vlan_opts, 0, "eth vlan ipv4 tcp" },
	{ "v4_udp_qinq", build_v4_udp_qinq, 0, "eth vlan vlan ipv4 udp" },
	{ "v4_icmp", build_v4_icmp, 0, "eth ipv4 icmp" },
	{ "v6_tcp", build_v6_tcp, 0, "eth ipv6 tcp" },
	{ "v6_udp_ext", build_v6_udp_ext, 0, "eth vlan ipv6 hbh dst frag udp" },
	{ "v6_icmp6", build_v6_icmp6, 0, "eth ipv6 icmp6" },
	{ "v6_tcp_srh", build_v6_tcp_srh, 0, "eth ipv6 rh tcp" },
	{ "4in4", build_4in4, 0, "eth ipv4 ipv4 tcp" },
	{ "6in6", build_6in6, 0, "eth ipv6 ipv6 udp" },
	{ "4in6", build_4in6, 0, "eth ipv6 ipv4 icmp" },
	{ "6in4", build_6in4, 0, "eth ipv4 ipv6 tcp" },
	{ "gue4_v4", build_gue4_v4, GUE_PORT, "eth ipv4 udp(gue) ipv4 tcp" },
	{ "gue6_v6", build_gue6_v6, GUE_PORT_V6, "eth ipv6 udp(gue) ipv6 dst udp" },
	{ "gue4_v6", build_gue4_v6, GUE_PORT_V6, "eth vlan ipv4 udp(gue) ipv6 icmp6" },
	{ "gue6_v4", build_gue6_v4, GUE_PORT, "eth ipv6 udp(gue) ipv4 udp" },
};

#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static void build_sample(struct pkt *p, const struct sample *s)
{
	pkt_init(p);
	s->build(p);
	pkt_finish(p);
}

static void test_verify_samples(void)
{
	static struct pkt p;
	char err[256];
	size_t i;

	for (i = 0; i < NSAMPLES; i++) {
		build_sample(&p, &samples[i]);
		if (!ASSERT_EQ(pkt_verify(p.data, p.len, samples[i].gue_port, err, sizeof(err)), 0,
			       samples[i].name)) {
			fprintf(stdout, "    %s\n", err);
			continue;
		}
		if (!ASSERT_TRUE(!strcmp(err, samples[i].path), samples[i].name))
			fprintf(stdout, "    walked \"%s\", want \"%s\"\n", err, samples[i].path);
	}
}

static void test_srh_pseudo_header(void)
{
	static struct pkt p;
	size_t t, n;
	uint32_t sum;
	uint8_t src[16];

	/*
	 * Recompute by hand: RFC 8200 8.1 pseudo-header with the final
	 * destination (Segment List[0]), not the IPv6 destination field.
	 */
	build_sample(&p, &samples[7]);
	t = p.l4_off;
	n = p.len - t;
	memcpy(src, p.data + 14 + 8, 16);
	sum = pkt_csum_partial(src, 16, 0);
	sum = pkt_csum_partial(srh_final, 16, sum);
	sum += (uint32_t)n + 6;
	ASSERT_EQ(pkt_csum(p.data + t, n, sum), 0, "TCP checksum against the final destination");
	/* And with segments left 0 the IPv6 destination is final again. */
	p.data[14 + 40 + 3] = 0;
	ASSERT_EQ(pkt_verify(p.data, p.len, 0, NULL, 0), PKT_ERR_CSUM, "segments left 0");
	pkt_finish(&p);
	ASSERT_PKT_VALID(p.data, p.len, 0, "re-finished with segments left 0");
}

/*
 * Bytes no checksum or length covers, where a flip is legitimately invisible:
 * the IPv6 traffic class, flow label and hop limit, the bodies of IPv6
 * extension headers (option data, routing data, fragment id), the IPv6
 * destination when a Routing header names another final destination (RFC
 * 8200 8.1 puts that one in the pseudo-header), and both addresses of an
 * IPv6 header carrying another IP packet, which has no pseudo-header at all
 * (RFC 2473: nothing checks the outer header of an IPv6 tunnel). An outer
 * UDP checksum (GUE) covers them all the same.
 */
static bool is_ip_layer(const struct pkt_layer *l)
{
	return l->type == PKT_IPV4 || l->type == PKT_IPV6;
}

static bool flip_invisible(const struct pkt *p, size_t off, uint8_t mask)
{
	bool under_udp_csum = false;
	int i;

	for (i = 0; i < p->nlayers; i++) {
		const struct pkt_layer *l = &p->layers[i];
		const struct pkt_layer *next = i + 1 < p->nlayers ? l + 1 : NULL;
		size_t rel = off - l->off;

		if (off < l->off)
			break;
		if (l->type == PKT_UDP && !(l->flags & PKT_LF_NO_CSUM)) {
			under_udp_csum = true;
			continue;
		}
		if (under_udp_csum || rel >= l->hlen)
			continue;
		if (l->type == PKT_IPV6 &&
		    ((rel == 0 && !(mask & 0xf0)) || (rel >= 1 && rel <= 3) || rel == 7))
			return true;
		if (l->type == PKT_IPV6 && rel >= 24 && next && next->type == PKT_IPV6_EXT &&
		    next->proto == 43 && p->data[next->off + 3])
			return true;
		if (l->type == PKT_IPV6_EXT && rel >= 2)
			return true;
		if (l->type == PKT_IPV6 && rel >= 8 && next && is_ip_layer(next))
			return true;
	}
	return false;
}

static void test_verify_single_byte_flips(void)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	static struct pkt p;
	static uint8_t buf[PKT_MAX_LEN];
	int reported = 0, checked = 0, invisible = 0;
	size_t i, off, m;
	char err[256];

	for (i = 0; i < NSAMPLES; i++) {
		const struct sample *s = &samples[i];

		build_sample(&p, s);
		for (off = p.l3_off; off < p.len; off++) {
			for (m = 0; m < sizeof(masks); m++) {
				int r;

				memcpy(buf, p.data, p.len);
				buf[off] ^= masks[m];
				r = pkt_verify(buf, p.len, s->gue_port, err, sizeof(err));
				if (flip_invisible(&p, off, masks[m])) {
					/* Header fields with no checksum: still a valid packet. */
					bool ext = pkt_off(&p, PKT_IPV6_EXT, 0) != SIZE_MAX;

					invisible++;
					if (!ext && r && reported++ < 10)
						ASSERT_OK(r, err);
					continue;
				}
				checked++;
				if (!r && reported++ < 10) {
					ASSERT_TRUE(false, "single byte flip accepted");
					fprintf(stdout, "    %s: byte %zu ^ 0x%02x\n", s->name, off,
						masks[m]);
					pkt_hexdiff(stdout, buf, p.len, p.data, p.len);
				}
			}
		}
	}
	ASSERT_TRUE(checked > 3000, "flips checked");
	ASSERT_TRUE(invisible > 0 && invisible < checked / 5, "few invisible flips");
	fprintf(stdout, "  %d flips rejected, %d in unchecksummed fields\n", checked, invisible);
}

static void test_verify_lengths(void)
{
	static struct pkt p;
	char err[256];
	uint16_t c;
	size_t i;

	for (i = 0; i < NSAMPLES; i++) {
		const struct sample *s = &samples[i];

		build_sample(&p, s);
		/* One byte short, one byte extra: neither matches the lengths. */
		if (!ASSERT_EQ(pkt_verify(p.data, p.len - 1, s->gue_port, err, sizeof(err)),
			       PKT_ERR_LENGTH, s->name))
			fprintf(stdout, "    short: %s\n", err);
		if (!ASSERT_EQ(pkt_verify(p.data, p.len + 1, s->gue_port, err, sizeof(err)),
			       PKT_ERR_LENGTH, s->name))
			fprintf(stdout, "    long: %s\n", err);
		/* Bytes after the outermost packet are padding only when allowed. */
		if (!ASSERT_OK(pkt_verify_ex(p.data, p.len + 1, s->gue_port, PKT_VERIFY_TRAILER,
					     err, sizeof(err)), s->name))
			fprintf(stdout, "    trailer: %s\n", err);
	}

	/* A 60-byte minimum Ethernet frame: padding not counted anywhere. */
	pkt_init(&p);
	pkt_eth(&p, mac_dst, mac_src);
	pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 6, NULL, 0);
	pkt_tcp(&p, 1, 2, PKT_TCP_RST);
	pkt_pad_to(&p, 60);
	pkt_finish(&p);
	ASSERT_EQ(p.len, 60, "padded");
	ASSERT_EQ(p.end, 54, "IP packet ends before the padding");
	ASSERT_EQ(be16(p.data + 16), 40, "total length");
	ASSERT_EQ(pkt_verify(p.data, p.len, 0, NULL, 0), PKT_ERR_LENGTH, "strict");
	ASSERT_OK(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_TRAILER, NULL, 0), "padding allowed");

	/* Inner packets get no such leeway: the tunnel payload is the packet. */
	build_sample(&p, &samples[8]);	/* 4in4: inner IPv4 header at 34 */
	p.data[34 + 3]--;		/* total length one short */
	p.data[34 + 10] = p.data[34 + 11] = 0;
	c = pkt_csum(p.data + 34, 20, 0);	/* keep its header checksum right */
	p.data[34 + 10] = c >> 8;
	p.data[34 + 11] = c & 0xff;
	ASSERT_EQ(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_TRAILER, err, sizeof(err)),
		  PKT_ERR_LENGTH, "inner length short of the tunnel payload");
	ASSERT_TRUE(strstr(err, "IPv4 total length at offset 36") != NULL, err);

	/* Truncated headers. */
	build_sample(&p, &samples[0]);
	ASSERT_EQ(pkt_verify(p.data, 13, 0, NULL, 0), PKT_ERR_TRUNCATED, "Ethernet");
	ASSERT_EQ(pkt_verify(p.data, 14 + 19, 0, NULL, 0), PKT_ERR_TRUNCATED, "IPv4");
	build_sample(&p, &samples[1]);
	ASSERT_EQ(pkt_verify(p.data, 17, 0, NULL, 0), PKT_ERR_TRUNCATED, "VLAN");
}

static void test_verify_fragments(void)
{
	static struct pkt p;
	char err[256];

	/* IPv4 first fragment: header checked, the TCP sum needs reassembly. */
	pkt_init(&p);
	pkt_eth(&p, mac_dst, mac_src);
	pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 6, NULL, 0);
	pkt_ipv4_frag(&p, PKT_IP_MF);
	pkt_tcp(&p, 1, 2, PKT_TCP_ACK);
	pkt_pattern(&p, 16, 0);
	pkt_finish(&p);
	p.data[p.len - 1] ^= 0xff;
	ASSERT_EQ(pkt_verify(p.data, p.len, 0, err, sizeof(err)), 0, err);
	ASSERT_TRUE(!strcmp(err, "eth ipv4 frag"), err);
	p.data[14 + 8] ^= 1;	/* but the IP header is still checked */
	ASSERT_EQ(pkt_verify(p.data, p.len, 0, NULL, 0), PKT_ERR_CSUM, "IPv4 fragment header");

	/* IPv6 later fragment. */
	pkt_init(&p);
	pkt_eth(&p, mac_dst, mac_src);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", 17);
	pkt_ipv6_frag(&p, 185, true, 77);
	pkt_pattern(&p, 24, 0);
	pkt_finish(&p);
	ASSERT_EQ(be16(p.data + 54 + 2), 185 << 3 | 1, "offset and M");
	ASSERT_EQ(pkt_verify(p.data, p.len, 0, err, sizeof(err)), 0, err);
	ASSERT_TRUE(!strcmp(err, "eth ipv6 frag"), err);
	p.data[54 + 3] |= 2;	/* reserved bit */
	ASSERT_EQ(pkt_verify(p.data, p.len, 0, NULL, 0), PKT_ERR_FORMAT, "reserved bits");
}

static void test_verify_errors(void)
{
	static struct pkt p;
	static uint8_t buf[PKT_MAX_LEN];
	char err[256];

	/* IPv4 header checksum: named, with its offset and the right value. */
	build_sample(&p, &samples[0]);
	memcpy(buf, p.data, p.len);
	buf[14 + 10] ^= 0x10;
	ASSERT_EQ(pkt_verify(buf, p.len, 0, err, sizeof(err)), PKT_ERR_CSUM, "IPv4 checksum");
	{
		char want[80];

		snprintf(want, sizeof(want), "IPv4 header checksum at offset 24: 0x%04x, want 0x%04x",
			 be16(buf + 24), be16(p.data + 24));
		ASSERT_TRUE(strstr(err, want) != NULL, err);
	}
	ASSERT_TRUE(!strncmp(err, "after \"eth ipv4\": ", 18), err);

	/* TCP checksum of the inner packet of a tunnel. */
	build_sample(&p, &samples[12]);	/* gue4_v4 */
	memcpy(buf, p.data, p.len);
	buf[p.len - 1] ^= 1;
	ASSERT_EQ(pkt_verify(buf, p.len, GUE_PORT, err, sizeof(err)), PKT_ERR_CSUM, "outer UDP sees it");
	ASSERT_TRUE(strstr(err, "UDP checksum at offset 40") != NULL, err);
	buf[40] = buf[41] = 0;	/* drop the outer checksum: now the inner TCP one fails */
	ASSERT_EQ(pkt_verify(buf, p.len, GUE_PORT, err, sizeof(err)), PKT_ERR_CSUM, "inner TCP");
	ASSERT_TRUE(strstr(err, "TCP checksum at offset 78") != NULL, err);

	/* TCP data offset below 5 words. */
	build_sample(&p, &samples[4]);	/* v6_tcp */
	p.data[54 + 12] = 4 << 4;
	ASSERT_EQ(pkt_verify(p.data, p.len, 0, NULL, 0), PKT_ERR_FORMAT, "data offset 4");

	/* Unknown protocol: unsupported, or accepted as opaque. */
	pkt_init(&p);
	pkt_eth(&p, mac_dst, mac_src);
	pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 47, NULL, 0);	/* GRE */
	pkt_pattern(&p, 8, 0);
	pkt_finish(&p);
	ASSERT_EQ(pkt_verify(p.data, p.len, 0, NULL, 0), PKT_ERR_UNSUPPORTED, "GRE");
	ASSERT_OK(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_OPAQUE, err, sizeof(err)), err);
	ASSERT_TRUE(!strcmp(err, "eth ipv4 proto(47)"), err);

	/* GUE variant 0 (a GUE header) is not what the project sends. */
	build_sample(&p, &samples[12]);
	p.data[42] = 0x05;	/* the inner version nibble becomes 0 */
	pkt_finish(&p);
	ASSERT_EQ(pkt_verify(p.data, p.len, GUE_PORT, err, sizeof(err)), PKT_ERR_UNSUPPORTED, err);

	/* The IP version must match what named it. */
	build_sample(&p, &samples[9]);	/* 6in6 */
	p.data[14 + 6] = 4;		/* next header says IPv4 */
	ASSERT_EQ(pkt_verify(p.data, p.len, 0, NULL, 0), PKT_ERR_FORMAT, "6 named by 4");

	/* Hop-by-Hop must come first (RFC 8200 4.1). */
	pkt_init(&p);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", 59);
	pkt_ipv6_ext(&p, 60, NULL, 0);
	pkt_ipv6_ext(&p, 0, NULL, 0);
	pkt_finish(&p);
	ASSERT_EQ(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, err, sizeof(err)), PKT_ERR_FORMAT,
		  "late Hop-by-Hop");
	ASSERT_TRUE(strstr(err, "offset 40") != NULL, err);

	/* IPv4 option overrunning the header (the header checksum is right). */
	{
		static const uint8_t bad_opt[4] = { 0x94, 0x05, 0x00, 0x00 };

		pkt_init(&p);
		pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 59, bad_opt, sizeof(bad_opt));
		pkt_finish(&p);
		ASSERT_EQ(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, err, sizeof(err)),
			  PKT_ERR_FORMAT, "IPv4 option length");
		ASSERT_TRUE(strstr(err, "IPv4 option 148 at offset 20") != NULL, err);
	}

	/* PadN carries zeros only (RFC 8200 4.2). */
	pkt_init(&p);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", 59);
	pkt_ipv6_ext(&p, 60, NULL, 0);
	pkt_finish(&p);
	ASSERT_OK(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, NULL, 0), "PadN");
	p.data[40 + 5] = 1;
	ASSERT_EQ(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, err, sizeof(err)), PKT_ERR_FORMAT,
		  "PadN with data");
	ASSERT_TRUE(strstr(err, "PadN data at offset 45") != NULL, err);

	/* ICMP (1) inside IPv6. */
	pkt_init(&p);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2", 1);
	pkt_payload(&p, NULL, 8);
	pkt_finish(&p);
	ASSERT_EQ(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, NULL, 0), PKT_ERR_FORMAT,
		  "ICMPv4 in IPv6");

	/*
	 * RFC 1624 3: 0xffff where a from-scratch computation gives 0x0000
	 * sums to zero just the same, but is not what a correct sender sends.
	 */
	pkt_init(&p);
	pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 6, NULL, 0);
	pkt_tcp(&p, 1, 2, PKT_TCP_ACK);
	pkt_payload(&p, NULL, 2);
	force_zero_csum(&p, 20 + 16, 40);
	ASSERT_EQ(be16(p.data + 36), 0, "TCP keeps a computed 0");
	ASSERT_OK(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, err, sizeof(err)), err);
	p.data[36] = p.data[37] = 0xff;
	ASSERT_EQ(pkt_csum(p.data + 20, 22, pkt_csum_partial(p.data + 12, 8, 0) + 6 + 22), 0,
		  "ffff sums to zero too");
	ASSERT_EQ(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, NULL, 0), PKT_ERR_CSUM,
		  "ffff for 0 rejected");

	/* Too many nested headers. */
	pkt_init(&p);
	{
		int i;

		for (i = 0; i < 9; i++)
			pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 4, NULL, 0);
		pkt_ipv4(&p, "192.0.2.1", "192.0.2.2", 59, NULL, 0);
	}
	pkt_finish(&p);
	ASSERT_EQ(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, NULL, 0), PKT_ERR_UNSUPPORTED, "depth");
	/* A NULL or tiny err buffer is fine. */
	ASSERT_EQ(pkt_verify_ex(p.data, p.len, 0, PKT_VERIFY_L3, err, 1), PKT_ERR_UNSUPPORTED, "errlen 1");
	ASSERT_EQ(err[0], '\0', "errlen 1 holds the terminator");
}

/* ---- hexdiff ------------------------------------------------------------ */

static void test_hexdiff(void)
{
	uint8_t a[100], b[102];
	char *out = NULL;
	size_t outlen = 0, i;
	FILE *f;
	static const char want[] =
		"  got 100 bytes, want 102 bytes: 3 differ, first at 0x0011\n"
		"  0000      00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n"
		"  0010 got  10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f\n"
		"       want .. ee .. .. .. .. .. .. .. .. .. .. .. .. .. ..\n"
		"  0020      20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f\n"
		"  *\n"
		"  0050      50 51 52 53 54 55 56 57 58 59 5a 5b 5c 5d 5e 5f\n"
		"  0060 got  60 61 62 63 -- --\n"
		"       want .. .. .. .. 64 65\n";

	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)i;
	memcpy(a, b, sizeof(a));
	b[0x11] = 0xee;

	f = open_memstream(&out, &outlen);
	if (!ASSERT_TRUE(f != NULL, "open_memstream"))
		return;
	pkt_hexdiff(f, a, sizeof(a), b, sizeof(b));
	fclose(f);
	if (!ASSERT_TRUE(!strcmp(out, want), "hexdiff output"))
		fprintf(stdout, "got:\n%swant:\n%s", out, want);
	free(out);

	out = NULL;
	f = open_memstream(&out, &outlen);
	if (!ASSERT_TRUE(f != NULL, "open_memstream"))
		return;
	pkt_hexdiff(f, a, 3, a, 3);
	fclose(f);
	ASSERT_TRUE(!strcmp(out, "  got 3 bytes, want 3 bytes: identical\n"
				 "  0000      00 01 02\n"), out);
	free(out);
}

/* ---- misuse ------------------------------------------------------------- */

/* Run fn in a child; true when it died of SIGABRT (the builder's die()). */
static bool aborts(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return false;
	if (!pid) {
		/* Keep the expected complaint out of the test log. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(2);
		fn();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static struct pkt misuse_pkt;

static void misuse_overflow(void)
{
	pkt_init(&misuse_pkt);
	pkt_payload(&misuse_pkt, NULL, PKT_MAX_LEN);
	pkt_payload(&misuse_pkt, NULL, 1);
}

static void misuse_bad_addr(void)
{
	pkt_init(&misuse_pkt);
	pkt_ipv4(&misuse_pkt, "192.0.2.256", "192.0.2.1", 6, NULL, 0);
}

static void misuse_ext_after_tcp(void)
{
	pkt_init(&misuse_pkt);
	pkt_ipv6(&misuse_pkt, "2001:db8::1", "2001:db8::2", 6);
	pkt_tcp(&misuse_pkt, 1, 2, 0);
	pkt_ipv6_ext(&misuse_pkt, 60, NULL, 0);
}

static void misuse_after_trailer(void)
{
	pkt_init(&misuse_pkt);
	pkt_ipv4(&misuse_pkt, "192.0.2.1", "192.0.2.2", 17, NULL, 0);
	pkt_trailer(&misuse_pkt, NULL, 4);
	pkt_udp(&misuse_pkt, 1, 2);
}

static void misuse_tcp_without_ip(void)
{
	pkt_init(&misuse_pkt);
	pkt_eth(&misuse_pkt, mac_dst, mac_src);
	pkt_tcp(&misuse_pkt, 1, 2, 0);
}

static void misuse_fine(void)
{
	pkt_init(&misuse_pkt);
	pkt_ipv4(&misuse_pkt, "192.0.2.1", "192.0.2.2", 17, NULL, 0);
	pkt_payload(&misuse_pkt, NULL, PKT_MAX_LEN - 20);
	pkt_finish(&misuse_pkt);
}

static void test_misuse_aborts(void)
{
	ASSERT_TRUE(aborts(misuse_overflow), "overflow");
	ASSERT_TRUE(aborts(misuse_bad_addr), "bad address");
	ASSERT_TRUE(aborts(misuse_ext_after_tcp), "extension header after TCP");
	ASSERT_TRUE(aborts(misuse_after_trailer), "header after trailer");
	ASSERT_TRUE(aborts(misuse_tcp_without_ip), "TCP without IP");
	ASSERT_TRUE(!aborts(misuse_fine), "a full buffer is fine");
}

/* ---- tshark as an independent oracle ------------------------------------ */

/*
 * Classic libpcap format, written by hand: a 24-byte global header (magic
 * a1b2c3d4 in our byte order, version 2.4, snaplen, link type 1 = Ethernet)
 * and a 16-byte record header (seconds, microseconds, captured and original
 * length) per frame.
 */
static int pcap_write(const char *path, const struct pkt *frames, size_t n)
{
	const struct {
		uint32_t magic;
		uint16_t version_major, version_minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} ghdr = { 0xa1b2c3d4, 2, 4, 0, 0, PKT_MAX_LEN, 1 };
	FILE *f = fopen(path, "wb");
	size_t i;

	_Static_assert(sizeof(ghdr) == 24, "pcap global header is 24 bytes");
	if (!f)
		return -errno;
	fwrite(&ghdr, sizeof(ghdr), 1, f);
	for (i = 0; i < n; i++) {
		const uint32_t rec[4] = { (uint32_t)i + 1, 0, (uint32_t)frames[i].len,
					  (uint32_t)frames[i].len };

		fwrite(rec, sizeof(rec), 1, f);
		fwrite(frames[i].data, 1, frames[i].len, f);
	}
	return fclose(f) ? -errno : 0;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay++;
	}
	return n;
}

/* Run tshark over the file; returns its output (malloc'd) or NULL. */
static char *tshark(const char *pcap)
{
	char cmd[512], *out = NULL;
	size_t len = 0, cap = 0, r;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "tshark -n -r %s -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
		 "-o udp.check_checksum:TRUE -o tcp.analyze_sequence_numbers:FALSE "
		 "-d udp.port==%d,ip -d udp.port==%d,ipv6 -V 2>&1",
		 pcap, GUE_PORT, GUE_PORT_V6);
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			char *n = realloc(out, cap + 65536);

			if (!n)
				break;
			out = n;
			cap += 65536;
		}
		r = fread(out + len, 1, cap - len - 1, f);
		len += r;
	} while (r);
	if (pclose(f) != 0 || !out) {
		free(out);
		return NULL;
	}
	out[len] = '\0';
	return out;
}

static void test_tshark_cross_check(void)
{
	static struct pkt frames[NSAMPLES + 1];
	char path[] = "/tmp/es_test_pkt_XXXXXX";
	size_t i, n = 0, want_good = 0;
	char *out = NULL;
	int fd;

	if (system("tshark -v >/dev/null 2>&1") != 0) {
		es_test_skip("tshark not installed");
		return;
	}
	for (i = 0; i < NSAMPLES; i++)
		build_sample(&frames[n++], &samples[i]);
	/* A UDP checksum computed as 0 and sent as ffff. */
	pkt_init(&frames[n]);
	pkt_eth(&frames[n], mac_dst, mac_src);
	pkt_ipv4(&frames[n], "192.0.2.1", "192.0.2.2", 17, NULL, 0);
	pkt_udp(&frames[n], 9, 9);
	pkt_payload(&frames[n], NULL, 2);
	force_zero_csum(&frames[n], 34 + 6, 34 + 8);
	n++;
	/* Checksums in all: IPv4 headers, TCP, UDP (when sent), ICMP, ICMPv6. */
	for (i = 0; i < n; i++) {
		int j;

		for (j = 0; j < frames[i].nlayers; j++) {
			const struct pkt_layer *l = &frames[i].layers[j];

			want_good += l->type == PKT_IPV4 || l->type == PKT_TCP ||
				     l->type == PKT_ICMP || l->type == PKT_ICMPV6 ||
				     (l->type == PKT_UDP && !(l->flags & PKT_LF_NO_CSUM));
		}
	}

	fd = mkstemp(path);
	if (!ASSERT_TRUE(fd >= 0, "mkstemp"))
		return;
	close(fd);
	if (!ASSERT_OK(pcap_write(path, frames, n), "pcap_write"))
		goto cleanup;
	out = tshark(path);
	if (!ASSERT_TRUE(out != NULL, "tshark ran"))
		goto cleanup;
	ASSERT_EQ(count(out, "Frame Number: "), n, "tshark read every frame");
	ASSERT_EQ(count(out, "[incorrect"), 0, "no incorrect checksum");
	ASSERT_EQ(count(out, "tatus: Bad]"), 0, "no bad checksum status");
	ASSERT_EQ(count(out, "Malformed"), 0, "no malformed packet");
	ASSERT_EQ(count(out, "Expert Info (Warning"), 0, "no warnings");
	ASSERT_EQ(count(out, "Expert Info (Error"), 0, "no errors");
	/*
	 * tshark must have checked every checksum we wrote, inner ones
	 * included: one that stopped dissecting early would report nothing
	 * wrong either.
	 */
	ASSERT_EQ(count(out, "tatus: Good]"), want_good, "checksums tshark found good");
	free(out);
	out = NULL;

	/* The control: tshark does flag a corrupted checksum. */
	frames[0].data[frames[0].len - 1] ^= 1;	/* v4_tcp_syn: an option byte */
	frames[4].data[frames[4].len - 1] ^= 1;	/* v6_tcp: payload */
	frames[12].data[14 + 10] ^= 1;		/* gue4_v4: outer IPv4 header */
	if (!ASSERT_OK(pcap_write(path, frames, n), "pcap_write"))
		goto cleanup;
	out = tshark(path);
	if (!ASSERT_TRUE(out != NULL, "tshark ran"))
		goto cleanup;
	ASSERT_EQ(count(out, "tatus: Bad]"), 3, "tshark sees the corruption");
	ASSERT_EQ(count(out, "tatus: Good]"), want_good - 3, "and only that");
	if (es_test_failures)
		fprintf(stdout, "  tshark output kept in %s\n", path);
cleanup:
	free(out);
	if (!es_test_failures)
		unlink(path);
}

int main(void)
{
	RUN_TEST(test_csum_rfc1071);
	RUN_TEST(test_csum_ipv4_known_header);
	RUN_TEST(test_csum_udp_by_hand);
	RUN_TEST(test_build_l2);
	RUN_TEST(test_build_ipv4_fields);
	RUN_TEST(test_build_ipv6_ext_chain);
	RUN_TEST(test_build_tcp_fields);
	RUN_TEST(test_encap_two_ways);
	RUN_TEST(test_gue_csum_zero_is_ffff);
	RUN_TEST(test_udp_no_csum);
	RUN_TEST(test_verify_samples);
	RUN_TEST(test_srh_pseudo_header);
	RUN_TEST(test_verify_single_byte_flips);
	RUN_TEST(test_verify_lengths);
	RUN_TEST(test_verify_fragments);
	RUN_TEST(test_verify_errors);
	RUN_TEST(test_hexdiff);
	RUN_TEST(test_misuse_aborts);
	RUN_TEST(test_tshark_cross_check);
	return es_test_exit();
}

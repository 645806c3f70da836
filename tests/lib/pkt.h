/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet construction and verification for the BPF_PROG_TEST_RUN fixtures.
 *
 * This is the test oracle: it knows nothing of the XDP program and computes
 * every length and checksum itself, from the RFCs (791, 768, 793, 792, 1071,
 * 8200, 4443, 2473, 6935/6936). Never make it share code with bpf/ or
 * user/lib/: a bug shared by the oracle and the code under test is a bug no
 * test can find.
 *
 * Builder. A frame is assembled front to back, one header per call, in a
 * caller-owned struct pkt; pkt_finish() then fills every length field and
 * every checksum. Conventions:
 *   - All numeric arguments (ports, ids, TCI, seq, flow label ...) are host
 *     order; the builder stores them in network order.
 *   - An Ethernet or VLAN header's EtherType is filled by the layer that
 *     follows it (VLAN: its TPID; IPv4: 0x0800; IPv6: 0x86dd), or set with
 *     pkt_eth_type() for non-IP frames.
 *   - IPv4 `proto` and IPv6 `next_hdr` name the upper-layer protocol and are
 *     stored as given (so a test can build nonsense on purpose).
 *     pkt_ipv6_ext() inserts an extension header into the chain: the
 *     previous header's next-header field takes the extension's type, the
 *     extension inherits the previous value. So
 *         pkt_ipv6(p, s, d, IPPROTO_TCP); pkt_ipv6_ext(p, 0, ...);
 *     yields IPv6(nh=0) -> Hop-by-Hop(nh=6) -> TCP.
 *   - Every IP length (IPv4 total length, IPv6 payload length) and UDP
 *     length covers everything after its header up to the end of the frame
 *     except a trailer (pkt_trailer(): Ethernet padding).
 *   - TCP/UDP/ICMPv6 checksums use the pseudo-header of the closest IP
 *     header before them, with the final destination of an IPv6 Routing
 *     header (RFC 8200 8.1). pkt_finish() computes innermost first, so an
 *     outer (GUE) UDP checksum covers the finished inner packet.
 *   - Misuse (overflow of data[], bad address string, a header in a place
 *     it cannot go) is a bug in the test: it is reported on stderr and the
 *     program aborts, so it cannot pass silently.
 *
 * Tunnels are built either in one struct pkt (eth, ipv4(proto 4), ipv4,
 * tcp ...) or by building the inner packet in its own struct pkt, finishing
 * it and appending it to an outer one with pkt_inner().
 *
 * Verifier. pkt_verify() walks a frame the way a receiver would and checks
 * every length and checksum it meets, at every level of encapsulation.
 */
#ifndef ES_TEST_PKT_H
#define ES_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test.h"

#define PKT_MAX_LEN	16384
#define PKT_MAX_LAYERS	24

enum pkt_layer_type {
	PKT_ETH = 1,
	PKT_VLAN,
	PKT_IPV4,
	PKT_IPV6,
	PKT_IPV6_EXT,
	PKT_TCP,
	PKT_UDP,
	PKT_ICMP,	/* ICMPv4 (RFC 792) */
	PKT_ICMPV6,	/* ICMPv6 (RFC 4443) */
};

struct pkt_layer {
	uint8_t type;		/* enum pkt_layer_type */
	uint8_t flags;		/* PKT_LF_* */
	uint8_t proto;		/* PKT_IPV6_EXT: the extension header's type */
	uint16_t off;		/* offset of the header in data[] */
	uint16_t hlen;		/* header length, options included */
};

#define PKT_LF_NO_CSUM	0x1	/* UDP: leave the checksum 0 ("none", IPv4) */

struct pkt {
	unsigned char data[PKT_MAX_LEN];
	size_t len;		/* bytes in data[], trailer included */
	size_t end;		/* end of the IP packet: lengths stop here */
	size_t l3_off;		/* first IP header; SIZE_MAX when none */
	size_t l4_off;		/* last TCP/UDP/ICMP header; SIZE_MAX when none */
	int nlayers;
	struct pkt_layer layers[PKT_MAX_LAYERS];
};

/* Header flag bits and field constants, host order. */
#define PKT_TCP_FIN	0x01
#define PKT_TCP_SYN	0x02
#define PKT_TCP_RST	0x04
#define PKT_TCP_PSH	0x08
#define PKT_TCP_ACK	0x10
#define PKT_TCP_URG	0x20
#define PKT_TCP_ECE	0x40
#define PKT_TCP_CWR	0x80

#define PKT_IP_DF	0x4000	/* IPv4 frag_off: don't fragment */
#define PKT_IP_MF	0x2000	/* IPv4 frag_off: more fragments */
#define PKT_IP_OFFMASK	0x1fff	/* IPv4 frag_off: offset in 8-byte units */

#define PKT_TTL_DEFAULT	64

/* ---- builder ------------------------------------------------------------ */

/* Empty packet: no layers, len 0. */
void pkt_init(struct pkt *p);

/* Ethernet II header; EtherType filled by the next layer. */
void pkt_eth(struct pkt *p, const uint8_t dst[6], const uint8_t src[6]);
/* 802.1Q (tpid 0x8100) or 802.1ad (0x88a8) tag; tci = PCP<<13 | DEI<<12 | VID. */
void pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t tci);
/* Set the EtherType of the last Ethernet/VLAN header (non-IP payloads). */
void pkt_eth_type(struct pkt *p, uint16_t ethertype);

/*
 * IPv4 header, RFC 791. Defaults: TOS 0, TTL 64, id 0, frag_off 0.
 * opts: raw option bytes, optlen a multiple of 4, at most 40 (IHL <= 15).
 */
void pkt_ipv4(struct pkt *p, const char *src, const char *dst, uint8_t proto,
	      const void *opts, size_t optlen);
/* Same with addresses as 4 raw bytes, network order. */
void pkt_ipv4_raw(struct pkt *p, const void *src, const void *dst,
		  uint8_t proto, const void *opts, size_t optlen);
/* Setters for the last IPv4 header added. */
void pkt_ipv4_id(struct pkt *p, uint16_t id);
/* frag_off as on the wire but host order: PKT_IP_DF | PKT_IP_MF | offset/8. */
void pkt_ipv4_frag(struct pkt *p, uint16_t frag_off);

/* IPv6 header, RFC 8200. Defaults: traffic class 0, flow label 0, hop limit 64. */
void pkt_ipv6(struct pkt *p, const char *src, const char *dst, uint8_t next_hdr);
/* Same with addresses as 16 raw bytes. */
void pkt_ipv6_raw(struct pkt *p, const void *src, const void *dst, uint8_t next_hdr);
/* Flow label (20 bits) of the last IPv6 header added. */
void pkt_ipv6_flowlabel(struct pkt *p, uint32_t label);

/* Setters for the last IP header of either family. */
void pkt_ip_tos(struct pkt *p, uint8_t tos);	/* IPv4 TOS / IPv6 traffic class */
void pkt_ip_ttl(struct pkt *p, uint8_t ttl);	/* IPv4 TTL / IPv6 hop limit */

/*
 * IPv6 extension header inserted after the IPv6 header or the previous
 * extension header (must come right after one). body = the bytes after the
 * 2-byte next-header/length prefix:
 *   0 Hop-by-Hop, 60 Destination Options: option TLVs; padded to a
 *     multiple of 8 with Pad1/PadN (RFC 8200 4.2);
 *   43 Routing: routing type, segments left, type-specific data; padded with
 *     zero bytes;
 *   44 Fragment: exactly 6 bytes (see pkt_ipv6_frag());
 *   51 Authentication Header (RFC 4302): length in 4-byte units - 2;
 *   anything else: the RFC 6564 uniform format (8-byte units - 1).
 * body NULL stands for len zero bytes.
 */
void pkt_ipv6_ext(struct pkt *p, uint8_t type, const void *body, size_t len);
/* Fragment header: offset in 8-byte units, M flag, identification. */
void pkt_ipv6_frag(struct pkt *p, uint16_t offset, bool more, uint32_t id);

/* TCP header, RFC 9293. Defaults: seq 1, ack 0, window 65535, urg 0. */
void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags);
void pkt_tcp_seq(struct pkt *p, uint32_t seq, uint32_t ack);
void pkt_tcp_window(struct pkt *p, uint16_t window);
/* Options for the last TCP header, before any payload; padded with EOL to 4. */
void pkt_tcp_options(struct pkt *p, const void *opts, size_t len);

/* UDP header, RFC 768. */
void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport);
/* Last UDP header is sent without checksum (0): legal over IPv4 only. */
void pkt_udp_no_csum(struct pkt *p);

/*
 * ICMP (over IPv4) or ICMPv6 (over IPv6), picked by the closest IP header.
 * rest = the 4 bytes after the checksum, host order.
 */
void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code, uint32_t rest);
/* Echo request/reply: types 8/0 (ICMP) or 128/129 (ICMPv6). */
void pkt_icmp_echo(struct pkt *p, bool reply, uint16_t id, uint16_t seq);

/* Append raw bytes; data NULL appends len zero bytes. */
void pkt_payload(struct pkt *p, const void *data, size_t len);
/* Append n bytes of a counting pattern starting at `seed` (seed, seed+1 ...). */
void pkt_pattern(struct pkt *p, size_t n, uint8_t seed);
/*
 * Append a finished packet from its first IP header on (its Ethernet and
 * VLAN headers and its trailer are left out): the inner packet of a tunnel.
 */
void pkt_inner(struct pkt *p, const struct pkt *inner);
/*
 * Bytes after the IP packet, not counted in any length (Ethernet padding).
 * Must be the last thing appended; data NULL appends zeros.
 */
void pkt_trailer(struct pkt *p, const void *data, size_t len);
/* Pad with a zero trailer to at least min_len bytes (60: minimum Ethernet frame). */
void pkt_pad_to(struct pkt *p, size_t min_len);

/*
 * Fill every length field and compute every checksum: IPv4 header
 * checksums, then TCP/UDP/ICMP/ICMPv6 from the innermost out. May be called
 * again after editing fields; it rewrites all of them.
 */
void pkt_finish(struct pkt *p);

/* Offset of the nth (0 first, -1 last) layer of a type; SIZE_MAX if absent. */
size_t pkt_off(const struct pkt *p, enum pkt_layer_type type, int nth);

/* ---- checksums ---------------------------------------------------------- */

/*
 * RFC 1071 Internet checksum: the ones' complement of the ones' complement
 * sum of `initial` and the 16-bit big-endian words of data (an odd last byte
 * is padded with a zero on its right). Returns the value to store in the
 * field, host order (store with htons). Over a region that includes a
 * correct checksum field it returns 0.
 */
uint16_t pkt_csum(const void *data, size_t len, uint32_t initial);
/*
 * Unfolded partial sum for composing a checksum from pieces (pseudo-header
 * + segment). Every piece but the last must have an even length.
 */
uint32_t pkt_csum_partial(const void *data, size_t len, uint32_t sum);

/* ---- verifier ----------------------------------------------------------- */

enum pkt_verify_err {
	PKT_ERR_TRUNCATED = -1,	/* a header does not fit in the bytes present */
	PKT_ERR_LENGTH = -2,	/* a length field disagrees with the bytes present */
	PKT_ERR_CSUM = -3,	/* a checksum is wrong */
	PKT_ERR_FORMAT = -4,	/* a field has a value no sender may send */
	PKT_ERR_UNSUPPORTED = -5,	/* a protocol the verifier cannot check */
};

/* pkt_verify_ex() flags */
#define PKT_VERIFY_L3		0x1	/* data starts at an IP header, not Ethernet */
#define PKT_VERIFY_TRAILER	0x2	/* allow bytes after the outermost IP packet */
#define PKT_VERIFY_OPAQUE	0x4	/* accept what cannot be checked (non-IP,
					 * unknown protocols, data after No Next
					 * Header) instead of failing */

/*
 * Verify a frame: Ethernet, any number of VLAN tags, IPv4 (options walked,
 * header checksum), IPv6 (extension headers walked), IPv4/IPv6 in IPv4/IPv6
 * (protocol 4 and 41), UDP to gue_port (host order, 0: none) carrying GUE
 * variant 1 (the inner IP header right after UDP), TCP, UDP, ICMP, ICMPv6.
 * Every IP/UDP length must match the bytes present exactly; every checksum
 * must be right (UDP over IPv6 must have one: RFC 8200 8.1). Fragments are
 * checked up to their IP header; the upper layer needs reassembly.
 * Returns 0 or a PKT_ERR_*. err (may be NULL) receives the reason with the
 * field and its offset, or on success the path walked, e.g.
 * "eth vlan ipv4 udp(gue) ipv6 tcp".
 */
int pkt_verify(const void *frame, size_t len, uint16_t gue_port, char *err, size_t errlen);
int pkt_verify_ex(const void *frame, size_t len, uint16_t gue_port, unsigned int flags,
		  char *err, size_t errlen);

/* ---- diagnostics -------------------------------------------------------- */

/*
 * Hex dump of got against want, 16 bytes a row: equal rows once (runs of
 * equal rows folded into "*"), differing rows as a "got" line and a "want"
 * line where equal bytes show as "..", missing ones as "--".
 */
void pkt_hexdiff(FILE *f, const void *got, size_t got_len, const void *want, size_t want_len);

/* Assert two frames are byte-identical; on failure print pkt_hexdiff(). */
#define ASSERT_PKT_EQ(got, got_len, want, want_len, what) ({		\
	const void *___pg = (got), *___pw = (want);			\
	size_t ___pgl = (got_len), ___pwl = (want_len);			\
	bool ___ok = ___pgl == ___pwl && !memcmp(___pg, ___pw, ___pgl);	\
	if (!___ok) {							\
		es_test_failures++;					\
		fprintf(stdout, "  %s:%d: %s: frames differ\n",	\
			__FILE__, __LINE__, (what));			\
		pkt_hexdiff(stdout, ___pg, ___pgl, ___pw, ___pwl);	\
	}								\
	___ok;								\
})

/* Assert pkt_verify() accepts a frame; on failure print why. */
#define ASSERT_PKT_VALID(frame, len, gue_port, what) ({		\
	char ___pe[256];						\
	int ___r = pkt_verify((frame), (len), (gue_port), ___pe, sizeof(___pe)); \
	if (___r) {							\
		es_test_failures++;					\
		fprintf(stdout, "  %s:%d: %s: invalid frame (%d): %s\n", \
			__FILE__, __LINE__, (what), ___r, ___pe);	\
	}								\
	!___r;								\
})

#endif /* ES_TEST_PKT_H */

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Packet builder and verifier for the fixture tests; see pkt.h.
 *
 * Everything here is written from the RFCs, on purpose without the kernel's
 * or libc's packet structs: the oracle must not share a layout (or a bug)
 * with the code it checks. Fields are read and written byte by byte in
 * network order (big-endian) with get16/put16 and friends.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include "pkt.h"

/* Protocol numbers (IANA), EtherTypes (IEEE). */
#define PROTO_HOPOPTS	0
#define PROTO_ICMP	1
#define PROTO_IPIP	4	/* IPv4 encapsulation, RFC 2003 */
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_IPV6	41	/* IPv6 encapsulation, RFC 2473 / RFC 4213 */
#define PROTO_ROUTING	43
#define PROTO_FRAGMENT	44
#define PROTO_ESP	50
#define PROTO_AH	51
#define PROTO_ICMPV6	58
#define PROTO_NONE	59
#define PROTO_DSTOPTS	60
#define PROTO_MOBILITY	135	/* RFC 6275 */
#define PROTO_HIP	139	/* RFC 7401 */
#define PROTO_SHIM6	140	/* RFC 5533 */
#define PROTO_EXP1	253	/* RFC 3692 experimental */
#define PROTO_EXP2	254

#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88a8
#define ETH_P_QINQ_OLD	0x9100	/* pre-802.1ad QinQ, still seen in the wild */

#define ETH_HLEN	14
#define VLAN_HLEN	4
#define IPV4_HLEN	20
#define IPV6_HLEN	40
#define TCP_HLEN	20
#define UDP_HLEN	8
#define ICMP_HLEN	8	/* RFC 792: every message has type..rest-of-header */
#define ICMPV6_HLEN	4	/* RFC 4443 2.1: type, code, checksum */

/* Checksum field offset inside each header. */
#define IPV4_CSUM_OFF	10
#define TCP_CSUM_OFF	16
#define UDP_CSUM_OFF	6
#define ICMP_CSUM_OFF	2

/* ---- byte access (network order) ---------------------------------------- */

static inline uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static inline void put32(uint8_t *b, uint32_t v)
{
	b[0] = v >> 24;
	b[1] = (v >> 16) & 0xff;
	b[2] = (v >> 8) & 0xff;
	b[3] = v & 0xff;
}

/* ---- checksums (RFC 1071) ----------------------------------------------- */

uint32_t pkt_csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *b = data;
	uint64_t acc = sum;
	size_t i;

	/*
	 * Sum big-endian 16-bit words; RFC 1071 2(B): the result is the same
	 * in either byte order, but big-endian keeps it equal to the value
	 * as written in the header, which is what the messages print.
	 */
	for (i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		acc += (uint32_t)b[len - 1] << 8;	/* pad with a zero octet */
	/* End-around carry (RFC 1071 2(A)), until no carry is left. */
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

uint16_t pkt_csum(const void *data, size_t len, uint32_t initial)
{
	return (uint16_t)~pkt_csum_partial(data, len, initial);
}

/*
 * The checksum a header at b (len bytes) should carry in the 16-bit field at
 * csum_off: the sum with that field taken as zero. csum_off is even in every
 * header we meet (IPv4 10, TCP 16, UDP 6, ICMP 2), so the two pieces stay
 * word aligned.
 */
static uint16_t csum_want(const uint8_t *b, size_t len, size_t csum_off, uint32_t initial)
{
	uint32_t sum = pkt_csum_partial(b, csum_off, initial);

	return pkt_csum(b + csum_off + 2, len - csum_off - 2, sum);
}

/*
 * Pseudo-header sums. IPv4, RFC 793 3.1 / RFC 768: source, destination,
 * zero, protocol, 16-bit upper-layer length. IPv6, RFC 8200 8.1: source,
 * final destination, 32-bit upper-layer length, three zeros, next header
 * (the upper-layer protocol, not the first extension header).
 */
static uint32_t pseudo_sum4(const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len)
{
	uint32_t sum = pkt_csum_partial(src, 4, 0);

	sum = pkt_csum_partial(dst, 4, sum);
	return sum + proto + (uint32_t)(len & 0xffff);
}

static uint32_t pseudo_sum6(const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len)
{
	uint32_t sum = pkt_csum_partial(src, 16, 0);

	sum = pkt_csum_partial(dst, 16, sum);
	return sum + proto + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
}

/*
 * Final destination named by a Routing header rh (rhlen bytes) for the
 * pseudo-header (RFC 8200 8.1: "at the originating node, that address will
 * be in the last element of the Routing header"). Returns 1 and *dst when
 * the header names one, 0 when segments left is 0 (the IPv6 destination is
 * final), -1 for a routing type whose layout we do not know.
 */
static int rh_final_dst(const uint8_t *rh, size_t rhlen, const uint8_t **dst)
{
	uint8_t type = rh[2], segleft = rh[3];
	size_t naddr;

	if (!segleft)
		return 0;
	switch (type) {
	case 0:	/* RFC 2460 type 0 (deprecated, RFC 5095): 4 reserved, addresses */
	case 2:	/* RFC 6275 type 2: 4 reserved, one home address */
		naddr = (rhlen - 8) / 16;
		if (!naddr)
			return -1;
		*dst = rh + 8 + 16 * (naddr - 1);
		return 1;
	case 4:	/* RFC 8754 SRH: Segment List[0] is the final segment */
		if (rhlen < 8 + 16)
			return -1;
		*dst = rh + 8;
		return 1;
	default:
		return -1;
	}
}

/* ---- builder ------------------------------------------------------------ */

static void __attribute__((noreturn, format(printf, 2, 3)))
die(const char *fn, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pkt: %s: ", fn);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Append n bytes, zeroed, to the IP packet (not the trailer). */
static uint8_t *grow(struct pkt *p, size_t n, const char *fn)
{
	uint8_t *b;

	if (p->end != p->len)
		die(fn, "nothing may follow a trailer");
	if (n > PKT_MAX_LEN - p->len)
		die(fn, "%zu + %zu bytes overflow the %d-byte buffer", p->len, n, PKT_MAX_LEN);
	b = p->data + p->len;
	memset(b, 0, n);
	p->len += n;
	p->end = p->len;
	return b;
}

static struct pkt_layer *add_layer(struct pkt *p, enum pkt_layer_type type, size_t hlen,
				   const char *fn)
{
	struct pkt_layer *l;

	if (p->nlayers == PKT_MAX_LAYERS)
		die(fn, "more than %d layers", PKT_MAX_LAYERS);
	l = &p->layers[p->nlayers++];
	l->type = type;
	l->flags = 0;
	l->proto = 0;
	l->off = (uint16_t)p->len;
	l->hlen = (uint16_t)hlen;
	grow(p, hlen, fn);
	return l;
}

static struct pkt_layer *last_layer(struct pkt *p)
{
	return p->nlayers ? &p->layers[p->nlayers - 1] : NULL;
}

/* Last layer of one of two types (pass the same type twice for one). */
static struct pkt_layer *find_last(struct pkt *p, int t1, int t2, const char *fn)
{
	int i;

	for (i = p->nlayers - 1; i >= 0; i--)
		if (p->layers[i].type == t1 || p->layers[i].type == t2)
			return &p->layers[i];
	die(fn, "no such header in the packet yet");
}

static bool is_ip(const struct pkt_layer *l)
{
	return l->type == PKT_IPV4 || l->type == PKT_IPV6;
}

/* The IP header whose pseudo-header covers layer index i. */
static const struct pkt_layer *ip_before(const struct pkt *p, int i)
{
	while (--i >= 0)
		if (is_ip(&p->layers[i]))
			return &p->layers[i];
	return NULL;
}

/* Point the EtherType of a directly preceding Ethernet/VLAN header at us. */
static void link_ethertype(struct pkt *p, uint16_t ethertype)
{
	struct pkt_layer *l = last_layer(p);

	if (!l || l->off + l->hlen != p->len)
		return;
	if (l->type == PKT_ETH)
		put16(p->data + l->off + 12, ethertype);
	else if (l->type == PKT_VLAN)
		put16(p->data + l->off + 2, ethertype);
}

void pkt_init(struct pkt *p)
{
	/* data[] is zeroed as it grows; no need to clear 16 KiB per packet. */
	p->len = 0;
	p->end = 0;
	p->l3_off = SIZE_MAX;
	p->l4_off = SIZE_MAX;
	p->nlayers = 0;
}

void pkt_eth(struct pkt *p, const uint8_t dst[6], const uint8_t src[6])
{
	struct pkt_layer *l = add_layer(p, PKT_ETH, ETH_HLEN, __func__);

	memcpy(p->data + l->off, dst, 6);
	memcpy(p->data + l->off + 6, src, 6);
}

void pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t tci)
{
	struct pkt_layer *prev = last_layer(p);
	struct pkt_layer *l;

	if (!prev || (prev->type != PKT_ETH && prev->type != PKT_VLAN) ||
	    prev->off + prev->hlen != p->len)
		die(__func__, "a VLAN tag must follow Ethernet or another tag");
	/* 802.1Q: the TPID sits where the EtherType was; the tag is TCI + type. */
	link_ethertype(p, tpid);
	l = add_layer(p, PKT_VLAN, VLAN_HLEN, __func__);
	put16(p->data + l->off, tci);
}

void pkt_eth_type(struct pkt *p, uint16_t ethertype)
{
	struct pkt_layer *l = find_last(p, PKT_ETH, PKT_VLAN, __func__);

	put16(p->data + l->off + (l->type == PKT_ETH ? 12 : 2), ethertype);
}

static void parse_addr(int af, const char *s, void *out, const char *fn)
{
	if (!s || inet_pton(af, s, out) != 1)
		die(fn, "bad %s address \"%s\"", af == AF_INET ? "IPv4" : "IPv6", s ? s : "(null)");
}

void pkt_ipv4_raw(struct pkt *p, const void *src, const void *dst, uint8_t proto,
		  const void *opts, size_t optlen)
{
	struct pkt_layer *l;
	uint8_t *h;

	/* IHL is in 32-bit words and at most 15: 40 bytes of options. */
	if (optlen % 4 || optlen > 40 || (optlen && !opts))
		die(__func__, "options must be a multiple of 4 bytes, at most 40 (got %zu)", optlen);
	link_ethertype(p, ETH_P_IPV4);
	l = add_layer(p, PKT_IPV4, IPV4_HLEN + optlen, __func__);
	h = p->data + l->off;
	h[0] = 0x40 | (uint8_t)((IPV4_HLEN + optlen) / 4);	/* version 4, IHL */
	/* tos 0, total length and id filled later / by setters, frag_off 0 */
	h[8] = PKT_TTL_DEFAULT;
	h[9] = proto;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	if (optlen)
		memcpy(h + IPV4_HLEN, opts, optlen);
	if (p->l3_off == SIZE_MAX)
		p->l3_off = l->off;
}

void pkt_ipv4(struct pkt *p, const char *src, const char *dst, uint8_t proto,
	      const void *opts, size_t optlen)
{
	uint8_t s[4], d[4];

	parse_addr(AF_INET, src, s, __func__);
	parse_addr(AF_INET, dst, d, __func__);
	pkt_ipv4_raw(p, s, d, proto, opts, optlen);
}

void pkt_ipv4_id(struct pkt *p, uint16_t id)
{
	put16(p->data + find_last(p, PKT_IPV4, PKT_IPV4, __func__)->off + 4, id);
}

void pkt_ipv4_frag(struct pkt *p, uint16_t frag_off)
{
	put16(p->data + find_last(p, PKT_IPV4, PKT_IPV4, __func__)->off + 6, frag_off);
}

void pkt_ipv6_raw(struct pkt *p, const void *src, const void *dst, uint8_t next_hdr)
{
	struct pkt_layer *l;
	uint8_t *h;

	link_ethertype(p, ETH_P_IPV6);
	l = add_layer(p, PKT_IPV6, IPV6_HLEN, __func__);
	h = p->data + l->off;
	h[0] = 0x60;		/* version 6, traffic class and flow label 0 */
	h[6] = next_hdr;
	h[7] = PKT_TTL_DEFAULT;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	if (p->l3_off == SIZE_MAX)
		p->l3_off = l->off;
}

void pkt_ipv6(struct pkt *p, const char *src, const char *dst, uint8_t next_hdr)
{
	uint8_t s[16], d[16];

	parse_addr(AF_INET6, src, s, __func__);
	parse_addr(AF_INET6, dst, d, __func__);
	pkt_ipv6_raw(p, s, d, next_hdr);
}

void pkt_ipv6_flowlabel(struct pkt *p, uint32_t label)
{
	uint8_t *h = p->data + find_last(p, PKT_IPV6, PKT_IPV6, __func__)->off;

	/* Bits 12..31 of the first word: low nibble of byte 1, bytes 2 and 3. */
	h[1] = (uint8_t)((h[1] & 0xf0) | ((label >> 16) & 0x0f));
	h[2] = (label >> 8) & 0xff;
	h[3] = label & 0xff;
}

void pkt_ip_tos(struct pkt *p, uint8_t tos)
{
	struct pkt_layer *l = find_last(p, PKT_IPV4, PKT_IPV6, __func__);
	uint8_t *h = p->data + l->off;

	if (l->type == PKT_IPV4) {
		h[1] = tos;
	} else {
		/* Traffic class straddles bytes 0 and 1 (after the version). */
		h[0] = (uint8_t)(0x60 | tos >> 4);
		h[1] = (uint8_t)((tos & 0x0f) << 4 | (h[1] & 0x0f));
	}
}

void pkt_ip_ttl(struct pkt *p, uint8_t ttl)
{
	struct pkt_layer *l = find_last(p, PKT_IPV4, PKT_IPV6, __func__);

	p->data[l->off + (l->type == PKT_IPV4 ? 8 : 7)] = ttl;
}

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

void pkt_ipv6_ext(struct pkt *p, uint8_t type, const void *body, size_t len)
{
	struct pkt_layer *prev = last_layer(p);
	struct pkt_layer *l;
	uint8_t *nh_field, *h;
	size_t total, pad;

	if (!prev || (prev->type != PKT_IPV6 && prev->type != PKT_IPV6_EXT) ||
	    prev->off + prev->hlen != p->len)
		die(__func__, "an extension header must follow IPv6 or another extension header");
	if (type == PROTO_FRAGMENT && len != 6)
		die(__func__, "a Fragment header body is 6 bytes, got %zu", len);
	/* Every IPv6 extension header is a multiple of 8 octets (RFC 8200 4). */
	total = round_up(2 + len, 8);
	if ((type == PROTO_AH && total > (255 + 2) * 4) || total > (255 + 1) * 8)
		die(__func__, "extension header of %zu bytes is too long", total);

	/* Insert into the chain: we take over the previous next-header value. */
	nh_field = p->data + prev->off + (prev->type == PKT_IPV6 ? 6 : 0);
	l = add_layer(p, PKT_IPV6_EXT, total, __func__);
	l->proto = type;
	h = p->data + l->off;
	h[0] = *nh_field;
	*nh_field = type;

	switch (type) {
	case PROTO_FRAGMENT:
		h[1] = 0;	/* reserved, not a length */
		break;
	case PROTO_AH:
		h[1] = (uint8_t)(total / 4 - 2);	/* RFC 4302 2.2 */
		break;
	default:
		h[1] = (uint8_t)(total / 8 - 1);	/* 8-octet units, not counting the first */
		break;
	}
	if (body && len)
		memcpy(h + 2, body, len);	/* else left zero by grow() */
	pad = total - 2 - len;
	if ((type == PROTO_HOPOPTS || type == PROTO_DSTOPTS) && pad) {
		/* RFC 8200 4.2: Pad1 is a lone zero octet, PadN is 1, n-2, zeros. */
		if (pad == 1) {
			h[2 + len] = 0;
		} else {
			h[2 + len] = 1;
			h[2 + len + 1] = (uint8_t)(pad - 2);
		}
	}
}

void pkt_ipv6_frag(struct pkt *p, uint16_t offset, bool more, uint32_t id)
{
	uint8_t body[6];

	if (offset > 0x1fff)
		die(__func__, "fragment offset %u does not fit 13 bits", offset);
	/* After next header and reserved: offset(13) res(2) M(1), identification(32). */
	put16(body, (uint16_t)(offset << 3 | (more ? 1 : 0)));
	put32(body + 2, id);
	pkt_ipv6_ext(p, PROTO_FRAGMENT, body, sizeof(body));
}

static struct pkt_layer *add_l4(struct pkt *p, enum pkt_layer_type type, size_t hlen,
				const char *fn)
{
	struct pkt_layer *l;

	if (!p->nlayers || !ip_before(p, p->nlayers))
		die(fn, "a transport header needs an IP header before it");
	l = add_layer(p, type, hlen, fn);
	p->l4_off = l->off;
	return l;
}

void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	struct pkt_layer *l = add_l4(p, PKT_TCP, TCP_HLEN, __func__);
	uint8_t *h = p->data + l->off;

	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, 1);		/* seq */
	h[12] = (TCP_HLEN / 4) << 4;	/* data offset in 32-bit words */
	h[13] = flags;
	put16(h + 14, 65535);		/* window */
}

static uint8_t *last_tcp(struct pkt *p, const char *fn)
{
	return p->data + find_last(p, PKT_TCP, PKT_TCP, fn)->off;
}

void pkt_tcp_seq(struct pkt *p, uint32_t seq, uint32_t ack)
{
	uint8_t *h = last_tcp(p, __func__);

	put32(h + 4, seq);
	put32(h + 8, ack);
}

void pkt_tcp_window(struct pkt *p, uint16_t window)
{
	put16(last_tcp(p, __func__) + 14, window);
}

void pkt_tcp_options(struct pkt *p, const void *opts, size_t len)
{
	struct pkt_layer *l = last_layer(p);
	size_t padded = round_up(len, 4);

	if (!l || l->type != PKT_TCP || l->off + l->hlen != p->len)
		die(__func__, "options must directly follow pkt_tcp()");
	if (l->hlen + padded > 60 || (len && !opts))
		die(__func__, "%zu bytes of options do not fit data offset 15", len);
	/* The padding is zeros: End of Option List (RFC 9293 3.2). */
	memcpy(grow(p, padded, __func__), opts, len);
	l->hlen = (uint16_t)(l->hlen + padded);
	p->data[l->off + 12] = (uint8_t)(l->hlen / 4) << 4;
}

void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	struct pkt_layer *l = add_l4(p, PKT_UDP, UDP_HLEN, __func__);

	put16(p->data + l->off, sport);
	put16(p->data + l->off + 2, dport);
}

void pkt_udp_no_csum(struct pkt *p)
{
	find_last(p, PKT_UDP, PKT_UDP, __func__)->flags |= PKT_LF_NO_CSUM;
}

void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code, uint32_t rest)
{
	const struct pkt_layer *ip = p->nlayers ? ip_before(p, p->nlayers) : NULL;
	struct pkt_layer *l;
	uint8_t *h;

	if (!ip)
		die(__func__, "ICMP needs an IP header before it");
	l = add_l4(p, ip->type == PKT_IPV4 ? PKT_ICMP : PKT_ICMPV6, ICMP_HLEN, __func__);
	h = p->data + l->off;
	h[0] = type;
	h[1] = code;
	put32(h + 4, rest);
}

void pkt_icmp_echo(struct pkt *p, bool reply, uint16_t id, uint16_t seq)
{
	const struct pkt_layer *ip = p->nlayers ? ip_before(p, p->nlayers) : NULL;
	uint8_t type;

	if (!ip)
		die(__func__, "ICMP needs an IP header before it");
	/* RFC 792: echo 8, reply 0. RFC 4443 4.1/4.2: request 128, reply 129. */
	if (ip->type == PKT_IPV4)
		type = reply ? 0 : 8;
	else
		type = reply ? 129 : 128;
	pkt_icmp(p, type, 0, (uint32_t)id << 16 | seq);
}

void pkt_payload(struct pkt *p, const void *data, size_t len)
{
	uint8_t *b = grow(p, len, __func__);

	if (data && len)
		memcpy(b, data, len);
}

void pkt_pattern(struct pkt *p, size_t n, uint8_t seed)
{
	uint8_t *b = grow(p, n, __func__);
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i);
}

void pkt_inner(struct pkt *p, const struct pkt *inner)
{
	if (inner->l3_off == SIZE_MAX)
		die(__func__, "the inner packet has no IP header");
	pkt_payload(p, inner->data + inner->l3_off, inner->end - inner->l3_off);
}

void pkt_trailer(struct pkt *p, const void *data, size_t len)
{
	if (len > PKT_MAX_LEN - p->len)
		die(__func__, "%zu + %zu bytes overflow the %d-byte buffer", p->len, len, PKT_MAX_LEN);
	if (data)
		memcpy(p->data + p->len, data, len);
	else
		memset(p->data + p->len, 0, len);
	p->len += len;	/* p->end stays: lengths do not count the trailer */
}

void pkt_pad_to(struct pkt *p, size_t min_len)
{
	if (p->len < min_len)
		pkt_trailer(p, NULL, min_len - p->len);
}

/* Pseudo-header sum for the transport layer at index i. */
static uint32_t layer_pseudo(const struct pkt *p, int i, uint8_t proto, size_t len)
{
	const struct pkt_layer *ip = ip_before(p, i);
	const uint8_t *h = p->data + ip->off, *dst = h + 24;
	int j;

	if (ip->type == PKT_IPV4)
		return pseudo_sum4(h + 12, h + 16, proto, len);
	/* A Routing header between the IPv6 header and us may name the final destination. */
	for (j = (int)(ip - p->layers) + 1; j < i; j++) {
		const struct pkt_layer *x = &p->layers[j];
		const uint8_t *fd;

		if (x->type == PKT_IPV6_EXT && x->proto == PROTO_ROUTING &&
		    rh_final_dst(p->data + x->off, x->hlen, &fd) > 0)
			dst = fd;
	}
	return pseudo_sum6(h + 8, dst, proto, len);
}

void pkt_finish(struct pkt *p)
{
	size_t end = p->end;
	int i;

	/* Lengths: each covers its header and everything after it, up to end. */
	for (i = 0; i < p->nlayers; i++) {
		struct pkt_layer *l = &p->layers[i];
		uint8_t *h = p->data + l->off;
		size_t n = end - l->off;

		switch (l->type) {
		case PKT_IPV4:
			if (n > 0xffff)
				die(__func__, "IPv4 packet of %zu bytes", n);
			put16(h + 2, (uint16_t)n);	/* total length, header included */
			break;
		case PKT_IPV6:
			if (n - IPV6_HLEN > 0xffff)
				die(__func__, "IPv6 payload of %zu bytes needs a jumbogram", n);
			put16(h + 4, (uint16_t)(n - IPV6_HLEN));	/* payload only */
			break;
		case PKT_UDP:
			if (n > 0xffff)
				die(__func__, "UDP datagram of %zu bytes", n);
			put16(h + 4, (uint16_t)n);	/* header included */
			break;
		}
	}

	/* IPv4 header checksums cover the header only (RFC 791). */
	for (i = 0; i < p->nlayers; i++) {
		struct pkt_layer *l = &p->layers[i];
		uint8_t *h = p->data + l->off;

		if (l->type != PKT_IPV4)
			continue;
		put16(h + IPV4_CSUM_OFF, 0);
		put16(h + IPV4_CSUM_OFF, pkt_csum(h, l->hlen, 0));
	}

	/*
	 * Transport checksums, innermost first: an outer UDP (GUE) checksum
	 * covers the inner packet, whose checksums must be final by then.
	 */
	for (i = p->nlayers - 1; i >= 0; i--) {
		struct pkt_layer *l = &p->layers[i];
		uint8_t *h = p->data + l->off;
		size_t n = end - l->off;
		uint16_t c;

		switch (l->type) {
		case PKT_TCP:
			put16(h + TCP_CSUM_OFF, 0);
			c = pkt_csum(h, n, layer_pseudo(p, i, PROTO_TCP, n));
			put16(h + TCP_CSUM_OFF, c);
			break;
		case PKT_UDP:
			put16(h + UDP_CSUM_OFF, 0);
			if (l->flags & PKT_LF_NO_CSUM)
				break;
			c = pkt_csum(h, n, layer_pseudo(p, i, PROTO_UDP, n));
			/* RFC 768 / RFC 8200 8.1: a computed 0 is sent as all ones. */
			put16(h + UDP_CSUM_OFF, c ? c : 0xffff);
			break;
		case PKT_ICMP:
			/* RFC 792: over the ICMP message only, no pseudo-header. */
			put16(h + ICMP_CSUM_OFF, 0);
			put16(h + ICMP_CSUM_OFF, pkt_csum(h, n, 0));
			break;
		case PKT_ICMPV6:
			/* RFC 4443 2.3: with the IPv6 pseudo-header, next header 58. */
			put16(h + ICMP_CSUM_OFF, 0);
			c = pkt_csum(h, n, layer_pseudo(p, i, PROTO_ICMPV6, n));
			put16(h + ICMP_CSUM_OFF, c);
			break;
		}
	}
}

size_t pkt_off(const struct pkt *p, enum pkt_layer_type type, int nth)
{
	int i, seen = 0;

	if (nth < 0) {
		for (i = p->nlayers - 1; i >= 0; i--)
			if (p->layers[i].type == type && --seen == nth)
				return p->layers[i].off;
		return SIZE_MAX;
	}
	for (i = 0; i < p->nlayers; i++)
		if (p->layers[i].type == type && seen++ == nth)
			return p->layers[i].off;
	return SIZE_MAX;
}

/* ---- verifier ----------------------------------------------------------- */

#define VERIFY_MAX_VLANS	8
#define VERIFY_MAX_DEPTH	8	/* nested IP headers */
#define VERIFY_MAX_EXT		16	/* IPv6 extension headers per packet */

struct vctx {
	const uint8_t *b;
	unsigned int flags;
	uint16_t gue_port;	/* host order, 0: no GUE */
	char *err;
	size_t errlen;
	char path[256];
	size_t pathlen;
};

/* The addresses of the IP header a transport checksum is computed against. */
struct pseudo {
	int family;		/* 4 or 6 */
	const uint8_t *src;
	const uint8_t *dst;	/* IPv6: the final destination */
};

static int __attribute__((format(printf, 3, 4)))
verr(struct vctx *v, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!v->err || !v->errlen)
		return code;
	n = snprintf(v->err, v->errlen, "after \"%s\": ", v->path);
	if (n < 0 || (size_t)n >= v->errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(v->err + n, v->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return code;
}

static void vpath(struct vctx *v, const char *name)
{
	int n = snprintf(v->path + v->pathlen, sizeof(v->path) - v->pathlen, "%s%s",
			 v->pathlen ? " " : "", name);

	if (n > 0)
		v->pathlen = v->pathlen + (size_t)n < sizeof(v->path) ?
			     v->pathlen + (size_t)n : sizeof(v->path) - 1;
}

static int verify_ip(struct vctx *v, size_t off, size_t end, int want_version, int depth,
		     bool outer);

/*
 * A transport checksum at b[off + csum_off] over [off, end) must equal the
 * value computed from scratch. Exact, not just "sums to zero": RFC 1624 3
 * shows how a careless incremental update leaves 0xffff where a full
 * computation gives 0x0000, and both sum to zero.
 */
static int check_l4_csum(struct vctx *v, const char *name, size_t off, size_t end,
			 size_t csum_off, uint32_t initial, bool udp)
{
	uint16_t got = get16(v->b + off + csum_off);
	uint16_t want = csum_want(v->b + off, end - off, csum_off, initial);

	if (udp && !want)
		want = 0xffff;
	if (got != want)
		return verr(v, PKT_ERR_CSUM, "%s checksum at offset %zu: 0x%04x, want 0x%04x",
			    name, off + csum_off, got, want);
	return 0;
}

static uint32_t pseudo_of(const struct pseudo *ph, uint8_t proto, size_t len)
{
	if (ph->family == 4)
		return pseudo_sum4(ph->src, ph->dst, proto, len);
	return pseudo_sum6(ph->src, ph->dst, proto, len);
}

static int verify_gue(struct vctx *v, size_t off, size_t end, int depth)
{
	uint8_t first;

	if (off == end)
		return verr(v, PKT_ERR_TRUNCATED, "GUE datagram at offset %zu is empty", off);
	first = v->b[off];
	/*
	 * GUE (draft-ietf-intarea-gue) variant 1 has no GUE header: the two
	 * top bits are 01, which is what IPv4 (0100) and IPv6 (0110) start with.
	 */
	if (first >> 6 != 1)
		return verr(v, PKT_ERR_UNSUPPORTED,
			    "GUE variant %u at offset %zu, only variant 1 (direct IP) is expected",
			    first >> 6, off);
	if (first >> 4 != 4 && first >> 4 != 6)
		return verr(v, PKT_ERR_FORMAT, "GUE variant 1 at offset %zu: IP version %u",
			    off, first >> 4);
	return verify_ip(v, off, end, 0, depth + 1, false);
}

/* The payload [off, end) of an IP header, protocol proto. */
static int verify_upper(struct vctx *v, uint8_t proto, size_t off, size_t end,
			const struct pseudo *ph, int depth)
{
	const uint8_t *h = v->b + off;
	size_t n = end - off;
	bool gue;
	int err;

	switch (proto) {
	case PROTO_IPIP:
		return verify_ip(v, off, end, 4, depth + 1, false);
	case PROTO_IPV6:
		return verify_ip(v, off, end, 6, depth + 1, false);
	case PROTO_TCP:
		vpath(v, "tcp");
		if (n < TCP_HLEN)
			return verr(v, PKT_ERR_TRUNCATED, "TCP header at offset %zu: %zu bytes", off, n);
		if (h[12] >> 4 < 5)
			return verr(v, PKT_ERR_FORMAT, "TCP data offset at offset %zu is %u words",
				    off + 12, h[12] >> 4);
		if ((size_t)(h[12] >> 4) * 4 > n)
			return verr(v, PKT_ERR_TRUNCATED, "TCP data offset at offset %zu: %u bytes, %zu present",
				    off + 12, (h[12] >> 4) * 4, n);
		return check_l4_csum(v, "TCP", off, end, TCP_CSUM_OFF,
				     pseudo_of(ph, PROTO_TCP, n), false);
	case PROTO_UDP:
		gue = v->gue_port && n >= UDP_HLEN && get16(h + 2) == v->gue_port;
		vpath(v, gue ? "udp(gue)" : "udp");
		if (n < UDP_HLEN)
			return verr(v, PKT_ERR_TRUNCATED, "UDP header at offset %zu: %zu bytes", off, n);
		if (get16(h + 4) != n)
			return verr(v, PKT_ERR_LENGTH, "UDP length at offset %zu is %u, %zu bytes present",
				    off + 4, get16(h + 4), n);
		if (!get16(h + UDP_CSUM_OFF)) {
			/* RFC 768: 0 is "no checksum"; RFC 8200 8.1 forbids it over IPv6. */
			if (ph->family == 6)
				return verr(v, PKT_ERR_CSUM,
					    "UDP checksum at offset %zu is 0 over IPv6, want 0x%04x",
					    off + UDP_CSUM_OFF,
					    csum_want(h, n, UDP_CSUM_OFF, pseudo_of(ph, PROTO_UDP, n)) ?: 0xffff);
		} else {
			err = check_l4_csum(v, "UDP", off, end, UDP_CSUM_OFF,
					    pseudo_of(ph, PROTO_UDP, n), true);
			if (err)
				return err;
		}
		return gue ? verify_gue(v, off + UDP_HLEN, end, depth) : 0;
	case PROTO_ICMP:
		vpath(v, "icmp");
		if (ph->family != 4)
			return verr(v, PKT_ERR_FORMAT,
				    "protocol 1 (ICMP for IPv4) in IPv6 at offset %zu; ICMPv6 is 58", off);
		if (n < ICMP_HLEN)
			return verr(v, PKT_ERR_TRUNCATED, "ICMP header at offset %zu: %zu bytes", off, n);
		return check_l4_csum(v, "ICMP", off, end, ICMP_CSUM_OFF, 0, false);
	case PROTO_ICMPV6:
		vpath(v, "icmp6");
		if (ph->family != 6)
			return verr(v, PKT_ERR_FORMAT,
				    "protocol 58 (ICMPv6) in IPv4 at offset %zu", off);
		if (n < ICMPV6_HLEN)
			return verr(v, PKT_ERR_TRUNCATED, "ICMPv6 header at offset %zu: %zu bytes", off, n);
		return check_l4_csum(v, "ICMPv6", off, end, ICMP_CSUM_OFF,
				     pseudo_of(ph, PROTO_ICMPV6, n), false);
	case PROTO_NONE:
		vpath(v, "none");
		/* RFC 8200 4.7: bytes after No Next Header are ignored by receivers. */
		if (n && !(v->flags & PKT_VERIFY_OPAQUE))
			return verr(v, PKT_ERR_UNSUPPORTED,
				    "%zu bytes after No Next Header at offset %zu", n, off);
		return 0;
	default:
		if (v->flags & PKT_VERIFY_OPAQUE) {
			char name[16];

			snprintf(name, sizeof(name), "proto(%u)", proto);
			vpath(v, name);
			return 0;
		}
		return verr(v, PKT_ERR_UNSUPPORTED, "IP protocol %u at offset %zu cannot be checked",
			    proto, off);
	}
}

/* Options of IPv4 (RFC 791 3.1): EOL, NOP, or type-length-value. */
static int verify_ipv4_opts(struct vctx *v, size_t off, size_t end)
{
	size_t i = off;

	while (i < end) {
		uint8_t type = v->b[i];

		if (type == 0) {	/* End of Option List: the rest is padding */
			for (i++; i < end; i++)
				if (v->b[i])
					return verr(v, PKT_ERR_FORMAT,
						    "IPv4 padding after End of Options at offset %zu is 0x%02x",
						    i, v->b[i]);
			return 0;
		}
		if (type == 1) {	/* No Operation */
			i++;
			continue;
		}
		if (i + 1 >= end || v->b[i + 1] < 2 || v->b[i + 1] > end - i)
			return verr(v, PKT_ERR_FORMAT, "IPv4 option %u at offset %zu: bad length",
				    type, i);
		i += v->b[i + 1];
	}
	return 0;
}

static int verify_ipv4(struct vctx *v, size_t off, size_t end, int depth, bool outer)
{
	const uint8_t *h = v->b + off;
	size_t n = end - off, hlen, tot;
	uint16_t frag, got, want;
	struct pseudo ph;
	int err;

	vpath(v, "ipv4");
	if (n < IPV4_HLEN)
		return verr(v, PKT_ERR_TRUNCATED, "IPv4 header at offset %zu: %zu bytes", off, n);
	hlen = (size_t)(h[0] & 0x0f) * 4;
	if (hlen < IPV4_HLEN)
		return verr(v, PKT_ERR_FORMAT, "IPv4 IHL at offset %zu is %zu bytes", off, hlen);
	if (hlen > n)
		return verr(v, PKT_ERR_TRUNCATED, "IPv4 IHL at offset %zu is %zu bytes, %zu present",
			    off, hlen, n);
	tot = get16(h + 2);
	if (tot < hlen || tot > n ||
	    (tot < n && !(outer && (v->flags & PKT_VERIFY_TRAILER))))
		return verr(v, PKT_ERR_LENGTH, "IPv4 total length at offset %zu is %zu, %zu bytes present",
			    off + 2, tot, n);
	got = get16(h + IPV4_CSUM_OFF);
	want = csum_want(h, hlen, IPV4_CSUM_OFF, 0);
	if (got != want)
		return verr(v, PKT_ERR_CSUM, "IPv4 header checksum at offset %zu: 0x%04x, want 0x%04x",
			    off + IPV4_CSUM_OFF, got, want);
	frag = get16(h + 6);
	if (frag & 0x8000)
		return verr(v, PKT_ERR_FORMAT, "IPv4 reserved flag set at offset %zu", off + 6);
	err = verify_ipv4_opts(v, off + IPV4_HLEN, off + hlen);
	if (err)
		return err;
	if (frag & (PKT_IP_MF | PKT_IP_OFFMASK)) {
		/* A fragment: the upper layer can only be checked reassembled. */
		vpath(v, "frag");
		return 0;
	}
	if (depth >= VERIFY_MAX_DEPTH)
		return verr(v, PKT_ERR_UNSUPPORTED, "more than %d nested IP headers", VERIFY_MAX_DEPTH);
	ph.family = 4;
	ph.src = h + 12;
	ph.dst = h + 16;
	return verify_upper(v, h[9], off + hlen, off + tot, &ph, depth);
}

/* Options of Hop-by-Hop / Destination Options (RFC 8200 4.2). */
static int verify_ipv6_opts(struct vctx *v, size_t off, size_t end)
{
	size_t i = off, k;

	while (i < end) {
		uint8_t type = v->b[i], olen;

		if (type == 0) {	/* Pad1 */
			i++;
			continue;
		}
		if (i + 1 >= end || (olen = v->b[i + 1]) > end - i - 2)
			return verr(v, PKT_ERR_FORMAT, "IPv6 option %u at offset %zu overruns its header",
				    type, i);
		if (type == 1)	/* PadN: data "consists of zero-valued octets" */
			for (k = i + 2; k < i + 2 + olen; k++)
				if (v->b[k])
					return verr(v, PKT_ERR_FORMAT,
						    "IPv6 PadN data at offset %zu is 0x%02x", k, v->b[k]);
		i += 2 + (size_t)olen;
	}
	return 0;
}

static bool is_ipv6_ext(uint8_t nh)
{
	switch (nh) {
	case PROTO_HOPOPTS:
	case PROTO_ROUTING:
	case PROTO_FRAGMENT:
	case PROTO_AH:
	case PROTO_DSTOPTS:
	case PROTO_MOBILITY:
	case PROTO_HIP:
	case PROTO_SHIM6:
	case PROTO_EXP1:
	case PROTO_EXP2:
		return true;
	}
	return false;
}

static int verify_ipv6(struct vctx *v, size_t off, size_t end, int depth, bool outer)
{
	const uint8_t *h = v->b + off;
	size_t n = end - off, plen, i, pend, elen = 0;
	struct pseudo ph;
	int next = 0;
	uint8_t nh;
	int err;

	vpath(v, "ipv6");
	if (n < IPV6_HLEN)
		return verr(v, PKT_ERR_TRUNCATED, "IPv6 header at offset %zu: %zu bytes", off, n);
	plen = get16(h + 4);
	if (IPV6_HLEN + plen > n ||
	    (IPV6_HLEN + plen < n && !(outer && (v->flags & PKT_VERIFY_TRAILER))))
		return verr(v, PKT_ERR_LENGTH, "IPv6 payload length at offset %zu is %zu, %zu bytes present",
			    off + 4, plen, n - IPV6_HLEN);
	pend = off + IPV6_HLEN + plen;
	ph.family = 6;
	ph.src = h + 8;
	ph.dst = h + 24;

	nh = h[6];
	i = off + IPV6_HLEN;
	for (; is_ipv6_ext(nh); next++) {
		const uint8_t *e = v->b + i;
		size_t nhoff = next ? i - elen : off + 6;

		if (next == VERIFY_MAX_EXT)
			return verr(v, PKT_ERR_UNSUPPORTED, "more than %d IPv6 extension headers",
				    VERIFY_MAX_EXT);
		if (pend - i < 8)
			return verr(v, PKT_ERR_TRUNCATED,
				    "IPv6 extension header %u at offset %zu: %zu bytes", nh, i, pend - i);
		if (nh == PROTO_FRAGMENT)
			elen = 8;
		else if (nh == PROTO_AH)
			elen = ((size_t)e[1] + 2) * 4;
		else
			elen = ((size_t)e[1] + 1) * 8;
		if (elen > pend - i)
			return verr(v, PKT_ERR_TRUNCATED,
				    "IPv6 extension header %u at offset %zu is %zu bytes, %zu present",
				    nh, i, elen, pend - i);

		switch (nh) {
		case PROTO_HOPOPTS:
			vpath(v, "hbh");
			/* RFC 8200 4.1: only immediately after the IPv6 header. */
			if (next)
				return verr(v, PKT_ERR_FORMAT,
					    "Hop-by-Hop header named at offset %zu is not first", nhoff);
			err = verify_ipv6_opts(v, i + 2, i + elen);
			if (err)
				return err;
			break;
		case PROTO_DSTOPTS:
			vpath(v, "dst");
			err = verify_ipv6_opts(v, i + 2, i + elen);
			if (err)
				return err;
			break;
		case PROTO_ROUTING: {
			const uint8_t *fd;
			int r;

			vpath(v, "rh");
			r = rh_final_dst(e, elen, &fd);
			if (r > 0)
				ph.dst = fd;
			if (r < 0 && !(v->flags & PKT_VERIFY_OPAQUE))
				return verr(v, PKT_ERR_UNSUPPORTED,
					    "Routing header type %u at offset %zu: final destination unknown",
					    e[2], i + 2);
			if (r < 0)
				return 0;
			break;
		}
		case PROTO_FRAGMENT: {
			uint16_t fo = get16(e + 2);

			vpath(v, "frag");
			/* RFC 8200 4.5: reserved fields are zero on transmission. */
			if (e[1] || (fo & 0x6))
				return verr(v, PKT_ERR_FORMAT,
					    "Fragment header reserved bits at offset %zu", i + 1);
			/* Offset 0 and M 0 is an atomic fragment (RFC 6946): whole. */
			if (fo >> 3 || (fo & 1))
				return 0;
			break;
		}
		case PROTO_AH:
			vpath(v, "ah");
			/* RFC 4302 2.2: a multiple of 64 bits in IPv6. */
			if (elen % 8)
				return verr(v, PKT_ERR_FORMAT,
					    "AH length at offset %zu is %zu bytes, not a multiple of 8",
					    i + 1, elen);
			break;
		default:
			vpath(v, "ext");
			break;
		}
		nh = e[0];
		i += elen;
	}
	if (depth >= VERIFY_MAX_DEPTH)
		return verr(v, PKT_ERR_UNSUPPORTED, "more than %d nested IP headers", VERIFY_MAX_DEPTH);
	return verify_upper(v, nh, i, pend, &ph, depth);
}

/* An IP packet at off filling [off, end); want_version 0 accepts either. */
static int verify_ip(struct vctx *v, size_t off, size_t end, int want_version, int depth,
		     bool outer)
{
	int version;

	if (off >= end)
		return verr(v, PKT_ERR_TRUNCATED, "no IP header at offset %zu", off);
	version = v->b[off] >> 4;
	if (want_version && version != want_version)
		return verr(v, PKT_ERR_FORMAT, "IP version at offset %zu is %d, the header before says %d",
			    off, version, want_version);
	if (version == 4)
		return verify_ipv4(v, off, end, depth, outer);
	if (version == 6)
		return verify_ipv6(v, off, end, depth, outer);
	return verr(v, PKT_ERR_FORMAT, "IP version at offset %zu is %d", off, version);
}

int pkt_verify_ex(const void *frame, size_t len, uint16_t gue_port, unsigned int flags,
		  char *err, size_t errlen)
{
	struct vctx v = {
		.b = frame,
		.flags = flags,
		.gue_port = gue_port,
		.err = err,
		.errlen = errlen,
	};
	size_t off = 0;
	uint16_t type;
	int tags, ret;

	if (flags & PKT_VERIFY_L3) {
		ret = verify_ip(&v, 0, len, 0, 0, true);
		goto out;
	}
	vpath(&v, "eth");
	if (len < ETH_HLEN) {
		ret = verr(&v, PKT_ERR_TRUNCATED, "Ethernet header: %zu bytes", len);
		goto out;
	}
	type = get16(v.b + 12);
	off = ETH_HLEN;
	for (tags = 0; type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ_OLD;
	     tags++) {
		vpath(&v, "vlan");
		if (tags == VERIFY_MAX_VLANS) {
			ret = verr(&v, PKT_ERR_UNSUPPORTED, "more than %d VLAN tags", VERIFY_MAX_VLANS);
			goto out;
		}
		if (len - off < VLAN_HLEN) {
			ret = verr(&v, PKT_ERR_TRUNCATED, "VLAN tag at offset %zu: %zu bytes",
				   off, len - off);
			goto out;
		}
		type = get16(v.b + off + 2);
		off += VLAN_HLEN;
	}
	if (type == ETH_P_IPV4)
		ret = verify_ip(&v, off, len, 4, 0, true);
	else if (type == ETH_P_IPV6)
		ret = verify_ip(&v, off, len, 6, 0, true);
	else if (flags & PKT_VERIFY_OPAQUE)
		ret = 0;
	else
		ret = verr(&v, PKT_ERR_UNSUPPORTED, "EtherType 0x%04x at offset %zu cannot be checked",
			   type, off - 2);
out:
	if (!ret && err && errlen)
		snprintf(err, errlen, "%s", v.path);
	return ret;
}

int pkt_verify(const void *frame, size_t len, uint16_t gue_port, char *err, size_t errlen)
{
	return pkt_verify_ex(frame, len, gue_port, 0, err, errlen);
}

/* ---- diagnostics -------------------------------------------------------- */

#define ROW	16

static bool byte_eq(const uint8_t *g, size_t gl, const uint8_t *w, size_t wl, size_t i)
{
	if ((i < gl) != (i < wl))
		return false;
	return i >= gl || g[i] == w[i];
}

static bool row_eq(const uint8_t *g, size_t gl, const uint8_t *w, size_t wl, size_t row)
{
	size_t i;

	for (i = row; i < row + ROW; i++)
		if (!byte_eq(g, gl, w, wl, i))
			return false;
	return true;
}

static void print_row(FILE *f, const char *label, const uint8_t *b, size_t bl, size_t row,
		      const uint8_t *other, size_t ol, bool dots)
{
	size_t i;

	fprintf(f, "  %s", label);
	for (i = row; i < row + ROW; i++) {
		if (i >= bl)
			fputs(i < ol ? " --" : "", f);
		else if (dots && byte_eq(b, bl, other, ol, i))
			fputs(" ..", f);
		else
			fprintf(f, " %02x", b[i]);
	}
	fputc('\n', f);
}

void pkt_hexdiff(FILE *f, const void *got, size_t got_len, const void *want, size_t want_len)
{
	const uint8_t *g = got, *w = want;
	size_t n = got_len > want_len ? got_len : want_len;
	size_t i, ndiff = 0, first = SIZE_MAX, row, nrows = (n + ROW - 1) / ROW;
	bool folded = false;
	char label[32];

	for (i = 0; i < n; i++)
		if (!byte_eq(g, got_len, w, want_len, i)) {
			ndiff++;
			if (first == SIZE_MAX)
				first = i;
		}
	fprintf(f, "  got %zu bytes, want %zu bytes", got_len, want_len);
	if (ndiff)
		fprintf(f, ": %zu differ, first at 0x%04zx\n", ndiff, first);
	else
		fputs(": identical\n", f);

	for (row = 0; row < nrows * ROW; row += ROW) {
		if (row_eq(g, got_len, w, want_len, row)) {
			/* Keep the first and last rows and one row of context around a difference. */
			bool ctx = row == 0 || row + ROW >= nrows * ROW ||
				   !row_eq(g, got_len, w, want_len, row - ROW) ||
				   !row_eq(g, got_len, w, want_len, row + ROW);

			if (!ctx) {
				if (!folded)
					fputs("  *\n", f);
				folded = true;
				continue;
			}
			folded = false;
			snprintf(label, sizeof(label), "%04zx     ", row);
			print_row(f, label, g, got_len, row, w, want_len, false);
			continue;
		}
		folded = false;
		snprintf(label, sizeof(label), "%04zx got ", row);
		print_row(f, label, g, got_len, row, w, want_len, false);
		print_row(f, "     want", w, want_len, row, g, got_len, true);
	}
}

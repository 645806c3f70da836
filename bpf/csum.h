/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Internet checksum (RFC 1071) helpers. Sums are taken over raw 16-bit
 * loads: ones' complement addition is byte-order independent, so fields are
 * added as they sit in the packet (network order) and the folded result is
 * stored back the same way. Constants must be converted with bpf_htons()
 * before they are added.
 */
#ifndef ES_CSUM_H
#define ES_CSUM_H

#include <linux/types.h>
#include "edgesteer.h"

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;		/* folded, NOT complemented */
}

static __always_inline __u64 csum_add_addr(__u64 sum, __u8 family, const struct es_addr *a)
{
	if (family == ES_AF_INET)
		return sum + (a->v4 & 0xffff) + (a->v4 >> 16);
	for (int i = 0; i < 4; i++)
		sum += (a->v6w[i] & 0xffff) + (a->v6w[i] >> 16);
	return sum;
}

/* Sum of an IPv4 header of 20 bytes sitting in memory we may read. */
static __always_inline __u64 csum_words(const void *p, int words)
{
	const __u16 *w = p;
	__u64 sum = 0;

#pragma unroll
	for (int i = 0; i < words; i++)
		sum += w[i];
	return sum;
}

/* Pseudo-header sum for TCP/UDP/ICMPv6 (RFC 793, RFC 8200 8.1). */
static __always_inline __u64 csum_pseudo(__u8 family, const struct es_addr *s,
					 const struct es_addr *d, __u8 proto, __u32 len)
{
	__u64 sum = 0;

	sum = csum_add_addr(sum, family, s);
	sum = csum_add_addr(sum, family, d);
	if (family == ES_AF_INET)
		return sum + bpf_htons(proto) + bpf_htons((__u16)len);
	return sum + bpf_htonl(len) + bpf_htonl(proto);
}

/*
 * Sum of the 16-bit words from p to end (raw order; an odd last byte
 * padded with zero), at most max_words of them: the verifier needs the
 * bound, callers pass the largest span they can meet.
 */
static __always_inline __u64 csum_span(const void *p, const void *end, const int max_words)
{
	__u64 sum = 0;

	for (int i = 0; i < max_words; i++) {
		const __u16 *w = p;

		if ((const void *)(w + 1) > end) {
			const __u8 *b = p;

			if ((const void *)(b + 1) <= end)
				sum += *b;
			break;
		}
		sum += *w;
		p = w + 1;
	}
	return sum;
}

#endif /* ES_CSUM_H */

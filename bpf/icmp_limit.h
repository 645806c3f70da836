/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The rate limit of every ICMP error the edge sends. Without one, anyone
 * could make the edge answer each oversized packet with a spoofed source:
 * a reflector. A token bucket refilled at config.icmp_rate tokens per
 * second up to config.icmp_burst; an error is sent only with a token.
 *
 * One bucket per CPU (a per-CPU array): the bucket is read and written on
 * every too-big packet, and a shared one would need atomics and bounce
 * its cache line between the CPUs that receive them. The price is that
 * the limit holds per CPU: the edge as a whole may send up to
 * icmp_rate x (CPUs receiving such packets) per second, and as many
 * bursts. Rate 0 sends nothing.
 */
#ifndef ES_ICMP_LIMIT_H
#define ES_ICMP_LIMIT_H

#include "maps.h"

#define ES_NSEC_PER_SEC		1000000000ull

/*
 * Add the tokens earned since last_ns, in whole tokens; last_ns moves on
 * by exactly the time they are worth, so fractions of a token are not
 * lost between packets. A full bucket earns nothing (time spent full is
 * not banked). A stamp ahead of now (time does not go backwards; only a
 * test writes one) refills nothing.
 *
 * No overflow: secs < burst and rate < burst when they are multiplied,
 * both 32-bit; a token's worth of time, add * 1e9 / rate, has add below
 * burst.
 */
static __always_inline void bucket_refill(struct es_icmp_bucket *b, __u32 rate, __u32 burst,
					  __u64 now)
{
	__u64 elapsed, secs, add;

	if (now <= b->last_ns)
		return;
	if (b->tokens >= burst) {
		b->tokens = burst;
		b->last_ns = now;
		return;
	}
	elapsed = now - b->last_ns;
	secs = elapsed / ES_NSEC_PER_SEC;
	if (secs >= burst || (secs && rate >= burst)) {
		b->tokens = burst;
		b->last_ns = now;
		return;
	}
	add = secs * rate + (elapsed % ES_NSEC_PER_SEC) * rate / ES_NSEC_PER_SEC;
	if (add >= burst - b->tokens) {
		b->tokens = burst;
		b->last_ns = now;
	} else if (add) {
		b->tokens += add;
		b->last_ns += add * ES_NSEC_PER_SEC / rate;
	}
}

/* Take a token from this CPU's bucket: true when an ICMP error may go. */
static __always_inline bool icmp_token_take(const struct es_config *cfg)
{
	struct es_icmp_bucket *b;
	__u32 zero = 0, rate = cfg->icmp_rate, burst = cfg->icmp_burst;

	if (!rate || !burst)
		return false;
	b = bpf_map_lookup_elem(&icmp_bucket, &zero);
	if (!b)
		return false;
	if (!b->last_ns) {
		/* first use on this CPU: a full bucket */
		b->tokens = burst;
		b->last_ns = bpf_ktime_get_ns();
	} else {
		bucket_refill(b, rate, burst, bpf_ktime_get_ns());
	}
	if (b->tokens > burst)
		b->tokens = burst;	/* the burst was lowered since */
	if (!b->tokens)
		return false;
	b->tokens--;
	return true;
}

#endif /* ES_ICMP_LIMIT_H */

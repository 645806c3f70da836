// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The live-throughput benchmark's own programs (bench_live.c):
 *
 *   live_gen       the traffic generator, run with BPF_PROG_TEST_RUN in live
 *                  frame mode on the sending end of a veth pair: XDP_TX there
 *                  is a transmit out of that end, into the receiving end
 *                  where edgesteer (or a baseline) runs.
 *   live_gen_drop  the generator's own cost: the same work, frame dropped.
 *   live_sink      the far end of whatever the receiver forwards to: a veth
 *                  only accepts XDP frames when its peer runs an XDP program
 *                  (or has GRO on), and dropping them is the cheapest accept.
 *   live_redirect  the baseline of the redirect path: a redirect through a
 *                  device map, as edgesteer's redirect POPs do, and nothing
 *                  else.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define LIVE_HDR_LEN	64	/* every header of the test frames fits */

/* Written by bench_live.c (same layout there) before each path. */
struct live_globals {
	__u8 header[LIVE_HDR_LEN];	/* the frame's first bytes */
	__u32 out_ifindex;		/* live_redirect's target */
	__u32 pad;
} live;

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} live_egress SEC(".maps");

/*
 * Live mode recycles a frame's page without copying the input in again,
 * so a frame the receiver rewrote (a tunnel header pushed in front, new
 * MAC addresses) would come back rewritten. Every frame gets its headers
 * back before it leaves.
 */
static __always_inline int restore_header(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + LIVE_HDR_LEN > data_end)
		return -1;
	__builtin_memcpy(data, live.header, LIVE_HDR_LEN);
	return 0;
}

SEC("xdp")
int live_gen(struct xdp_md *ctx)
{
	return restore_header(ctx) ? XDP_ABORTED : XDP_TX;
}

SEC("xdp")
int live_gen_drop(struct xdp_md *ctx)
{
	return restore_header(ctx) ? XDP_ABORTED : XDP_DROP;
}

SEC("xdp")
int live_sink(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int live_redirect(struct xdp_md *ctx)
{
	return bpf_redirect_map(&live_egress, live.out_ifindex, 0);
}

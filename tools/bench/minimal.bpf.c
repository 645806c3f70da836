// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Baselines for the benchmark: programs that do nothing but return the
 * verdict the measured path returns. Whatever edgesteer costs on top of
 * these is its own cost.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int minimal_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int minimal_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int minimal_tx(struct xdp_md *ctx)
{
	return XDP_TX;
}

/* bpf_redirect() to an ifindex that need not exist: BPF_PROG_TEST_RUN
 * reports the verdict without transmitting. */
SEC("xdp")
int minimal_redirect(struct xdp_md *ctx)
{
	return bpf_redirect(1, 0);
}

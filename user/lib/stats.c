// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "stats.h"

static const char *const counter_names[ES_CNT_MAX] = {
	[ES_CNT_VERDICT_PASS] = "verdict_pass",
	[ES_CNT_VERDICT_DROP] = "verdict_drop",
	[ES_CNT_VERDICT_TX] = "verdict_tx",
	[ES_CNT_VERDICT_REDIRECT] = "verdict_redirect",
	[ES_CNT_VERDICT_ABORTED] = "verdict_aborted",
	[ES_CNT_NOT_IP] = "not_ip",
	[ES_CNT_NOT_VIP] = "not_vip",
	[ES_CNT_LOCAL_SELF] = "local_self",
	[ES_CNT_LOCAL_DECISION] = "local_decision",
	[ES_CNT_LOCAL_NO_PREFIX] = "local_no_prefix",
	[ES_CNT_LOCAL_NO_CANDIDATE] = "local_no_candidate",
	[ES_CNT_LOCAL_NO_NEXTHOP] = "local_no_nexthop",
	[ES_CNT_LOCAL_TOO_BIG] = "local_too_big",
	[ES_CNT_LOCAL_BAD_DECISION] = "local_bad_decision",
	[ES_CNT_LOCAL_NO_CSUM] = "local_no_csum",
	[ES_CNT_TUNNEL] = "tunnel",
	[ES_CNT_REDIRECT] = "redirect",
	[ES_CNT_DROP_DECISION] = "drop_decision",
	[ES_CNT_DECAP] = "decap",
	[ES_CNT_DECAP_DENIED] = "decap_denied",
	[ES_CNT_DECAP_MALFORMED] = "decap_malformed",
	[ES_CNT_MALFORMED_L2] = "malformed_l2",
	[ES_CNT_MALFORMED_IPV4] = "malformed_ipv4",
	[ES_CNT_MALFORMED_IPV6] = "malformed_ipv6",
	[ES_CNT_MALFORMED_IPV6_EXT] = "malformed_ipv6_ext",
	[ES_CNT_MALFORMED_L4] = "malformed_l4",
	[ES_CNT_ADJUST_FAILED] = "adjust_failed",
	[ES_CNT_ICMP_TOO_BIG] = "icmp_too_big",
	[ES_CNT_ICMP_RATE_LIMITED] = "icmp_rate_limited",
	[ES_CNT_FLOW_HIT] = "flow_hit",
	[ES_CNT_FLOW_PIN_NEW] = "flow_pin_new",
	[ES_CNT_FLOW_PIN_EXISTING] = "flow_pin_existing",
	[ES_CNT_FIB_LOOKUP] = "fib_lookup",
	[ES_CNT_ICMP_QUOTED] = "icmp_quoted",
	[ES_CNT_FRAGMENT] = "fragment",
	[ES_CNT_MSS_RECORDED] = "mss_recorded",
	[ES_CNT_MSS_CLAMPED] = "mss_clamped",
};

const char *es_counter_name(enum es_counter c)
{
	return c < ES_CNT_MAX && counter_names[c] ? counter_names[c] : "unknown";
}

/* Sum one per-CPU element of n_u64 __u64 fields. */
static int percpu_sum(struct es_state *st, int fd, __u32 key, __u64 *sum, int n_u64)
{
	__u64 *v = calloc((size_t)st->ncpus * n_u64, sizeof(__u64));
	int err = 0;

	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, v)) {
		err = -errno;
	} else {
		memset(sum, 0, n_u64 * sizeof(*sum));
		for (int cpu = 0; cpu < st->ncpus; cpu++)
			for (int i = 0; i < n_u64; i++)
				sum[i] += v[cpu * n_u64 + i];
	}
	free(v);
	return err;
}

int es_stats_read(struct es_state *st, struct es_counter_value out[ES_CNT_MAX])
{
	for (__u32 c = 0; c < ES_CNT_MAX; c++) {
		int err = percpu_sum(st, st->stats_fd, c, &out[c].packets, 2);

		if (err)
			return err;
	}
	return 0;
}

int es_pop_stats_read(struct es_state *st, struct es_counter_value *out)
{
	for (__u32 p = 0; p < ES_MAX_POPS; p++) {
		int err = percpu_sum(st, st->pop_stats_fd, p, &out[p].packets, 2);

		if (err)
			return err;
	}
	return 0;
}

int es_decision_stats_read(struct es_state *st, __u32 decision, __u64 *packets)
{
	return percpu_sum(st, st->decision_stats_fd, decision, packets, 1);
}

static int zero_all(struct es_state *st, int fd, __u32 n, size_t value_size)
{
	void *zero = calloc(st->ncpus, value_size);
	int err = 0;

	if (!zero)
		return -ENOMEM;
	for (__u32 k = 0; k < n && !err; k++)
		if (bpf_map_update_elem(fd, &k, zero, BPF_ANY))
			err = -errno;
	free(zero);
	return err;
}

int es_stats_reset(struct es_state *st)
{
	int err = zero_all(st, st->stats_fd, ES_CNT_MAX, sizeof(struct es_counter_value));

	if (!err)
		err = zero_all(st, st->pop_stats_fd, ES_MAX_POPS, sizeof(struct es_counter_value));
	if (!err)
		err = zero_all(st, st->decision_stats_fd, ES_MAX_DECISIONS, sizeof(__u64));
	return err;
}

int es_flows_walk(struct es_state *st,
		  int (*fn)(const struct es_flow_key *, const struct es_flow *, void *), void *arg)
{
	struct es_flow_key key, next;
	struct es_flow val;
	void *prev = NULL;
	int ret;

	while (bpf_map_get_next_key(st->flows_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(st->flows_fd, &key, &val))
			continue;	/* evicted meanwhile */
		ret = fn(&key, &val, arg);
		if (ret)
			return ret;
	}
	return 0;
}

long es_flows_flush(struct es_state *st)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	const __u32 chunk = 8192;
	struct es_flow_key *keys = malloc(chunk * sizeof(*keys));
	struct es_flow *vals = malloc(chunk * sizeof(*vals));
	__u64 token = 0;
	bool first = true, more = true;
	long n = 0;

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	/* bucket by bucket: restarting a key walk from the first bucket after
	 * every delete is quadratic in the size of the table */
	while (more) {
		__u32 count = chunk;

		if (bpf_map_lookup_and_delete_batch(st->flows_fd, first ? NULL : &token, &token,
						    keys, vals, &count, &opts)) {
			if (errno != ENOENT) {
				n = -errno;
				break;
			}
			more = false;
		}
		first = false;
		n += count;
	}
	free(keys);
	free(vals);
	return n;
}

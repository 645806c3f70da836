// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr_table.h"
#include "classifier.h"
#include "fixture.h"

struct es_state *fx_open(__u32 v4_groups, __u32 v6_groups)
{
	struct es_limits lim = {
		.v4_groups = v4_groups ? v4_groups : 256,
		.v6_groups = v6_groups ? v6_groups : 1024,
		.flows = 4096,
		.prefixes = 1 << 18,
	};
	struct es_state *st;
	int err;

	libbpf_set_print(NULL);
	err = es_state_load(&st, NULL, &lim);
	if (err) {
		fprintf(stdout, "  es_state_load: %s\n", strerror(-err));
		return NULL;
	}
	return st;
}

__u8 fx_addr(const char *s, struct es_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1)
		return ES_AF_INET;
	if (inet_pton(AF_INET6, s, a->v6) == 1)
		return ES_AF_INET6;
	fprintf(stderr, "fixture: bad address '%s'\n", s);
	abort();
}

int fx_config(struct es_state *st, __u16 self_pop, const char *self_addr, __u16 gue_port)
{
	struct es_config cfg = { .self_pop = self_pop, .gue_port = htons(gue_port),
				 .icmp_rate = ES_ICMP_RATE_DEFAULT,
				 .icmp_burst = ES_ICMP_BURST_DEFAULT };
	__u32 zero = 0;

	if (self_addr)
		cfg.self_family = fx_addr(self_addr, &cfg.self_addr);
	return bpf_map_update_elem(st->config_fd, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

static int peer_set(struct es_state *st, __u8 family, const struct es_addr *a, __u32 flag)
{
	struct es_peer_key k = { .family = family, .addr = *a };
	struct es_peer p = { 0 };

	bpf_map_lookup_elem(st->peers_fd, &k, &p);
	p.flags |= flag;
	if (bpf_map_update_elem(st->peers_fd, &k, &p, BPF_ANY))
		return -errno;
	return es_addr_table_publish(st, ES_TABLE_PEERS);
}

int fx_pop_tunnel(struct es_state *st, __u16 id, const char *name, const char *endpoint,
		  const char *source, __u8 encap, __u16 mtu, __u32 ifindex,
		  const __u8 smac[6], const __u8 dmac[6])
{
	struct es_pop p = { .kind = ES_POP_TUNNEL, .encap = encap, .mtu = mtu,
			    .ifindex = ifindex };
	__u32 key = id;

	p.family = fx_addr(endpoint, &p.endpoint);
	if (fx_addr(source, &p.source) != p.family)
		return -EINVAL;
	if (smac)
		memcpy(p.smac, smac, 6);
	if (dmac)
		memcpy(p.dmac, dmac, 6);
	snprintf(p.name, sizeof(p.name), "%s", name);
	if (bpf_map_update_elem(st->pops_fd, &key, &p, BPF_ANY))
		return -errno;
	return peer_set(st, p.family, &p.endpoint, ES_PEER_POP);
}

int fx_pop_redirect(struct es_state *st, __u16 id, const char *name, __u32 ifindex,
		    const __u8 smac[6], const __u8 dmac[6])
{
	struct es_pop p = { .kind = ES_POP_REDIRECT, .ifindex = ifindex };
	__u32 key = id;

	if (smac)
		memcpy(p.smac, smac, 6);
	if (dmac)
		memcpy(p.dmac, dmac, 6);
	snprintf(p.name, sizeof(p.name), "%s", name);
	return bpf_map_update_elem(st->pops_fd, &key, &p, BPF_ANY) ? -errno : 0;
}

int fx_pop_state(struct es_state *st, __u16 id, __u8 state)
{
	struct es_pop p;
	__u32 key = id;

	if (bpf_map_lookup_elem(st->pops_fd, &key, &p))
		return -errno;
	p.state = state;
	return bpf_map_update_elem(st->pops_fd, &key, &p, BPF_ANY) ? -errno : 0;
}

int fx_vip(struct es_state *st, const char *addr, __u8 proto, __u16 port)
{
	struct es_vip_key k = { 0 };
	struct es_vip v = { 0 };

	k.family = fx_addr(addr, &k.addr);
	bpf_map_lookup_elem(st->vips_fd, &k, &v);
	if (proto) {
		if (v.nrules >= ES_MAX_VIP_RULES)
			return -ENOSPC;
		v.rules[v.nrules].proto = proto;
		v.rules[v.nrules].port = htons(port);
		v.nrules++;
	}
	if (bpf_map_update_elem(st->vips_fd, &k, &v, BPF_ANY))
		return -errno;
	return es_addr_table_publish(st, ES_TABLE_VIPS);
}

int fx_peer(struct es_state *st, const char *addr)
{
	struct es_addr a;
	__u8 family = fx_addr(addr, &a);

	return peer_set(st, family, &a, ES_PEER_EXPLICIT);
}

int fx_prefix(struct es_state *st, const char *cidr, __u8 action, const __u16 *pops, int n)
{
	struct es_steering s = { .action = action, .npops = n };
	char buf[64];
	struct es_addr a;
	char *slash;
	__u8 family;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = 0;
	family = fx_addr(buf, &a);
	for (int i = 0; i < n && i < ES_MAX_CANDIDATES; i++)
		s.pops[i] = pops[i];
	return es_prefix_set(st, family, &a, atoi(slash + 1), &s);
}

int fx_run(struct es_state *st, const void *in, size_t in_len, void *out, size_t out_cap,
	   size_t *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in,
		.data_size_in = in_len,
		.data_out = out,
		.data_size_out = out_cap,
		.repeat = 1,
	);
	int err;

	err = bpf_prog_test_run_opts(st->prog_fd, &opts);
	if (err)
		return -errno;
	if (out_len)
		*out_len = opts.data_size_out;
	return opts.retval;
}

static __u64 percpu_sum(struct es_state *st, int fd, __u32 key)
{
	struct es_counter_value *v = calloc(st->ncpus, sizeof(*v));
	__u64 total = 0;

	if (v && bpf_map_lookup_elem(fd, &key, v) == 0)
		for (int i = 0; i < st->ncpus; i++)
			total += v[i].packets;
	free(v);
	return total;
}

enum es_counter fx_verdict_counter(int verdict)
{
	switch (verdict) {
	case XDP_PASS:
		return ES_CNT_VERDICT_PASS;
	case XDP_DROP:
		return ES_CNT_VERDICT_DROP;
	case XDP_TX:
		return ES_CNT_VERDICT_TX;
	case XDP_REDIRECT:
		return ES_CNT_VERDICT_REDIRECT;
	default:
		return ES_CNT_VERDICT_ABORTED;
	}
}

__u64 fx_counter(struct es_state *st, enum es_counter c)
{
	return percpu_sum(st, st->stats_fd, c);
}

__u64 fx_pop_packets(struct es_state *st, __u16 pop)
{
	return percpu_sum(st, st->pop_stats_fd, pop);
}

void fx_counters_reset(struct es_state *st)
{
	struct es_counter_value *zero = calloc(st->ncpus, sizeof(*zero));

	if (!zero)
		return;
	for (__u32 k = 0; k < ES_CNT_MAX; k++)
		bpf_map_update_elem(st->stats_fd, &k, zero, BPF_ANY);
	for (__u32 k = 0; k < ES_MAX_POPS; k++)
		bpf_map_update_elem(st->pop_stats_fd, &k, zero, BPF_ANY);
	free(zero);
}

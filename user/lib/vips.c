// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "vips.h"

static struct es_vip_key vip_key(__u8 family, const struct es_addr *addr)
{
	struct es_vip_key k = { .family = family, .addr = *addr };

	return k;
}

int es_vip_add(struct es_state *st, __u8 family, const struct es_addr *addr, __u8 proto,
	       __u16 port)
{
	struct es_vip_key k = vip_key(family, addr);
	struct es_vip v = { 0 };
	bool exists;

	if (family != ES_AF_INET && family != ES_AF_INET6)
		return -EINVAL;
	if (!proto && port)
		return -EINVAL;
	exists = bpf_map_lookup_elem(st->vips_fd, &k, &v) == 0;
	if (exists && !v.nrules)
		return -EEXIST;		/* the whole address is steered already */
	if (!proto) {
		if (exists)
			return -EEXIST;	/* has rules: delete it first */
		memset(&v, 0, sizeof(v));
	} else {
		for (int i = 0; i < v.nrules && i < ES_MAX_VIP_RULES; i++)
			if (v.rules[i].proto == proto &&
			    (!v.rules[i].port || v.rules[i].port == htons(port)))
				return -EEXIST;
		if (v.nrules >= ES_MAX_VIP_RULES)
			return -ENOSPC;
		v.rules[v.nrules].proto = proto;
		v.rules[v.nrules].port = htons(port);
		v.nrules++;
	}
	/* a hash map update swaps the element whole: readers see the old or
	 * the new rule set */
	return bpf_map_update_elem(st->vips_fd, &k, &v, BPF_ANY) ? -errno : 0;
}

int es_vip_del(struct es_state *st, __u8 family, const struct es_addr *addr, __u8 proto,
	       __u16 port)
{
	struct es_vip_key k = vip_key(family, addr);
	struct es_vip v;
	int i;

	if (bpf_map_lookup_elem(st->vips_fd, &k, &v))
		return -ENOENT;
	if (!proto)
		return bpf_map_delete_elem(st->vips_fd, &k) ? -errno : 0;
	for (i = 0; i < v.nrules && i < ES_MAX_VIP_RULES; i++)
		if (v.rules[i].proto == proto && v.rules[i].port == htons(port))
			break;
	if (i >= v.nrules)
		return -ENOENT;
	if (v.nrules == 1)
		return bpf_map_delete_elem(st->vips_fd, &k) ? -errno : 0;
	memmove(&v.rules[i], &v.rules[i + 1], (v.nrules - i - 1) * sizeof(v.rules[0]));
	v.nrules--;
	memset(&v.rules[v.nrules], 0, sizeof(v.rules[0]));
	return bpf_map_update_elem(st->vips_fd, &k, &v, BPF_EXIST) ? -errno : 0;
}

int es_vip_list(struct es_state *st, struct es_vip_key **keys_out, struct es_vip **vals_out,
		size_t *n_out)
{
	return es_map_dump(st->vips_fd, sizeof(**keys_out), sizeof(**vals_out), (void **)keys_out,
			   (void **)vals_out, n_out);
}

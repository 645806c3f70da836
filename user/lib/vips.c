// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "addr_table.h"
#include "vips.h"

static struct es_vip_key vip_key(__u8 family, const struct es_addr *addr)
{
	struct es_vip_key k = { .family = family, .addr = *addr };

	return k;
}

/*
 * Write a VIP's new rule set (NULL: remove it) to the configuration and
 * publish the table the data path reads. If the table cannot be built,
 * the configuration goes back to what it was (old NULL: absent).
 */
static int vip_commit(struct es_state *st, const struct es_vip_key *k, const struct es_vip *v,
		      const struct es_vip *old)
{
	int err;

	if (v ? bpf_map_update_elem(st->vips_fd, k, v, BPF_ANY) : bpf_map_delete_elem(st->vips_fd, k))
		return -errno;
	err = es_addr_table_publish(st, ES_TABLE_VIPS);
	if (err) {
		if (old)
			bpf_map_update_elem(st->vips_fd, k, old, BPF_ANY);
		else
			bpf_map_delete_elem(st->vips_fd, k);
	}
	return err;
}

int es_vip_add(struct es_state *st, __u8 family, const struct es_addr *addr, __u8 proto,
	       __u16 port)
{
	struct es_vip_key k = vip_key(family, addr);
	struct es_vip v = { 0 }, old;
	bool exists;

	if (family != ES_AF_INET && family != ES_AF_INET6)
		return -EINVAL;
	if (!proto && port)
		return -EINVAL;
	exists = bpf_map_lookup_elem(st->vips_fd, &k, &v) == 0;
	old = v;
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
	return vip_commit(st, &k, &v, exists ? &old : NULL);
}

int es_vip_del(struct es_state *st, __u8 family, const struct es_addr *addr, __u8 proto,
	       __u16 port)
{
	struct es_vip_key k = vip_key(family, addr);
	struct es_vip v, old;
	int i;

	if (bpf_map_lookup_elem(st->vips_fd, &k, &v))
		return -ENOENT;
	old = v;
	if (!proto)
		return vip_commit(st, &k, NULL, &old);
	for (i = 0; i < v.nrules && i < ES_MAX_VIP_RULES; i++)
		if (v.rules[i].proto == proto && v.rules[i].port == htons(port))
			break;
	if (i >= v.nrules)
		return -ENOENT;
	if (v.nrules == 1)
		return vip_commit(st, &k, NULL, &old);
	memmove(&v.rules[i], &v.rules[i + 1], (v.nrules - i - 1) * sizeof(v.rules[0]));
	v.nrules--;
	memset(&v.rules[v.nrules], 0, sizeof(v.rules[0]));
	return vip_commit(st, &k, &v, &old);
}

int es_vip_list(struct es_state *st, struct es_vip_key **keys_out, struct es_vip **vals_out,
		size_t *n_out)
{
	return es_map_dump(st->vips_fd, sizeof(**keys_out), sizeof(**vals_out), (void **)keys_out,
			   (void **)vals_out, n_out);
}

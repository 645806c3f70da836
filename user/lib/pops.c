// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "decisions.h"
#include "addr_table.h"
#include "pops.h"

int es_pop_get(struct es_state *st, __u32 id, struct es_pop *pop)
{
	struct es_pop p;

	if (!id || id >= ES_MAX_POPS)
		return -ENOENT;
	if (bpf_map_lookup_elem(st->pops_fd, &id, &p))
		return -errno;
	if (p.kind == ES_POP_UNUSED)
		return -ENOENT;
	if (pop)
		*pop = p;
	return 0;
}

int es_pop_find(struct es_state *st, const char *name, __u32 *id, struct es_pop *pop)
{
	struct es_pop p;

	for (__u32 i = 1; i < ES_MAX_POPS; i++) {
		if (es_pop_get(st, i, &p))
			continue;
		if (strncmp(p.name, name, sizeof(p.name)))
			continue;
		*id = i;
		if (pop)
			*pop = p;
		return 0;
	}
	return -ENOENT;
}

static int peer_flag(struct es_state *st, __u8 family, const struct es_addr *addr, __u32 flag,
		     bool set)
{
	struct es_peer_key k = { .family = family, .addr = *addr };
	struct es_peer v = { 0 }, old;
	bool existed;
	int err;

	existed = bpf_map_lookup_elem(st->peers_fd, &k, &v) == 0;
	old = v;
	if (set)
		v.flags |= flag;
	else
		v.flags &= ~flag;
	if (v.flags == old.flags)
		return 0;
	if (!v.flags)
		err = bpf_map_delete_elem(st->peers_fd, &k) && errno != ENOENT ? -errno : 0;
	else
		err = bpf_map_update_elem(st->peers_fd, &k, &v, BPF_ANY) ? -errno : 0;
	if (!err) {
		err = es_addr_table_publish(st, ES_TABLE_PEERS);
		if (err && existed)
			bpf_map_update_elem(st->peers_fd, &k, &old, BPF_ANY);
		else if (err)
			bpf_map_delete_elem(st->peers_fd, &k);
	}
	return err;
}

/* Another tunnel POP with the same endpoint (so the peer flag stays). */
static bool endpoint_shared(struct es_state *st, __u32 id, const struct es_pop *pop)
{
	struct es_pop p;

	for (__u32 i = 1; i < ES_MAX_POPS; i++)
		if (i != id && !es_pop_get(st, i, &p) && p.kind == ES_POP_TUNNEL &&
		    p.family == pop->family && !memcmp(&p.endpoint, &pop->endpoint, 16))
			return true;
	return false;
}

int es_pop_add(struct es_state *st, __u32 id, const struct es_pop *pop, __u32 *conflict)
{
	struct es_pop p = *pop;
	__u32 other;
	int err;

	if (!id || id >= ES_MAX_POPS || !p.name[0] || p.name[sizeof(p.name) - 1])
		return -EINVAL;
	if (p.kind == ES_POP_TUNNEL) {
		if (p.family != ES_AF_INET && p.family != ES_AF_INET6)
			return -EINVAL;
		if (p.encap != ES_ENCAP_IPIP && p.encap != ES_ENCAP_GUE)
			return -EINVAL;
	} else if (p.kind == ES_POP_REDIRECT) {
		if (!p.ifindex)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (p.state > ES_STATE_DOWN)
		return -EINVAL;
	if (!es_pop_get(st, id, NULL)) {
		if (conflict)
			*conflict = id;
		return -EEXIST;
	}
	if (!es_pop_find(st, p.name, &other, NULL)) {
		if (conflict)
			*conflict = other;
		return -EEXIST;
	}
	if (p.kind == ES_POP_REDIRECT &&
	    bpf_map_update_elem(st->egress_fd, &p.ifindex, &p.ifindex, BPF_ANY))
		return -errno;
	if (p.kind == ES_POP_TUNNEL) {
		err = peer_flag(st, p.family, &p.endpoint, ES_PEER_POP, true);
		if (err)
			return err;
	}
	if (bpf_map_update_elem(st->pops_fd, &id, &p, BPF_ANY))
		return -errno;
	return 0;
}

int es_pop_set_state(struct es_state *st, __u32 id, __u8 state)
{
	struct es_pop p;
	int err;

	if (state > ES_STATE_DOWN)
		return -EINVAL;
	err = es_pop_get(st, id, &p);
	if (err)
		return err;
	/* Only the state byte differs from what the data path has: copying the
	 * rest over itself cannot be observed half-done. */
	p.state = state;
	return bpf_map_update_elem(st->pops_fd, &id, &p, BPF_EXIST) ? -errno : 0;
}

static bool decision_names(const struct es_decision *d, __u32 id)
{
	for (int i = 0; i < d->npops && i < ES_MAX_CANDIDATES; i++)
		if (d->pops[i] == id)
			return true;
	return false;
}

size_t es_pop_users(struct es_state *st, __u32 id, struct es_prefix_key *example)
{
	struct es_prefix_key key, next;
	struct es_prefix val;
	void *prev = NULL;
	bool any = false;
	size_t n = 0;

	/* decisions first: the RIB is only walked when one names the POP */
	for (__u32 d = 1; d < ES_MAX_DECISIONS && !any; d++) {
		const struct es_decision *dec = &st->decisions[d];

		any = dec->refs && (decision_names(dec, id) ||
				    ((dec->flags & ES_DECISION_TRANSITION) &&
				     decision_names(&st->decisions[dec->prev], id)));
	}
	if (!any)
		return 0;
	while (bpf_map_get_next_key(st->prefixes_fd, prev, &next) == 0) {
		const struct es_decision *dec;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(st->prefixes_fd, &key, &val))
			continue;
		dec = es_decision_at(st, val.decision);
		if (!dec || !decision_names(dec, id))
			continue;
		if (!n++ && example)
			*example = key;
	}
	return n;
}

int es_pop_del(struct es_state *st, __u32 id)
{
	struct es_config cfg;
	struct es_pop p, none = { 0 };
	int err;

	err = es_pop_get(st, id, &p);
	if (err)
		return err;
	err = es_config_get(st, &cfg);
	if (err)
		return err;
	if (cfg.self_pop == id || es_pop_users(st, id, NULL))
		return -EBUSY;
	if (bpf_map_update_elem(st->pops_fd, &id, &none, BPF_ANY))
		return -errno;
	if (p.kind == ES_POP_TUNNEL && !endpoint_shared(st, id, &p))
		peer_flag(st, p.family, &p.endpoint, ES_PEER_POP, false);
	return 0;
}

int es_pop_list(struct es_state *st, __u32 **ids_out, struct es_pop **pops_out, size_t *n_out)
{
	__u32 *ids = calloc(ES_MAX_POPS, sizeof(*ids));
	struct es_pop *pops = calloc(ES_MAX_POPS, sizeof(*pops));
	size_t n = 0;

	if (!ids || !pops) {
		free(ids);
		free(pops);
		return -ENOMEM;
	}
	for (__u32 i = 1; i < ES_MAX_POPS; i++)
		if (!es_pop_get(st, i, &pops[n]))
			ids[n++] = i;
	*ids_out = ids;
	*pops_out = pops;
	*n_out = n;
	return 0;
}

int es_config_get(struct es_state *st, struct es_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(st->config_fd, &zero, cfg) ? -errno : 0;
}

int es_config_set(struct es_state *st, const struct es_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(st->config_fd, &zero, cfg, BPF_ANY) ? -errno : 0;
}

int es_self_set(struct es_state *st, __u32 id)
{
	struct es_config cfg;
	struct es_pop p;
	int err;

	err = es_config_get(st, &cfg);
	if (err)
		return err;
	cfg.self_pop = id;
	cfg.self_family = 0;
	memset(&cfg.self_addr, 0, sizeof(cfg.self_addr));
	if (id) {
		err = es_pop_get(st, id, &p);
		if (err)
			return err;
		/* a redirect POP has no tunnel address: nothing to decapsulate */
		if (p.kind == ES_POP_TUNNEL) {
			cfg.self_family = p.family;
			cfg.self_addr = p.endpoint;
		}
	}
	return es_config_set(st, &cfg);
}

int es_peer_add(struct es_state *st, __u8 family, const struct es_addr *addr)
{
	struct es_peer_key k = { .family = family, .addr = *addr };
	struct es_peer v;

	if (!bpf_map_lookup_elem(st->peers_fd, &k, &v) && (v.flags & ES_PEER_EXPLICIT))
		return -EEXIST;
	return peer_flag(st, family, addr, ES_PEER_EXPLICIT, true);
}

int es_peer_del(struct es_state *st, __u8 family, const struct es_addr *addr)
{
	struct es_peer_key k = { .family = family, .addr = *addr };
	struct es_peer v;

	if (bpf_map_lookup_elem(st->peers_fd, &k, &v) || !(v.flags & ES_PEER_EXPLICIT))
		return -ENOENT;
	return peer_flag(st, family, addr, ES_PEER_EXPLICIT, false);
}

int es_peer_list(struct es_state *st, struct es_peer_key **keys_out, struct es_peer **vals_out,
		 size_t *n_out)
{
	return es_map_dump(st->peers_fd, sizeof(**keys_out), sizeof(**vals_out), (void **)keys_out,
			   (void **)vals_out, n_out);
}

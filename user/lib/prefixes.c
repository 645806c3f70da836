// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "decisions.h"
#include "pops.h"
#include "prefixes.h"

static int family_bits(__u8 family)
{
	return family == ES_AF_INET ? 32 : family == ES_AF_INET6 ? 128 : -1;
}

static int prefix_key(struct es_prefix_key *k, __u8 family, const struct es_addr *addr, __u8 len)
{
	struct es_addr a = *addr;

	if (family_bits(family) < 0 || len > family_bits(family))
		return -EINVAL;
	if (es_addr_mask(&a, family, len))
		return -EINVAL;		/* host bits set */
	memset(k, 0, sizeof(*k));
	k->family = family;
	k->len = len;
	k->addr = a;
	return 0;
}

static void steering_of(const struct es_decision *d, struct es_steering *s)
{
	memset(s, 0, sizeof(*s));
	s->action = d->action;
	s->npops = d->npops;
	memcpy(s->pops, d->pops, sizeof(s->pops));
}

static void decision_of(const struct es_steering *s, struct es_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->action = s->action;
	d->npops = s->action == ES_ACTION_POPS ? s->npops : 0;
	for (int i = 0; i < d->npops; i++)
		d->pops[i] = s->pops[i];
}

static int steering_check(const struct es_steering *s)
{
	switch (s->action) {
	case ES_ACTION_POPS:
		if (!s->npops || s->npops > ES_MAX_CANDIDATES)
			return -EINVAL;
		for (int i = 0; i < s->npops; i++)
			if (!s->pops[i] || s->pops[i] >= ES_MAX_POPS)
				return -EINVAL;
		return 0;
	case ES_ACTION_LOCAL:
	case ES_ACTION_DROP:
		return 0;
	default:
		return -EINVAL;
	}
}

void es_prefix_decision_for(const struct es_state *st, __u32 before,
			    const struct es_steering *steer, struct es_decision *want)
{
	const struct es_decision *b = es_decision_at(st, before);

	decision_of(steer, want);
	if (!b || steer->action != ES_ACTION_POPS)
		return;
	if (b->action != ES_ACTION_POPS && b->action != ES_ACTION_LOCAL)
		return;		/* nothing was open through a drop */
	if (es_decision_same_steering(b, want)) {
		/* unchanged steering keeps any transition in progress */
		want->flags = b->flags;
		want->prev = b->prev;
		return;
	}
	want->flags = ES_DECISION_TRANSITION;
	/* connections that predate an earlier change still belong to its
	 * origin: a transition never points at another transition */
	want->prev = (b->flags & ES_DECISION_TRANSITION) ? b->prev : before;
}

/* Every RIB entry of a family (0: both) as table prefixes. */
static int rib_collect(struct es_state *st, __u8 family, struct es_table_prefix **out,
		       size_t *n_out, struct es_prefix_key **keys_out)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	const __u32 chunk = 65536;
	struct es_prefix_key *keys = NULL, *bk = NULL;
	struct es_table_prefix *v = NULL;
	struct es_prefix *bv = NULL;
	size_t n = 0, cap = 0;
	__u64 token = 0;
	bool more = true, first = true;
	int err = 0;

	/* whole buckets at a time: a million prefixes in a few dozen calls
	 * instead of two syscalls each */
	bk = malloc(chunk * sizeof(*bk));
	bv = malloc(chunk * sizeof(*bv));
	if (!bk || !bv) {
		err = -ENOMEM;
		goto fail;
	}
	while (more) {
		__u32 count = chunk;

		if (bpf_map_lookup_batch(st->prefixes_fd, first ? NULL : &token, &token, bk, bv,
					 &count, &opts)) {
			if (errno != ENOENT) {
				err = -errno;
				goto fail;
			}
			more = false;	/* the last batch: count holds what it returned */
		}
		first = false;
		if (n + count > cap) {
			size_t ncap = cap ? cap : 4096;
			void *nv;

			while (ncap < n + count)
				ncap *= 2;
			nv = realloc(v, ncap * sizeof(*v));
			if (!nv) {
				err = -ENOMEM;
				goto fail;
			}
			v = nv;
			if (keys_out) {
				nv = realloc(keys, ncap * sizeof(*keys));
				if (!nv) {
					err = -ENOMEM;
					goto fail;
				}
				keys = nv;
			}
			cap = ncap;
		}
		for (__u32 i = 0; i < count; i++) {
			if (family && bk[i].family != family)
				continue;
			v[n].addr = bk[i].addr;
			v[n].len = bk[i].len;
			v[n].decision = bv[i].decision;
			if (keys_out)
				keys[n] = bk[i];
			n++;
		}
	}
	free(bk);
	free(bv);
	*out = v;
	*n_out = n;
	if (keys_out)
		*keys_out = keys;
	return 0;
fail:
	free(bk);
	free(bv);
	free(v);
	free(keys);
	return err;
}

/* Remove n keys from the RIB, in batches. */
static void rib_delete(struct es_state *st, const struct es_prefix_key *keys, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	for (size_t i = 0; i < n; i += 65536) {
		__u32 count = n - i < 65536 ? n - i : 65536;

		if (bpf_map_delete_batch(st->prefixes_fd, &keys[i], &count, &opts)) {
			/* a key already gone stops the batch: finish one by one */
			for (size_t j = i + count; j < i + (n - i < 65536 ? n - i : 65536); j++)
				bpf_map_delete_elem(st->prefixes_fd, &keys[j]);
		}
	}
}

/* Rebuild a family's table from the RIB plus one pending change. */
static int table_rebuild(struct es_state *st, __u8 family, const struct es_prefix_key *key,
			 __u32 decision)
{
	struct es_table_prefix *v;
	size_t n;
	int err;

	err = rib_collect(st, family, &v, &n, NULL);
	if (err)
		return err;
	if (key) {
		void *nv = realloc(v, (n + 1) * sizeof(*v));

		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		/* es_table_build: the last duplicate wins */
		v[n].addr = key->addr;
		v[n].len = key->len;
		v[n].decision = decision;
		n++;
	}
	err = es_table_replace(st, family, v, n);
	free(v);
	return err;
}

int es_prefix_set(struct es_state *st, __u8 family, const struct es_addr *addr, __u8 len,
		  const struct es_steering *steer)
{
	struct es_live_table *lt;
	struct es_prefix_key key;
	struct es_prefix old = { 0 }, val;
	struct es_decision want;
	bool existed;
	__u32 id, before;
	int err;

	err = es_state_map_table(st, family);
	if (err)
		return err;
	err = prefix_key(&key, family, addr, len);
	if (!err)
		err = steering_check(steer);
	if (err)
		return err;
	lt = es_state_table(st, family);
	existed = bpf_map_lookup_elem(st->prefixes_fd, &key, &old) == 0;
	before = existed ? old.decision : es_table_lookup(&lt->t, &key.addr, NULL);

	es_prefix_decision_for(st, before, steer, &want);
	err = es_decision_get(st, &want, &id);
	if (err)
		return err;

	/* RIB first: it is what a rebuild is made from */
	val.decision = id;
	if (bpf_map_update_elem(st->prefixes_fd, &key, &val, BPF_ANY)) {
		err = -errno;
		es_decision_put(st, id);
		return err;
	}
	err = es_table_insert(&lt->t, &key.addr, len, id);
	if (err == -ENOSPC)
		err = table_rebuild(st, family, NULL, 0);	/* compacts the groups */
	if (err) {
		if (existed)
			bpf_map_update_elem(st->prefixes_fd, &key, &old, BPF_ANY);
		else
			bpf_map_delete_elem(st->prefixes_fd, &key);
		es_decision_put(st, id);
		return err;
	}
	if (existed)
		es_decision_put(st, old.decision);
	return 0;
}

/* The longest configured prefix strictly shorter than key that covers it. */
static void rib_parent(struct es_state *st, const struct es_prefix_key *key, __u32 *decision,
		       __u8 *len)
{
	struct es_prefix_key k;
	struct es_prefix val;

	for (int l = key->len - 1; l >= 0; l--) {
		k = *key;
		k.len = l;
		es_addr_mask(&k.addr, k.family, l);
		if (bpf_map_lookup_elem(st->prefixes_fd, &k, &val) == 0) {
			*decision = val.decision;
			*len = l;
			return;
		}
	}
	*decision = 0;
	*len = 0;
}

int es_prefix_del(struct es_state *st, __u8 family, const struct es_addr *addr, __u8 len)
{
	struct es_prefix_key key;
	struct es_prefix old;
	__u32 parent;
	__u8 parent_len;
	int err;

	err = es_state_map_table(st, family);
	if (err)
		return err;
	err = prefix_key(&key, family, addr, len);
	if (err)
		return err;
	if (bpf_map_lookup_elem(st->prefixes_fd, &key, &old))
		return -ENOENT;
	rib_parent(st, &key, &parent, &parent_len);
	err = es_table_delete(&es_state_table(st, family)->t, &key.addr, len, parent, parent_len);
	if (err)
		return err;
	if (bpf_map_delete_elem(st->prefixes_fd, &key))
		return -errno;
	es_decision_put(st, old.decision);
	return 0;
}

int es_prefix_get(struct es_state *st, __u8 family, const struct es_addr *addr, __u8 len,
		  struct es_steering *steer, __u32 *decision)
{
	const struct es_decision *d;
	struct es_prefix_key key;
	struct es_prefix val;
	int err;

	err = prefix_key(&key, family, addr, len);
	if (err)
		return err;
	if (bpf_map_lookup_elem(st->prefixes_fd, &key, &val))
		return -ENOENT;
	d = es_decision_at(st, val.decision);
	if (!d)
		return -EIO;
	if (steer)
		steering_of(d, steer);
	if (decision)
		*decision = val.decision;
	return 0;
}

int es_prefixes_list(struct es_state *st, struct es_prefix_spec **out, size_t *n_out)
{
	struct es_prefix_key *keys;
	struct es_table_prefix *v;
	struct es_prefix_spec *specs;
	size_t n;
	int err;

	err = rib_collect(st, 0, &v, &n, &keys);
	if (err)
		return err;
	specs = calloc(n ? n : 1, sizeof(*specs));
	if (!specs) {
		free(v);
		free(keys);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct es_decision *d = es_decision_at(st, v[i].decision);

		specs[i].family = keys[i].family;
		specs[i].len = keys[i].len;
		specs[i].addr = keys[i].addr;
		if (d)
			steering_of(d, &specs[i].steer);
	}
	free(v);
	free(keys);
	*out = specs;
	*n_out = n;
	return 0;
}

/* ---- replace ----------------------------------------------------------- */

struct key_set {
	struct es_prefix_key *keys;
	__u32 *decisions;
	size_t *slot;		/* open addressing over indexes + 1 */
	size_t nslots;
};

static __u64 key_hash(const struct es_prefix_key *k)
{
	__u64 h = 1469598103934665603ull;
	const unsigned char *p = (const void *)k;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int key_set_init(struct key_set *s, struct es_prefix_key *keys, size_t n)
{
	s->keys = keys;
	s->nslots = 2 * n + 16;
	s->slot = calloc(s->nslots, sizeof(*s->slot));
	if (!s->slot)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t h = key_hash(&keys[i]) % s->nslots;

		while (s->slot[h])
			h = (h + 1) % s->nslots;
		s->slot[h] = i + 1;
	}
	return 0;
}

static long key_set_find(const struct key_set *s, const struct es_prefix_key *k)
{
	size_t h = key_hash(k) % s->nslots;

	while (s->slot[h]) {
		if (!memcmp(&s->keys[s->slot[h] - 1], k, sizeof(*k)))
			return s->slot[h] - 1;
		h = (h + 1) % s->nslots;
	}
	return -1;
}

/* Write n RIB entries, in batches (one syscall per batch, not per key). */
static int rib_store(struct es_state *st, const struct es_prefix_key *keys, const __u32 *ids,
		     size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	const size_t batch = 65536;
	struct es_prefix *vals;
	int err = 0;

	vals = calloc(batch, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (size_t i = 0; i < n && !err; i += batch) {
		__u32 count = n - i < batch ? n - i : batch;

		for (__u32 j = 0; j < count; j++)
			vals[j].decision = ids[i + j];
		if (bpf_map_update_batch(st->prefixes_fd, &keys[i], vals, &count, &opts))
			err = -errno;
	}
	free(vals);
	return err;
}

int es_prefixes_replace(struct es_state *st, const struct es_prefix_spec *v, size_t n)
{
	struct es_table_prefix *old_v = NULL, *t4 = NULL, *t6 = NULL;
	struct es_prefix_key *old_keys = NULL, *new_keys = NULL;
	struct key_set old_set = { 0 }, new_set = { 0 };
	__u32 *ids = NULL;
	size_t old_n = 0, n4 = 0, n6 = 0, got = 0;
	bool old_v4 = false, old_v6 = false;
	int err;

	new_keys = calloc(n ? n : 1, sizeof(*new_keys));
	ids = calloc(n ? n : 1, sizeof(*ids));
	t4 = calloc(n ? n : 1, sizeof(*t4));
	t6 = calloc(n ? n : 1, sizeof(*t6));
	if (!new_keys || !ids || !t4 || !t6) {
		err = -ENOMEM;
		goto out;
	}
	/* validate everything before touching anything */
	for (size_t i = 0; i < n; i++) {
		err = prefix_key(&new_keys[i], v[i].family, &v[i].addr, v[i].len);
		if (!err)
			err = steering_check(&v[i].steer);
		if (err)
			goto out;
	}

	err = rib_collect(st, 0, &old_v, &old_n, &old_keys);
	if (!err)
		err = key_set_init(&old_set, old_keys, old_n);
	if (err)
		goto out;

	/* decisions: a prefix whose steering changes becomes a transition */
	for (got = 0; got < n; got++) {
		long o = key_set_find(&old_set, &new_keys[got]);
		struct es_decision want;

		es_prefix_decision_for(st, o >= 0 ? old_v[o].decision : 0, &v[got].steer, &want);
		err = es_decision_get(st, &want, &ids[got]);
		if (err)
			goto out;
	}

	for (size_t i = 0; i < n; i++) {
		struct es_table_prefix *tp = new_keys[i].family == ES_AF_INET ? &t4[n4++] : &t6[n6++];

		tp->addr = new_keys[i].addr;
		tp->len = new_keys[i].len;
		tp->decision = ids[i];
	}
	/* Each swap is atomic for its family. Should the second fail, the
	 * first is already live: put the old table back. */
	/* a family empty before and after keeps its (empty) table: building
	 * a table costs tens of ms even with nothing in it */
	for (size_t i = 0; i < old_n; i++) {
		old_v4 |= old_keys[i].family == ES_AF_INET;
		old_v6 |= old_keys[i].family == ES_AF_INET6;
	}
	if (n4 || old_v4)
		err = es_table_replace(st, ES_AF_INET, t4, n4);
	if (err)
		goto out;
	if (n6 || old_v6)
		err = es_table_replace(st, ES_AF_INET6, t6, n6);
	if (err) {
		size_t k = 0;

		for (size_t i = 0; i < old_n; i++)
			if (old_keys[i].family == ES_AF_INET)
				old_v[k++] = old_v[i];
		es_table_replace(st, ES_AF_INET, old_v, k);
		goto out;
	}

	/* the RIB follows: stale keys out, new ones in */
	err = key_set_init(&new_set, new_keys, n);
	if (err)
		goto out_applied;
	{
		size_t stale = 0;

		/* old_keys is ours: gather the stale ones at its front */
		for (size_t i = 0; i < old_n; i++)
			if (key_set_find(&new_set, &old_keys[i]) < 0)
				old_keys[stale++] = old_keys[i];
		rib_delete(st, old_keys, stale);
	}
	err = rib_store(st, new_keys, ids, n);
out_applied:
	for (size_t i = 0; i < old_n; i++)
		es_decision_put(st, old_v[i].decision);
	got = 0;	/* the new references now belong to the RIB */
out:
	for (size_t i = 0; i < got; i++)
		es_decision_put(st, ids[i]);
	free(old_set.slot);
	free(new_set.slot);
	free(old_v);
	free(old_keys);
	free(new_keys);
	free(ids);
	free(t4);
	free(t6);
	return err;
}

/* ---- settle ------------------------------------------------------------ */

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int es_prefixes_settle(struct es_state *st, __u64 idle_ns)
{
	struct es_prefix_key *keys = NULL;
	struct es_table_prefix *v = NULL;
	struct es_flow_key fk, next;
	unsigned char *busy;
	struct es_flow f;
	void *prev = NULL;
	__u64 now = mono_ns();
	size_t n = 0;
	int settled = 0, err;

	err = es_state_map_tables(st);
	if (err)
		return err;
	busy = calloc(ES_MAX_DECISIONS, 1);
	if (!busy)
		return -ENOMEM;
	/* a transition is busy while a live flow's source still maps to it */
	while (bpf_map_get_next_key(st->flows_fd, prev, &next) == 0) {
		fk = next;
		prev = &fk;
		if (bpf_map_lookup_elem(st->flows_fd, &fk, &f))
			continue;
		if (now - f.last_ns > idle_ns)
			continue;
		busy[es_table_lookup(&es_state_table(st, fk.family)->t, &fk.saddr, NULL)] = 1;
	}

	err = rib_collect(st, 0, &v, &n, &keys);
	if (err)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct es_decision *d = es_decision_at(st, v[i].decision);
		struct es_steering steer;
		struct es_decision want;
		__u32 id;

		if (!d || !(d->flags & ES_DECISION_TRANSITION) || busy[v[i].decision])
			continue;
		steering_of(d, &steer);
		decision_of(&steer, &want);
		err = es_decision_get(st, &want, &id);
		if (err)
			goto out;
		{
			struct es_prefix val = { .decision = id };

			if (bpf_map_update_elem(st->prefixes_fd, &keys[i], &val, BPF_ANY)) {
				err = -errno;
				es_decision_put(st, id);
				goto out;
			}
		}
		err = es_table_insert(&es_state_table(st, keys[i].family)->t, &keys[i].addr,
				      keys[i].len, id);
		if (err == -ENOSPC)
			err = table_rebuild(st, keys[i].family, NULL, 0);
		if (err)
			goto out;
		es_decision_put(st, v[i].decision);
		settled++;
	}
out:
	free(busy);
	free(v);
	free(keys);
	return err ? err : settled;
}

/* ---- lookup ------------------------------------------------------------ */

int es_prefix_lookup(struct es_state *st, __u8 family, const struct es_addr *addr,
		     struct es_lookup *res)
{
	const struct es_decision *d;
	struct es_config cfg;
	int err;

	err = es_state_map_table(st, family);
	if (err)
		return err;
	if (family_bits(family) < 0)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	err = es_config_get(st, &cfg);
	if (err)
		return err;
	res->decision = es_table_lookup(&es_state_table(st, family)->t, addr, &res->len);
	res->action = ES_LOOKUP_LOCAL;
	if (!res->decision) {
		res->len = -1;
		return 0;
	}
	res->prefix = *addr;
	es_addr_mask(&res->prefix, family, res->len);
	d = es_decision_at(st, res->decision);
	if (!d)
		return 0;	/* served here, as the data path does */
	steering_of(d, &res->steer);
	res->transition = d->flags & ES_DECISION_TRANSITION;
	if (d->action == ES_ACTION_DROP)
		res->action = ES_LOOKUP_DROP;
	if (d->action != ES_ACTION_POPS)
		return 0;
	/* the first candidate that is up, as bpf/decide.h picks for a new flow */
	for (int i = 0; i < d->npops && i < ES_MAX_CANDIDATES; i++) {
		struct es_pop p;

		if (es_pop_get(st, d->pops[i], &p) || p.state != ES_STATE_UP)
			continue;
		res->pop = d->pops[i];
		if (res->pop != cfg.self_pop)
			res->action = p.kind == ES_POP_REDIRECT ? ES_LOOKUP_REDIRECT : ES_LOOKUP_TUNNEL;
		break;
	}
	return 0;
}

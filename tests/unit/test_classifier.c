// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Classifier table tests: the trie against a linear longest-match
 * reference, es_table_build against incremental updates, allocator
 * exhaustion, argument checks, the "every group pointer is published and
 * in range" invariant, and a reader racing a writer.
 *
 * Every random sequence comes from a fixed seed, so a failure reproduces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "test.h"

#define DECISION_RANDOM()	(1 + rng_below(ES_MAX_DECISIONS - 1))
#define LOOKUPS			200000

/* ------------------------------------------------------------------------
 * Deterministic random numbers (xorshift64*)
 */
static __u64 rng_state;

static void rng_seed(__u64 seed)
{
	rng_state = seed ? seed : 1;
}

static __u64 rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static __u32 rng_below(__u32 n)
{
	return (__u32)((rng_next() >> 32) % n);
}

/* ------------------------------------------------------------------------
 * Address helpers, written independently of the library under test.
 * Addresses are big-endian byte strings of 4 (IPv4) or 16 bytes.
 */
static unsigned int family_bytes(__u8 family)
{
	return family == ES_AF_INET ? 4 : 16;
}

/* Bits of byte i that belong to a prefix of length len. */
static __u8 prefix_byte_mask(unsigned int len, unsigned int i)
{
	unsigned int keep = len > i * 8 ? len - i * 8 : 0;

	return keep >= 8 ? 0xff : (__u8)(0xff00 >> keep);
}

static void addr_clear_host(struct es_addr *a, __u8 family, __u8 len)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		a->v6[i] &= i < family_bytes(family) ? prefix_byte_mask(len, i) : 0;
}

static void addr_set_host(struct es_addr *a, __u8 family, __u8 len)
{
	unsigned int i;

	for (i = 0; i < family_bytes(family); i++)
		a->v6[i] |= (__u8)~prefix_byte_mask(len, i);
}

static void addr_random_host(struct es_addr *a, __u8 family, __u8 len)
{
	unsigned int i;

	for (i = 0; i < family_bytes(family); i++) {
		__u8 mask = prefix_byte_mask(len, i);

		a->v6[i] = (a->v6[i] & mask) | ((__u8)rng_next() & ~mask);
	}
}

static void addr_random(struct es_addr *a, __u8 family)
{
	memset(a, 0, sizeof(*a));
	addr_random_host(a, family, 0);
}

/* a += delta (+1 or -1), wrapping around the family's address space. */
static void addr_step(struct es_addr *a, __u8 family, int delta)
{
	int i;

	for (i = family_bytes(family) - 1; i >= 0; i--) {
		a->v6[i] += delta;
		if (a->v6[i] != (delta > 0 ? 0x00 : 0xff))
			break;
	}
}

static struct es_addr addr_parse(__u8 family, const char *s)
{
	struct es_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(family == ES_AF_INET ? AF_INET : AF_INET6, s, &a) != 1)
		abort();	/* a typo in the test itself */
	return a;
}

static const char *addr_str(const struct es_addr *a, __u8 family, char *buf,
			    size_t size)
{
	return inet_ntop(family == ES_AF_INET ? AF_INET : AF_INET6, a, buf, size);
}

/* ------------------------------------------------------------------------
 * The reference: a plain list of prefixes and a linear longest match.
 * Each prefix keeps its network and mask as two host-order 64-bit halves
 * (IPv4 in the top 32 bits of the first) so a match is two XOR-ANDs.
 */
struct wide {
	__u64 hi, lo;
};

struct ref_prefix {
	struct es_addr addr;
	__u8 len;
	__u32 decision;
	struct wide net, mask;
};

struct ref_table {
	struct ref_prefix *p;
	size_t n, cap;
};

static struct wide addr_wide(const struct es_addr *a)
{
	struct wide w = { 0, 0 };
	unsigned int i;

	for (i = 0; i < 8; i++) {
		w.hi = w.hi << 8 | a->v6[i];
		w.lo = w.lo << 8 | a->v6[8 + i];
	}
	return w;
}

static struct wide len_mask(unsigned int len)
{
	struct wide m;

	m.hi = len >= 64 ? ~0ull : len ? ~0ull << (64 - len) : 0;
	m.lo = len <= 64 ? 0 : len >= 128 ? ~0ull : ~0ull << (128 - len);
	return m;
}

static bool wide_match(struct wide a, const struct ref_prefix *q)
{
	return !(((a.hi ^ q->net.hi) & q->mask.hi) |
		 ((a.lo ^ q->net.lo) & q->mask.lo));
}

static long ref_find(const struct ref_table *r, const struct es_addr *addr,
		     __u8 len)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->p[i].len == len && !memcmp(&r->p[i].addr, addr, sizeof(*addr)))
			return i;
	return -1;
}

static void ref_append(struct ref_table *r, const struct es_addr *addr,
		       __u8 len, __u32 decision)
{
	struct ref_prefix *q;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->p = realloc(r->p, r->cap * sizeof(*r->p));
		if (!r->p)
			abort();
	}
	q = &r->p[r->n++];
	q->addr = *addr;
	q->len = len;
	q->decision = decision;
	q->net = addr_wide(addr);
	q->mask = len_mask(len);
}

/* Add a prefix or change its decision. */
static void ref_set(struct ref_table *r, const struct es_addr *addr, __u8 len,
		    __u32 decision)
{
	long i = ref_find(r, addr, len);

	if (i >= 0)
		r->p[i].decision = decision;
	else
		ref_append(r, addr, len, decision);
}

static void ref_remove(struct ref_table *r, size_t i)
{
	r->p[i] = r->p[--r->n];
}

static void ref_free(struct ref_table *r)
{
	free(r->p);
	memset(r, 0, sizeof(*r));
}

static __u32 ref_lookup(const struct ref_table *r, const struct es_addr *a,
			int *depth)
{
	struct wide w = addr_wide(a);
	__u32 decision = 0;
	int best = -1;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct ref_prefix *q = &r->p[i];

		if ((int)q->len > best && wide_match(w, q)) {
			best = q->len;
			decision = q->decision;
		}
	}
	*depth = best;
	return decision;
}

/* What covers addr/len once it is gone: the longest strictly shorter prefix. */
static void ref_parent(const struct ref_table *r, const struct es_addr *addr,
		       __u8 len, __u32 *decision, __u8 *parent_len)
{
	struct wide w = addr_wide(addr);
	int best = -1;
	size_t i;

	*decision = 0;
	*parent_len = 0;
	for (i = 0; i < r->n; i++) {
		const struct ref_prefix *q = &r->p[i];

		if (q->len < len && (int)q->len > best && wide_match(w, q)) {
			best = q->len;
			*decision = q->decision;
			*parent_len = q->len;
		}
	}
}

/* ------------------------------------------------------------------------
 * Comparing the table with the reference
 */
static bool check_addr(const struct es_table *t, const struct ref_table *r,
		       const struct es_addr *a)
{
	int got_depth, want_depth;
	__u32 got, want;
	char what[128], buf[INET6_ADDRSTRLEN];

	got = es_table_lookup(t, a, &got_depth);
	want = ref_lookup(r, a, &want_depth);
	if (got == want && got_depth == want_depth)
		return true;
	snprintf(what, sizeof(what), "lookup %s: decision",
		 addr_str(a, t->family, buf, sizeof(buf)));
	ASSERT_EQ(got, want, what);
	snprintf(what, sizeof(what), "lookup %s: depth", buf);
	ASSERT_EQ(got_depth, want_depth, what);
	return false;
}

/* The first and last address of addr/len, their outside neighbours, and
 * two random addresses inside. */
static bool check_around_prefix(const struct es_table *t,
				const struct ref_table *r,
				const struct es_addr *addr, __u8 len)
{
	struct es_addr a[6];
	unsigned int i;

	for (i = 0; i < 6; i++)
		a[i] = *addr;
	addr_set_host(&a[1], t->family, len);
	addr_step(&a[2], t->family, -1);
	addr_set_host(&a[3], t->family, len);
	addr_step(&a[3], t->family, +1);
	addr_random_host(&a[4], t->family, len);
	addr_random_host(&a[5], t->family, len);
	for (i = 0; i < 6; i++)
		if (!check_addr(t, r, &a[i]))
			return false;
	return true;
}

/*
 * Where to look: mostly inside or at the edges of prefixes that exist or
 * once existed (hist), the rest anywhere (for IPv6 mostly in 2000::/3,
 * where the prefixes are).
 */
static void lookup_addr(const struct ref_table *hist, __u8 family,
			struct es_addr *a)
{
	unsigned int roll = rng_below(100);
	const struct ref_prefix *q;

	if (roll < 60 && hist->n) {
		q = &hist->p[rng_below(hist->n)];
		*a = q->addr;
		if (roll < 45) {
			addr_random_host(a, family, q->len);
			return;
		}
		if (roll & 1)
			addr_set_host(a, family, q->len);
		if (roll & 2)
			addr_step(a, family, roll & 4 ? +1 : -1);
		return;
	}
	addr_random(a, family);
	if (family == ES_AF_INET6 && roll < 90)
		a->v6[0] = 0x20 | (a->v6[0] & 0x1f);
}

/* n lookups in t against the reference; reports the first few mismatches. */
static bool compare_with_ref(const struct es_table *t, const struct ref_table *r,
			     const struct ref_table *hist, unsigned int n)
{
	unsigned int i, mismatches = 0;
	struct es_addr a;

	for (i = 0; i < n; i++) {
		lookup_addr(hist, t->family, &a);
		if (!check_addr(t, r, &a) && ++mismatches >= 5)
			break;
	}
	return ASSERT_EQ(mismatches, 0, "lookups differing from the reference");
}

/* n lookups: a and b must give the same decisions and depths. */
static bool compare_tables(const struct es_table *a, const struct es_table *b,
			   const struct ref_table *hist, unsigned int n)
{
	unsigned int i, mismatches = 0;
	int depth_a, depth_b;
	struct es_addr addr;

	for (i = 0; i < n; i++) {
		lookup_addr(hist, a->family, &addr);
		if (es_table_lookup(a, &addr, &depth_a) !=
		    es_table_lookup(b, &addr, &depth_b) || depth_a != depth_b)
			mismatches++;
	}
	return ASSERT_EQ(mismatches, 0, "lookups differing between tables");
}

/* ------------------------------------------------------------------------
 * Structural check: what a reader can reach
 */
struct table_check {
	const struct es_table *t;
	__u32 next_free;
	unsigned int max_levels;
	unsigned char *refs;	/* pointers seen per allocated group */
	unsigned long bad_pointer, shared_group, bad_leaf;
};

static void check_entry(struct table_check *c, __u32 e, unsigned int level)
{
	__u32 value = e & ES_ENTRY_VALUE_MASK, i;
	unsigned int depth = (e >> ES_ENTRY_DEPTH_SHIFT) & ES_ENTRY_DEPTH_MASK;

	if (!(e & ES_ENTRY_GROUP)) {
		/* "no prefix" is entry 0 exactly; a leaf at a level is never
		 * deeper than the bits resolved there */
		if ((!value && e) || value >= ES_MAX_DECISIONS ||
		    depth > ES_ROOT_BITS + level * ES_STRIDE_BITS)
			c->bad_leaf++;
		return;
	}
	if (level >= c->max_levels || value < ES_FIRST_GROUP ||
	    value >= c->next_free) {
		c->bad_pointer++;
		return;
	}
	if (c->refs[value - ES_FIRST_GROUP]++) {
		c->shared_group++;
		return;
	}
	for (i = 0; i < ES_NODE_ENTRIES; i++)
		check_entry(c, c->t->nodes[value].entry[i], level + 1);
}

typedef __u64 __attribute__((may_alias)) u64_alias;

/*
 * Every group pointer points into [ES_FIRST_GROUP, next_free), no deeper
 * than the family allows; every allocated group has exactly one pointer
 * to it (none: allocated but never published, or lost); nodes never
 * allocated are still zero. With leaves, also every root leaf is checked
 * (slow: 2^24 entries), otherwise only root entries that are groups.
 */
static bool check_table(const struct es_table *t, bool leaves)
{
	const struct es_node_header *h = (const void *)&t->nodes[ES_NODE_HEADER];
	const u64_alias *root = (const u64_alias *)t->nodes;
	const __u64 group_bits = (__u64)ES_ENTRY_GROUP << 32 | ES_ENTRY_GROUP;
	struct table_check c = {
		.t = t,
		.next_free = h->next_free,
		.max_levels = t->family == ES_AF_INET ? 1 : ES_V6_MAX_GROUP_LEVELS,
	};
	unsigned long unreferenced = 0, dirty = 0;
	__u32 i, node;
	bool ok = true;

	if (!ASSERT_TRUE(h->next_free >= ES_FIRST_GROUP && h->next_free <= t->nnodes,
			 "next_free in range"))
		return false;
	c.refs = calloc(t->nnodes - ES_FIRST_GROUP, 1);
	if (!ASSERT_TRUE(c.refs, "calloc"))
		return false;

	/* Two root entries per 64-bit read: most words hold no group. */
	for (i = 0; i < (1u << ES_ROOT_BITS) / 2; i++) {
		__u64 w = root[i];

		if (!leaves && !(w & group_bits))
			continue;
		check_entry(&c, ((const __u32 *)t->nodes)[2 * i], 0);
		check_entry(&c, ((const __u32 *)t->nodes)[2 * i + 1], 0);
	}
	for (node = ES_FIRST_GROUP; node < c.next_free; node++)
		unreferenced += !c.refs[node - ES_FIRST_GROUP];
	for (node = c.next_free; node < t->nnodes; node++)
		for (i = 0; i < ES_NODE_ENTRIES; i++)
			dirty += t->nodes[node].entry[i] != 0;

	ok &= ASSERT_EQ(c.bad_pointer, 0, "group pointers out of range or too deep");
	ok &= ASSERT_EQ(c.shared_group, 0, "groups pointed to twice");
	ok &= ASSERT_EQ(unreferenced, 0, "allocated groups nobody points to");
	ok &= ASSERT_EQ(dirty, 0, "entries written in never-allocated nodes");
	ok &= ASSERT_EQ(c.bad_leaf, 0, "malformed leaf entries");
	free(c.refs);
	return ok;
}

/* ------------------------------------------------------------------------
 * Tables
 */
static struct es_node *table_new(struct es_table *t, __u8 family, __u32 groups)
{
	__u32 nnodes = ES_FIRST_GROUP + groups;
	struct es_node *nodes = malloc((size_t)nnodes * sizeof(*nodes));

	if (!nodes)
		return NULL;
	if (es_table_init(t, nodes, nnodes, family)) {
		free(nodes);
		return NULL;
	}
	return nodes;
}

static size_t table_bytes(const struct es_table *t)
{
	return (size_t)t->nnodes * sizeof(struct es_node);
}

/* ------------------------------------------------------------------------
 * Random scenario: interleaved inserts, changes and deletes
 */
#define V6_CLUSTERS 300

struct scenario {
	__u8 family;
	struct es_table table;
	struct es_node *nodes;
	struct ref_table live;	/* prefixes in the table now */
	struct ref_table hist;	/* every prefix ever inserted */
	struct es_addr clusters[V6_CLUSTERS];	/* IPv6 /32s most prefixes sit under */
};

static void gen_prefix_v4(const struct scenario *s, struct es_addr *a, __u8 *len)
{
	unsigned int roll = rng_below(100);

	addr_random(a, ES_AF_INET);
	if (roll < 30 && s->live.n) {
		/* nested: a little longer than a prefix that exists */
		const struct ref_prefix *q = &s->live.p[rng_below(s->live.n)];

		*a = q->addr;
		addr_random_host(a, ES_AF_INET, q->len);
		*len = q->len + rng_below(q->len < 24 ? 9 : 33 - q->len);
		if (*len > 32)
			*len = 32;
	} else if (roll < 32) {
		*len = rng_below(9);		/* /0../8: huge ranges */
	} else if (roll < 60) {
		*len = 24;
	} else if (roll < 85) {
		*len = 25 + rng_below(8);	/* one group level */
	} else {
		*len = 9 + rng_below(15);	/* /9../23 */
	}
	addr_clear_host(a, ES_AF_INET, *len);
}

static void gen_prefix_v6(const struct scenario *s, struct es_addr *a, __u8 *len)
{
	unsigned int roll = rng_below(100);

	addr_random(a, ES_AF_INET6);
	if (roll < 80) {
		const struct es_addr *cluster = &s->clusters[rng_below(V6_CLUSTERS)];

		memcpy(a->v6, cluster->v6, 4);
		if (roll < 60)
			*len = 32 + rng_below(17);	/* /32../48 */
		else if (roll < 72)
			*len = 49 + rng_below(16);	/* /49../64 */
		else
			*len = 64 + rng_below(65);	/* /64../128 */
	} else if (roll < 88 && s->live.n) {
		const struct ref_prefix *q = &s->live.p[rng_below(s->live.n)];

		*a = q->addr;
		addr_random_host(a, ES_AF_INET6, q->len);
		*len = q->len + rng_below(q->len < 112 ? 17 : 129 - q->len);
		if (*len > 128)
			*len = 128;
	} else if (roll < 98) {
		a->v6[0] = 0x20 | (a->v6[0] & 0x1f);	/* 2000::/3 */
		*len = 3 + rng_below(46);
	} else {
		*len = rng_below(32);			/* short, incl. ::/0 */
	}
	addr_clear_host(a, ES_AF_INET6, *len);
}

static bool scenario_insert(struct scenario *s, const struct es_addr *a,
			    __u8 len, __u32 decision)
{
	if (!ASSERT_OK(es_table_insert(&s->table, a, len, decision), "insert"))
		return false;
	ref_set(&s->live, a, len, decision);
	ref_append(&s->hist, a, len, decision);
	return check_around_prefix(&s->table, &s->live, a, len);
}

static bool scenario_delete(struct scenario *s, size_t i)
{
	struct es_addr a = s->live.p[i].addr;
	__u8 len = s->live.p[i].len, parent_len;
	__u32 parent;

	ref_remove(&s->live, i);
	ref_parent(&s->live, &a, len, &parent, &parent_len);
	if (!ASSERT_OK(es_table_delete(&s->table, &a, len, parent, parent_len),
		       "delete"))
		return false;
	return check_around_prefix(&s->table, &s->live, &a, len);
}

static void scenario_free(struct scenario *s)
{
	free(s->nodes);
	ref_free(&s->live);
	ref_free(&s->hist);
}

/*
 * ops operations into a fresh table: first a nested chain of one prefix
 * of every length, then random: 60% insert (new or existing prefix), 15%
 * change of an existing prefix, 25% delete; ::/0 or 0/0 is inserted at a
 * third and deleted at two thirds. After each operation the
 * edges of the prefix are looked up; every 500 the structure is checked.
 */
static bool scenario_run(struct scenario *s, __u8 family, __u64 seed,
			 unsigned int ops, __u32 groups)
{
	struct es_addr zero = { 0 }, chain, a;
	unsigned int op, i;
	long idx;
	__u8 len;

	memset(s, 0, sizeof(*s));
	s->family = family;
	rng_seed(seed);
	s->nodes = table_new(&s->table, family, groups);
	if (!ASSERT_TRUE(s->nodes, "table_new"))
		return false;
	for (i = 0; i < V6_CLUSTERS; i++) {
		addr_random(&s->clusters[i], ES_AF_INET6);
		s->clusters[i].v6[0] = 0x20 | (s->clusters[i].v6[0] & 0x1f);
	}

	/* A chain of one prefix of every length, all nested, to start with. */
	if (family == ES_AF_INET) {
		addr_random(&chain, family);
	} else {
		chain = s->clusters[0];
		addr_random_host(&chain, family, 32);
	}

	for (op = 0; op < ops; op++) {
		unsigned int roll = rng_below(100);
		bool ok;

		if (op <= family_bytes(family) * 8) {
			a = chain;
			addr_clear_host(&a, family, op);
			ok = scenario_insert(s, &a, op, DECISION_RANDOM());
		} else if (op == ops / 3) {
			ok = scenario_insert(s, &zero, 0, DECISION_RANDOM());
		} else if (op == 2 * ops / 3) {
			idx = ref_find(&s->live, &zero, 0);
			ok = idx < 0 || scenario_delete(s, idx);
		} else if (roll < 60 || !s->live.n) {
			if (family == ES_AF_INET)
				gen_prefix_v4(s, &a, &len);
			else
				gen_prefix_v6(s, &a, &len);
			ok = scenario_insert(s, &a, len, DECISION_RANDOM());
		} else if (roll < 75) {
			const struct ref_prefix *q = &s->live.p[rng_below(s->live.n)];

			a = q->addr;
			ok = scenario_insert(s, &a, q->len, DECISION_RANDOM());
		} else {
			ok = scenario_delete(s, rng_below(s->live.n));
		}
		if (!ok)
			return false;
		if (op % 500 == 499 && !check_table(&s->table, false))
			return false;
	}
	return check_table(&s->table, true);
}

static void test_reference(__u8 family, __u32 groups)
{
	struct scenario s;

	if (!scenario_run(&s, family, family * 1000003ull, 3000, groups))
		goto cleanup;
	ASSERT_TRUE(s.live.n > 500, "enough prefixes left to be interesting");
	rng_seed(42);
	compare_with_ref(&s.table, &s.live, &s.hist, LOOKUPS);
cleanup:
	scenario_free(&s);
}

static void test_reference_v4(void)
{
	test_reference(ES_AF_INET, 4096);
}

static void test_reference_v6(void)
{
	test_reference(ES_AF_INET6, 32768);
}

/* ------------------------------------------------------------------------
 * es_table_build of the scenario's final set vs the table it was built
 * incrementally in: shuffled input, plus stale duplicates placed first
 * (the last of duplicates wins).
 */
static void test_build(__u8 family, __u32 groups)
{
	struct es_table_prefix *p = NULL;
	struct es_node *nodes = NULL;
	struct es_table built;
	struct scenario s;
	size_t n, i, dups;

	if (!scenario_run(&s, family, family * 7919ull, 3000, groups))
		goto cleanup;
	dups = s.live.n / 10;
	n = dups + s.live.n;
	p = calloc(n, sizeof(*p));
	nodes = table_new(&built, family, groups);
	if (!ASSERT_TRUE(p && nodes, "alloc"))
		goto cleanup;
	for (i = 0; i < s.live.n; i++) {
		p[dups + i].addr = s.live.p[i].addr;
		p[dups + i].len = s.live.p[i].len;
		p[dups + i].decision = s.live.p[i].decision;
	}
	for (i = s.live.n - 1; i > 0; i--) {
		size_t j = rng_below(i + 1);
		struct es_table_prefix tmp = p[dups + i];

		p[dups + i] = p[dups + j];
		p[dups + j] = tmp;
	}
	for (i = 0; i < dups; i++) {
		p[i] = p[dups + rng_below(s.live.n)];
		p[i].decision = p[i].decision % (ES_MAX_DECISIONS - 1) + 1;
	}

	if (!ASSERT_OK(es_table_build(&built, p, n), "es_table_build"))
		goto cleanup;
	ASSERT_EQ(((struct es_node_header *)&nodes[ES_NODE_HEADER])->prefixes, n,
		  "header prefixes");
	ASSERT_TRUE(es_table_groups_used(&built) <= es_table_groups_used(&s.table),
		    "build needs no more groups than incremental updates");
	check_table(&built, true);
	rng_seed(7);
	compare_tables(&built, &s.table, &s.hist, LOOKUPS);
	compare_with_ref(&built, &s.live, &s.hist, LOOKUPS / 10);

	/* Empty input: an empty table. */
	es_table_init(&built, nodes, built.nnodes, family);
	ASSERT_OK(es_table_build(&built, p, 0), "build of nothing");
	ASSERT_EQ(es_table_groups_used(&built), 0, "groups after empty build");
	ASSERT_EQ(es_table_lookup(&built, &s.live.p[0].addr, NULL), 0,
		  "lookup after empty build");
cleanup:
	free(nodes);
	free(p);
	scenario_free(&s);
}

static void test_build_equals_incremental_v4(void)
{
	test_build(ES_AF_INET, 4096);
}

static void test_build_equals_incremental_v6(void)
{
	test_build(ES_AF_INET6, 32768);
}

/* ------------------------------------------------------------------------
 * Fixed cases: nesting, /0 over existing groups, changes, deletes
 */
struct expect {
	const char *addr;
	__u32 decision;
	int depth;
};

static void check_expect(const struct es_table *t, const struct expect *e,
			 size_t n, const char *stage)
{
	char what[160];
	size_t i;
	int depth;

	for (i = 0; i < n; i++) {
		struct es_addr a = addr_parse(t->family, e[i].addr);
		__u32 got = es_table_lookup(t, &a, &depth);

		snprintf(what, sizeof(what), "%s: %s decision", stage, e[i].addr);
		ASSERT_EQ(got, e[i].decision, what);
		snprintf(what, sizeof(what), "%s: %s depth", stage, e[i].addr);
		ASSERT_EQ(depth, e[i].depth, what);
	}
}

#define CHECK(t, stage, ...) do {					\
	const struct expect ___e[] = { __VA_ARGS__ };			\
	check_expect((t), ___e, sizeof(___e) / sizeof(___e[0]), (stage)); \
} while (0)

static int insert_str(struct es_table *t, const char *addr, __u8 len,
		      __u32 decision)
{
	struct es_addr a = addr_parse(t->family, addr);

	return es_table_insert(t, &a, len, decision);
}

static int delete_str(struct es_table *t, const char *addr, __u8 len,
		      __u32 parent, __u8 parent_len)
{
	struct es_addr a = addr_parse(t->family, addr);

	return es_table_delete(t, &a, len, parent, parent_len);
}

static void test_nested_v4(void)
{
	struct es_table t;
	struct es_node *nodes = table_new(&t, ES_AF_INET, 16);

	if (!ASSERT_TRUE(nodes, "table_new"))
		return;
	CHECK(&t, "empty", { "10.1.2.3", 0, -1 }, { "0.0.0.0", 0, -1 });

	ASSERT_OK(insert_str(&t, "10.0.0.0", 8, 1), "insert /8");
	ASSERT_OK(insert_str(&t, "10.1.2.0", 24, 2), "insert /24");
	ASSERT_OK(insert_str(&t, "10.1.2.128", 25, 3), "insert /25");
	ASSERT_EQ(es_table_groups_used(&t), 1, "a /25 takes one group");
	ASSERT_OK(insert_str(&t, "10.1.2.129", 32, 4), "insert /32");
	ASSERT_EQ(es_table_groups_used(&t), 1, "a /32 in the same /24 reuses it");
	/* /0 last: must descend into the group and keep the longer ones */
	ASSERT_OK(insert_str(&t, "0.0.0.0", 0, 5), "insert /0");
	CHECK(&t, "nested",
	      { "10.1.2.129", 4, 32 }, { "10.1.2.130", 3, 25 },
	      { "10.1.2.255", 3, 25 }, { "10.1.2.127", 2, 24 },
	      { "10.1.2.0", 2, 24 }, { "10.1.3.0", 1, 8 },
	      { "10.255.255.255", 1, 8 }, { "11.0.0.0", 5, 0 },
	      { "9.255.255.255", 5, 0 }, { "255.255.255.255", 5, 0 },
	      { "0.0.0.0", 5, 0 });

	ASSERT_OK(insert_str(&t, "0.0.0.0", 0, 6), "change /0");
	ASSERT_OK(insert_str(&t, "10.1.2.128", 25, 7), "change /25");
	CHECK(&t, "changed",
	      { "10.1.2.129", 4, 32 }, { "10.1.2.130", 7, 25 },
	      { "10.1.2.1", 2, 24 }, { "11.0.0.0", 6, 0 });

	ASSERT_OK(delete_str(&t, "10.1.2.128", 25, 2, 24), "delete /25");
	CHECK(&t, "without /25",
	      { "10.1.2.129", 4, 32 }, { "10.1.2.130", 2, 24 });
	ASSERT_OK(delete_str(&t, "10.0.0.0", 8, 6, 0), "delete /8");
	CHECK(&t, "without /8",
	      { "10.1.2.129", 4, 32 }, { "10.1.2.1", 2, 24 },
	      { "10.9.9.9", 6, 0 });
	ASSERT_OK(delete_str(&t, "0.0.0.0", 0, 0, 0), "delete /0");
	CHECK(&t, "without /0",
	      { "10.1.2.129", 4, 32 }, { "10.1.2.1", 2, 24 },
	      { "10.9.9.9", 0, -1 }, { "11.0.0.0", 0, -1 });
	ASSERT_OK(delete_str(&t, "10.1.2.0", 24, 0, 0), "delete /24");
	ASSERT_OK(delete_str(&t, "10.1.2.129", 32, 0, 0), "delete /32");
	CHECK(&t, "all gone", { "10.1.2.129", 0, -1 }, { "10.1.2.1", 0, -1 });
	/* deleting what is not there changes nothing */
	ASSERT_OK(delete_str(&t, "10.1.2.0", 24, 0, 0), "delete absent /24");
	ASSERT_EQ(es_table_groups_used(&t), 1, "groups are never freed");
	check_table(&t, true);
	free(nodes);
}

static void test_nested_v6(void)
{
	struct es_table t;
	struct es_node *nodes = table_new(&t, ES_AF_INET6, 64);

	if (!ASSERT_TRUE(nodes, "table_new"))
		return;
	ASSERT_OK(insert_str(&t, "2001:db8::", 32, 1), "insert /32");
	ASSERT_EQ(es_table_groups_used(&t), 1, "a /32 takes one group");
	ASSERT_OK(insert_str(&t, "2001:db8::1", 128, 2), "insert /128");
	ASSERT_EQ(es_table_groups_used(&t), 13, "a /128 takes 13 levels");
	ASSERT_OK(insert_str(&t, "2001:db8:0:1::", 64, 3), "insert /64");
	ASSERT_OK(insert_str(&t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, 4),
		  "insert last address");
	ASSERT_OK(insert_str(&t, "::", 0, 5), "insert ::/0");
	ASSERT_OK(insert_str(&t, "2001:db8::", 33, 6), "insert /33");
	CHECK(&t, "nested",
	      { "2001:db8::1", 2, 128 }, { "2001:db8::", 6, 33 },
	      { "2001:db8::2", 6, 33 }, { "2001:db8:8000::", 1, 32 },
	      { "2001:db8:0:1::77", 3, 64 }, { "2001:db8:0:2::", 6, 33 },
	      { "2001:db9::", 5, 0 }, { "::", 5, 0 },
	      { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 4, 128 },
	      { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 5, 0 });

	ASSERT_OK(delete_str(&t, "2001:db8::", 33, 1, 32), "delete /33");
	ASSERT_OK(delete_str(&t, "::", 0, 0, 0), "delete ::/0");
	CHECK(&t, "deleted",
	      { "2001:db8::1", 2, 128 }, { "2001:db8::2", 1, 32 },
	      { "2001:db8:0:1::77", 3, 64 }, { "2001:db9::", 0, -1 },
	      { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 0, -1 });
	check_table(&t, true);
	free(nodes);
}

/* ------------------------------------------------------------------------
 * Arguments: host bits, lengths, decisions, headers
 */
static void test_invalid_arguments(void)
{
	struct es_node *nodes = NULL, *other = NULL;
	struct es_table t, t2;
	struct es_table_prefix bad[2];
	struct es_addr a;

	nodes = table_new(&t, ES_AF_INET, 4);
	other = calloc(ES_FIRST_GROUP + 4, sizeof(*other));
	if (!ASSERT_TRUE(nodes && other, "alloc"))
		goto cleanup;

	ASSERT_EQ(es_table_init(&t2, other, ES_FIRST_GROUP, ES_AF_INET), -EINVAL,
		  "init without room for a group");
	ASSERT_EQ(es_table_init(&t2, other, ES_FIRST_GROUP + 4, 5), -EINVAL,
		  "init of an unknown family");
	ASSERT_EQ(es_table_init(&t2, other, ES_ENTRY_VALUE_MASK + 2, ES_AF_INET),
		  -EINVAL, "init with node indexes beyond 23 bits");
	ASSERT_EQ(es_table_attach(&t2, other, ES_FIRST_GROUP + 4, ES_AF_INET),
		  -EBADMSG, "attach to an unformatted array");
	ASSERT_EQ(es_table_attach(&t2, nodes, ES_FIRST_GROUP + 4, ES_AF_INET6),
		  -EBADMSG, "attach with the wrong family");
	ASSERT_EQ(es_table_attach(&t2, nodes, ES_FIRST_GROUP + 3, ES_AF_INET),
		  -EBADMSG, "attach with the wrong size");

	ASSERT_EQ(insert_str(&t, "10.0.0.1", 24, 1), -EINVAL, "host bits");
	ASSERT_EQ(insert_str(&t, "11.0.0.0", 7, 1), -EINVAL, "host bits, short");
	ASSERT_EQ(insert_str(&t, "0.0.0.1", 0, 1), -EINVAL, "host bits, /0");
	ASSERT_EQ(insert_str(&t, "10.0.0.0", 33, 1), -EINVAL, "len 33");
	ASSERT_EQ(insert_str(&t, "10.0.0.0", 8, 0), -EINVAL, "decision 0");
	ASSERT_EQ(insert_str(&t, "10.0.0.0", 8, ES_MAX_DECISIONS), -EINVAL,
		  "decision too large");
	a = addr_parse(ES_AF_INET, "10.0.0.0");
	a.v6w[2] = 1;
	ASSERT_EQ(es_table_insert(&t, &a, 8, 1), -EINVAL,
		  "bits outside an IPv4 address");
	ASSERT_EQ(delete_str(&t, "10.0.0.1", 24, 0, 0), -EINVAL, "delete host bits");
	ASSERT_EQ(delete_str(&t, "10.0.0.0", 33, 0, 0), -EINVAL, "delete len 33");
	ASSERT_EQ(delete_str(&t, "10.0.0.0", 8, 1, 8), -EINVAL,
		  "parent not shorter");
	ASSERT_EQ(delete_str(&t, "10.0.0.0", 8, 0, 4), -EINVAL,
		  "parent length without a parent");
	ASSERT_EQ(delete_str(&t, "10.0.0.0", 8, ES_MAX_DECISIONS, 4), -EINVAL,
		  "parent decision too large");
	ASSERT_EQ(delete_str(&t, "0.0.0.0", 0, 1, 0), -EINVAL,
		  "a /0 has no parent");

	memset(bad, 0, sizeof(bad));
	bad[0].addr = addr_parse(ES_AF_INET, "10.1.2.128");
	bad[0].len = 25;
	bad[0].decision = 1;
	bad[1].addr = addr_parse(ES_AF_INET, "10.1.2.3");
	bad[1].len = 24;
	bad[1].decision = 1;
	ASSERT_EQ(es_table_build(&t, bad, 2), -EINVAL, "build with host bits");
	bad[1].addr.v4 = 0;
	bad[1].len = 0;
	bad[1].decision = 0;
	ASSERT_EQ(es_table_build(&t, bad, 2), -EINVAL, "build with decision 0");

	/* none of that wrote anything */
	ASSERT_EQ(es_table_groups_used(&t), 0, "groups after refused updates");
	CHECK(&t, "after refused updates",
	      { "10.1.2.129", 0, -1 }, { "10.0.0.0", 0, -1 }, { "0.0.0.0", 0, -1 });
	check_table(&t, true);

	ASSERT_OK(insert_str(&t, "10.1.2.128", 25, 9), "insert /25");
	ASSERT_OK(es_table_attach(&t2, nodes, ES_FIRST_GROUP + 4, ES_AF_INET),
		  "attach");
	CHECK(&t2, "attached", { "10.1.2.129", 9, 25 }, { "10.1.2.1", 0, -1 });
	ASSERT_EQ(es_table_groups_used(&t2), 1, "attached groups used");
	ASSERT_EQ(es_table_groups_capacity(&t2), 4, "attached capacity");

	es_table_init(&t2, other, ES_FIRST_GROUP + 4, ES_AF_INET6);
	ASSERT_EQ(insert_str(&t2, "2001:db8::1", 64, 1), -EINVAL, "v6 host bits");
	ASSERT_EQ(insert_str(&t2, "2001:db8::1", 129, 1), -EINVAL, "len 129");
	ASSERT_EQ(insert_str(&t2, "::1", 0, 1), -EINVAL, "v6 host bits, /0");

	a = addr_parse(ES_AF_INET, "10.1.2.3");
	a.v6w[3] = 7;
	ASSERT_TRUE(es_addr_mask(&a, ES_AF_INET, 24), "mask: host bits found");
	ASSERT_TRUE(a.v4 == htonl(0x0a010200) && !a.v6w[1] && !a.v6w[2] && !a.v6w[3],
		    "mask: 10.1.2.0 left");
	ASSERT_TRUE(!es_addr_mask(&a, ES_AF_INET, 24), "mask: none the second time");
	ASSERT_TRUE(!es_addr_mask(&a, ES_AF_INET, 200), "mask: len clamped");
	a = addr_parse(ES_AF_INET6, "2001:db8:ffff::1");
	ASSERT_TRUE(!es_addr_mask(&a, ES_AF_INET6, 128), "mask: /128 has none");
	ASSERT_TRUE(es_addr_mask(&a, ES_AF_INET6, 35), "mask: /35 has some");
	ASSERT_TRUE(!memcmp(&a, &(struct es_addr){ .v6 = { 0x20, 0x01, 0x0d, 0xb8,
			    0xe0 } }, sizeof(a)), "mask: 2001:db8:e000:: left");
cleanup:
	free(nodes);
	free(other);
}

/* ------------------------------------------------------------------------
 * Running out of groups: -ENOSPC and not one byte changed
 */
static bool insert_refused(struct es_table *t, const unsigned char *before,
			   const char *addr, __u8 len, const char *what)
{
	bool ok = ASSERT_EQ(insert_str(t, addr, len, 99), -ENOSPC, what);

	return ASSERT_TRUE(!memcmp(t->nodes, before, table_bytes(t)),
			   "table unchanged after -ENOSPC") && ok;
}

static void test_enospc_changes_nothing(void)
{
	unsigned char *before = NULL;
	struct es_node *nodes;
	struct es_table t;

	nodes = table_new(&t, ES_AF_INET, 3);
	before = malloc(table_bytes(&t));
	if (!ASSERT_TRUE(nodes && before, "alloc"))
		goto cleanup;
	ASSERT_OK(insert_str(&t, "10.0.0.0", 8, 1), "insert /8");
	ASSERT_OK(insert_str(&t, "10.0.0.128", 25, 2), "insert a");
	ASSERT_OK(insert_str(&t, "10.0.1.128", 25, 3), "insert b");
	ASSERT_OK(insert_str(&t, "10.0.2.7", 32, 4), "insert c");
	ASSERT_OK(insert_str(&t, "10.0.0.7", 32, 5), "insert into an existing group");
	ASSERT_EQ(es_table_groups_used(&t), 3, "groups used");
	memcpy(before, nodes, table_bytes(&t));
	insert_refused(&t, before, "10.0.3.0", 25, "fourth group");
	insert_refused(&t, before, "10.0.3.1", 32, "fourth group, /32");
	/* no new group needed: still fine when full */
	ASSERT_OK(insert_str(&t, "10.0.0.0", 16, 6), "insert /16 over groups");
	ASSERT_OK(insert_str(&t, "10.0.2.64", 26, 7), "insert in existing group");
	ASSERT_OK(delete_str(&t, "10.0.0.128", 25, 6, 16), "delete when full");
	CHECK(&t, "v4 full",
	      { "10.0.0.7", 5, 32 }, { "10.0.0.200", 6, 16 },
	      { "10.0.1.200", 3, 25 }, { "10.0.2.7", 4, 32 },
	      { "10.0.2.65", 7, 26 }, { "10.0.3.0", 6, 16 },
	      { "10.1.0.0", 1, 8 });
	check_table(&t, true);
	free(nodes);
	free(before);

	nodes = table_new(&t, ES_AF_INET6, 5);
	before = malloc(table_bytes(&t));
	if (!ASSERT_TRUE(nodes && before, "alloc"))
		goto cleanup;
	memcpy(before, nodes, table_bytes(&t));
	insert_refused(&t, before, "2001:db8::1", 128, "13 groups of 5");
	ASSERT_OK(insert_str(&t, "2001:db8:1::", 48, 1), "insert /48");
	ASSERT_OK(insert_str(&t, "2001:db8:1::", 64, 2), "insert /64");
	ASSERT_EQ(es_table_groups_used(&t), 5, "groups used");
	memcpy(before, nodes, table_bytes(&t));
	insert_refused(&t, before, "2001:db8:1:0:1::", 80, "2 more of 0");
	insert_refused(&t, before, "2001:db8:100::", 48, "a /48 needing a group");
	ASSERT_OK(insert_str(&t, "2001:db8:2::", 48, 4), "a /48 in an existing group");
	ASSERT_OK(insert_str(&t, "2001:db8:1::", 56, 3), "insert /56 on the path");
	CHECK(&t, "v6 full",
	      { "2001:db8:1::1", 2, 64 }, { "2001:db8:1:1::", 3, 56 },
	      { "2001:db8:1:100::", 1, 48 }, { "2001:db8:1:0:1::", 2, 64 },
	      { "2001:db8:2::", 4, 48 }, { "2001:db8:100::", 0, -1 });
	check_table(&t, true);
cleanup:
	free(nodes);
	free(before);
}

/* ------------------------------------------------------------------------
 * After every insert, every group pointer is in [ES_FIRST_GROUP,
 * next_free) and every allocated group is published exactly once.
 */
static void groups_published(__u8 family, unsigned int inserts, __u32 groups)
{
	struct scenario s;
	struct es_addr a;
	unsigned int i;
	__u8 len;
	int err;

	memset(&s, 0, sizeof(s));
	s.family = family;
	rng_seed(family * 31ull);
	s.nodes = table_new(&s.table, family, groups);
	if (!ASSERT_TRUE(s.nodes, "table_new"))
		return;
	for (i = 0; i < V6_CLUSTERS; i++) {
		addr_random(&s.clusters[i], ES_AF_INET6);
		s.clusters[i].v6[0] = 0x20;
		s.clusters[i].v6[1] = i % 4;	/* few clusters: deep sharing */
	}
	for (i = 0; i < inserts; i++) {
		if (family == ES_AF_INET)
			gen_prefix_v4(&s, &a, &len);
		else
			gen_prefix_v6(&s, &a, &len);
		err = es_table_insert(&s.table, &a, len, DECISION_RANDOM());
		if (err == -ENOSPC)
			break;
		if (!ASSERT_OK(err, "insert"))
			break;
		ref_set(&s.live, &a, len, 1);
		if (!check_table(&s.table, false))
			break;
	}
	ASSERT_TRUE(es_table_groups_used(&s.table) > 20, "groups were allocated");
	scenario_free(&s);
}

static void test_groups_published(void)
{
	groups_published(ES_AF_INET, 100, 512);
	groups_published(ES_AF_INET6, 100, 1024);
}

/* ------------------------------------------------------------------------
 * A reader racing the writer. The writer keeps adding fresh /128s under
 * 2001:db8::/32 (each a new chain of 12 groups), changes and deletes
 * them; the reader looks up the address being worked on and must only
 * ever see /32 -> 1 or /128 -> 2 or 3: never "no prefix" (a group
 * published before it was filled) or anything else.
 */
#define RACE_ROUNDS 2500

struct race {
	struct es_table *t;
	struct es_addr addrs[RACE_ROUNDS];
	unsigned int cur;		/* index into addrs, written atomically */
	bool started, stop;
	unsigned long lookups, violations;
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	int depth;

	__atomic_store_n(&r->started, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned int i = __atomic_load_n(&r->cur, __ATOMIC_ACQUIRE);
		__u32 d = es_table_lookup(r->t, &r->addrs[i], &depth);

		if (!((d == 1 && depth == 32) ||
		      ((d == 2 || d == 3) && depth == 128)))
			r->violations++;
		r->lookups++;
	}
	return NULL;
}

static void test_concurrent_reader(void)
{
	struct es_addr base = addr_parse(ES_AF_INET6, "2001:db8::");
	struct race *r = calloc(1, sizeof(*r));
	struct es_node *nodes = NULL;
	struct es_table t;
	pthread_t reader;
	unsigned int i;
	int err = 0;

	nodes = table_new(&t, ES_AF_INET6, RACE_ROUNDS * 12 + 16);
	if (!ASSERT_TRUE(r && nodes, "alloc"))
		goto cleanup;
	rng_seed(99);
	r->t = &t;
	for (i = 0; i < RACE_ROUNDS; i++) {
		r->addrs[i] = base;
		addr_random_host(&r->addrs[i], ES_AF_INET6, 32);
	}
	ASSERT_OK(es_table_insert(&t, &base, 32, 1), "insert /32");
	if (!ASSERT_OK(pthread_create(&reader, NULL, race_reader, r),
		       "pthread_create"))
		goto cleanup;
	while (!__atomic_load_n(&r->started, __ATOMIC_ACQUIRE))
		;
	for (i = 0; i < RACE_ROUNDS && !err; i++) {
		__atomic_store_n(&r->cur, i, __ATOMIC_RELEASE);
		err = es_table_insert(&t, &r->addrs[i], 128, 2);
		err = err ?: es_table_insert(&t, &r->addrs[i], 128, 3);
		err = err ?: es_table_delete(&t, &r->addrs[i], 128, 1, 32);
		err = err ?: es_table_insert(&t, &r->addrs[i], 128, 2);
	}
	__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
	pthread_join(reader, NULL);
	ASSERT_OK(err, "writer");
	ASSERT_TRUE(r->lookups > 0, "reader ran");
	ASSERT_EQ(r->violations, 0, "answers neither old nor new");
	check_table(&t, false);
cleanup:
	free(nodes);
	free(r);
}

int main(void)
{
	RUN_TEST(test_nested_v4);
	RUN_TEST(test_nested_v6);
	RUN_TEST(test_invalid_arguments);
	RUN_TEST(test_enospc_changes_nothing);
	RUN_TEST(test_groups_published);
	RUN_TEST(test_reference_v4);
	RUN_TEST(test_reference_v6);
	RUN_TEST(test_build_equals_incremental_v4);
	RUN_TEST(test_build_equals_incremental_v6);
	RUN_TEST(test_concurrent_reader);
	return es_test_exit();
}

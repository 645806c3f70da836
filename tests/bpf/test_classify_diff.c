// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Differential test of the classifier: the real XDP program against the
 * kernel's own BPF_MAP_TYPE_LPM_TRIE holding the same prefixes.
 *
 * Every prefix steers to one of ES_DIFF_POPS tunnel POPs (or is "local" /
 * "drop"), so the POP a packet is encapsulated to tells which prefix the
 * program matched; the LPM trie says which it should have matched. Random
 * adds, changes and deletes are interleaved with the lookups, so the
 * incremental table updates are checked, not just a bulk build, and a
 * bulk replace is checked at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "fixture.h"
#include "pkt.h"
#include "test.h"

#define ES_DIFF_POPS		250	/* POP ids 1..250 */
#define DIFF_LOCAL		251	/* pseudo-outcomes for the oracle */
#define DIFF_DROP		252
#define DIFF_NONE		0

#define V4_PREFIXES		100000
#define V6_PREFIXES		50000
#define V6_ALLOCATIONS		3000	/* random /32s most prefixes live under */
#define ROUNDS			10
#define LOOKUPS_PER_ROUND	100000	/* x ROUNDS = 1,000,000 per family */
#define CHURN_PER_ROUND		5000	/* adds + changes + deletes per round */

static const __u8 nh_smac[6] = { 0x02, 0, 0, 0, 0xaa, 0x01 };
static const __u8 nh_dmac[6] = { 0x02, 0, 0, 0, 0xaa, 0x02 };
static const __u8 client_mac[6] = { 0x02, 0, 0, 0, 0xbb, 0x01 };
static const __u8 edge_mac[6] = { 0x02, 0, 0, 0, 0xbb, 0x02 };

/* xorshift64*: reproducible, seed printed on failure */
static __u64 rng_state;
static __u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

struct lpm_key4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct lpm_key6 {
	__u32 prefixlen;
	__u8 addr[16];
};

struct prefix {
	struct es_addr addr;
	__u8 len;
	__u8 outcome;		/* POP id, DIFF_LOCAL or DIFF_DROP */
	bool live;
};

struct family_case {
	__u8 family;
	int bits;
	int oracle_fd;
	struct prefix *v;
	size_t n;
	/* IPv6: the allocations prefixes cluster under */
	struct es_addr *alloc;
};

static void mask(struct es_addr *a, int bits, int len)
{
	for (int i = 0; i < bits / 8; i++) {
		int keep = len - i * 8;

		if (keep >= 8)
			continue;
		a->v6[i] &= keep <= 0 ? 0 : (__u8)(0xff << (8 - keep));
	}
}

static int random_len_v4(void)
{
	/* shaped like a real table: mostly /24, a spread of shorter and
	 * longer ones, and every length from /0 to /32 present */
	__u64 r = rnd() % 100;

	if (r < 50)
		return 24;
	if (r < 60)
		return 16 + rnd() % 8;
	if (r < 70)
		return 8 + rnd() % 8;
	if (r < 72)
		return rnd() % 8;
	return 25 + rnd() % 8;
}

static void random_prefix(struct family_case *fc, struct prefix *p)
{
	memset(&p->addr, 0, sizeof(p->addr));
	if (fc->family == ES_AF_INET) {
		p->len = random_len_v4();
		p->addr.v4 = (__be32)rnd();
	} else {
		__u64 r = rnd() % 100;

		if (r < 85) {
			/* under an allocation: /32../48 mostly, some long ones */
			p->addr = fc->alloc[rnd() % V6_ALLOCATIONS];
			for (int i = 4; i < 16; i++)
				p->addr.v6[i] = rnd();
			p->len = r < 70 ? 32 + rnd() % 17 : 49 + rnd() % 80;
		} else {
			/* scattered over 2000::/3, any length */
			for (int i = 0; i < 16; i++)
				p->addr.v6[i] = rnd();
			p->addr.v6[0] = 0x20 | (p->addr.v6[0] & 0x1f);
			p->len = r < 97 ? 3 + rnd() % 45 : rnd() % 129;
		}
	}
	mask(&p->addr, fc->bits, p->len);
	p->outcome = 1 + rnd() % (ES_DIFF_POPS + 2);	/* POPs, local, drop */
	p->live = true;
}

static int oracle_update(struct family_case *fc, const struct prefix *p, bool del)
{
	struct lpm_key6 k6 = { .prefixlen = p->len };
	__u32 val = p->outcome;
	int err;

	memcpy(k6.addr, p->addr.v6, fc->bits / 8);
	if (del)
		err = bpf_map_delete_elem(fc->oracle_fd, &k6);
	else
		err = bpf_map_update_elem(fc->oracle_fd, &k6, &val, BPF_ANY);
	return err ? -errno : 0;
}

static int program_update(struct es_state *st, struct family_case *fc, const struct prefix *p,
			  bool del)
{
	struct es_steering s = { 0 };

	if (del)
		return es_prefix_del(st, fc->family, &p->addr, p->len);
	if (p->outcome == DIFF_LOCAL) {
		s.action = ES_ACTION_LOCAL;
	} else if (p->outcome == DIFF_DROP) {
		s.action = ES_ACTION_DROP;
	} else {
		s.action = ES_ACTION_POPS;
		s.npops = 1;
		s.pops[0] = p->outcome;
	}
	return es_prefix_set(st, fc->family, &p->addr, p->len, &s);
}

static __u8 oracle_lookup(struct family_case *fc, const struct es_addr *a)
{
	struct lpm_key6 k6 = { .prefixlen = fc->bits };
	__u32 val;

	memcpy(k6.addr, a->v6, fc->bits / 8);
	if (bpf_map_lookup_elem(fc->oracle_fd, &k6, &val))
		return DIFF_NONE;
	return val;
}

/* The outcome the XDP program gives a UDP packet from a to the VIP. */
static int program_lookup(struct es_state *st, struct family_case *fc, const struct es_addr *a,
			  struct pkt *p, unsigned char *out)
{
	size_t src_off = pkt_off(p, fc->family == ES_AF_INET ? PKT_IPV4 : PKT_IPV6, 0) +
			 (fc->family == ES_AF_INET ? 12 : 8);
	__u64 local_before = fx_counter(st, ES_CNT_LOCAL_DECISION);
	size_t out_len;
	int verdict;

	/* only the source changes; the UDP checksum does not matter here
	 * since every tunnel is IPIP (nothing sums the inner packet) */
	memcpy(p->data + src_off, a->v6, fc->bits / 8);
	verdict = fx_run(st, p->data, p->len, out, 512, &out_len);
	switch (verdict) {
	case XDP_REDIRECT:
		/* outer IPv4 destination 198.18.0.N: N is the POP id */
		return out_len > 34 ? out[14 + 19] : -1;
	case XDP_DROP:
		return DIFF_DROP;
	case XDP_PASS:
		return fx_counter(st, ES_CNT_LOCAL_DECISION) != local_before ? DIFF_LOCAL
									      : DIFF_NONE;
	default:
		return -1;
	}
}

static struct es_addr random_probe(struct family_case *fc)
{
	struct es_addr a = { 0 };
	__u64 r = rnd() % 100;

	if (r < 70) {
		/* inside a live prefix, random host part */
		const struct prefix *p = &fc->v[rnd() % fc->n];
		struct es_addr host = { 0 };

		for (int i = 0; i < fc->bits / 8; i++)
			host.v6[i] = rnd();
		a = p->addr;
		for (int i = 0; i < fc->bits / 8; i++) {
			int keep = p->len - i * 8;
			__u8 m = keep >= 8 ? 0xff : keep <= 0 ? 0 : (__u8)(0xff << (8 - keep));

			a.v6[i] = (a.v6[i] & m) | (host.v6[i] & ~m);
		}
	} else {
		for (int i = 0; i < fc->bits / 8; i++)
			a.v6[i] = rnd();
		if (fc->family == ES_AF_INET6 && r < 90)
			a.v6[0] = 0x20 | (a.v6[0] & 0x1f);
	}
	return a;
}

static void build_probe(struct family_case *fc, struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, edge_mac, client_mac);
	if (fc->family == ES_AF_INET)
		pkt_ipv4(p, "192.0.2.1", "203.0.113.10", IPPROTO_UDP, NULL, 0);
	else
		pkt_ipv6(p, "2001:db8::1", "2001:db8:ffff::10", IPPROTO_UDP);
	pkt_udp(p, 40000, 53);
	pkt_pattern(p, 16, 7);
	pkt_finish(p);
}

/* Classify one address both ways; true when they agree. */
static bool compare_one(struct es_state *st, struct family_case *fc, const struct es_addr *a,
			struct pkt *probe, unsigned char *out)
{
	__u8 want = oracle_lookup(fc, a);
	int got = program_lookup(st, fc, a, probe, out);
	char buf[64];

	if (got == want)
		return true;
	inet_ntop(fc->family == ES_AF_INET ? AF_INET : AF_INET6, a->v6, buf, sizeof(buf));
	fprintf(stdout, "  %s: program says %d, LPM trie says %d\n", buf, got, want);
	return false;
}

static struct es_state *setup(void)
{
	struct es_state *st = fx_open(65536, 262144);
	char endpoint[32];

	if (!st)
		return NULL;
	fx_config(st, 0, NULL, 6080);
	for (int id = 1; id <= ES_DIFF_POPS; id++) {
		snprintf(endpoint, sizeof(endpoint), "198.18.0.%d", id);
		if (fx_pop_tunnel(st, id, "p", endpoint, "198.18.1.1", ES_ENCAP_IPIP, 0, 999,
				  nh_smac, nh_dmac)) {
			es_state_close(st);
			return NULL;
		}
	}
	fx_vip(st, "203.0.113.10", 0, 0);
	fx_vip(st, "2001:db8:ffff::10", 0, 0);
	return st;
}

static int oracle_create(int bits)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);

	return bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "diff_oracle", 4 + bits / 8, 4,
			      V4_PREFIXES * 2, &opts);
}

static void run_family(__u8 family)
{
	struct family_case fc = { .family = family, .bits = family == ES_AF_INET ? 32 : 128 };
	size_t target = family == ES_AF_INET ? V4_PREFIXES : V6_PREFIXES;
	unsigned char *out = malloc(512);
	struct es_state *st = setup();
	size_t mismatches = 0, lookups = 0;
	struct pkt *probe = malloc(sizeof(*probe));

	rng_state = 0x9e3779b97f4a7c15ull ^ family;
	fprintf(stdout, "  seed 0x%llx\n", (unsigned long long)rng_state);
	if (!ASSERT_TRUE(st && out && probe, "setup"))
		goto out;
	fc.oracle_fd = oracle_create(fc.bits);
	if (!ASSERT_TRUE(fc.oracle_fd >= 0, "LPM trie oracle"))
		goto out;
	fc.v = calloc(target + ROUNDS * CHURN_PER_ROUND, sizeof(*fc.v));
	fc.alloc = calloc(V6_ALLOCATIONS, sizeof(*fc.alloc));
	for (int i = 0; i < V6_ALLOCATIONS; i++) {
		for (int b = 0; b < 4; b++)
			fc.alloc[i].v6[b] = rnd();
		fc.alloc[i].v6[0] = 0x20 | (fc.alloc[i].v6[0] & 0x1f);
	}

	/* the always-there extremes: /0, host routes, nested chains */
	fc.v[fc.n].len = 0;
	fc.v[fc.n].outcome = 1;
	fc.v[fc.n++].live = true;
	while (fc.n < target) {
		struct prefix *p = &fc.v[fc.n];

		random_prefix(&fc, p);
		if (fc.n % 1000 == 0)
			p->len = fc.bits;	/* host routes */
		mask(&p->addr, fc.bits, p->len);
		if (!ASSERT_OK(program_update(st, &fc, p, false), "program add") ||
		    !ASSERT_OK(oracle_update(&fc, p, false), "oracle add"))
			goto out;
		/* nest: same address, a longer prefix now and then */
		if (fc.n % 97 == 0 && p->len < fc.bits && fc.n + 1 < target) {
			struct prefix *q = &fc.v[++fc.n];

			*q = *p;
			q->len = p->len + 1 + rnd() % (fc.bits - p->len);
			q->outcome = 1 + rnd() % ES_DIFF_POPS;
			if (program_update(st, &fc, q, false) || oracle_update(&fc, q, false)) {
				ASSERT_TRUE(false, "nested add");
				goto out;
			}
		}
		fc.n++;
	}
	program_update(st, &fc, &fc.v[0], false);
	oracle_update(&fc, &fc.v[0], false);

	build_probe(&fc, probe);
	for (int round = 0; round < ROUNDS; round++) {
		/* churn: changes, deletes, adds */
		for (int c = 0; c < CHURN_PER_ROUND; c++) {
			struct prefix *p = &fc.v[rnd() % fc.n];
			__u64 op = rnd() % 3;
			int e1, e2;

			if (op == 0 && p->live) {
				p->outcome = 1 + rnd() % (ES_DIFF_POPS + 2);
				e1 = program_update(st, &fc, p, false);
				e2 = oracle_update(&fc, p, false);
			} else if (op == 1 && p->live) {
				e1 = program_update(st, &fc, p, true);
				e2 = oracle_update(&fc, p, true);
				p->live = false;
				/* a duplicate entry may have deleted it already:
				 * both sides must say so */
				if (e1 == -ENOENT && e2 == -ENOENT)
					e1 = e2 = 0;
			} else {
				struct prefix *q = &fc.v[fc.n++];

				random_prefix(&fc, q);
				/* a duplicate of a live prefix is a change in both */
				e1 = program_update(st, &fc, q, false);
				e2 = oracle_update(&fc, q, false);
			}
			if (!ASSERT_OK(e1, "program update") || !ASSERT_OK(e2, "oracle update"))
				goto out;
		}
		for (int i = 0; i < LOOKUPS_PER_ROUND; i++) {
			struct es_addr a = random_probe(&fc);

			lookups++;
			if (!compare_one(st, &fc, &a, probe, out) && ++mismatches > 20)
				break;
		}
		if (mismatches)
			break;
	}
	fprintf(stdout, "  %zu prefixes touched, %zu lookups, %zu mismatches, %u groups used\n",
		fc.n, lookups, mismatches, es_table_groups_used(&es_state_table(st, family)->t));
	ASSERT_EQ(mismatches, 0, "lookups that differ from the LPM trie");

	/* bulk replace with what the oracle holds: the rebuilt table must
	 * agree too */
	if (!mismatches) {
		struct es_prefix_spec *specs = calloc(fc.n + 1, sizeof(*specs));
		struct lpm_key6 key, next;
		void *prev = NULL;
		size_t ns = 0;
		__u32 val;
		int err;

		while (ns <= fc.n && bpf_map_get_next_key(fc.oracle_fd, prev, &next) == 0) {
			key = next;
			prev = &key;
			if (bpf_map_lookup_elem(fc.oracle_fd, &key, &val))
				continue;
			specs[ns].family = family;
			specs[ns].len = key.prefixlen;
			memcpy(specs[ns].addr.v6, key.addr, fc.bits / 8);
			if (val == DIFF_LOCAL) {
				specs[ns].steer.action = ES_ACTION_LOCAL;
			} else if (val == DIFF_DROP) {
				specs[ns].steer.action = ES_ACTION_DROP;
			} else {
				specs[ns].steer.action = ES_ACTION_POPS;
				specs[ns].steer.npops = 1;
				specs[ns].steer.pops[0] = val;
			}
			ns++;
		}
		err = es_prefixes_replace(st, specs, ns);
		free(specs);
		if (ASSERT_OK(err, "es_prefixes_replace")) {
			for (int i = 0; i < LOOKUPS_PER_ROUND; i++) {
				struct es_addr a = random_probe(&fc);

				if (!compare_one(st, &fc, &a, probe, out) && ++mismatches > 20)
					break;
			}
			ASSERT_EQ(mismatches, 0, "lookups after replace that differ");
		}
	}
out:
	if (fc.oracle_fd > 0)
		close(fc.oracle_fd);
	free(fc.v);
	free(fc.alloc);
	free(probe);
	free(out);
	es_state_close(st);
}

static void test_classify_v4_vs_lpm_trie(void)
{
	run_family(ES_AF_INET);
}

static void test_classify_v6_vs_lpm_trie(void)
{
	run_family(ES_AF_INET6);
}

int main(void)
{
	RUN_TEST(test_classify_v4_vs_lpm_trie);
	RUN_TEST(test_classify_v6_vs_lpm_trie);
	return es_test_exit();
}

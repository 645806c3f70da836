// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What classifying a source address costs, against the size of the prefix
 * table: 1; 1,000; 100,000; 1,000,000 IPv4 prefixes and 1,000; 100,000;
 * 262,144 IPv6 prefixes of a realistic length mix (lib/table.h).
 *
 * Three programs from classify.bpf.c do one lookup per run each, taking
 * the next client address from an array:
 *   - edgesteer's classify(), on the live tables of a private edgesteer
 *     instance loaded with the table by es_prefixes_replace() (the
 *     program reuses that instance's classify_v4/classify_v6 maps);
 *   - the kernel's LPM trie holding the same prefixes, each with the
 *     decision id edgesteer gave it (what Katran and Cilium use);
 *   - one read of a 2^24-entry flat array: the floor.
 * Client addresses are (a) fixed: one address, repeated; (b) random:
 * 1,048,576 addresses uniform over the space the table covers, cycled;
 * (c) prefixes: as many, each from a prefix chosen uniformly, which
 * reaches the long prefixes (b) almost never draws.
 *
 * Before timing, edgesteer and the LPM trie must agree (same decision id,
 * never "no prefix") on a few thousand of the sampled addresses; any
 * disagreement ends the run with exit 1.
 *
 * Timing: BPF_PROG_TEST_RUN with a large repeat (the programs never touch
 * the packet, so re-running the same buffer is valid), the three programs
 * interleaved in rounds. A round's figure is the kernel's own ns per run
 * (whole ns, truncated: up to 1 ns low, alike for all three); wall time
 * is useless here, as every call with repeat > 1 also swaps the program
 * into the XDP dispatcher and back, some 16 ms of RCU grace periods. Each
 * program's figure is its median round. Afterwards every program's cursor
 * must stand where exactly the runs made leave it.
 *
 * Results, unit ns per lookup, for F in v4/v6, N prefixes, SRC source:
 *   classify.F.N.SRC.flat       the floor (baseline of the next two)
 *   classify.F.N.SRC.lpm_trie   kernel LPM trie, against the floor
 *   classify.F.N.SRC            edgesteer, against the LPM trie
 *   classify.F.N.SRC.vs_flat    edgesteer again, against the floor
 *
 * Usage: bench_classify [--quick]   (--quick skips the largest tables)
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "prefixes.h"
#include "report.h"
#include "table.h"

#define NADDRS		(1u << 20)	/* client addresses cycled through */
#define NVERIFY		2048		/* per source, checked against the LPM trie */
#define NSTEER		64		/* distinct steerings, so decision ids differ */
#define MAX_ROUNDS	16

enum { PROG_EDGESTEER, PROG_LPM, PROG_FLAT, PROG_MAX };

static const char *const prog_names[PROG_MAX] = {
	"classify_edgesteer", "classify_lpm", "classify_flat",
};

/* The .bss of classify.bpf.c, mapped: same layout as struct classify_ctl
 * there (the size is checked at load). */
struct classify_ctl {
	__u32 naddrs;
	__u32 family;
	__u32 cursor[PROG_MAX];
	__u32 result[PROG_MAX];
};

struct lpm_key {
	__u32 prefixlen;
	__u8 addr[16];		/* 4 used for IPv4 */
};

/* One load of classify.bpf.o, for one table. */
struct progs {
	struct bpf_object *obj;
	int fd[PROG_MAX];
	int lpm_fd;
	struct classify_ctl *ctl;
	size_t ctl_len;
	struct es_addr *addrs;	/* NADDRS, mapped */
};

struct run {
	struct bench_opts o;
	struct es_state *st;
	char obj_path[PATH_MAX];
	unsigned int repeat;	/* lookups per BPF_PROG_TEST_RUN call */
	int rounds;
	struct es_steering steer[NSTEER];
	__u32 decision[NSTEER];	/* the decision id each steering got */
};

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_classify: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static int print_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* classify.bpf.o sits next to this binary in the build tree. */
static void find_object(struct run *r)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		die("/proc/self/exe", errno);
	exe[n] = 0;
	snprintf(r->obj_path, sizeof(r->obj_path), "%s/classify.bpf.o", dirname(exe));
}

/* ---- the table ----------------------------------------------------------- */

/* Steering class of a prefix: a function of the prefix alone, so that a
 * prefix keeps its steering from one table to the next (a changed one
 * would become a transition decision with an id of its own). */
static unsigned int steer_class(const struct es_prefix_spec *p)
{
	__u64 h = 0xcbf29ce484222325ull ^ p->len;
	const __u8 *b = (const __u8 *)&p->addr;

	for (size_t i = 0; i < sizeof(p->addr); i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return (unsigned int)(h >> 32) % NSTEER;
}

static void steerings_init(struct run *r)
{
	for (int k = 0; k < NSTEER; k++) {
		struct es_steering *s = &r->steer[k];

		s->action = ES_ACTION_POPS;
		s->npops = 1 + k / 32;
		s->pops[0] = 2 + k % 32;
		s->pops[1] = 2 + (k + 1) % 32;
	}
}

static void table_make(struct run *r, struct bench_table *t, __u8 family, size_t n)
{
	int err = bench_table_make(t, family, n, 0x5eed0000u + n + family, &r->steer[0]);

	if (err)
		die("table", err);
	for (size_t i = 0; i < t->n; i++)
		t->v[i].steer = r->steer[steer_class(&t->v[i])];
}

/* The decision id of each steering class present, from the RIB. */
static void decisions_read(struct run *r, const struct bench_table *t)
{
	size_t found = 0;

	memset(r->decision, 0, sizeof(r->decision));
	for (size_t i = 0; i < t->n && found < NSTEER; i++) {
		const struct es_prefix_spec *p = &t->v[i];
		unsigned int k = steer_class(p);
		int err;

		if (r->decision[k])
			continue;
		err = es_prefix_get(r->st, p->family, &p->addr, p->len, NULL, &r->decision[k]);
		if (err)
			die("prefix get", err);
		found++;
	}
}

/* ---- the programs ---------------------------------------------------------- */

static void *map_mmap(struct bpf_map *m, size_t len)
{
	void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);

	if (mem == MAP_FAILED)
		die(bpf_map__name(m), errno);
	return mem;
}

/* Reuse the instance's classifier maps, create this object's own, and
 * leave the rest of maps.h (which classify.h pulls in) uncreated. Nothing
 * is pinned. */
static void maps_prepare(struct run *r, struct bpf_object *obj, __u8 family, size_t n)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		int err = bpf_map__set_pin_path(m, NULL);

		if (!err && !strcmp(name, "classify_v4"))
			err = bpf_map__reuse_fd(m, r->st->v4.outer_fd);
		else if (!err && !strcmp(name, "classify_v6"))
			err = bpf_map__reuse_fd(m, r->st->v6.outer_fd);
		else if (!err && !strcmp(name, "addrs"))
			err = bpf_map__set_max_entries(m, NADDRS);
		else if (!err && !strcmp(name, "lpm_v4") && family == ES_AF_INET)
			err = bpf_map__set_max_entries(m, n);
		else if (!err && !strcmp(name, "lpm_v6") && family == ES_AF_INET6)
			err = bpf_map__set_max_entries(m, n);
		else if (!err && !bpf_map__is_internal(m) && strcmp(name, "flat") &&
			 strncmp(name, "lpm_", 4))
			err = bpf_map__set_autocreate(m, false);
		if (err)
			die(name, err);
	}
}

static void progs_load(struct run *r, struct progs *p, __u8 family, size_t n)
{
	struct bpf_map *bss;
	int err;

	memset(p, 0, sizeof(*p));
	p->obj = bpf_object__open_file(r->obj_path, NULL);
	if (!p->obj)
		die(r->obj_path, errno);
	maps_prepare(r, p->obj, family, n);
	err = bpf_object__load(p->obj);
	if (err)
		die("loading classify.bpf.o", err);
	for (int i = 0; i < PROG_MAX; i++)
		p->fd[i] = bpf_program__fd(bpf_object__find_program_by_name(p->obj, prog_names[i]));
	p->lpm_fd = bpf_object__find_map_fd_by_name(p->obj,
						    family == ES_AF_INET ? "lpm_v4" : "lpm_v6");
	bss = bpf_object__find_map_by_name(p->obj, ".bss");
	if (!bss || bpf_map__value_size(bss) != sizeof(struct classify_ctl)) {
		fprintf(stderr, "bench_classify: classify.bpf.o: .bss is not struct classify_ctl\n");
		exit(1);
	}
	p->ctl_len = sysconf(_SC_PAGESIZE);
	p->ctl = map_mmap(bss, p->ctl_len);
	p->ctl->family = family;
	p->addrs = map_mmap(bpf_object__find_map_by_name(p->obj, "addrs"),
			    (size_t)NADDRS * sizeof(*p->addrs));
}

static void progs_close(struct progs *p)
{
	munmap(p->addrs, (size_t)NADDRS * sizeof(*p->addrs));
	munmap(p->ctl, p->ctl_len);
	bpf_object__close(p->obj);
}

/* The LPM trie gets every prefix with the decision id edgesteer gave it.
 * One syscall per prefix: the trie has no batch update. */
static void lpm_fill(struct run *r, struct progs *p, const struct bench_table *t)
{
	size_t alen = t->family == ES_AF_INET ? 4 : 16;

	for (size_t i = 0; i < t->n; i++) {
		struct lpm_key k = { .prefixlen = t->v[i].len };
		__u32 v = r->decision[steer_class(&t->v[i])];

		memcpy(k.addr, &t->v[i].addr, alen);
		if (bpf_map_update_elem(p->lpm_fd, &k, &v, BPF_NOEXIST))
			die("LPM trie insert", errno);
	}
}

/* One BPF_PROG_TEST_RUN of repeat runs; the kernel's ns per run. */
static unsigned int run_prog(int fd, unsigned int repeat)
{
	static const unsigned char frame[64];	/* never read */
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = sizeof(frame),
		.repeat = repeat,
	);

	if (bpf_prog_test_run_opts(fd, &opts))
		die("BPF_PROG_TEST_RUN", errno);
	if (opts.retval != XDP_PASS) {
		fprintf(stderr, "bench_classify: verdict %u, expected XDP_PASS\n", opts.retval);
		exit(1);
	}
	return opts.duration;
}

/* ---- checking and timing ------------------------------------------------- */

/* edgesteer and the LPM trie give the same decision for the first n
 * addresses, and every one of them is covered (all samples lie inside
 * a prefix of the table). Returns the number of distinct decisions seen:
 * agreement means little if every prefix had the same one. */
static unsigned int verify(struct progs *p, size_t n, const char *what)
{
	static __u8 seen[ES_MAX_DECISIONS];
	unsigned int distinct = 0;

	memset(seen, 0, sizeof(seen));
	p->ctl->naddrs = n;
	for (size_t i = 0; i < n; i++) {
		__u32 es, lpm;

		p->ctl->cursor[PROG_EDGESTEER] = p->ctl->cursor[PROG_LPM] = i;
		run_prog(p->fd[PROG_EDGESTEER], 1);
		run_prog(p->fd[PROG_LPM], 1);
		es = p->ctl->result[PROG_EDGESTEER];
		lpm = p->ctl->result[PROG_LPM];
		if (es != lpm || !es || es >= ES_MAX_DECISIONS) {
			fprintf(stderr, "bench_classify: %s: address %zu: edgesteer decision %u, "
				"LPM trie %u\n", what, i, es, lpm);
			exit(1);
		}
		distinct += !seen[es];
		seen[es] = 1;
	}
	return distinct;
}

/* Where a cursor stands after `runs` runs from 0 over n addresses. */
static __u32 cursor_after(unsigned long long runs, __u32 n)
{
	return runs ? (__u32)((runs - 1) % n) + 1 : 0;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static double median(unsigned int *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_uint);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* The three programs over the first n addresses, interleaved in rounds;
 * ns[] gets each one's median round, per lookup. */
static void time_programs(const struct run *r, struct progs *p, __u32 n, double ns[PROG_MAX],
			  const char *what)
{
	unsigned int dur[PROG_MAX][MAX_ROUNDS];
	__u32 want = cursor_after((unsigned long long)r->repeat * r->rounds, n);

	p->ctl->naddrs = n;
	memset(p->ctl->cursor, 0, sizeof(p->ctl->cursor));
	for (int round = 0; round < r->rounds; round++) {
		for (int j = 0; j < PROG_MAX; j++) {
			int k = (round + j) % PROG_MAX;	/* no program always first */

			dur[k][round] = run_prog(p->fd[k], r->repeat);
		}
	}
	for (int k = 0; k < PROG_MAX; k++) {
		if (p->ctl->cursor[k] != want) {
			fprintf(stderr, "bench_classify: %s: %s: cursor at %u after %u runs "
				"of %u, expected %u\n", what, prog_names[k], p->ctl->cursor[k],
				r->rounds, r->repeat, want);
			exit(1);
		}
		ns[k] = median(dur[k], r->rounds);
	}
	/* same last address: same answer */
	if (p->ctl->result[PROG_EDGESTEER] != p->ctl->result[PROG_LPM]) {
		fprintf(stderr, "bench_classify: %s: last lookup: edgesteer %u, LPM trie %u\n",
			what, p->ctl->result[PROG_EDGESTEER], p->ctl->result[PROG_LPM]);
		exit(1);
	}
}

static void report(const char *fam, size_t n, const char *src, const double ns[PROG_MAX])
{
	char base[96], flat[112], lpm[112], vs[112];

	snprintf(base, sizeof(base), "classify.%s.%zu.%s", fam, n, src);
	snprintf(flat, sizeof(flat), "%s.flat", base);
	snprintf(lpm, sizeof(lpm), "%s.lpm_trie", base);
	snprintf(vs, sizeof(vs), "%s.vs_flat", base);
	bench_result(flat, ns[PROG_FLAT], "ns", NULL);
	bench_result(lpm, ns[PROG_LPM], "ns", flat);
	bench_result(base, ns[PROG_EDGESTEER], "ns", lpm);
	bench_result(vs, ns[PROG_EDGESTEER], "ns", flat);
}

static void source_run(const struct run *r, struct progs *p, const char *fam, size_t n,
		       const char *src, __u32 naddrs)
{
	char what[96];
	double ns[PROG_MAX];

	snprintf(what, sizeof(what), "%s %zu prefixes, %s sources", fam, n, src);
	time_programs(r, p, naddrs, ns, what);
	report(fam, n, src, ns);
}

/* ---- one table ------------------------------------------------------------ */

static unsigned long long fdinfo_memlock(int fd)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void memory_note(struct run *r, struct progs *p, __u8 family)
{
	const struct es_table *t = &es_state_table(r->st, family)->t;
	double mib = 1024.0 * 1024.0;
	__u32 used = es_table_groups_used(t);

	bench_note("memory: edgesteer %.1f MiB (64 MiB root + %u of %u 1-KiB groups), "
		   "LPM trie %.1f MiB (memlock: leaves only)",
		   (ES_FIRST_GROUP + (double)used) * sizeof(struct es_node) / mib, used,
		   es_table_groups_capacity(t), fdinfo_memlock(p->lpm_fd) / mib);
}

static void table_run(struct run *r, __u8 family, size_t n)
{
	const char *fam = family == ES_AF_INET ? "v4" : "v6";
	unsigned long long t0, t_es, t_lpm;
	unsigned int distinct, d;
	struct bench_table t;
	struct progs p;
	char title[96], what[96];
	int err;

	snprintf(title, sizeof(title), "classify: %s, %zu prefixes (ns per lookup)", fam, n);
	bench_section(title);
	table_make(r, &t, family, n);
	t0 = bench_now_ns();
	err = es_prefixes_replace(r->st, t.v, t.n);
	if (err)
		die("es_prefixes_replace", err);
	t_es = bench_now_ns() - t0;
	decisions_read(r, &t);
	progs_load(r, &p, family, t.n);
	t0 = bench_now_ns();
	lpm_fill(r, &p, &t);
	t_lpm = bench_now_ns() - t0;
	bench_note("loaded in %.2f s (edgesteer, replacing the last table), %.2f s (LPM trie)",
		   t_es / 1e9, t_lpm / 1e9);
	memory_note(r, &p, family);

	/* random first: the fixed source is its first address, alone */
	bench_table_sample_space(&t, p.addrs, NADDRS, 0xadd0000u + n);
	snprintf(what, sizeof(what), "%s %zu prefixes, random sources", fam, n);
	distinct = verify(&p, NVERIFY, what);
	source_run(r, &p, fam, n, "fixed", 1);
	source_run(r, &p, fam, n, "random", NADDRS);
	bench_table_sample_prefixes(&t, p.addrs, NADDRS, 0xbeef0000u + n);
	snprintf(what, sizeof(what), "%s %zu prefixes, prefix-uniform sources", fam, n);
	d = verify(&p, NVERIFY, what);
	distinct = d > distinct ? d : distinct;
	source_run(r, &p, fam, n, "prefixes", NADDRS);
	if (distinct < (t.n < NSTEER ? 1 : NSTEER / 2)) {
		fprintf(stderr, "bench_classify: %s %zu prefixes: only %u distinct decisions\n",
			fam, n, distinct);
		exit(1);
	}
	bench_note("edgesteer = LPM trie on %d sampled addresses; distinct decisions: %u",
		   2 * NVERIFY, distinct);
	if (family == ES_AF_INET6)
		bench_note("v6 floor: clustered clients' top 24 bits hit few cache lines");

	progs_close(&p);
	bench_table_free(&t);
}

int main(int argc, char **argv)
{
	static const size_t v4_sizes[] = { 1, 1000, 100000, 1000000 };
	static const size_t v6_sizes[] = { 1000, 100000, 262144 };
	/* the default table sizes hold the largest tables (1M IPv4 prefixes
	 * use ~41,000 groups of 65,536, 262,144 IPv6 ~214,000 of 262,144) */
	struct es_limits lim = { .flows = 1024 };
	struct run r = { 0 };
	int err;

	bench_parse_args(argc, argv, &r.o, "bench_classify [--quick]");
	libbpf_set_print(print_warnings);
	find_object(&r);
	steerings_init(&r);
	/* full: every address of the random sources is visited */
	r.repeat = r.o.quick ? 65536 : 131072;
	r.rounds = r.o.quick ? 5 : 9;
	err = es_state_load(&r.st, NULL, &lim);
	if (err)
		die("loading edgesteer", err);

	for (size_t i = 0; i < sizeof(v4_sizes) / sizeof(v4_sizes[0]); i++) {
		if (r.o.quick && v4_sizes[i] == 1000000)
			continue;
		table_run(&r, ES_AF_INET, v4_sizes[i]);
	}
	if (r.o.quick)
		bench_note("--quick: 1,000,000 IPv4 prefixes skipped");
	for (size_t i = 0; i < sizeof(v6_sizes) / sizeof(v6_sizes[0]); i++) {
		if (r.o.quick && v6_sizes[i] == 262144)
			continue;
		table_run(&r, ES_AF_INET6, v6_sizes[i]);
	}
	if (r.o.quick)
		bench_note("--quick: 262,144 IPv6 prefixes skipped");
	es_state_close(r.st);
	return 0;
}

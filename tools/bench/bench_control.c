// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The control plane, measured through the real `edgesteer` binary: every
 * figure is the wall time (or memory) of CLI processes run as an operator
 * runs them, against pinned state under a private bpffs mount.
 *
 *   load.v4.N, load.v4.N.gz    `prefix load FILE` of an N-line table into a
 *                              new instance, until the CLI returns
 *   load.v4.N.replace          `prefix load FILE.gz replace` of a different
 *                              full table over a full table
 *   load.v6.M.gz               the same for an IPv6 table
 *   prefix.change              one `prefix add CIDR pops C` on the full table
 *   pop.state_change           `pop set B state down`: from starting the
 *                              process until the data path tunnels to C
 *   cli.peak_rss               ru_maxrss of the CLI loading the gzip table
 *   maps.memlock, maps.kernel  what bpftool reports for edgesteer's maps,
 *                              and what the kernel charged for them
 *
 * Baselines, measured in the same run:
 *   - load.*.lpm_trie: the same prefixes inserted into a kernel
 *     BPF_MAP_TYPE_LPM_TRIE one update per prefix, the way LPM-based
 *     loaders fill their source-routing map. It is the kernel work alone
 *     (no file to read or parse), so it flatters the baseline.
 *   - load.v4.N.replace is compared with the fresh gzip load of the same
 *     size: the ratio is what replacing a live table costs over filling an
 *     empty one.
 *   - cli.noop: `edgesteer pop show`, a read-only command: process start,
 *     opening the pins, one map read. A one-prefix change or a POP state
 *     change can hardly be cheaper; the ratio says what they add to it.
 *     cli.noop itself is given against cli.start, `edgesteer version`
 *     (the process alone, no state opened): what opening the state costs.
 *   - cli.table_specs: N x sizeof(struct es_prefix_spec), the parsed table
 *     held once. The CLI validates the whole file before applying it (by
 *     design), so it must hold at least that.
 *   - maps.lpm_trie.*: the same measures for an LPM trie holding the same
 *     prefixes.
 * Loads are repeated in rounds interleaved with their baseline; a figure
 * is the median of its rounds.
 *
 * Every measurement is checked: after each load, new flows from addresses
 * of the table are tunnelled to the table's POP by the pinned program
 * (BPF_PROG_TEST_RUN), addresses of the table it replaced go where an
 * oracle (longest match by brute force) says, and `prefix lookup` names the
 * prefix the oracle names; a prefix change and a state change must change
 * where the data path sends a packet. Anything else exits 1.
 *
 * Tunnel POPs need a next hop the data path can resolve (bpf_fib_lookup),
 * so the benchmark runs in a network namespace of its own (unnamed: it
 * goes away with the process) holding a veth pair with the POPs' addresses
 * as permanent neighbours. The CLI processes run in a memory cgroup of
 * their own, which is how maps.kernel is measured (see memcg_open()).
 *
 * N = 1,000,000 and M = 262,144; --quick: 100,000 and 65,536 (the names
 * say which). A third round of loads runs only if it fits the budget.
 *
 * Usage: bench_control [--quick]     (root; $ES_BUILD/edgesteer is run)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "parse.h"
#include "pkt.h"
#include "prefixes.h"
#include "report.h"
#include "table.h"

#define PROG "bench_control"

/* The POPs every table steers to; a packet's outer destination says which
 * one the data path chose. */
#define POP_SELF_ADDR	"198.51.100.1"
#define POP_B_ADDR	"198.51.100.2"
#define POP_C_ADDR	"198.51.100.3"
#define VIP4		"203.0.113.10"
#define VIP6		"2001:db8:ffff::10"
#define STATE_CLIENT	"192.0.2.7"	/* a /32 steered B,C: the state change */

#define DATAPATH_SAMPLES	256	/* probes per table after a load */
#define PREV_SAMPLES		16	/* probes from the table replaced */
#define LOOKUP_SAMPLES		3	/* `prefix lookup` calls per load */
#define SEEN_TIMEOUT_NS		5000000000ull

struct sizes {
	size_t v4, v6;
	int rounds;	/* load rounds */
	int reps;	/* one-change repetitions */
};

/* Everything cleanup() undoes; filled as it is made. */
static struct {
	char dir[64];		/* temp dir: the files and the mount point */
	char mnt[96];
	char pin[128];		/* the current instance: mnt/edgesteerN */
	bool mounted;
	char cg[2][PATH_MAX];	/* memory cgroups: CLI, LPM trie */
	char cli[PATH_MAX];
	pid_t child;
	pid_t owner;		/* a forked child must not clean up */
} g;

enum { CG_CLI, CG_LPM };

/* ---- dying cleanly ------------------------------------------------------- */

/* rmdir, waiting up to a second while a task just killed leaves it. */
static int rmdir_retry(const char *dir)
{
	struct timespec ms10 = { 0, 10000000 };

	for (int i = 0; i < 100; i++) {
		if (!rmdir(dir))
			return 0;
		if (errno != EBUSY)
			return -errno;
		nanosleep(&ms10, NULL);
	}
	return -EBUSY;
}

static void cleanup(void)
{
	static const char *const files[] = { "a.txt", "a.txt.gz", "b.txt.gz", "v6.txt.gz" };
	char path[160];

	if (getpid() != g.owner)
		return;
	if (g.child > 0) {
		kill(g.child, SIGKILL);
		waitpid(g.child, NULL, 0);
		g.child = 0;
	}
	if (g.mounted && !umount2(g.mnt, MNT_DETACH))
		g.mounted = false;
	if (g.mnt[0] && !g.mounted && !rmdir(g.mnt))
		g.mnt[0] = 0;
	for (int i = 0; i < 2; i++)
		if (g.cg[i][0] && !rmdir_retry(g.cg[i]))
			g.cg[i][0] = 0;
	if (!g.dir[0])
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", g.dir, files[i]);
		unlink(path);
	}
	if (!rmdir(g.dir))
		g.dir[0] = 0;
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- running processes --------------------------------------------------- */

struct run {
	unsigned long long ns;	/* from starting the process until it was reaped */
	double maxrss_mib;	/* its peak resident set */
	char out[4096];		/* its stdout, when captured */
};

static const int handled[] = { SIGINT, SIGTERM, SIGHUP };

/* Around starting a child: cleanup() must know of it before a signal runs
 * it. The child calls signals_child() first thing. */
static void signals_hold(sigset_t *old)
{
	sigset_t block;

	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&block, handled[i]);
	sigprocmask(SIG_BLOCK, &block, old);
}

static void signals_child(const sigset_t *old)
{
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		signal(handled[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, old, NULL);
}

static void signals_release(pid_t child, const sigset_t *old)
{
	g.child = child;
	sigprocmask(SIG_SETMASK, old, NULL);
}

/*
 * Start argv[0] with stdout on out_fd in the cgroup whose cgroup.procs is
 * open as cg_fd (-1: ours). vfork: the parent resumes once the child has
 * exec'd, and no copy of this process's page tables is made (it holds the
 * tables, hundreds of MiB), so the time is the CLI's own.
 */
static pid_t spawn(char *const argv[], int out_fd, int cg_fd)
{
	sigset_t old;
	pid_t pid;

	signals_hold(&old);
	pid = vfork();
	if (!pid) {
		signals_child(&old);
		/* "0" is the writer itself */
		if (cg_fd >= 0 && write(cg_fd, "0", 1) != 1)
			_exit(126);
		if (dup2(out_fd, STDOUT_FILENO) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0)
		bench_die("vfork: %s", strerror(errno));
	signals_release(pid, &old);
	return pid;
}

static int null_fd(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		bench_die("/dev/null: %s", strerror(errno));
	return fd;
}

static int cg_procs_fd(int which)
{
	static int fd[2] = { -1, -1 };
	char path[PATH_MAX + 16];

	if (!g.cg[which][0])
		return -1;
	if (fd[which] < 0) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", g.cg[which]);
		fd[which] = open(path, O_WRONLY | O_CLOEXEC);
		if (fd[which] < 0)
			bench_die("%s: %s", path, strerror(errno));
	}
	return fd[which];
}

static void reap(pid_t pid, char *const argv[], struct run *r, unsigned long long t0)
{
	struct rusage ru;
	int status;

	if (wait4(pid, &status, 0, &ru) < 0)
		bench_die("wait4: %s", strerror(errno));
	r->ns = bench_now_ns() - t0;
	r->maxrss_mib = ru.ru_maxrss / 1024.0;
	g.child = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, PROG ": failed (status 0x%x):", status);
		for (int i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		bench_die("%s%s", r->out[0] ? "\n  stdout: " : "", r->out);
	}
}

/* Run argv to completion; capture its stdout into r->out when capture. */
static void run_argv(char *const argv[], struct run *r, bool capture)
{
	unsigned long long t0;
	int pipefd[2] = { -1, -1 };
	size_t got = 0;
	pid_t pid;

	r->out[0] = 0;
	if (capture && pipe2(pipefd, O_CLOEXEC))
		bench_die("pipe: %s", strerror(errno));
	t0 = bench_now_ns();
	pid = spawn(argv, capture ? pipefd[1] : null_fd(), cg_procs_fd(CG_CLI));
	if (capture) {
		ssize_t n;

		close(pipefd[1]);
		while ((n = read(pipefd[0], r->out + got, sizeof(r->out) - 1 - got)) > 0)
			got += n;
		r->out[got] = 0;
		close(pipefd[0]);
	}
	reap(pid, argv, r, t0);
}

#define MAX_ARGS 16

/* argv for `edgesteer --pin-path PIN ARGS...` (args NULL-terminated). */
static void cli_argv(char **argv, va_list ap)
{
	int n = 0;
	char *a;

	argv[n++] = g.cli;
	argv[n++] = "--pin-path";
	argv[n++] = g.pin;
	while ((a = va_arg(ap, char *)) && n < MAX_ARGS - 1)
		argv[n++] = a;
	argv[n] = NULL;
}

/* Run the CLI with the given arguments (NULL-terminated); exits on failure. */
static void __attribute__((sentinel)) cli(struct run *r, bool capture, ...)
{
	char *argv[MAX_ARGS];
	struct run scratch;
	va_list ap;

	va_start(ap, capture);
	cli_argv(argv, ap);
	va_end(ap);
	run_argv(argv, r ? r : &scratch, capture);
}

/* ---- the benchmark's own network namespace ------------------------------- */

static void ip(const char *args)
{
	char buf[256], *argv[MAX_ARGS] = { "/usr/sbin/ip" }, *save = NULL;
	struct run r;
	int n = 1;

	snprintf(buf, sizeof(buf), "%s", args);
	for (char *w = strtok_r(buf, " ", &save); w && n < MAX_ARGS - 1;
	     w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	if (access(argv[0], X_OK))
		argv[0] = "/sbin/ip";
	run_argv(argv, &r, false);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		bench_die("%s: %s", path, strerror(errno));
	close(fd);
}

/*
 * A namespace of our own where the tunnel POPs resolve: the FIB reaches
 * 198.51.100.0/24 through a veth, B and C are permanent neighbours there,
 * and forwarding is on (bpf_fib_lookup of a forwarded packet needs it).
 * Nothing of it outlives the process.
 */
static void netns_setup(void)
{
	if (unshare(CLONE_NEWNET))
		bench_die("unshare(CLONE_NEWNET): %s", strerror(errno));
	ip("link set lo up");
	ip("link add esb0 type veth peer name esb1");
	ip("link set esb1 up");
	ip("link set esb0 up");
	ip("addr add " POP_SELF_ADDR "/24 dev esb0");
	ip("neigh add " POP_B_ADDR " lladdr 02:00:00:00:00:0b dev esb0 nud permanent");
	ip("neigh add " POP_C_ADDR " lladdr 02:00:00:00:00:0c dev esb0 nud permanent");
	write_file("/proc/sys/net/ipv4/conf/all/forwarding", "1");
}

/* ---- memory cgroups ------------------------------------------------------ */

static const char *usage_file;	/* "memory.usage_in_bytes" (v1), "memory.current" (v2) */

static bool file_exists(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, R_OK) == 0;
}

/* Our memory cgroup's directory: the v1 memory hierarchy, else the v2
 * one. "" when neither is found. */
static void memcg_self(char *dir, size_t len)
{
	char line[PATH_MAX], v1[PATH_MAX] = "", v2[PATH_MAX] = "";
	FILE *f = fopen("/proc/self/cgroup", "r");

	dir[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char *path = strchr(line, ':');

		path = path ? strchr(path + 1, ':') : NULL;
		if (!path)
			continue;
		path[strcspn(path, "\n")] = 0;
		if (strstr(line, ":memory:"))
			snprintf(v1, sizeof(v1), "/sys/fs/cgroup/memory%s", path + 1);
		else if (!strncmp(line, "0::", 3))
			snprintf(v2, sizeof(v2), "/sys/fs/cgroup%s", path + 1);
	}
	if (f)
		fclose(f);
	if (v1[0] && file_exists(v1, "memory.usage_in_bytes")) {
		snprintf(dir, len, "%s", v1);
		usage_file = "memory.usage_in_bytes";
	} else if (v2[0] && file_exists(v2, "cgroup.subtree_control")) {
		snprintf(dir, len, "%s", v2);
		usage_file = "memory.current";
	}
}

/*
 * maps.kernel is read from a memory cgroup: BPF maps are charged to the
 * memory cgroup of the process that creates them (kernel >= 5.11, which
 * dropped RLIMIT_MEMLOCK accounting for it; kernel memory counts in the
 * usage of a v1 memory cgroup too), and the CLI processes that
 * create edgesteer's maps run in a child cgroup that holds nothing else
 * (a prefix file's page cache stays charged to this process, which wrote
 * it). /proc/meminfo deltas would count whatever else the shared machine
 * does meanwhile. Without a usable cgroup, maps.kernel is left out.
 */
static void memcg_open(void)
{
	static const char *const suffix[2] = { "cli", "lpm" };
	char self[PATH_MAX];

	memcg_self(self, sizeof(self));
	for (int i = 0; self[0] && i < 2; i++) {
		snprintf(g.cg[i], sizeof(g.cg[i]), "%.*s/es-bench-control-%d-%s",
			 (int)sizeof(self) - 64, self, getpid(), suffix[i]);
		if (mkdir(g.cg[i], 0700) || !file_exists(g.cg[i], usage_file)) {
			rmdir(g.cg[i]);
			g.cg[0][0] = g.cg[1][0] = 0;
			break;
		}
	}
}

static long long memcg_usage(int which)
{
	char path[PATH_MAX + 64], buf[64];
	long long v = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", g.cg[which], usage_file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bench_die("%s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		v = atoll(buf);
	}
	if (v < 0)
		bench_die("%s: unreadable", path);
	return v;
}

/* Usage once the kernel has freed what the last CLI dropped (replaced
 * tables go after an RCU grace period, from a work queue): steady within
 * 256 KiB over 100 ms, or the last value after 3 s. */
static long long memcg_settled(int which)
{
	long long prev = memcg_usage(which), cur = prev;
	int steady = 0;

	for (int i = 0; i < 120 && steady < 4; i++) {
		usleep(25000);
		cur = memcg_usage(which);
		steady = llabs(cur - prev) < 256 * 1024 ? steady + 1 : 0;
		prev = cur;
	}
	return cur;
}

/* ---- what bpftool reports ------------------------------------------------ */

/* A line "key: N" of an object's fdinfo (bpftool's bytes_memlock is the
 * "memlock" one); -1 when absent (the "map_id" of a program). */
static long long fdinfo_value(int fd, const char *key)
{
	char path[64], line[128], fmt[48];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	snprintf(fmt, sizeof(fmt), "%s: %%lld", key);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static long long fd_memlock(int fd)
{
	long long v = fdinfo_value(fd, "memlock");

	if (v < 0)
		bench_die("fd %d: no memlock in its fdinfo", fd);
	return v;
}

#define MAX_MAPS 64

struct map_set {
	int n;
	__u32 id[MAX_MAPS];
	long long memlock[MAX_MAPS];
	char name[MAX_MAPS][BPF_OBJ_NAME_LEN];
};

static void map_set_add_id(struct map_set *s, __u32 id);

/* The maps a map of maps holds (the classifier tables, the VIP and peer
 * tables): not pinned themselves. */
static void map_set_add_inner(struct map_set *s, int fd, const struct bpf_map_info *info)
{
	char key[64], next[64];
	void *prev = NULL;
	__u32 inner;

	if (info->key_size > sizeof(key))
		bench_die("map %s: key of %u bytes", info->name, info->key_size);
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, info->key_size);
		prev = key;
		if (!bpf_map_lookup_elem(fd, key, &inner))
			map_set_add_id(s, inner);
	}
}

/* Add the map open as fd, unless it is not a map or already in. */
static void map_set_add_fd(struct map_set *s, int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (fdinfo_value(fd, "map_id") < 0)
		return;		/* the program */
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		bench_die("map info: %s", strerror(errno));
	for (int i = 0; i < s->n; i++)
		if (s->id[i] == info.id)
			return;
	if (s->n == MAX_MAPS)
		bench_die("more than %d maps", MAX_MAPS);
	s->id[s->n] = info.id;
	s->memlock[s->n] = fd_memlock(fd);
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", info.name);
	s->n++;
	if (info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || info.type == BPF_MAP_TYPE_HASH_OF_MAPS)
		map_set_add_inner(s, fd, &info);
}

static void map_set_add_id(struct map_set *s, __u32 id)
{
	int fd = bpf_map_get_fd_by_id(id);

	if (fd < 0)
		bench_die("map id %u: %s", id, strerror(errno));
	map_set_add_fd(s, fd);
	close(fd);
}

/* Every map of the instance: those pinned under the pin path, the maps
 * they hold, and any the program uses besides. */
static void map_set_collect(struct map_set *s, int prog_fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[MAX_MAPS];
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(g.pin);

	memset(s, 0, sizeof(*s));
	while (d && (e = readdir(d))) {
		int fd;

		if (e->d_name[0] == '.' || e->d_type == DT_DIR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", g.pin, e->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			bench_die("%s: %s", path, strerror(errno));
		map_set_add_fd(s, fd);
		close(fd);
	}
	if (d)
		closedir(d);
	info.nr_map_ids = MAX_MAPS;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		bench_die("program info: %s", strerror(errno));
	for (__u32 i = 0; i < info.nr_map_ids && i < MAX_MAPS; i++)
		map_set_add_id(s, ids[i]);
}

static long long map_set_total(const struct map_set *s)
{
	long long sum = 0;

	for (int i = 0; i < s->n; i++)
		sum += s->memlock[i];
	return sum;
}

/* ---- the oracle and the data path ---------------------------------------- */

static const __u8 mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const __u8 mac_b[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static bool prefix_covers(const struct es_prefix_spec *p, const struct es_addr *a)
{
	const __u8 *x = (const __u8 *)&p->addr, *y = (const __u8 *)a;
	int full = p->len / 8, rest = p->len % 8;

	if (memcmp(x, y, full))
		return false;
	return !rest || !((x[full] ^ y[full]) & (__u8)(0xff << (8 - rest)));
}

/* Longest prefix of t covering a, by brute force; -1: none. */
static long longest_match(const struct bench_table *t, const struct es_addr *a)
{
	long best = -1;

	for (size_t i = 0; i < t->n; i++)
		if (prefix_covers(&t->v[i], a) && (best < 0 || t->v[i].len > t->v[best].len))
			best = (long)i;
	return best;
}

static void format_addr(__u8 family, const struct es_addr *a, char *buf, size_t len)
{
	inet_ntop(family == ES_AF_INET ? AF_INET : AF_INET6, a, buf, len);
}

/* A TCP SYN from src to the VIP of its family: a new flow. */
static void build_probe(struct pkt *p, __u8 family, const struct es_addr *src)
{
	struct in6_addr vip6;
	struct in_addr vip4;

	pkt_init(p);
	pkt_eth(p, mac_b, mac_a);
	if (family == ES_AF_INET) {
		inet_pton(AF_INET, VIP4, &vip4);
		pkt_ipv4_raw(p, &src->v4, &vip4, IPPROTO_TCP, NULL, 0);
	} else {
		inet_pton(AF_INET6, VIP6, &vip6);
		pkt_ipv6_raw(p, src->v6, &vip6, IPPROTO_TCP);
	}
	pkt_tcp(p, 40000, 443, PKT_TCP_SYN);
	pkt_finish(p);
}

/* Where the data path sends a new flow: 'B' or 'C' (tunnelled to that
 * POP), '-' (passed to the local stack), '?' (anything else). Each call
 * takes the next source port, so that no connection the flow table may
 * hold from an earlier call decides instead. */
static char steered_to(int prog_fd, struct pkt *p)
{
	static unsigned char out[PKT_MAX_LEN];
	static __u16 sport = 1024;
	size_t th = pkt_off(p, PKT_TCP, 0);
	struct in_addr b, c, dst;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = p->data,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = 1,
	);

	sport = sport == 65535 ? 1024 : sport + 1;
	p->data[th] = sport >> 8;
	p->data[th + 1] = sport & 0xff;
	pkt_finish(p);
	opts.data_size_in = p->len;
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		bench_die("BPF_PROG_TEST_RUN: %s", strerror(errno));
	if (opts.retval == XDP_PASS)
		return '-';
	/* the outer IPv4 header follows the Ethernet header */
	if ((opts.retval != XDP_REDIRECT && opts.retval != XDP_TX) || opts.data_size_out < 34 ||
	    out[12] != 0x08 || out[13] != 0x00)
		return '?';
	inet_pton(AF_INET, POP_B_ADDR, &b);
	inet_pton(AF_INET, POP_C_ADDR, &c);
	memcpy(&dst, out + 30, sizeof(dst));
	return dst.s_addr == b.s_addr ? 'B' : dst.s_addr == c.s_addr ? 'C' : '?';
}

/* A table as loaded, and the POP it steers new flows to. */
struct loaded {
	const struct bench_table *t;
	char file[128];
	char pop;
	const char *name;
};

/* Addresses of `from` go where the oracle over `live` says. */
static void check_datapath(int prog_fd, const struct loaded *live, const struct loaded *from,
			   size_t n, __u64 seed)
{
	struct es_addr *a = calloc(n, sizeof(*a));
	struct pkt *p = malloc(sizeof(*p));
	char text[INET6_ADDRSTRLEN];

	if (!a || !p)
		bench_die("out of memory");
	bench_table_sample_prefixes(from->t, a, n, seed);
	for (size_t i = 0; i < n; i++) {
		char want = live->pop, got;

		if (from != live && longest_match(live->t, &a[i]) < 0)
			want = '-';
		build_probe(p, from->t->family, &a[i]);
		got = steered_to(prog_fd, p);
		if (got != want) {
			format_addr(from->t->family, &a[i], text, sizeof(text));
			bench_die("after loading %s: a new flow from %s (of %s) went to '%c', want '%c'",
			    live->name, text, from->name, got, want);
		}
	}
	free(p);
	free(a);
}

/* The value of "key" in the CLI's one-line JSON: the string without its
 * quotes, or "null". */
static void json_field(const char *json, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *v, *end;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	v = strstr(json, pat);
	out[0] = 0;
	if (!v)
		return;
	v += strlen(pat);
	if (*v == '"') {
		end = strchr(++v, '"');
		if (end)
			snprintf(out, len, "%.*s", (int)(end - v), v);
	} else {
		snprintf(out, len, "%.*s", (int)strcspn(v, ",}"), v);
	}
}

/* `edgesteer -j prefix lookup` of a few addresses of `from` names the
 * prefix the oracle finds in `live`, and its POP. */
static void check_lookup(const struct loaded *live, const struct loaded *from, size_t n,
			 __u64 seed)
{
	char text[INET6_ADDRSTRLEN], want[ES_CIDR_STRLEN], got[64], pop[16];
	struct es_addr a[LOOKUP_SAMPLES];
	struct run r;

	bench_table_sample_prefixes(from->t, a, n, seed);
	for (size_t i = 0; i < n; i++) {
		long m = longest_match(live->t, &a[i]);
		char want_pop[8] = "null";

		format_addr(from->t->family, &a[i], text, sizeof(text));
		cli(&r, true, "-j", "prefix", "lookup", text, NULL);
		json_field(r.out, "prefix", got, sizeof(got));
		json_field(r.out, "pop", pop, sizeof(pop));
		snprintf(want, sizeof(want), "null");
		if (m >= 0) {
			format_addr(live->t->family, &live->t->v[m].addr, want, sizeof(want));
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "/%u",
				 live->t->v[m].len);
			snprintf(want_pop, sizeof(want_pop), "%c", live->pop);
		}
		if (strcmp(got, want) || strcmp(pop, want_pop))
			bench_die("after loading %s: prefix lookup %s says %s pop %s, want %s pop %s",
			    live->name, text, got, pop, want, want_pop);
	}
}

/* The table just loaded is the one the data path and the CLI see; prev:
 * the table it replaced, whose addresses must have followed. */
static void verify_live(int prog_fd, const struct loaded *live, const struct loaded *prev,
			__u64 seed)
{
	check_datapath(prog_fd, live, live, DATAPATH_SAMPLES, seed);
	check_lookup(live, live, LOOKUP_SAMPLES, seed + 1);
	if (!prev)
		return;
	check_datapath(prog_fd, live, prev, PREV_SAMPLES, seed + 2);
	check_lookup(live, prev, 1, seed + 3);
}

/* ---- the LPM trie baseline ------------------------------------------------ */

struct lpm_result {
	double seconds;		/* n updates */
	long long memlock;	/* its fdinfo memlock */
	long long charged;	/* memcg delta, -1: no cgroup */
};

struct lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* The trie holds the table: addresses of its prefixes are found. */
static bool lpm_finds(int fd, const struct bench_table *t)
{
	size_t alen = t->family == ES_AF_INET ? 4 : 16;
	struct es_addr a[64];
	struct lpm_key key;
	__u32 decision;

	bench_table_sample_prefixes(t, a, 64, 7);
	for (int i = 0; i < 64; i++) {
		key.prefixlen = alen * 8;
		memcpy(key.addr, &a[i], alen);
		if (bpf_map_lookup_elem(fd, &key, &decision) || decision != 1)
			return false;
	}
	return true;
}

/* In a child (so that the trie, charged to the child's cgroup, goes when
 * it exits): create the trie, insert every prefix, report. */
static void __attribute__((noreturn)) lpm_child(const struct bench_table *t, int out_fd,
						int cg_fd)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	size_t alen = t->family == ES_AF_INET ? 4 : 16;
	struct lpm_result res = { .charged = -1 };
	struct lpm_key key;
	long long before = 0;
	unsigned long long t0;
	__u32 decision = 1;
	int fd;

	if (cg_fd >= 0) {
		if (write(cg_fd, "0", 1) != 1)
			_exit(2);
		before = memcg_usage(CG_LPM);
	}
	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "bench_lpm", 4 + alen, sizeof(decision),
			    t->n, &opts);
	if (fd < 0)
		_exit(3);
	t0 = bench_now_ns();
	for (size_t i = 0; i < t->n; i++) {
		key.prefixlen = t->v[i].len;
		memcpy(key.addr, &t->v[i].addr, alen);
		if (bpf_map_update_elem(fd, &key, &decision, BPF_NOEXIST))
			_exit(4);
	}
	res.seconds = (bench_now_ns() - t0) / 1e9;
	res.memlock = fd_memlock(fd);
	if (cg_fd >= 0)
		res.charged = memcg_usage(CG_LPM) - before;
	if (!lpm_finds(fd, t))
		_exit(6);
	if (write(out_fd, &res, sizeof(res)) != sizeof(res))
		_exit(5);
	_exit(0);
}

static void lpm_load(const struct bench_table *t, struct lpm_result *res)
{
	int pipefd[2], status;
	pid_t pid;
	sigset_t old;

	if (pipe2(pipefd, O_CLOEXEC))
		bench_die("pipe: %s", strerror(errno));
	cg_procs_fd(CG_LPM);	/* opened here, not in each child */
	signals_hold(&old);
	pid = fork();
	if (!pid) {
		signals_child(&old);
		lpm_child(t, pipefd[1], cg_procs_fd(CG_LPM));
	}
	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	signals_release(pid, &old);
	close(pipefd[1]);
	if (read(pipefd[0], res, sizeof(*res)) != sizeof(*res))
		memset(res, 0, sizeof(*res));
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	g.child = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) || res->seconds <= 0)
		bench_die("LPM trie baseline failed (status 0x%x)", status);
}

/* ---- instances ------------------------------------------------------------ */

/* What the rounds share: the tables as loaded, the open program of the
 * current instance, and the figures. */
struct ctl {
	struct sizes sz;
	struct loaded a, a_gz, b, v6;
	int prog_fd;
	int instances;
	/* per round */
	double *lpm4, *plain, *gz, *replace, *lpm6, *v6_gz;
	double peak_rss_mib;
	struct lpm_result lpm4_mem;
	/* memory of the instance holding the full IPv4 table (round 0) */
	struct map_set maps;
	long long new_kernel, full_kernel;	/* memcg usage, -1: no cgroup */
};

static void instance_remove(void)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(g.pin);

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", g.pin, e->d_name);
		if (unlink(path) && rmdir(path))
			bench_die("%s: %s", path, strerror(errno));
	}
	if (d)
		closedir(d);
	if (rmdir(g.pin))
		bench_die("%s: %s", g.pin, strerror(errno));
}

/*
 * A new instance under a pin path of its own, with the POPs and VIPs every
 * table steers to; the previous one is unpinned, and goes once its
 * program is closed. A fresh instance per fresh load: emptying a full
 * table with `prefix load EMPTY replace` takes seconds of its own.
 */
static void instance_new(struct ctl *c)
{
	char prog[PATH_MAX];

	if (c->prog_fd >= 0) {
		close(c->prog_fd);
		instance_remove();
	}
	snprintf(g.pin, sizeof(g.pin), "%s/edgesteer%d", g.mnt, ++c->instances);
	cli(NULL, false, "pop", "add", "A", "id", "1", "tunnel", POP_SELF_ADDR, NULL);
	cli(NULL, false, "pop", "add", "B", "id", "2", "tunnel", POP_B_ADDR, NULL);
	cli(NULL, false, "pop", "add", "C", "id", "3", "tunnel", POP_C_ADDR, NULL);
	cli(NULL, false, "pop", "add", "D", "id", "4", "tunnel", "2001:db8:100::4", "encap",
	    "gue", "src", "2001:db8:100::1", NULL);
	cli(NULL, false, "pop", "self", "A", NULL);
	cli(NULL, false, "vip", "add", VIP4, "proto", "tcp", "port", "443", NULL);
	cli(NULL, false, "vip", "add", VIP6, "proto", "tcp", "port", "443", NULL);
	snprintf(prog, sizeof(prog), "%s/prog", g.pin);
	c->prog_fd = bpf_obj_get(prog);
	if (c->prog_fd < 0)
		bench_die("%s: %s", prog, strerror(errno));
	if (c->instances == 1)
		c->new_kernel = g.cg[CG_CLI][0] ? memcg_settled(CG_CLI) : -1;
}

/* ---- the loads ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Wall seconds of `edgesteer prefix load FILE [replace]`. */
static double timed_load(const struct loaded *l, bool replace, double *rss)
{
	struct run r;

	cli(&r, false, "prefix", "load", l->file, replace ? "replace" : NULL, NULL);
	if (rss && r.maxrss_mib > *rss)
		*rss = r.maxrss_mib;
	return r.ns / 1e9;
}

/* What the instance holding the full IPv4 table takes: its maps as bpftool
 * lists them, and what the kernel charged to the cgroup of its CLIs (by
 * now the previous instances are gone: settled). */
static void measure_memory(struct ctl *c)
{
	c->full_kernel = g.cg[CG_CLI][0] ? memcg_settled(CG_CLI) : -1;
	map_set_collect(&c->maps, c->prog_fd);
}

/*
 * One round: each load right after its baseline, each fresh load into a
 * new instance, every load verified live. The last instance (full table
 * B) stays for the one-change figures.
 */
static void load_round(struct ctl *c, int r)
{
	struct lpm_result lpm;

	lpm_load(c->v6.t, &lpm);
	c->lpm6[r] = lpm.seconds;
	instance_new(c);
	c->v6_gz[r] = timed_load(&c->v6, false, NULL);
	verify_live(c->prog_fd, &c->v6, NULL, 100 + r);

	lpm_load(c->a.t, &lpm);
	c->lpm4[r] = lpm.seconds;
	if (!r)
		c->lpm4_mem = lpm;
	instance_new(c);
	c->plain[r] = timed_load(&c->a, false, NULL);
	verify_live(c->prog_fd, &c->a, NULL, 200 + r);

	instance_new(c);
	c->gz[r] = timed_load(&c->a_gz, false, &c->peak_rss_mib);
	verify_live(c->prog_fd, &c->a_gz, NULL, 300 + r);
	if (!r)
		measure_memory(c);
	c->replace[r] = timed_load(&c->b, true, NULL);
	verify_live(c->prog_fd, &c->b, &c->a_gz, 400 + r);
}

static void report_loads(struct ctl *c, int rounds)
{
	char lpm4[64], lpm6[64], name[64], gz[64];

	bench_section("control plane: prefix load (wall time until the CLI returns, median)");
	snprintf(lpm4, sizeof(lpm4), "load.v4.%zu.lpm_trie", c->sz.v4);
	bench_result(lpm4, median(c->lpm4, rounds), "s", NULL);
	snprintf(name, sizeof(name), "load.v4.%zu", c->sz.v4);
	bench_result(name, median(c->plain, rounds), "s", lpm4);
	snprintf(gz, sizeof(gz), "load.v4.%zu.gz", c->sz.v4);
	bench_result(gz, median(c->gz, rounds), "s", lpm4);
	snprintf(name, sizeof(name), "load.v4.%zu.replace", c->sz.v4);
	bench_result(name, median(c->replace, rounds), "s", gz);
	snprintf(lpm6, sizeof(lpm6), "load.v6.%zu.lpm_trie", c->sz.v6);
	bench_result(lpm6, median(c->lpm6, rounds), "s", NULL);
	snprintf(name, sizeof(name), "load.v6.%zu.gz", c->sz.v6);
	bench_result(name, median(c->v6_gz, rounds), "s", lpm6);
	bench_note("%d rounds; each load verified live: %d data path probes, %d `prefix lookup`s",
		   rounds, DATAPATH_SAMPLES, LOOKUP_SAMPLES);
	bench_note("loads into a new instance; replace: a different full table over a full one "
		   "(gzip), against the fresh gzip load");
	if (c->sz.v4 == 1000000)
		bench_note("target: a 1M gzip table loaded and live in under 2 s: %.2f s, %s",
			   bench_value(gz), bench_value(gz) < 2 ? "met" : "NOT met");
}

/* ---- one change on the full table ---------------------------------------- */

/* Start `pop set B state down` and run the program on a packet steered
 * B,C until it goes to C: the time from starting the process until the
 * data path sees the change. *cli_ms: when the process was reaped. */
static double state_change_ms(int prog_fd, struct pkt *p, double *cli_ms)
{
	char *argv[] = { g.cli, "--pin-path", g.pin, "pop", "set", "B", "state", "down", NULL };
	unsigned long long t0, seen = 0;
	struct run r = { 0 };
	pid_t pid;

	t0 = bench_now_ns();
	pid = spawn(argv, null_fd(), cg_procs_fd(CG_CLI));
	while (!seen) {
		char to = steered_to(prog_fd, p);

		if (to == 'C')
			seen = bench_now_ns();
		else if (to != 'B')
			bench_die("pop.state_change: the probe went to '%c' while B went down", to);
		else if (bench_now_ns() - t0 > SEEN_TIMEOUT_NS)
			bench_die("pop.state_change: the data path did not see B go down in %llu s",
			    SEEN_TIMEOUT_NS / 1000000000ull);
	}
	reap(pid, argv, &r, t0);
	*cli_ms = r.ns / 1e6;
	return (seen - t0) / 1e6;
}

struct change_figures {
	double *start, *noop, *change, *state, *state_cli;
};

/* One repetition of each: a new /32 the table has not got, B down. */
static void one_change_rep(int prog_fd, int i, struct pkt *p, struct change_figures *f)
{
	struct pkt *q = malloc(sizeof(*q));
	char cidr[48], host[32];
	struct es_addr client;
	struct run r;
	char to;

	if (!q)
		bench_die("out of memory");
	cli(&r, false, "version", NULL);
	f->start[i] = r.ns / 1e6;
	cli(&r, false, "pop", "show", NULL);
	f->noop[i] = r.ns / 1e6;

	snprintf(host, sizeof(host), "192.0.2.%d", 100 + i);
	snprintf(cidr, sizeof(cidr), "%s/32", host);
	cli(&r, false, "prefix", "add", cidr, "pops", "C", NULL);
	f->change[i] = r.ns / 1e6;
	inet_pton(AF_INET, host, &client.v4);
	build_probe(q, ES_AF_INET, &client);
	to = steered_to(prog_fd, q);
	if (to != 'C')
		bench_die("prefix.change: a new flow from %s goes to '%c', not C", host, to);

	f->state[i] = state_change_ms(prog_fd, p, &f->state_cli[i]);
	cli(NULL, false, "pop", "set", "B", "state", "up", NULL);
	to = steered_to(prog_fd, p);
	if (to != 'B')
		bench_die("pop.state_change: B is up again but a new flow goes to '%c'", to);
	free(q);
}

static void one_changes(int prog_fd, int reps)
{
	double *v = calloc(5 * reps, sizeof(double));
	struct change_figures f = { v, v + reps, v + 2 * reps, v + 3 * reps, v + 4 * reps };
	struct pkt *p = malloc(sizeof(*p));
	struct es_addr client;

	if (!v || !p)
		bench_die("out of memory");
	inet_pton(AF_INET, STATE_CLIENT, &client.v4);
	build_probe(p, ES_AF_INET, &client);
	cli(NULL, false, "prefix", "add", STATE_CLIENT "/32", "pops", "B,C", NULL);
	if (steered_to(prog_fd, p) != 'B')
		bench_die("a new flow from " STATE_CLIENT " does not go to B");
	for (int i = 0; i < reps; i++)
		one_change_rep(prog_fd, i, p, &f);

	bench_section("control plane: one change on the full table (wall time, median)");
	bench_result("cli.start", median(f.start, reps), "ms", NULL);
	bench_result("cli.noop", median(f.noop, reps), "ms", "cli.start");
	bench_result("prefix.change", median(f.change, reps), "ms", "cli.noop");
	bench_result("pop.state_change", median(f.state, reps), "ms", "cli.noop");
	bench_note("%d repetitions; cli.start: `version` (opens no state); cli.noop: `pop show`; "
		   "prefix.change: `prefix add 192.0.2.N/32 pops C`, then new flows from it go "
		   "to C", reps);
	bench_note("pop.state_change: `pop set B state down` until the data path tunnels a "
		   "new flow to C instead; the process itself exits after %.1f ms",
		   median(f.state_cli, reps));
	free(v);
	free(p);
}

/* ---- memory --------------------------------------------------------------- */

static void report_memory(const struct ctl *c)
{
	const double mib = 1024.0 * 1024.0;
	const struct map_set *s = &c->maps;
	long long total = map_set_total(s), tables = 0, rib = 0, flows = 0;

	for (int i = 0; i < s->n; i++) {
		if (!strcmp(s->name[i], "es_classifier"))
			tables += s->memlock[i];
		else if (!strcmp(s->name[i], "prefixes"))
			rib += s->memlock[i];
		else if (!strcmp(s->name[i], "flows"))
			flows += s->memlock[i];
	}
	if (tables <= 0 || rib <= 0)
		bench_die("maps.memlock: the classifier tables or the RIB were not found (%d maps)",
		    s->n);

	bench_section("control plane: memory with the full IPv4 table loaded");
	bench_result("cli.table_specs", c->sz.v4 * sizeof(struct es_prefix_spec) / mib, "MiB",
		     NULL);
	bench_result("cli.peak_rss", c->peak_rss_mib, "MiB", "cli.table_specs");
	bench_note("cli.peak_rss: ru_maxrss of `prefix load` of the gzip table (largest of the "
		   "rounds); the CLI maps the live classifier tables and builds new ones in "
		   "mapped arrays: up to 2 x %.0f MiB of BPF map pages count in it", tables / mib);
	bench_result("maps.lpm_trie.memlock", c->lpm4_mem.memlock / mib, "MiB", NULL);
	bench_result("maps.memlock", total / mib, "MiB", "maps.lpm_trie.memlock");
	bench_note("maps.memlock: %d maps; classifier tables %.1f MiB (fixed size, IPv4 and "
		   "IPv6), RIB %.1f MiB, flow table %.1f MiB, the rest %.1f MiB", s->n,
		   tables / mib, rib / mib, flows / mib, (total - tables - rib - flows) / mib);
	if (c->full_kernel < 0 || c->lpm4_mem.charged < 0) {
		bench_note("maps.kernel: no usable memory cgroup here; not measured");
		return;
	}
	/* the instance alone: at least its tables, and no leftover of another */
	if (c->full_kernel < tables || c->full_kernel > 2 * total || c->lpm4_mem.charged <= 0)
		bench_die("maps.kernel: the memory cgroup shows %lld bytes for maps of %lld (LPM: %lld)",
		    c->full_kernel, total, c->lpm4_mem.charged);
	bench_result("maps.lpm_trie.kernel", c->lpm4_mem.charged / mib, "MiB", NULL);
	bench_result("maps.kernel", c->full_kernel / mib, "MiB", "maps.lpm_trie.kernel");
	bench_note("maps.kernel: %s of the memory cgroup the CLI runs in (the instance's maps "
		   "and program); a new instance with no prefix: %.1f MiB", usage_file,
		   c->new_kernel / mib);
}

/* ---- setup ---------------------------------------------------------------- */

static void find_cli(void)
{
	const char *build = getenv("ES_BUILD");
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/edgesteer", build && *build ? build : "build");
	if (!realpath(path, g.cli) || access(g.cli, X_OK))
		bench_die("%s: not found (build it with `make`)", path);
}

static void make_dirs(void)
{
	snprintf(g.dir, sizeof(g.dir), "/tmp/es-bench-control.XXXXXX");
	if (!mkdtemp(g.dir)) {
		g.dir[0] = 0;
		bench_die("mkdtemp: %s", strerror(errno));
	}
	snprintf(g.mnt, sizeof(g.mnt), "%s/bpffs", g.dir);
	if (mkdir(g.mnt, 0700)) {
		g.mnt[0] = 0;
		bench_die("mkdir: %s", strerror(errno));
	}
	if (mount("bpf", g.mnt, "bpf", 0, "mode=0700"))
		bench_die("mount -t bpf bpf %s: %s", g.mnt, strerror(errno));
	g.mounted = true;
}

static void make_table(struct bench_table *t, __u8 family, size_t n, __u64 seed,
		       struct loaded *l, const char *file, const char *target)
{
	struct es_steering any = { .action = ES_ACTION_POPS, .npops = 1, .pops = { 2 } };
	int err;

	snprintf(l->file, sizeof(l->file), "%s/%s", g.dir, file);
	err = bench_table_make(t, family, n, seed, &any);
	if (!err)
		err = bench_table_write(t, l->file, strstr(file, ".gz"), target);
	if (err)
		bench_die("%s: %s", l->file, strerror(-err));
	l->t = t;
}

/* The tables (A twice: plain and gzip), their files and POPs. */
static void make_tables(struct ctl *c, struct bench_table *ta, struct bench_table *tb,
			struct bench_table *t6)
{
	make_table(ta, ES_AF_INET, c->sz.v4, 1, &c->a, "a.txt", "B,C");
	c->a.pop = 'B';
	c->a.name = "table A";
	c->a_gz = c->a;
	snprintf(c->a_gz.file, sizeof(c->a_gz.file), "%s/a.txt.gz", g.dir);
	if (bench_table_write(ta, c->a_gz.file, true, "B,C"))
		bench_die("%s: cannot write", c->a_gz.file);
	c->a_gz.name = "table A (gzip)";
	make_table(tb, ES_AF_INET, c->sz.v4, 2, &c->b, "b.txt.gz", "C,B");
	c->b.pop = 'C';
	c->b.name = "table B";
	make_table(t6, ES_AF_INET6, c->sz.v6, 3, &c->v6, "v6.txt.gz", "B,C");
	c->v6.pop = 'B';
	c->v6.name = "the IPv6 table";
}

int main(int argc, char **argv)
{
	struct bench_table ta, tb, t6;
	struct ctl c = { .prog_fd = -1 };
	struct bench_opts o;
	unsigned long long t0 = bench_now_ns(), round_ns = 0;
	double budget_s, *v;
	int rounds;

	bench_parse_args(argc, argv, &o, "bench_control [--quick]");
	c.sz = o.quick ? (struct sizes){ 100000, 65536, 3, 7 } :
			 (struct sizes){ 1000000, 262144, 3, 15 };
	/* a third round only if it fits: full <= 2 minutes, quick <= 40 s */
	budget_s = o.quick ? 28 : 95;
	libbpf_set_print(NULL);
	find_cli();
	g.owner = getpid();
	atexit(cleanup);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		signal(handled[i], on_signal);
	make_dirs();
	netns_setup();
	memcg_open();
	make_tables(&c, &ta, &tb, &t6);
	printf("\nbench_control: %zu IPv4 and %zu IPv6 prefixes, files written in %.1f s%s\n",
	       c.sz.v4, c.sz.v6, (bench_now_ns() - t0) / 1e9,
	       g.cg[CG_CLI][0] ? "" : " (no memory cgroup: maps.kernel left out)");

	v = calloc(6 * c.sz.rounds, sizeof(double));
	if (!v)
		bench_die("out of memory");
	c.lpm4 = v;
	c.plain = v + c.sz.rounds;
	c.gz = v + 2 * c.sz.rounds;
	c.replace = v + 3 * c.sz.rounds;
	c.lpm6 = v + 4 * c.sz.rounds;
	c.v6_gz = v + 5 * c.sz.rounds;
	for (rounds = 0; rounds < c.sz.rounds; rounds++) {
		unsigned long long start = bench_now_ns();

		if (rounds >= 2 && (start + round_ns - t0) / 1e9 > budget_s)
			break;
		load_round(&c, rounds);
		round_ns = bench_now_ns() - start;
	}
	report_loads(&c, rounds);
	report_memory(&c);
	one_changes(c.prog_fd, c.sz.reps);

	close(c.prog_fd);
	free(v);
	bench_table_free(&ta);
	bench_table_free(&tb);
	bench_table_free(&t6);
	return 0;
}

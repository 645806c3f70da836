// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Live throughput: frames per second through edgesteer attached in native
 * XDP mode to a veth, for each path (served here, dropped, tunnelled,
 * redirected), against a program that only returns the same verdict,
 * attached to the same veth in the same run.
 *
 * Topology, in a private network namespace named es-live-PID-RANDOM that
 * the benchmark creates and removes (the pinned state lives in a bpffs
 * mounted on a temp directory, removed too):
 *
 *   generator --XDP_TX--> gen0 ==veth== rx0 [edgesteer or baseline]
 *                          |             |  XDP_PASS: local stack (the VIP is
 *                     [live_sink]        |  a local address: UDP, port closed)
 *                     tunnel next hop    |  XDP_TX: tunnel, back out rx0
 *                                        `- XDP_REDIRECT: out0 ==veth== sink0
 *                                                                 [live_sink]
 *
 * The generator is live_gen (live.bpf.c) run with BPF_PROG_TEST_RUN in live
 * frame mode (BPF_F_TEST_XDP_LIVE_FRAMES) with gen0 as its ingress device:
 * its XDP_TX becomes a transmit out of gen0, veth's ndo_xdp_xmit into rx0's
 * ring, LIVE_BATCH frames at a time. A veth end takes XDP frames only when
 * its peer runs XDP (or has GRO on): rx0 always has edgesteer or a
 * baseline, gen0 and sink0 have live_sink, so every forwarded frame lands
 * somewhere that counts it. edgesteer is configured with its CLI against
 * state pinned in the private bpffs and attached with `link attach dev
 * rx0` (a pinned bpf_link); the baseline replaces it on that same link
 * (BPF_LINK_UPDATE), so nothing else changes between the two. Tunnel next
 * hops come from the kernel FIB (a route and a permanent neighbour on rx0):
 * the CLI cannot set one, so this is how a deployment runs; the *.resolved
 * paths set the next hop in the POP entry instead, to show what the FIB
 * lookup costs.
 *
 * What a figure contains: veth's ndo_xdp_xmit schedules rx0's NAPI on the
 * generator's own CPU, and the kernel runs it when the batch ends, so one
 * CPU does everything, one batch after another: generator program and page
 * recycling, the veth hand-over, the receiver's NAPI and program, and what
 * the verdict costs (an skb and the IP stack for XDP_PASS, a second veth
 * hop and the sink for XDP_TX and XDP_REDIRECT). edgesteer's share is
 * diluted by all that, which the baseline pays too: notes give the
 * generator's own cost and the difference in ns per frame, and check that
 * edgesteer really ran on the generator's CPU (its counters are per CPU).
 * Time is the kernel's measurement of the run, which leaves out the time
 * the generator yields the CPU between batches to other tasks (the machine
 * is shared); Mpps is the frames the receiver processed (rx0's XDP
 * counters, not what was sent) per second of it.
 *
 * Checks (exit 1 on failure): the receiver processed at least 90% of the
 * frames sent, with the expected verdict; edgesteer counted them under the
 * expected reason; forwarded frames reached the next hop's sink.
 *
 * Usage: bench_live [--quick]
 *   root; ES_BUILD names the build directory (edgesteer, the BPF objects),
 *   ES_MINIMAL_OBJ the baselines' object; ES_LIVE_ONLY=TEXT runs only the
 *   paths whose name contains TEXT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "edgesteer.h"
#include "pkt.h"
#include "report.h"
#include "state.h"
#include "pops.h"
#include "stats.h"

extern char **environ;

#define LIVE_HDR_LEN	64	/* as in live.bpf.c */
#define LIVE_BATCH	64	/* frames per generator batch (the NAPI budget) */
#define MAX_ROUNDS	16
#define MIN_SHARE	0.90	/* of the frames sent the receiver must see */

/* Layout shared with live.bpf.c (its .bss). */
struct live_globals {
	__u8 header[LIVE_HDR_LEN];
	__u32 out_ifindex;
	__u32 pad;
};

/* Interfaces and addresses inside the namespace. */
#define DEV_GEN		"gen0"	/* generator's end, and the tunnel next hop */
#define DEV_RX		"rx0"	/* edgesteer's end */
#define DEV_OUT		"out0"	/* the redirect POP's interface */
#define DEV_SINK	"sink0"	/* its far end */
#define MAC_GEN		"02:00:00:00:5e:01"
#define MAC_RX		"02:00:00:00:5e:02"
#define MAC_OUT		"02:00:00:00:5e:03"
#define MAC_SINK	"02:00:00:00:5e:04"
#define VIP4		"203.0.113.10"
#define VIP6		"2001:db8:ffff::10"
#define NOT_VIP4	"203.0.113.11"

static const __u8 mac_gen[6] = { 0x02, 0, 0, 0, 0x5e, 0x01 };
static const __u8 mac_rx[6] = { 0x02, 0, 0, 0, 0x5e, 0x02 };

enum verdict { V_PASS, V_DROP, V_TX, V_REDIRECT };

static const char *const verdict_names[] = { "XDP_PASS", "XDP_DROP", "XDP_TX", "XDP_REDIRECT" };
static const enum es_counter verdict_counters[] = {
	ES_CNT_VERDICT_PASS, ES_CNT_VERDICT_DROP, ES_CNT_VERDICT_TX, ES_CNT_VERDICT_REDIRECT,
};

struct live_path {
	const char *name;	/* results live.NAME and live.NAME.baseline */
	const char *what;
	const char *src, *dst;	/* client and VIP of the generated frames */
	const char *baseline;	/* program with the same verdict */
	enum verdict verdict;
	enum es_counter reason;	/* edgesteer's counter for the path */
	const char *next_hop;	/* device whose sink gets forwarded frames */
	__u32 resolve_pop;	/* a tunnel POP whose next hop the benchmark sets */
};

/* The prefixes below (configure()) give each client its path. */
static const struct live_path paths[] = {
	{ "pass", "served here: a VIP, this POP's prefix, to the local stack",
	  "192.0.2.10", VIP4, "minimal_pass", V_PASS, ES_CNT_LOCAL_SELF, NULL, 0 },
	{ "not_vip", "not a VIP: a local address edgesteer does not steer",
	  "192.0.2.10", NOT_VIP4, "minimal_pass", V_PASS, ES_CNT_NOT_VIP, NULL, 0 },
	{ "drop", "dropped: a prefix whose decision is drop",
	  "192.0.2.40", VIP4, "minimal_drop", V_DROP, ES_CNT_DROP_DECISION, NULL, 0 },
	{ "tunnel.ipip4", "IPv4-in-IPv4 to POP B, next hop rx0 (XDP_TX) from the FIB",
	  "192.0.2.70", VIP4, "minimal_tx", V_TX, ES_CNT_TUNNEL, DEV_GEN, 0 },
	{ "tunnel.ipip4.resolved", "IPv4-in-IPv4 to POP E, next hop set in the POP entry",
	  "192.0.2.170", VIP4, "minimal_tx", V_TX, ES_CNT_TUNNEL, DEV_GEN, 6 },
	{ "tunnel.gue4", "GUE over IPv4 to POP C, next hop rx0 (XDP_TX) from the FIB",
	  "192.0.2.100", VIP4, "minimal_tx", V_TX, ES_CNT_TUNNEL, DEV_GEN, 0 },
	{ "tunnel.ipip6", "IPv6-in-IPv6 to POP D, next hop rx0 (XDP_TX) from the FIB",
	  "2001:db8:1::10", VIP6, "minimal_tx", V_TX, ES_CNT_TUNNEL, DEV_GEN, 0 },
	{ "tunnel.ipip6.resolved", "IPv6-in-IPv6 to POP F, next hop set in the POP entry",
	  "2001:db8:2::10", VIP6, "minimal_tx", V_TX, ES_CNT_TUNNEL, DEV_GEN, 7 },
	{ "redirect", "redirect POP R: devmap redirect to out0, sink0 drops",
	  "192.0.2.130", VIP4, "live_redirect", V_REDIRECT, ES_CNT_REDIRECT, DEV_SINK, 0 },
};

/* ---- what has to be undone, also from a signal handler ------------------ */

static struct {
	char netns[64];		/* name, "" before it exists */
	char netns_path[128];
	char bpffs[64];	/* mount point, "" before it exists */
	bool mounted;
} env;

static void cleanup(void)
{
	/* what `ip netns del` does; the namespace itself goes away with the
	 * last process in it: this one */
	if (env.netns[0]) {
		umount2(env.netns_path, MNT_DETACH);
		unlink(env.netns_path);
		env.netns[0] = 0;
	}
	if (env.bpffs[0]) {
		if (env.mounted)
			umount2(env.bpffs, MNT_DETACH);
		rmdir(env.bpffs);
		env.bpffs[0] = 0;
	}
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- commands ------------------------------------------------------------ */

/* Run a command (no shell; words split at spaces) with `input` (or
 * nothing) on its stdin, quiet on stdout; die when it fails. Children
 * inherit this process's network namespace. */
static void run_line(const char *line, const char *input)
{
	posix_spawn_file_actions_t fa;
	char copy[512], *argv[32], *save = NULL;
	int argc = 0, status, in[2] = { -1, -1 };
	pid_t pid;

	snprintf(copy, sizeof(copy), "%s", line);
	for (char *w = strtok_r(copy, " ", &save); w && argc < 31; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (input) {
		if (pipe2(in, O_CLOEXEC))
			bench_die("pipe: %s", strerror(errno));
		posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	}
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ))
		bench_die("cannot run %s", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	if (input) {
		close(in[0]);
		/* a pipe holds 64 KiB: far more than any input here */
		if (write(in[1], input, strlen(input)) != (ssize_t)strlen(input))
			bench_die("cannot feed %s: %s", argv[0], strerror(errno));
		close(in[1]);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		bench_die("command failed: %s", line);
}

static void __attribute__((format(printf, 1, 2))) run(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	run_line(line, NULL);
}

static void sysctl_set(const char *path, const char *value)
{
	char full[PATH_MAX];
	int fd;

	snprintf(full, sizeof(full), "/proc/sys/net/%s", path);
	fd = open(full, O_WRONLY);
	if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		bench_die("cannot set %s: %s", full, strerror(errno));
	close(fd);
}

/* ---- environment: namespace, links, addresses, bpffs --------------------- */

static void enter_namespace(void)
{
	int fd;

	snprintf(env.netns, sizeof(env.netns), "es-live-%d-%08lx", getpid(),
		 (unsigned long)(bench_now_ns() & 0xffffffff));
	snprintf(env.netns_path, sizeof(env.netns_path), "/run/netns/%s", env.netns);
	run("ip netns add %s", env.netns);
	fd = open(env.netns_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		bench_die("cannot enter namespace %s: %s", env.netns, strerror(errno));
	close(fd);
}

static void build_topology(void)
{
	run("ip link add " DEV_GEN " address " MAC_GEN " type veth peer name " DEV_RX
	    " address " MAC_RX);
	run("ip link add " DEV_OUT " address " MAC_OUT " type veth peer name " DEV_SINK
	    " address " MAC_SINK);
	/* only rx0 speaks IP: nothing else may send frames into the rings
	 * being counted (router solicitations, MLD reports) */
	sysctl_set("ipv6/conf/" DEV_GEN "/disable_ipv6", "1");
	sysctl_set("ipv6/conf/" DEV_OUT "/disable_ipv6", "1");
	sysctl_set("ipv6/conf/" DEV_SINK "/disable_ipv6", "1");
	sysctl_set("ipv6/conf/" DEV_RX "/addr_gen_mode", "1");
	/* bpf_fib_lookup answers only where forwarding is on */
	sysctl_set("ipv4/ip_forward", "1");
	sysctl_set("ipv6/conf/all/forwarding", "1");
	sysctl_set("ipv4/conf/all/rp_filter", "0");
	sysctl_set("ipv4/conf/" DEV_RX "/rp_filter", "0");
	for (const char *const *d = (const char *const[]){ "lo", DEV_GEN, DEV_RX, DEV_OUT,
							    DEV_SINK, NULL }; *d; d++)
		run("ip link set %s up", *d);
	run("ip addr add 198.51.100.1/24 dev " DEV_RX);
	run("ip -6 addr add 2001:db8:100::1/64 dev " DEV_RX " nodad");
	/* served here = delivered locally; so is what is not a VIP */
	run("ip addr add " VIP4 "/32 dev lo");
	run("ip addr add " NOT_VIP4 "/32 dev lo");
	/* the tunnel POPs' next hop: the generator's end of the pair */
	run("ip neigh add 198.51.100.2 lladdr " MAC_GEN " dev " DEV_RX " nud permanent");
	run("ip neigh add 198.51.100.3 lladdr " MAC_GEN " dev " DEV_RX " nud permanent");
	run("ip -6 neigh add 2001:db8:100::4 lladdr " MAC_GEN " dev " DEV_RX " nud permanent");
}

static void mount_bpffs(void)
{
	snprintf(env.bpffs, sizeof(env.bpffs), "/tmp/es-live.XXXXXX");
	if (!mkdtemp(env.bpffs)) {
		env.bpffs[0] = 0;
		bench_die("mkdtemp: %s", strerror(errno));
	}
	if (mount("bpf", env.bpffs, "bpf", 0, NULL))
		bench_die("cannot mount bpffs on %s: %s", env.bpffs, strerror(errno));
	env.mounted = true;
}

/* ---- veth counters (ethtool -S) ------------------------------------------ */

struct veth_counters {
	__u64 xdp_packets;	/* every frame rx NAPI processed */
	__u64 xdp_drops, xdp_tx, xdp_redirect;
	__u64 drops;		/* rx_queue_N_drops: failures, XDP_TX too */
	__u64 xdp_xmit;		/* frames this end put into its peer's ring */
	__u64 xdp_xmit_errors;	/* ... and could not (ring full, peer off) */
};

static const struct {
	const char *name;
	size_t off;
} veth_fields[] = {
	{ "rx_xdp_packets", offsetof(struct veth_counters, xdp_packets) },
	{ "rx_xdp_drops", offsetof(struct veth_counters, xdp_drops) },
	{ "rx_xdp_tx", offsetof(struct veth_counters, xdp_tx) },
	{ "rx_xdp_redirect", offsetof(struct veth_counters, xdp_redirect) },
	{ "rx_drops", offsetof(struct veth_counters, drops) },
	{ "tx_xdp_xmit", offsetof(struct veth_counters, xdp_xmit) },
	{ "tx_xdp_xmit_errors", offsetof(struct veth_counters, xdp_xmit_errors) },
};

struct veth_dev {
	const char *name;
	__u32 n;
	int *field;		/* per ethtool stat: index in veth_fields, -1 */
	struct ethtool_stats *stats;
};

static int ethtool_sock = -1;

static void ethtool_call(const char *dev, void *cmd)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = cmd;
	if (ioctl(ethtool_sock, SIOCETHTOOL, &ifr))
		bench_die("ethtool stats of %s: %s", dev, strerror(errno));
}

/* "rx_queue_3_xdp_tx" -> "rx_xdp_tx": queues are summed. */
static int veth_field(const char *s)
{
	char dir[3] = { s[0], s[1], 0 };
	char key[ETH_GSTRING_LEN + 4];
	const char *rest;

	if (strncmp(s + 2, "_queue_", 7))
		return -1;
	rest = strchr(s + 9, '_');
	if (!rest)
		return -1;
	snprintf(key, sizeof(key), "%s%s", dir, rest);
	for (size_t i = 0; i < sizeof(veth_fields) / sizeof(veth_fields[0]); i++)
		if (!strcmp(key, veth_fields[i].name))
			return i;
	return -1;
}

static void veth_open(struct veth_dev *d, const char *name)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 count;
	} sset = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ull << ETH_SS_STATS } };
	struct ethtool_gstrings *strs;

	if (ethtool_sock < 0)
		ethtool_sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	d->name = name;
	ethtool_call(name, &sset);
	d->n = sset.count;
	strs = calloc(1, sizeof(*strs) + (size_t)d->n * ETH_GSTRING_LEN);
	d->field = calloc(d->n, sizeof(*d->field));
	d->stats = calloc(1, sizeof(*d->stats) + (size_t)d->n * sizeof(__u64));
	if (!strs || !d->field || !d->stats)
		bench_die("out of memory");
	strs->cmd = ETHTOOL_GSTRINGS;
	strs->string_set = ETH_SS_STATS;
	strs->len = d->n;
	ethtool_call(name, strs);
	for (__u32 i = 0; i < d->n; i++) {
		char s[ETH_GSTRING_LEN + 1] = { 0 };

		memcpy(s, strs->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		d->field[i] = veth_field(s);
	}
	free(strs);
}

static void veth_close(struct veth_dev *d)
{
	free(d->field);
	free(d->stats);
}

static void veth_read(struct veth_dev *d, struct veth_counters *c)
{
	memset(c, 0, sizeof(*c));
	d->stats->cmd = ETHTOOL_GSTATS;
	d->stats->n_stats = d->n;
	ethtool_call(d->name, d->stats);
	for (__u32 i = 0; i < d->n; i++)
		if (d->field[i] >= 0)
			*(__u64 *)((char *)c + veth_fields[d->field[i]].off) += d->stats->data[i];
}

/* ---- the benchmark -------------------------------------------------------- */

struct live {
	const char *build;
	struct es_state *st;
	int link_fd;		/* edgesteer's pinned bpf_link on rx0 */
	int gen_fd, gen_drop_fd;
	int bss_fd;
	struct bpf_object *minimal, *own;
	__u32 gen_ifindex, out_ifindex;
	struct veth_dev rx, gen, sink;
	/* frames edgesteer processed during the runs: on the generator's
	 * CPU, on any CPU (its counters are per CPU) */
	__u64 es_here, es_all;
	/* time of every measured run: the kernel's, the wall clock's */
	double kernel_ns, wall_ns;
};

struct frame {
	unsigned char data[128];
	__u32 len;
};

/* Counters over the runs of one program on one path. */
struct tally {
	__u64 sent;		/* frames the generator ran */
	__u64 xmit;		/* ... that entered rx0's ring */
	__u64 received;		/* frames rx0's NAPI processed */
	__u64 verdict;		/* ... with the path's verdict */
	__u64 forwarded;	/* frames the next hop's sink dropped */
	__u64 es_reason, es_verdict, es_fib;	/* edgesteer's counters */
	double mpps[MAX_ROUNDS];	/* received / kernel time, per run */
	int rounds;
};

#define MAX_CPUS 1024

struct snapshot {
	struct veth_counters rx, gen, sink;
	struct es_counter_value es[ES_CNT_MAX];
	__u64 es_cpu[MAX_CPUS];	/* the path's reason counter, per CPU */
};

static void snapshot(struct live *lv, enum es_counter reason, struct snapshot *s)
{
	static struct es_counter_value v[MAX_CPUS];
	__u32 key = reason;

	veth_read(&lv->rx, &s->rx);
	veth_read(&lv->gen, &s->gen);
	veth_read(&lv->sink, &s->sink);
	if (es_stats_read(lv->st, s->es) || lv->st->ncpus > MAX_CPUS ||
	    bpf_map_lookup_elem(lv->st->stats_fd, &key, v))
		bench_die("cannot read edgesteer's counters");
	for (int i = 0; i < lv->st->ncpus; i++)
		s->es_cpu[i] = v[i].packets;
}

static int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	if (!p)
		bench_die("no program %s", name);
	return bpf_program__fd(p);
}

static struct bpf_object *load_object(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);

	if (!obj || bpf_object__load(obj))
		bench_die("cannot load %s (make tests builds it)", path);
	return obj;
}

static void build_frame(const struct live_path *p, struct frame *f)
{
	struct pkt *k = malloc(sizeof(*k));
	bool v6 = strchr(p->src, ':');

	if (!k)
		bench_die("out of memory");
	pkt_init(k);
	pkt_eth(k, mac_rx, mac_gen);
	if (v6)
		pkt_ipv6(k, p->src, p->dst, IPPROTO_UDP);
	else
		pkt_ipv4(k, p->src, p->dst, IPPROTO_UDP, NULL, 0);
	pkt_udp(k, 40000, 443);
	pkt_pattern(k, v6 ? 16 : 22, 1);	/* 78 / 64 bytes on the wire */
	pkt_finish(k);
	if (k->len < LIVE_HDR_LEN || k->len > sizeof(f->data))
		bench_die("frame of %zu bytes", k->len);
	memcpy(f->data, k->data, k->len);
	f->len = k->len;
	free(k);
}

/* The generator's frame template (and the redirect baseline's target). */
static void set_generator(struct live *lv, const struct frame *f)
{
	struct live_globals g = { .out_ifindex = lv->out_ifindex };
	__u32 zero = 0;

	memcpy(g.header, f->data, LIVE_HDR_LEN);
	if (bpf_map_update_elem(lv->bss_fd, &zero, &g, BPF_ANY))
		bench_die("cannot set the generator's frame: %s", strerror(errno));
}

/* Time of a run: the kernel's own (it leaves out the time the generator
 * gives way to other tasks between batches), and the wall clock's. */
struct run_time {
	double ns;		/* kernel: ns per frame sent */
	unsigned long long wall_ns;
};

/* Send n frames. */
static struct run_time generate(struct live *lv, int fd, const struct frame *f, __u32 n)
{
	struct xdp_md ctx = { .data_end = f->len, .ingress_ifindex = lv->gen_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = f->data,
		.data_size_in = f->len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = n,
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		.batch_size = LIVE_BATCH,
	);
	unsigned long long t0 = bench_now_ns();

	if (bpf_prog_test_run_opts(fd, &opts))
		bench_die("live test run: %s (needs BPF_F_TEST_XDP_LIVE_FRAMES, Linux 5.18+)",
		    strerror(errno));
	return (struct run_time){ .ns = opts.duration, .wall_ns = bench_now_ns() - t0 };
}

static void attach_receiver(struct live *lv, int fd)
{
	if (bpf_link_update(lv->link_fd, fd, NULL))
		bench_die("cannot swap the program on rx0: %s", strerror(errno));
}

static __u64 es_delta(const struct snapshot *a, const struct snapshot *b, enum es_counter c)
{
	return b->es[c].packets - a->es[c].packets;
}

static __u64 verdict_delta(const struct veth_counters *a, const struct veth_counters *b,
			   enum verdict v)
{
	__u64 recv = b->xdp_packets - a->xdp_packets;
	__u64 drop = b->xdp_drops - a->xdp_drops, tx = b->xdp_tx - a->xdp_tx;
	__u64 redir = b->xdp_redirect - a->xdp_redirect, fail = b->drops - a->drops;

	switch (v) {
	case V_DROP:
		return drop;
	case V_TX:
		return tx;
	case V_REDIRECT:
		return redir;
	case V_PASS:
	default:
		/* veth has no pass counter: what was not dropped or sent */
		return recv - drop - tx - redir - fail;
	}
}

/* One run of the receiving program `fd` on path p; adds to t. */
static void round_run(struct live *lv, const struct live_path *p, int fd, const struct frame *f,
		      __u32 n, struct tally *t)
{
	static struct snapshot a, b;
	struct run_time rt;
	__u64 received;
	int cpu, cpu_after;

	attach_receiver(lv, fd);
	snapshot(lv, p->reason, &a);
	cpu = sched_getcpu();
	rt = generate(lv, lv->gen_fd, f, n);
	cpu_after = sched_getcpu();
	snapshot(lv, p->reason, &b);

	received = b.rx.xdp_packets - a.rx.xdp_packets;
	t->sent += n;
	t->xmit += b.gen.xdp_xmit - a.gen.xdp_xmit;
	t->received += received;
	t->verdict += verdict_delta(&a.rx, &b.rx, p->verdict);
	if (p->next_hop)
		t->forwarded += !strcmp(p->next_hop, DEV_GEN) ?
			b.gen.xdp_drops - a.gen.xdp_drops : b.sink.xdp_drops - a.sink.xdp_drops;
	t->es_reason += es_delta(&a, &b, p->reason);
	t->es_verdict += es_delta(&a, &b, verdict_counters[p->verdict]);
	t->es_fib += es_delta(&a, &b, ES_CNT_FIB_LOOKUP);
	if (t->rounds < MAX_ROUNDS)
		t->mpps[t->rounds++] = received * 1e3 / (rt.ns * n);
	/* a run cannot migrate; the same CPU before and after: its CPU */
	for (int i = 0; i < lv->st->ncpus && cpu == cpu_after; i++) {
		lv->es_all += b.es_cpu[i] - a.es_cpu[i];
		if (i == cpu)
			lv->es_here += b.es_cpu[i] - a.es_cpu[i];
	}
	lv->kernel_ns += rt.ns * n;
	lv->wall_ns += rt.wall_ns;
}

/* Exit with a message unless the runs measured what they claim. */
static void check(const struct live_path *p, const char *who, const struct tally *t, bool es)
{
	double need = MIN_SHARE * t->sent;
	/* a few frames of the stack's own (ICMP errors) may join in */
	__u64 slack = t->received / 100 + 64;

	if (t->received < need)
		bench_die("live.%s, %s: the receiver processed %llu of %llu frames sent (%.1f%%; "
		    "%llu entered its ring)", p->name, who, (unsigned long long)t->received,
		    (unsigned long long)t->sent, 100.0 * t->received / t->sent,
		    (unsigned long long)t->xmit);
	if (t->verdict + slack < t->received || t->verdict < need)
		bench_die("live.%s, %s: %llu of %llu received frames got %s", p->name, who,
		    (unsigned long long)t->verdict, (unsigned long long)t->received,
		    verdict_names[p->verdict]);
	if (p->next_hop && t->forwarded < need)
		bench_die("live.%s, %s: only %llu of %llu frames reached %s", p->name, who,
		    (unsigned long long)t->forwarded, (unsigned long long)t->sent, p->next_hop);
	if (es && (t->es_reason + slack < t->received || t->es_reason < need ||
		   t->es_verdict + slack < t->received))
		bench_die("live.%s: edgesteer counted %llu frames as %s and %llu as %s, of %llu "
		    "received", p->name, (unsigned long long)t->es_reason,
		    es_counter_name(p->reason), (unsigned long long)t->es_verdict,
		    verdict_names[p->verdict], (unsigned long long)t->received);
	if (es && p->resolve_pop && t->es_fib)
		bench_die("live.%s: %llu FIB lookups with the next hop set in the POP", p->name,
		    (unsigned long long)t->es_fib);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

struct plan {
	int rounds;
	double round_s;		/* target length of one run */
	__u32 calibrate;	/* frames of the first (warm-up) runs */
};

static void measure_path(struct live *lv, const struct live_path *p, const struct plan *pl)
{
	int base_fd = prog_fd(strncmp(p->baseline, "live_", 5) ? lv->minimal : lv->own,
			      p->baseline);
	int es_fd = lv->st->prog_fd;
	struct tally es = { 0 }, base = { 0 };
	char name[64], bname[80];
	double es_mpps, base_mpps;
	struct run_time rt;
	struct frame f;
	__u32 n;

	build_frame(p, &f);
	set_generator(lv, &f);
	/* warm-up of both; runs are sized on the wall clock (a loaded machine
	 * stretches them, and the time budget must hold) */
	attach_receiver(lv, es_fd);
	generate(lv, lv->gen_fd, &f, pl->calibrate);
	attach_receiver(lv, base_fd);
	rt = generate(lv, lv->gen_fd, &f, pl->calibrate);
	n = (__u32)fmin(fmax(pl->round_s * pl->calibrate * 1e9 / rt.wall_ns, 10000), 50e6);

	/* interleaved, alternating which goes first */
	for (int r = 0; r < pl->rounds; r++) {
		bool es_first = !(r % 2);

		round_run(lv, p, es_first ? es_fd : base_fd, &f, n, es_first ? &es : &base);
		round_run(lv, p, es_first ? base_fd : es_fd, &f, n, es_first ? &base : &es);
	}
	check(p, "baseline", &base, false);
	check(p, "edgesteer", &es, true);

	es_mpps = median(es.mpps, es.rounds);
	base_mpps = median(base.mpps, base.rounds);
	snprintf(name, sizeof(name), "live.%s", p->name);
	snprintf(bname, sizeof(bname), "live.%s.baseline", p->name);
	bench_result(bname, base_mpps, "Mpps", NULL);
	bench_result(name, es_mpps, "Mpps", bname);
	bench_note("%s (baseline %s): %.0f vs %.0f ns/frame, %+.0f ns; %.1f%% of %llu frames "
		   "received", p->what, p->baseline, 1e3 / es_mpps, 1e3 / base_mpps,
		   1e3 / es_mpps - 1e3 / base_mpps, 100.0 * es.received / es.sent,
		   (unsigned long long)es.sent);
	if (es.es_fib)
		bench_note("bpf_fib_lookup for %.0f%% of edgesteer's frames",
			   100.0 * es.es_fib / es.received);
}

/* The generator alone: the same frames, dropped where they are made. */
static void measure_generator(struct live *lv, const struct plan *pl)
{
	double v[3];
	struct frame f;

	build_frame(&paths[0], &f);
	set_generator(lv, &f);
	generate(lv, lv->gen_drop_fd, &f, pl->calibrate);
	for (int r = 0; r < 3; r++)
		v[r] = generate(lv, lv->gen_drop_fd, &f, pl->calibrate).ns;
	bench_note("the generator alone (live_gen_drop: frames dropped where made): %.0f "
		   "ns/frame, part of every figure", median(v, 3));
}

/*
 * The CLI has no way to give a tunnel POP its next hop: the data path then
 * asks the FIB for every packet. Userspace may resolve it instead (the
 * POP entry's ifindex and MACs, what the library's fixtures do); the
 * *.resolved paths' POPs get it here, to show what the lookup costs.
 */
static void resolve_next_hop(struct live *lv, __u32 id)
{
	struct es_pop pop;

	if (es_pop_get(lv->st, id, &pop))
		bench_die("no POP %u", id);
	pop.ifindex = if_nametoindex(DEV_RX);
	memcpy(pop.smac, mac_rx, 6);
	memcpy(pop.dmac, mac_gen, 6);
	if (bpf_map_update_elem(lv->st->pops_fd, &id, &pop, BPF_EXIST))
		bench_die("cannot set POP %u's next hop: %s", id, strerror(errno));
}

/* edgesteer's state in the private bpffs, configured with its CLI. */
static void configure(struct live *lv)
{
	struct es_limits lim = { .v4_groups = 256, .v6_groups = 256, .flows = 4096,
				 .prefixes = 1024 };
	char pin[128], cli[PATH_MAX], link[192], cmd[PATH_MAX + 192];
	struct bpf_link_info info = { 0 };
	struct bpf_prog_info pinfo = { 0 };
	__u32 len = sizeof(info), plen = sizeof(pinfo);
	int err;

	snprintf(pin, sizeof(pin), "%s/edgesteer", env.bpffs);
	snprintf(cli, sizeof(cli), "%s/edgesteer", lv->build);
	/* small classifier tables: created here, the CLI then opens them */
	err = es_state_open(&lv->st, pin, ES_OPEN_CREATE, &lim);
	if (err)
		bench_die("cannot create edgesteer's state under %s: %s", pin, strerror(-err));

	/* one CLI call, all or nothing */
	snprintf(cmd, sizeof(cmd), "%s --pin-path %s batch file -", cli, pin);
	run_line(cmd,
		 "link attach dev " DEV_RX "\n"
		 "pop add A id 1 tunnel 198.51.100.1\n"
		 "pop self A\n"
		 "pop add B id 2 tunnel 198.51.100.2 encap ipip\n"
		 "pop add C id 3 tunnel 198.51.100.3 encap gue\n"
		 "pop add D id 4 tunnel 2001:db8:100::4 src 2001:db8:100::1 encap ipip\n"
		 "pop add R id 5 redirect dev " DEV_OUT " dmac " MAC_SINK "\n"
		 "pop add E id 6 tunnel 198.51.100.6 encap ipip\n"
		 "pop add F id 7 tunnel 2001:db8:100::7 src 2001:db8:100::1 encap ipip\n"
		 "vip add " VIP4 "\n"
		 "vip add " VIP6 "\n"
		 "prefix add 192.0.2.0/27 pops A\n"
		 "prefix add 192.0.2.32/27 drop\n"
		 "prefix add 192.0.2.64/27 pops B\n"
		 "prefix add 192.0.2.96/27 pops C\n"
		 "prefix add 192.0.2.128/27 pops R\n"
		 "prefix add 192.0.2.160/27 pops E\n"
		 "prefix add 2001:db8:1::/48 pops D\n"
		 "prefix add 2001:db8:2::/48 pops F\n");
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (paths[i].resolve_pop)
			resolve_next_hop(lv, paths[i].resolve_pop);

	snprintf(link, sizeof(link), "%s/link_native_" DEV_RX, pin);
	lv->link_fd = bpf_obj_get(link);
	if (lv->link_fd < 0)
		bench_die("no pinned link at %s: %s", link, strerror(errno));
	if (bpf_obj_get_info_by_fd(lv->link_fd, &info, &len) ||
	    bpf_obj_get_info_by_fd(lv->st->prog_fd, &pinfo, &plen) || info.prog_id != pinfo.id)
		bench_die("the link on " DEV_RX " does not run the pinned edgesteer program");
}

static void attach_sink(struct live *lv, const char *dev)
{
	int fd = prog_fd(lv->own, "live_sink");

	if (bpf_xdp_attach(if_nametoindex(dev), fd, XDP_FLAGS_DRV_MODE, NULL))
		bench_die("cannot attach live_sink to %s: %s", dev, strerror(errno));
}

static void setup_programs(struct live *lv)
{
	char path[PATH_MAX];
	const char *minimal = getenv("ES_MINIMAL_OBJ");
	struct bpf_map *m;

	snprintf(path, sizeof(path), "%s/tools/bench/minimal.bpf.o", lv->build);
	lv->minimal = load_object(minimal && *minimal ? minimal : path);
	snprintf(path, sizeof(path), "%s/tools/bench/live.bpf.o", lv->build);
	lv->own = load_object(path);
	lv->gen_fd = prog_fd(lv->own, "live_gen");
	lv->gen_drop_fd = prog_fd(lv->own, "live_gen_drop");
	lv->bss_fd = -1;
	bpf_object__for_each_map(m, lv->own) {
		const char *n = bpf_map__name(m);

		if (strlen(n) >= 4 && !strcmp(n + strlen(n) - 4, ".bss") &&
		    bpf_map__value_size(m) == sizeof(struct live_globals))
			lv->bss_fd = bpf_map__fd(m);
	}
	if (lv->bss_fd < 0)
		bench_die("live.bpf.o: no .bss of %zu bytes", sizeof(struct live_globals));

	lv->gen_ifindex = if_nametoindex(DEV_GEN);
	lv->out_ifindex = if_nametoindex(DEV_OUT);
	m = bpf_object__find_map_by_name(lv->own, "live_egress");
	if (!m || bpf_map_update_elem(bpf_map__fd(m), &lv->out_ifindex, &lv->out_ifindex,
				      BPF_ANY))
		bench_die("cannot put " DEV_OUT " in the baseline's device map");
	/* the far ends accept XDP frames only with a program of their own */
	attach_sink(lv, DEV_GEN);
	attach_sink(lv, DEV_SINK);
	veth_open(&lv->rx, DEV_RX);
	veth_open(&lv->gen, DEV_GEN);
	veth_open(&lv->sink, DEV_SINK);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct plan pl;
	struct live lv = { .link_fd = -1 };
	unsigned long long t0 = bench_now_ns();
	const char *only = getenv("ES_LIVE_ONLY");	/* paths whose name has this */

	bench_parse_args(argc, argv, &o, "bench_live [--quick]");
	pl = o.quick ? (struct plan){ .rounds = 5, .round_s = 0.05, .calibrate = 50000 } :
		       (struct plan){ .rounds = 8, .round_s = 0.25, .calibrate = 100000 };
	lv.build = getenv("ES_BUILD") && *getenv("ES_BUILD") ? getenv("ES_BUILD") : "build";
	if (geteuid())
		bench_die("needs root (network namespaces, XDP)");
	libbpf_set_print(NULL);

	atexit(cleanup);
	for (const int *s = (const int[]){ SIGINT, SIGTERM, SIGHUP, SIGQUIT, 0 }; *s; s++)
		signal(*s, on_signal);
	enter_namespace();
	mount_bpffs();
	build_topology();
	setup_programs(&lv);
	configure(&lv);

	bench_section("live throughput: generator -> veth -> edgesteer in native XDP (Mpps)");
	bench_note("generator, veth hand-over, receiver and what the verdict costs share one "
		   "CPU; kernel-timed");
	measure_generator(&lv, &pl);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!only || strstr(paths[i].name, only))
			measure_path(&lv, &paths[i], &pl);
	bench_note("%d interleaved runs per program and path, median; edgesteer ran on the "
		   "generator's CPU for %.1f%% of its frames; wall clock %.2fx the kernel's time; "
		   "%.0f s", pl.rounds, lv.es_all ? 100.0 * lv.es_here / lv.es_all : NAN,
		   lv.kernel_ns ? lv.wall_ns / lv.kernel_ns : NAN, (bench_now_ns() - t0) / 1e9);

	attach_receiver(&lv, lv.st->prog_fd);
	veth_close(&lv.rx);
	veth_close(&lv.gen);
	veth_close(&lv.sink);
	close(lv.link_fd);
	bpf_object__close(lv.own);
	bpf_object__close(lv.minimal);
	es_state_close(lv.st);
	return 0;
}

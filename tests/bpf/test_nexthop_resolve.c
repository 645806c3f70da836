// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Next-hop resolution (user/lib/nexthop.c) against the kernel itself: in a
 * private network namespace with two veth links to a peer namespace that
 * answers ARP and neighbour solicitations, every answer of the resolver
 * is compared with what `ip route get`, `ip neigh` and `ip link` say, and
 * with the peer's real MACs. Changes made with `ip` must be reported by
 * es_nexthops_process() (and unrelated ones not), and a re-resolution must
 * give the new answer. es_nexthop_apply() is read back from the pops map.
 *
 *   this ns: h0 192.0.2.1/26  2001:db8:10::1/64 ─── p0 192.0.2.2, .3, .4  2001:db8:10::2
 *            h1 192.0.2.65/26 2001:db8:11::1/64 ─── p1 192.0.2.66          2001:db8:11::2
 *
 * Both namespaces die with this process (the peer is a child holding its
 * namespace, killed with us). Needs root; otherwise every subtest skips.
 * Run alone (no arguments); tests/netns/test_nexthop.sh runs it with
 * arguments as a tool on a real edgesteer instance.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/neighbour.h>
#include <bpf/bpf.h>
#include "test.h"
#include "fixture.h"
#include "nexthop.h"
#include "pops.h"

static pid_t peer_pid;
static bool ready;
static struct es_nexthops *nh;

static const char *fmt(const char *f, ...)
{
	static char buf[4][512];
	static int i;
	va_list ap;

	i = (i + 1) % 4;
	va_start(ap, f);
	vsnprintf(buf[i], sizeof(buf[i]), f, ap);
	va_end(ap);
	return buf[i];
}

/* Run a shell command here; "peer CMD" runs it in the peer namespace. */
static int sh(const char *cmd)
{
	const char *full = cmd;

	if (!strncmp(cmd, "peer ", 5))
		full = fmt("nsenter -t %d -n sh -c '%s'", (int)peer_pid, cmd + 5);
	return system(fmt("%s >/dev/null 2>&1", full));
}

/* First line of a command's output, "" when none. */
static void capture(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(fmt("%s 2>/dev/null", cmd), "r");

	out[0] = 0;
	if (!f)
		return;
	if (!fgets(out, len, f))
		out[0] = 0;
	out[strcspn(out, "\n")] = 0;
	pclose(f);
}

/* The word after `key` in line, "" when absent. */
static void word_after(const char *line, const char *key, char *out, size_t len)
{
	char copy[512], *save, *tok;
	bool next = false;

	snprintf(copy, sizeof(copy), "%s", line);	/* line may be out */
	out[0] = 0;
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (next) {
			snprintf(out, len, "%s", tok);
			return;
		}
		next = !strcmp(tok, key);
	}
}

static void mac_text(const __u8 *m, char *out)
{
	sprintf(out, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* `ip -br link`'s third column: the interface's MAC. */
static void link_mac(const char *where, const char *dev, char *out, size_t len)
{
	char line[256], a[64], b[64];

	capture(fmt("%sip -br link show dev %s", where, dev), line, sizeof(line));
	out[0] = 0;
	if (sscanf(line, "%63s %63s %63s", a, b, out) != 3 || len < 18)
		out[0] = 0;
}

static __u8 parse_addr(const char *s, struct es_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a) == 1)
		return ES_AF_INET;
	if (inet_pton(AF_INET6, s, a) == 1)
		return ES_AF_INET6;
	return ES_AF_NONE;
}

static int resolve(const char *endpoint, const char *source, struct es_nexthop_result *r)
{
	struct es_addr ep, src;
	__u8 fam = parse_addr(endpoint, &ep);

	if (source)
		parse_addr(source, &src);
	return es_nexthop_resolve(nh, fam, &ep, source ? &src : NULL, r);
}

/* Read notifications for up to ms milliseconds (or none pending when ms
 * is 0); whether any of them was a change that matters. */
static bool changes(int ms, int *msgs)
{
	struct pollfd pfd = { .fd = es_nexthops_fd(nh), .events = POLLIN };
	bool changed = false, c;
	int n, total = 0;

	for (;;) {
		n = es_nexthops_process(nh, &c);
		if (n > 0)
			total += n;
		changed |= n >= 0 && c;
		if (changed || ms <= 0 || poll(&pfd, 1, ms) <= 0)
			break;
	}
	if (msgs)
		*msgs = total;
	return changed;
}

/* Resolve until the kernel has an answer for the neighbour: every round
 * waits for a notification (the ARP/ND reply), at most 50 of them. */
static int resolve_settled(const char *endpoint, const char *source, struct es_nexthop_result *r)
{
	int err = 0;

	for (int i = 0; i < 50; i++) {
		err = resolve(endpoint, source, r);
		if (err || r->state != ES_NH_NEIGH_INCOMPLETE)
			return err;
		changes(200, NULL);
	}
	return err;
}

/*
 * The kernel's answer for endpoint [from source]: `ip route get` (egress
 * device, gateway), `ip neigh` (the gateway's lladdr on that device) and
 * `ip link` (the device's MAC); then the resolver's must be the same.
 */
static void expect_kernel(const char *what, const char *endpoint, const char *source,
			  const struct es_nexthop_result *r)
{
	char route[512], dev[64], via[64], neigh[512], lladdr[64], smac[64], got[18];
	char gw_text[INET6_ADDRSTRLEN];
	const char *nbr;

	capture(fmt("ip route get %s%s%s", endpoint, source ? " from " : "", source ? source : ""),
		route, sizeof(route));
	word_after(route, "dev", dev, sizeof(dev));
	word_after(route, "via", via, sizeof(via));
	if (!strcmp(via, "inet6") || !strcmp(via, "inet"))	/* another family's gateway */
		word_after(route, !strcmp(via, "inet") ? "inet" : "inet6", via, sizeof(via));
	if (!ASSERT_TRUE(dev[0], fmt("%s: ip route get %s has an answer", what, endpoint)))
		return;
	ASSERT_EQ(r->state, ES_NH_RESOLVED, fmt("%s: state (%s)", what, r->detail));
	ASSERT_EQ(r->ifindex, if_nametoindex(dev), fmt("%s: ifindex of %s", what, dev));
	ASSERT_EQ(r->has_gateway, via[0] != 0, fmt("%s: gateway or on-link", what));
	inet_ntop(r->gw_family == ES_AF_INET ? AF_INET : AF_INET6, &r->gateway, gw_text,
		  sizeof(gw_text));
	nbr = via[0] ? via : endpoint;
	ASSERT_TRUE(!strcmp(gw_text, nbr), fmt("%s: neighbour %s, kernel says %s", what, gw_text,
					       nbr));

	capture(fmt("ip neigh show %s dev %s", nbr, dev), neigh, sizeof(neigh));
	word_after(neigh, "lladdr", lladdr, sizeof(lladdr));
	mac_text(r->dmac, got);
	ASSERT_TRUE(lladdr[0] && !strcmp(got, lladdr),
		    fmt("%s: dmac %s, ip neigh says '%s'", what, got, neigh));
	link_mac("", dev, smac, sizeof(smac));
	mac_text(r->smac, got);
	ASSERT_TRUE(!strcmp(got, smac), fmt("%s: smac %s, %s has %s", what, got, dev, smac));
}

static void expect_peer_mac(const char *what, const char *peer_dev,
			    const struct es_nexthop_result *r)
{
	char mac[64], got[18];

	link_mac(fmt("nsenter -t %d -n ", (int)peer_pid), peer_dev, mac, sizeof(mac));
	mac_text(r->dmac, got);
	ASSERT_TRUE(!strcmp(mac, got), fmt("%s: dmac %s is the peer's %s (%s)", what, got, peer_dev,
					   mac));
}

/* ---- the namespaces ---------------------------------------------------- */

static int peer_start(void)
{
	int go[2];
	char c;

	if (pipe(go))
		return -1;
	peer_pid = fork();
	if (peer_pid < 0)
		return -1;
	if (!peer_pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(go[0]);
		if (unshare(CLONE_NEWNET))
			_exit(1);
		if (write(go[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(go[1]);
	if (read(go[0], &c, 1) != 1) {
		close(go[0]);
		return -1;
	}
	close(go[0]);
	return 0;
}

static const char *const setup_cmds[] = {
	"ip link set lo up",
	"sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0",
	"peer ip link set lo up",
	"peer sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0",
	"ip link add h0 type veth peer name p0 netns %d",
	"ip link add h1 type veth peer name p1 netns %d",
	"ip link set h0 up",
	"ip link set h1 up",
	"ip addr add 192.0.2.1/26 dev h0",
	"ip addr add 2001:db8:10::1/64 dev h0 nodad",
	"ip addr add 192.0.2.65/26 dev h1",
	"ip addr add 2001:db8:11::1/64 dev h1 nodad",
	"peer ip link set p0 up",
	"peer ip link set p1 up",
	"peer ip addr add 192.0.2.2/26 dev p0",
	"peer ip addr add 192.0.2.3/26 dev p0",
	"peer ip addr add 192.0.2.4/26 dev p0",
	"peer ip addr add 2001:db8:10::2/64 dev p0 nodad",
	"peer ip addr add 2001:db8:10::4/64 dev p0 nodad",
	"peer ip addr add 192.0.2.66/26 dev p1",
	"peer ip addr add 2001:db8:11::2/64 dev p1 nodad",
	/* the tunnel endpoints, behind the peer */
	"ip route add 198.51.100.0/24 via 192.0.2.2 dev h0",
	"ip -6 route add 2001:db8:100::/48 via 2001:db8:10::2 dev h0",
};

static int setup(void)
{
	if (geteuid() != 0)
		return -EPERM;
	if (peer_start())
		return -errno;
	if (unshare(CLONE_NEWNET))
		return -errno;
	for (size_t i = 0; i < sizeof(setup_cmds) / sizeof(setup_cmds[0]); i++) {
		const char *cmd = fmt(setup_cmds[i], (int)peer_pid);

		if (sh(cmd)) {
			fprintf(stdout, "  setup failed: %s\n", cmd);
			return -1;
		}
	}
	nh = es_nexthops_open();
	return nh ? 0 : -errno;
}

#define NEED_SETUP() do { if (!ready) { es_test_skip("no namespaces (needs root)"); return; } } while (0)

/* ---- subtests ----------------------------------------------------------- */

/* A gateway with a permanent entry: resolved at once, nothing asked. */
static void test_gateway_v4_permanent(void)
{
	struct es_nexthop_result r;

	NEED_SETUP();
	ASSERT_OK(sh("ip neigh replace 192.0.2.2 lladdr 02:00:5e:00:00:aa dev h0 nud permanent"),
		  "permanent neighbour");
	ASSERT_OK(resolve("198.51.100.7", NULL, &r), "resolve");
	expect_kernel("via 192.0.2.2", "198.51.100.7", NULL, &r);
	ASSERT_EQ(r.nud, NUD_PERMANENT, "nud");
	ASSERT_EQ(r.asked, false, "a valid entry is not asked about");
	ASSERT_EQ(r.gw_family, ES_AF_INET, "gateway family");
}

/* An on-link endpoint nobody has resolved: the resolver has the kernel
 * send ARP, the peer answers, the notification says so, and the next
 * resolution has the peer's real MAC. */
static void test_onlink_v4_missing(void)
{
	struct es_nexthop_result r;
	char neigh[256];

	NEED_SETUP();
	capture("ip neigh show 192.0.2.4 dev h0", neigh, sizeof(neigh));
	ASSERT_TRUE(!neigh[0], fmt("no entry for 192.0.2.4 yet ('%s')", neigh));
	ASSERT_OK(resolve("192.0.2.4", NULL, &r), "resolve");
	ASSERT_EQ(r.state, ES_NH_NEIGH_INCOMPLETE, "first answer: neighbour incomplete");
	ASSERT_EQ(r.asked, true, "the kernel was asked");
	ASSERT_EQ(r.has_gateway, false, "on-link");
	ASSERT_EQ(r.ifindex, if_nametoindex("h0"), "egress known already");
	ASSERT_TRUE(changes(5000, NULL), "the ARP reply is a change");
	ASSERT_OK(resolve_settled("192.0.2.4", NULL, &r), "re-resolve");
	expect_kernel("on-link 192.0.2.4", "192.0.2.4", NULL, &r);
	expect_peer_mac("on-link 192.0.2.4", "p0", &r);
	ASSERT_TRUE(r.nud & NUD_REACHABLE, "reachable after the reply");
}

/* The same through an IPv6 gateway: neighbour discovery. */
static void test_gateway_v6_missing(void)
{
	struct es_nexthop_result r;

	NEED_SETUP();
	ASSERT_OK(resolve("2001:db8:100::7", NULL, &r), "resolve");
	ASSERT_EQ(r.state, ES_NH_NEIGH_INCOMPLETE, "first answer: neighbour incomplete");
	ASSERT_EQ(r.has_gateway, true, "via a gateway");
	ASSERT_OK(resolve_settled("2001:db8:100::7", NULL, &r), "re-resolve");
	expect_kernel("via 2001:db8:10::2", "2001:db8:100::7", NULL, &r);
	expect_peer_mac("via 2001:db8:10::2", "p0", &r);
	ASSERT_EQ(r.gw_family, ES_AF_INET6, "gateway family");
}

static void test_onlink_v6_permanent(void)
{
	struct es_nexthop_result r;

	NEED_SETUP();
	ASSERT_OK(sh("ip -6 neigh replace 2001:db8:10::5 lladdr 02:00:5e:00:00:bb dev h0 "
		     "nud permanent"), "permanent neighbour");
	ASSERT_OK(resolve("2001:db8:10::5", NULL, &r), "resolve");
	expect_kernel("on-link 2001:db8:10::5", "2001:db8:10::5", NULL, &r);
	ASSERT_EQ(r.dmac[5], 0xbb, "the permanent lladdr");
}

/* IPv4 over an IPv6 next hop (RTA_VIA): the neighbour is looked up in the
 * IPv6 table. */
static void test_v4_via_v6_gateway(void)
{
	struct es_nexthop_result r;

	NEED_SETUP();
	ASSERT_OK(sh("ip route add 198.51.100.64/26 via inet6 2001:db8:11::2 dev h1"),
		  "route via inet6");
	ASSERT_OK(resolve_settled("198.51.100.70", NULL, &r), "resolve");
	ASSERT_EQ(r.gw_family, ES_AF_INET6, "gateway family");
	expect_kernel("v4 via inet6", "198.51.100.70", NULL, &r);
	expect_peer_mac("v4 via inet6", "p1", &r);
	sh("ip route del 198.51.100.64/26");
}

/* Source-based policy routing: the POP's source chooses the table. */
static void test_source_policy(void)
{
	struct es_nexthop_result r;

	NEED_SETUP();
	ASSERT_OK(sh("ip rule add from 192.0.2.65 table 100 pref 100"), "rule");
	ASSERT_OK(sh("ip route add 198.51.100.0/24 via 192.0.2.66 dev h1 table 100"), "route");
	ASSERT_OK(resolve_settled("198.51.100.9", "192.0.2.65", &r), "resolve from .65");
	expect_kernel("from 192.0.2.65", "198.51.100.9", "192.0.2.65", &r);
	ASSERT_EQ(r.ifindex, if_nametoindex("h1"), "the rule's table");
	ASSERT_EQ(r.source_ignored, false, "a local source is used");
	ASSERT_OK(resolve_settled("198.51.100.9", "192.0.2.1", &r), "resolve from .1");
	expect_kernel("from 192.0.2.1", "198.51.100.9", "192.0.2.1", &r);
	ASSERT_EQ(r.ifindex, if_nametoindex("h0"), "the main table");
	/* a source that is not ours: the kernel refuses it, route without */
	ASSERT_OK(resolve_settled("198.51.100.9", "203.0.113.5", &r), "resolve from elsewhere");
	ASSERT_EQ(r.source_ignored, true, "source ignored");
	expect_kernel("foreign source", "198.51.100.9", NULL, &r);
	/* a rule that sends a local source nowhere is the answer, not a
	 * reason to try without the source */
	ASSERT_OK(sh("ip rule add from 192.0.2.65 unreachable pref 99"), "unreachable rule");
	ASSERT_OK(resolve("198.51.100.9", "192.0.2.65", &r), "resolve from .65");
	ASSERT_EQ(r.source_ignored, false, "local source kept");
	ASSERT_EQ(r.state, ES_NH_NO_ROUTE, fmt("unreachable for that source (%s)", r.detail));
	sh("ip rule del pref 99");
	sh("ip rule del pref 100");
	sh("ip route flush table 100");
}

/* ECMP: the path the kernel picks for each (source, endpoint) pair. */
static void test_ecmp(void)
{
	struct es_nexthop_result r;
	int paths[2] = { 0 };

	NEED_SETUP();
	ASSERT_OK(sh("ip route add 198.51.100.128/25 nexthop via 192.0.2.2 dev h0 "
		     "nexthop via 192.0.2.66 dev h1"), "multipath route");
	for (int i = 1; i <= 24; i++) {
		const char *ep = fmt("198.51.100.%d", 128 + i * 5);

		ASSERT_OK(resolve_settled(ep, "192.0.2.1", &r), ep);
		expect_kernel(fmt("ecmp %s", ep), ep, "192.0.2.1", &r);
		paths[r.ifindex == if_nametoindex("h1")]++;
	}
	/* (recent kernels keep a source's traffic on the device that owns it) */
	fprintf(stdout, "  ecmp from 192.0.2.1: %d endpoints by h0, %d by h1\n", paths[0],
		paths[1]);
	paths[0] = paths[1] = 0;
	for (int i = 1; i <= 24; i++) {
		const char *ep = fmt("198.51.100.%d", 128 + i * 5);

		ASSERT_OK(resolve_settled(ep, NULL, &r), ep);
		expect_kernel(fmt("ecmp %s", ep), ep, NULL, &r);
		paths[r.ifindex == if_nametoindex("h1")]++;
	}
	fprintf(stdout, "  ecmp, no source: %d endpoints by h0, %d by h1\n", paths[0], paths[1]);
	sh("ip route del 198.51.100.128/25");
}

static void test_no_route(void)
{
	struct es_nexthop_result r;
	char route[256];

	NEED_SETUP();
	capture("ip route get 203.0.113.99", route, sizeof(route));
	ASSERT_TRUE(!route[0], fmt("the kernel has no route either ('%s')", route));
	ASSERT_OK(resolve("203.0.113.99", NULL, &r), "resolve v4");
	ASSERT_EQ(r.state, ES_NH_NO_ROUTE, fmt("v4 no route (%s)", r.detail));
	ASSERT_OK(resolve("2001:db8:ffff::99", NULL, &r), "resolve v6");
	ASSERT_EQ(r.state, ES_NH_NO_ROUTE, fmt("v6 no route (%s)", r.detail));
	ASSERT_EQ(r.ifindex, 0, "no interface");
}

static void test_unsupported(void)
{
	struct es_nexthop_result r;

	NEED_SETUP();
	ASSERT_OK(sh("ip route add blackhole 203.0.113.128/25"), "blackhole");
	ASSERT_OK(resolve("203.0.113.130", NULL, &r), "resolve");
	ASSERT_EQ(r.state, ES_NH_UNSUPPORTED, fmt("blackhole (%s)", r.detail));
	ASSERT_TRUE(strstr(r.detail, "blackhole") != NULL, r.detail);
	ASSERT_OK(sh("ip route add prohibit 203.0.113.64/26"), "prohibit");
	ASSERT_OK(resolve("203.0.113.70", NULL, &r), "resolve");
	ASSERT_EQ(r.state, ES_NH_UNSUPPORTED, fmt("prohibit (%s)", r.detail));
	ASSERT_OK(resolve("192.0.2.1", NULL, &r), "resolve a local address");
	ASSERT_EQ(r.state, ES_NH_UNSUPPORTED, fmt("local (%s)", r.detail));
	/* an egress without ARP */
	ASSERT_OK(sh("ip link add d0 type veth peer name d1 && ip link set d1 up && "
		     "ip link set d0 arp off up && ip route add 203.0.113.0/26 dev d0"),
		  "noarp veth");
	ASSERT_OK(resolve("203.0.113.9", NULL, &r), "resolve");
	ASSERT_EQ(r.state, ES_NH_UNSUPPORTED, fmt("noarp egress (%s)", r.detail));
	ASSERT_EQ(r.ifindex, if_nametoindex("d0"), "egress named");
	sh("ip link del d0");
	sh("ip route del blackhole 203.0.113.128/25");
	sh("ip route del prohibit 203.0.113.64/26");
}

/* A route replaced by one through the other link: changed, new answer. */
static void test_route_change(void)
{
	struct es_nexthop_result r;

	NEED_SETUP();
	ASSERT_OK(resolve_settled("198.51.100.7", NULL, &r), "resolve");
	ASSERT_EQ(r.ifindex, if_nametoindex("h0"), "via h0 first");
	changes(0, NULL);
	ASSERT_OK(sh("ip route replace 198.51.100.0/24 via 192.0.2.66 dev h1"), "replace");
	ASSERT_TRUE(changes(5000, NULL), "route replace seen");
	ASSERT_OK(resolve_settled("198.51.100.7", NULL, &r), "re-resolve");
	expect_kernel("after replace", "198.51.100.7", NULL, &r);
	expect_peer_mac("after replace", "p1", &r);
	ASSERT_OK(sh("ip route replace 198.51.100.0/24 via 192.0.2.2 dev h0"), "restore");
	ASSERT_TRUE(changes(5000, NULL), "restore seen");
}

/* A gateway's new lladdr: changed, new MAC. */
static void test_neigh_change(void)
{
	struct es_nexthop_result r;

	NEED_SETUP();
	ASSERT_OK(sh("ip neigh replace 192.0.2.2 lladdr 02:00:5e:00:00:aa dev h0 nud permanent"),
		  "permanent neighbour");
	ASSERT_OK(resolve("198.51.100.7", NULL, &r), "resolve");
	ASSERT_EQ(r.dmac[5], 0xaa, "old lladdr");
	changes(0, NULL);
	ASSERT_OK(sh("ip neigh replace 192.0.2.2 lladdr 02:00:5e:00:00:cc dev h0 nud permanent"),
		  "new lladdr");
	ASSERT_TRUE(changes(5000, NULL), "lladdr change seen");
	ASSERT_OK(resolve("198.51.100.7", NULL, &r), "re-resolve");
	expect_kernel("new lladdr", "198.51.100.7", NULL, &r);
	ASSERT_EQ(r.dmac[5], 0xcc, "new lladdr");
}

/* Changes no resolution depends on are read but not reported; one that
 * covers an endpoint is. Netlink notifications are queued before the
 * command that caused them returns, so "none" is known without waiting. */
static void test_unrelated_ignored(void)
{
	struct es_nexthops *shared = nh;
	struct es_nexthop_result r;
	int msgs;

	NEED_SETUP();
	/* a handle of its own, which knows only 198.51.100.7 (through the
	 * permanent 192.0.2.2): the neighbours other subtests resolved age
	 * (REACHABLE -> STALE) on the kernel's timers, a real change */
	nh = es_nexthops_open();
	if (!ASSERT_TRUE(nh != NULL, "open")) {
		nh = shared;
		return;
	}
	ASSERT_OK(resolve("198.51.100.7", NULL, &r), "resolve");
	ASSERT_EQ(r.nud, NUD_PERMANENT, "through a permanent neighbour");
	changes(0, NULL);
	ASSERT_OK(sh("ip neigh replace 192.0.2.9 lladdr 02:00:5e:00:00:09 dev h0 nud permanent"),
		  "other neighbour");
	ASSERT_EQ(changes(0, &msgs), false, "another neighbour is no change");
	ASSERT_TRUE(msgs > 0, "its notification was read");
	ASSERT_OK(sh("ip route add 203.0.113.192/26 via 192.0.2.3"), "other route");
	ASSERT_EQ(changes(0, &msgs), false, "a route covering no endpoint is no change");
	ASSERT_TRUE(msgs > 0, "its notification was read");
	ASSERT_OK(sh("ip route add 198.51.100.0/28 via 192.0.2.3"), "more specific route");
	ASSERT_EQ(changes(0, NULL), true, "a route covering an endpoint is a change");
	ASSERT_OK(resolve_settled("198.51.100.7", NULL, &r), "re-resolve");
	expect_kernel("more specific", "198.51.100.7", NULL, &r);
	ASSERT_OK(sh("ip route del 198.51.100.0/28"), "delete it");
	ASSERT_EQ(changes(0, NULL), true, "its removal is a change");
	/* forgotten endpoints no longer count */
	{
		struct es_addr ep;

		parse_addr("198.51.100.7", &ep);
		es_nexthops_forget(nh, ES_AF_INET, &ep, NULL);
		ASSERT_OK(sh("ip route add 198.51.100.7/32 via 192.0.2.3"), "host route");
		ASSERT_EQ(changes(0, NULL), false, "forgotten endpoint");
		sh("ip route del 198.51.100.7/32");
		changes(0, NULL);
	}
	sh("ip route del 203.0.113.192/26");
	sh("ip neigh del 192.0.2.9 dev h0");
	es_nexthops_close(nh);
	nh = shared;
	changes(0, NULL);
}

/* Carrier lost (the peer's end down): the route stays, the link is
 * unusable; admin down: IPv4 drops the route. Both are seen. */
static void test_link_down(void)
{
	struct es_nexthop_result r;
	char route[256];

	NEED_SETUP();
	ASSERT_OK(sh("ip route replace 198.51.100.0/24 via 192.0.2.66 dev h1"), "via h1");
	ASSERT_OK(resolve_settled("198.51.100.7", NULL, &r), "resolve");
	expect_kernel("via h1", "198.51.100.7", NULL, &r);
	changes(0, NULL);

	ASSERT_OK(sh("peer ip link set p1 down"), "peer end down");
	ASSERT_TRUE(changes(5000, NULL), "carrier loss seen");
	ASSERT_OK(resolve("198.51.100.7", NULL, &r), "re-resolve");
	capture("ip route get 198.51.100.7", route, sizeof(route));
	ASSERT_TRUE(strstr(route, "dev h1") != NULL, fmt("the kernel still routes by h1: %s",
							 route));
	ASSERT_EQ(r.state, ES_NH_LINK_DOWN, fmt("no carrier (%s)", r.detail));
	ASSERT_OK(sh("peer ip link set p1 up"), "peer end up");
	ASSERT_TRUE(changes(5000, NULL), "carrier back seen");
	ASSERT_OK(resolve_settled("198.51.100.7", NULL, &r), "re-resolve");
	expect_kernel("carrier back", "198.51.100.7", NULL, &r);

	ASSERT_OK(sh("ip link set h1 down"), "h1 down");
	ASSERT_TRUE(changes(5000, NULL), "link down seen");
	ASSERT_OK(resolve("198.51.100.7", NULL, &r), "re-resolve");
	capture("ip route get 198.51.100.7", route, sizeof(route));
	ASSERT_TRUE(!route[0], fmt("the kernel dropped the route: '%s'", route));
	ASSERT_EQ(r.state, ES_NH_NO_ROUTE, fmt("route gone with the link (%s)", r.detail));
	ASSERT_OK(sh("ip link set h1 up && ip addr replace 192.0.2.65/26 dev h1 && "
		     "ip route replace 198.51.100.0/24 via 192.0.2.2 dev h0"), "restore");
	changes(1000, NULL);
}

/* ---- es_nexthop_apply --------------------------------------------------- */

static void test_apply(void)
{
	static const __u8 smac[6] = { 2, 0, 0, 0, 0, 1 }, dmac[6] = { 2, 0, 0, 0, 0, 2 };
	static const __u8 zero[6];
	struct es_nexthop_result r = { 0 }, none = { .state = ES_NH_NEIGH_INCOMPLETE,
						      .ifindex = 7 };
	struct es_pop before, after, want;
	struct es_state *st;
	__u32 id = 3;

	if (geteuid() != 0) {
		es_test_skip("loading BPF needs root");
		return;
	}
	st = fx_open(0, 0);
	if (!ASSERT_TRUE(st != NULL, "private instance"))
		return;
	ASSERT_OK(fx_pop_tunnel(st, 3, "B", "198.51.100.7", "192.0.2.1", ES_ENCAP_GUE, 1500, 0,
				zero, zero), "tunnel POP");
	ASSERT_OK(fx_pop_state(st, 3, ES_STATE_DRAIN), "drain");
	ASSERT_OK(fx_pop_redirect(st, 4, "R", 1, smac, dmac), "redirect POP");
	ASSERT_OK(bpf_map_lookup_elem(st->pops_fd, &id, &before), "read");

	r.state = ES_NH_RESOLVED;
	r.ifindex = 42;
	memcpy(r.smac, smac, 6);
	memcpy(r.dmac, dmac, 6);
	ASSERT_EQ(es_nexthop_apply(st, 3, &r), 1, "written");
	ASSERT_OK(bpf_map_lookup_elem(st->pops_fd, &id, &after), "read back");
	want = before;
	want.ifindex = 42;
	memcpy(want.smac, smac, 6);
	memcpy(want.dmac, dmac, 6);
	ASSERT_MEM_EQ(&after, &want, sizeof(want), "only ifindex/smac/dmac changed");
	ASSERT_EQ(es_nexthop_apply(st, 3, &r), 0, "same again: not written");

	ASSERT_EQ(es_nexthop_apply(st, 3, &none), 1, "unresolved written");
	ASSERT_OK(bpf_map_lookup_elem(st->pops_fd, &id, &after), "read back");
	ASSERT_MEM_EQ(&after, &before, sizeof(before), "unresolved: ifindex 0, no MACs");

	ASSERT_EQ(es_nexthop_apply(st, 4, &r), -EINVAL, "a redirect POP is refused");
	ASSERT_EQ(es_nexthop_apply(st, 9, &r), -ENOENT, "no such POP");
	ASSERT_EQ(es_nexthop_apply(st, 0, &r), -ENOENT, "id 0");
	es_state_close(st);
}

/* A real resolution applied, as the daemon will: read back from the map. */
static void test_apply_resolved(void)
{
	static const __u8 zero[6];
	struct es_nexthop_result r;
	struct es_state *st;
	struct es_pop p;
	__u32 id = 2;

	NEED_SETUP();
	st = fx_open(0, 0);
	if (!ASSERT_TRUE(st != NULL, "private instance"))
		return;
	ASSERT_OK(fx_pop_tunnel(st, 2, "C", "2001:db8:100::7", "2001:db8:10::1", ES_ENCAP_IPIP,
				0, 0, zero, zero), "tunnel POP");
	ASSERT_OK(es_pop_get(st, 2, &p), "get");
	ASSERT_OK(es_nexthop_resolve(nh, p.family, &p.endpoint, &p.source, &r), "resolve");
	if (r.state == ES_NH_NEIGH_INCOMPLETE)
		ASSERT_OK(resolve_settled("2001:db8:100::7", "2001:db8:10::1", &r), "settle");
	expect_kernel("POP C", "2001:db8:100::7", "2001:db8:10::1", &r);
	ASSERT_EQ(es_nexthop_apply(st, 2, &r), 1, "apply");
	ASSERT_OK(bpf_map_lookup_elem(st->pops_fd, &id, &p), "read back");
	ASSERT_EQ(p.ifindex, if_nametoindex("h0"), "ifindex in the map");
	ASSERT_MEM_EQ(p.smac, r.smac, 6, "smac in the map");
	ASSERT_MEM_EQ(p.dmac, r.dmac, 6, "dmac in the map");
	es_state_close(st);
}

/* ---- tool mode ------------------------------------------------------------ */

/*
 * `test_nexthop_resolve apply PIN_PATH POP...`: what edgesteerd will do
 * for a pinned instance, run in the namespace of the box: resolve each
 * tunnel POP from its source, wait (at most 50 notifications' worth) for
 * neighbours the kernel was asked about, write the result, print
 *   NAME STATE IFINDEX SMAC DMAC GATEWAY
 */
static int tool_apply(int argc, char **argv)
{
	struct es_state *st;
	int err, rc = 0;

	err = es_state_open(&st, argv[2], 0, NULL);
	if (err) {
		fprintf(stderr, "%s: %s\n", argv[2], strerror(-err));
		return 2;
	}
	nh = es_nexthops_open();
	if (!nh || es_state_lock(st)) {
		fprintf(stderr, "netlink or lock: %s\n", strerror(errno));
		es_state_close(st);
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		char smac[18], dmac[18], gw[INET6_ADDRSTRLEN];
		struct es_nexthop_result r;
		struct es_pop p;
		__u32 id;

		err = es_pop_find(st, argv[i], &id, &p);
		for (int round = 0; !err && round < 50; round++) {
			err = es_nexthop_resolve(nh, p.family, &p.endpoint, &p.source, &r);
			if (err || r.state != ES_NH_NEIGH_INCOMPLETE)
				break;
			changes(200, NULL);
		}
		if (!err)
			err = es_nexthop_apply(st, id, &r);
		if (err < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(-err));
			rc = 1;
			continue;
		}
		mac_text(r.smac, smac);
		mac_text(r.dmac, dmac);
		inet_ntop(r.gw_family == ES_AF_INET6 ? AF_INET6 : AF_INET, &r.gateway, gw,
			  sizeof(gw));
		printf("%s %s %u %s %s %s\n", argv[i], es_nexthop_state_name(r.state), r.ifindex,
		       smac, dmac, gw);
	}
	es_nexthops_close(nh);
	es_state_close(st);
	return rc;
}

int main(int argc, char **argv)
{
	int err;

	if (argc > 3 && !strcmp(argv[1], "apply"))
		return tool_apply(argc, argv);
	if (argc > 1) {
		fprintf(stderr, "usage: %s [apply PIN_PATH POP...]\n", argv[0]);
		return 2;
	}
	err = setup();

	ready = !err;
	if (err)
		fprintf(stdout, "  namespaces: %s\n", strerror(-err > 0 ? -err : EINVAL));
	RUN_TEST(test_gateway_v4_permanent);
	RUN_TEST(test_onlink_v4_missing);
	RUN_TEST(test_gateway_v6_missing);
	RUN_TEST(test_onlink_v6_permanent);
	RUN_TEST(test_v4_via_v6_gateway);
	RUN_TEST(test_source_policy);
	RUN_TEST(test_ecmp);
	RUN_TEST(test_no_route);
	RUN_TEST(test_unsupported);
	RUN_TEST(test_route_change);
	RUN_TEST(test_neigh_change);
	RUN_TEST(test_unrelated_ignored);
	RUN_TEST(test_link_down);
	RUN_TEST(test_apply);
	RUN_TEST(test_apply_resolved);
	es_nexthops_close(nh);
	if (peer_pid > 0) {
		kill(peer_pid, SIGKILL);
		waitpid(peer_pid, NULL, 0);
	}
	return es_test_exit();
}

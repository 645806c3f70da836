#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Next hops resolved by userspace (user/lib/nexthop.c) and used by the data
# path, with real traffic through the fleet. A is made unable to find a
# next hop by itself: forwarding off (bpf_fib_lookup answers nothing) and
# no neighbour entries for B and C on the backbone. Then what the resolver
# writes into A's pinned POPs is the only way a tunnel can leave: the
# clients' connections reach B and C exactly when the resolver's answer
# is right, and the answer must equal the kernel's (ip route get, ip neigh,
# the real MACs of both ends). The resolver runs as
# build/tests/bpf/test_nexthop_resolve in tool mode (`apply PIN POP...`),
# the calls edgesteerd will make. The resolver's own cases (gateways,
# ECMP, policy routing, notifications) are in that binary's subtests.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/topology.sh"
es_setup
command -v socat >/dev/null || es_skip "socat missing"
RESOLVER="$ES_BUILD/tests/bpf/test_nexthop_resolve"
[ -x "$RESOLVER" ] || es_skip "no $RESOLVER (make tests)"
topo_create || { echo "FAIL topology"; exit 1; }
topo_attach || { echo "FAIL attach"; exit 1; }
topo_servers

topo_sysctl "$NS_A" net.ipv4.ip_forward=0
topo_sysctl "$NS_A" net.ipv6.conf.all.forwarding=0
ip -n "$NS_A" neigh del "${TOPO_BB4[b]}" dev a-bb
ip -n "$NS_A" -6 neigh del "${TOPO_BB6[c]}" dev a-bb
# 192.0.2.10 goes to B over IPv4, 2001:db8:1::10 to C over IPv6
topo_es a prefix load /dev/stdin replace >/dev/null <<T || { echo "FAIL steering"; exit 1; }
192.0.2.0/26      B
2001:db8:1::/48   C
T

resolve() {
	ip netns exec "$NS_A" "$RESOLVER" apply "$ES_TMP/bpffs/pop-a" "$@"
}

counter() {
	json_get "$(topo_es a -j stats show)" "j['reasons']['$1']['packets']"
}

# expect CLIENT POP
expect() {
	local got
	got=$(topo_ask "$1" tcp)
	[ "$got" = "pop-$2" ] || fail "$1: served by '$got', expected pop-$2"
}

mac_of() {
	ip -n "$1" -br link show dev "$2" | awk '{print $3}'
}

# expect_nexthop POP ENDPOINT PEER_NS PEER_DEV: A's pinned POP entry has
# the kernel's next hop: egress device, its MAC, and the neighbour's
# lladdr, which is the peer's real MAC
expect_nexthop() {
	local pop=$1 ep=$2 peer_ns=$3 peer_dev=$4 js dev via nbr lladdr
	js=$(topo_es a -j pop show "$pop")
	local route
	route=$(ip -n "$NS_A" route get "$ep")
	dev=$(echo "$route" | awk '{for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1)}')
	via=$(echo "$route" | awk '{for (i = 1; i < NF; i++) if ($i == "via") print $(i + 1)}')
	nbr=${via:-$ep}
	lladdr=$(ip -n "$NS_A" neigh show "$nbr" dev "$dev" | awk '{print $3}')
	[ -n "$dev" ] || fail "the kernel has no route to $ep"
	[ "$(json_get "$js" "j['nexthop']['dev']")" = "$dev" ] ||
		fail "$pop: dev $(json_get "$js" "j['nexthop']") vs ip route get: $route"
	[ "$(json_get "$js" "j['nexthop']['smac']")" = "$(mac_of "$NS_A" "$dev")" ] ||
		fail "$pop: smac $(json_get "$js" "j['nexthop']['smac']") is not $dev's"
	[ "$(json_get "$js" "j['nexthop']['dmac']")" = "$lladdr" ] ||
		fail "$pop: dmac $(json_get "$js" "j['nexthop']['dmac']"), ip neigh: $lladdr"
	[ "$lladdr" = "$(mac_of "$peer_ns" "$peer_dev")" ] ||
		fail "$pop: neighbour $lladdr is not $peer_dev's MAC"
}

test_unresolved_is_served_here() {
	local before
	[ "$(json_get "$(topo_es a -j pop show B)" "j['nexthop']")" = null ] ||
		fail "B has a next hop before anything resolved it"
	before=$(counter local_no_nexthop)
	expect 192.0.2.10 a
	expect 2001:db8:1::10 a
	[ "$(counter local_no_nexthop)" -gt "$before" ] || fail "local_no_nexthop not counted"
}

test_resolved_next_hop_steers() {
	local out fib_before
	out=$(resolve B C) || fail "resolver: $out"
	echo "$out"
	echo "$out" | grep -q "^B resolved " || fail "B not resolved: $out"
	echo "$out" | grep -q "^C resolved " || fail "C not resolved: $out"
	expect_nexthop B "${TOPO_BB4[b]}" "$NS_B" b-bb
	expect_nexthop C "${TOPO_BB6[c]}" "$NS_C" c-bb
	fib_before=$(json_get "$(topo_es a -j stats show)" "j['events']['fib_lookup']")
	expect 192.0.2.10 b
	expect 2001:db8:1::10 c
	[ "$(json_get "$(topo_es a -j stats show)" "j['events']['fib_lookup']")" = "$fib_before" ] ||
		fail "the data path asked the FIB although the next hop was resolved"
}

# A route change on A: B's endpoint blackholed, then back. The resolver
# follows the kernel: no next hop (served here), then B's again.
test_route_change_followed() {
	local out
	ip -n "$NS_A" route add blackhole "${TOPO_BB4[b]}/32" || fail "blackhole"
	out=$(resolve B) || fail "resolver: $out"
	echo "$out" | grep -q "^B unsupported 0 " || fail "blackhole: $out"
	[ "$(json_get "$(topo_es a -j pop show B)" "j['nexthop']")" = null ] ||
		fail "B's next hop not cleared"
	expect 192.0.2.10 a
	ip -n "$NS_A" route del blackhole "${TOPO_BB4[b]}/32"
	out=$(resolve B) || fail "resolver: $out"
	echo "$out" | grep -q "^B resolved " || fail "B after the blackhole: $out"
	expect_nexthop B "${TOPO_BB4[b]}" "$NS_B" b-bb
	expect 192.0.2.10 b
}

es_run_test test_unresolved_is_served_here
es_run_test test_resolved_next_hop_steers
es_run_test test_route_change_followed
es_finish

#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Failover time of edgesteerd, for bench_daemon: from B's failure (its
# health service killed) to the first packet A tunnels to C instead.
#
#   daemon_failover.sh BUILD ROUNDS INTERVAL_MS
#
# Namespaces: src (a client sending an echo request every millisecond to
# the VIP from 192.0.2.10), A (edgesteer on a0, generic XDP, and
# edgesteerd probing B's TCP 8081 every INTERVAL_MS, fall 2), B and C
# (tunnel endpoints on their own links to A). The first IPIP packet C sees
# is timestamped by tcpdump (CLOCK_REALTIME, like `date` when B's service
# is killed). Prints "failover_ns N" per round; anything that does not
# happen as described is an error (exit 1) with the reason on stderr.
set -u
BUILD=$1 ROUNDS=$2 INTERVAL=$3
ES="$BUILD/edgesteer" ESD="$BUILD/edgesteerd"
TMP=$(mktemp -d /tmp/edgesteer-bench-failover.XXXXXX)
TAG=$(basename "$TMP" | tr -dc 'a-zA-Z0-9' | tail -c 6)
NS=()

cleanup() {
	local ns
	for ns in "${NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	umount "$TMP/bpffs" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
die() {
	echo "daemon_failover: $*" >&2
	[ -s "$TMP/esd.log" ] && tail -5 "$TMP/esd.log" >&2
	exit 1
}

for n in src a b c; do
	ip netns add "esb-$TAG-$n" || die "cannot create namespace"
	NS+=("esb-$TAG-$n")
	ip -n "esb-$TAG-$n" link set lo up
done
S=esb-$TAG-src A=esb-$TAG-a B=esb-$TAG-b C=esb-$TAG-c
mkdir -p "$TMP/bpffs" && mount -t bpf bpf "$TMP/bpffs" || die "cannot mount bpffs"

veth() {	# veth NS1 IF1 ADDR1 NS2 IF2 ADDR2
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" &&
	ip -n "$1" addr add "$3" dev "$2" && ip -n "$4" addr add "$6" dev "$5" &&
	ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}
mac() {
	ip -n "$1" -br link show "$2" | awk '{print $3}'
}
veth "$S" s0 192.0.2.10/24 "$A" a0 192.0.2.1/24 &&
veth "$A" ab 198.51.100.1/30 "$B" b0 198.51.100.2/30 &&
veth "$A" ac 198.51.100.5/30 "$C" c0 198.51.100.6/30 || die "cannot create links"
ip netns exec "$A" sysctl -qw net.ipv4.ip_forward=1
ip -n "$S" route add 203.0.113.10/32 via 192.0.2.1
ip -n "$A" addr add 203.0.113.10/32 dev lo
# next hops known before the first packet
ip -n "$A" neigh replace 198.51.100.2 lladdr "$(mac "$B" b0)" dev ab nud permanent
ip -n "$A" neigh replace 198.51.100.6 lladdr "$(mac "$C" c0)" dev ac nud permanent

cat > "$TMP/esd.conf" <<C
pop add B id 2 tunnel 198.51.100.2 src 198.51.100.1
pop add C id 3 tunnel 198.51.100.6 src 198.51.100.5
vip add 203.0.113.10
prefix add 192.0.2.0/26 pops B,C
link attach dev a0 mode generic
probe B tcp 8081 interval $INTERVAL rise 1 fall 2
C

health_up() {
	ip netns exec "$B" socat TCP-LISTEN:8081,bind=198.51.100.2,fork,reuseaddr \
		SYSTEM:true >/dev/null 2>&1 &
	HEALTH=$!
}
pop_state() {
	ip netns exec "$A" "$ES" --pin-path "$TMP/bpffs/a" -j pop show B |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'
}
wait_for() {	# wait_for SECONDS CONDITION
	local end=$((SECONDS + $1))
	until eval "$2"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.05
	done
}

health_up
ip netns exec "$A" "$ESD" -c "$TMP/esd.conf" --pin-path "$TMP/bpffs/a" -f \
	>"$TMP/esd.log" 2>&1 &
wait_for 30 "grep -q 'edgesteerd: started' '$TMP/esd.log'" || die "edgesteerd did not start"
ip netns exec "$S" ping -q -i 0.001 -w 600 203.0.113.10 >/dev/null 2>&1 &

for r in $(seq "$ROUNDS"); do
	wait_for 20 '[ "$(pop_state)" = up ]' || die "B is not up (round $r)"
	rm -f "$TMP/cap.out" "$TMP/cap.err"
	ip netns exec "$C" tcpdump -i c0 -n -c 1 -tt --time-stamp-precision=nano 'ip proto 4' \
		>"$TMP/cap.out" 2>"$TMP/cap.err" &
	CAP=$!
	wait_for 10 "grep -qs 'listening on' '$TMP/cap.err'" || die "tcpdump did not start"
	sleep 0.2	# the stream goes to B: C must see nothing yet
	[ -s "$TMP/cap.out" ] && die "C received tunnelled packets while B was up"
	t0=$(date +%s%N)
	kill "$HEALTH"
	wait "$HEALTH" 2>/dev/null
	wait_for 20 "[ -s '$TMP/cap.out' ]" || die "no packet reached C after B failed"
	wait "$CAP" 2>/dev/null
	t1=$(awk '{ split($1, t, "."); printf "%s%s\n", t[1], t[2]; exit }' "$TMP/cap.out")
	[ "$t1" -gt "$t0" ] || die "C's first packet predates B's failure"
	grep -q "pop B" "$TMP/esd.log" || die "edgesteerd did not log B's change"
	echo "failover_ns $((t1 - t0))"
	health_up
done
exit 0

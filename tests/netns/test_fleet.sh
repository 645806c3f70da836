#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A small anycast fleet with real traffic: clients land on POP A (the BGP
# choice), edgesteer on A sends each client prefix to the POP its decision
# names, B and C decapsulate and answer the client directly.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/topology.sh"
es_setup
command -v socat >/dev/null || es_skip "socat missing"
topo_create || { echo "FAIL topology"; exit 1; }
topo_attach || { echo "FAIL attach"; exit 1; }
topo_servers

# counter PACKETS of POP's reason/verdict NAME
counter() {
	json_get "$(topo_es "$1" -j stats show)" "j['reasons']['$2']['packets']"
}

steer_default() {
	topo_es a prefix load /dev/stdin replace <<'T'
192.0.2.0/26      B,C
192.0.2.64/26     C-gue,B
198.18.0.0/24     local
2001:db8:1::/48   B
2001:db8:2::/48   C
T
}

# expect CLIENT PROTO POP
expect() {
	local got
	got=$(topo_ask "$1" "$2")
	[ "$got" = "pop-$3" ] || fail "$1 $2: served by '$got', expected pop-$3"
}

test_every_prefix_served_by_its_pop() {
	steer_default || fail "load"
	expect 192.0.2.10 tcp b && expect 192.0.2.10 udp b &&
	expect 192.0.2.70 tcp c && expect 192.0.2.70 udp c &&
	expect 198.18.0.10 tcp a && expect 198.18.0.10 udp a &&
	expect 2001:db8:1::10 tcp b && expect 2001:db8:1::10 udp b &&
	expect 2001:db8:2::10 tcp c && expect 2001:db8:2::10 udp c
}

# Every encapsulation, both client families: IPIP, 6in4, 4in6, IP6IP6, GUE
test_every_encapsulation() {
	local pop src
	for pop in B C B-gue C-gue; do
		topo_es a prefix load /dev/stdin replace <<T || fail "load $pop"
192.0.2.0/26      $pop
2001:db8:1::/48   $pop
T
		for src in 192.0.2.10 2001:db8:1::10; do
			local want=${pop%-gue}
			want=pop-$(echo "$want" | tr A-Z a-z)
			[ "$(topo_ask $src tcp)" = "$want" ] || fail "$src via $pop: tcp not served by $want"
			[ "$(topo_ask $src udp)" = "$want" ] || fail "$src via $pop: udp not served by $want"
		done
	done
}

test_icmp_echo_follows_prefix() {
	steer_default || fail "load"
	local before after
	before=$(counter b decap)
	ip netns exec "$NS_CL" ping -c 3 -i 0.2 -W 2 -I 192.0.2.10 "$TOPO_VIP4" >/dev/null || fail "ping v4"
	ip netns exec "$NS_CL" ping -6 -c 3 -i 0.2 -W 2 -I 2001:db8:1::10 "$TOPO_VIP6" >/dev/null || fail "ping v6"
	after=$(counter b decap)
	[ $((after - before)) -ge 6 ] || fail "B decapsulated $((after - before)) echo requests, expected 6"
}

test_10mb_transfer_through_tunnel() {
	steer_default || fail "load"
	head -c 10000000 /dev/urandom > "$ES_TMP/10mb"
	local want got
	want=$(sha256sum < "$ES_TMP/10mb" | cut -d' ' -f1)
	got=$(ip netns exec "$NS_CL" socat -T30 -t5 - "TCP4:$TOPO_VIP4:9090,bind=192.0.2.10,shut-down" < "$ES_TMP/10mb")
	[ "$(echo "$got" | tail -1)" = pop-b ] || fail "served by $(echo "$got" | tail -1)"
	[ "$(echo "$got" | head -1)" = "$want" ] || fail "sha256 at B: $(echo "$got" | head -1), sent $want"
}

test_capture_decodes_cleanly() {
	command -v tshark >/dev/null || { echo "tshark missing"; return 0; }
	steer_default || fail "load"
	topo_es a prefix add 192.0.2.64/26 pops B-gue
	local cap="$ES_TMP/bb.pcap"
	ip netns exec "$NS_BB" tcpdump -i br0 -w "$cap" -U 'ip proto 4 or ip6 proto 41 or udp port 6080 or ip6 proto 4 or ip proto 41' >/dev/null 2>&1 &
	local tp=$!
	sleep 1
	topo_ask 192.0.2.10 tcp >/dev/null	# IPIP
	topo_ask 192.0.2.70 tcp >/dev/null	# GUE over IPv4
	topo_ask 2001:db8:1::10 udp >/dev/null	# 6in4
	topo_ask 2001:db8:2::10 tcp >/dev/null	# IP6IP6
	sleep 1
	kill $tp; wait $tp 2>/dev/null
	local out
	out=$(tshark -r "$cap" -d udp.port==6080,ip -d udp.port==5353,data -d tcp.port==8080,data -o ip.check_checksum:TRUE \
		-o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -V 2>&1)
	[ -n "$out" ] || fail "empty capture"
	echo "$out" | grep -qi "malformed" && { echo "$out" | grep -i -B30 malformed | head -60; cp "$cap" /tmp/es-bb.pcap; fail "malformed packets"; }
	echo "$out" | grep -q "\[incorrect\|Bad checksum\|\[Checksum Status: Bad\]" && fail "bad checksums"
	echo "$out" | grep -q "Protocol: IPIP (4)" || fail "no IPIP seen"
	echo "$out" | grep -q "Next Header: IPv6 (41)" || fail "no IPv6-in-IPv6 seen"
	echo "$out" | grep -q "Protocol: IPv6 (41)" || fail "no 6in4 seen"
	echo "$out" | grep -q "Destination Port: 6080" || fail "no GUE seen"
	return 0
}

# a box on the backbone that is neither a POP nor a peer (made here, not
# in the test's subshell, so that cleanup knows about it)
es_netns NS_X rogue || { echo "FAIL netns"; exit 1; }
topo_veth "$NS_X" x-bb "$NS_BB" bb-x
ip -n "$NS_BB" link set bb-x master br0
ip -n "$NS_X" addr add 198.51.100.9/26 dev x-bb

test_tunnel_from_stranger_denied() {
	local before after
	before=$(counter b decap_denied)
	ip netns exec "$NS_X" python3 - <<'PY' || fail "send"
import socket, struct
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
inner = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0,
                               socket.inet_aton("192.0.2.10"), socket.inet_aton("203.0.113.10")))
struct.pack_into("!H", inner, 10, csum(bytes(inner[:20])))
inner += struct.pack("!HHHH", 1234, 5353, 8, 0)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IPIP)
for _ in range(3):
    s.sendto(bytes(inner), ("198.51.100.2", 0))
PY
	sleep 0.5
	after=$(counter b decap_denied)
	[ $((after - before)) -eq 3 ] || fail "B denied $((after - before)) tunnel packets, expected 3"
}

test_pop_down_moves_new_connections() {
	steer_default || fail "load"
	expect 192.0.2.10 tcp b || return 1
	topo_es a pop set B state down || fail "set down"
	expect 192.0.2.10 tcp c || return 1
	topo_es a pop set B state up || fail "set up"
	expect 192.0.2.10 tcp b
}

# stream SRC SECONDS: a long connection in the background; sets STREAM_PID
stream() {
	rm -f "$ES_TMP/stream.started"
	ip netns exec "$NS_CL" python3 "$(dirname "$0")/stream.py" "$1" "$TOPO_VIP4" 7070 "$2" 0.1 \
		"$ES_TMP/stream" > "$ES_TMP/stream.out" 2>&1 &
	STREAM_PID=$!
	for _ in $(seq 50); do
		[ -e "$ES_TMP/stream.started" ] && return 0
		sleep 0.1
	done
	return 1
}

test_drain_keeps_established_stream() {
	steer_default || fail "load"
	stream 192.0.2.10 4 || fail "stream did not start"
	topo_es a pop set B state drain || fail "drain"
	expect 192.0.2.10 tcp c || { kill $STREAM_PID; return 1; }
	wait $STREAM_PID || fail "stream broke: $(cat "$ES_TMP/stream.out")"
	[ "$(head -1 "$ES_TMP/stream.out")" = pop-b ] || fail "stream was not on B"
	grep -q '^ok' "$ES_TMP/stream.out" || fail "stream: $(cat "$ES_TMP/stream.out")"
	topo_es a pop set B state up
}

test_decision_change_keeps_established_stream() {
	steer_default || fail "load"
	stream 192.0.2.10 4 || fail "stream did not start"
	topo_es a prefix add 192.0.2.0/26 pops C || fail "change"
	expect 192.0.2.10 tcp c || { kill $STREAM_PID; return 1; }
	wait $STREAM_PID || fail "stream broke: $(cat "$ES_TMP/stream.out")"
	[ "$(head -1 "$ES_TMP/stream.out")" = pop-b ] || fail "stream was not on B"
}

test_not_vip_never_steered() {
	steer_default || fail "load"
	local before after tunnels
	before=$(counter a not_vip)
	tunnels=$(counter a tunnel)
	# A's own uplink address: management, BGP...
	ip netns exec "$NS_CL" ping -c 2 -i 0.2 -W 2 -I 192.0.2.10 "${TOPO_UP4[a]}" >/dev/null || fail "ping A"
	ip netns exec "$NS_CL" socat -T2 - "TCP4:${TOPO_UP4[a]}:8080,bind=192.0.2.10" </dev/null |
		grep -q pop-a || fail "A's own address served elsewhere"
	after=$(counter a not_vip)
	[ $((after - before)) -ge 2 ] || fail "not_vip did not count"
	[ "$(counter a tunnel)" = "$tunnels" ] || fail "traffic to A's own address was tunnelled"
}

test_detach_serves_everything_here() {
	steer_default || fail "load"
	topo_es a link detach dev a-rt || fail "detach"
	expect 192.0.2.10 tcp a && expect 2001:db8:2::10 udp a && expect 192.0.2.70 tcp a
	local rc=$?
	topo_es a link attach dev a-rt || fail "re-attach"
	return $rc
}

for t in test_every_prefix_served_by_its_pop test_every_encapsulation \
	 test_icmp_echo_follows_prefix test_10mb_transfer_through_tunnel \
	 test_capture_decodes_cleanly test_tunnel_from_stranger_denied \
	 test_pop_down_moves_new_connections test_drain_keeps_established_stream \
	 test_decision_change_keeps_established_stream test_not_vip_never_steered \
	 test_detach_serves_everything_here; do
	es_run_test "$t"
done
es_finish

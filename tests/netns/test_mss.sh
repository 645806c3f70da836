#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# An MSS that fits the tunnel, with real TCP stacks. POP B's backbone link
# is lowered to MTU 1400, so a full-size 1500-byte packet from a client,
# once A has encapsulated it, is dropped on its way into B without a word
# (a veth drops what exceeds its MTU; nobody sends ICMP): a black hole, as
# on a real path. With the MSS clamp on B's uplink egress (where B's
# replies leave), B's SYN-ACK tells the client a segment size that fits
# and bulk transfers complete; without it, they stall. The edge A never
# has to send a frag-needed: its own view of the tunnel (its backbone
# interface, MTU 1600) sees nothing too big.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/topology.sh"
es_setup
command -v socat >/dev/null || es_skip "socat missing"
command -v tcpdump >/dev/null || es_skip "tcpdump missing"
command -v tshark >/dev/null || es_skip "tshark missing"
topo_create || { echo "FAIL topology"; exit 1; }
topo_attach || { echo "FAIL attach"; exit 1; }
topo_servers

B_MTU=1400
ip -n "$NS_B" link set b-bb mtu $B_MTU || { echo "FAIL b-bb mtu"; exit 1; }
topo_es b link attach dev b-rt egress || { echo "FAIL attach egress"; exit 1; }

head -c 2000000 /dev/urandom > "$ES_TMP/2mb"
WANT_SHA=$(sha256sum < "$ES_TMP/2mb" | cut -d' ' -f1)

# reason POP NAME / event POP NAME: packets of a counter
reason() {
	json_get "$(topo_es "$1" -j stats show)" "j['reasons']['$2']['packets']"
}

event() {
	json_get "$(topo_es "$1" -j stats show)" "j['events']['$2']"
}

# steer PREFIX_POP: both client prefixes of the client at .10 / 1::10 to POP
steer() {
	topo_es a prefix load /dev/stdin replace <<T
192.0.2.0/26      $1
2001:db8:1::/48   $1
T
}

# The MSS B can allow through A's encapsulation (RFC 6691: fixed headers):
# expect_mss OUTER_OVERHEAD INNER_IP_HEADER
expect_mss() {
	echo $((B_MTU - $1 - $2 - 20))
}

# transfer SRC: 2 MB from SRC to the sha256 server on the VIP; prints what
# the server answered (the sha256 it computed, then its name)
transfer() {
	local src=$1 vip=$TOPO_VIP4 fam=4
	case "$src" in *:*) vip="[$TOPO_VIP6]"; fam=6 ;; esac
	ip netns exec "$NS_CL" socat -T8 -t5 - \
		"TCP$fam:$vip:9090,bind=$(topo_bind "$src"),connect-timeout=3,shut-down" \
		< "$ES_TMP/2mb" 2>/dev/null
}

# capture_start FILE: tcpdump on the client's interface, ready when it returns
capture_start() {
	rm -f "$1" "$1.log"
	ip netns exec "$NS_CL" tcpdump -i cl0 --immediate-mode -U -n -s 128 -w "$1" \
		'tcp port 9090 or tcp port 8080' \
		2>"$1.log" &
	CAP_PID=$!
	for _ in $(seq 50); do
		grep -q "listening on" "$1.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# capture_stop FILE: once a SYN-ACK is in the file (tcpdump writes what it
# has read; a kill does not drain the socket), or after 5 s
capture_stop() {
	for _ in $(seq 50); do
		[ -n "$(synacks "$1")" ] && break
		sleep 0.1
	done
	kill "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
}

# synacks FILE: "MSS CHECKSUM-STATUS" of every SYN-ACK in the capture, as
# tshark decodes it with checksum verification on
synacks() {
	tshark -r "$1" -o tcp.check_checksum:TRUE \
		-Y 'tcp.flags.syn == 1 && tcp.flags.ack == 1' \
		-T fields -e tcp.options.mss_val -e tcp.checksum.status 2>/dev/null
}

# clamped_transfer SRC STEER MSS: a bulk transfer through the small tunnel
# completes byte-exact, served by B, after a SYN-ACK of exactly MSS with a
# valid checksum; B clamped, A never found a packet too big
clamped_transfer() {
	local src=$1 mss=$3 got synack clamped0 rec0
	steer "$2" || fail "steer $2"
	clamped0=$(event b mss_clamped)
	rec0=$(event b mss_recorded)
	capture_start "$ES_TMP/cap.pcap" || fail "tcpdump did not start"
	got=$(transfer "$src")
	capture_stop "$ES_TMP/cap.pcap"

	[ "$(echo "$got" | tail -1)" = pop-b ] || fail "$src: served by '$(echo "$got" | tail -1)'"
	[ "$(echo "$got" | head -1)" = "$WANT_SHA" ] ||
		fail "$src: sha256 at B '$(echo "$got" | head -1)', sent $WANT_SHA"
	synack=$(synacks "$ES_TMP/cap.pcap")
	[ -n "$synack" ] || fail "$src: no SYN-ACK captured"
	echo "$synack" | while read -r m status; do
		[ "$m" = "$mss" ] || fail "$src: SYN-ACK with MSS $m, expected $mss"
		# tshark: 1 = Good
		[ "$status" = 1 ] || fail "$src: SYN-ACK checksum status $status"
	done || exit 1
	[ "$(event b mss_recorded)" -gt "$rec0" ] || fail "$src: B recorded no SYN"
	[ "$(event b mss_clamped)" -gt "$clamped0" ] || fail "$src: B clamped nothing"
	# not here, not in any test before: no packet ever needed ICMP
	[ "$(reason a icmp_too_big)" = 0 ] || fail "$src: A sent frag-needed"
	[ "$(reason a local_too_big)" = 0 ] || fail "$src: A found packets too big"
}

# The control: the path really is a black hole for full-size segments.
# Without the clamp, the same transfer does not complete.
test_without_clamp_the_tunnel_black_holes() {
	local got
	steer B || fail "steer"
	topo_es b link detach dev b-rt egress || fail "detach"
	[ ! -e "$ES_TMP/bpffs/pop-b/link_egress_b-rt" ] || fail "detach left the pin"
	got=$(transfer 192.0.2.10)
	topo_es b link attach dev b-rt egress || fail "attach again"
	[ "$(echo "$got" | head -1)" != "$WANT_SHA" ] ||
		fail "transfer completed without the clamp: the test proves nothing"
}

test_ipip_v4_client() {
	clamped_transfer 192.0.2.10 B "$(expect_mss 20 20)"
}

test_6in4_v6_client() {
	clamped_transfer 2001:db8:1::10 B "$(expect_mss 20 40)"
}

test_gue_v4_client() {
	clamped_transfer 192.0.2.10 B-gue "$(expect_mss 28 20)"
}

test_gue_v6_client() {
	clamped_transfer 2001:db8:1::10 B-gue "$(expect_mss 28 40)"
}

# A connection that did not come through a tunnel keeps B's own MSS: the
# client talks to B's uplink address directly
test_direct_connection_untouched() {
	local clamped0 synack
	clamped0=$(event b mss_clamped)
	capture_start "$ES_TMP/direct.pcap" || fail "tcpdump did not start"
	ip netns exec "$NS_CL" socat -T5 - "TCP4:${TOPO_UP4[b]}:9090,bind=192.0.2.10" \
		</dev/null >/dev/null 2>&1
	capture_stop "$ES_TMP/direct.pcap"
	synack=$(synacks "$ES_TMP/direct.pcap")
	[ "$(echo "$synack" | cut -f1)" = 1460 ] ||
		fail "direct SYN-ACK: '$synack', expected MSS 1460"
	[ "$(event b mss_clamped)" = "$clamped0" ] || fail "B clamped a direct connection"
}

# `config set mss-clamp off` reaches the data path: a tunnelled connection
# keeps B's own MSS and nothing is clamped; back on, it is clamped again.
# (Short answers only: with the clamp off, full-size segments black-hole.)
test_switch_from_cli() {
	local clamped0 got
	steer B || fail "steer"
	topo_es b config set mss-clamp off || fail "config set off"
	clamped0=$(event b mss_clamped)
	capture_start "$ES_TMP/off.pcap" || fail "tcpdump did not start"
	got=$(topo_ask 192.0.2.10 tcp)
	capture_stop "$ES_TMP/off.pcap"
	topo_es b config set mss-clamp on || fail "config set on"
	[ "$got" = pop-b ] || fail "served by '$got'"
	[ "$(synacks "$ES_TMP/off.pcap" | cut -f1)" = 1460 ] ||
		fail "clamp off: SYN-ACK '$(synacks "$ES_TMP/off.pcap")', expected MSS 1460"
	[ "$(event b mss_clamped)" = "$clamped0" ] || fail "clamped while off"

	capture_start "$ES_TMP/on.pcap" || fail "tcpdump did not start"
	got=$(topo_ask 192.0.2.10 tcp)
	capture_stop "$ES_TMP/on.pcap"
	[ "$(synacks "$ES_TMP/on.pcap" | cut -f1)" = "$(expect_mss 20 20)" ] ||
		fail "clamp on again: SYN-ACK '$(synacks "$ES_TMP/on.pcap")'"
}

# Attach is idempotent, show lists the clamp (JSON stays valid), detach
# removes the pinned link.
test_link_commands() {
	local json id1 id2
	json=$(topo_es b -j link show) || fail "link show"
	id1=$(json_get "$json" \
		"[l['link_id'] for l in j if l['dev'] == 'b-rt' and l['mode'] == 'egress'][0]") ||
		fail "no egress link in $json"
	json_get "$json" "[l['mode'] for l in j if l['dev'] == 'b-bb'][0]" | grep -qx native ||
		fail "XDP link of b-bb not listed: $json"
	topo_es b link attach dev b-rt egress || fail "second attach"
	id2=$(json_get "$(topo_es b -j link show)" \
		"[l['link_id'] for l in j if l['mode'] == 'egress'][0]")
	[ "$id1" = "$id2" ] || fail "second attach replaced the link ($id1 -> $id2)"
	topo_es b link show | grep -q "^b-rt .*mode egress" ||
		fail "plain show: $(topo_es b link show)"

	topo_es b link detach dev b-rt egress || fail "detach"
	[ ! -e "$ES_TMP/bpffs/pop-b/link_egress_b-rt" ] || fail "pin left behind"
	json=$(topo_es b -j link show)
	[ "$(json_get "$json" "len([l for l in j if l['mode'] == 'egress'])")" = 0 ] ||
		fail "still listed: $json"
	topo_es b link detach dev b-rt egress 2>/dev/null && fail "detach of nothing succeeded"
	topo_es b link attach dev b-rt egress || fail "attach again"
}

es_run_test test_without_clamp_the_tunnel_black_holes
es_run_test test_ipip_v4_client
es_run_test test_6in4_v6_client
es_run_test test_gue_v4_client
es_run_test test_gue_v6_client
es_run_test test_direct_connection_untouched
es_run_test test_switch_from_cli
es_run_test test_link_commands
echo "$ES_PASSED passed, $ES_FAILED failed"
es_finish

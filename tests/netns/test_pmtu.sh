#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Path MTU through the tunnels, with real stacks: A's backbone interface
# has an MTU of 1400, so a 1500-byte client packet does not fit once
# encapsulated. The edge answers from the VIP (frag-needed / packet too
# big), the client's kernel learns the lower path MTU, and its next
# packets fit and reach the POP their prefix is steered to. tshark checks
# every ICMP message the edge sent, captured on the router's side of A.
#
#   192.0.2.0/26    -> B      IPIP over a-bb (mtu 1400): room 1380
#   2001:db8:1::/48 -> B      6in4 over a-bb: room 1380
#   2001:db8:2::/48 -> C-mtu  GUE over IPv6, the POP's own mtu 1400: room 1352
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/topology.sh"
es_setup
for tool in socat tracepath tshark tcpdump; do
	command -v $tool >/dev/null || es_skip "$tool missing"
done
[ -f "$ES_BUILD/tools/bench/minimal.bpf.o" ] || es_skip "no minimal.bpf.o (make tests)"
topo_create || { echo "FAIL topology"; exit 1; }
topo_attach || { echo "FAIL attach"; exit 1; }
ip -n "$NS_A" link set a-bb mtu 1400
# The answers leave A by XDP_TX into the veth. A veth queues XDP_TX frames
# on its peer's ring but wakes the peer's NAPI only when the peer runs an
# XDP program itself (veth_xdp_flush; a redirect, as on the backbone,
# always wakes it): with GRO alone the answer would wait on rt-a's ring
# for A's stack to send rt-a the next packet. A program that passes
# everything, as the router's driver; a real NIC sends XDP_TX at once.
ip -n "$NS_RT" link set dev rt-a xdpdrv object "$ES_BUILD/tools/bench/minimal.bpf.o" \
	program minimal_pass || { echo "FAIL xdp on rt-a"; exit 1; }
topo_es a pop add C-mtu id 6 tunnel "${TOPO_BB6[c]}" src "${TOPO_BB6[a]}" encap gue mtu 1400 &&
topo_es a prefix load /dev/stdin replace <<'T' || { echo "FAIL steering"; exit 1; }
192.0.2.0/26      B
2001:db8:1::/48   B
2001:db8:2::/48   C-mtu
T

counter() {
	json_get "$(topo_es "$1" -j stats show)" "j['reasons']['$2']['packets']"
}

# forget what the client learnt: every test starts at 1500
flush_pmtu() {
	ip -n "$NS_CL" route flush cache
	ip -n "$NS_CL" -6 route flush cache
}

cl() {
	ip netns exec "$NS_CL" "$@"
}

# route_mtu SRC DST: the path MTU the client's kernel has for DST, or ""
route_mtu() {
	ip -n "$NS_CL" route get "$2" from "$1" | sed -n 's/.* mtu \([0-9]*\).*/\1/p'
}

# pmtu_case SRC VIP POP SIZE ROOM: a DF ping of SIZE bytes of payload
# (a 1500-byte packet) gets the edge's answer with ROOM, the kernel learns
# it, and a ping that fits reaches POP (its decapsulation counter)
pmtu_case() {
	local src=$1 vip=$2 pop=$3 size=$4 room=$5 fam=4 hdr=28 out before after sent
	case "$src" in *:*) fam=6; hdr=48 ;; esac
	flush_pmtu
	[ -z "$(route_mtu "$src" "$vip")" ] || fail "$src: a path MTU before the test"
	sent=$(counter a icmp_too_big)
	out=$(cl ping -"$fam" -M do -s "$size" -c 1 -W 2 -I "$src" "$vip" 2>&1)
	case "$fam:$out" in
	4:*"Frag needed and DF set (mtu = $room)"*) ;;
	6:*"Packet too big: mtu=$room"*) ;;
	*) fail "$src: ping -s $size: no answer with mtu $room: $out" ;;
	esac
	[ $(($(counter a icmp_too_big) - sent)) -ge 1 ] || fail "A's icmp_too_big did not rise"
	[ "$(route_mtu "$src" "$vip")" = "$room" ] ||
		fail "$src: the kernel's path MTU is '$(route_mtu "$src" "$vip")', want $room"
	before=$(counter "$pop" decap)
	cl ping -"$fam" -M do -s $((room - hdr)) -c 3 -i 0.2 -W 2 -I "$src" "$vip" >/dev/null ||
		fail "$src: ping -s $((room - hdr)) (a $room-byte packet) got no reply"
	after=$(counter "$pop" decap)
	[ $((after - before)) -ge 3 ] || fail "$src: $pop decapsulated $((after - before)) of 3"
}

test_ipv4_ping_learns_pmtu() {
	pmtu_case 192.0.2.10 "$TOPO_VIP4" b 1472 1380
}

test_ipv6_ping_learns_pmtu() {
	pmtu_case 2001:db8:1::10 "$TOPO_VIP6" b 1452 1380
}

test_ipv6_pop_mtu() {
	pmtu_case 2001:db8:2::10 "$TOPO_VIP6" c 1452 1352
}

# tracepath (UDP probes from the client's default source) finds it alone
test_tracepath() {
	local out
	flush_pmtu
	out=$(cl timeout 20 tracepath -4 -n -m 5 "$TOPO_VIP4" 2>&1)
	echo "$out" | grep -q "Resume: pmtu 1380" || fail "tracepath -4: $out"
	flush_pmtu
	out=$(cl timeout 20 tracepath -6 -n -m 5 "$TOPO_VIP6" 2>&1)
	echo "$out" | grep -q "Resume: pmtu 1380" || fail "tracepath -6: $out"
}

# has_line TEXT PART...: TEXT has a line that is the PARTs joined
has_line() {
	local text=$1
	shift
	printf '%s\n' "$text" | grep -qxF "$(printf '%s' "$@")"
}

# quotes_match PCAP: every ICMP error from a VIP in PCAP quotes the first
# bytes of a request captured there on its way to A, byte for byte, and as
# much as RFC 1812 / RFC 4443 allow (576 / 1280 bytes in all). Prints the
# number of errors checked, or what differs.
quotes_match() {
	python3 - "$1" "$TOPO_VIP4" "$TOPO_VIP6" <<'PY'
import ipaddress, struct, sys

data = open(sys.argv[1], 'rb').read()
vip4 = ipaddress.ip_address(sys.argv[2]).packed
vip6 = ipaddress.ip_address(sys.argv[3]).packed
endian = '<' if data[:4] == b'\xd4\xc3\xb2\xa1' else '>'
off, frames = 24, []
while off + 16 <= len(data):
    incl = struct.unpack(endian + 'I', data[off + 8:off + 12])[0]
    frames.append(data[off + 16:off + 16 + incl])
    off += 16 + incl
requests, errors = [], []
for f in frames:
    etype, ip = f[12:14], f[14:]
    if etype == b'\x08\x00' and ip[9] == 1:
        icmp = ip[(ip[0] & 15) * 4:]
        if icmp[0] == 8 and ip[16:20] == vip4:
            requests.append(ip)
        elif icmp[:2] == b'\x03\x04' and ip[12:16] == vip4:
            errors.append((ip, icmp[8:], 576))
    elif etype == b'\x86\xdd' and ip[6] == 58:
        if ip[40] == 128 and ip[24:40] == vip6:
            requests.append(ip)
        elif ip[40] == 2 and ip[8:24] == vip6:
            errors.append((ip, ip[48:], 1280))
bad = []
for ip, quote, size in errors:
    if len(ip) != size:
        bad.append('an error of %d bytes, want %d' % (len(ip), size))
    if not any(r[:len(quote)] == quote for r in requests):
        bad.append('a quote matches no request: %s' % quote[:48].hex())
print('\n'.join(bad) if bad else len(errors))
sys.exit(1 if bad else 0)
PY
}

# Every ICMP message the edge sent, captured on the router's end of A's
# link with the requests they answer: tshark finds them valid, checksums
# good (outer IP, ICMP; the quoted IPv4 header too), from the VIP, with
# the MTU of the tunnel, quoting the client's packet as A received it.
test_capture_decodes_cleanly() {
	local cap="$ES_TMP/rt-a.pcap" edge="$ES_TMP/edge.pcap" tp out
	ip netns exec "$NS_RT" tcpdump -i rt-a -w "$cap" -U "icmp or icmp6" >/dev/null 2>&1 &
	tp=$!
	sleep 1
	# the path MTU is learnt per destination: forget it before each ping
	flush_pmtu
	cl ping -4 -M do -s 1472 -c 1 -W 1 -I 192.0.2.10 "$TOPO_VIP4" >/dev/null 2>&1
	flush_pmtu
	cl ping -6 -M do -s 1452 -c 1 -W 1 -I 2001:db8:1::10 "$TOPO_VIP6" >/dev/null 2>&1
	flush_pmtu
	cl ping -6 -M do -s 1452 -c 1 -W 1 -I 2001:db8:2::10 "$TOPO_VIP6" >/dev/null 2>&1
	sleep 1
	kill $tp
	wait $tp 2>/dev/null
	tshark -r "$cap" -w "$edge" -Y "(ip.src == $TOPO_VIP4 && icmp.type == 3) ||
		(ipv6.src == $TOPO_VIP6 && icmpv6.type == 2)" 2>/dev/null || fail "tshark -Y"
	out=$(tshark -r "$edge" -o ip.check_checksum:TRUE -V 2>/dev/null)
	[ "$(tshark -r "$edge" 2>/dev/null | wc -l)" = 3 ] || fail "want 3 messages: $out"
	echo "$out" | grep -qi "malformed\|Expert Info (Error\|Expert Info (Warning" &&
		fail "tshark complains: $(echo "$out" | grep -i -B20 'malformed\|Expert Info' | head -40)"
	echo "$out" | grep -q "Bad\]\|\[incorrect\|Status: Bad" && fail "bad checksum: $out"
	# one line per message, each field outer,quoted; checksum status
	# 1 = good, 2 = unverified (a quoted ICMP checksum cannot be checked)
	out=$(tshark -r "$edge" -o ip.check_checksum:TRUE -T fields -E separator='|' \
		-e ip.src -e ip.dst -e ip.checksum.status -e ip.len -e ip.flags.df \
		-e icmp.type -e icmp.code -e icmp.mtu -e icmp.checksum.status \
		-e ipv6.src -e ipv6.dst -e ipv6.plen -e icmpv6.type -e icmpv6.code \
		-e icmpv6.mtu -e icmpv6.checksum.status 2>&1)
	has_line "$out" "$TOPO_VIP4,192.0.2.10|192.0.2.10,$TOPO_VIP4|1,1|576,1500|0,1|3,8|4,0|1380|1,2" \
		"|||||||" || fail "frag-needed fields: $out"
	has_line "$out" "|||||||||$TOPO_VIP6,2001:db8:1::10|2001:db8:1::10,$TOPO_VIP6" \
		"|1240,1460|2,128|0,0|1380|1,2" || fail "packet too big (B) fields: $out"
	has_line "$out" "|||||||||$TOPO_VIP6,2001:db8:2::10|2001:db8:2::10,$TOPO_VIP6" \
		"|1240,1460|2,128|0,0|1352|1,2" || fail "packet too big (C-mtu) fields: $out"
	out=$(quotes_match "$cap") || fail "quotes: $out"
	[ "$out" = 3 ] || fail "quotes checked: $out, want 3"
}

# The rate limit from the CLI: rate 0 sends nothing and counts what it
# suppressed; the client never learns, nothing gets through.
test_rate_limit_from_cli() {
	local before sent out
	topo_es a config set icmp-rate 0 || fail "config set"
	flush_pmtu
	before=$(counter a icmp_rate_limited)
	sent=$(counter a icmp_too_big)
	out=$(cl ping -4 -M do -s 1472 -c 3 -i 0.2 -W 1 -I 192.0.2.10 "$TOPO_VIP4" 2>&1)
	echo "$out" | grep -q "Frag needed" && fail "an answer at rate 0: $out"
	[ $(($(counter a icmp_rate_limited) - before)) -eq 3 ] ||
		fail "suppressed $(($(counter a icmp_rate_limited) - before)), want 3"
	[ "$(counter a icmp_too_big)" = "$sent" ] || fail "icmp_too_big rose at rate 0"
	[ -z "$(route_mtu 192.0.2.10 "$TOPO_VIP4")" ] || fail "the client learnt a path MTU"
	topo_es a config set icmp-rate 1000 || fail "config restore"
	[ "$(json_get "$(topo_es a -j config)" 'j["icmp_rate"]')" = 1000 ] || fail "restore"
}

for t in test_ipv4_ping_learns_pmtu test_ipv6_ping_learns_pmtu test_ipv6_pop_mtu \
	 test_tracepath test_capture_decodes_cleanly test_rate_limit_from_cli; do
	es_run_test "$t"
done
es_finish

#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# ICMP errors follow their flow, fragments arrive whole, with real stacks.
#
# The router ("the Internet") sends a frag-needed / packet-too-big about a
# reply that POP B sent to a client. BGP brings the error to A; edgesteer on
# A must tunnel it to B by the packet it quotes, not by the router's own
# address, which is steered to C here. The strongest witness is B's kernel:
# its UDP stack takes the error for its name server's socket and records the
# lower path MTU to the client, which `ip route get` shows. A client's
# fragmented datagrams (ping -s 3000) must reach B whole, through A.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/topology.sh"
es_setup
topo_create || { echo "FAIL topology"; exit 1; }
topo_attach || { echo "FAIL attach"; exit 1; }
topo_servers

ROUTER4=${TOPO_RT4[a]}		# the router's address toward A
ROUTER6=${TOPO_RT6[a]}

stats() {
	topo_es "$1" -j stats show
}

# reason PACKETS of POP's reason NAME; event count of POP's event NAME
reason() {
	json_get "$(stats "$1")" "j['reasons']['$2']['packets']"
}
event() {
	json_get "$(stats "$1")" "j['events']['$2']"
}
# every packet A served here, whatever the reason
local_total() {
	json_get "$(stats a)" "sum(v['packets'] for k, v in j['reasons'].items() if k.startswith('local_'))"
}

# wait_for CMD...: until it succeeds, at most 5 s (no timing is asserted:
# this only waits for the stacks to have done their work)
wait_for() {
	local i
	for i in $(seq 50); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

steer() {
	topo_es a prefix load /dev/stdin replace <<'T'
192.0.2.0/26       B
2001:db8:1::/48    B
198.51.100.64/26   C
2001:db8:200::/48  C
T
}

# send_error FAMILY QUOTED_SRC CLIENT MTU: from the router to the VIP, an
# ICMP frag-needed (IPv4) or packet-too-big (IPv6) quoting a UDP datagram
# QUOTED_SRC:5353 -> CLIENT:40000 of 1400 bytes
send_error() {
	local src=$ROUTER4 vip=$TOPO_VIP4
	[ "$1" = 6 ] && src=$ROUTER6 vip=$TOPO_VIP6
	ip netns exec "$NS_RT" python3 - "$1" "$src" "$vip" "$2" "$3" "$4" <<'PY'
import socket, struct, sys

fam, src, vip, qsrc, client, mtu = sys.argv[1:]
mtu = int(mtu)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


if fam == "4":
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1400, 7, 0x4000, 64, 17, 0,
                               socket.inet_aton(qsrc), socket.inet_aton(client)))
    struct.pack_into("!H", ip, 10, csum(bytes(ip)))
    quote = bytes(ip) + struct.pack("!HHHH", 5353, 40000, 1380, 0)
    msg = bytearray(struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quote)
    struct.pack_into("!H", msg, 2, csum(bytes(msg)))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
else:
    ip = struct.pack("!IHBB16s16s", 6 << 28, 1360, 17, 64,
                     socket.inet_pton(socket.AF_INET6, qsrc),
                     socket.inet_pton(socket.AF_INET6, client))
    quote = ip + struct.pack("!HHHH", 5353, 40000, 1360, 0)
    # the kernel fills an ICMPv6 checksum (RFC 3542)
    msg = bytearray(struct.pack("!BBHI", 2, 0, 0, mtu) + quote)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.bind((src, 0))
s.sendto(bytes(msg), (vip, 0))
PY
}

# route_mtu POP CLIENT VIP: the path MTU the POP's kernel knows to CLIENT
route_mtu() {
	ip -n "${NS_POP[$1]}" route get "$2" from "$3" 2>/dev/null |
		sed -n 's/.* mtu \([0-9]*\).*/\1/p' | head -1
}

# error_case FAMILY CLIENT MTU
error_case() {
	local fam=$1 client=$2 mtu=$3 vip=$TOPO_VIP4
	[ "$fam" = 6 ] && vip=$TOPO_VIP6
	local quoted decap_b decap_c local_a tunnel_a

	[ -z "$(route_mtu b "$client" "$vip")" ] || fail "B knows a path MTU to $client already"
	quoted=$(event a icmp_quoted)
	decap_b=$(reason b decap)
	decap_c=$(reason c decap)
	local_a=$(local_total)
	tunnel_a=$(reason a tunnel)
	send_error "$fam" "$vip" "$client" "$mtu" || fail "send"

	wait_for test "$(route_mtu b "$client" "$vip")" = "$mtu" ||
		fail "B's kernel did not learn the path MTU $mtu to $client: '$(route_mtu b "$client" "$vip")'"
	[ "$(event a icmp_quoted)" -eq $((quoted + 1)) ] || fail "A's icmp_quoted did not count it once"
	[ "$(reason a tunnel)" -eq $((tunnel_a + 1)) ] || fail "A did not tunnel it once"
	[ "$(local_total)" -eq "$local_a" ] || fail "A served part of it here"
	[ "$(reason b decap)" -ge $((decap_b + 1)) ] || fail "B decapsulated nothing"
	[ "$(reason c decap)" -eq "$decap_c" ] || fail "C (the router's POP) got something"
	[ -z "$(route_mtu a "$client" "$vip")" ] || fail "A's kernel took the error"
}

test_frag_needed_reaches_b() {
	steer || fail "load"
	error_case 4 192.0.2.10 1300
}

test_packet_too_big_reaches_b() {
	steer || fail "load"
	error_case 6 2001:db8:1::10 1280
}

# The same error, but the quote is not from the VIP it is addressed to: not
# trusted, so steered by the router's address, to C (the test can see C).
test_untrusted_quote_follows_router() {
	steer || fail "load"
	local fam client qsrc decap_c quoted
	for fam in 4 6; do
		client=192.0.2.10 qsrc=203.0.113.99
		[ "$fam" = 6 ] && client=2001:db8:1::10 qsrc=2001:db8:ffff::99
		decap_c=$(reason c decap)
		quoted=$(event a icmp_quoted)
		send_error "$fam" "$qsrc" "$client" 1300 || fail "send"
		wait_for test "$(reason c decap)" -ge $((decap_c + 1)) ||
			fail "v$fam: the untrusted error did not go to C"
		[ "$(event a icmp_quoted)" -eq "$quoted" ] || fail "v$fam: counted as quoted"
	done
}

# ping -s 3000: three fragments a request, all tunnelled to B, reassembled
# there; the reply (fragmented by B) comes back to the client
ping_fragments() {
	local fam=$1 src=$2 vip=$3
	local frag decap_b local_a
	frag=$(event a fragment)
	decap_b=$(reason b decap)
	local_a=$(local_total)
	ip netns exec "$NS_CL" ping "-$fam" -c 3 -i 0.2 -W 2 -s 3000 -I "$src" "$vip" >/dev/null ||
		fail "v$fam: no reply to 3000-byte echo requests"
	[ "$(event a fragment)" -eq $((frag + 9)) ] ||
		fail "v$fam: A steered $(($(event a fragment) - frag)) fragments, expected 9"
	[ "$(reason b decap)" -ge $((decap_b + 9)) ] ||
		fail "v$fam: B decapsulated $(($(reason b decap) - decap_b)), expected >= 9"
	[ "$(local_total)" -eq "$local_a" ] || fail "v$fam: A served fragments here"
}

test_fragments_reach_b_whole() {
	steer || fail "load"
	ping_fragments 4 192.0.2.10 "$TOPO_VIP4"
	ping_fragments 6 2001:db8:1::10 "$TOPO_VIP6"
}

for t in test_frag_needed_reaches_b test_packet_too_big_reaches_b \
	 test_untrusted_quote_follows_router test_fragments_reach_b_whole; do
	es_run_test "$t"
done
es_finish

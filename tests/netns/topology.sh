# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A small anycast fleet in network namespaces, shared by the netns tests
# and `make demo`. Source tests/lib/netns.sh first (es_setup, es_netns).
#
#   clients (cl) ── router (rt, "the Internet") ── POP A edge   (BGP: the VIP goes to A)
#                        │          │                 │
#                        │          └── POP B uplink   ├── backbone bridge (bb) ── POP B, POP C
#                        └───────────── POP C uplink   │
#
# - the VIPs 203.0.113.10 and 2001:db8:ffff::10 sit on the loopback of A,
#   B and C; the router sends them to A;
# - A runs edgesteer on its edge interface (a-rt) and tunnels over the
#   backbone (198.51.100.0/26, 2001:db8:100::/64);
# - B and C run edgesteer on their backbone interface and decapsulate;
# - replies go from the serving POP straight to the router over its own
#   uplink (direct server return), which is why every POP has one.
#
# Client addresses, one per prefix:
#   192.0.2.10 (192.0.2.0/26)   192.0.2.70 (192.0.2.64/26)   198.18.0.10 (198.18.0.0/24)
#   2001:db8:1::10 (/48)        2001:db8:2::10 (/48)

TOPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOPO_VIP4=203.0.113.10
TOPO_VIP6=2001:db8:ffff::10
TOPO_CLIENTS4=(192.0.2.10 192.0.2.70 198.18.0.10)
TOPO_CLIENTS6=(2001:db8:1::10 2001:db8:2::10)
# backbone (tunnel endpoints) and each POP's uplink to the router
declare -A TOPO_BB4=([a]=198.51.100.1 [b]=198.51.100.2 [c]=198.51.100.3)
declare -A TOPO_BB6=([a]=2001:db8:100::1 [b]=2001:db8:100::2 [c]=2001:db8:100::3)
declare -A TOPO_UP4=([a]=198.51.100.66 [b]=198.51.100.70 [c]=198.51.100.74)
declare -A TOPO_RT4=([a]=198.51.100.65 [b]=198.51.100.69 [c]=198.51.100.73)
declare -A TOPO_UP6=([a]=2001:db8:200:a::2 [b]=2001:db8:200:b::2 [c]=2001:db8:200:c::2)
declare -A TOPO_RT6=([a]=2001:db8:200:a::1 [b]=2001:db8:200:b::1 [c]=2001:db8:200:c::1)

# veth pair: topo_veth NS1 IF1 NS2 IF2
topo_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
	# veth hands locally made packets on with unfinished checksums; after
	# XDP tunnels one, the far POP would see a bad inner checksum
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null 2>&1
	ip netns exec "$3" ethtool -K "$4" tx off >/dev/null 2>&1
}

# sysctl in a namespace, quietly
topo_sysctl() {
	ip netns exec "$1" sysctl -qw "$2" >/dev/null
}

topo_create() {
	local p
	es_netns NS_CL cl && es_netns NS_RT rt && es_netns NS_BB bb &&
	es_netns NS_A a && es_netns NS_B b && es_netns NS_C c || return 1
	declare -gA NS_POP=([a]=$NS_A [b]=$NS_B [c]=$NS_C)

	for ns in "$NS_CL" "$NS_RT" "$NS_BB" "$NS_A" "$NS_B" "$NS_C"; do
		topo_sysctl "$ns" net.ipv4.conf.all.rp_filter=0
		topo_sysctl "$ns" net.ipv4.conf.default.rp_filter=0
		topo_sysctl "$ns" net.ipv6.conf.all.accept_dad=0
		topo_sysctl "$ns" net.ipv6.conf.default.accept_dad=0
	done
	topo_sysctl "$NS_RT" net.ipv4.ip_forward=1
	topo_sysctl "$NS_RT" net.ipv6.conf.all.forwarding=1
	# bpf_fib_lookup (A's next hops, until a daemon resolves them) only
	# answers on interfaces that forward
	topo_sysctl "$NS_A" net.ipv4.ip_forward=1
	topo_sysctl "$NS_A" net.ipv6.conf.all.forwarding=1

	# clients <-> router: every client address on one interface
	topo_veth "$NS_CL" cl0 "$NS_RT" rt-cl || return 1
	for c in "${TOPO_CLIENTS4[@]}"; do
		ip -n "$NS_CL" addr add "$c/32" dev cl0
		ip -n "$NS_RT" route add "$c/32" dev rt-cl
	done
	for c in "${TOPO_CLIENTS6[@]}"; do
		ip -n "$NS_CL" addr add "$c/128" dev cl0 nodad
		ip -n "$NS_RT" -6 route add "$c/128" dev rt-cl
	done
	ip -n "$NS_RT" addr add 192.0.2.254/32 dev rt-cl
	ip -n "$NS_RT" addr add fe80::1/64 dev rt-cl nodad
	ip -n "$NS_CL" route add 192.0.2.254/32 dev cl0
	ip -n "$NS_CL" route add default via 192.0.2.254 dev cl0 src 192.0.2.10
	ip -n "$NS_CL" -6 route add default via fe80::1 dev cl0 src 2001:db8:1::10

	# backbone: a bridge joining the POPs
	ip -n "$NS_BB" link add br0 type bridge
	ip -n "$NS_BB" link set br0 up
	for p in a b c; do
		local ns=${NS_POP[$p]}

		# POP uplink to the router
		topo_veth "$ns" "$p-rt" "$NS_RT" "rt-$p" || return 1
		ip -n "$ns" addr add "${TOPO_UP4[$p]}/30" dev "$p-rt"
		ip -n "$NS_RT" addr add "${TOPO_RT4[$p]}/30" dev "rt-$p"
		ip -n "$ns" addr add "${TOPO_UP6[$p]}/64" dev "$p-rt" nodad
		ip -n "$NS_RT" addr add "${TOPO_RT6[$p]}/64" dev "rt-$p" nodad
		ip -n "$ns" route add default via "${TOPO_RT4[$p]}"
		ip -n "$ns" -6 route add default via "${TOPO_RT6[$p]}"

		# backbone port; GRO gives the bridge side a NAPI instance, which
		# frames redirected by XDP into a veth need
		topo_veth "$ns" "$p-bb" "$NS_BB" "bb-$p" || return 1
		ip -n "$NS_BB" link set "bb-$p" master br0
		ip netns exec "$NS_BB" ethtool -K "bb-$p" gro on >/dev/null 2>&1
		ip netns exec "$ns" ethtool -K "$p-bb" gro on >/dev/null 2>&1
		ip -n "$ns" addr add "${TOPO_BB4[$p]}/26" dev "$p-bb"
		ip -n "$ns" addr add "${TOPO_BB6[$p]}/64" dev "$p-bb" nodad
		# room for the encapsulation on the backbone
		ip -n "$ns" link set "$p-bb" mtu 1600
		ip -n "$NS_BB" link set "bb-$p" mtu 1600

		# the anycast services
		ip -n "$ns" addr add "$TOPO_VIP4/32" dev lo
		ip -n "$ns" addr add "$TOPO_VIP6/128" dev lo
	done
	ip -n "$NS_BB" link set br0 mtu 1600
	# BGP's choice: the VIPs are reached through A
	ip -n "$NS_RT" route add "$TOPO_VIP4/32" via "${TOPO_UP4[a]}"
	ip -n "$NS_RT" -6 route add "$TOPO_VIP6/128" via "${TOPO_UP6[a]}"

	# static neighbours on the backbone: next hops are resolved before
	# the first tunnelled packet
	for p in a b c; do
		local q mac6
		for q in a b c; do
			[ "$p" = "$q" ] && continue
			mac6=$(ip -n "${NS_POP[$q]}" -br link show "$q-bb" | awk '{print $3}')
			ip -n "${NS_POP[$p]}" neigh replace "${TOPO_BB4[$q]}" lladdr "$mac6" \
				dev "$p-bb" nud permanent
			ip -n "${NS_POP[$p]}" -6 neigh replace "${TOPO_BB6[$q]}" lladdr "$mac6" \
				dev "$p-bb" nud permanent
		done
	done
	return 0
}

# topo_es POP ARGS: the edgesteer CLI on POP's pinned state
topo_es() {
	local p=$1
	shift
	ip netns exec "${NS_POP[$p]}" "$ES_BIN" --pin-path "$ES_TMP/bpffs/pop-$p" "$@"
}

# The POP list every POP of the fleet gets; only `pop self` differs.
# Extra entries reach B and C with other encapsulations.
topo_fleet_config() {
	local p=$1
	topo_es "$p" pop add A id 1 tunnel "${TOPO_BB4[a]}" src "${TOPO_BB4[$p]}" &&
	topo_es "$p" pop add B id 2 tunnel "${TOPO_BB4[b]}" src "${TOPO_BB4[$p]}" &&
	topo_es "$p" pop add C id 3 tunnel "${TOPO_BB6[c]}" src "${TOPO_BB6[$p]}" &&
	topo_es "$p" pop add B-gue id 4 tunnel "${TOPO_BB4[b]}" src "${TOPO_BB4[$p]}" encap gue &&
	topo_es "$p" pop add C-gue id 5 tunnel "${TOPO_BB6[c]}" src "${TOPO_BB6[$p]}" encap gue &&
	topo_es "$p" pop self "$(echo "$p" | tr a-z A-Z)" &&
	topo_es "$p" vip add "$TOPO_VIP4" &&
	topo_es "$p" vip add "$TOPO_VIP6" &&
	topo_fleet_peers "$p"
}

# A POP's tunnels leave from its address of the endpoint's family, which
# for the other family is not the endpoint other POPs know it by: those
# addresses are explicit peers.
topo_fleet_peers() {
	local q
	for q in a b c; do
		[ "$q" = "$1" ] && continue
		topo_es "$1" peer add "${TOPO_BB6[$q]}" 2>/dev/null
		topo_es "$1" peer add "${TOPO_BB4[$q]}" 2>/dev/null
	done
	return 0
}

# B and C decapsulate (configured and attached on their backbone).
topo_attach_decap() {
	topo_fleet_config b && topo_fleet_config c &&
	topo_es b link attach dev b-bb && topo_es c link attach dev c-bb
}

# edgesteer on every POP: A steers on its edge, B and C decapsulate.
topo_attach() {
	topo_attach_decap && topo_fleet_config a && topo_es a link attach dev a-rt
}

# topo_served_by SRC POP: a TCP connection from SRC is answered by pop-POP
topo_served_by() {
	[ "$(topo_ask "$1" tcp)" = "pop-$2" ]
}

# Servers on every POP that say which POP they are: TCP 8080 (name),
# UDP 5353 (name), TCP 7070 (name, then echo), TCP 9090 (sha256 of what
# it receives, then the name).
topo_servers() {
	local p name
	for p in a b c; do
		name="pop-$p"
		ip netns exec "${NS_POP[$p]}" socat -T10 TCP6-LISTEN:8080,ipv6only=0,fork,reuseaddr \
			SYSTEM:"echo $name" >/dev/null 2>&1 &
		ip netns exec "${NS_POP[$p]}" socat TCP6-LISTEN:7070,ipv6only=0,fork,reuseaddr \
			SYSTEM:"echo $name; exec cat" >/dev/null 2>&1 &
		ip netns exec "${NS_POP[$p]}" socat -T30 TCP6-LISTEN:9090,ipv6only=0,fork,reuseaddr \
			SYSTEM:"sha256sum | head -c 64; echo; echo $name" >/dev/null 2>&1 &
		# UDP answers from the address it was asked on: bind the VIPs
		ip netns exec "${NS_POP[$p]}" python3 "$TOPO_DIR/udp_name.py" serve $TOPO_VIP4 5353 $name >/dev/null 2>&1 &
		ip netns exec "${NS_POP[$p]}" python3 "$TOPO_DIR/udp_name.py" serve $TOPO_VIP6 5353 $name >/dev/null 2>&1 &
	done
	sleep 0.5
}

# topo_ask SRC PROTO [PORT]: which POP answered a client at SRC (tcp/udp)
topo_ask() {
	local src=$1 proto=$2 vip=$TOPO_VIP4 fam=4
	case "$src" in *:*) vip="[$TOPO_VIP6]"; fam=6 ;; esac
	if [ "$proto" = tcp ]; then
		ip netns exec "$NS_CL" socat -T3 - "TCP$fam:$vip:8080,bind=$(topo_bind "$src"),connect-timeout=3" </dev/null 2>/dev/null
	else
		ip netns exec "$NS_CL" python3 "$TOPO_DIR/udp_name.py" ask "$src" "${vip//[][]/}" 5353 2>/dev/null
	fi
}

topo_bind() {
	case "$1" in *:*) echo "[$1]" ;; *) echo "$1" ;; esac
}

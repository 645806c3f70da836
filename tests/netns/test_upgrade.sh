#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Upgrading the data path in place on POP A of the fleet (topology.sh)
# under a continuous stream: pings every 5 ms from clients steered to B,
# IPv4 and IPv6, through A's tunnels, while the programs are replaced
# several times by `edgesteer link upgrade` and by edgesteerd starting.
#   - not one echo lost (the client counts replies; B counts what it
#     decapsulated, A what it tunnelled: both counters go on from where
#     they were, so the maps were reused, not recreated);
#   - prefixes and POPs unchanged; link ids the same, program ids new
#     (from the CLI and from bpftool, the kernel's own view);
#   - a pinned map this build defines differently stops the upgrade,
#     named, and nothing changes.
# A genuinely different program: the test builds a variant of the tree
# with clang -mcpu=v2 (the same C, other instructions, another tag) into
# its temp dir. If that build fails (someone's tree is mid-change), the
# variant steps use the same build: program ids still change, tags not,
# and the daemon's steps check that it leaves an identical build alone.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/topology.sh"
es_setup
ESD_BIN="$ES_BUILD/edgesteerd"
[ -x "$ESD_BIN" ] || es_skip "no $ESD_BIN (build first)"
command -v bpftool >/dev/null || es_skip "bpftool missing"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

VAR="$ES_TMP/variant"
if make -s -C "$ROOT" OUT="$VAR" CLANG="clang -mcpu=v2" "$VAR/edgesteer" "$VAR/edgesteerd" \
	>"$ES_TMP/variant.log" 2>&1; then
	VAR_BIN="$VAR/edgesteer" VAR_ESD="$VAR/edgesteerd" VARIANT=1
else
	echo "# variant build failed (see below): the variant steps reload the same build"
	tail -5 "$ES_TMP/variant.log" | sed 's/^/#   /'
	VAR_BIN="$ES_BIN" VAR_ESD="$ESD_BIN" VARIANT=0
fi

topo_create || { echo "FAIL topology"; exit 1; }
topo_attach || { echo "FAIL attach"; exit 1; }
topo_servers
topo_es a link attach dev a-rt egress || { echo "FAIL egress attach"; exit 1; }
topo_es a prefix load /dev/stdin replace <<'T' || { echo "FAIL prefixes"; exit 1; }
192.0.2.0/26      B,C
2001:db8:1::/48   B,C
T
PIN_A="$ES_TMP/bpffs/pop-a"
LOG="$ES_TMP/edgesteerd.log"
N=3000

# es_with BIN ARGS: a given build of the CLI on A's state
es_with() {
	local bin=$1
	shift
	ip netns exec "$NS_A" "$bin" --pin-path "$PIN_A" "$@"
}

counter() {
	json_get "$(topo_es "$1" -j stats show)" "j['reasons']['$2']['packets']"
}

# "dev mode link_id" per link, and the program ids, from the CLI
links() {
	json_get "$(topo_es a -j link show)" \
		"' '.join('%s/%s/%s' % (l['dev'], l['mode'], l['link_id']) for l in j)"
}
prog_ids() {
	json_get "$(topo_es a -j link show)" "' '.join(str(l['prog_id']) for l in j)"
}
# the kernel's view: the program a pinned link runs, and that program's tag
bpftool_prog() {
	bpftool -j link show pinned "$PIN_A/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["prog_id"])'
}
prog_tag() {
	bpftool -j prog show id "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tag"])'
}

# the stream: N pings every 5 ms (15 s: four program loads fit) from a client of each family steered to B
stream_start() {
	ip netns exec "$NS_CL" ping -q -c $N -i 0.005 -w 120 -I 192.0.2.10 "$TOPO_VIP4" \
		>"$ES_TMP/ping4.out" 2>&1 &
	PING4=$!
	ip netns exec "$NS_CL" ping -6 -q -c $N -i 0.005 -w 120 -I 2001:db8:1::10 "$TOPO_VIP6" \
		>"$ES_TMP/ping6.out" 2>&1 &
	PING6=$!
	sleep 0.5
}

# stream_check: every echo answered, and the upgrades ran inside the stream
stream_check() {
	local f
	kill -0 $PING4 2>/dev/null && kill -0 $PING6 2>/dev/null ||
		fail "the stream ended before the upgrades did: make N larger"
	wait $PING4
	wait $PING6
	for f in ping4 ping6; do
		grep -q "$N packets transmitted, $N received" "$ES_TMP/$f.out" ||
			fail "$f lost packets: $(cat "$ES_TMP/$f.out")"
	done
}

# snapshot: what must not change
snapshot() {
	topo_es a -j prefix show
	json_get "$(topo_es a -j pop show)" \
		"[{k: v for k, v in p.items() if k not in ('packets', 'bytes')} for p in j]"
	links
}

# upgrade BIN: one `edgesteer link upgrade`, which must move every link
upgrade() {
	local out
	out=$(es_with "$1" -j link upgrade) || fail "link upgrade: $out"
	# a-rt's XDP link and its egress (tcx) link
	[ "$(json_get "$out" "j['links']")" = 2 ] || fail "not 2 links moved: $out"
	echo "$out"
}

test_cli_upgrades_lose_nothing() {
	local before ids0 tun0 dec0 out ids tag0 tag1 p
	before=$(snapshot)
	ids0=$(prog_ids)
	tag0=$(prog_tag "$(bpftool_prog link_native_a-rt)")
	tun0=$(counter a tunnel)
	dec0=$(counter b decap)

	stream_start
	for bin in "$VAR_BIN" "$ES_BIN" "$ES_BIN"; do
		out=$(upgrade "$bin") || { echo "$out"; exit 1; }
		[ "$bin" = "$VAR_BIN" ] && tag1=$(prog_tag "$(bpftool_prog link_native_a-rt)")
		p=$(bpftool_prog link_native_a-rt)
		[ "$p" = "$(json_get "$out" "j['new_prog_id']")" ] ||
			fail "bpftool: a-rt runs prog $p, upgrade said $out"
		[ "$(bpftool_prog link_egress_a-rt)" = "$(json_get "$out" "j['new_mss_prog_id']")" ] ||
			fail "bpftool: the egress link does not run the new MSS program"
		[ "$(bpftool -j prog show pinned "$PIN_A/prog" | python3 -c \
			'import json,sys; print(json.load(sys.stdin)["id"])')" = "$p" ] ||
			fail "prog is not pinned to the new program"
	done
	stream_check

	[ "$(snapshot)" = "$before" ] || fail "prefixes, pops or links changed: $(snapshot)"
	ids=$(prog_ids)
	for p in $ids; do
		case " $ids0 " in *" $p "*) fail "program $p ran before the upgrades ($ids0)" ;; esac
	done
	if [ $VARIANT = 1 ]; then
		[ "$tag1" != "$tag0" ] || fail "the variant has the same tag $tag0"
		[ "$(prog_tag "$(bpftool_prog link_native_a-rt)")" = "$tag0" ] ||
			fail "the base build's tag is not back"
	fi
	# counted at both ends; counters continue from where they were
	[ $(($(counter a tunnel) - tun0)) -ge $((2 * N)) ] ||
		fail "A tunnelled $(($(counter a tunnel) - tun0)) of $((2 * N)) echo requests since $tun0"
	[ $(($(counter b decap) - dec0)) -ge $((2 * N)) ] ||
		fail "B decapsulated $(($(counter b decap) - dec0)) of $((2 * N)) since $dec0"
	ls "$PIN_A" | grep -q _upgrade && fail "temporary pins left: $(ls "$PIN_A")"
	return 0
}

daemon_run() {
	local n
	n=$(grep -c 'edgesteerd: started' "$LOG" 2>/dev/null)
	ip netns exec "$NS_A" "$1" -c "$ES_TMP/esd.conf" --pin-path "$PIN_A" -f >>"$LOG" 2>&1 &
	local pid=$!
	for _ in $(seq 600); do
		[ "$(grep -c 'edgesteerd: started' "$LOG")" -gt "${n:-0}" ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM $pid 2>/dev/null
	wait $pid
}

test_daemon_start_upgrades_lose_nothing() {
	local before ids0 tun0 p
	echo "vip add $TOPO_VIP4" > "$ES_TMP/esd.conf"
	# the base build pinned: a daemon of the same build leaves it alone
	upgrade "$ES_BIN" >"$ES_TMP/up.out" || { cat "$ES_TMP/up.out"; exit 1; }
	p=$(bpftool_prog link_native_a-rt)
	daemon_run "$ESD_BIN" || fail "edgesteerd: $(tail -3 "$LOG")"
	grep -q "pinned program $p is this build's: no upgrade" "$LOG" ||
		fail "no 'no upgrade' for $p: $(tail -5 "$LOG")"
	[ "$(bpftool_prog link_native_a-rt)" = "$p" ] || fail "an identical build was replaced"
	# after the daemon's own writes (it resolves the POPs' next hops)
	before=$(snapshot)
	tun0=$(counter a tunnel)
	ids0=$(prog_ids)

	stream_start
	daemon_run "$VAR_ESD" || fail "variant edgesteerd: $(tail -3 "$LOG")"
	if [ $VARIANT = 1 ]; then
		p=$(bpftool_prog link_native_a-rt)
		grep -q "program upgraded in place: prog [0-9]* -> $p, .* 2 links moved" "$LOG" ||
			fail "variant edgesteerd did not upgrade to $p: $(tail -5 "$LOG")"
		daemon_run "$ESD_BIN" || fail "edgesteerd: $(tail -3 "$LOG")"
		p=$(bpftool_prog link_native_a-rt)
		grep -q "program upgraded in place: prog [0-9]* -> $p," "$LOG" ||
			fail "edgesteerd did not upgrade back to $p: $(tail -5 "$LOG")"
	fi
	stream_check

	[ "$(snapshot)" = "$before" ] || fail "prefixes, pops or links changed"
	[ $VARIANT = 0 ] || [ "$(prog_ids)" != "$ids0" ] || fail "program ids did not change"
	[ $(($(counter a tunnel) - tun0)) -ge $((2 * N)) ] || fail "A's tunnel counter restarted"
}

# A pinned map this build defines differently: named, nothing changes
test_incompatible_map_changes_nothing() {
	local ids out pins
	ids=$(prog_ids)
	pins=$(ls "$PIN_A")
	rm "$PIN_A/tunnelled_syns" &&
		bpftool map create "$PIN_A/tunnelled_syns" type lru_hash key 40 value 8 \
			entries 65536 name tunnelled_syns || fail "cannot pin the odd map"
	out=$(topo_es a link upgrade 2>&1) && fail "upgrade accepted an incompatible map"
	echo "$out" | grep -q "pinned map 'tunnelled_syns' is incompatible with this build: value size 8 pinned, 4 in this build" ||
		fail "unclear error: $out"
	out=$(ip netns exec "$NS_A" "$ESD_BIN" -c "$ES_TMP/esd.conf" --pin-path "$PIN_A" -f 2>&1) &&
		fail "edgesteerd started on an incompatible map"
	echo "$out" | grep -q "'tunnelled_syns' is incompatible" || fail "edgesteerd: $out"
	[ "$(prog_ids)" = "$ids" ] || fail "program ids changed: $(prog_ids)"
	[ "$(ls "$PIN_A")" = "$pins" ] || fail "pins changed: $(ls "$PIN_A")"
	[ "$(topo_ask 192.0.2.10 udp)" = pop-b ] || fail "A no longer steers to B"
}

for t in test_cli_upgrades_lose_nothing test_daemon_start_upgrades_lose_nothing \
	 test_incompatible_map_changes_nothing; do
	es_run_test "$t"
done
if [ "$ES_FAILED" -gt 0 ] && [ -s "$LOG" ]; then
	echo "----- edgesteerd log (last 20 lines) -----"
	tail -n 20 "$LOG"
fi
es_finish

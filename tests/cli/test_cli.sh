#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The edgesteer CLI against real pinned state in a private bpffs and a
# private network namespace: every command, its JSON output parsed and
# compared, round trips, and a table of bad input that must change nothing.
. "$(dirname "$0")/../lib/netns.sh"
es_setup
es_netns NS cli || es_skip "cannot create a network namespace"
ip -n "$NS" link add v0 type veth peer name v1
ip -n "$NS" link set v0 up
ip -n "$NS" link set v1 up
PIN="$ES_TMP/bpffs/pop-a"

# es ARGS: the CLI inside the namespace, on this test's pin path
es() {
	ip netns exec "$NS" "$ES_BIN" --pin-path "$PIN" "$@"
}

# A fleet as every POP would have it; this box is A.
fleet() {
	es pop add A id 1 tunnel 198.51.100.1 src 198.51.100.1 &&
	es pop add B id 2 tunnel 198.51.100.2 src 198.51.100.1 encap ipip &&
	es pop add C id 3 tunnel 2001:db8:100::3 src 2001:db8:100::1 encap gue mtu 1500 &&
	es pop add D id 4 redirect dev v1 dmac 02:00:00:00:00:0d state drain &&
	es pop self A &&
	es vip add 203.0.113.10 &&
	es vip add 2001:db8:ffff::10 proto tcp port 443 &&
	es peer add 192.0.2.254 &&
	es prefix add 192.0.2.0/24 pops B,C &&
	es prefix add 198.18.0.0/15 local &&
	es prefix add 2001:db8:1::/48 pops C &&
	es prefix add 10.0.0.0/8 drop
}

# Everything a user can see of the state, for before/after comparisons.
snapshot() {
	for obj in pop vip peer prefix link; do
		es -j "$obj" show
		echo
	done
}

test_pop_lifecycle() {
	fleet || fail "fleet setup"
	local j
	j=$(es -j pop show) || fail "pop show"
	[ "$(json_get "$j" 'len(j)')" = 4 ] || fail "4 pops: $j"
	[ "$(json_get "$j" '[p["name"] for p in j]')" = '["A", "B", "C", "D"]' ] || fail "names: $j"
	j=$(es -j pop show C) || fail "pop show C"
	[ "$(json_get "$j" 'j["endpoint"]')" = 2001:db8:100::3 ] || fail "endpoint: $j"
	[ "$(json_get "$j" 'j["encap"]')" = gue ] || fail "encap: $j"
	[ "$(json_get "$j" 'j["mtu"]')" = 1500 ] || fail "mtu: $j"
	[ "$(json_get "$j" 'j["state"]')" = up ] || fail "state: $j"
	j=$(es -j pop show A)
	[ "$(json_get "$j" 'j["self"]')" = true ] || fail "A is self: $j"
	j=$(es -j pop show D)
	[ "$(json_get "$j" 'j["kind"]')" = redirect ] || fail "D redirect: $j"
	[ "$(json_get "$j" 'j["state"]')" = drain ] || fail "D drains: $j"
	es pop set B state down || fail "set state"
	[ "$(json_get "$(es -j pop show B)" 'j["state"]')" = down ] || fail "B down"
	# prefix abbreviations, as bpftool takes them
	es po set B st up || fail "abbreviated set"
	[ "$(json_get "$(es -j pop show B)" 'j["state"]')" = up ] || fail "B up again"
	# a POP in use cannot go
	local err
	err=$(es pop del B 2>&1) && fail "deleted a pop in use"
	echo "$err" | grep -q "192.0.2.0/24" || fail "in-use message names a prefix: $err"
	es prefix del 192.0.2.0/24 || fail "prefix del"
	es pop del B || fail "pop del after its prefix went"
	es pop show B 2>/dev/null && fail "B still there"
	return 0
}

test_vip_peer() {
	fleet || fail "fleet setup"
	local j
	j=$(es -j vip show)
	[ "$(json_get "$j" 'sorted(v["address"] for v in j)')" = '["2001:db8:ffff::10", "203.0.113.10"]' ] || fail "vips: $j"
	[ "$(json_get "$j" '[v["rules"] for v in j if v["address"]=="2001:db8:ffff::10"][0]')" = '[{"proto": "tcp", "port": 443}]' ] || fail "rules: $j"
	es vip add 2001:db8:ffff::10 proto udp port 53 || fail "second rule"
	es vip del 2001:db8:ffff::10 proto tcp port 443 || fail "del rule"
	j=$(es -j vip show)
	[ "$(json_get "$j" '[v["rules"] for v in j if v["address"]=="2001:db8:ffff::10"][0]')" = '[{"proto": "udp", "port": 53}]' ] || fail "rules after del: $j"
	es vip del 203.0.113.10 || fail "vip del"
	j=$(es -j peer show)
	json_get "$j" '[p for p in j if p["address"]=="192.0.2.254"][0]["source"]' | grep -q explicit || fail "explicit peer: $j"
	json_get "$j" '[p for p in j if p["address"]=="198.51.100.2"][0]["source"]' | grep -q pop || fail "pop endpoint is a peer: $j"
	es peer del 192.0.2.254 || fail "peer del"
	es peer del 192.0.2.254 2>/dev/null && fail "peer deleted twice"
	return 0
}

test_prefix_lookup() {
	fleet || fail "fleet setup"
	local j
	j=$(es prefix lookup 192.0.2.7 -j) || fail "lookup"
	[ "$(json_get "$j" 'j["prefix"]')" = 192.0.2.0/24 ] || fail "prefix: $j"
	[ "$(json_get "$j" 'j["pops"]')" = '["B", "C"]' ] || fail "pops: $j"
	[ "$(json_get "$j" 'j["pop"]')" = B ] || fail "pop: $j"
	[ "$(json_get "$j" 'j["action"]')" = tunnel ] || fail "action: $j"
	es pop set B state down
	j=$(es -j prefix lookup 192.0.2.7)
	[ "$(json_get "$j" 'j["pop"]')" = C ] || fail "failover to C: $j"
	es pop set C state drain
	j=$(es -j prefix lookup 192.0.2.7)
	[ "$(json_get "$j" 'j["pop"]')" = null ] || fail "no usable pop: $j"
	[ "$(json_get "$j" 'j["action"]')" = local ] || fail "served here: $j"
	j=$(es -j prefix lookup 198.18.1.1)
	[ "$(json_get "$j" 'j["action"]')" = local ] || fail "local prefix: $j"
	j=$(es -j prefix lookup 10.1.2.3)
	[ "$(json_get "$j" 'j["action"]')" = drop ] || fail "drop prefix: $j"
	j=$(es -j prefix lookup 2001:db8:1::99)
	[ "$(json_get "$j" 'j["prefix"]')" = 2001:db8:1::/48 ] || fail "v6 prefix: $j"
	j=$(es -j prefix lookup 203.0.113.99)
	[ "$(json_get "$j" 'j["prefix"]')" = null ] || fail "no prefix: $j"
	[ "$(json_get "$j" 'j["pops"]')" = '[]' ] || fail "no pops: $j"
	return 0
}

test_dump_load_roundtrip() {
	fleet || fail "fleet setup"
	local f="$ES_TMP/table"
	# a bigger table with every length and both families
	python3 - "$f.in" <<'PY' || fail "generate"
import random, ipaddress, sys
random.seed(7)
out = set()
while len(out) < 3000:
    if random.random() < 0.7:
        l = random.choice([8, 12, 16, 20, 22, 24, 24, 24, 28, 32])
        n = ipaddress.ip_network((random.getrandbits(32) >> (32 - l) << (32 - l), l))
    else:
        l = random.choice([32, 40, 44, 48, 48, 56, 64, 128])
        a = (0x2001 << 112) | (0xdb8 << 96) | random.getrandbits(96)
        n = ipaddress.ip_network((a >> (128 - l) << (128 - l), l))
    out.add(n)
with open(sys.argv[1], "w") as fh:
    fh.write("# generated\n")
    for n in out:
        fh.write("%s %s\n" % (n, random.choice(["B", "C", "B,C", "C,B,A", "local", "drop"])))
PY
	es prefix load "$f.in" replace || fail "load replace"
	es prefix dump "$f.1" || fail "dump 1"
	es prefix load "$f.1" replace || fail "load dump"
	es prefix dump "$f.2" || fail "dump 2"
	cmp "$f.1" "$f.2" || fail "dump -> load -> dump differs"
	[ "$(grep -vc '^#' "$f.1")" -ge 3000 ] || fail "dump has every prefix"
	# gzip: same table
	gzip -c "$f.1" > "$f.gz"
	es prefix load "$f.gz" replace || fail "load gzip"
	es prefix dump "$f.3" || fail "dump 3"
	cmp "$f.1" "$f.3" || fail "gzip load differs"
	# without replace the file is merged in
	printf '203.0.113.0/24 C\n' > "$f.add"
	es prefix load "$f.add" || fail "merge load"
	[ "$(json_get "$(es -j prefix show)" 'len(j)')" = $(( $(grep -vc '^#' "$f.1") + 1 )) ] || fail "merged count"
	return 0
}

test_link_attach() {
	fleet || fail "fleet setup"
	es link attach dev v0 || fail "attach native"
	es link attach dev v0 || fail "attach is idempotent"
	local j
	j=$(es -j link show)
	[ "$(json_get "$j" 'len(j)')" = 1 ] || fail "one link: $j"
	[ "$(json_get "$j" 'j[0]["dev"]')" = v0 ] || fail "dev: $j"
	[ "$(json_get "$j" 'j[0]["mode"]')" = native ] || fail "mode: $j"
	ip -n "$NS" link show v0 | grep -q xdp || fail "kernel shows xdp on v0"
	es link attach dev v0 mode generic 2>/dev/null && fail "other mode on top"
	es link attach dev v1 mode generic || fail "attach generic"
	[ "$(json_get "$(es -j link show)" 'len(j)')" = 2 ] || fail "two links"
	es link detach dev v0 || fail "detach"
	ip -n "$NS" link show v0 | grep -q xdp && fail "still attached"
	es link detach dev v0 2>/dev/null && fail "detach twice"
	es link detach dev v1 || fail "detach generic"
	return 0
}

test_stats_and_flows() {
	fleet || fail "fleet setup"
	local j
	j=$(es -j stats show) || fail "stats show"
	json_get "$j" 'j["verdicts"]["pass"]["packets"]' >/dev/null || fail "verdicts: $j"
	json_get "$j" 'j["reasons"]["not_vip"]["packets"]' >/dev/null || fail "reasons: $j"
	es stats reset || fail "reset"
	j=$(es -j flow show) || fail "flow show"
	[ "$j" = "[]" ] || [ "$j" = null ] || fail "no flows: $j"
	j=$(es -j flow flush) || fail "flush"
	[ "$(json_get "$j" 'j["flushed"]')" = 0 ] || fail "flushed: $j"
	return 0
}

test_batch() {
	cat > "$ES_TMP/good.batch" <<'B'
# a whole POP's configuration in one file
pop add A id 1 tunnel 198.51.100.1 src 198.51.100.1
pop add B id 2 tunnel 198.51.100.2 src 198.51.100.1
pop self A
vip add 203.0.113.10 proto tcp port 443   # the web service
prefix add 192.0.2.0/24 pops "B,A"
B
	es batch file "$ES_TMP/good.batch" || fail "good batch"
	[ "$(json_get "$(es -j prefix lookup 192.0.2.1)" 'j["pop"]')" = B ] || fail "batch applied"
	local before after err
	before=$(snapshot)
	cat > "$ES_TMP/bad.batch" <<'B'
pop add C id 3 tunnel 198.51.100.3 src 198.51.100.1
prefix add 198.51.100.0/24 pops C
prefix add 192.0.2.0/24 pops Z
B
	err=$(es batch file "$ES_TMP/bad.batch" 2>&1) && fail "bad batch succeeded"
	echo "$err" | grep -q "bad.batch:3:" || fail "error names file:line: $err"
	after=$(snapshot)
	[ "$before" = "$after" ] || fail "bad batch changed state"
	return 0
}

# Every line: a command (after `es`) that must fail with one clear error and
# change nothing. FILE: stands for a file written by bad_files.
BAD_COMMANDS=(
	"frobnicate"
	"pop frobnicate"
	"p show"
	"pop add"
	"pop add X"
	"pop add X id"
	"pop add X id 0 tunnel 198.51.100.9"
	"pop add X id 256 tunnel 198.51.100.9"
	"pop add X id -1 tunnel 198.51.100.9"
	"pop add X id 9x tunnel 198.51.100.9"
	"pop add X id 99999999999 tunnel 198.51.100.9"
	"pop add X id 9 tunnel 198.51.100"
	"pop add X id 9 tunnel 198.51.100.9 encap gre"
	"pop add X id 9 tunnel 198.51.100.9 src 2001:db8::1"
	"pop add X id 9 tunnel 198.51.100.9 mtu 70000"
	"pop add X id 9 tunnel 198.51.100.9 state sideways"
	"pop add X id 2 tunnel 198.51.100.9"
	"pop add B id 9 tunnel 198.51.100.9"
	"pop add 9X id 9 tunnel 198.51.100.9"
	"pop add averyveryverylongname id 9 tunnel 198.51.100.9"
	"pop add local id 9 tunnel 198.51.100.9"
	"pop add X id 9 redirect dev nosuchif0"
	"pop add X id 9 redirect dev v1 dmac 02:00:00:00:00"
	"pop add X id 9 tunnel 198.51.100.9 encap ipip encap gue"
	"pop set X state up"
	"pop set B state"
	"pop set B state sideways"
	"pop del X"
	"pop del B"
	"pop self X"
	"pop show X"
	"vip add 203.0.113"
	"vip add 203.0.113.10"
	"vip add 203.0.113.11 proto icmp"
	"vip add 203.0.113.11 proto tcp port 0"
	"vip add 203.0.113.11 proto tcp port 65536"
	"vip add 203.0.113.11 port 80"
	"vip del 203.0.113.99"
	"peer add 192.0.2"
	"peer del 192.0.2.99"
	"prefix add 192.0.2.1/24 pops B"
	"prefix add 192.0.2.0/33 pops B"
	"prefix add 192.0.2.0/24 pops Z"
	"prefix add 192.0.2.0/24 pops B,B"
	"prefix add 192.0.2.0/24 pops A,B,C,D,A"
	"prefix add 192.0.2.0/24"
	"prefix add 192.0.2.0/24 sideways"
	"prefix add 2001:db8::/129 local"
	"prefix del 203.0.113.0/24"
	"prefix lookup 203.0.113"
	"prefix lookup"
	"prefix show 203.0.113.0/24"
	"prefix load FILE:nonexistent"
	"prefix load FILE:badcidr"
	"prefix load FILE:unknownpop"
	"prefix load FILE:bigbad"
	"prefix load FILE:truncgz"
	"prefix load FILE:dup"
	"prefix load FILE:badcidr replace"
	"prefix load FILE:good replace extra"
	"link attach dev nosuchif0"
	"link attach"
	"link attach dev v0 mode turbo"
	"link detach dev v0"
	"stats frobnicate"
	"flow show extra"
	"batch file FILE:nonexistent"
	"batch file FILE:badbatch"
)

bad_files() {
	local d="$ES_TMP/files"
	mkdir -p "$d"
	printf '192.0.2.0/24 B\n192.0.2.1/24 C\n' > "$d/badcidr"
	printf '192.0.2.0/24 B\n198.18.0.0/15 Nowhere\n' > "$d/unknownpop"
	printf '192.0.2.0/24 B\n192.0.2.0/24 C\n' > "$d/dup"
	printf '203.0.113.0/24 C\n' > "$d/good"
	# a million lines with one bad line near the end
	python3 - "$d/bigbad" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1000000):
        if i == 999990:
            f.write("10.%d.%d.0/23 B\n" % (i >> 16 & 255, i >> 8 & 255 | 1))
        else:
            f.write("%d.%d.%d.0/24 B\n" % (11 + (i >> 16), i >> 8 & 255, i & 255))
PY
	gzip -c "$d/bigbad" | head -c 100000 > "$d/truncgz"
	printf 'vip add 203.0.113.77\nprefix add 192.0.2.0/24 pops Nowhere\n' > "$d/badbatch"
}

test_bad_input_changes_nothing() {
	fleet || report "fleet setup"
	bad_files
	local before after cmd args out err rc n=0
	report() { echo "bad input: $*"; }
	before=$(snapshot)
	for cmd in "${BAD_COMMANDS[@]}"; do
		args=${cmd//FILE:/$ES_TMP/files/}
		# shellcheck disable=SC2086
		es $args >"$ES_TMP/out" 2>"$ES_TMP/err"
		rc=$?
		err=$(cat "$ES_TMP/err")
		if [ $rc -eq 0 ]; then
			report "'$cmd' succeeded"
			n=$((n + 1))
			continue
		fi
		if [ "$(grep -c '^Error: ' "$ES_TMP/err")" != 1 ] || ! head -1 "$ES_TMP/err" | grep -q '^Error: '; then
			report "'$cmd': expected one Error: line first, got: $err"
			n=$((n + 1))
		fi
		# the same under -j: one JSON error object on stdout
		# shellcheck disable=SC2086
		out=$(es -j $args 2>/dev/null)
		json_get "$out" 'j["error"]' >/dev/null 2>&1 || {
			report "'$cmd' -j: not a JSON error: $out"
			n=$((n + 1))
		}
	done
	after=$(snapshot)
	[ "$before" = "$after" ] || { report "state changed"; diff <(echo "$before") <(echo "$after") | head; n=$((n + 1)); }
	echo "${#BAD_COMMANDS[@]} bad inputs"
	[ "${#BAD_COMMANDS[@]}" -ge 50 ] || report "fewer than 50 bad inputs"
	[ $n -eq 0 ]
}

test_json_everywhere() {
	fleet || fail "fleet setup"
	local cmd out
	for cmd in "pop show" "pop show B" "vip show" "peer show" "prefix show" \
		   "prefix show 192.0.2.0/24" "prefix lookup 192.0.2.1" "stats show" \
		   "flow show" "link show" "version" "help" "pop help" \
		   "pop set B state drain" "vip add 203.0.113.50" "peer add 192.0.2.253"; do
		# shellcheck disable=SC2086
		out=$(es -j $cmd) || fail "'$cmd' failed"
		python3 -c 'import json,sys; json.loads(sys.argv[1])' "$out" || fail "'$cmd' -j: invalid JSON: $out"
		case "$cmd" in *add*|*set*) continue ;; esac	# changes: once is enough
		# shellcheck disable=SC2086
		out=$(es -p $cmd) || fail "'$cmd' -p failed"
		python3 -c 'import json,sys; json.loads(sys.argv[1])' "$out" || fail "'$cmd' -p: invalid JSON"
	done
	return 0
}

# Each test starts from an empty state.
reset_state() {
	ip netns exec "$NS" "$ES_BIN" --pin-path "$PIN" link detach dev v0 >/dev/null 2>&1
	ip netns exec "$NS" "$ES_BIN" --pin-path "$PIN" link detach dev v1 >/dev/null 2>&1
	rm -rf "$PIN"
}

for t in test_pop_lifecycle test_vip_peer test_prefix_lookup test_dump_load_roundtrip \
	 test_link_attach test_stats_and_flows test_batch test_bad_input_changes_nothing \
	 test_json_everywhere; do
	reset_state
	es_run_test "$t"
done
reset_state
es_finish

#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# edgesteer config against real pinned state: defaults, every knob, the
# bytes the data path reads (bpftool's dump of the pinned map, not the
# CLI's own reading), bad input that must change nothing, batches, and the
# docs' synopsis against the built-in help.
. "$(dirname "$0")/../lib/netns.sh"
es_setup
PIN="$ES_TMP/bpffs/cfg"

es() {
	"$ES_BIN" --pin-path "$PIN" "$@"
}

# config_bytes: the pinned config map's value as the data path sees it,
# one hex byte per word (struct es_config, include/edgesteer.h)
config_bytes() {
	bpftool -j map dump pinned "$PIN/config" |
		python3 -c 'import json,sys; print(" ".join(x[2:] if x.startswith("0x") else x for x in json.load(sys.stdin)[0]["value"]))'
}

# le32 OFFSET: a little-endian 32-bit field of config_bytes
le32() {
	config_bytes | python3 -c 'import sys; b=[int(x,16) for x in sys.stdin.read().split()]; o=int(sys.argv[1]); print(b[o] | b[o+1]<<8 | b[o+2]<<16 | b[o+3]<<24)' "$1"
}

flags_byte() {
	local b
	read -ra b <<<"$(config_bytes)"
	echo $((16#${b[5]}))
}

reset_state() {
	rm -rf "$PIN"
	es pop add A id 1 tunnel 198.51.100.1 src 198.51.100.1 >/dev/null &&
	es pop self A >/dev/null
}

test_defaults() {
	local j
	j=$(es -j config show) || fail "config show"
	[ "$j" = '{"icmp_rate":1000,"icmp_burst":50,"mss_clamp":true}' ] || fail "defaults: $j"
	[ "$(es config)" = "$(printf 'icmp-rate 1000\nicmp-burst 50\nmss-clamp on')" ] ||
		fail "text: $(es config)"
	[ "$(le32 24)" = 1000 ] && [ "$(le32 28)" = 50 ] || fail "map: $(config_bytes)"
	[ "$(flags_byte)" = 0 ] || fail "flags: $(config_bytes)"
}

test_set_every_knob() {
	local before j
	before=$(config_bytes | cut -d' ' -f1-24)	# self, GUE port, tunnel address
	es config set icmp-rate 7 || fail "set rate"
	es config set icmp-burst 3 mss-clamp off || fail "set burst, clamp"
	j=$(es -j config show)
	[ "$j" = '{"icmp_rate":7,"icmp_burst":3,"mss_clamp":false}' ] || fail "after set: $j"
	[ "$(le32 24)" = 7 ] && [ "$(le32 28)" = 3 ] || fail "map: $(config_bytes)"
	[ "$(flags_byte)" = 1 ] || fail "ES_CONFIG_NO_MSS_CLAMP not set: $(config_bytes)"
	[ "$(config_bytes | cut -d' ' -f1-5)" = "$(echo "$before" | cut -d' ' -f1-5)" ] ||
		fail "self/GUE port changed: $before -> $(config_bytes)"
	[ "$(config_bytes | cut -d' ' -f7-24)" = "$(echo "$before" | cut -d' ' -f7-24)" ] ||
		fail "tunnel address changed"
	es config set mss-clamp on icmp-rate 0 || fail "set on, rate 0"
	[ "$(es -j config)" = '{"icmp_rate":0,"icmp_burst":3,"mss_clamp":true}' ] ||
		fail "after on: $(es -j config)"
	[ "$(flags_byte)" = 0 ] || fail "flag not cleared"
	# prefixes of keywords and values, like every other command
	es config set icmp-r 10000000 icmp-b 10000000 mss-c of || fail "prefixes, maxima"
	[ "$(es -j config)" = '{"icmp_rate":10000000,"icmp_burst":10000000,"mss_clamp":false}' ] ||
		fail "after prefixes: $(es -j config)"
	[ "$(es -j config set icmp-rate 5)" = null ] || fail "set -j prints null"
}

test_bad_input_changes_nothing() {
	local before out
	es config set icmp-rate 11 icmp-burst 12 mss-clamp off || fail "setup"
	before=$(config_bytes)
	while IFS='|' read -r args msg; do
		# shellcheck disable=SC2086
		out=$(es config $args 2>&1) && fail "'config $args' succeeded"
		[ "$out" = "Error: $msg" ] || fail "'config $args': '$out', want 'Error: $msg'"
		# shellcheck disable=SC2086
		out=$(es -j config $args 2>/dev/null)
		json_get "$out" 'j["error"]' >/dev/null || fail "'config $args' -j: $out"
		[ "$(config_bytes)" = "$before" ] || fail "'config $args' changed the map"
	done <<'T'
set|missing icmp-rate, icmp-burst or mss-clamp after 'set'
set icmp 5|ambiguous keyword 'icmp': icmp-rate, icmp-burst
set icmp-rate|missing N after 'icmp-rate'
set icmp-rate 5 icmp-rate 6|icmp-rate given twice
set icmp-rate 10000001|icmp-rate '10000001' out of range 0..10000000
set icmp-rate -1|invalid number '-1' for icmp-rate: sign not allowed
set icmp-burst 0|icmp-burst '0' out of range 1..10000000
set icmp-rate 5 mss-clamp maybe|unknown mss-clamp 'maybe': expected on or off
set icmp-rate 5 gue-port 1|unknown keyword 'gue-port': expected icmp-rate, icmp-burst or mss-clamp
show extra|unexpected argument 'extra'
frob|unknown command 'frob' for object 'config'
T
}

test_batch() {
	printf 'config set icmp-rate 21\nconfig set icmp-burst 22 mss-clamp off\n' > "$ES_TMP/ok.batch"
	es batch file "$ES_TMP/ok.batch" || fail "batch"
	[ "$(es -j config)" = '{"icmp_rate":21,"icmp_burst":22,"mss_clamp":false}' ] ||
		fail "after batch: $(es -j config)"
	# all or nothing: a bad last line keeps the first from being applied
	printf 'config set icmp-rate 31\nconfig set icmp-burst 0\n' > "$ES_TMP/bad.batch"
	es batch file "$ES_TMP/bad.batch" 2>/dev/null && fail "bad batch succeeded"
	[ "$(es -j config)" = '{"icmp_rate":21,"icmp_burst":22,"mss_clamp":false}' ] ||
		fail "bad batch applied something: $(es -j config)"
}

test_no_state() {
	local out
	out=$("$ES_BIN" --pin-path "$ES_TMP/bpffs/none" config show 2>&1) && fail "show without state"
	[ "$out" = "Error: no edgesteer state under '$ES_TMP/bpffs/none'" ] || fail "$out"
}

# docs/cli.md's synopsis block for config lists exactly the help's forms
test_docs_synopsis() {
	local help doc
	help=$(es -j config help | python3 -c 'import json,sys; [print(l.replace("edgesteer [OPTIONS] ", "edgesteer ", 1)) for l in json.load(sys.stdin)["usage"] if " := " not in l]' | sort)
	doc=$(awk '/^<!-- synopsis config -->$/ {on=1; next} on && /^```/ {n++; if (n == 2) exit; next} on && n == 1 && /^edgesteer config / {print}' "$ES_ROOT/docs/cli.md" | sort)
	[ -n "$doc" ] || fail "no synopsis block for config in docs/cli.md"
	[ "$help" = "$doc" ] || fail "help and docs differ: help: $help -- docs: $doc"
	"$ES_BIN" help | grep -Eq '^[[:space:]]+config[[:space:]]+\{ show \| set \| help \}' ||
		fail "top-level help does not list config"
}

for t in test_defaults test_set_every_knob test_bad_input_changes_nothing test_batch \
	 test_no_state test_docs_synopsis; do
	reset_state || { echo "FAIL setup"; exit 1; }
	es_run_test "$t"
done
es_finish

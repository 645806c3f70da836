#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Latency steering by edgesteerd on POP A of the fleet (topology.sh): a
# latency socket and a latency file, hold-down 1 s. Real connections from
# the clients show where new traffic goes (the 8080 server names its POP).
#   - C measured far better than B for 192.0.2.0/26: new connections go to
#     C, while a stream to B opened before keeps working (stream.py);
#   - B 50 / C 48, then B 48 / C 50, ... (below min-gain-ms 5) never moves
#     2001:db8:1::/48; a large difference then does (so the lines counted);
#   - 192.0.2.64/26, never measured, keeps its configured steering;
#   - a latency file with a bad line 3 is logged as FILE:3, changes
#     nothing; fixed (and gzipped), it moves the prefix;
#   - a bad socket line is answered and logged "socket: ...";
#   - a reload (which applies the prefix lines again) leaves a measured
#     prefix on its measured POP;
#   - the socket is mode 0600 and removed when the daemon exits.
# Deadlines are generous: they only bound a wait, they are not what is
# checked.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/topology.sh"
es_setup
. "$(dirname "$0")/daemon.sh"
command -v socat >/dev/null || es_skip "socat missing"
topo_create || { echo "FAIL topology"; exit 1; }

SOCK="$ES_TMP/latency.sock"
mkdir -p "$ES_TMP/lat"
LATFILE="$ES_TMP/lat/latency.txt"

topo_attach_decap || { echo "FAIL attach"; exit 1; }
topo_servers

cat > "$CONF" <<C
pop add A id 1 tunnel ${TOPO_BB4[a]} src ${TOPO_BB4[a]}
pop add B id 2 tunnel ${TOPO_BB4[b]} src ${TOPO_BB4[a]}
pop add C id 3 tunnel ${TOPO_BB6[c]} src ${TOPO_BB6[a]}
pop self A
vip add $TOPO_VIP4
vip add $TOPO_VIP6
prefix add 192.0.2.0/26 pops B,C
prefix add 192.0.2.64/26 pops B,C
prefix add 2001:db8:1::/48 pops B,C
link attach dev a-rt
latency socket $SOCK
latency file $LATFILE
policy min-gain-ms 5 min-gain-pct 10 hold-down 1
C

esd_start || { echo "FAIL daemon did not start"; cat "$LOG"; exit 1; }

prefix_pops() {
	json_get "$(topo_es a -j prefix show "$1")" "','.join(j['pops'])"
}

# feed LINE...: one datagram of lines to the socket from a bound client;
# prints the daemon's answer
feed() {
	python3 - "$SOCK" "$ES_TMP/client.sock" "$@" <<'PY'
import os, socket, sys
path, me, lines = sys.argv[1], sys.argv[2], sys.argv[3:]
if os.path.exists(me):
    os.unlink(me)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(me)
s.settimeout(10)
s.sendto("".join(l + "\n" for l in lines).encode(), path)
sys.stdout.write(s.recv(65536).decode())
PY
}

# stream SRC SECONDS: a long connection to 7070 in the background
stream() {
	rm -f "$ES_TMP/stream.started"
	ip netns exec "$NS_CL" python3 "$(dirname "$0")/stream.py" "$1" "$TOPO_VIP4" 7070 "$2" 0.1 \
		"$ES_TMP/stream" > "$ES_TMP/stream.out" 2>&1 &
	STREAM_PID=$!
	wait_until 10 "[ -e '$ES_TMP/stream.started' ]"
}

test_configured_steering_at_start() {
	topo_served_by 192.0.2.10 b || fail "192.0.2.10 not served by B"
	topo_served_by 192.0.2.70 b || fail "192.0.2.70 not served by B"
	topo_served_by 2001:db8:1::10 b || fail "2001:db8:1::10 not served by B"
	grep -q "latency socket $SOCK: listening" "$LOG" || fail "socket not opened: $(cat "$LOG")"
	grep -q "latency file $LATFILE: not there" "$LOG" || fail "missing file not reported"
	return 0
}

test_faster_pop_takes_new_connections_stream_stays() {
	local ans
	stream 192.0.2.10 15 || fail "stream did not start: $(cat "$ES_TMP/stream.out")"
	ans=$(feed "192.0.2.0/26 B 80" "192.0.2.0/26 C 10")
	[ "$ans" = "$(printf 'ok\nok')" ] || { kill $STREAM_PID; fail "answer '$ans'"; }
	wait_until 10 "topo_served_by 192.0.2.10 c" || { kill $STREAM_PID; fail "192.0.2.10 not moved to C"; }
	[ "$(prefix_pops 192.0.2.0/26)" = C,B ] || fail "prefix is $(prefix_pops 192.0.2.0/26)"
	grep -q "latency: prefix 192.0.2.0/26: pops B,C -> C,B (faster: C 10.0 ms, B 80.0 ms)" \
		"$LOG" || fail "move not logged: $(grep latency: "$LOG")"
	wait $STREAM_PID || fail "stream broke: $(cat "$ES_TMP/stream.out")"
	[ "$(head -1 "$ES_TMP/stream.out")" = pop-b ] || fail "stream was not on B"
	grep -q '^ok' "$ES_TMP/stream.out" || fail "stream: $(cat "$ES_TMP/stream.out")"
}

test_small_oscillation_never_moves() {
	local i ans
	for i in 1 2 3 4; do
		ans=$(feed "2001:db8:1::/48 B 50" "2001:db8:1::/48 C 48")
		[ "$ans" = "$(printf 'ok\nok')" ] || fail "answer '$ans'"
		sleep 1.5	# past the hold-down, several rankings
		topo_served_by 2001:db8:1::10 b || fail "moved to $(topo_ask 2001:db8:1::10 tcp) (round $i)"
		ans=$(feed "2001:db8:1::/48 B 48" "2001:db8:1::/48 C 50")
		[ "$ans" = "$(printf 'ok\nok')" ] || fail "answer '$ans'"
		sleep 1.5
		topo_served_by 2001:db8:1::10 b || fail "moved to $(topo_ask 2001:db8:1::10 tcp) (round $i)"
	done
	[ "$(prefix_pops 2001:db8:1::/48)" = B,C ] || fail "prefix is $(prefix_pops 2001:db8:1::/48)"
	grep -q "latency: prefix 2001:db8:1::/48" "$LOG" && fail "moved: $(grep latency: "$LOG")"
	# the same prefix does move on a real difference: the lines above counted
	feed "2001:db8:1::/48 C 5" >/dev/null
	wait_until 10 "topo_served_by 2001:db8:1::10 c" || fail "2001:db8:1::10 not moved on a large gain"
}

test_unmeasured_prefix_keeps_configured() {
	topo_served_by 192.0.2.70 b || fail "192.0.2.70 served by $(topo_ask 192.0.2.70 tcp)"
	[ "$(prefix_pops 192.0.2.64/26)" = B,C ] || fail "prefix is $(prefix_pops 192.0.2.64/26)"
	grep -q "latency: prefix 192.0.2.64/26" "$LOG" && fail "moved: $(grep latency: "$LOG")"
	return 0
}

test_bad_socket_line_answered_and_logged() {
	local ans
	ans=$(feed "192.0.2.64/26 NOPE 5" "192.0.2.64/26 C fast" "203.0.113.0/24 C 1")
	echo "$ans" | sed -n 1p | grep -q "^error: socket: .*NOPE" || fail "answer '$ans'"
	echo "$ans" | sed -n 2p | grep -q "^error: socket: " || fail "answer '$ans'"
	echo "$ans" | sed -n 3p | grep -q "^ignored: socket: " || fail "answer '$ans'"
	wait_until 5 "grep -q 'error: socket: .*NOPE' '$LOG'" || fail "not logged"
	sleep 1.5
	topo_served_by 192.0.2.70 b || fail "192.0.2.70 served by $(topo_ask 192.0.2.70 tcp)"
}

test_bad_file_line_changes_nothing() {
	printf '# measurements\n192.0.2.64/26 C 1\n192.0.2.64/26 B fast\n192.0.2.64/26 B 100\n' \
		> "$LATFILE.new" && mv "$LATFILE.new" "$LATFILE"
	wait_until 10 "grep -q '$LATFILE:3: ' '$LOG'" || fail "no $LATFILE:3 in the log: $(cat "$LOG")"
	grep -q "latency file $LATFILE rejected" "$LOG" || fail "rejection not logged"
	sleep 2		# rankings come and go
	topo_served_by 192.0.2.70 b || fail "192.0.2.70 served by $(topo_ask 192.0.2.70 tcp)"
	[ "$(prefix_pops 192.0.2.64/26)" = B,C ] || fail "prefix is $(prefix_pops 192.0.2.64/26)"
	# fixed, gzipped: read on the change, and it moves the prefix
	printf '192.0.2.64/26 C 1\n192.0.2.64/26 B 100\n' | gzip > "$LATFILE.new" &&
		mv "$LATFILE.new" "$LATFILE"
	wait_until 10 "topo_served_by 192.0.2.70 c" || fail "fixed file did not move 192.0.2.70: $(cat "$LOG")"
	grep -q "latency file $LATFILE: 2 lines, 2 samples stored" "$LOG" || fail "load not logged"
}

test_reload_moves_measured_prefix_back() {
	# the reload applies `prefix add 192.0.2.0/26 pops B,C` again; the
	# measurements held put it back on C
	local n=$(grep -c 'reloaded' "$LOG")
	kill -HUP $(esd_pid)
	wait_until 20 "[ \$(grep -c 'reloaded' '$LOG') -gt $n ]" || fail "no reload: $(cat "$LOG")"
	wait_until 10 "[ \"\$(prefix_pops 192.0.2.0/26)\" = C,B ]" ||
		fail "prefix is $(prefix_pops 192.0.2.0/26) after the reload"
	topo_served_by 192.0.2.10 c || fail "192.0.2.10 served by $(topo_ask 192.0.2.10 tcp)"
}

test_socket_mode_and_removed_at_exit() {
	[ -S "$SOCK" ] || fail "no socket at $SOCK"
	[ "$(stat -c %a "$SOCK")" = 600 ] || fail "mode $(stat -c %a "$SOCK")"
	kill -TERM $(esd_pid)
	wait_until 20 "! kill -0 $(esd_pid) 2>/dev/null" || fail "daemon did not exit"
	[ -e "$SOCK" ] && fail "socket file left behind"
	# the decisions stay after the daemon
	topo_served_by 192.0.2.10 c || fail "192.0.2.10 not on C after exit"
}

es_run_test test_configured_steering_at_start
es_run_test test_faster_pop_takes_new_connections_stream_stays
es_run_test test_small_oscillation_never_moves
es_run_test test_unmeasured_prefix_keeps_configured
es_run_test test_bad_socket_line_answered_and_logged
es_run_test test_bad_file_line_changes_nothing
es_run_test test_reload_moves_measured_prefix_back
es_run_test test_socket_mode_and_removed_at_exit
if grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$LOG"; then
	echo "FAIL sanitizer"
	cat "$LOG"
	ES_FAILED=1
fi
es_finish

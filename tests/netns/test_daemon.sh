#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# edgesteerd on POP A of the fleet (topology.sh), configured by one file:
# the fleet's POPs, VIPs and prefixes, a TCP probe and an HTTP probe of B
# and an ICMP probe of C. Real connections from the clients show where
# new traffic goes; the daemon's log must attribute each state change.
#   - B's health servers go away, or B's backbone link goes down: new
#     connections from B's prefixes move to C; B back: they return;
#   - an operator's `pop set B state drain` is not undone by B's probe;
#   - a configuration with an error on line 37 is reported as FILE:37 and
#     changes nothing (an earlier valid change in it is not applied), a
#     valid change is applied on the file's change, SIGHUP reloads;
#   - SIGKILL and restart under a 100 pps ping: nothing lost, tables the same.
# Deadlines are generous (10 s for what takes ~3 probe intervals of 200 ms):
# they only bound a wait, they are not what is checked.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/topology.sh"
es_setup
. "$(dirname "$0")/daemon.sh"
command -v socat >/dev/null || es_skip "socat missing"
topo_create || { echo "FAIL topology"; exit 1; }

# B and C decapsulate, configured with the CLI as in test_fleet.sh
topo_attach_decap || { echo "FAIL attach"; exit 1; }
# B's IPv6 addresses must survive its link going down and up
topo_sysctl "$NS_B" net.ipv6.conf.b-bb.keep_addr_on_down=1
topo_servers

# B's health endpoints, apart from the service so that the test can take
# them away: TCP 8081 and HTTP 8082 on the backbone address
mkdir -p "$ES_TMP/www" && echo ok > "$ES_TMP/www/health"
health_start() {
	ip netns exec "$NS_B" socat TCP-LISTEN:8081,bind="${TOPO_BB4[b]}",fork,reuseaddr \
		SYSTEM:true >/dev/null 2>&1 &
	echo $! > "$ES_TMP/health-tcp.pid"
	ip netns exec "$NS_B" python3 -m http.server 8082 --bind "${TOPO_BB4[b]}" \
		--directory "$ES_TMP/www" >/dev/null 2>&1 &
	echo $! > "$ES_TMP/health-http.pid"
}
health_stop() {
	kill "$(cat "$ES_TMP/health-tcp.pid")" "$(cat "$ES_TMP/health-http.pid")" 2>/dev/null
}
health_start

# config [PREFIX_64_POPS]: A's whole configuration (37 lines and more)
config() {
	cat <<C
# edgesteerd on POP A (test_daemon.sh)
pop add A id 1 tunnel ${TOPO_BB4[a]} src ${TOPO_BB4[a]}
pop add B id 2 tunnel ${TOPO_BB4[b]} src ${TOPO_BB4[a]}
pop add C id 3 tunnel ${TOPO_BB6[c]} src ${TOPO_BB6[a]}
pop add B-gue id 4 tunnel ${TOPO_BB4[b]} src ${TOPO_BB4[a]} encap gue
pop self A
vip add $TOPO_VIP4
vip add $TOPO_VIP6
prefix add 192.0.2.0/26 pops B,C
prefix add 192.0.2.64/26 pops ${1:-C,B}
prefix add 198.18.0.0/24 local
prefix add 2001:db8:1::/48 pops B,C
prefix add 2001:db8:2::/48 pops C
link attach dev a-rt

probe B tcp 8081 interval 200 rise 2 fall 2
probe B-gue http http://${TOPO_BB4[b]}:8082/health interval 200 timeout 150 rise 2 fall 2
probe C icmp interval 200 rise 2 fall 2
policy min-gain-ms 5 min-gain-pct 10 hold-down 30
C
	for i in $(seq 20 40); do echo "# padding $i"; done
}

# write FILE CONTENT: replace the file in one step, as an editor would
config | esd_write_config
esd_start || { echo "FAIL daemon did not start"; cat "$LOG"; exit 1; }
wait_until 10 "[ \"\$(esd_pop_state B)\" = up ] && grep -q 'probe icmp ${TOPO_BB6[c]}: healthy' '$LOG' &&
	grep -q 'probe http http://${TOPO_BB4[b]}:8082/health: healthy' '$LOG'"

test_config_applied_and_probes_healthy() {
	topo_served_by 192.0.2.10 b || fail "192.0.2.10 not served by B"
	topo_served_by 2001:db8:1::10 b || fail "2001:db8:1::10 not served by B"
	topo_served_by 192.0.2.70 c || fail "192.0.2.70 not served by C"
	topo_served_by 198.18.0.10 a || fail "198.18.0.10 not served by A"
	for p in B B-gue C; do
		[ "$(esd_pop_state $p)" = up ] || fail "pop $p is $(esd_pop_state $p)"
	done
	grep -q "probe tcp ${TOPO_BB4[b]}:8081: healthy" "$LOG" || fail "no healthy tcp probe in the log"
	# next hops resolved by the daemon: the egress and the far end's MAC, as the links say
	local p want got
	for p in b c; do
		want="a-bb $(ip -n "$NS_A" -br link show a-bb | awk '{print $3}')"
		want="$want $(ip -n "${NS_POP[$p]}" -br link show "$p-bb" | awk '{print $3}')"
		got=$(json_get "$(topo_es a -j pop show "${p^^}")" \
			"' '.join([j['nexthop']['dev'], j['nexthop']['smac'], j['nexthop']['dmac']])")
		[ "$got" = "$want" ] || fail "pop ${p^^} next hop '$got', expected '$want'"
	done
}

test_health_server_gone_moves_to_c_and_back() {
	health_stop
	wait_until 10 "topo_served_by 192.0.2.10 c" || fail "192.0.2.10 still not on C"
	topo_served_by 2001:db8:1::10 c || fail "2001:db8:1::10 not moved to C"
	[ "$(esd_pop_state B)" = down ] || fail "B is $(esd_pop_state B)"
	grep -q "pop B: state up -> down by probe tcp ${TOPO_BB4[b]}:8081: 2 failures" "$LOG" ||
		fail "B's state change not attributed to its probe: $(tail -5 "$LOG")"
	wait_until 10 "grep -q 'pop B-gue: state up -> down by probe http' '$LOG'" ||
		fail "B-gue not taken down by its http probe"
	topo_served_by 192.0.2.70 c || fail "192.0.2.70 left C"

	health_start
	wait_until 10 "topo_served_by 192.0.2.10 b" || fail "192.0.2.10 did not return to B"
	grep -q "pop B: state down -> up by probe tcp ${TOPO_BB4[b]}:8081: 2 successes" "$LOG" ||
		fail "B's return not attributed to its probe"
	wait_until 10 "[ \"\$(esd_pop_state B-gue)\" = up ]" || fail "B-gue did not come back"
}

test_backbone_link_down_moves_to_c_and_back() {
	ip -n "$NS_B" link set b-bb down
	wait_until 10 "topo_served_by 192.0.2.10 c" || fail "192.0.2.10 still not on C"
	[ "$(esd_pop_state B)" = down ] || fail "B is $(esd_pop_state B)"
	ip -n "$NS_B" link set b-bb up
	wait_until 10 "topo_served_by 192.0.2.10 b" || fail "192.0.2.10 did not return to B"
	[ "$(esd_pop_state C)" = up ] || fail "C is $(esd_pop_state C)"
}

test_operator_drain_not_overridden() {
	topo_es a pop set B state drain || fail "pop set"
	topo_served_by 192.0.2.10 c || fail "drained B still takes new connections"
	sleep 2		# ten probe intervals of a healthy B
	[ "$(esd_pop_state B)" = drain ] || fail "the daemon changed the operator's drain to $(esd_pop_state B)"
	grep -q "pop B: state drain was set by an operator" "$LOG" || fail "no log of the operator's state"
	topo_served_by 192.0.2.10 c || fail "192.0.2.10 back on B while drained"
	topo_es a pop set B state up || fail "pop set up"
	sleep 1
	[ "$(esd_pop_state B)" = up ] || fail "B is $(esd_pop_state B) after the operator set it up"
	topo_served_by 192.0.2.10 b || fail "192.0.2.10 not back on B"
}

test_error_on_line_37_keeps_running_state() {
	local before after pid
	pid=$(esd_pid)
	before=$(topo_es a -j prefix show)
	# a valid change on line 10 and an unknown pop on line 37
	{ config B,C | sed -n 1,36p; echo "prefix add 192.0.2.128/26 pops NOPE"; } | esd_write_config
	[ "$(grep -c '' "$CONF")" -eq 37 ] || fail "the bad file is not 37 lines"
	wait_until 10 "grep -q 'edgesteerd.conf:37: unknown pop .NOPE.' '$LOG'" ||
		fail "no FILE:37 error: $(tail -3 "$LOG")"
	grep -q "reload failed: the running configuration stays in force" "$LOG" || fail "no reload failure"
	kill -0 "$pid" || fail "edgesteerd exited"
	after=$(topo_es a -j prefix show)
	[ "$before" = "$after" ] || fail "prefixes changed by an invalid file"
	topo_served_by 192.0.2.70 c || fail "192.0.2.70 moved although the file was invalid"
	topo_served_by 192.0.2.10 b || fail "192.0.2.10 not on B"

	# the same change without the error: applied when the file changes
	config B,C | esd_write_config
	wait_until 10 "topo_served_by 192.0.2.70 b" || fail "a valid change was not applied"
	config | esd_write_config
	wait_until 10 "topo_served_by 192.0.2.70 c" || fail "the original file was not applied again"
	kill -HUP "$pid"
	wait_until 10 "grep -q 'reloading .* (SIGHUP)' '$LOG'" || fail "SIGHUP did not reload"
	kill -0 "$pid" || fail "edgesteerd exited"
}

test_sigkill_restart_loses_nothing() {
	local prefixes pops decap0 decap1 out pid n=500
	# the file as the daemon started with it (an earlier failure may have left another)
	config | cmp -s - "$CONF" || { config | esd_write_config; sleep 1; }
	pid=$(esd_pid)
	prefixes=$(topo_es a -j prefix show)
	pops=$(topo_es a -j pop show)
	decap0=$(json_get "$(topo_es b -j stats show)" "j['reasons']['decap']['packets']")
	ip netns exec "$NS_CL" ping -q -c $n -i 0.01 -w 60 -I 192.0.2.10 "$TOPO_VIP4" \
		> "$ES_TMP/ping.out" 2>&1 &
	local ping=$!
	sleep 1
	kill -KILL "$pid"
	wait_until 10 "! kill -0 $pid 2>/dev/null" || fail "edgesteerd survived SIGKILL"
	esd_start || fail "edgesteerd did not start again: $(tail -5 "$LOG")"
	wait $ping || fail "ping: $(cat "$ES_TMP/ping.out")"
	grep -q "$n packets transmitted, $n received" "$ES_TMP/ping.out" ||
		fail "packets lost: $(cat "$ES_TMP/ping.out")"
	decap1=$(json_get "$(topo_es b -j stats show)" "j['reasons']['decap']['packets']")
	[ $((decap1 - decap0)) -ge $n ] || fail "B decapsulated $((decap1 - decap0)) of $n echo requests"
	[ "$(topo_es a -j prefix show)" = "$prefixes" ] || fail "the restart changed the prefixes"
	sleep 1		# the new daemon's probes reach their verdicts
	[ "$(topo_es a -j pop show)" = "$pops" ] || fail "the restart changed the pops"
	topo_served_by 192.0.2.10 b || fail "192.0.2.10 not on B after the restart"
}

for t in test_config_applied_and_probes_healthy test_health_server_gone_moves_to_c_and_back \
	 test_backbone_link_down_moves_to_c_and_back test_operator_drain_not_overridden \
	 test_error_on_line_37_keeps_running_state test_sigkill_restart_loses_nothing; do
	es_run_test "$t"
done
if [ "$ES_FAILED" -gt 0 ]; then
	echo "----- edgesteerd log (last 40 lines) -----"
	tail -n 40 "$LOG"
fi
es_finish

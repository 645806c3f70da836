# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# edgesteerd on POP A of the fleet, for the daemon's tests. Source after
# tests/lib/netns.sh and topology.sh, and after es_setup:
#   ESD_BIN, PIN_A, CONF, LOG        the daemon, A's pins, its config, its log
#   esd_write_config < TEXT          replace the config file in one rename
#   esd_start                        start it in A (log appended), wait for
#                                    "started"
#   esd_pid                          its pid (kept in a file: tests run in
#                                    subshells, and one may restart it)
#   esd_pop_state NAME               a POP's state as A's pinned maps say
ESD_BIN="$ES_BUILD/edgesteerd"
[ -x "$ESD_BIN" ] || es_skip "no $ESD_BIN (build first)"
PIN_A="$ES_TMP/bpffs/pop-a"
CONF="$ES_TMP/edgesteerd.conf"
LOG="$ES_TMP/edgesteerd.log"

# a rename: the daemon's file watch never sees a half-written file
esd_write_config() {
	cat > "$CONF.new" && mv "$CONF.new" "$CONF"
}

esd_start() {
	local n
	touch "$LOG"
	n=$(grep -c 'edgesteerd: started' "$LOG")
	ip netns exec "$NS_A" "$ESD_BIN" -c "$CONF" --pin-path "$PIN_A" -f >>"$LOG" 2>&1 &
	echo $! > "$ES_TMP/esd.pid"
	disown $! 2>/dev/null	# a SIGKILL of it is the test's, not news
	wait_until 60 "[ \$(grep -c 'edgesteerd: started' '$LOG') -gt $n ]"
}

esd_pid() {
	cat "$ES_TMP/esd.pid"
}

esd_pop_state() {
	json_get "$(topo_es a -j pop show "$1")" "j['state']"
}

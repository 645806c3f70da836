#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make demo`: a three-POP anycast fleet in network namespaces. Clients in
# five prefixes land on POP A (the BGP choice); edgesteer on A sends each
# prefix to the POP its decision names; B and C decapsulate and answer the
# client directly. Then POP B fails.
set -u
cd "$(dirname "$0")/.."
export ES_BUILD=${1:-build}
. tests/lib/netns.sh
. tests/netns/topology.sh
[ "$(id -u)" -eq 0 ] || { echo "make demo needs root (it creates network namespaces and loads XDP)"; exit 1; }
es_setup

bold=$(tput bold 2>/dev/null || true)
plain=$(tput sgr0 2>/dev/null || true)
say() { printf '\n%s%s%s\n' "$bold" "$*" "$plain"; }

say "Building the fleet: clients, a router for the Internet, POPs A, B and C, a backbone"
topo_create || { echo "cannot create the topology"; exit 1; }
topo_attach || { echo "cannot attach edgesteer"; exit 1; }
topo_servers
cat <<'T'
   clients ── router ── A (edge: edgesteer steers)      VIP 203.0.113.10, 2001:db8:ffff::10
                 │  │     │                              on every POP's loopback;
                 │  │     └── backbone ── B, C (edgesteer decapsulates)
                 │  └──────────────────── B uplink       replies go straight back
                 └─────────────────────── C uplink       to the client (DSR)
T

say "Steering decisions on POP A (edgesteer prefix load):"
tee "$ES_TMP/decisions" <<'T'
192.0.2.0/26      B,C          # Europe: B is 12 ms away, C 40 ms
192.0.2.64/26     C-gue,B      # Asia: C is closest (GUE tunnel)
198.18.0.0/24     local        # clients A serves best itself
2001:db8:1::/48   B,C
2001:db8:2::/48   C,B
T
topo_es a prefix load "$ES_TMP/decisions" replace >/dev/null || exit 1

# show: one line per client: prefix -> who answered -> why
show() {
	printf '  %-18s %-16s %-6s %-6s %s\n' "client" "prefix" "tcp" "udp" "why (decision: candidate states)"
	local c j
	for c in "${TOPO_CLIENTS4[@]}" "${TOPO_CLIENTS6[@]}"; do
		j=$(topo_es a -j prefix lookup "$c")
		printf '  %-18s %-16s %-6s %-6s %s\n' "$c" \
			"$(json_get "$j" 'j["prefix"] or "-"')" \
			"$(topo_ask "$c" tcp | sed 's/pop-//; s/^$/-/' | tr a-z A-Z)" \
			"$(topo_ask "$c" udp | sed 's/pop-//; s/^$/-/' | tr a-z A-Z)" \
			"$(json_get "$j" '(" ".join("%s(%s)" % (p, s) for p, s in zip(j["pops"], j["states"])) + " -> " + ("tunnel to " + j["pop"] if j["pop"] else "no candidate up: served here")) if j["pops"] else ("decision " + j["action"] + ": served here" if j["action"] == "local" else j["action"])')"
	done
}

say "Real TCP and UDP from each client (socat), answered by the POP that served it:"
show

say "POP B fails: edgesteer pop set B state down (one map write, next packet):"
topo_es a pop set B state down
show

say "What A's data path counted (edgesteer stats show):"
topo_es a stats show | awk '/^pop|^decision/{exit} NF && ($2 != 0 || /^[a-z]/)'

say "Cleaning up (namespaces, pins, servers)."

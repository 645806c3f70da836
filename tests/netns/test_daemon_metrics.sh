#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# edgesteerd's metrics on POP A of the fleet (topology.sh), scraped over
# HTTP with curl and read by a strict parser of the Prometheus text format
# written here (line grammar, names, label syntax and escapes, values,
# HELP/TYPE before samples, each family's samples contiguous, no series
# twice). The oracles are the CLI's own views of the same pinned state:
#   - every edgesteer counter (verdicts, reasons, events, POPs) equals
#     `edgesteer -j stats show`, read in a window where the CLI saw the
#     counters stand still (taken before and after the scrape);
#   - POP states equal `pop show -j`, after probes and an operator change
#     them; next hops resolved as pop show says;
#   - prefixes by action and by first candidate equal `prefix show -j`;
#   - probe verdicts, consecutive counts and RTTs follow a link going
#     down and up; reloads are counted ok and failed;
#   - the default listener is 127.0.0.1:9469; `metrics listen` moves it
#     on reload; other paths are 404, other methods 405, an oversized
#     request 431, and a client that sends nothing does not hold the
#     daemon (others are answered meanwhile) and is closed by it.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/topology.sh"
es_setup
. "$(dirname "$0")/daemon.sh"
command -v socat >/dev/null || es_skip "socat missing"
command -v curl >/dev/null || es_skip "curl missing (tools/install-deps.sh installs it)"
topo_create || { echo "FAIL topology"; exit 1; }

PROM="$ES_TMP/prom.py"
URL="http://127.0.0.1:9469/metrics"

topo_attach_decap || { echo "FAIL attach"; exit 1; }
topo_sysctl "$NS_B" net.ipv6.conf.b-bb.keep_addr_on_down=1
topo_servers

# The parser and the comparisons. Every failure names the line or series.
cat > "$PROM" <<'PY'
import json, math, re, sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*'
FLOAT = r'[-+]?(?:[0-9]+\.?[0-9]*(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN)'
TYPES = ('counter', 'gauge', 'histogram', 'summary', 'untyped')

class Bad(Exception):
    pass

def unescape(s, quote, where):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '\\':
            if i + 1 == len(s):
                raise Bad(f'{where}: dangling backslash')
            n = s[i + 1]
            if n == '\\': out.append('\\')
            elif n == 'n': out.append('\n')
            elif n == '"' and quote: out.append('"')
            else: raise Bad(f'{where}: invalid escape \\{n}')
            i += 2
        elif c == '"' and quote:
            raise Bad(f'{where}: unescaped quote')
        else:
            out.append(c)
            i += 1
    return ''.join(out)

def labels(s, where):
    res, pos = {}, 0
    item = re.compile(r'(' + LABEL + r')="((?:[^"\\\n]|\\.)*)"')
    while pos < len(s):
        m = item.match(s, pos)
        if not m:
            raise Bad(f'{where}: bad label syntax at {s[pos:]!r}')
        name = m.group(1)
        if name.startswith('__'):
            raise Bad(f'{where}: reserved label name {name}')
        if name in res:
            raise Bad(f'{where}: label {name} twice')
        res[name] = unescape(m.group(2), True, where)
        pos = m.end()
        if pos < len(s):
            if s[pos] != ',' or pos + 1 == len(s):
                raise Bad(f'{where}: expected a label after {s[:pos]!r}')
            pos += 1
    return res

def parse(text):
    """{(name, ((label, value), ...)): float}, {family: type}"""
    if not text.endswith('\n'):
        raise Bad('the text does not end with a newline')
    series, types, helps, done = {}, {}, set(), set()
    cur = None
    sample = re.compile(r'(' + NAME + r')(?:\{(.*)\})? (' + FLOAT + r')$')
    for no, line in enumerate(text[:-1].split('\n'), 1):
        where = f'line {no}'
        m = re.match(r'# (HELP|TYPE) (' + NAME + r') (.*)$', line)
        if m:
            kind, name, rest = m.groups()
            if name in done:
                raise Bad(f'{where}: family {name} again after other families')
            if name != cur:
                if cur is not None:
                    done.add(cur)
                cur = name
            if kind == 'HELP':
                if name in helps:
                    raise Bad(f'{where}: second HELP for {name}')
                helps.add(name)
                unescape(rest, False, where)
            else:
                if name in types:
                    raise Bad(f'{where}: second TYPE for {name}')
                if rest not in TYPES:
                    raise Bad(f'{where}: unknown type {rest!r}')
                if any(k[0] == name for k in series):
                    raise Bad(f'{where}: TYPE after samples of {name}')
                types[name] = rest
            continue
        if line.startswith('#') or not line.strip():
            raise Bad(f'{where}: unexpected line {line!r}')
        m = sample.match(line)
        if not m:
            raise Bad(f'{where}: not a sample: {line!r}')
        name, lab, val = m.groups()
        if name != cur:
            if name in done or (cur is not None and name in types):
                raise Bad(f'{where}: samples of {name} are not contiguous')
            if cur is not None:
                done.add(cur)
            cur = name
        if name not in types:
            raise Bad(f'{where}: {name} has no TYPE line before its samples')
        key = (name, tuple(sorted(labels(lab or '', where).items())))
        if key in series:
            raise Bad(f'{where}: series {name}{{{lab}}} twice')
        v = float(val.replace('Inf', 'inf'))
        if types[name] == 'counter' and (math.isnan(v) or v < 0):
            raise Bad(f'{where}: counter {name} is {val}')
        series[key] = v
    for name in types:
        if name not in helps:
            raise Bad(f'family {name} has no HELP')
    return series, types

def get(series, name, **lab):
    key = (name, tuple(sorted(lab.items())))
    if key not in series:
        raise Bad(f'no series {name}{lab}')
    return series[key]

def family(series, name):
    return {k[1]: v for k, v in series.items() if k[0] == name}

def expect(what, got, want, errors):
    if got != want:
        errors.append(f'{what}: metrics say {got}, the CLI says {want}')

def cmd_stats(series, stats):
    e = []
    for v, c in stats['verdicts'].items():
        expect(f'verdict {v} packets', get(series, 'edgesteer_verdict_packets_total', verdict=v), c['packets'], e)
        expect(f'verdict {v} bytes', get(series, 'edgesteer_verdict_bytes_total', verdict=v), c['bytes'], e)
    for r, c in stats['reasons'].items():
        expect(f'reason {r} packets', get(series, 'edgesteer_reason_packets_total', reason=r), c['packets'], e)
        expect(f'reason {r} bytes', get(series, 'edgesteer_reason_bytes_total', reason=r), c['bytes'], e)
    for ev, n in stats['events'].items():
        expect(f'event {ev}', get(series, 'edgesteer_event_packets_total', event=ev), n, e)
    for p in stats['pops']:
        lab = dict(pop=p['name'] or '', id=str(p['id']))
        expect(f'pop {lab} packets', get(series, 'edgesteer_pop_packets_total', **lab), p['packets'], e)
        expect(f'pop {lab} bytes', get(series, 'edgesteer_pop_bytes_total', **lab), p['bytes'], e)
    # nothing more than the CLI lists
    for fam, n in (('edgesteer_verdict_packets_total', len(stats['verdicts'])),
                   ('edgesteer_reason_packets_total', len(stats['reasons'])),
                   ('edgesteer_event_packets_total', len(stats['events'])),
                   ('edgesteer_pop_packets_total', len(stats['pops']))):
        expect(f'{fam} series', len(family(series, fam)), n, e)
    if sum(c['packets'] for c in stats['verdicts'].values()) == 0:
        e.append('no packets counted at all: the comparison proves nothing')
    return e

def cmd_pops(series, pops):
    e = []
    for p in pops:
        for s in ('up', 'drain', 'down'):
            expect(f"pop {p['name']} state {s}",
                   get(series, 'edgesteer_pop_state', pop=p['name'], id=str(p['id']), state=s),
                   1 if p['state'] == s else 0, e)
        nh = p.get('nexthop') or {}
        expect(f"pop {p['name']} next hop resolved",
               get(series, 'edgesteer_pop_nexthop_resolved', pop=p['name'], id=str(p['id'])),
               1 if nh.get('ifindex') else 0, e)
    expect('pop_state series', len(family(series, 'edgesteer_pop_state')), 3 * len(pops), e)
    return e

def cmd_prefixes(series, prefixes, pops):
    e = []
    for a in ('pops', 'local', 'drop'):
        expect(f'prefixes {a}', get(series, 'edgesteer_prefixes', action=a),
               sum(1 for p in prefixes if p['action'] == a), e)
    for p in pops:
        expect(f"prefixes preferring {p['name']}",
               get(series, 'edgesteer_pop_prefixes_preferred', pop=p['name'], id=str(p['id'])),
               sum(1 for x in prefixes if x['action'] == 'pops' and x['pops'][:1] == [p['name']]), e)
    used = {x['decision'] for x in prefixes}
    if get(series, 'edgesteer_decisions_in_use') < len(used):
        e.append(f"decisions in use {get(series, 'edgesteer_decisions_in_use')} < the {len(used)} the prefixes name")
    return e

def main():
    text = open(sys.argv[2]).read()
    try:
        series, _ = parse(text)
        if sys.argv[1] == 'check':
            return 0
        if sys.argv[1] == 'get':
            lab = dict(a.split('=', 1) for a in sys.argv[4:])
            v = get(series, sys.argv[3], **lab)
            print(int(v) if v == int(v) else v)
            return 0
        args = [json.load(open(f)) for f in sys.argv[3:]]
        errors = {'stats': cmd_stats, 'pops': cmd_pops, 'prefixes': cmd_prefixes}[sys.argv[1]](series, *args)
    except Bad as b:
        print(f'invalid: {b}')
        return 1
    for x in errors:
        print(x)
    return 1 if errors else 0

sys.exit(main())
PY

config() {
	cat <<C
pop add A id 1 tunnel ${TOPO_BB4[a]} src ${TOPO_BB4[a]}
pop add B id 2 tunnel ${TOPO_BB4[b]} src ${TOPO_BB4[a]}
pop add C id 3 tunnel ${TOPO_BB6[c]} src ${TOPO_BB6[a]}
pop add B-gue id 4 tunnel ${TOPO_BB4[b]} src ${TOPO_BB4[a]} encap gue
pop self A
vip add $TOPO_VIP4
vip add $TOPO_VIP6
prefix add 192.0.2.0/26 pops B,C
prefix add 192.0.2.64/26 pops C,B
prefix add 192.0.2.128/26 pops C
prefix add 198.18.0.0/24 local
prefix add 198.18.1.0/24 drop
prefix add 2001:db8:1::/48 pops B,C
prefix add 2001:db8:2::/48 drop
link attach dev a-rt
probe B tcp 8080 interval 200 rise 2 fall 2
probe C icmp interval 200 rise 2 fall 2
C
	echo "$@"
}

# scrape [URL]: the body into $ES_TMP/m.txt, the headers into m.hdr
scrape() {
	ip netns exec "$NS_A" curl -sS --max-time 10 -D "$ES_TMP/m.hdr" -o "$ES_TMP/m.txt" "${1:-$URL}"
}

# metric NAME LABEL=VALUE...: one value of the last scrape
metric() {
	python3 "$PROM" get "$ES_TMP/m.txt" "$@"
}

config | esd_write_config
esd_start || { echo "FAIL no start"; cat "$LOG"; exit 1; }
wait_until 10 "[ \"\$(esd_pop_state B)\" = up ] && [ \"\$(esd_pop_state C)\" = up ]" ||
	{ echo "FAIL probes"; cat "$LOG"; exit 1; }

test_default_listener_valid_text() {
	grep -q 'metrics: serving http://127.0.0.1:9469/metrics' "$LOG" || fail "no log of the listener"
	scrape || fail "scrape failed"
	head -1 "$ES_TMP/m.hdr" | grep -q '^HTTP/1.1 200' || fail "status: $(head -1 "$ES_TMP/m.hdr")"
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$ES_TMP/m.hdr" || fail "content type"
	python3 "$PROM" check "$ES_TMP/m.txt" || fail "invalid Prometheus text"
	# not on any other address of the box
	ip netns exec "$NS_A" curl -s --max-time 5 -o /dev/null "http://${TOPO_BB4[a]}:9469/metrics" &&
		fail "the default listener answers beyond loopback"
	return 0
}

test_counters_equal_stats_show() {
	local i ok=
	for i in 1 2 3 4 5 6; do
		topo_ask 192.0.2.10 tcp >/dev/null; topo_ask 192.0.2.70 tcp >/dev/null
		topo_ask 198.18.0.10 tcp >/dev/null; topo_ask 2001:db8:1::10 tcp >/dev/null
		topo_ask 2001:db8:2::10 tcp >/dev/null
	done
	# stats, scrape, stats: when both CLI reads agree nothing moved in
	# between (ND or ARP on the link could), and the scrape must agree too
	for i in $(seq 1 20); do
		topo_es a -j stats show > "$ES_TMP/s1.json" || fail "stats show"
		scrape || fail "scrape"
		topo_es a -j stats show > "$ES_TMP/s2.json"
		if cmp -s "$ES_TMP/s1.json" "$ES_TMP/s2.json"; then
			ok=1
			break
		fi
		sleep 0.2
	done
	[ -n "$ok" ] || fail "the counters never stood still between two reads"
	python3 "$PROM" check "$ES_TMP/m.txt" || fail "invalid text"
	python3 "$PROM" stats "$ES_TMP/m.txt" "$ES_TMP/s1.json" || fail "counters differ from stats show"
	[ "$(metric edgesteer_reason_packets_total reason=drop_decision)" -gt 0 ] ||
		fail "the drop prefix counted nothing"
}

test_pop_states_and_prefixes_equal_cli() {
	topo_es a pop set B-gue state drain || fail "pop set"
	scrape || fail "scrape"
	topo_es a -j pop show > "$ES_TMP/pops.json"
	topo_es a -j prefix show > "$ES_TMP/prefixes.json"
	python3 "$PROM" pops "$ES_TMP/m.txt" "$ES_TMP/pops.json" || fail "POP states differ"
	python3 "$PROM" prefixes "$ES_TMP/m.txt" "$ES_TMP/prefixes.json" "$ES_TMP/pops.json" ||
		fail "prefix counts differ"
	[ "$(metric edgesteer_pop_state pop=B-gue id=4 state=drain)" = 1 ] || fail "B-gue not drain"
	[ "$(metric edgesteer_pop_nexthop_resolved pop=B id=2)" = 1 ] || fail "B's next hop"
	[ "$(metric edgesteer_prefixes action=pops)" = 4 ] || fail "4 steered prefixes"
	[ "$(metric edgesteer_prefixes action=drop)" = 2 ] || fail "2 dropped prefixes"
	[ "$(metric edgesteer_pop_prefixes_preferred pop=C id=3)" = 2 ] || fail "2 prefer C"
	topo_es a pop set B-gue state up || fail "pop set up"
}

test_probe_metrics_follow_the_link() {
	local rtt
	scrape || fail "scrape"
	[ "$(metric edgesteerd_check_verdict check=probe pop=B kind=tcp verdict=healthy)" = 1 ] ||
		fail "B's probe not healthy"
	[ "$(metric edgesteerd_check_verdict check=probe pop=C kind=icmp verdict=unknown)" = 0 ] ||
		fail "C's verdict unknown"
	[ "$(metric edgesteerd_check_consecutive_successes check=probe pop=C kind=icmp)" -ge 2 ] ||
		fail "C's successes"
	rtt=$(metric edgesteerd_check_rtt_seconds check=probe pop=C kind=icmp) || fail "no RTT for C"
	python3 -c "import sys; sys.exit(not 0 < $rtt < 1)" || fail "C's RTT $rtt"

	ip -n "$NS_B" link set b-bb down
	wait_until 10 "[ \"\$(esd_pop_state B)\" = down ]" || fail "B not down"
	scrape || fail "scrape"
	[ "$(metric edgesteerd_check_verdict check=probe pop=B kind=tcp verdict=unhealthy)" = 1 ] ||
		fail "B's probe not unhealthy"
	[ "$(metric edgesteerd_check_consecutive_failures check=probe pop=B kind=tcp)" -ge 2 ] ||
		fail "B's failures"
	[ "$(metric edgesteerd_check_consecutive_successes check=probe pop=B kind=tcp)" = 0 ] ||
		fail "B's successes not reset"
	[ "$(metric edgesteerd_check_attempts_total check=probe pop=B kind=tcp result=failure)" -ge 2 ] ||
		fail "B's failed attempts"
	topo_es a -j pop show > "$ES_TMP/pops.json"
	python3 "$PROM" pops "$ES_TMP/m.txt" "$ES_TMP/pops.json" || fail "POP states differ (B down)"
	[ "$(metric edgesteer_pop_state pop=B id=2 state=down)" = 1 ] || fail "B not down in metrics"
	ip -n "$NS_B" link set b-bb up
	wait_until 10 "[ \"\$(esd_pop_state B)\" = up ]" || fail "B not back"
}

test_reloads_counted_and_listener_moved() {
	local ok0 failed0
	scrape || fail "scrape"
	ok0=$(metric edgesteerd_config_reloads_total result=ok)
	failed0=$(metric edgesteerd_config_reloads_total result=failed)
	config "pop add NOPE" | esd_write_config
	wait_until 10 "grep -q 'reload failed' '$LOG'" || fail "no failed reload"
	scrape || fail "scrape after the failed reload"
	[ "$(metric edgesteerd_config_reloads_total result=failed)" = $((failed0 + 1)) ] ||
		fail "failed reload not counted"
	[ "$(metric edgesteerd_config_reloads_total result=ok)" = "$ok0" ] || fail "ok count moved"

	config "metrics listen [::1]:9470" | esd_write_config
	wait_until 10 "grep -q 'metrics: serving http://\[::1\]:9470/metrics' '$LOG'" ||
		fail "listener not moved: $(tail -3 "$LOG")"
	scrape "http://[::1]:9470/metrics" || fail "no answer on the new address"
	python3 "$PROM" check "$ES_TMP/m.txt" || fail "invalid text"
	[ "$(metric edgesteerd_config_reloads_total result=ok)" = $((ok0 + 1)) ] ||
		fail "ok reload not counted"
	scrape && fail "the old address still answers"
	config | esd_write_config
	wait_until 10 "scrape" || fail "the default listener did not come back"
}

test_http_errors_and_slow_clients() {
	local code
	code=$(ip netns exec "$NS_A" curl -s -o /dev/null -w '%{http_code}' "${URL%/metrics}/other")
	[ "$code" = 404 ] || fail "/other: $code"
	code=$(ip netns exec "$NS_A" curl -s -o /dev/null -w '%{http_code}' -X POST "$URL")
	[ "$code" = 405 ] || fail "POST: $code"
	code=$(ip netns exec "$NS_A" curl -s -o /dev/null -w '%{http_code}' -H "X-Pad: $(head -c 5000 /dev/zero | tr '\0' a)" "$URL")
	[ "$code" = 431 ] || fail "oversized request: $code"
	# 20 silent clients (more than the daemon keeps: the oldest silent
	# ones make room): a scrape is still answered, and each silent one is
	# closed by the daemon, not by us
	ip netns exec "$NS_A" python3 - <<'PY' || fail "silent clients"
import socket, sys, time, urllib.request
silent = [socket.create_connection(('127.0.0.1', 9469)) for _ in range(20)]
body = urllib.request.urlopen('http://127.0.0.1:9469/metrics', timeout=10).read()
if b'edgesteer_verdict_packets_total' not in body:
    sys.exit('no metrics while silent clients are connected')
end = time.time() + 20
for s in silent:
    s.settimeout(max(0.1, end - time.time()))
    try:
        if s.recv(1) != b'':
            sys.exit('data for a client that asked nothing')
    except socket.timeout:
        sys.exit('a silent client was never closed')
    except ConnectionResetError:
        pass
PY
	kill -0 "$(esd_pid)" || fail "edgesteerd exited"
}

es_run_test test_default_listener_valid_text
es_run_test test_counters_equal_stats_show
es_run_test test_pop_states_and_prefixes_equal_cli
es_run_test test_probe_metrics_follow_the_link
es_run_test test_reloads_counted_and_listener_moved
es_run_test test_http_errors_and_slow_clients
kill "$(esd_pid)" 2>/dev/null
es_finish

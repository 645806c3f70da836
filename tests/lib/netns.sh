# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Shared shell helpers for the CLI and network-namespace tiers.
#
# Every test script sources this file, calls es_setup, defines one function
# per test and runs them with es_run_test. Each script gets its own
# uniquely named namespaces and its own bpffs mount (outside /sys: every
# `ip netns exec` sees a fresh /sys, so pins under /sys/fs/bpf would not
# outlive one command), and removes both on exit.

ES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ES_BUILD=${ES_BUILD:-build-san}
case "$ES_BUILD" in /*) ;; *) ES_BUILD="$ES_ROOT/$ES_BUILD" ;; esac
ES_BIN="$ES_BUILD/edgesteer"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

es_skip() {
	echo "skip: $*"
	exit 77
}

# es_setup: a temp dir with a private bpffs at $ES_TMP/bpffs
es_setup() {
	[ "$(id -u)" -eq 0 ] || es_skip "needs root"
	[ -x "$ES_BIN" ] || es_skip "no $ES_BIN (build first)"
	ES_TMP=$(mktemp -d /tmp/edgesteer-test.XXXXXX)
	ES_TAG=$(basename "$ES_TMP" | tr -dc 'a-zA-Z0-9' | tail -c 7)
	ES_NETNS=()
	mkdir -p "$ES_TMP/bpffs"
	mount -t bpf bpf "$ES_TMP/bpffs" || es_skip "cannot mount bpffs"
	trap es_cleanup EXIT
}

es_cleanup() {
	local ns
	for ns in "${ES_NETNS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	umount "$ES_TMP/bpffs" 2>/dev/null
	rm -rf "$ES_TMP"
}

# es_netns VAR NAME: create namespace es-TAG-NAME and store its name in
# VAR (not echoed: a command substitution would lose the cleanup record)
es_netns() {
	local ns="es-$ES_TAG-$2"
	ip netns add "$ns" || return 1
	ES_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	printf -v "$1" '%s' "$ns"
}

# wait_until SECONDS CONDITION: poll CONDITION (eval'ed) every 0.1 s; its
# last status. A deadline only bounds the wait: it is not what a test checks.
wait_until() {
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		eval "$2" && return 0
		sleep 0.1
	done
	eval "$2"
}

ES_PASSED=0
ES_FAILED=0

# es_run_test FUNC: run one test function in a subshell, report ok/FAIL
es_run_test() {
	local name=$1 out rc
	out=$("$name" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $name"
		ES_PASSED=$((ES_PASSED + 1))
	else
		echo "FAIL $name"
		echo "$out" | sed 's/^/    /' | tail -n 30
		ES_FAILED=$((ES_FAILED + 1))
	fi
}

es_finish() {
	[ "$ES_FAILED" -eq 0 ]
}

# fail MSG: print and end the test (tests run in a subshell):
#   [ "$x" = 1 ] || fail "x is $x"
fail() {
	echo "assertion failed: $*"
	exit 1
}

# json_get JSON EXPR: evaluate a python expression on the parsed value `j`
# (the JSON goes through a pipe: a big table would not fit in argv)
json_get() {
	printf '%s' "$1" | python3 -c 'import json,sys; j=json.load(sys.stdin); v=eval(sys.argv[1]); print(json.dumps(v) if not isinstance(v,str) else v)' "$2"
}

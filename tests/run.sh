#!/bin/bash
# Run every test tier and print one line per test, then the closing line
#   N passed, N failed[, N skipped]
# Usage: tests/run.sh BUILD_DIR [FILTER]
#
# A test is an executable (C binary in BUILD_DIR/tests/{unit,bpf}/test_*,
# or a script tests/{cli,netns}/test_*.sh). Exit status 0 = pass, 77 =
# skipped, anything else = fail. A C test binary may itself run several
# subtests: it prints lines "ok NAME" / "FAIL NAME" / "skip NAME" which are
# counted individually; its exit status then only says whether any failed.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build-san}
FILTER=${2:-}
export ES_BUILD="$BUILD"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0 skipped=0
log_dir=$(mktemp -d /tmp/edgesteer-test-logs.XXXXXX)

run_one() {
	local tier=$1 name=$2; shift 2
	local log="$log_dir/${tier}-${name}.log"
	local start=$SECONDS
	"$@" >"$log" 2>&1
	local rc=$?
	local t=$((SECONDS - start))
	# Subtests reported by the test itself
	local sub_ok sub_fail sub_skip
	sub_ok=$(grep -c '^ok ' "$log")
	sub_fail=$(grep -c '^FAIL ' "$log")
	sub_skip=$(grep -c '^skip ' "$log")
	if [ $((sub_ok + sub_fail + sub_skip)) -gt 0 ]; then
		grep -E '^(ok|FAIL|skip) ' "$log" | sed "s|^|  $tier/$name: |"
		passed=$((passed + sub_ok))
		skipped=$((skipped + sub_skip))
		failed=$((failed + sub_fail))
		if [ $rc -ne 0 ] && [ "$sub_fail" -eq 0 ]; then
			# crashed or aborted outside a subtest
			failed=$((failed + 1))
			echo "FAIL $tier/$name (exit $rc, ${t}s)"
		fi
	elif [ $rc -eq 0 ]; then
		passed=$((passed + 1)); echo "ok   $tier/$name (${t}s)"
	elif [ $rc -eq 77 ]; then
		skipped=$((skipped + 1)); echo "skip $tier/$name"
	else
		failed=$((failed + 1)); echo "FAIL $tier/$name (exit $rc, ${t}s)"
	fi
	if [ $rc -ne 0 ] && [ $rc -ne 77 ] || [ "$sub_fail" -gt 0 ]; then
		echo "----- $tier/$name output (last 40 lines) -----"
		tail -n 40 "$log"
		echo "-----"
	fi
}

for tier in unit bpf; do
	for t in "$BUILD"/tests/$tier/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		[ -n "$FILTER" ] && [[ "$tier/$name" != *$FILTER* ]] && continue
		run_one "$tier" "$name" "$t"
	done
done
for tier in cli netns; do
	for t in tests/$tier/test_*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		[ -n "$FILTER" ] && [[ "$tier/$name" != *$FILTER* ]] && continue
		run_one "$tier" "$name" bash "$t"
	done
done

rm -rf "$log_dir"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]

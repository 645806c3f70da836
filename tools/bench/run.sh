#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make bench`: what edgesteer costs, every figure against a baseline
# measured in the same run (the machine is shared and noisy: absolute
# numbers from different runs do not compare, ratios do).
#
# Usage: tools/bench/run.sh [BUILD_DIR] [--quick] [--json FILE] [--markdown FILE] [--only NAME]
#   --quick          smaller counts (under 2 minutes)
#   --json FILE      also write {"results": [{name, value, unit, baseline, ratio}]}
#   --markdown FILE  also write the results as a markdown table (docs/BENCHMARKS.md)
#   --only NAME      run one benchmark (path, classify, flow, live, control, daemon)
set -eu
cd "$(dirname "$0")/../.."
BUILD=build
case "${1:-}" in -*|"") ;; *) BUILD=$1; shift ;; esac
QUICK= JSON= MARKDOWN= ONLY=
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=--quick ;;
	--json) JSON=${2:?--json needs a file}; shift ;;
	--markdown) MARKDOWN=${2:?--markdown needs a file}; shift ;;
	--only) ONLY=${2:?--only needs a name}; shift ;;
	*) echo "usage: $0 [BUILD_DIR] [--quick] [--json FILE] [--markdown FILE] [--only NAME]" >&2
	   exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "make bench needs root (it loads BPF programs)" >&2; exit 1; }

export ES_BUILD=$BUILD
export ES_MINIMAL_OBJ="$BUILD/tools/bench/minimal.bpf.o"
export ES_BENCH_JSON
ES_BENCH_JSON=$(mktemp /tmp/edgesteer-bench.XXXXXX)
trap 'rm -f "$ES_BENCH_JSON"' EXIT

start=$SECONDS
echo "edgesteer benchmark: $(uname -r), $(nproc) CPUs, ${QUICK:-full} run, $(date -u +%FT%TZ)"
for b in path classify flow live control daemon; do
	[ -z "$ONLY" ] || [ "$ONLY" = "$b" ] || continue
	bin="$BUILD/tools/bench/bench_$b"
	if [ -x "$bin" ]; then
		"$bin" $QUICK
	elif [ -x "tools/bench/bench_$b.sh" ]; then
		"tools/bench/bench_$b.sh" "$BUILD" $QUICK
	fi
done
echo
echo "done in $((SECONDS - start)) s"
if [ -n "$JSON" ]; then
	jq -s '{results: .}' "$ES_BENCH_JSON" > "$JSON"
	echo "results: $JSON ($(jq '.results | length' "$JSON") figures)"
fi
if [ -n "$MARKDOWN" ]; then
	{
		echo "| name | value | unit | baseline | ratio |"
		echo "|---|---:|---|---|---:|"
		jq -rs '.[] | "| `\(.name)` | \(.value * 100 | round / 100) | \(.unit) | \(if .baseline then "`" + .baseline + "`" else "-" end) | \(if .ratio then (.ratio * 100 | round / 100 | tostring) + "x" else "" end) |"' \
			"$ES_BENCH_JSON"
	} > "$MARKDOWN"
	echo "markdown: $MARKDOWN"
fi

#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make bench`: every figure against a baseline measured in the same run.
# Usage: tools/bench/run.sh BUILD_DIR [--quick]
set -e
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
shift || true
[ "$(id -u)" -eq 0 ] || { echo "make bench needs root (it loads BPF programs)"; exit 1; }
ES_MINIMAL_OBJ="$BUILD/tools/bench/minimal.bpf.o" "$BUILD/tools/bench/bench_flow" "$@"

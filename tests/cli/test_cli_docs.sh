#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# docs/cli.md and the built-in help list the same commands.
#
# For every object, the command forms of `edgesteer -j OBJECT help` (without
# the " := " definitions) must equal, as a set, the lines "edgesteer OBJECT ..."
# of the fenced block that follows "<!-- synopsis OBJECT -->" in docs/cli.md.
# The top-level `edgesteer help` must name every object documented there.
# Needs no root: help reads no state.
#
#   ES_BUILD   build directory, relative to the repo root (default build-san)
#   ES_DOC     the document to check (default docs/cli.md; for testing the test)
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${ES_BUILD:-build-san}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
BIN="$BUILD/edgesteer"
DOC=${ES_DOC:-$ROOT/docs/cli.md}
OBJECTS="link pop vip peer prefix stats flow batch"

if [ ! -x "$BIN" ]; then
	echo "FAIL docs: no binary at $BIN (build it, or set ES_BUILD)"
	exit 1
fi
if [ ! -r "$DOC" ]; then
	echo "FAIL docs: cannot read $DOC"
	exit 1
fi

# Harmless for help, and keeps a stray state lookup away from the real pin path.
export EDGESTEER_PIN_PATH=/nonexistent/edgesteer-docs-test

failed=0

for obj in $OBJECTS; do
	if ! json=$("$BIN" -j "$obj" help); then
		echo "FAIL docs_$obj: 'edgesteer -j $obj help' failed"
		failed=1
		continue
	fi
	if ! out=$(python3 - "$obj" "$DOC" "$json" <<'PY'
import json, re, sys

obj, doc, raw = sys.argv[1], sys.argv[2], sys.argv[3]
prefix = "edgesteer [OPTIONS] %s " % obj
help_forms = set()
for line in json.loads(raw)["usage"]:
    if " := " in line:
        continue
    if not line.startswith(prefix):
        print("  help: unexpected usage line: %r" % line)
        sys.exit(1)
    help_forms.add(line[len(prefix):])

doc_forms, blocks = set(), 0
lines = open(doc, encoding="utf-8").read().split("\n")
marker = "<!-- synopsis %s -->" % obj
want = "edgesteer %s " % obj
for i, line in enumerate(lines):
    if line.strip() != marker:
        continue
    blocks += 1
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j >= len(lines) or not lines[j].startswith("```"):
        print("  docs: %s not followed by a fenced block" % marker)
        sys.exit(1)
    j += 1
    while j < len(lines) and not lines[j].startswith("```"):
        if lines[j].startswith(want):
            doc_forms.add(lines[j][len(want):].rstrip())
        j += 1
if not blocks:
    print("  docs: no '%s' section" % marker)
    sys.exit(1)

bad = False
for f in sorted(help_forms - doc_forms):
    print("  in help, missing from docs: edgesteer %s %s" % (obj, f))
    bad = True
for f in sorted(doc_forms - help_forms):
    print("  in docs, not in help:       edgesteer %s %s" % (obj, f))
    bad = True
sys.exit(1 if bad else 0)
PY
	); then
		echo "FAIL docs_$obj"
		[ -n "$out" ] && echo "$out"
		failed=1
	else
		echo "ok docs_$obj"
	fi
done

# Every object with a synopsis section is named by the top-level help.
if ! top=$("$BIN" help); then
	echo "FAIL docs_help: 'edgesteer help' failed"
	failed=1
else
	missing=
	for obj in $(sed -n 's/^<!-- synopsis \([^ ]*\) -->$/\1/p' "$DOC" | sort -u); do
		printf '%s\n' "$top" | grep -Eq "^[[:space:]]+$obj[[:space:]]+\{" || missing="$missing $obj"
	done
	if [ -n "$missing" ]; then
		echo "FAIL docs_help: documented but not in 'edgesteer help':$missing"
		failed=1
	else
		echo "ok docs_help"
	fi
fi

exit $failed

#!/usr/bin/env bash
# Runs every fuzz target briefly on top of its seed corpus (the f.Add seeds
# and testdata/fuzz/<Target>). A crasher fails the script; Go writes it to
# testdata/fuzz/<Target>/ so it becomes a regression seed once fixed.
# FUZZTIME (default 15s) sets the time per target. The fuzz cache
# ($GOCACHE/fuzz) is left out: its inputs from earlier local runs would make
# the baseline, and so the run, depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
t="${FUZZTIME:-15s}"
targets=(
  "./scanner FuzzLoad"
  "./scanner FuzzIgnores"
  "./finding FuzzFingerprint"
  "./formatters FuzzFormatters"
)
for entry in "${targets[@]}"; do
  read -r pkg name <<<"$entry"
  echo "== fuzz $pkg $name ($t)"
  log=$(mktemp)
  status=0
  cache=$(mktemp -d)
  go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$t" -test.fuzzcachedir="$cache" >"$log" 2>&1 || status=$?
  rm -rf "$cache"
  # The last progress line has the execution count; then the verdict.
  grep '^fuzz: elapsed' "$log" | tail -1 || true
  grep -v '^fuzz: elapsed' "$log" | tail -20
  rm -f "$log"
  [ "$status" -eq 0 ] || { echo "fuzz target $name failed" >&2; exit 1; }
done

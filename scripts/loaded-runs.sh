#!/usr/bin/env bash
# The whole test suite N times in a row (default 5) on a fresh clone of this checkout's HEAD, while a
# CPU-bound loop holds the machine's last CPU: the check that the tests do not flake on a slow, shared
# machine (docs/testing.md, "Under load"). Prints one line per run (PASS or FAIL, seconds, the test counts)
# and keeps a failed run's reports. Needs what `./mvnw verify` needs.
#   scripts/loaded-runs.sh [N]
set -uo pipefail
runs=${1:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/loopline-loaded.XXXXXX")
git clone -q "$here" "$work/clone"
cd "$work/clone" || exit 1
echo "loaded-runs: $(git log --oneline -1), $runs runs in $work/clone, a busy loop on CPU $(($(nproc) - 1))"

taskset -c "$(($(nproc) - 1))" bash -c 'while :; do :; done' &
burner=$!
trap 'kill $burner 2>/dev/null' EXIT

failed=0
for i in $(seq 1 "$runs"); do
  started=$SECONDS
  .ci/sweep >/dev/null 2>&1
  if ./mvnw verify -B --no-transfer-progress >"$work/run$i.log" 2>&1; then
    result=PASS
  else
    result=FAIL
    failed=$((failed + 1))
    mkdir -p "$work/run$i-reports"
    cp -r target/surefire-reports target/failsafe-reports "$work/run$i-reports/" 2>/dev/null
  fi
  counts=$(grep -E '^\[[A-Z]+\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' \
    "$work/run$i.log" | sed 's/^\[[A-Z]*\] //' | paste -sd ';' -)
  echo "run $i: $result in $((SECONDS - started)) s ($counts); log $work/run$i.log"
done
echo "loaded-runs: $((runs - failed)) of $runs passed"
[ "$failed" -eq 0 ]

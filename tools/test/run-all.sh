#!/usr/bin/env bash
# Every suite, in the order that fails fastest: formatting and lint, type checks, unit tests, then
# the integration suites against the real NATS and FerretDB that `./keelson infra up` started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-true}
export PATH="$PWD/node_modules/.bin:$PATH" NPM_CONFIG_LOGLEVEL=error

step() { printf '\n=== %s\n' "$*"; }
started=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() { # name command...
  local name=$1; shift
  step "$name"
  "$@" 2>&1 | tee -a "$log"
}

run "format (prettier)" prettier --check . --log-level warn
run "lint (eslint + module boundaries)" nx run-many -t lint --outputStyle=static
run "typecheck" nx run-many -t typecheck --outputStyle=static
run "unit tests" nx run-many -t test --outputStyle=static
# Integration suites share the servers; one project at a time keeps them deterministic.
run "integration tests (real NATS + FerretDB)" nx run-many -t int-test --parallel=1 --outputStyle=static
run "end-to-end tests (compiled services as real processes, Jaeger)" nx run-many -t e2e --parallel=1 --outputStyle=static

# One closing line over every jest run, so CI and people see the whole count at once.
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '/^Tests:/ {
    for (i = 2; i <= NF; i++) { n = $i + 0; w = $(i + 1); gsub(/,/, "", w)
      if (w == "passed") p += n; else if (w == "failed") f += n; else if (w == "skipped") s += n }
  } END { printf "\nall stages passed in %ds\ntests: %d passed, %d failed, %d skipped\n", '"$((SECONDS - started))"', p, f, s }'


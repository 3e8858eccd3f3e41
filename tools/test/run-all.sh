#!/usr/bin/env bash
# Every suite, in the order that fails fastest: formatting and lint, type checks, unit tests, then
# the integration suites against the real NATS and FerretDB that `./keelson infra up` started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-true}

step() { printf '\n=== %s\n' "$*"; }
started=$SECONDS
passed=0

run() { # name command...
  local name=$1; shift
  step "$name"
  "$@"
  passed=$((passed + 1))
}

run "format (prettier)" npx prettier --check . --log-level warn
run "lint (eslint + module boundaries)" npx nx run-many -t lint --outputStyle=static
run "typecheck" npx nx run-many -t typecheck --outputStyle=static
run "unit tests" npx nx run-many -t test --outputStyle=static
# Integration suites share the servers; one project at a time keeps them deterministic.
run "integration tests (real NATS + FerretDB)" npx nx run-many -t int-test --parallel=1 --outputStyle=static

printf '\nall %d stages passed in %ds\n' "$passed" $((SECONDS - started))

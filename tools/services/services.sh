#!/usr/bin/env bash
# Starts, stops and reports the Keelson services. Each app under apps/ with a `serve` target is a
# service; until the first one lands (issue 3), this says so instead of pretending.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

apps=()
for dir in apps/*/; do
  [ -f "$dir/project.json" ] && grep -q '"serve"' "$dir/project.json" && apps+=("$(basename "$dir")")
done 2>/dev/null

case "${1:-}" in
  up)
    if [ ${#apps[@]} -eq 0 ]; then
      echo "[services] no services exist yet: infrastructure only (NATS, FerretDB, Jaeger) is running."
      echo "[services] streams, consumers and KV buckets are provisioned by each service at start-up."
      exit 0
    fi
    echo "[services] starting: ${apps[*]}" ;;
  down) [ ${#apps[@]} -eq 0 ] || echo "[services] stopping: ${apps[*]}" ;;
  status) [ ${#apps[@]} -eq 0 ] && echo "(no services yet)" || true ;;
  *) echo "usage: services.sh up|down|status" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Starts, stops and reports the Keelson services as local processes (logs and pid files under
# .keelson/). A service that already answers its readiness check is reused.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
state="$root/.keelson"
mkdir -p "$state/logs" "$state/run"
export PATH="$root/node_modules/.bin:$PATH"

# name:port for every service, in start order.
SERVICES=("ingestion:${INGESTION_HTTP_PORT:-8082}" "preprocessing:${PREPROCESSING_HTTP_PORT:-8086}"
  "training:${TRAINING_HTTP_PORT:-8083}" "prediction:${PREDICTION_HTTP_PORT:-8100}"
  "gateway:${GATEWAY_HTTP_PORT:-8080}" "monitoring:${MONITORING_HTTP_PORT:-8084}"
  "recovery:${RECOVERY_HTTP_PORT:-8085}")

# The node token prediction nodes require and the gateway and recovery hold (docs/security.md):
# made once per checkout under .keelson/ (git-ignored, owner-only), unless the environment has one.
if [ -z "${KEELSON_NODE_TOKENS:-}" ]; then
  [ -s "$state/node-token" ] || (umask 077 && node -e \
    "process.stdout.write(require('crypto').randomBytes(24).toString('base64url'))" >"$state/node-token")
  KEELSON_NODE_TOKENS=$(cat "$state/node-token")
  export KEELSON_NODE_TOKENS
fi

log() { printf '[services] %s\n' "$*" >&2; }
ready() { curl -fs "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1; }
pid_of() { [ -f "$state/run/$1.pid" ] && cat "$state/run/$1.pid"; }
alive() { local pid; pid=$(pid_of "$1") && kill -0 "$pid" 2>/dev/null; }

start_one() {
  local name=${1%%:*} port=${1##*:}
  if ready "$port"; then log "$name already running on $port"; return; fi
  # An app's node-flags file holds the V8 flags it is deployed with (docs/monitoring.md#memory).
  local flags=""
  [ -f "apps/$name/node-flags" ] && flags=$(cat "apps/$name/node-flags")
  # shellcheck disable=SC2086 # the flags are words
  nohup node $flags "dist/apps/$name/src/main.js" >>"$state/logs/$name.log" 2>&1 &
  echo $! >"$state/run/$name.pid"
  local deadline=$((SECONDS + 90))
  until ready "$port"; do
    if ! alive "$name"; then log "$name exited during start-up; last log lines:"; tail -n 20 "$state/logs/$name.log" >&2; return 1; fi
    if [ $SECONDS -ge $deadline ]; then log "$name not ready after 90s (log: .keelson/logs/$name.log)"; return 1; fi
    sleep 0.3
  done
  log "$name ready on http://127.0.0.1:$port (log: .keelson/logs/$name.log)"
}

stop_one() {
  local name=${1%%:*} pid
  alive "$name" || { rm -f "$state/run/$name.pid"; return; }
  pid=$(pid_of "$name")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$state/run/$name.pid"
  log "stopped $name"
}

case "${1:-}" in
  up)
    tools/build/build.sh
    for s in "${SERVICES[@]}"; do start_one "$s"; done ;;
  down)
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_one "${SERVICES[$i]}"; done ;;
  status)
    for s in "${SERVICES[@]}"; do
      name=${s%%:*} port=${s##*:} health=down
      ready "$port" && health=ready
      printf '%-10s %-8s %s\n' "$name" "$health" "http://127.0.0.1:$port"
    done ;;
  *) echo "usage: services.sh up|down|status" >&2; exit 2 ;;
esac

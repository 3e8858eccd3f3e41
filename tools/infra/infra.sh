#!/usr/bin/env bash
# Installs (if missing) and starts the local infrastructure: NATS with JetStream, FerretDB on SQLite
# as the MongoDB-compatible database, and Jaeger v2 for traces. Idempotent: a running server that
# answers on its port is reused, and binaries are cached outside the clone so a second run is fast.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
state="$root/.keelson"

NATS_VERSION=${KEELSON_NATS_VERSION:-v2.12.15}
FERRETDB_VERSION=${KEELSON_FERRETDB_VERSION:-v1.24.2}
# Jaeger v2 is released from the v1 module path: v1.76.0 is the tag of Jaeger v2.13.0.
JAEGER_MODULE_VERSION=${KEELSON_JAEGER_MODULE_VERSION:-v1.76.0}

NATS_PORT=${NATS_PORT:-4222}
NATS_MONITOR_PORT=${NATS_MONITOR_PORT:-8222}
# `./keelson test` runs its own NATS server (NATS_INSTANCE=nats-test, its own port and store), so
# a running `./keelson up` and a test run never share a stream, a durable consumer or a KV entry.
NATS_INSTANCE=${NATS_INSTANCE:-nats}
MONGO_PORT=${MONGO_PORT:-27017}
JAEGER_UI_PORT=${JAEGER_UI_PORT:-16686}
# Jaeger is optional for tests (trace propagation is checked with an in-memory exporter);
# KEELSON_JAEGER=off skips it, =auto builds and starts it when Go can build it.
KEELSON_JAEGER=${KEELSON_JAEGER:-auto}

log() { printf '[infra] %s\n' "$*" >&2; }
# shellcheck source=bin-cache.sh
source "$root/tools/infra/bin-cache.sh"
mkdir -p "$state/logs" "$state/run" "$state/data"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_until DESCRIPTION SECONDS COMMAND...: polls COMMAND until it succeeds or the deadline passes.
wait_until() {
  local what=$1 deadline=$((SECONDS + $2)); shift 2
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then log "timed out waiting for $what"; return 1; fi
    sleep 0.2
  done
}

pid_alive() { [ -f "$state/run/$1.pid" ] && kill -0 "$(cat "$state/run/$1.pid")" 2>/dev/null; }

start() { # name command...
  local name=$1; shift
  nohup "$@" >>"$state/logs/$name.log" 2>&1 &
  echo $! >"$state/run/$name.pid"
}

nats_ready() { curl -fs "http://127.0.0.1:$NATS_MONITOR_PORT/healthz?js-enabled-only=true" | grep -q '"ok"'; }
mongo_ready() { node "$root/tools/infra/mongo-ping.js" "mongodb://127.0.0.1:$MONGO_PORT/"; }
jaeger_ready() { curl -fs "http://127.0.0.1:$JAEGER_UI_PORT/" >/dev/null; }

up_nats() {
  if nats_ready; then log "NATS already running on $NATS_PORT"; return; fi
  local bin; bin=$(ensure_bin nats-server github.com/nats-io/nats-server/v2 "$NATS_VERSION" .)
  mkdir -p "$state/data/$NATS_INSTANCE"
  start "$NATS_INSTANCE" "$bin" --jetstream --store_dir "$state/data/$NATS_INSTANCE" --port "$NATS_PORT" \
    --http_port "$NATS_MONITOR_PORT" --server_name "${NATS_SERVER_NAME:-keelson-dev}"
  wait_until "NATS JetStream" 30 nats_ready
  log "NATS $("$bin" --version | awk '{print $2}') with JetStream ready on $NATS_PORT"
}

# --cluster: three JetStream servers on loopback (client ports NATS_PORT..+2, routes 6222..6224,
# monitoring NATS_MONITOR_PORT..+2), each with its own store, for R3 streams and buckets.
up_nats_cluster() {
  local bin; bin=$(ensure_bin nats-server github.com/nats-io/nats-server/v2 "$NATS_VERSION" .)
  local routes="" i urls=""
  for i in 0 1 2; do routes+="${routes:+,}nats://127.0.0.1:$((6222 + i))"; done
  for i in 0 1 2; do
    local name="nats-c$((i + 1))" port=$((NATS_PORT + i)) monitor=$((NATS_MONITOR_PORT + i))
    urls+="${urls:+,}nats://127.0.0.1:$port"
    if curl -fs "http://127.0.0.1:$monitor/healthz" >/dev/null 2>&1; then log "$name already running on $port"; continue; fi
    mkdir -p "$state/data/$name"
    start "$name" "$bin" --jetstream --store_dir "$state/data/$name" --addr 127.0.0.1 --port "$port" \
      --http_port "$monitor" --server_name "keelson-$name" --cluster_name keelson \
      --cluster "nats://127.0.0.1:$((6222 + i))" --routes "$routes"
  done
  for i in 0 1 2; do
    wait_until "NATS cluster server $((i + 1))" 60 curl -fs "http://127.0.0.1:$((NATS_MONITOR_PORT + i))/healthz"
  done
  log "NATS JetStream cluster of 3 ready; services take NATS_URL=$urls NATS_STREAM_REPLICAS=3"
}

up_ferretdb() {
  if mongo_ready; then
    local running; running=$(node "$root/tools/infra/mongo-ping.js" "mongodb://127.0.0.1:$MONGO_PORT/" --version)
    log "database already answering on $MONGO_PORT ($running)"
    case $running in
      "FerretDB $FERRETDB_VERSION") log "WARNING: that FerretDB is not patched (tools/infra/patches): every look-up by _id scans its collection; './keelson infra down' and run again to start the patched one" ;;
    esac
    return
  fi
  # FerretDB 1.24's SQLite backend never used its own `_id` index (its look-ups are written
  # `->'$._id'`, the index `->"_id"`, and SQLite matches index expressions by text), so every read,
  # update and delete by `_id` scanned the whole collection, and it pushed down no `_id: {$in}`. The
  # patch in tools/infra/patches fixes both (docs/persistence.md); the patched binary has a name of
  # its own, so an unpatched one in the cache or on PATH is never taken for it.
  local patch="$root/tools/infra/patches/ferretdb-$FERRETDB_VERSION-sqlite-id-index.patch"
  local name=ferretdb version=$FERRETDB_VERSION hook
  [ -f "$patch" ] && name="ferretdb-$FERRETDB_VERSION-keelson1" version="$FERRETDB_VERSION-keelson.1"
  hook="echo $version > build/version/version.txt"
  [ -f "$patch" ] && hook="$hook && git apply -p1 '$patch'"
  local bin; bin=$(ensure_bin "$name" github.com/FerretDB/FerretDB "$FERRETDB_VERSION" cmd/ferretdb "$hook")
  mkdir -p "$state/data/ferretdb" "$state/run/ferretdb"
  # synchronous(normal) with SQLite's WAL journal: a crash of FerretDB loses nothing, a power loss may
  # lose the last commits. A development trade for write throughput; production runs MongoDB.
  # GOGC: a CPU profile under bench ingest showed Go's allocator and garbage collector at about
  # half of FerretDB's time; collecting less often trades memory (a few hundred MB) for inserts.
  GOGC=${FERRETDB_GOGC:-off} GOMEMLIMIT=${FERRETDB_GOMEMLIMIT:-1GiB} start ferretdb "$bin" --handler=sqlite --sqlite-url="file:$state/data/ferretdb/?_pragma=synchronous(normal)" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$state/run/ferretdb" \
    --debug-addr=127.0.0.1:${FERRETDB_DEBUG_PORT:-8089} --telemetry=disable --log-level=warn
  wait_until "FerretDB" 30 mongo_ready
  log "FerretDB $version (SQLite) ready on $MONGO_PORT"
}

up_jaeger() {
  [ "$KEELSON_JAEGER" = off ] && { log "Jaeger skipped (KEELSON_JAEGER=off)"; return; }
  if jaeger_ready; then log "Jaeger already running (UI $JAEGER_UI_PORT)"; return; fi
  local bin
  if ! bin=$(ensure_bin jaeger github.com/jaegertracing/jaeger "$JAEGER_MODULE_VERSION" cmd/jaeger); then
    log "Jaeger could not be built here; traces will not be exported (set KEELSON_JAEGER=off to silence)"
    return
  fi
  start jaeger "$bin"
  wait_until "Jaeger" 60 jaeger_ready
  log "Jaeger v2 ready: UI http://127.0.0.1:$JAEGER_UI_PORT, OTLP 4317/4318"
}

stop() {
  local name=$1
  if pid_alive "$name"; then
    local pid; pid=$(cat "$state/run/$name.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped $name"
  fi
  rm -f "$state/run/$name.pid"
}

status() {
  printf '%-10s %-8s %s\n' process state address
  local s
  s=down; nats_ready && s=ready; printf '%-10s %-8s %s\n' nats "$s" "nats://127.0.0.1:$NATS_PORT"
  for n in 2 3; do
    if pid_alive "nats-c$n"; then printf '%-10s %-8s %s\n' "nats-c$n" ready "nats://127.0.0.1:$((NATS_PORT + n - 1))"; fi
  done
  s=down; mongo_ready && s=ready; printf '%-10s %-8s %s\n' ferretdb "$s" "mongodb://127.0.0.1:$MONGO_PORT"
  s=down; jaeger_ready && s=ready; printf '%-10s %-8s %s\n' jaeger "$s" "http://127.0.0.1:$JAEGER_UI_PORT"
}

case "${1:-}" in
  up)
    if [ "${2:-}" = --cluster ]; then up_nats_cluster; else up_nats; fi
    up_ferretdb; up_jaeger ;;
  down) stop jaeger; stop ferretdb; stop nats; stop nats-test; for n in 1 2 3; do stop "nats-c$n"; done ;;
  status) status ;;
  # The servers of this checkout running now, by name (what `stop-new` compares against).
  running) for f in "$state"/run/*.pid; do n=$(basename "$f" .pid); pid_alive "$n" && echo "$n"; done; true ;;
  # Stops every server of this checkout that is not in the list given (those running before).
  stop-new) for f in "$state"/run/*.pid; do
      n=$(basename "$f" .pid); case " ${*:2} " in *" $n "*) ;; *) pid_alive "$n" && stop "$n" ;; esac
    done; true ;;
  *) echo "usage: infra.sh up [--cluster]|down|status|running|stop-new [names running before]" >&2; exit 2 ;;
esac

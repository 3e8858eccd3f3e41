#!/usr/bin/env bash
# Runs a benchmark under bench/ and prints its figures: ./keelson bench <name>
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
name=${1:-}
if [ -z "$name" ] || [ ! -f "bench/$name.ts" ]; then
  echo "usage: ./keelson bench <name>; available: $(ls bench/*.ts 2>/dev/null | xargs -n1 basename | sed 's/\.ts$//' | tr '\n' ' ')" >&2
  exit 2
fi
shift
tools/build/build.sh # benchmarks run the compiled services, as `./keelson up` does
export SWC_NODE_PROJECT="$root/tsconfig.json"
# The nodes a benchmark starts require a node token; its gateways, recoveries and clients hold it.
export KEELSON_NODE_TOKENS=${KEELSON_NODE_TOKENS:-keelson-bench-node-token}
exec node -r @swc-node/register "bench/$name.ts" "$@"

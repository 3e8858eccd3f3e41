#!/usr/bin/env bash
# Compiles every app and lib to CommonJS under dist/ (what `./keelson up` and the benchmarks run:
# a runtime TypeScript hook costs each service about 70 MB and slower error stacks). The
# `@keelson/*` path aliases become tiny packages in dist/node_modules that point at the compiled
# libs, so `node dist/apps/<app>/src/main.js` resolves them with no loader; third-party packages
# resolve from the repository's node_modules as usual.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
rm -rf dist
node_modules/.bin/tsc -p tsconfig.build.json
# Files the code reads at run time that tsc does not emit (the gRPC service definition).
find apps libs -path '*/src/*' -name '*.proto' | while read -r file; do
  mkdir -p "dist/$(dirname "$file")" && cp "$file" "dist/$file"
done
for lib in libs/*/; do
  name=$(basename "$lib")
  [ -f "dist/libs/$name/src/index.js" ] || continue
  mkdir -p "dist/node_modules/@keelson/$name"
  printf "module.exports = require('../../../libs/%s/src/index.js');\n" "$name" \
    >"dist/node_modules/@keelson/$name/index.js"
done
echo "[build] compiled apps and libs to dist/" >&2

#!/usr/bin/env bash
# Compiles every app and lib to CommonJS under dist/ (what `./keelson up` and the benchmarks run:
# a runtime TypeScript hook costs each service about 70 MB and slower error stacks). The
# `@keelson/*` path aliases become tiny packages in dist/node_modules that point at the compiled
# libs, so `node dist/apps/<app>/src/main.js` resolves them with no loader; third-party packages
# resolve from the repository's node_modules as usual.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# Bundles (dist/bundles, tools/build/bundle.ts) are made from this tree, so they go with it.
rm -rf dist
node_modules/.bin/tsc -p tsconfig.build.json
# Files the code reads at run time that tsc does not emit (the gRPC service definition, the
# monitoring console's page).
find apps libs -path '*/src/*' \( -name '*.proto' -o -path '*/assets/*' \) -type f | while read -r file; do
  mkdir -p "dist/$(dirname "$file")" && cp "$file" "dist/$file"
done
# One package per alias in tsconfig.base.json, so a lib's second entry (`@keelson/messaging/nest`)
# resolves as its main one does; aliases whose lib is not compiled (test helpers) are skipped.
node -e '
  const fs = require("node:fs");
  const path = require("node:path");
  for (const [alias, [target]] of Object.entries(require("./tsconfig.base.json").compilerOptions.paths)) {
    const compiled = path.join("dist", target.replace(/\.ts$/, ".js"));
    if (!fs.existsSync(compiled)) continue;
    const dir = path.join("dist/node_modules", alias);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "index.js"),
      `module.exports = require(${JSON.stringify(path.relative(dir, compiled))});\n`);
  }
'
echo "[build] compiled apps and libs to dist/" >&2

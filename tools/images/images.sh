#!/usr/bin/env bash
# Builds service images with podman, no Docker engine and no registry: each service's bundle
# (tools/build/bundle.ts) is the build context of its apps/<app>/Dockerfile, on the base image of
# base-image.sh. Builds run with `--isolation=chroot`, which needs no container runtime.
#
# usage: images.sh [app...]   (every app by default); tags localhost/keelson/keelson-<app>:<version>
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
log() { printf '[images] %s\n' "$*" >&2; }

apps=("$@")
[ ${#apps[@]} -gt 0 ] || apps=(ingestion preprocessing training prediction gateway monitoring recovery)
base=$(tools/images/base-image.sh)
version=$(node -p 'require("./package.json").version')
# npm in the dependency stage trusts what this machine trusts (a TLS-inspecting proxy's CA): passed
# as a build secret, so it is in no layer of the image.
ca=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}

tools/build/build.sh
for app in "${apps[@]}"; do
  [ -f "apps/$app/Dockerfile" ] || { log "apps/$app has no Dockerfile"; exit 1; }
  node -r @swc-node/register tools/build/bundle.ts "$app"
  tag="localhost/keelson/keelson-$app:$version"
  podman build --isolation=chroot --format docker --layers --build-arg "BASE=$base" \
    --secret "id=build-ca,src=$ca" -f "apps/$app/Dockerfile" -t "$tag" "dist/bundles/$app" >&2
  log "built $tag"
  echo "$tag"
done

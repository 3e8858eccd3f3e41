#!/usr/bin/env bash
# Makes sure a headless-capable Chromium is installed (Debian's `chromium` package, with apt-get
# when it is missing: the e2e suite drives the monitoring console in it through puppeteer-core),
# then prints the path of its executable on stdout; everything else goes to stderr.
#   KEELSON_CHROMIUM: use this executable instead
set -euo pipefail
say() { echo "[ensure-chromium] $*" >&2; }

find_it() {
  if [ -n "${KEELSON_CHROMIUM:-}" ]; then echo "$KEELSON_CHROMIUM"; return; fi
  for name in chromium chromium-browser; do
    if command -v "$name" >/dev/null; then command -v "$name"; return; fi
  done
  return 1
}

if ! path=$(find_it); then
  command -v apt-get >/dev/null || { say "chromium is not installed and there is no apt-get"; exit 1; }
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing Debian's chromium with apt-get"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >&2
  path=$(find_it) || { say "chromium still cannot be found after installing it"; exit 1; }
fi
"$path" --version >&2 2>/dev/null || { say "$path does not run"; exit 1; }
echo "$path"

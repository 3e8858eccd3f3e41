#!/usr/bin/env bash
# Makes sure the project's Python venv has Schemathesis (the property-based API fuzzer the e2e
# suite runs against every service's OpenAPI document), installing it from PyPI when missing, then
# prints the path of its `st` command on stdout; everything else goes to stderr.
#   KEELSON_VENV (default ~/.cache/keelson/venv), KEELSON_SCHEMATHESIS_VERSION (default 4.32.5)
set -euo pipefail
venv=${KEELSON_VENV:-$HOME/.cache/keelson/venv}
version=${KEELSON_SCHEMATHESIS_VERSION:-4.32.5}
st="$venv/bin/st"
say() { echo "[ensure-schemathesis] $*" >&2; }

has_it() { [ -x "$st" ] && "$st" --version 2>/dev/null | grep -q "$version"; }

if ! has_it; then
  if [ ! -x "$venv/bin/python" ]; then
    command -v python3 >/dev/null || { say "python3 is not installed"; exit 1; }
    say "creating the venv at $venv"
    python3 -m venv "$venv" >&2
  fi
  say "installing schemathesis $version into $venv from PyPI"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$version" >&2
  has_it || { say "schemathesis $version still cannot be run from $st"; exit 1; }
fi
echo "$st"

#!/usr/bin/env bash
# Makes sure the project's Python venv has tritonclient (NVIDIA's Triton/KServe v2 client, HTTP and
# gRPC) and numpy, creating the venv and installing from PyPI when missing, then prints the
# python's path on stdout. Everything else it says goes to stderr, so callers can capture the path.
#   KEELSON_VENV (default ~/.cache/keelson/venv)
set -euo pipefail
venv=${KEELSON_VENV:-$HOME/.cache/keelson/venv}
python="$venv/bin/python"
say() { echo "[ensure-tritonclient] $*" >&2; }

has_client() {
  [ -x "$python" ] && "$python" -c 'import numpy, tritonclient.grpc, tritonclient.http' 2>/dev/null
}

if ! has_client; then
  if [ ! -x "$python" ]; then
    command -v python3 >/dev/null || { say "python3 is not installed"; exit 1; }
    say "creating the venv at $venv"
    python3 -m venv "$venv" >&2
  fi
  say "installing tritonclient[grpc,http] and numpy into $venv from PyPI"
  "$python" -m pip install --quiet --disable-pip-version-check 'tritonclient[grpc,http]' numpy >&2
  has_client || { say "tritonclient still cannot be imported from $python"; exit 1; }
fi
echo "$python"

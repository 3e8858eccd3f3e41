# Sourced by the infra and tool scripts: Go-built binaries cached outside the clone, so a second run
# (and a fresh clone on the same machine) reuses them. Expects `root` and `log` from the caller.
bin_cache=${KEELSON_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/keelson/bin}

# find_bin NAME: prints a usable binary path (the cache first, then PATH) or nothing.
find_bin() {
  if [ -x "$bin_cache/$1" ]; then echo "$bin_cache/$1"; return; fi
  command -v "$1" 2>/dev/null || true
}

ensure_bin() { # name module version pkg [hook]
  local name=$1 path
  path=$(find_bin "$name")
  if [ -n "$path" ]; then echo "$path"; return; fi
  log "building $name $3 with Go (first run only; cached in $bin_cache)"
  "$root/tools/infra/go-build.sh" "$2" "$3" "$4" "$bin_cache/$name" "${5:-}" >&2
  echo "$bin_cache/$name"
}

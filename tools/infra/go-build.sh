#!/usr/bin/env bash
# Builds a Go command from a module version fetched through the Go module proxy.
#
# Why not `go install mod/cmd@version`: FerretDB's proxy listing is refused here and Jaeger's go.mod
# carries replace directives, and `go install` refuses both. Building inside a writable copy of the
# module (it becomes the main module, so its go.sum and replace directives apply) works for both.
#
# usage: go-build.sh <module> <version> <package dir> <output binary> [pre-build hook]
set -euo pipefail
mod=$1 ver=$2 pkg=$3 out=$4 hook=${5:-}

command -v go >/dev/null || { echo "go is required to build $mod (install golang from Debian or go.dev)" >&2; exit 1; }
dir=$(go mod download -json "$mod@$ver" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
[ -n "$dir" ] || { echo "could not download $mod@$ver" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$dir"/. "$work"
chmod -R u+w "$work"
cd "$work"
[ -z "$hook" ] || eval "$hook"
mkdir -p "$(dirname "$out")"
# GOWORK=off: a module may ship a go.work naming folders its module zip leaves out (Prometheus).
GOWORK=off go build -trimpath -o "$out.tmp" "./$pkg"
mv "$out.tmp" "$out"

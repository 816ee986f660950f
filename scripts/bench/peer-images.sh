#!/usr/bin/env bash
# What chaoskube's and kured's published images weigh, for the README's size
# comparison, on machines that can pull neither (their images are on Docker
# Hub and ghcr.io): each one's binary built here from its release tag the way
# its own release builds it, and our image measured with podman. Not a test
# and not part of CI: it compiles two Kubernetes clients (417 s and 523 s
# the first time on a busy 2-core machine; seconds once Go's cache has them).
#
#   bash scripts/bench/peer-images.sh CHAOSKUBE_GIT_DIR KURED_GIT_DIR
#
# Each argument is a git directory (a clone's .git, or a bare mirror) of
# github.com/linki/chaoskube and github.com/kubereboot/kured: their own
# modules are not served by the Go module proxy, so the sources come from the
# tag in git; their dependencies come from the proxy. How each is built:
# - chaoskube (its Dockerfile): CGO_ENABLED=0 go build
#   -ldflags "-X main.version=<tag> -w -s", on alpine:3.24.1 with
#   ca-certificates, dumb-init and tzdata added;
# - kured (.config/goreleaser.yaml): CGO_ENABLED=0 go build -trimpath
#   -ldflags "-s -w -X main.version=<tag>" ./cmd/kured, on alpine:3.24.1 with
#   ca-certificates and tzdata added (its Dockerfile).
# What this cannot measure is the Alpine part of their images (no Alpine
# package or image can be fetched here); the script prints the binaries alone.
#
# Env: CHAOSKUBE_TAG (v0.39.1), KURED_TAG (1.23.0), HAVOC_IMAGE (our image,
# measured if podman has it; default localhost/kube-havoc:image-test, which
# npm run test:image builds), XDG_CACHE_HOME (sources and binaries go under
# ~/.cache/kube-havoc/bench/peers/).
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: peer-images.sh CHAOSKUBE_GIT_DIR KURED_GIT_DIR" >&2; exit 2; }
chaoskube_git=$1
kured_git=$2
chaoskube_tag=${CHAOSKUBE_TAG:-v0.39.1}
kured_tag=${KURED_TAG:-1.23.0}
havoc_image=${HAVOC_IMAGE:-localhost/kube-havoc:image-test}
out=${XDG_CACHE_HOME:-$HOME/.cache}/kube-havoc/bench/peers
log() { printf '%s peer-images: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

export GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false

source_of() { # name git-dir tag -> folder with the tag's tree
  local dir=$out/src/$1-$3
  if [[ ! -f $dir/go.mod ]]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    git --git-dir="$2" archive --format=tar "$3" | tar -x -C "$dir"
  fi
  echo "$dir"
}

build() { # name git-dir tag package go-build-flags...
  local name=$1 git=$2 tag=$3 pkg=$4 src start
  shift 4
  src=$(source_of "$name" "$git" "$tag")
  log "$name $tag: $(go version | cut -d' ' -f3), go build $* $pkg"
  start=$SECONDS
  (cd "$src" && go build -o "$out/bin/$name-$tag" "$@" "$pkg")
  log "$name $tag: built in $((SECONDS - start)) s"
}

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
report() { # what bytes
  printf '%-60s %11d bytes  %6s MB\n' "$1" "$2" "$(mb "$2")"
}

mkdir -p "$out/bin"
build chaoskube "$chaoskube_git" "$chaoskube_tag" . -ldflags "-X main.version=$chaoskube_tag -w -s"
build kured "$kured_git" "$kured_tag" ./cmd/kured -trimpath -ldflags "-s -w -X main.version=$kured_tag"

echo "uncompressed sizes, linux/$(go env GOARCH):"
report "chaoskube $chaoskube_tag binary (measured)" "$(stat -c %s "$out/bin/chaoskube-$chaoskube_tag")"
report "kured $kured_tag binary (measured)" "$(stat -c %s "$out/bin/kured-$kured_tag")"
if command -v podman >/dev/null && podman image exists "$havoc_image"; then
  report "kube-havoc image $havoc_image (measured)" "$(podman image inspect "$havoc_image" --format '{{.Size}}')"
else
  echo "kube-havoc image: $havoc_image not in podman's store (npm run test:image builds it)"
fi

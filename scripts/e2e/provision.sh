#!/usr/bin/env bash
# Builds (once) and caches the real control-plane binaries the e2e suite runs:
# kube-apiserver, kube-controller-manager, kube-scheduler (k8s.io/kubernetes),
# etcd (go.etcd.io/etcd/server/v3), kwok and kwokctl (sigs.k8s.io/kwok).
# Nothing is written into the repository. Progress goes to stderr; the last
# line on stdout is the bin dir. See scripts/e2e/README.md.
#
# Usage: provision.sh [--print-bin-dir]
#   --print-bin-dir  print the bin dir that would be used and exit without
#                    building (exit 3 if it is not complete yet)
set -euo pipefail

K8S_VERSION=${HAVOC_E2E_K8S_VERSION:-v1.36.3}
ETCD_VERSION=${HAVOC_E2E_ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${HAVOC_E2E_KWOK_VERSION:-v0.8.0}
CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/kube-havoc/e2e
BASE=$CACHE_ROOT/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION
BIN=$BASE/bin
K8S_BINS=(kube-apiserver kube-controller-manager kube-scheduler)
KWOK_BINS=(kwok kwokctl)
ALL_BINS=("${K8S_BINS[@]}" etcd "${KWOK_BINS[@]}")

log() { printf '%s provision: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
have_all() { # dir bins...
  local d=$1 b; shift
  for b in "$@"; do [[ -x $d/$b ]] || return 1; done
}

print_only=false
case "${1:-}" in
  --print-bin-dir) print_only=true ;;
  "") ;;
  *) die "unknown argument: $1 (usage: provision.sh [--print-bin-dir])" ;;
esac

# ---- external binaries: HAVOC_E2E_BIN, else KUBEBUILDER_ASSETS -------------
EXT=${HAVOC_E2E_BIN:-${KUBEBUILDER_ASSETS:-}}
if [[ -n $EXT ]]; then
  EXT=$(cd "$EXT" && pwd) || die "external bin dir not found: $EXT"
  missing=()
  for b in "${K8S_BINS[@]}" etcd; do [[ -x $EXT/$b ]] || missing+=("$b"); done
  # setup-envtest folders only hold etcd and kube-apiserver: we never compile
  # Kubernetes when an external folder is given, so say what is missing.
  ((${#missing[@]} == 0)) || die "$EXT lacks: ${missing[*]} (unset HAVOC_E2E_BIN/KUBEBUILDER_ASSETS to build them all)"
  if have_all "$EXT" "${KWOK_BINS[@]}"; then
    $print_only || log "using external binaries in $EXT"
    echo "$EXT"; exit 0
  fi
  # kwok is not part of Kubernetes: build it (small) and merge via symlinks.
  MERGED=$CACHE_ROOT/external-$(printf '%s' "$EXT" | sha256sum | cut -c1-12)-kwok-$KWOK_VERSION/bin
  if $print_only; then
    echo "$MERGED"; have_all "$MERGED" "${ALL_BINS[@]}" || exit 3; exit 0
  fi
fi

if $print_only; then
  echo "$BIN"; have_all "$BIN" "${ALL_BINS[@]}" || exit 3; exit 0
fi

merge_external() {
  mkdir -p "$MERGED"
  local b
  for b in "${K8S_BINS[@]}" etcd; do ln -sfn "$EXT/$b" "$MERGED/$b"; done
  for b in "${KWOK_BINS[@]}"; do
    if [[ -x $EXT/$b ]]; then ln -sfn "$EXT/$b" "$MERGED/$b"; else ln -sfn "$BIN/$b" "$MERGED/$b"; fi
  done
  ln -sfn "$BASE/kwok-stages" "$MERGED/../kwok-stages"
}

# ---- fast path: everything cached -------------------------------------------
if [[ -z $EXT ]] && have_all "$BIN" "${ALL_BINS[@]}" && [[ -d $BASE/kwok-stages ]]; then
  log "cached: $BIN"; echo "$BIN"; exit 0
fi

# ---- build ------------------------------------------------------------------
command -v go >/dev/null || die "go is not on PATH"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false
mkdir -p "$BASE" "$BIN"
exec 9>"$BASE/.lock"
log "waiting for build lock $BASE/.lock"
flock 9
log "go: $(go version)"
START=$SECONDS

gomod_dir() { go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'; }
gomod_file() { go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p'; }

new_wrapper() { # name -> prints dir of a fresh throwaway module
  local w=$BASE/src/$1
  rm -rf "$w"; mkdir -p "$w"
  (cd "$w" && go mod init "havoc-e2e.invalid/$1" >/dev/null 2>&1)
  echo "$w"
}

build_kwok() {
  have_all "$BIN" "${KWOK_BINS[@]}" && [[ -d $BASE/kwok-stages ]] && return 0
  log "kwok $KWOK_VERSION: resolving modules"
  local w; w=$(new_wrapper kwok)
  (cd "$w" && go get -tool "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION")
  log "kwok $KWOK_VERSION: compiling kwok, kwokctl"
  rm -rf "$BIN.kwok.tmp"; mkdir -p "$BIN.kwok.tmp"
  # The version strings of kwok live in source (pkg/consts), no stamping needed.
  (cd "$w" && go build -trimpath -ldflags='-s -w' -o "$BIN.kwok.tmp/" \
    sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl)
  # Stage YAMLs, for running the kwok binary directly (kwokctl embeds them).
  local src; src=$(cd "$w" && gomod_dir "sigs.k8s.io/kwok@$KWOK_VERSION")
  rm -rf "$BASE/kwok-stages"; mkdir -p "$BASE/kwok-stages"
  cp "$src"/kustomize/stage/node/fast/node-initialize.yaml \
     "$src"/kustomize/stage/node/heartbeat/node-heartbeat.yaml \
     "$src"/kustomize/stage/pod/fast/pod-ready.yaml \
     "$src"/kustomize/stage/pod/fast/pod-complete.yaml \
     "$src"/kustomize/stage/pod/fast/pod-delete.yaml "$BASE/kwok-stages/"
  chmod u+w "$BASE"/kwok-stages/*
  mv -f "$BIN.kwok.tmp"/* "$BIN/"; rmdir "$BIN.kwok.tmp"
  log "kwok $KWOK_VERSION: done"
}

build_etcd() {
  have_all "$BIN" etcd && return 0
  log "etcd $ETCD_VERSION: resolving modules"
  local w; w=$(new_wrapper etcd)
  (cd "$w" && go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION")
  log "etcd $ETCD_VERSION: compiling"
  (cd "$w" && go build -trimpath -ldflags='-s -w' -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv -f "$BIN/etcd.tmp" "$BIN/etcd"
  log "etcd $ETCD_VERSION: done"
}

build_k8s() {
  have_all "$BIN" "${K8S_BINS[@]}" && return 0
  local ver=${K8S_VERSION#v} major minor staging
  major=${ver%%.*}; minor=${ver#*.}; minor=${minor%%.*}
  staging=v0.${ver#*.}    # v1.36.3 -> v0.36.3
  log "kubernetes $K8S_VERSION: resolving modules (staging modules at $staging)"
  local w; w=$(new_wrapper k8s)
  local gomod; gomod=$(cd "$w" && gomod_file "k8s.io/kubernetes@$K8S_VERSION")
  [[ -f $gomod ]] || die "cannot read go.mod of k8s.io/kubernetes@$K8S_VERSION"
  # Copy the go and godebug lines, then pin every staging module required at
  # v0.0.0 (they are mapped to ./staging/... only inside the k8s repo).
  local gover godebug mods m n=0
  gover=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod")
  godebug=$(sed -n 's/^godebug \(.*\)$/\1/p' "$gomod")
  mods=$(awk '/^require \(/{r=1;next} r&&/^\)/{r=0} r&&$2=="v0.0.0"{print $1}' "$gomod")
  (
    cd "$w"
    go mod edit -go="$gover"
    for m in $godebug; do go mod edit -godebug="$m"; done
    for m in $mods; do go mod edit -replace="$m=$m@$staging"; done
  )
  n=$(wc -w <<<"$mods")
  log "kubernetes $K8S_VERSION: go $gover, godebug '$godebug', $n staging replaces"
  (cd "$w" && go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION")
  local ld="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
  done
  log "kubernetes $K8S_VERSION: compiling ${K8S_BINS[*]} (the long part)"
  rm -rf "$BIN.k8s.tmp"; mkdir -p "$BIN.k8s.tmp"
  (cd "$w" && go build -trimpath -tags=selinux,notest -ldflags="$ld" -o "$BIN.k8s.tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler)
  mv -f "$BIN.k8s.tmp"/* "$BIN/"; rmdir "$BIN.k8s.tmp"
  log "kubernetes $K8S_VERSION: done ($("$BIN/kube-apiserver" --version))"
}

build_kwok
if [[ -n $EXT ]]; then
  merge_external
  log "external binaries from $EXT, kwok from $BIN (${SECONDS}s)"
  echo "$MERGED"; exit 0
fi
build_etcd
build_k8s
log "all binaries ready in $((SECONDS - START))s"
echo "$BIN"

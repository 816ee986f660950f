#!/usr/bin/env bash
# Builds (once) and caches the real control-plane binaries the e2e suite runs:
# kube-apiserver, kube-controller-manager, kube-scheduler (k8s.io/kubernetes),
# etcd (go.etcd.io/etcd/server/v3), kwok and kwokctl (sigs.k8s.io/kwok), plus
# kwok's stage YAMLs in <bin>/../kwok-stages. Nothing is written into the
# repository. Progress goes to stderr; the last stdout line is the bin dir.
#
# Usage: provision.sh [--print-bin-dir]
#   --print-bin-dir  print the bin dir that would be used, build nothing
#                    (exit 3 if it is not complete yet)
# Env: HAVOC_E2E_BIN or KUBEBUILDER_ASSETS: folder with ready binaries (see
# README); HAVOC_E2E_{K8S,ETCD,KWOK}_VERSION; XDG_CACHE_HOME.
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
STAGE_FILES=(node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease
  node/heartbeat/node-heartbeat pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete)

log() { printf '%s provision: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
have_all() { # dir bins...
  local d=$1 b; shift
  for b in "$@"; do [[ -x $d/$b ]] || return 1; done
}
ready() { have_all "$1/bin" "${ALL_BINS[@]}" && [[ -f $1/kwok-stages/pod-ready.yaml ]]; }

print_only=false
case "${1:-}" in
  --print-bin-dir) print_only=true ;;
  "") ;;
  *) die "unknown argument: $1 (usage: provision.sh [--print-bin-dir])" ;;
esac

# External binaries (HAVOC_E2E_BIN, else KUBEBUILDER_ASSETS): Kubernetes and
# etcd are never compiled then; kwok (not part of Kubernetes, and absent from
# setup-envtest folders) is taken from there if present, else built. The bin
# dir is then a folder of symlinks in the cache.
EXT=${HAVOC_E2E_BIN:-${KUBEBUILDER_ASSETS:-}}
if [[ -n $EXT ]]; then
  EXT=$(cd "$EXT" 2>/dev/null && pwd) || die "external bin dir not found: ${HAVOC_E2E_BIN:-$KUBEBUILDER_ASSETS}"
  OUT=$CACHE_ROOT/external-$(printf '%s' "$EXT" | sha256sum | cut -c1-12)-kwok-$KWOK_VERSION
else
  OUT=$BASE
fi
if $print_only; then echo "$OUT/bin"; ready "$OUT" || exit 3; exit 0; fi
if [[ -z $EXT ]] && ready "$BASE"; then log "cached: $BIN"; echo "$BIN"; exit 0; fi
if [[ -n $EXT ]]; then
  missing=()
  for b in "${K8S_BINS[@]}" etcd; do [[ -x $EXT/$b ]] || missing+=("$b"); done
  ((${#missing[@]} == 0)) || die "$EXT lacks ${missing[*]}: add them there, or unset HAVOC_E2E_BIN/KUBEBUILDER_ASSETS to build everything"
fi

# ---- building -----------------------------------------------------------------
export GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false
mkdir -p "$BIN" "$BASE/logs"
exec 9>"$BASE/.lock"
flock -n 9 || { log "another provision.sh is building; waiting for $BASE/.lock"; flock 9; }
BUILD_LOG=$BASE/logs/build-$(date -u +%Y%m%dT%H%M%S).log
START=$SECONDS

gorun() { # dir go-args... ; output to the build log, its tail on failure
  local dir=$1; shift
  if ! (cd "$dir" && go "$@") >>"$BUILD_LOG" 2>&1; then
    tail -n 40 "$BUILD_LOG" >&2; die "go $1 failed in $dir (full log: $BUILD_LOG)"
  fi
}
need_go() {
  command -v go >/dev/null || die "go is not on PATH (needed to build; see scripts/e2e/README.md)"
  [[ -n ${GO_SAID:-} ]] || { GO_SAID=1; log "$(go version), log: $BUILD_LOG"; }
}
new_wrapper() { # name -> fresh throwaway module dir outside the repository
  local w=$BASE/src/$1
  rm -rf "$w"; mkdir -p "$w"
  gorun "$w" mod init "havoc-e2e.invalid/$1"
  echo "$w"
}
mod_field() { # field module@version (run in a module dir)
  go mod download -json "$2" | sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\$/\1/p"
}

kwok_stages() { # copy kwok's stage YAMLs out of the module cache
  [[ -f $BASE/kwok-stages/pod-ready.yaml ]] && return 0
  need_go
  local w=$BASE/src/kwok src f
  [[ -f $w/go.mod ]] || w=$(new_wrapper kwok)
  src=$(cd "$w" && mod_field Dir "sigs.k8s.io/kwok@$KWOK_VERSION")
  [[ -d $src/kustomize/stage ]] || die "kwok $KWOK_VERSION module has no kustomize/stage"
  rm -rf "$BASE/kwok-stages.tmp"; mkdir -p "$BASE/kwok-stages.tmp"
  for f in "${STAGE_FILES[@]}"; do cp "$src/kustomize/stage/$f.yaml" "$BASE/kwok-stages.tmp/"; done
  chmod -R u+w "$BASE/kwok-stages.tmp"
  rm -rf "$BASE/kwok-stages"; mv "$BASE/kwok-stages.tmp" "$BASE/kwok-stages"
}

build_kwok() {
  have_all "$BIN" "${KWOK_BINS[@]}" && return 0
  need_go
  log "kwok $KWOK_VERSION: resolving modules"
  local w; w=$(new_wrapper kwok)
  gorun "$w" get -tool "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
  log "kwok $KWOK_VERSION: compiling kwok, kwokctl"
  rm -rf "$BIN.kwok.tmp"; mkdir -p "$BIN.kwok.tmp"
  # kwok keeps its version strings in source (pkg/consts), so no stamping.
  gorun "$w" build -trimpath -ldflags='-s -w' -o "$BIN.kwok.tmp/" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
  mv -f "$BIN.kwok.tmp"/* "$BIN/"; rmdir "$BIN.kwok.tmp"
  log "kwok $KWOK_VERSION: done ($("$BIN/kwokctl" --version))"
}

build_etcd() {
  have_all "$BIN" etcd && return 0
  need_go
  log "etcd $ETCD_VERSION: resolving modules"
  local w; w=$(new_wrapper etcd)
  gorun "$w" get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  log "etcd $ETCD_VERSION: compiling"
  gorun "$w" build -trimpath -ldflags='-s -w' -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3
  mv -f "$BIN/etcd.tmp" "$BIN/etcd"
  log "etcd $ETCD_VERSION: done"
}

build_k8s() {
  have_all "$BIN" "${K8S_BINS[@]}" && return 0
  need_go
  local ver=${K8S_VERSION#v} major minor staging
  [[ $ver =~ ^1\.[0-9]+\.[0-9]+$ ]] || die "HAVOC_E2E_K8S_VERSION must look like v1.36.3"
  major=${ver%%.*}; minor=${ver#*.}; minor=${minor%%.*}
  staging=v0.${ver#*.} # v1.36.3 -> v0.36.3
  log "kubernetes $K8S_VERSION: resolving modules (staging modules at $staging)"
  local w gomod gover godebug mods m ld p
  w=$(new_wrapper k8s)
  gomod=$(cd "$w" && mod_field GoMod "k8s.io/kubernetes@$K8S_VERSION")
  [[ -f $gomod ]] || die "cannot read go.mod of k8s.io/kubernetes@$K8S_VERSION"
  # Copy k8s's go and godebug lines, then pin every staging module it requires
  # at v0.0.0 (mapped to ./staging/... by replace lines valid only in its repo).
  gover=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod")
  godebug=$(sed -n 's/^godebug \(.*\)$/\1/p' "$gomod")
  mods=$(awk '/^require \(/{r=1;next} r&&/^\)/{r=0} r&&$2=="v0.0.0"{print $1}' "$gomod")
  gorun "$w" mod edit -go="$gover"
  for m in $godebug; do gorun "$w" mod edit -godebug="$m"; done
  for m in $mods; do gorun "$w" mod edit -replace="$m=$m@$staging"; done
  log "kubernetes $K8S_VERSION: go $gover, godebug '$godebug', $(wc -w <<<"$mods") staging replaces"
  gorun "$w" get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION"
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
  done
  log "kubernetes $K8S_VERSION: compiling ${K8S_BINS[*]} (the long part: minutes)"
  rm -rf "$BIN.k8s.tmp"; mkdir -p "$BIN.k8s.tmp"
  gorun "$w" build -trimpath -tags=selinux,notest -ldflags="$ld" -o "$BIN.k8s.tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
  mv -f "$BIN.k8s.tmp"/* "$BIN/"; rmdir "$BIN.k8s.tmp"
  log "kubernetes $K8S_VERSION: done ($("$BIN/kube-apiserver" --version))"
}

if [[ -n $EXT ]]; then
  mkdir -p "$OUT/bin"
  for b in "${K8S_BINS[@]}" etcd; do ln -sfn "$EXT/$b" "$OUT/bin/$b"; done
  if have_all "$EXT" "${KWOK_BINS[@]}"; then kdir=$EXT; else build_kwok; kdir=$BIN; fi
  for b in "${KWOK_BINS[@]}"; do ln -sfn "$kdir/$b" "$OUT/bin/$b"; done
  stages=""
  for d in "$EXT/kwok-stages" "$EXT/../kwok-stages"; do [[ -f $d/pod-ready.yaml ]] && { stages=$(cd "$d" && pwd); break; }; done
  [[ -n $stages ]] || { kwok_stages; stages=$BASE/kwok-stages; }
  ln -sfn "$stages" "$OUT/kwok-stages"
  log "using $EXT (kube-*, etcd) and $kdir (kwok) via $OUT/bin"
  echo "$OUT/bin"; exit 0
fi
build_kwok
kwok_stages
build_etcd
build_k8s
log "all binaries ready in $((SECONDS - START))s"
echo "$BIN"

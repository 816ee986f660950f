#!/usr/bin/env bash
# Builds dashboard-check (main.go here: Grafana's foundation SDK, strict) with
# the machine's Go, its module from the Go module proxy, into
# ~/.cache/kube-havoc/dashboard-check/<hash of the sources>/ (outside the
# checkout, like the e2e control plane), once per version of the sources.
#
#   bash scripts/dashboard-check/build.sh    prints the binary's path
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
key="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/kube-havoc/dashboard-check/$key"
bin="$dir/dashboard-check"
if [ ! -x "$bin" ]; then
  if ! command -v go >/dev/null; then
    echo "dashboard-check: needs Go 1.24 or later on PATH (https://go.dev/dl/)" >&2
    exit 1
  fi
  mkdir -p "$dir"
  tmp="$(mktemp "$dir/build.XXXXXX")"
  trap 'rm -f "$tmp"' EXIT
  # -mod=readonly: go.sum pins the module; nothing is resolved anew.
  (cd "$here" && go build -mod=readonly -trimpath -o "$tmp" .) >&2
  mv "$tmp" "$bin"
fi
echo "$bin"

#!/usr/bin/env bash
# Makes sure actionlint (the GitHub Actions workflow linter) is in the cache
# ~/.cache/kube-havoc/tools/actionlint-<version>/: the release workflow test
# runs it. Built with the machine's Go from the Go module proxy, once per
# version. Prints the binary's path. Idempotent.
set -euo pipefail
version="v1.7.7"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/kube-havoc/tools/actionlint-$version"
if [ ! -x "$dir/actionlint" ]; then
  go="$(command -v go || echo /usr/local/go/bin/go)"
  mkdir -p "$dir"
  GOBIN="$dir" GOFLAGS=-mod=mod "$go" install "github.com/rhysd/actionlint/cmd/actionlint@$version" >&2
fi
echo "$dir/actionlint"

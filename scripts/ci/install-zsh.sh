#!/usr/bin/env bash
# Makes sure `zsh` is on the machine: test/integration/cli-package.test.ts loads
# the zsh completion `kube-havoc completion zsh` prints. Idempotent; needs root
# for apt-get (CI runs as root).
set -euo pipefail
if command -v zsh >/dev/null 2>&1; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends zsh

#!/usr/bin/env bash
# Makes sure `unzip` is on the machine: scripts/tools/helm.ts unpacks the helm
# and kubectl binaries of the chart tests with it. Idempotent; needs root for
# apt-get (CI runs as root).
set -euo pipefail
if command -v unzip >/dev/null 2>&1; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends unzip

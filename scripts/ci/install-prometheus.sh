#!/usr/bin/env bash
# Makes sure `prometheus` and `promtool` are on the machine: the metrics test
# lints the /metrics exposition with promtool, and the dashboard test runs a
# real Prometheus (started by the test itself, on 127.0.0.1). Debian's package
# is enough (2.42 in bookworm). Idempotent; needs root for apt-get (CI runs as
# root). Where the package's service would start, policy-rc.d or the missing
# init system stops it; if a system Prometheus did start, it is stopped so the
# tests never depend on it.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus
  systemctl disable --quiet prometheus || true
fi
prometheus --version 2>&1 | head -n 1

#!/usr/bin/env bash
# What the image suite (npm run test:image) needs from Debian, installed only
# when missing: podman (builds the Dockerfile, runs the image), runc (the
# runtime podman is told to use here), mmdebstrap (assembles the base image,
# see base.sh), uidmap, and docker-registry (the CNCF distribution registry
# the release-path test pushes to on 127.0.0.1), and cosign, which Debian
# does not package: built once with Go by cosign.sh and cached (minutes the
# first time, nothing after). Idempotent; needs root for apt-get (CI runs as
# root). The registry package's own service is not used: where it started, it
# is stopped, so the tests never depend on it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
missing=()
for pair in podman:podman runc:runc mmdebstrap:mmdebstrap newuidmap:uidmap docker-registry:docker-registry; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
  systemctl stop docker-registry
  systemctl disable --quiet docker-registry || true
fi
bash "$here/cosign.sh" >/dev/null

#!/usr/bin/env bash
# Builds the project's Dockerfile with podman, unmodified, on the base that
# scripts/image/base.sh assembles (or on BASE_IMAGE when given, e.g. the
# official node image on a machine that can pull it).
#
#   bash scripts/image/build.sh [TAG]    prints the image ID (default tag localhost/kube-havoc:dev)
#
# What follows are limits of the machines this runs on, kept here and never in
# the Dockerfile: no pulls (--pull=never, the base is local), chroot isolation
# and runc (crun refuses a host with hybrid cgroups), explicit ulimits (runc
# refuses the engine's defaults above the host's hard limits), and, when the
# host reaches the npm registry through a TLS-inspecting proxy, its CA bundle
# mounted for the RUN steps' `npm ci` (an npmrc naming it, mounted as npm's
# global config; nothing of it lands in a layer).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tag="${1:-localhost/kube-havoc:dev}"
base="${BASE_IMAGE:-$(bash "$here/base.sh")}"

args=(build --pull=never --network=host --isolation=chroot --layers
  --ulimit nofile=4096:4096 --ulimit nproc=4096:4096
  --build-arg "BASE_IMAGE=$base" --tag "$tag")
# The checkout's revision, for havoc_build_info{revision} (REVISION=... overrides; unknown outside git).
revision="${REVISION:-$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)}"
args+=(--build-arg "REVISION=$revision")
ca="${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}"
if [ -n "$ca" ] && [ -s "$ca" ]; then
  npmrc="$(mktemp)"
  trap 'rm -f "$npmrc"' EXIT
  printf 'cafile=/run/host-ca.crt\nfund=false\naudit=false\nupdate-notifier=false\n' > "$npmrc"
  chmod 0644 "$npmrc"
  args+=(--volume "$ca:/run/host-ca.crt:ro" --volume "$npmrc:/usr/local/etc/npmrc:ro")
fi
iid="$(mktemp)"
podman --runtime runc "${args[@]}" --iidfile "$iid" "$root" >&2
cat "$iid"
rm -f "$iid"

#!/usr/bin/env bash
# The CycloneDX SBOM of exactly the dependencies the image holds: the
# Dockerfile's deps stage (npm ci --omit=dev --omit=optional) repeated in a
# scratch folder, then `npm sbom` over that installed tree. Not
# `npm sbom --omit dev --omit optional` on the checkout: npm 11 then leaves
# out packages that a dev or optional dependency shares with a runtime one
# (debug, atomic-sleep, on-exit-leak-free, ...), which the image does hold.
#
#   bash scripts/image/sbom.sh OUT.cdx.json [npm flags, e.g. --offline]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "$1")"
shift
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# npm sbom names the SBOM's component after the folder.
work="$scratch/kube-havoc"
mkdir "$work"
cp "$root/package.json" "$root/package-lock.json" "$work/"
cd "$work"
npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund "$@" >&2
# What is not installed is not declared either, or npm sbom reports it missing.
npm pkg delete devDependencies optionalDependencies bundleDependencies
npm sbom --sbom-format cyclonedx "$@" > "$out.tmp"
mv "$out.tmp" "$out"

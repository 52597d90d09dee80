#!/bin/sh
# Builds the Rust worker to workers/build/ with the locally installed wasm-bindgen CLI (worker-build's own
# download needs GitHub, which this project does not assume) and wrangler's esbuild.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
# Test harnesses and `make dev` build once up front, then start wrangler with this set so it does not rebuild.
if [ -n "${NUZANTARA_PREBUILT:-}" ] && [ -f "$root/workers/build/index.js" ]; then
  exit 0
fi
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen || echo "$HOME/.cargo/bin/wasm-bindgen")}"
if [ -z "${ESBUILD_BIN:-}" ] && [ -x "$root/node_modules/.bin/esbuild" ]; then
  export ESBUILD_BIN="$root/node_modules/.bin/esbuild"
fi
cd "$root/workers"
worker-build --release
# The release WASM without its `name` section (function names for stack traces: a sixth of the gzip size).
# NUZANTARA_KEEP_WASM_NAMES=1 keeps it, for readable wasm frames when debugging a panic.
if [ -z "${NUZANTARA_KEEP_WASM_NAMES:-}" ]; then
  node "$root/scripts/strip-wasm-names.mjs" "$root/workers/build/index_bg.wasm"
fi

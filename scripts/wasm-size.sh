#!/usr/bin/env bash
# Prints the release WASM size, raw and gzip -9 (what the Workers upload limit counts is the compressed size).
set -euo pipefail
cd "$(dirname "$0")/.."
wasm=workers/build/index_bg.wasm; [ -f "$wasm" ] || wasm=""
[ -n "$wasm" ] || { echo "no wasm in workers/build: run make build" >&2; exit 1; }
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
awk -v w="$wasm" -v r="$raw" -v g="$gz" 'BEGIN { printf "wasm: %s\nraw_bytes: %d (%.1f KiB)\ngzip_bytes: %d (%.1f KiB)\n", w, r, r/1024, g, g/1024 }' 

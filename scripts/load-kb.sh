#!/usr/bin/env bash
# Loads the knowledge base (kb-build/kb + ../shared/data/kb-sources) into the local wrangler state.
# Usage: scripts/load-kb.sh [--persist-to DIR] [extra kb-build args]
# Migrations must already be applied to DIR (`npx wrangler d1 migrations apply DB --local --persist-to DIR`).
# Only what changed since the last load is written; a second run prints "no changes".
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH" WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false

DATA_DIR="${KB_DATA_DIR:-$ROOT/../shared/data/kb-sources}"
if [ ! -d "$DATA_DIR" ]; then
  echo "load-kb: data directory not found: $DATA_DIR (set KB_DATA_DIR to the folder holding kbli-2020.json)" >&2
  exit 1
fi

PERSIST=".wrangler/state"
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --persist-to) PERSIST="${2:?--persist-to needs a directory}"; shift 2 ;;
    --persist-to=*) PERSIST="${1#*=}"; shift ;;
    *) ARGS+=("$1"); shift ;;
  esac
done

echo "[load-kb] building kb-build (release)"
cargo build --release -p kb-build --quiet
exec "${CARGO_TARGET_DIR:-$ROOT/target}/release/kb-build" --target local --persist-to "$PERSIST" \
  --kb-dir "$ROOT/kb-build/kb" --data-dir "$DATA_DIR" ${ARGS[@]+"${ARGS[@]}"}

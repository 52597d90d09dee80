#!/usr/bin/env bash
# Loads the knowledge base (kb-build/kb + ../shared/data/kb-sources, or $KB_DATA_DIR; the authored part alone
# when those are missing) into the local wrangler state.
# Usage: scripts/load-kb.sh [--persist-to DIR] [extra kb-build args]
# Migrations must already be applied to DIR (`npx wrangler d1 migrations apply DB --local --persist-to DIR`).
# Only what changed since the last load is written; a second run prints "no changes".
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH" WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false

DATA_DIR="${KB_DATA_DIR:-$ROOT/../shared/data/kb-sources}"
# The data sources are optional: without them (a clone of this repository alone) the authored knowledge base is
# served, and this says what is missing and how to add it.
DATA_ARGS=(--data-dir "$DATA_DIR")
missing=()
for f in kbli-2020.json pp-28-2025-raw.txt bali-zero-prices-2025.json; do
  [ -f "$DATA_DIR/$f" ] || missing+=("$f")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[load-kb] WARNING: data sources missing in $DATA_DIR: ${missing[*]}" >&2
  echo "[load-kb]   loading the authored knowledge base only (kb-build/kb): no KBLI codes, no PP 28/2025 articles, no price list." >&2
  echo "[load-kb]   To add them: KB_DATA_DIR=/path/to/kb-sources (the folder holding all three files), then run make dev again." >&2
  DATA_ARGS=(--without-data)
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

KB_BUILD="${CARGO_TARGET_DIR:-$ROOT/target}/release/kb-build"
# NUZANTARA_PREBUILT: the caller built it (scripts/test.sh, so that this does not wait on cargo's lock).
if [ -z "${NUZANTARA_PREBUILT:-}" ] || [ ! -x "$KB_BUILD" ]; then
  echo "[load-kb] building kb-build (release)"
  cargo build --release -p kb-build --quiet
fi
exec "$KB_BUILD" --target local --persist-to "$PERSIST" \
  --kb-dir "$ROOT/kb-build/kb" "${DATA_ARGS[@]}" ${ARGS[@]+"${ARGS[@]}"}

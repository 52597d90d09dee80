#!/usr/bin/env bash
# `make bench`: throughput/latency of the API against a baseline worker on the same runtime, SSE timing, WASM
# size, worker startup, kb-build times and retrieval quality, all in one run on a fresh local state.
# Writes bench-results/<timestamp>/report.md + report.json and prints a summary. Not part of `make test`.
# Needs wrk (loopback load generator): apt-get install wrk
# Options are passed to bench/run.mjs: --quick (short runs, to try the script), --no-scifact, --keep-state, --out DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH" WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
# wrangler's debug logs in this checkout, pruned by scripts/setup.sh (see the Makefile).
export WRANGLER_LOG_PATH="${WRANGLER_LOG_PATH:-$ROOT/.wrangler/logs}"

if ! command -v wrk >/dev/null 2>&1; then
  echo "bench: wrk is not installed. Install it with:  apt-get install wrk   (Debian/Ubuntu; brew install wrk on macOS)" >&2
  exit 1
fi
DATA_DIR="${KB_DATA_DIR:-$ROOT/../shared/data/kb-sources}"
[ -d "$DATA_DIR" ] || { echo "bench: knowledge-base sources not found in $DATA_DIR (set KB_DATA_DIR)" >&2; exit 1; }

# Builds are not part of the measurement: the first compile (about 10 minutes on a fresh machine) is skipped
# when `make build` has been run; otherwise it happens here, before anything is timed.
scripts/setup.sh
if [ ! -f workers/build/index.js ] || [ ! -f workers/build/index_bg.wasm ]; then
  echo "[bench] building the worker (not timed)"
  scripts/build-worker.sh
fi
echo "[bench] building kb-build (release, not timed)"
cargo build --release -p kb-build --quiet

load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
echo "[bench] $(nproc) CPUs, 1-min load average $load (other work on the machine skews the figures)"
exec node bench/run.mjs "$@"

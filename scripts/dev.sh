#!/usr/bin/env bash
# `make dev`: set up, build, migrate, load the knowledge base and seed data, then serve API + PWA on one origin.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH" WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
PORT="${PORT:-8787}"
HOST="${HOST:-127.0.0.1}"
STATE="${NUZANTARA_STATE:-.wrangler/state}"

scripts/setup.sh
if [ ! -f .dev.vars ] || ! grep -q '^JWT_SECRET=' .dev.vars; then
  echo "[dev] writing a random JWT_SECRET to .dev.vars (local secrets; not committed)"
  echo "JWT_SECRET=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')" >> .dev.vars
fi
echo "[dev] building the worker"
scripts/build-worker.sh
echo "[dev] applying D1 migrations to the local database ($STATE)"
npx wrangler d1 migrations apply DB --local --persist-to "$STATE" >/dev/null
if [ -x scripts/load-kb.sh ]; then
  scripts/load-kb.sh --persist-to "$STATE"
fi
node scripts/users.mjs bootstrap --persist-to "$STATE"
echo "[dev] serving http://$HOST:$PORT  (API + PWA; Ctrl-C to stop)"
NUZANTARA_PREBUILT=1 exec npx wrangler dev --ip "$HOST" --port "$PORT" --persist-to "$STATE" \
  --show-interactive-dev-session=false

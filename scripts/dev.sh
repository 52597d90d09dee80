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
boot=$(node scripts/users.mjs bootstrap --persist-to "$STATE" | grep '^\[users\]')
echo "$boot"
ADMIN_EMAIL="${ADMIN_EMAIL:-admin@nuzantara.local}"
# The demo CRM data is created through the API, so it needs the admin's password: the one just generated,
# or ADMIN_PASSWORD. Without either (an admin from an earlier run) the seed is skipped.
SEED_PASSWORD="${ADMIN_PASSWORD:-$(printf '%s\n' "$boot" | sed -n 's/.*shown once: //p')}"

echo "[dev] serving http://$HOST:$PORT  (API + PWA; Ctrl-C to stop)"
NUZANTARA_PREBUILT=1 npx wrangler dev --ip "$HOST" --port "$PORT" --persist-to "$STATE" \
  --show-interactive-dev-session=false &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' INT TERM EXIT
for _ in $(seq 1 120); do
  curl -sf "http://$HOST:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.5
done
if [ -n "$SEED_PASSWORD" ] && [ -f scripts/seed-demo.mjs ]; then
  node scripts/seed-demo.mjs --url "http://$HOST:$PORT" --email "$ADMIN_EMAIL" --password "$SEED_PASSWORD" \
    || echo "[dev] demo seed failed (the server keeps running)"
fi
echo "[dev] ready: http://$HOST:$PORT  (sign in as $ADMIN_EMAIL)"
wait "$server"

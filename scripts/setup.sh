#!/usr/bin/env bash
# Installs what building and running the worker needs, skipping whatever is already there.
# Needs only the package registries (crates.io, npm); no account, no GitHub downloads.
#   scripts/setup.sh          everything
#   scripts/setup.sh node     the npm packages only (wrangler: what loading the knowledge base needs)
#   scripts/setup.sh rust     the wasm target, worker-build and wasm-bindgen-cli only (minutes of compiling, once)
set -euo pipefail
cd "$(dirname "$0")/.."
WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pin in Cargo.toml
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
part="${1:-all}"
case "$part" in all|node|rust) ;; *) echo "usage: scripts/setup.sh [node|rust]" >&2; exit 2 ;; esac

install_rust() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! worker-build --version 2>/dev/null | grep -q "$WORKER_BUILD_VERSION"; then
    say "installing worker-build $WORKER_BUILD_VERSION (a few minutes, once)"
    cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
    # Not --locked: its lockfile pins a dependency version that no longer resolves.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

install_node() {
  if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm packages (wrangler, test tooling) from package-lock.json"
    npm ci --no-audit --no-fund
  fi
}

[ "$part" = node ] || install_rust
[ "$part" = rust ] || install_node
# wrangler writes a debug log per command, and `wrangler dev` every D1/KV response into it: keep this
# checkout's logs (WRANGLER_LOG_PATH, set by the Makefile and scripts/dev.sh) to the last day and 200 files.
logs=.wrangler/logs
if [ -d "$logs" ]; then
  find "$logs" -maxdepth 1 -name 'wrangler-*.log' -mmin +1440 -delete
  { ls -1t "$logs"/wrangler-*.log 2>/dev/null || true; } | tail -n +201 | xargs -r rm -f
fi

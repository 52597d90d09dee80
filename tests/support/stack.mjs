// Starts a real local stack for integration tests: `wrangler dev` (workerd + Miniflare D1/KV/R2) on a free
// loopback port, with its own fresh state directory, migrations applied, and optionally the knowledge base loaded.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const QUIET = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NUZANTARA_PREBUILT: '1' };

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Runs wrangler with the quiet environment; throws with its output on failure. */
export function wrangler(args, opts = {}) {
  return execFileSync(WRANGLER, args, { cwd: ROOT, env: { ...QUIET, ...(opts.env || {}) }, encoding: 'utf8', stdio: 'pipe' });
}

export const TEST_JWT_SECRET = 'test-jwt-secret-for-integration-tests-0123456789';
/** The bearer that reads /metrics and /health/detailed without an admin session (see METRICS_TOKEN). */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789abcdef';
/** Request options for the operator routes (/metrics, /health/detailed) of a test stack. */
export const OPS = { headers: { Authorization: `Bearer ${TEST_METRICS_TOKEN}` } };

/**
 * Starts the stack. Options: `load(persist, { embedderUrl })` (loads data before the server starts), `vars`
 * (extra vars), `args` (extra `wrangler dev` arguments, e.g. ['--test-scheduled'] to expose GET /__scheduled),
 * `embedder: true` (start the real local embedding server first: the worker embeds queries with it, and
 * `load` gets its URL to embed passages).
 * Returns { url, persist, embedder, stop() }.
 */
export async function startStack({ vars = {}, load, args = [], embedder = false } = {}) {
  if (!existsSync(join(ROOT, 'workers/build/index.js'))) {
    throw new Error('worker not built: run `make build` first');
  }
  const persist = mkdtempSync(join(tmpdir(), 'nuzantara-test-'));
  wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist]);
  let emb = null;
  if (embedder) {
    const { startEmbedder, embedderVars } = await import('./embedder.mjs');
    emb = await startEmbedder();
    vars = { ...embedderVars(emb.url), ...vars };
  }
  if (load) {
    try {
      await load(persist, { embedderUrl: emb?.url });
    } catch (e) {
      // A failed load leaves nothing running and no state behind.
      emb?.stop();
      rmSync(persist, { recursive: true, force: true });
      throw e;
    }
  }
  const port = await freePort();
  const varArgs = Object.entries({ JWT_SECRET: TEST_JWT_SECRET, METRICS_TOKEN: TEST_METRICS_TOKEN, ...vars }).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  const child = spawn(WRANGLER, ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', '0',
    '--persist-to', persist, '--log-level', 'warn', '--show-interactive-dev-session=false', ...varArgs, ...args], {
    cwd: ROOT, env: QUIET, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) { emb?.stop(); throw new Error(`wrangler dev exited early:\n${output}`); }
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { kill(child); emb?.stop(); throw new Error(`wrangler dev did not start in 60 s:\n${output}`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    persist,
    embedder: emb,
    output: () => output,
    async stop() {
      emb?.stop();
      kill(child);
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(persist, { recursive: true, force: true });
    },
  };
}

function kill(child) {
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
}

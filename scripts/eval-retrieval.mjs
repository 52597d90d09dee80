#!/usr/bin/env node
// Retrieval quality through the running API (POST /api/search), on two sets:
//
//   SciFact (BEIR, ../shared/data/bench/scifact): the 809 train claims against the `scifact` collection, which
//   must have been indexed first:
//     target/release/kb-build --target local --persist-to DIR --only-jsonl \
//       --jsonl-collection scifact=../shared/data/bench/scifact/corpus.jsonl.gz
//   Reports nDCG@10 (binary qrels, as BEIR's pytrec_eval computes it) and recall@50.
//
//   Domain (kb-build/eval/domain-questions.jsonl): 61 questions in en/id/it with the documents that answer
//   them. Reports recall@5 and MRR per language and overall, searching as the app does (no collection named).
//
// Usage: node scripts/eval-retrieval.mjs --url http://127.0.0.1:8787 [--scifact] [--domain]
//          [--concurrency 4] [--limit N] [--json FILE]
// With neither --scifact nor --domain, both run. Settings compared: keyword search with the reranker on and
// off, plus hybrid and vector search when the server reports an embedder (GET /health/detailed).
//
// Ranking is by document: a search returns chunks, and a document's rank is that of its best chunk (the first
// time its id appears); later chunks of the same document are skipped, as BEIR scores documents.
//
// Why recall@50 and not BEIR's usual recall@100: POST /api/search returns at most 50 chunks (MAX_TOP_K in
// shared/src/search/request.rs), and the pipeline's candidate pool is 100 chunks at most, so a recall@100
// would only measure the raw BM25 pool, not what the API returns. The limit is the API's contract for people
// and the chat; it is not raised for a benchmark.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCIFACT_DIR = resolve(ROOT, '..', 'shared', 'data', 'bench', 'scifact');
export const DOMAIN_FILE = join(ROOT, 'kb-build', 'eval', 'domain-questions.jsonl');
export const SCIFACT_TOP_K = 50;
const DOMAIN_TOP_K = 10;

// ── metrics ─────────────────────────────────────────────────────────────────────────────────────────────

/** Distinct document ids in rank order (a document ranks where its first chunk does). */
export function rankedDocs(results, strip = '') {
  const seen = new Set();
  const out = [];
  for (const r of results) {
    let id = r?.citation?.document_id;
    if (typeof id !== 'string') continue;
    if (strip && id.startsWith(strip)) id = id.slice(strip.length);
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}

/** nDCG@k with graded relevance `rel` (a Map id → gain), linear gains and log2 discounts (trec_eval's ndcg_cut). */
export function ndcgAt(ranked, rel, k) {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    const g = rel.get(id) || 0;
    if (g > 0) dcg += g / Math.log2(i + 2);
  });
  const ideal = [...rel.values()].filter((g) => g > 0).sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((s, g, i) => s + g / Math.log2(i + 2), 0);
  return idcg > 0 ? dcg / idcg : 0;
}

export function recallAt(ranked, relevant, k) {
  if (!relevant.size) return 0;
  const top = ranked.slice(0, k);
  return top.filter((id) => relevant.has(id)).length / relevant.size;
}

export function reciprocalRank(ranked, relevant) {
  const i = ranked.findIndex((id) => relevant.has(id));
  return i < 0 ? 0 : 1 / (i + 1);
}

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const pct = (xs, p) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

// ── data ────────────────────────────────────────────────────────────────────────────────────────────────

const jsonl = (text) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

export function loadScifact(dir = SCIFACT_DIR) {
  const queries = jsonl(readFileSync(join(dir, 'queries-train.jsonl'), 'utf8'));
  const qrels = new Map();
  for (const line of readFileSync(join(dir, 'qrels-train.tsv'), 'utf8').split('\n').slice(1)) {
    const [q, d, s] = line.trim().split('\t');
    if (!q || !d) continue;
    if (!qrels.has(q)) qrels.set(q, new Map());
    qrels.get(q).set(d, Number(s));
  }
  // BEIR evaluates the queries that have judgements (all 809 of the train split do).
  return queries.filter((q) => qrels.has(String(q._id))).map((q) => ({ id: String(q._id), text: q.text, rel: qrels.get(String(q._id)) }));
}

export function loadDomain(file = DOMAIN_FILE) {
  return jsonl(readFileSync(file, 'utf8'));
}

// ── the API ─────────────────────────────────────────────────────────────────────────────────────────────

async function search(url, body) {
  const t0 = performance.now();
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${url}/api/search`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status === 429 && attempt < 5) {
      // Rate limited (a stack started without RATE_LIMITS=off): wait as told and retry.
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') || 1)));
      continue;
    }
    if (res.status !== 200) throw new Error(`POST /api/search ${JSON.stringify(body).slice(0, 120)} → ${res.status}: ${text.slice(0, 300)}`);
    return { json: JSON.parse(text), ms: performance.now() - t0 };
  }
}

/** Runs `fn` over `items` with `n` in flight; results in input order. */
async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

/** The settings to compare: keyword ± rerank always; hybrid and vector when the server has an embedder. */
export async function settingsFor(url) {
  let embedder = 'none';
  try {
    const d = await (await fetch(`${url}/health/detailed`)).json();
    embedder = d?.search?.embedder?.mode ?? 'none';
  } catch { /* an older server: keyword only */ }
  const s = [
    { name: 'keyword+rerank', mode: 'keyword', rerank: true },
    { name: 'keyword', mode: 'keyword', rerank: false },
  ];
  if (embedder !== 'none') {
    s.push({ name: 'hybrid+rerank', mode: 'hybrid', rerank: true }, { name: 'hybrid', mode: 'hybrid', rerank: false }, { name: 'vector', mode: 'vector', rerank: false });
  }
  return { embedder, settings: s };
}

export async function evalScifact(url, { settings, concurrency = 4, limit, dir } = {}) {
  let queries = loadScifact(dir);
  if (limit) queries = queries.slice(0, limit);
  const out = [];
  for (const s of settings) {
    const started = performance.now();
    const per = await pool(queries, concurrency, async (q) => {
      const { json, ms } = await search(url, { query: q.text, collections: ['scifact'], top_k: SCIFACT_TOP_K, mode: s.mode, rerank: s.rerank });
      const ranked = rankedDocs(json.results, 'scifact/');
      const relevant = new Set([...q.rel].filter(([, g]) => g > 0).map(([d]) => d));
      return { ndcg10: ndcgAt(ranked, q.rel, 10), recall50: recallAt(ranked, relevant, 50), recall10: recallAt(ranked, relevant, 10), docs: ranked.length, ms };
    });
    out.push({
      setting: s.name,
      mode: s.mode,
      rerank: s.rerank,
      queries: per.length,
      ndcg_at_10: mean(per.map((p) => p.ndcg10)),
      recall_at_10: mean(per.map((p) => p.recall10)),
      recall_at_50: mean(per.map((p) => p.recall50)),
      mean_distinct_docs: mean(per.map((p) => p.docs)),
      latency_ms: { p50: pct(per.map((p) => p.ms), 50), p95: pct(per.map((p) => p.ms), 95) },
      seconds: (performance.now() - started) / 1000,
    });
  }
  return { dataset: 'scifact-train', top_k: SCIFACT_TOP_K, concurrency, results: out };
}

export async function evalDomain(url, { settings, concurrency = 4, file } = {}) {
  const questions = loadDomain(file);
  const out = [];
  for (const s of settings) {
    const per = await pool(questions, concurrency, async (q) => {
      const { json } = await search(url, { query: q.question, top_k: DOMAIN_TOP_K, mode: s.mode, rerank: s.rerank });
      const ranked = rankedDocs(json.results);
      const expected = new Set(q.expected);
      return { id: q.id, lang: q.lang, recall5: recallAt(ranked, expected, 5), hit5: ranked.slice(0, 5).some((d) => expected.has(d)) ? 1 : 0, rr: reciprocalRank(ranked, expected), top: ranked.slice(0, 5) };
    });
    const langs = [...new Set(questions.map((q) => q.lang))].sort();
    const summarise = (rows) => ({ questions: rows.length, recall_at_5: mean(rows.map((r) => r.recall5)), hit_at_5: mean(rows.map((r) => r.hit5)), mrr: mean(rows.map((r) => r.rr)) });
    out.push({
      setting: s.name,
      mode: s.mode,
      rerank: s.rerank,
      overall: summarise(per),
      by_language: Object.fromEntries(langs.map((l) => [l, summarise(per.filter((r) => r.lang === l))])),
      misses: per.filter((r) => r.hit5 === 0).map((r) => ({ id: r.id, lang: r.lang, top5: r.top })),
    });
  }
  return { dataset: 'domain-questions', top_k: DOMAIN_TOP_K, results: out };
}

// ── report ──────────────────────────────────────────────────────────────────────────────────────────────

const f3 = (x) => x.toFixed(3);

export function markdown({ scifact, domain, embedder }) {
  const lines = [];
  if (scifact) {
    lines.push(`SciFact train (${scifact.results[0]?.queries ?? 0} queries, top_k ${scifact.top_k}, embedder: ${embedder}; reference BM25 nDCG@10 0.679)`, '');
    lines.push('| setting | nDCG@10 | recall@10 | recall@50 | docs/query | p50 ms | p95 ms |', '|---|---|---|---|---|---|---|');
    for (const r of scifact.results) {
      lines.push(`| ${r.setting} | ${f3(r.ndcg_at_10)} | ${f3(r.recall_at_10)} | ${f3(r.recall_at_50)} | ${r.mean_distinct_docs.toFixed(1)} | ${r.latency_ms.p50.toFixed(1)} | ${r.latency_ms.p95.toFixed(1)} |`);
    }
    lines.push('');
  }
  if (domain) {
    lines.push(`Domain questions (${domain.results[0]?.overall.questions ?? 0}, top_k ${domain.top_k}, no collection named)`, '');
    const langs = Object.keys(domain.results[0]?.by_language ?? {});
    lines.push(`| setting | ${['overall', ...langs].map((l) => `${l} R@5 | ${l} MRR`).join(' | ')} |`);
    lines.push(`|---|${['overall', ...langs].map(() => '---|---|').join('')}`);
    for (const r of domain.results) {
      const cells = [r.overall, ...langs.map((l) => r.by_language[l])].map((m) => `${f3(m.recall_at_5)} | ${f3(m.mrr)}`);
      lines.push(`| ${r.setting} | ${cells.join(' | ')} |`);
    }
    lines.push('');
    const first = domain.results[0];
    if (first?.misses.length) {
      lines.push(`Questions with no expected document in the top 5 (${first.setting}): ${first.misses.map((m) => m.id).join(', ')}`, '');
    }
  }
  return lines.join('\n');
}

export async function evaluate(url, { scifact = true, domain = true, concurrency = 4, limit } = {}) {
  const { embedder, settings } = await settingsFor(url);
  const out = { url, embedder };
  if (scifact) out.scifact = await evalScifact(url, { settings, concurrency, limit });
  if (domain) out.domain = await evalDomain(url, { settings, concurrency });
  return out;
}

async function main() {
  const argv = process.argv.slice(2);
  const opt = (name, def) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : def;
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: node scripts/eval-retrieval.mjs --url http://127.0.0.1:8787 [--scifact] [--domain] [--concurrency 4] [--limit N] [--json FILE]');
    return;
  }
  const url = (opt('url', 'http://127.0.0.1:8787')).replace(/\/$/, '');
  let scifact = argv.includes('--scifact');
  let domain = argv.includes('--domain');
  if (!scifact && !domain) scifact = domain = true;
  if (scifact) {
    const cols = await (await fetch(`${url}/api/collections`)).json().catch(() => ({}));
    if (!cols.collections?.some((c) => c.name === 'scifact' && c.chunks > 0)) {
      console.error('the server has no `scifact` collection: index it first with\n  target/release/kb-build --target local --persist-to DIR --only-jsonl --jsonl-collection scifact=../shared/data/bench/scifact/corpus.jsonl.gz');
      process.exit(2);
    }
  }
  const out = await evaluate(url, { scifact, domain, concurrency: Number(opt('concurrency', 4)), limit: opt('limit') ? Number(opt('limit')) : undefined });
  console.log(markdown(out));
  const file = opt('json');
  if (file) writeFileSync(file, JSON.stringify(out, null, 2));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e?.stack || String(e));
    process.exit(1);
  });
}

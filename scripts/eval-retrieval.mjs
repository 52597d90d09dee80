#!/usr/bin/env node
// Retrieval quality through the running API (POST /api/search), on two sets:
//
//   SciFact (BEIR, ../shared/data/bench/scifact): the 809 train claims against the `scifact` collection, which
//   must have been indexed first:
//     target/release/kb-build --target local --persist-to DIR --only-jsonl \
//       --jsonl-collection scifact=../shared/data/bench/scifact/corpus.jsonl.gz
//   Reports nDCG@10 (binary qrels, as BEIR's pytrec_eval computes it) and recall@50.
//
//   Domain (kb-build/eval/questions.jsonl, its answerable questions: 230 in en/id/it, see kb-build/eval/README.md)
//   with the documents that answer them. Reports, overall, per language and for the PP 28/2025 questions (topic
//   pp28) per language: hit@5 (share of questions with an expected id in the top 5), recall@5 (share of a
//   question's expected ids found in the top 5, averaged) and MRR; and the questions missed (no expected id in the
//   top 5). Searches as the app does (no collection named).
//
// Usage: node scripts/eval-retrieval.mjs --url http://127.0.0.1:8787 [--scifact] [--domain]
//          [--questions FILE] [--concurrency 4] [--limit N] [--json FILE]
// With neither --scifact nor --domain, both run. Settings compared (GET /health/detailed tells whether the server
// has an embedder; without one only the keyword settings run):
//   domain:  keyword, hybrid and vector with the reranker on (the API default), hybrid and keyword without it;
//   SciFact: keyword, hybrid and vector, each with the reranker on and off.
//
// Ranking is by document: a search returns chunks, and a document's rank is that of its best chunk (the first
// time its id appears); later chunks of the same document are skipped, as BEIR scores documents. Documents whose
// expected ids name a section (PP 28/2025: "pp-28-2025#Pasal 132", "pp-28-2025#Penjelasan Pasal 5") rank by
// section instead: each distinct `citation.section` of such a document is one ranked item, which matches both
// "doc#Section" (the section exactly) and the whole document "doc".
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
export const QUESTIONS_FILE = join(ROOT, 'kb-build', 'eval', 'questions.jsonl');
/** Documents whose expected ids are article-level ("doc#Section"); questions files can add more (see articleDocs). */
export const ARTICLE_DOCS = new Set(['pp-28-2025']);
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

/**
 * Distinct ranked items for the domain questions, in rank order: a document, or for a document in `articleLevel`
 * one item per section ({ id: "doc#Section", doc, section }). An item ranks where its first chunk does.
 */
export function rankedUnits(results, articleLevel = ARTICLE_DOCS) {
  const seen = new Set();
  const out = [];
  for (const r of results ?? []) {
    const doc = r?.citation?.document_id;
    if (typeof doc !== 'string') continue;
    const section = typeof r.citation.section === 'string' ? r.citation.section : '';
    const id = articleLevel.has(doc) ? `${doc}#${section}` : doc;
    if (!seen.has(id)) {
      seen.add(id);
      out.push({ id, doc, section });
    }
  }
  return out;
}

/**
 * Whether a ranked item (or a search result's citation: { document_id, section }) matches an expected id: the
 * document id equals it, or for "doc#Section" the document is doc and the section is Section exactly.
 */
export function matchesExpected(item, expected) {
  const doc = item.doc ?? item.document_id;
  const i = expected.indexOf('#');
  if (i < 0) return doc === expected;
  return doc === expected.slice(0, i) && item.section === expected.slice(i + 1);
}

/** The documents a question set names at article level ("doc#…"), plus ARTICLE_DOCS. */
export function articleDocs(questions) {
  const out = new Set(ARTICLE_DOCS);
  for (const q of questions) for (const e of q.expected ?? []) if (e.includes('#')) out.add(e.slice(0, e.indexOf('#')));
  return out;
}

/** Domain metrics of one question: hit@k, recall@k (share of expected ids in the top k), reciprocal rank. */
export function scoreUnits(units, expected, k = 5) {
  const top = units.slice(0, k);
  const found = expected.filter((e) => top.some((u) => matchesExpected(u, e)));
  const first = units.findIndex((u) => expected.some((e) => matchesExpected(u, e)));
  return { hit: found.length ? 1 : 0, recall: expected.length ? found.length / expected.length : 0, rr: first < 0 ? 0 : 1 / (first + 1), found };
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

/** Every question of a questions.jsonl file (see kb-build/eval/README.md). */
export function loadQuestions(file = QUESTIONS_FILE) {
  return jsonl(readFileSync(file, 'utf8'));
}

/** The questions retrieval is scored on: answerable, with expected documents. */
export function loadDomain(file = QUESTIONS_FILE) {
  return loadQuestions(file).filter((q) => q.answerable !== false && (q.expected ?? []).length > 0);
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
export async function pool(items, n, fn) {
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

export const ALL_SETTINGS = [
  { name: 'keyword+rerank', mode: 'keyword', rerank: true },
  { name: 'keyword', mode: 'keyword', rerank: false },
  { name: 'hybrid+rerank', mode: 'hybrid', rerank: true },
  { name: 'hybrid', mode: 'hybrid', rerank: false },
  { name: 'vector+rerank', mode: 'vector', rerank: true },
  { name: 'vector', mode: 'vector', rerank: false },
];
/** Settings per evaluation, in table order ("+rerank": the reranker on, the API default). */
export const SCIFACT_SETTINGS = ['keyword+rerank', 'keyword', 'hybrid+rerank', 'hybrid', 'vector+rerank', 'vector'];
export const DOMAIN_SETTINGS = ['keyword+rerank', 'hybrid+rerank', 'vector+rerank', 'hybrid', 'keyword'];
/** The setting whose misses are listed (the API default when there is an embedder). */
export const MISSES_SETTING = 'hybrid+rerank';

const pick = (settings, names) => names.map((n) => settings.find((s) => s.name === n)).filter(Boolean);

/** The settings to compare: keyword ± rerank always; hybrid and vector ± rerank when the server has an embedder. */
export async function settingsFor(url) {
  let embedder = 'none';
  let embedderStatus;
  try {
    const { OPS } = await import('../tests/support/stack.mjs');
    const auth = process.env.METRICS_TOKEN ? { headers: { Authorization: `Bearer ${process.env.METRICS_TOKEN}` } } : OPS;
    const d = await (await fetch(`${url}/health/detailed`, auth)).json();
    embedder = d?.search?.embedder?.mode ?? 'none';
    embedderStatus = d?.search?.embedder?.status;
  } catch { /* an older server: keyword only */ }
  const settings = ALL_SETTINGS.filter((s) => s.mode === 'keyword' || embedder !== 'none');
  return { embedder, embedderStatus, settings };
}

export async function evalScifact(url, { settings, concurrency = 4, limit, dir, onProgress } = {}) {
  let queries = loadScifact(dir);
  if (limit) queries = queries.slice(0, limit);
  const out = [];
  for (const s of pick(settings, SCIFACT_SETTINGS)) {
    onProgress?.(`SciFact: ${s.name} (${queries.length} queries)`);
    const started = performance.now();
    const per = await pool(queries, concurrency, async (q) => {
      const { json, ms } = await search(url, { query: q.text, collections: ['scifact'], top_k: SCIFACT_TOP_K, mode: s.mode, rerank: s.rerank });
      const ranked = rankedDocs(json.results, 'scifact/');
      const relevant = new Set([...q.rel].filter(([, g]) => g > 0).map(([d]) => d));
      return { ndcg10: ndcgAt(ranked, q.rel, 10), recall50: recallAt(ranked, relevant, 50), recall10: recallAt(ranked, relevant, 10), docs: ranked.length, ms, fallback: json.mode !== s.mode };
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
      fallbacks: per.filter((p) => p.fallback).length,
      latency_ms: { p50: pct(per.map((p) => p.ms), 50), p95: pct(per.map((p) => p.ms), 95) },
      seconds: (performance.now() - started) / 1000,
    });
  }
  return { dataset: 'scifact-train', top_k: SCIFACT_TOP_K, concurrency, results: out };
}

const LANGS = ['en', 'id', 'it'];
const langsOf = (rows) => [...new Set([...LANGS.filter((l) => rows.some((r) => r.lang === l)), ...rows.map((r) => r.lang)])];

/** hit@5, recall@5 and MRR of a group of scored questions. */
export function summariseDomain(rows) {
  return { questions: rows.length, hit_at_5: mean(rows.map((r) => r.hit5)), recall_at_5: mean(rows.map((r) => r.recall5)), mrr: mean(rows.map((r) => r.rr)) };
}

export async function evalDomain(url, { settings, concurrency = 4, file, onProgress } = {}) {
  const questions = loadDomain(file);
  const articleLevel = articleDocs(questions);
  const out = [];
  for (const s of pick(settings, DOMAIN_SETTINGS)) {
    onProgress?.(`domain retrieval: ${s.name} (${questions.length} questions)`);
    const per = await pool(questions, concurrency, async (q) => {
      const { json, ms } = await search(url, { query: q.question, top_k: DOMAIN_TOP_K, mode: s.mode, rerank: s.rerank });
      const units = rankedUnits(json.results, articleLevel);
      const m = scoreUnits(units, q.expected, 5);
      return { id: q.id, lang: q.lang, topic: q.topic, hit5: m.hit, recall5: m.recall, rr: m.rr, ms, expected: q.expected, top5: units.slice(0, 5).map((u) => u.id), fallback: json.mode !== s.mode };
    });
    const langs = langsOf(per);
    const topics = [...new Set(per.map((r) => r.topic))].sort();
    const pp = per.filter((r) => r.topic === 'pp28');
    out.push({
      setting: s.name,
      mode: s.mode,
      rerank: s.rerank,
      overall: summariseDomain(per),
      by_language: Object.fromEntries(langs.map((l) => [l, summariseDomain(per.filter((r) => r.lang === l))])),
      pp28: { overall: summariseDomain(pp), by_language: Object.fromEntries(langsOf(pp).map((l) => [l, summariseDomain(pp.filter((r) => r.lang === l))])) },
      by_topic: Object.fromEntries(topics.map((t) => [t, summariseDomain(per.filter((r) => r.topic === t))])),
      latency_ms: { p50: pct(per.map((p) => p.ms), 50), p95: pct(per.map((p) => p.ms), 95) },
      // Searches answered in another mode than asked (the embedder down or slow: keyword fallback).
      fallbacks: per.filter((r) => r.fallback).length,
      misses: per.filter((r) => r.hit5 === 0).map((r) => ({ id: r.id, lang: r.lang, topic: r.topic, expected: r.expected, top5: r.top5 })),
      // Each question's reciprocal rank and recall@5, to compare two runs question by question.
      per_question: Object.fromEntries(per.map((r) => [r.id, [Number(r.rr.toFixed(3)), Number(r.recall5.toFixed(3))]])),
    });
  }
  return { dataset: file ? String(file) : 'kb-build/eval/questions.jsonl (answerable)', top_k: DOMAIN_TOP_K, results: out };
}

// ── report ──────────────────────────────────────────────────────────────────────────────────────────────

const f3 = (x) => (typeof x === 'number' ? x.toFixed(3) : '–');

export function scifactMarkdown(scifact, embedder) {
  const lines = [`SciFact train (${scifact.results[0]?.queries ?? 0} queries, top_k ${scifact.top_k}, embedder: ${embedder}; reference BM25 nDCG@10 0.679; +rerank: the API default)`, ''];
  lines.push('| setting | nDCG@10 | recall@10 | recall@50 | docs/query | p50 ms | p95 ms |', '|---|---|---|---|---|---|---|');
  for (const r of scifact.results) {
    lines.push(`| ${r.setting} | ${f3(r.ndcg_at_10)} | ${f3(r.recall_at_10)} | ${f3(r.recall_at_50)} | ${r.mean_distinct_docs.toFixed(1)} | ${r.latency_ms.p50.toFixed(1)} | ${r.latency_ms.p95.toFixed(1)} |`);
  }
  lines.push('', ...fallbackNotes(scifact.results));
  return lines.join('\n');
}

const fallbackNotes = (results) => results.filter((r) => r.fallbacks).map((r) => `WARNING: ${r.fallbacks} ${r.setting} searches were answered in another mode (embedder down or slow: keyword fallback).`).concat(results.some((r) => r.fallbacks) ? [''] : []);

/** One table: a row per setting, hit@5 | recall@5 | MRR for `all` and each language of `get(result)`. */
function domainTable(results, get) {
  const first = get(results[0]);
  const langs = Object.keys(first.by_language);
  const groups = [['all', (r) => get(r).overall], ...langs.map((l) => [l, (r) => get(r).by_language[l]])];
  const n = (g) => (g === 'all' ? first.overall : first.by_language[g]).questions;
  const lines = [];
  lines.push(`| setting | ${groups.map(([g]) => `${g} (${n(g)}) hit@5 | ${g} recall@5 | ${g} MRR`).join(' | ')} |`);
  lines.push(`|---|${groups.map(() => '---|---|---|').join('')}`);
  for (const r of results) lines.push(`| ${r.setting} | ${groups.map(([, m]) => `${f3(m(r)?.hit_at_5)} | ${f3(m(r)?.recall_at_5)} | ${f3(m(r)?.mrr)}`).join(' | ')} |`);
  return lines;
}

/** The domain tables; with `details`, each miss of MISSES_SETTING with its expected ids and what came first. */
export function domainMarkdown(domain, { details = false } = {}) {
  const lines = [];
  const res = domain.results;
  if (!res.length) return '';
  lines.push(`Domain questions (${domain.dataset}; ${res[0].overall.questions} questions, top_k ${domain.top_k}, no collection named). hit@5: share of questions with an expected id in the top 5 ranked documents (PP 28/2025 ranked by article); recall@5: share of a question's expected ids in the top 5, averaged; +rerank: the API default.`, '');
  lines.push(...domainTable(res, (r) => ({ overall: r.overall, by_language: r.by_language })), '', ...fallbackNotes(res));
  if (res[0].pp28.overall.questions) {
    lines.push('PP 28/2025 questions (topic pp28) by language:', '');
    lines.push(...domainTable(res, (r) => r.pp28), '');
    const aim = res.find((r) => r.setting === MISSES_SETTING) ?? res[0];
    const it = aim.pp28.by_language.it;
    if (it) lines.push(`Aim Italian → PP 28/2025 hit@5 ≥ 0.85 (${aim.setting}): ${f3(it.hit_at_5)} ${it.hit_at_5 >= 0.85 ? 'met' : 'MISSED'} (recall@5 ${f3(it.recall_at_5)}).`, '');
  }
  const m = res.find((r) => r.setting === MISSES_SETTING) ?? res[0];
  if (m.misses.length) {
    lines.push(`Questions with no expected id in the top 5 (${m.setting}, ${m.misses.length}): ${m.misses.map((x) => x.id).join(', ')}`, '');
    if (details) {
      for (const x of m.misses) lines.push(`- ${x.id}: expected ${x.expected.join(' / ')}; top 5: ${x.top5.join(' · ') || '(nothing)'}`);
      lines.push('');
    }
  }
  return lines.join('\n');
}

export function markdown({ scifact, domain, embedder }, opts = {}) {
  const parts = [];
  if (scifact) parts.push(scifactMarkdown(scifact, embedder));
  if (domain) parts.push(domainMarkdown(domain, opts));
  return parts.join('\n');
}

export async function evaluate(url, { scifact = true, domain = true, concurrency = 4, limit, file, onProgress } = {}) {
  const { embedder, embedderStatus, settings } = await settingsFor(url);
  const out = { url, embedder, embedder_status: embedderStatus };
  if (scifact) out.scifact = await evalScifact(url, { settings, concurrency, limit, onProgress });
  if (domain) out.domain = await evalDomain(url, { settings, concurrency, file, onProgress });
  return out;
}

async function main() {
  const argv = process.argv.slice(2);
  const opt = (name, def) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : def;
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: node scripts/eval-retrieval.mjs --url http://127.0.0.1:8787 [--scifact] [--domain] [--questions FILE] [--concurrency 4] [--limit N] [--json FILE]');
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
  const out = await evaluate(url, {
    scifact, domain, concurrency: Number(opt('concurrency', 4)), limit: opt('limit') ? Number(opt('limit')) : undefined,
    file: opt('questions') ? resolve(opt('questions')) : undefined, onProgress: (m) => process.stderr.write(`[eval-retrieval] ${m}\n`),
  });
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

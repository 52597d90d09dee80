#!/usr/bin/env node
// Answer quality through the running API (POST /bali-zero/chat), on kb-build/eval/questions.jsonl (257 client
// questions in en/id/it, 27 of them outside the knowledge base; see kb-build/eval/README.md) or a held-out set
// of the same format (--questions FILE). Every question is sent as `{query}` alone: the language is detected.
//
//   key facts     share of an answerable question's facts present in the answer, averaged (overall, per
//                 language, per topic). A fact is a list of alternatives; it is present when any alternative is a
//                 substring of the answer, both normalised (normalize(): lowercase, NFKD with combining marks
//                 removed, typographic quotes/dashes unified, "." and "," between digits equivalent, whitespace
//                 collapsed; so 2.300.000 ≡ 2,300,000).
//   abstention    positives are the out-of-KB questions (answerable: false in the set); the answer abstains when
//                 the response says `answerable: false`. Precision, recall, and the false-abstention rate (share
//                 of answerable questions the answer abstained on).
//   language      the answer's framing (its text without quoted statements: lines starting "- " or "  - ", and
//                 everything from a "Sources:" / "Sumber:" / "Fonti:" line on) is in the question's language, by
//                 function-word counts (framingLanguage()). Match rate overall and per language.
//   latency       client-side time of each POST (p50/p95), requests one at a time unless --concurrency.
//
// Usage: node scripts/eval-answers.mjs --url http://127.0.0.1:8787 [--questions FILE] [--concurrency 1]
//          [--json FILE] [--misses FILE]
// Prints markdown tables; the misses (questions with < 100% of their facts, the missing facts and the first 300
// characters of the answer; abstention errors; language mismatches) go to the --misses JSON file (default
// bench-results/answer-misses.json), not the console.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pool } from './eval-retrieval.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const QUESTIONS_FILE = join(ROOT, 'kb-build', 'eval', 'questions.jsonl');
const LANGS = ['en', 'id', 'it'];

// ── pure scoring ───────────────────────────────────────────────────────────────────────────────────────

/** Normalisation for fact matching (both sides): see the header. */
export function normalize(s) {
  return String(s)
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[\u2018\u2019\u201a\u201b\u2032\u0060\u00b4]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]/g, '"')
    .replace(/[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]/g, '-')
    .replace(/(?<=\d)[.,](?=\d)/g, '.')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether a fact (a list of alternatives, or one string) is in `answer`. `normalized` says `answer` already is. */
export function factPresent(fact, answer, normalized = false) {
  const a = normalized ? answer : normalize(answer);
  const alts = Array.isArray(fact) ? fact : [fact];
  return alts.some((alt) => {
    const n = normalize(alt);
    return n.length > 0 && a.includes(n);
  });
}

/** { share, found, missing } of a question's facts in `answer` (share 1 when it has no facts). */
export function scoreFacts(facts, answer) {
  const a = normalize(answer ?? '');
  const found = [];
  const missing = [];
  for (const f of facts ?? []) (factPresent(f, a, true) ? found : missing).push(f);
  const n = found.length + missing.length;
  return { share: n ? found.length / n : 1, found, missing };
}

/**
 * The answer's own framing: its lines without the quoted statements (lines starting "- " or "  - ", any depth)
 * and without the citation list (a "Sources:" / "Sumber:" / "Fonti:" line and everything after it).
 */
export function framingText(answer) {
  const out = [];
  for (const line of String(answer ?? '').split('\n')) {
    if (/^\s*(sources|sumber|fonti)\s*:/i.test(line)) break;
    if (/^ *- /.test(line)) continue;
    out.push(line);
  }
  return out.join('\n').trim();
}

// Function words of each language. Words shared by two of them ("di" id/it, "a" en/it, "in" en/it, "per" id/it,
// "come", "me", "no", "se"/"so"…) are left out: they cannot tell the languages apart.
const FUNCTION_WORDS = {
  en: `the and of to for is are was were be been this that these those with from not does do did don i you your we our
    they it its or on at as by an if would could should can will may must than then there their what which who how
    when where why about into only also any some more has have had but all just rather here`,
  id: `yang dan dari untuk dengan ini itu tidak ada dapat bisa adalah atau juga akan sudah dalam pada oleh saya anda kami
    kita ke apa bagi jika kalau karena tetapi namun lebih belum masih harus perlu sebagai tersebut atas serta hingga
    sampai tentang setelah sebelum agar mungkin ingin hanya bahwa secara para sebuah telah sedang menjadi bukan
    kalian mereka sini`,
  it: `il lo la le gli un una uno e ed del dello della delle dei degli al allo alla alle ai agli dal dallo dalla dalle dai
    nel nello nella nelle nei sul sulla sulle sui che non sono ha hanno questo questa questi queste quello quella piu
    ma anche puo tuo tua tu ti ci si o qui con da tra fra essere stato perche quando dove cosa chi mio mia`,
};
const FW = Object.fromEntries(Object.entries(FUNCTION_WORDS).map(([l, s]) => [l, new Set(s.split(/\s+/).filter(Boolean))]));

/** Function-word counts of `text` per language, and the language with the most (null when none or a tie). */
export function detectLanguage(text) {
  const words = normalize(text).split(/[^a-z]+/).filter(Boolean);
  const counts = Object.fromEntries(LANGS.map((l) => [l, words.filter((w) => FW[l].has(w)).length]));
  const best = Math.max(...Object.values(counts));
  const top = LANGS.filter((l) => counts[l] === best);
  return { lang: best > 0 && top.length === 1 ? top[0] : null, counts };
}

/** The language of the answer's framing (see framingText), or null when it cannot be told. */
export function framingLanguage(answer) {
  return detectLanguage(framingText(answer)).lang;
}

// ── helpers ────────────────────────────────────────────────────────────────────────────────────────────

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const pct = (xs, p) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const ratio = (a, b) => (b ? a / b : null);
const jsonl = (text) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

export function loadQuestions(file = QUESTIONS_FILE) {
  return jsonl(readFileSync(file, 'utf8'));
}


async function chat(url, query) {
  for (let attempt = 0; ; attempt++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/bali-zero/chat`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query }) });
    const text = await res.text();
    const ms = performance.now() - t0;
    if (res.status === 429 && attempt < 5) {
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') || 1)));
      continue;
    }
    let json = null;
    try { json = JSON.parse(text); } catch { /* reported below */ }
    return { status: res.status, json, text, ms };
  }
}

// ── the evaluation ─────────────────────────────────────────────────────────────────────────────────────

/** Scores one question's response (pure: used by the evaluation and its tests). */
export function scoreAnswer(q, r) {
  const ok = r.status === 200 && r.json && typeof r.json.answer === 'string';
  const answer = ok ? r.json.answer : '';
  const answerable = q.answerable !== false;
  const facts = answerable ? scoreFacts(q.facts, answer) : null;
  const framing = detectLanguage(framingText(answer));
  return {
    id: q.id, lang: q.lang, topic: q.topic, answerable,
    status: r.status, error: ok ? undefined : (r.text ?? '').slice(0, 300),
    ms: r.ms, server_ms: ok ? r.json.latency_ms : undefined,
    provider: ok ? r.json.provider : undefined,
    abstained: ok ? r.json.answerable === false : undefined,
    confidence: ok ? r.json.confidence : undefined,
    // The answerability check's inputs, for scripts/fit-assess.mjs.
    signals: ok ? r.json.signals : undefined,
    facts_share: facts?.share, facts_total: facts ? facts.found.length + facts.missing.length : 0, missing: facts?.missing ?? [],
    framing_lang: framing.lang, framing_counts: framing.counts, lang_match: framing.lang === q.lang,
    answer,
  };
}

function factsSummary(rows) {
  return { questions: rows.length, mean: mean(rows.map((r) => r.facts_share)), complete: ratio(rows.filter((r) => r.facts_share === 1).length, rows.length) };
}

export function summariseAnswers(rows) {
  const langs = [...new Set([...LANGS.filter((l) => rows.some((r) => r.lang === l)), ...rows.map((r) => r.lang)])];
  const ans = rows.filter((r) => r.answerable);
  const out = rows.filter((r) => !r.answerable);
  const topics = [...new Set(ans.map((r) => r.topic))].sort();
  const abst = (rs) => {
    const pos = rs.filter((r) => !r.answerable);
    const neg = rs.filter((r) => r.answerable);
    const tp = pos.filter((r) => r.abstained).length;
    const fp = neg.filter((r) => r.abstained).length;
    return {
      out_of_kb: pos.length, answerable: neg.length, abstained: tp + fp, true_abstentions: tp, false_abstentions: fp,
      precision: ratio(tp, tp + fp), recall: ratio(tp, pos.length), false_abstention_rate: ratio(fp, neg.length),
    };
  };
  const langMatch = (rs) => ({
    questions: rs.length, match: ratio(rs.filter((r) => r.lang_match).length, rs.length),
    detected: Object.fromEntries([...LANGS, null].map((l) => [String(l), rs.filter((r) => r.framing_lang === l).length]).filter(([, n]) => n)),
  });
  const ms = rows.map((r) => r.ms);
  return {
    questions: rows.length,
    errors: rows.filter((r) => r.status !== 200).length,
    providers: rows.reduce((m, r) => ({ ...m, [r.provider ?? 'error']: (m[r.provider ?? 'error'] ?? 0) + 1 }), {}),
    facts: {
      overall: factsSummary(ans),
      by_language: Object.fromEntries(langs.map((l) => [l, factsSummary(ans.filter((r) => r.lang === l))])),
      by_topic: Object.fromEntries(topics.map((t) => [t, {
        ...factsSummary(ans.filter((r) => r.topic === t)),
        by_language: Object.fromEntries(langs.map((l) => [l, factsSummary(ans.filter((r) => r.topic === t && r.lang === l))])),
      }])),
    },
    abstention: { ...abst(rows), by_language: Object.fromEntries(langs.map((l) => [l, abst(rows.filter((r) => r.lang === l))])) },
    language: { overall: langMatch(rows), by_language: Object.fromEntries(langs.map((l) => [l, langMatch(rows.filter((r) => r.lang === l))])) },
    latency_ms: { p50: pct(ms, 50), p95: pct(ms, 95), mean: mean(ms), server_p50: pct(rows.map((r) => r.server_ms).filter((x) => typeof x === 'number'), 50), server_p95: pct(rows.map((r) => r.server_ms).filter((x) => typeof x === 'number'), 95) },
    n_out_of_kb: out.length,
  };
}

/** The misses file: fact misses, abstention errors and language mismatches, answers cut to 300 characters. */
export function missesOf(rows, questions) {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const head = (r) => ({ id: r.id, lang: r.lang, topic: r.topic, question: byId.get(r.id)?.question });
  const cut = (s) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);
  return {
    facts: rows.filter((r) => r.answerable && r.facts_share < 1).map((r) => ({
      ...head(r), facts_share: r.facts_share, missing: r.missing, abstained: r.abstained, confidence: r.confidence,
      ...(r.error ? { status: r.status, error: r.error } : {}), answer: cut(r.answer),
    })),
    false_abstentions: rows.filter((r) => r.answerable && r.abstained).map((r) => ({ ...head(r), confidence: r.confidence })),
    missed_abstentions: rows.filter((r) => !r.answerable && r.abstained === false).map((r) => ({ ...head(r), confidence: r.confidence, answer: cut(r.answer) })),
    language_mismatches: rows.filter((r) => !r.lang_match).map((r) => ({ ...head(r), framing_lang: r.framing_lang, framing_counts: r.framing_counts, framing: cut(framingText(r.answer)) })),
  };
}

export async function evalAnswers(url, { file, concurrency = 1, onProgress } = {}) {
  const questions = loadQuestions(file);
  onProgress?.(`answers: ${questions.length} questions through POST /bali-zero/chat`);
  let done = 0;
  let last = performance.now();
  const rows = await pool(questions, concurrency, async (q) => {
    const r = scoreAnswer(q, await chat(url, q.question));
    done++;
    if (performance.now() - last > 15_000) {
      onProgress?.(`  … ${done}/${questions.length} answered`);
      last = performance.now();
    }
    return r;
  });
  return {
    dataset: file ? String(file) : 'kb-build/eval/questions.jsonl',
    concurrency,
    summary: summariseAnswers(rows),
    misses: missesOf(rows, questions),
    per_question: rows.map(({ answer, framing_counts, ...r }) => r),
  };
}

// ── report ─────────────────────────────────────────────────────────────────────────────────────────────

const f3 = (x) => (typeof x === 'number' ? x.toFixed(3) : '–');
const f0 = (x) => (typeof x === 'number' ? x.toFixed(0) : '–');

export function answersMarkdown(result) {
  const s = result.summary;
  const langs = Object.keys(s.facts.by_language);
  const L = [];
  L.push(`Answers (${result.dataset}; ${s.questions} questions, ${s.n_out_of_kb} outside the KB; POST /bali-zero/chat {query}, language detected; providers: ${Object.entries(s.providers).map(([k, v]) => `${k} ${v}`).join(', ')}${s.errors ? `; ${s.errors} errors` : ''})`, '');
  L.push(`| | all | ${langs.join(' | ')} |`, `|---|---|${langs.map(() => '---|').join('')}`);
  L.push(`| key facts (mean share) | ${f3(s.facts.overall.mean)} | ${langs.map((l) => f3(s.facts.by_language[l].mean)).join(' | ')} |`);
  L.push(`| all facts present (share of questions) | ${f3(s.facts.overall.complete)} | ${langs.map((l) => f3(s.facts.by_language[l].complete)).join(' | ')} |`);
  L.push(`| abstention precision | ${f3(s.abstention.precision)} | ${langs.map((l) => f3(s.abstention.by_language[l].precision)).join(' | ')} |`);
  L.push(`| abstention recall | ${f3(s.abstention.recall)} | ${langs.map((l) => f3(s.abstention.by_language[l].recall)).join(' | ')} |`);
  L.push(`| false-abstention rate | ${f3(s.abstention.false_abstention_rate)} | ${langs.map((l) => f3(s.abstention.by_language[l].false_abstention_rate)).join(' | ')} |`);
  L.push(`| framing in the question's language | ${f3(s.language.overall.match)} | ${langs.map((l) => f3(s.language.by_language[l].match)).join(' | ')} |`);
  L.push('');
  const a = s.abstention;
  L.push(`Abstention: ${a.true_abstentions} of ${a.out_of_kb} out-of-KB questions abstained, ${a.false_abstentions} of ${a.answerable} answerable ones did. Latency (client, concurrency ${result.concurrency}): p50 ${f0(s.latency_ms.p50)} ms, p95 ${f0(s.latency_ms.p95)} ms (server-reported p50 ${f0(s.latency_ms.server_p50)}, p95 ${f0(s.latency_ms.server_p95)} ms).`, '');
  const mism = Object.entries(s.language.by_language).filter(([l, v]) => v.match < 1).map(([l, v]) => `${l} → ${Object.entries(v.detected).filter(([d]) => d !== l).map(([d, n]) => `${d === 'null' ? 'undetermined' : d} ${n}`).join(', ')}`);
  if (mism.length) L.push(`Framing language mismatches: ${mism.join('; ')}.`, '');
  L.push('Key facts by topic (mean share of facts present):', '');
  L.push(`| topic | n | all | ${langs.join(' | ')} |`, `|---|---|---|${langs.map(() => '---|').join('')}`);
  for (const [t, v] of Object.entries(s.facts.by_topic)) {
    L.push(`| ${t} | ${v.questions} | ${f3(v.mean)} | ${langs.map((l) => (v.by_language[l].questions ? f3(v.by_language[l].mean) : '–')).join(' | ')} |`);
  }
  L.push('');
  return L.join('\n');
}

async function main() {
  const argv = process.argv.slice(2);
  const opt = (name, def) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : def;
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: node scripts/eval-answers.mjs --url http://127.0.0.1:8787 [--questions FILE] [--concurrency 1] [--json FILE] [--misses FILE]');
    return;
  }
  const url = opt('url', 'http://127.0.0.1:8787').replace(/\/$/, '');
  const file = opt('questions') ? resolve(opt('questions')) : undefined;
  const out = await evalAnswers(url, { file, concurrency: Number(opt('concurrency', 1)), onProgress: (m) => process.stderr.write(`[eval-answers] ${m}\n`) });
  console.log(answersMarkdown(out));
  const missesFile = resolve(opt('misses', join(ROOT, 'bench-results', 'answer-misses.json')));
  mkdirSync(dirname(missesFile), { recursive: true });
  writeFileSync(missesFile, JSON.stringify(out.misses, null, 2));
  console.log(`misses: ${missesFile}`);
  const json = opt('json');
  if (json) writeFileSync(json, JSON.stringify(out, null, 2));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e?.stack || String(e));
    process.exit(1);
  });
}

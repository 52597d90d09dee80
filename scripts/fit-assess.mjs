#!/usr/bin/env node
// Fits the answerability check's logistic weights (shared/src/answer/assess.rs, `W`) to an answer evaluation,
// and shows what they would do on questions they were not fitted on.
//
//   node scripts/fit-assess.mjs bench-results/eval-<timestamp>.json [more eval outputs…] [--folds 10]
//     [--features coverage,vector,bm25,terms] [--miss-cost 3] [--test held-out-eval.json]
//
// Several eval outputs (say, one per question set) are fitted together; --test scores the weights on another
// set's output that took no part in the fit.
//
// The input is what `make eval` writes: every question's answerable label and the signals the chat reported
// (coverage, nearest cosine, BM25 per term, the number of terms, tool). The model is the one assess.rs computes:
//   z = bias + coverage·c + vector·(cos − 0.85)·100 + bm25·min(bm25_per_term, 8) + terms·ln(1 + n);
//   answerable when σ(z) ≥ 0.5,
// and a tool that answered with data makes a question answerable. An out-of-KB question the check lets through
// (an answer made of unrelated passages) costs --miss-cost times a false "I don't know" on an answerable one (which
// still shows the closest statements when the confidence is above RELATED_FLOOR): 3 by default; 8.5 would weigh
// the eval set's two classes (27 out-of-KB, 230 answerable questions) equally. The figures printed are those of k-fold cross-validation
// (stratified by label and language; each question judged by weights fitted without it), for the weights in
// assess.rs as they are and for a refit; then the refit on every question, as Rust to paste into assess.rs.
// Extra features to try: union_coverage, agreement, bm25_sqrt (the best BM25 per square root of the terms).
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VECTOR_CENTER = 0.85;
const BM25_CAP = 8;

/** The feature values of one question's signals, in the order of `names`. */
export function features(s, names) {
  const f = {
    coverage: s.coverage,
    union_coverage: s.union_coverage,
    vector: s.vector == null ? 0 : (s.vector - VECTOR_CENTER) * 100,
    bm25: Math.min(s.bm25_per_term ?? 0, BM25_CAP),
    // The best BM25 per square root of the terms, not per term (a long question's terms are mostly in no passage).
    bm25_sqrt: Math.min((s.bm25_per_term ?? 0) * Math.sqrt(Math.max(s.terms ?? 1, 1)), 3 * BM25_CAP),
    agreement: s.agreement ? 1 : 0,
    terms: Math.log(1 + (s.terms ?? 0)),
  };
  return names.map((n) => {
    if (!(n in f)) throw new Error(`unknown feature ${n}`);
    return f[n];
  });
}

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

/** Class-weighted logistic regression by Newton's method (a small ridge keeps it defined when separable). */
export function fit(X, y, { ridge = 1e-3, missCost = 3 } = {}) {
  const d = X[0].length + 1;
  const cw = (yi) => (yi ? 1 : missCost);
  let w = new Array(d).fill(0);
  for (let iter = 0; iter < 50; iter++) {
    const g = new Array(d).fill(0);
    const H = Array.from({ length: d }, () => new Array(d).fill(0));
    X.forEach((x, i) => {
      const xi = [1, ...x];
      const p = sigmoid(xi.reduce((s, v, k) => s + v * w[k], 0));
      const c = cw(y[i]);
      for (let a = 0; a < d; a++) {
        g[a] += c * (p - (y[i] ? 1 : 0)) * xi[a];
        for (let b = 0; b < d; b++) H[a][b] += c * p * (1 - p) * xi[a] * xi[b];
      }
    });
    for (let a = 1; a < d; a++) {
      g[a] += ridge * w[a] * y.length;
      H[a][a] += ridge * y.length;
    }
    const step = solve(H, g);
    w = w.map((v, k) => v - step[k]);
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  return w;
}

/** Solves A x = b by Gaussian elimination with partial pivoting. */
function solve(A, b) {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    if (Math.abs(M[c][c]) < 1e-12) return new Array(n).fill(0);
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}

/** The confidence assess.rs would give (rounded as it rounds), tool override included. */
export function confidence(w, x, tool) {
  const z = [1, ...x].reduce((s, v, k) => s + v * w[k], 0);
  const p = tool ? Math.max(sigmoid(z), 0.9) : sigmoid(z);
  return Math.round(p * 100) / 100;
}

/** Abstention precision and recall on the out-of-KB questions, and the false-abstention rate per language. */
export function scores(rows, conf) {
  const abst = rows.map((r, i) => conf[i] < 0.5);
  const out = rows.map((r) => !r.answerable);
  const tp = abst.filter((a, i) => a && out[i]).length;
  const fp = abst.filter((a, i) => a && !out[i]).length;
  const nOut = out.filter(Boolean).length;
  const byLang = {};
  rows.forEach((r, i) => {
    if (!r.answerable) return;
    byLang[r.lang] ??= { n: 0, fa: 0 };
    byLang[r.lang].n++;
    if (abst[i]) byLang[r.lang].fa++;
  });
  const logloss = -rows.reduce((s, r, i) => {
    const p = Math.min(Math.max(conf[i], 1e-3), 1 - 1e-3);
    return s + (r.answerable ? Math.log(p) : Math.log(1 - p));
  }, 0) / rows.length;
  return { precision: tp + fp ? tp / (tp + fp) : 0, recall: nOut ? tp / nOut : 0, falseAbstention: fp / (rows.length - nOut), byLang, logloss };
}

/** Fold of each row: stratified by label and language, rows in id order dealt round-robin. */
function folds(rows, k) {
  const groups = new Map();
  rows.forEach((r, i) => {
    const key = `${r.answerable}/${r.lang}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(i);
  });
  const fold = new Array(rows.length);
  let next = 0;
  for (const idx of groups.values()) {
    idx.sort((a, b) => (rows[a].id < rows[b].id ? -1 : 1));
    for (const i of idx) fold[i] = next++ % k;
  }
  return fold;
}

/** The weights in assess.rs now, in the order of `FEATURES` (coverage, vector, bm25, terms). */
function currentWeights(FEATURES) {
  const src = readFileSync(join(ROOT, 'shared/src/answer/assess.rs'), 'utf8');
  const num = (name) => Number(src.match(new RegExp(`\\b${name}:\\s*(-?[0-9.]+)`))[1]);
  return [num('bias'), ...FEATURES.map((f) => num(f))];
}

/** The questions of one `make eval` output that carry the chat's signals. */
function load(file) {
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const rows = (data.answers?.per_question ?? []).filter((r) => r.status === 200 && r.signals);
  if (!rows.length) throw new Error(`${file}: no per-question signals (run make eval with this version of scripts/eval-answers.mjs)`);
  return rows;
}

function main() {
  const argv = process.argv.slice(2);
  const opt = (name, def) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : def;
  };
  const files = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));
  if (!files.length) {
    console.error('usage: node scripts/fit-assess.mjs bench-results/eval-<timestamp>.json [more eval outputs…] [--folds 10] [--features coverage,vector,bm25,terms] [--miss-cost 3] [--test held-out-eval.json]');
    process.exit(2);
  }
  const FOLDS = Number(opt('folds', '10'));
  const FEATURES = opt('features', 'coverage,vector,bm25,terms').split(',');
  const MISS_COST = Number(opt('miss-cost', '3'));
  const rows = files.flatMap(load);
  const testFile = opt('test');
  const X = rows.map((r) => features(r.signals, FEATURES));
  const y = rows.map((r) => r.answerable);
  const tool = rows.map((r) => Boolean(r.signals.tool));
  const fold = folds(rows, FOLDS);
  const cv = new Array(rows.length);
  for (let k = 0; k < FOLDS; k++) {
    const train = rows.map((_, i) => i).filter((i) => fold[i] !== k);
    const w = fit(train.map((i) => X[i]), train.map((i) => y[i]), { missCost: MISS_COST });
    rows.forEach((_, i) => { if (fold[i] === k) cv[i] = confidence(w, X[i], tool[i]); });
  }
  const fmt = (s) => `abstention P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)}, false abstention ${(100 * s.falseAbstention).toFixed(1)}% (${Object.entries(s.byLang).map(([l, v]) => `${l} ${(100 * v.fa / v.n).toFixed(1)}%`).join(', ')}), log-loss ${s.logloss.toFixed(3)}`;
  console.log(`${rows.length} questions (${y.filter((v) => !v).length} out of the knowledge base), features: ${FEATURES.join(', ')}, miss cost ${MISS_COST}`);
  const same = FEATURES.join() === 'coverage,vector,bm25,terms';
  if (same) {
    const cur = currentWeights(FEATURES);
    console.log(`weights in assess.rs, on every question:   ${fmt(scores(rows, rows.map((_, i) => confidence(cur, X[i], tool[i]))))}`);
  }
  console.log(`refit, ${FOLDS}-fold cross-validated:        ${fmt(scores(rows, cv))}`);
  const all = fit(X, y, { missCost: MISS_COST });
  console.log(`refit on every question, on every question: ${fmt(scores(rows, rows.map((_, i) => confidence(all, X[i], tool[i]))))}`);
  if (testFile) {
    const test = load(testFile);
    const Xt = test.map((r) => features(r.signals, FEATURES));
    const conf = (w) => test.map((r, i) => confidence(w, Xt[i], Boolean(r.signals.tool)));
    console.log(`\non ${testFile} (${test.length} questions, ${test.filter((r) => !r.answerable).length} out of the knowledge base), not fitted on:`);
    if (same) console.log(`  weights in assess.rs:   ${fmt(scores(test, conf(currentWeights(FEATURES))))}`);
    console.log(`  refit on every question: ${fmt(scores(test, conf(all)))}`);
  }
  console.log(`\nweights: bias ${all[0].toFixed(3)}, ${FEATURES.map((f, k) => `${f} ${all[k + 1].toFixed(3)}`).join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();

#!/usr/bin/env node
// Chat benchmark (issue 5): time to first token and to the whole answer with the offline provider, and
// the router's own overhead per request against a direct call to the same provider (a local fake that
// speaks the OpenAI wire format), measured in one run. Prints a table and writes JSON if --out is given.
//   node scripts/bench-chat.mjs [--n 40] [--out file.json]
// Needs a built worker (make build) and the knowledge base source data (../shared).
import { writeFileSync } from 'node:fs';
import { startStack } from '../tests/support/stack.mjs';
import { loadKb } from '../tests/support/kb.mjs';
import { startFakeLlm, fakeProviderVars } from '../tests/support/fake-llm.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const N = Number(arg('n', 40));
const QUERIES = [
  'How much is a C1 tourism visa and can I extend it?',
  'What are the requirements for the E33G remote worker KITAS?',
  'Berapa modal minimum PT PMA?',
  'Quanto costa il KITAS per investitori E28A?',
  'Which KBLI code is for a restaurant?',
];

/** Streams one request; returns ms to the first byte of the first token event and to the end. */
async function timed(url, body) {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let first = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    if (first === null && (/event: token/.test(buf) || /"content":"[^"]/.test(buf))) first = performance.now() - t0;
  }
  return { first: first ?? NaN, total: performance.now() - t0 };
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const stats = (xs) => ({ p50: +pct(xs, 50).toFixed(1), p95: +pct(xs, 95).toFixed(1), max: +Math.max(...xs).toFixed(1) });

async function series(n, fn) {
  for (let i = 0; i < 3; i++) await fn(i); // warm-up, not measured
  const first = [];
  const total = [];
  for (let i = 0; i < n; i++) {
    const r = await fn(i);
    first.push(r.first);
    total.push(r.total);
  }
  return { ttft_ms: stats(first), total_ms: stats(total) };
}

const fake = await startFakeLlm();
const offline = await startStack({ vars: { RATE_LIMITS: 'off', SEARCH_CACHE_TTL_SECS: '0' }, load: (p) => loadKb(p) });
const routed = await startStack({ vars: { RATE_LIMITS: 'off', SEARCH_CACHE_TTL_SECS: '0', ...fakeProviderVars(fake.base, ['openai']) }, load: (p) => loadKb(p) });
try {
  const results = {
    offline: await series(N, (i) => timed(`${offline.url}/bali-zero/chat-stream`, { query: QUERIES[i % QUERIES.length] })),
    direct_provider: await series(N, () => timed(`${fake.base}/openai/v1/chat/completions`, { model: 'gpt-fake', stream: true, messages: [{ role: 'user', content: 'hi' }] })),
    via_router: await series(N, (i) => timed(`${routed.url}/bali-zero/chat-stream`, { query: QUERIES[i % QUERIES.length] })),
  };
  results.router_overhead_ms = {
    ttft_p50: +(results.via_router.ttft_ms.p50 - results.direct_provider.ttft_ms.p50).toFixed(1),
    total_p50: +(results.via_router.total_ms.p50 - results.direct_provider.total_ms.p50).toFixed(1),
  };
  console.log(`chat benchmark, ${N} sequential requests each (after 3 warm-up), wrangler dev on loopback`);
  console.log('| path | TTFT p50 | TTFT p95 | total p50 | total p95 |');
  console.log('|---|---|---|---|---|');
  for (const k of ['offline', 'direct_provider', 'via_router']) {
    const r = results[k];
    console.log(`| ${k} | ${r.ttft_ms.p50} | ${r.ttft_ms.p95} | ${r.total_ms.p50} | ${r.total_ms.p95} |`);
  }
  console.log(`router overhead (via_router − direct_provider, p50): first token +${results.router_overhead_ms.ttft_p50} ms, whole answer +${results.router_overhead_ms.total_p50} ms`);
  console.log('(the routed path includes retrieval over the full knowledge base, tools and storage; the direct call is the provider alone)');
  const out = arg('out');
  if (out) writeFileSync(out, JSON.stringify(results, null, 2));
} finally {
  await offline.stop();
  await routed.stop();
  await fake.close();
}

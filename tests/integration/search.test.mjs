// Knowledge-base search on the real knowledge base (KBLI 2020, PP 28/2025, the price list, the authored
// collections) loaded by kb-build into the local D1/R2: must-show queries, citations, collections,
// documents, the KV cache, and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, OPS } from '../support/stack.mjs';
import { loadKb } from '../support/kb.mjs';

let stack;
before(async () => { stack = await startStack({ vars: { RATE_LIMITS: 'off' }, load: (p) => loadKb(p) }); });
after(async () => { await stack?.stop(); });

const search = async (body) => {
  const res = await fetch(`${stack.url}/api/search`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
};

test('"KBLI restoran" returns 56101 first with its citation', async () => {
  const { status, json } = await search({ query: 'KBLI restoran' });
  assert.equal(status, 200);
  assert.equal(json.mode, 'keyword');
  assert.match(json.notice, /keyword/);
  const top = json.results[0];
  assert.equal(top.citation.document_id, 'kbli/56101');
  assert.equal(top.collection, 'kbli_eye');
  assert.match(top.citation.label, /KBLI 56101/);
  assert.equal(top.citation.document_link, '/api/documents/kbli%2F56101');
  assert.match(top.text, /Restoran/);
  const marked = top.snippet.highlights.map(([a, b]) => top.snippet.text.slice(a, b).toLowerCase());
  assert.ok(marked.includes('restoran') && marked.includes('kbli'), marked.join(','));
});

test('codes match exactly: 56101, E33G, C1', async () => {
  assert.equal((await search({ query: '56101' })).json.results[0].citation.document_id, 'kbli/56101');
  const e33g = (await search({ query: 'E33G' })).json.results[0];
  assert.match(e33g.citation.title + e33g.text, /E33G/);
  const c1 = (await search({ query: 'C1 price', collections: ['bali_zero_pricing'] })).json.results[0];
  assert.match(c1.text, /C1 Tourism/);
});

test('legal questions cite "PP 28/2025 Pasal N" with the page', async () => {
  const { json } = await search({ query: 'PP 28/2025 Pasal 211', collections: ['legal_architect'] });
  const top = json.results[0];
  assert.equal(top.citation.label, 'PP 28/2025 Pasal 211');
  assert.equal(top.citation.section, 'Pasal 211');
  assert.equal(typeof top.citation.page, 'number');
  const semantic = await search({ query: 'perizinan berusaha berbasis risiko tingkat risiko tinggi izin' });
  assert.ok(semantic.json.results.some((r) => /^PP 28\/2025 (Penjelasan )?Pasal \d+/.test(r.citation.label)));
});

test('English, Indonesian and Italian queries reach the right collections', async () => {
  const cases = [
    ['remote worker stay permit income requirement', /E33G/],
    ['pajak penghasilan pasal 21 karyawan', /PPh 21/],
    ['visto per pensionati in Indonesia', /E33F|retire|pension/i],
    ['Nyepi day of silence airport', /Nyepi/],
  ];
  for (const [q, re] of cases) {
    const { json } = await search({ query: q, top_k: 5 });
    assert.ok(json.results.slice(0, 5).some((r) => re.test(r.citation.title + ' ' + r.text)), `${q}: ${json.results.map((r) => r.citation.label).join(' | ')}`);
  }
});

test('collections list counts documents and chunks; documents open with their chunks and raw source', async () => {
  const cols = await (await fetch(`${stack.url}/api/collections`)).json();
  const names = cols.collections.map((c) => c.name);
  assert.ok(names.length >= 14, names.join(','));
  for (const c of cols.collections) assert.ok(c.documents > 0 && c.chunks > 0, c.name);
  assert.equal(cols.collections.find((c) => c.name === 'kbli_eye').documents, 1790);
  const doc = await (await fetch(`${stack.url}/api/documents/kbli%2F56101`)).json();
  assert.equal(doc.collection, 'kbli_eye');
  assert.match(doc.chunks[0].text, /Restoran/);
  const raw = await fetch(`${stack.url}${doc.source_link}`);
  assert.equal(raw.status, 200);
  assert.match(raw.headers.get('content-type'), /json/);
  const md = await fetch(`${stack.url}/api/documents/${encodeURIComponent('kitas_kitap/e33g-remote-worker.md')}?raw=1`);
  assert.equal(md.status, 200);
  assert.match(await md.text(), /^---\ntitle:/);
  assert.equal((await fetch(`${stack.url}/api/documents/nope%2Fnothing`)).status, 404);
});

test('identical searches are served from the KV cache and counted in /metrics', async () => {
  const body = { query: 'golden visa investment amount', top_k: 4 };
  const first = await search(body);
  const second = await search({ ...body, query: '  Golden   VISA investment amount ' });
  assert.equal(first.json.cached, false);
  assert.equal(second.json.cached, true);
  assert.deepEqual(second.json.results.map((r) => r.chunk_id), first.json.results.map((r) => r.chunk_id));
  const metrics = await (await fetch(`${stack.url}/metrics`, OPS)).text();
  assert.match(metrics, /nuzantara_search_cache_hits_total [1-9]/);
});

test('bad input: empty, 10 KB, unknown collection, top_k out of range → 422; FTS syntax and SQL are just text', async () => {
  for (const body of [{ query: '' }, { query: 'x'.repeat(10 * 1024) }, { query: 'visa', collections: ['nope'] }, { query: 'visa', top_k: 0 }, { query: 'visa', top_k: 51 }, { query: 'visa', mode: 'vector' }]) {
    const r = await search(body);
    assert.equal(r.status, 422, JSON.stringify(body).slice(0, 80));
    assert.equal(r.json.error.code, 'validation_failed');
  }
  for (const query of ['"', '*', 'NEAR(visa kitas)', '-visa', 'visa AND OR NOT', "'; DROP TABLE kb_chunks; --", '"unterminated', '^', '()']) {
    const r = await search({ query });
    assert.equal(r.status, 200, query);
    assert.ok(Array.isArray(r.json.results));
  }
  const after = await search({ query: 'KBLI restoran' });
  assert.equal(after.json.results[0].citation.document_id, 'kbli/56101', 'the index is intact');
});

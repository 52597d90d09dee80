// The chat with the offline provider (no keys configured) on the real knowledge base: the SSE event
// sequence, pricing tools, citations, storage, conversations, memory, resumption and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../support/stack.mjs';
import { seedPeople } from '../support/seed.mjs';
import { loadKb } from '../support/kb.mjs';
import { parseSse } from '../support/fake-llm.mjs';

let stack;
let people;
before(async () => {
  stack = await startStack({ vars: { RATE_LIMITS: 'off', EXCHANGE_RATES: '{"EUR":0.000056,"USD":0.000061}' }, load: async (p) => { people = await seedPeople(p); loadKb(p); } });
});
after(async () => { await stack?.stop(); });

const post = (path, body, headers = {}) =>
  fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
const login = async (who, portal = 'team') => {
  const p = people[who];
  return (await (await post(`/api/auth/${portal}/login`, { email: p.email, password: p.password })).json()).access_token;
};
const stream = async (body, headers) => {
  const res = await post('/bali-zero/chat-stream', body, headers);
  return { res, events: parseSse(await res.text()) };
};

test('the C1 question streams meta, a pricing tool, tokens, sources and done, uncompressed and uncached', async () => {
  const { res, events } = await stream({ query: 'How much is a C1 tourism visa and can I extend it?' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  assert.match(res.headers.get('cache-control'), /no-cache/);
  assert.ok(!res.headers.get('content-encoding') || res.headers.get('content-encoding') === 'identity');
  const names = events.map((e) => e.event);
  assert.equal(names[0], 'meta');
  assert.equal(names.at(-1), 'done');
  assert.ok(names.indexOf('tool') < names.indexOf('token'), names.join(','));
  assert.ok(names.indexOf('sources') > names.lastIndexOf('token'));
  const meta = events[0].json;
  assert.equal(meta.provider, 'offline');
  assert.equal(meta.retrieval_mode, 'keyword');
  assert.match(meta.conversation_id, /^[0-9a-f]{32}$/);
  const pricing = events.find((e) => e.event === 'tool' && e.json.name === 'get_pricing').json;
  assert.equal(pricing.ok, true);
  assert.equal(pricing.result.services[0].price_idr, 2300000);
  assert.equal(pricing.result.services[0].extension_idr, 1700000);
  const tokens = events.filter((e) => e.event === 'token');
  assert.ok(tokens.length > 3, 'streamed in several tokens');
  assert.deepEqual(tokens.map((t) => t.json.seq), tokens.map((_, i) => i));
  const answer = tokens.map((t) => t.json.text).join('');
  assert.match(answer, /2,300,000/);
  assert.match(answer, /1,700,000/);
  assert.match(answer, /\[1\]/, 'cites its sources');
  const sources = events.find((e) => e.event === 'sources').json.sources;
  assert.ok(sources.length > 0 && sources[0].n === 1 && sources[0].label && sources[0].document_link.startsWith('/api/documents/'));
  const done = events.at(-1).json;
  assert.equal(done.model, 'offline-extractive');
  assert.equal(done.fallbacks, 0);
  assert.ok(done.usage.output_tokens > 0 && typeof done.latency_ms === 'number');
  // Every event carries an id <message_id>:<n> in order.
  events.forEach((e, i) => assert.equal(e.id, `${meta.message_id}:${i}`));
});

test('answers follow the language: Indonesian and Italian', async () => {
  const id = await (await post('/bali-zero/chat', { query: 'Berapa harga KITAS E33G untuk pekerja remote?' })).json();
  assert.match(id.answer, /^Dari basis pengetahuan/);
  assert.ok(id.tools.some((t) => t.name === 'get_pricing' && t.ok));
  const it = await (await post('/bali-zero/chat', { query: 'Quanto costa il visto C1 e posso prorogarlo?' })).json();
  assert.match(it.answer, /^Dalla base di conoscenza/);
  assert.match(it.answer, /2,300,000/);
});

test('thanks and greetings get a short reply in their language, without a search or sources', async () => {
  for (const [query, reply] of [['Thanks, that helps!', /^You're welcome!/], ['Grazie mille', /^Prego!/], ['Selamat pagi', /^Halo!/]]) {
    const r = await (await post('/bali-zero/chat', { query })).json();
    assert.match(r.answer, reply, query);
    assert.deepEqual(r.sources, [], query);
    assert.equal(r.answerable, true, query);
  }
});

test('a follow-up in the same conversation is stored in order; signed-in users list, export and delete it', async () => {
  const token = await login('consultant');
  const auth = { Authorization: `Bearer ${token}` };
  const first = await (await post('/bali-zero/chat', { query: 'What is the E33G remote worker KITAS?' }, auth)).json();
  const second = await (await post('/bali-zero/chat', { query: 'And how much does it cost?', conversation_id: first.conversation_id }, auth)).json();
  assert.equal(second.conversation_id, first.conversation_id);
  // The follow-up keeps its subject: the price it answers with is the E33G's, not another permit's.
  assert.match(second.answer, /E33G/);
  assert.ok(second.tools.some((t) => t.name === 'get_pricing' && t.ok && /E33G/i.test(JSON.stringify(t))), JSON.stringify(second.tools));
  const conv = await (await fetch(`${stack.url}/api/conversations/${first.conversation_id}`, { headers: auth })).json();
  assert.deepEqual(conv.messages.map((m) => m.role), ['user', 'assistant', 'user', 'assistant']);
  assert.deepEqual(conv.messages.map((m) => m.seq), [1, 2, 3, 4]);
  assert.ok(conv.messages.every((m) => m.status === 'complete'));
  assert.equal(conv.messages[1].model, 'offline-extractive');
  assert.ok(conv.messages[1].sources.length > 0);
  const list = await (await fetch(`${stack.url}/api/conversations?q=E33G`, { headers: auth })).json();
  assert.ok(list.conversations.some((c) => c.id === first.conversation_id && c.message_count === 4));
  const md = await fetch(`${stack.url}/api/conversations/${first.conversation_id}/export?format=md`, { headers: auth });
  assert.match(md.headers.get('content-disposition'), /attachment; filename="conversation-/);
  const text = await md.text();
  assert.match(text, /## You\n\nWhat is the E33G remote worker KITAS\?/);
  assert.match(text, /Sources:\n1\. /);
  const json = await (await fetch(`${stack.url}/api/conversations/${first.conversation_id}/export?format=json`, { headers: auth })).json();
  assert.equal(json.messages.length, 4);
  const fb = await post(`/api/messages/${second.message_id}/feedback`, { value: -1 }, auth);
  assert.equal(fb.status, 200);
  // Another user cannot see it, rate it, continue it or delete it.
  const other = { Authorization: `Bearer ${await login('client', 'client')}` };
  assert.equal((await fetch(`${stack.url}/api/conversations/${first.conversation_id}`, { headers: other })).status, 404);
  assert.equal((await post(`/api/messages/${second.message_id}/feedback`, { value: 1 }, other)).status, 404);
  assert.equal((await post('/bali-zero/chat', { query: 'more', conversation_id: first.conversation_id }, other)).status, 404);
  assert.equal((await fetch(`${stack.url}/api/conversations/${first.conversation_id}`, { method: 'DELETE', headers: other })).status, 404);
  assert.equal((await fetch(`${stack.url}/api/conversations/${first.conversation_id}`, { method: 'DELETE', headers: auth })).status, 200);
  assert.equal((await fetch(`${stack.url}/api/conversations/${first.conversation_id}`, { headers: auth })).status, 404);
});

test('"remember that…" saves a memory fact; facts can be listed, edited and deleted', async () => {
  const auth = { Authorization: `Bearer ${await login('client', 'client')}` };
  const r = await (await post('/bali-zero/chat', { query: 'Remember that my KITAS expires in March 2027.' }, auth)).json();
  assert.ok(r.tools.some((t) => t.name === 'save_memory' && t.ok), JSON.stringify(r.tools));
  const facts = (await (await fetch(`${stack.url}/api/memory`, { headers: auth })).json()).facts;
  const fact = facts.find((f) => f.content === 'my KITAS expires in March 2027');
  assert.ok(fact);
  const edited = await fetch(`${stack.url}/api/memory/${fact.id}`, { method: 'PATCH', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ content: 'my KITAS expires in April 2027' }) });
  assert.equal(edited.status, 200);
  const added = await post('/api/memory', { content: 'I am Italian' }, auth);
  assert.equal(added.status, 201);
  const recall = await (await post('/api/tools/retrieve_memory', { query: 'April' }, auth)).json();
  assert.match(recall.summary, /April 2027/);
  assert.doesNotMatch(recall.summary, /Italian/);
  assert.equal((await fetch(`${stack.url}/api/memory/${fact.id}`, { method: 'DELETE', headers: auth })).status, 200);
  const anonymous = await post('/api/tools/save_memory', { fact: 'no one to remember it for' });
  assert.equal(anonymous.status, 403);
});

test('a reconnect with Last-Event-ID gets exactly the rest of the answer', async () => {
  const body = { query: 'What are the requirements for a KITAS E28A investor?', session_id: 'resume-test-1' };
  const { events } = await stream(body);
  const cut = 3;
  const { res, events: rest } = await stream(body, { 'Last-Event-ID': events[cut].id });
  assert.equal(res.status, 200);
  assert.deepEqual(rest.map((e) => e.id), events.slice(cut + 1).map((e) => e.id));
  assert.deepEqual(rest.map((e) => e.data), events.slice(cut + 1).map((e) => e.data));
  // Someone else's session cannot resume it.
  const stranger = await post('/bali-zero/chat-stream', { ...body, session_id: 'someone-else' }, { 'Last-Event-ID': events[cut].id });
  assert.equal(stranger.status, 404);
  const bogus = await post('/bali-zero/chat-stream', body, { 'Last-Event-ID': 'nonsense' });
  assert.equal(bogus.status, 422);
});

test('tools: listed per role, validated before they run, priced from the table', async () => {
  const anon = (await (await fetch(`${stack.url}/api/tools`)).json()).tools.map((t) => t.name);
  assert.ok(anon.includes('get_pricing') && !anon.includes('client_lookup') && !anon.includes('save_memory'));
  const team = (await (await fetch(`${stack.url}/api/tools`, { headers: { Authorization: `Bearer ${await login('consultant')}` } })).json()).tools.map((t) => t.name);
  assert.ok(team.includes('client_lookup'));
  const quote = await (await post('/api/tools/calculate_quote', { items: [{ service: 'C1', quantity: 2, extensions: 1 }], currencies: ['EUR'] })).json();
  assert.equal(quote.value.total_idr, 2 * 2300000 + 2 * 1700000);
  assert.equal(quote.value.converted.EUR, 448);
  const kbli = await (await post('/api/tools/kbli_lookup', { query: '56101' })).json();
  assert.match(kbli.summary, /Restoran/);
  for (const [name, args, status] of [
    ['get_pricing', {}, 422],
    ['get_pricing', { service: 'C1', extra: 1 }, 422],
    ['calculate_quote', { items: [{ service: 'C1', quantity: 0 }] }, 422],
    ['calculate_quote', { items: [{ service: 'C1' }], currencies: ['GBP'] }, 422],
    ['kbli_lookup', { query: 42 }, 422],
    ['no_such_tool', {}, 404],
    ['client_lookup', { query: 'marco' }, 403],
  ]) {
    const r = await post(`/api/tools/${name}`, args);
    assert.equal(r.status, status, `${name} ${JSON.stringify(args)}`);
    assert.ok((await r.json()).error.message);
  }
});

test('bad chat input: empty, 20 KB, unknown model, bad session id, unknown conversation → clear 4xx', async () => {
  const cases = [
    [{ query: '' }, 422],
    [{ query: 'x'.repeat(20 * 1024) }, 422],
    [{ query: 'hi', model: 'gpt-17' }, 422],
    [{ query: 'hi', session_id: 'bad id!' }, 422],
    [{ query: 'hi', conversation_id: '0123456789abcdef0123456789abcdef' }, 404],
    [{ query: 'hi', language: 'fr' }, 422],
    [{ query: 'hi', collections: ['nope'] }, 422],
  ];
  for (const [body, status] of cases) {
    const r = await post('/bali-zero/chat-stream', body);
    assert.equal(r.status, status, JSON.stringify(body).slice(0, 60));
    assert.equal(typeof (await r.json()).error.code, 'string');
  }
});

// The model router against a local fake of the providers (real wire formats, streaming), failing on
// demand: retries, Retry-After, timeouts, mid-stream cuts, malformed events, fallback to offline, tool use.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../support/stack.mjs';
import { loadKb } from '../support/kb.mjs';
import { seedPeople } from '../support/seed.mjs';
import { startFakeLlm, fakeProviderVars, parseSse } from '../support/fake-llm.mjs';

let stack;
let fake;
let people;
before(async () => {
  fake = await startFakeLlm();
  stack = await startStack({
    vars: { RATE_LIMITS: 'off', ...fakeProviderVars(fake.base) },
    load: async (p) => { people = await seedPeople(p); loadKb(p); },
  });
});
after(async () => { await stack?.stop(); await fake?.close(); });
beforeEach(() => fake.reset());

const ask = async (query = 'Tell me about the E33G remote worker permit') => {
  const res = await fetch(`${stack.url}/bali-zero/chat-stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query }) });
  assert.equal(res.status, 200);
  const events = parseSse(await res.text());
  const text = events.filter((e) => e.event === 'token').map((e) => e.json.text).join('');
  return { events, text, done: events.find((e) => e.event === 'done')?.json, meta: events[0].json };
};

test('a healthy provider streams its answer with the right wire format and headers', async () => {
  const { text, done, meta } = await ask();
  assert.equal(meta.provider, 'anthropic');
  assert.equal(text, 'The anthropic fake says: a C1 visa costs IDR 2,300,000 [1].');
  assert.deepEqual([done.provider, done.model, done.fallbacks], ['anthropic', 'claude-fake', 0]);
  const [call] = await fake.requests();
  assert.equal(call.headers['x-api-key'], 'test-anthropic-key');
  assert.equal(call.headers['anthropic-version'], '2023-06-01');
  assert.equal(call.body.stream, true);
  assert.equal(call.body.model, 'claude-fake');
  assert.match(call.body.system, /Sources:\n\[1\]/, 'retrieved passages go into the system prompt');
  assert.ok(call.body.tools.some((t) => t.name === 'get_pricing'));
});

test('500s are retried, then the next provider answers (fallbacks = 1)', async () => {
  await fake.script({ anthropic: ['500', '500'] });
  const { text, done } = await ask();
  assert.equal(text, 'The openai fake says: a C1 visa costs IDR 2,300,000 [1].');
  assert.deepEqual([done.provider, done.fallbacks], ['openai', 1]);
  const calls = await fake.requests();
  assert.deepEqual(calls.map((c) => c.provider), ['anthropic', 'anthropic', 'openai']);
  assert.equal(calls[2].headers.authorization, 'Bearer test-openai-key');
});

test('429 with Retry-After is honoured, then the same provider answers', async () => {
  await fake.script({ anthropic: ['429:1'] });
  const started = Date.now();
  const { done } = await ask();
  assert.deepEqual([done.provider, done.fallbacks], ['anthropic', 0]);
  assert.equal((await fake.requests()).length, 2);
  assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
});

test('a provider that hangs times out and the next one answers', async () => {
  await fake.script({ anthropic: ['hang', 'hang'] });
  const { done, text } = await ask();
  assert.equal(done.provider, 'openai');
  assert.match(text, /openai fake/);
});

test('a stream cut mid-answer is continued by the next provider: one coherent answer, fallbacks = 1', async () => {
  await fake.script({ anthropic: ['cut:4'] });
  const { text, done, events } = await ask();
  assert.equal(done.fallbacks, 1);
  assert.ok(text.startsWith('The anthropic fake says: '), text);
  assert.ok(events.some((e) => e.event === 'meta' && e.json.fallback?.mid_stream), 'the client is told');
  const calls = await fake.requests();
  const cont = calls.find((c) => c.provider === 'openai');
  const last = cont.body.messages.at(-1).content;
  assert.match(last, /Continue it exactly/);
  assert.equal(cont.body.messages.at(-2).content, 'The anthropic fake says:', 'the partial answer, trailing space trimmed');
});

test('malformed events fail over; when every provider fails, the offline provider still answers', async () => {
  await fake.script({ anthropic: ['malformed'] });
  assert.equal((await ask()).done.provider, 'openai');
  await fake.script({ anthropic: ['500', '500'], openai: ['500', '500'] });
  const { done, text } = await ask('How much is a C1 visa?');
  assert.deepEqual([done.provider, done.fallbacks], ['offline', 2]);
  assert.match(text, /2,300,000/);
});

test('tool use: the model calls get_pricing, the result goes back, the model answers', async () => {
  await fake.script({ anthropic: ['tool:get_pricing:{"service":"E33G"}', 'ok:The E33G KITAS is priced per the tool result.'] });
  const { events, text } = await ask('Tell me about remote work in Bali');
  const modelTool = events.filter((e) => e.event === 'tool').map((e) => e.json).find((t) => t.arguments.service === 'E33G');
  assert.ok(modelTool?.ok, JSON.stringify(events.filter((e) => e.event === 'tool').map((e) => e.json)));
  assert.equal(text, 'The E33G KITAS is priced per the tool result.');
  const calls = await fake.requests();
  assert.equal(calls.length, 2);
  const toolResult = calls[1].body.messages.at(-1);
  assert.equal(toolResult.role, 'user');
  assert.equal(toolResult.content[0].type, 'tool_result');
  assert.match(JSON.stringify(toolResult.content[0].content), /E33G/);
});

// The OpenAI-compatible API in front of the same providers: what an OpenAI client sends reaches them.
const completion = async (body) => {
  const p = people.consultant;
  const login = await fetch(`${stack.url}/api/auth/team/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: p.email, password: p.password }) });
  const { access_token: token } = await login.json();
  const res = await fetch(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
};

const history = [
  { role: 'system', content: 'Always answer in exactly one sentence.' },
  { role: 'user', content: 'I am a remote worker from Italy.' },
  { role: 'assistant', content: 'Understood, you work remotely.' },
  { role: 'user', content: 'Tell me about the E33G remote worker permit' },
];

test('/v1: the system prompt, earlier turns and generation limits reach Anthropic; max_tokens returns finish_reason length', async () => {
  const r = await completion({ model: 'nuzantara', messages: history, max_tokens: 3, temperature: 0.4, top_p: 0.8, stop: ['###'] });
  assert.equal(r.status, 200, r.text);
  const d = JSON.parse(r.text);
  assert.equal(d.choices[0].finish_reason, 'length');
  assert.equal(d.choices[0].message.content, 'The anthropic fake ');
  assert.equal(d.nuzantara.provider, 'anthropic');
  assert.equal(d.usage.prompt_tokens, 42, 'usage as the provider reported it');
  assert.equal(d.usage.completion_tokens, 3);
  const [call] = await fake.requests();
  assert.equal(call.provider, 'anthropic');
  assert.equal(call.body.max_tokens, 3);
  assert.equal(call.body.temperature, 0.4);
  assert.equal(call.body.top_p, 0.8);
  assert.deepEqual(call.body.stop_sequences, ['###']);
  assert.match(call.body.system, /Sources:\n\[1\]/, 'our grounding prompt first');
  assert.match(call.body.system, /Always answer in exactly one sentence\./, "then the caller's system prompt");
  const texts = call.body.messages.map((m) => [m.role, typeof m.content === 'string' ? m.content : m.content.map((c) => c.text).join('')]);
  assert.deepEqual(texts, [
    ['user', 'I am a remote worker from Italy.'],
    ['assistant', 'Understood, you work remotely.'],
    ['user', 'Tell me about the E33G remote worker permit'],
  ]);
});

test('/v1: the OpenAI-compatible provider gets the history and limits; its length and usage come back in the stream', async () => {
  await fake.script({ anthropic: ['500', '500'] });
  const r = await completion({ model: 'nuzantara', messages: history, max_completion_tokens: 4, stream: true, stream_options: { include_usage: true } });
  assert.equal(r.status, 200, r.text);
  const data = parseSse(r.text).map((e) => e.data);
  assert.equal(data.at(-1), '[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
  assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' });
  const text = chunks.flatMap((c) => c.choices).map((c) => c.delta.content || '').join('');
  assert.equal(text, 'The openai fake says: ');
  const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
  assert.deepEqual(finish.map((c) => c.choices[0].finish_reason), ['length']);
  const usage = chunks.at(-1);
  assert.deepEqual(usage.choices, []);
  assert.ok(usage.usage.prompt_tokens >= 40 && usage.usage.completion_tokens >= 4, JSON.stringify(usage.usage));
  const call = (await fake.requests()).find((c) => c.provider === 'openai');
  assert.equal(call.body.max_tokens, 4);
  const roles = call.body.messages.map((m) => m.role);
  assert.deepEqual(roles, ['system', 'user', 'assistant', 'user']);
  assert.match(call.body.messages[0].content, /exactly one sentence/);
  assert.equal(call.body.messages[1].content, 'I am a remote worker from Italy.');
});

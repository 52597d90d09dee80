// The WhatsApp channel end to end (issue 15) against `wrangler dev` with its local queue simulation and a fake
// Graph API (tests/support/fake-graph.mjs): the verification handshake, signatures (unsigned and wrong → 401),
// a signed text → exactly one reply citing the knowledge base, the same delivery twice → one reply, status
// callbacks out of order, media → the "text only" reply in the client's language, linking to the CRM client by
// E.164 number or creating a lead, takeover (no reply until released; the consultant's own message goes out),
// and the Graph API failing (429/500/hang → retried → delivered; failing on → dead letter seen by admins).
// No timed assertions: every wait polls for the expected state with a generous deadline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { getPlatformProxy } from 'wrangler';
import { startStack } from '../support/stack.mjs';
import { seedPeople } from '../support/seed.mjs';
import { loadKb } from '../support/kb.mjs';
import { startFakeGraph } from '../support/fake-graph.mjs';
import { request } from '../support/http.mjs';

const SECRET = 'wa-app-secret-for-tests';
const VERIFY = 'wa-verify-token-for-tests';
const PNID = '1098765432';
/** Budi is a CRM client whose WhatsApp number is written the Indonesian way; he prefers Indonesian. */
const BUDI = '6281234567890';

let stack, graph, people;
const tokens = {};

before(async () => {
  graph = await startFakeGraph();
  stack = await startStack({
    vars: {
      RATE_LIMITS: 'off',
      WHATSAPP_TOKEN: 'test-graph-token',
      WHATSAPP_PHONE_NUMBER_ID: PNID,
      WHATSAPP_APP_SECRET: SECRET,
      WHATSAPP_VERIFY_TOKEN: VERIFY,
      WHATSAPP_API_BASE: `${graph.url}/v21.0`,
      WHATSAPP_RETRY_BASE_SECS: '1',
      WHATSAPP_TIMEOUT_MS: '1500',
    },
    load: async (persist) => {
      people = await seedPeople(persist);
      const { env, dispose } = await getPlatformProxy({ persist: { path: `${persist}/v3` } });
      try {
        await env.DB.prepare("INSERT INTO clients (id, full_name, whatsapp, status, language, created_at, updated_at) VALUES (?1, 'Budi Santoso', '0812-3456-7890', 'active', 'id', ?2, ?2)")
          .bind('client-budi', Date.now()).run();
      } finally {
        await dispose();
      }
      loadKb(persist);
    },
  });
  for (const who of ['admin', 'consultant']) {
    const r = await request(stack.url, 'POST', '/api/auth/team/login', { body: { email: people[who].email, password: people[who].password } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    tokens[who] = r.json.access_token;
  }
});
after(async () => { await stack?.stop(); await graph?.stop(); });

const wamid = () => `wamid.IN${randomBytes(8).toString('hex')}`;
const number = () => `39333${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
const delivery = ({ messages = [], statuses = [], contacts = [] }) => JSON.stringify({
  object: 'whatsapp_business_account',
  entry: [{ id: 'WABA', changes: [{ field: 'messages', value: {
    messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: PNID }, contacts, messages, statuses,
  } }] }],
});
const text = (from, body, id = wamid()) => ({ from, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body } });
const sign = (raw, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
const post = (raw, headers = { 'X-Hub-Signature-256': sign(raw) }) =>
  fetch(`${stack.url}/webhooks/whatsapp`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: raw });
const deliver = async (payload) => {
  const r = await post(delivery(payload));
  const body = await r.text();
  assert.equal(r.status, 200, body);
  return JSON.parse(body);
};
const to = (n) => (reqs) => reqs.filter((q) => q.body?.to === n && q.outcome === 'ok');
const replyTo = (n, count = 1) => graph.waitFor((reqs) => to(n)(reqs).length >= count && to(n)(reqs), `${count} reply(ies) to ${n}`);
const team = (method, path, body, who = 'consultant') => request(stack.url, method, path, { token: tokens[who], body });
const until = async (fn, what, ms = 90_000) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

test('the verification handshake answers the challenge only for the right token', async () => {
  const q = (token, mode = 'subscribe') => fetch(`${stack.url}/webhooks/whatsapp?hub.mode=${mode}&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`);
  const ok = await q(VERIFY);
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('content-type'), /^text\/plain/);
  assert.equal(await ok.text(), '1158201444');
  for (const r of [await q('wrong-token'), await q(VERIFY, 'unsubscribe'), await q(`${VERIFY}x`)]) {
    assert.equal(r.status, 403);
    assert.equal((await r.json()).error.code, 'forbidden');
  }
});

test('unsigned and wrongly signed deliveries are refused with 401 before anything is read', async () => {
  const raw = delivery({ messages: [text(number(), 'hello')] });
  for (const headers of [{}, { 'X-Hub-Signature-256': sign(raw, 'another-secret') }, { 'X-Hub-Signature-256': 'sha256=' }, { 'X-Hub-Signature-256': sign(`${raw} `) }]) {
    const r = await post(raw, headers);
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.equal((await r.json()).error.code, 'unauthorized');
  }
  const r = await post('{not json', { 'X-Hub-Signature-256': sign('{not json') });
  assert.equal(r.status, 422, 'signed but not a payload: a client error, not a 500');
});

test('a signed text gets exactly one reply, from the knowledge base with numbered sources, even delivered twice', async () => {
  const from = number();
  const m = text(from, 'How much is a C1 tourism visa?');
  const raw = delivery({ messages: [m], contacts: [{ profile: { name: 'Giulia' }, wa_id: from }] });
  // Meta retries: the same delivery twice at once, and once more later.
  const [a, b] = await Promise.all([post(raw), post(raw)]);
  assert.deepEqual([a.status, b.status], [200, 200]);
  assert.deepEqual(await a.json(), { received: 1 });
  const [reply] = await replyTo(from);
  assert.equal(reply.path, `/v21.0/${PNID}/messages`);
  assert.equal(reply.authorization, 'Bearer test-graph-token');
  assert.equal(reply.body.type, 'text');
  const body = reply.body.text.body;
  assert.match(body, /2[.,]300[.,]000/, body);
  assert.match(body, /\n\nSources:\n\[\d+\] .+/, body);
  assert.ok(body.length <= 4096);
  assert.equal((await post(raw)).status, 200);
  // A later message from the same number is answered after the duplicates were handled: still one reply to m.
  await deliver({ messages: [text(from, 'And the D1 visa?')] });
  await replyTo(from, 2);
  const all = to(from)(await graph.requests());
  assert.equal(all.length, 2, all.map((q) => q.body.text.body.slice(0, 60)).join(' | '));
  // The number has a conversation and, being unknown to the CRM, a new lead.
  const list = await team('GET', '/api/whatsapp/conversations');
  const conv = list.json.conversations.find((c) => c.wa_id === from);
  assert.equal(conv.client_status, 'lead');
  assert.equal(conv.client_name, 'Giulia');
  assert.equal(conv.phone, `+${from}`);
});

test('status callbacks out of order: an older status never replaces a newer one; failed is terminal', async () => {
  const from = number();
  await deliver({ messages: [text(from, 'What is KBLI 56101?')] });
  const [reply] = await replyTo(from);
  const s = (id, status) => ({ id, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: from });
  const status = async () => (await team('GET', `/api/whatsapp/conversations/${from}`)).json.outbox.find((o) => o.wamid === reply.wamid)?.delivery;
  await deliver({ statuses: [s(reply.wamid, 'read')] });
  await until(async () => (await status()) === 'read', 'read');
  // The stale ones, then (same delivery, behind them) a status for another wamid to know they were processed.
  const other = `wamid.BARRIER${randomBytes(4).toString('hex')}`;
  await deliver({ statuses: [s(reply.wamid, 'delivered'), s(reply.wamid, 'sent'), s(other, 'sent')] });
  await deliver({ statuses: [s(other, 'failed'), s(other, 'read')] });
  const db = async () => {
    const { env, dispose } = await getPlatformProxy({ persist: { path: `${stack.persist}/v3` } });
    try { return (await env.DB.prepare('SELECT wamid, status FROM wa_status WHERE wamid IN (?1, ?2)').bind(reply.wamid, other).all()).results; } finally { await dispose(); }
  };
  await until(async () => (await team('GET', '/api/whatsapp/conversations').then(() => db())).find((r) => r.wamid === other && r.status === 'failed'), 'failed barrier');
  assert.equal(await status(), 'read');
  assert.deepEqual(Object.fromEntries((await db()).map((r) => [r.wamid, r.status])), { [reply.wamid]: 'read', [other]: 'failed' });
});

test('images, documents and voice notes get the text-only reply in the client’s language; the CRM client is found by E.164', async () => {
  await deliver({ messages: [{ from: BUDI, id: wamid(), timestamp: '1733000000', type: 'image', image: { id: 'M1', mime_type: 'image/jpeg' } }] });
  const [reply] = await replyTo(BUDI);
  assert.match(reply.body.text.body, /hanya bisa membaca pesan teks/);
  const conv = (await team('GET', '/api/whatsapp/conversations')).json.conversations.find((c) => c.wa_id === BUDI);
  assert.equal(conv.client_id, 'client-budi', 'the client whose WhatsApp is 0812-3456-7890');
  const stranger = number();
  await deliver({ messages: [{ from: stranger, id: wamid(), timestamp: '1733000000', type: 'audio', audio: { id: 'M2', mime_type: 'audio/ogg', voice: true } }] });
  assert.match((await replyTo(stranger))[0].body.text.body, /only read text messages/);
});

test('a consultant takes a conversation over: no answers until released; their own message goes out', async () => {
  const from = number();
  await deliver({ messages: [text(from, 'Hello, I need a KITAS')] });
  await replyTo(from);
  assert.equal((await team('POST', `/api/whatsapp/conversations/${from}/takeover`)).status, 200);
  const held = 'Can I talk to a person about my E33G?';
  await deliver({ messages: [text(from, held)] });
  await until(async () => (await team('GET', `/api/whatsapp/conversations/${from}`)).json.messages.some((m) => m.content === held), 'the held message on the conversation');
  assert.equal(to(from)(await graph.requests()).length, 1, 'no answer while taken over');
  const sent = await team('POST', `/api/whatsapp/conversations/${from}/messages`, { text: 'Hi, this is Dewi from Bali Zero.' });
  assert.equal(sent.status, 202, JSON.stringify(sent.json));
  const [, mine] = await replyTo(from, 2);
  assert.equal(mine.body.text.body, 'Hi, this is Dewi from Bali Zero.');
  assert.equal((await team('POST', `/api/whatsapp/conversations/${from}/release`)).status, 200);
  assert.equal((await team('POST', `/api/whatsapp/conversations/${from}/messages`, { text: 'x' })).status, 409);
  await deliver({ messages: [text(from, 'How much is a C1 tourism visa?')] });
  await replyTo(from, 3);
  // Team only: an admin may, a client may not, and an unknown number is a 404.
  assert.equal((await request(stack.url, 'POST', `/api/whatsapp/conversations/${from}/takeover`)).status, 401);
  assert.equal((await team('GET', '/api/whatsapp/conversations/123', undefined, 'admin')).status, 404);
});

test('the Graph API failing: retried with backoff until it answers; failing on, dead-lettered and shown to admins', async () => {
  const from = number();
  await graph.script(['429:1', '500', 'hang']);
  await deliver({ messages: [text(from, 'How much is a C1 tourism visa?')] });
  await replyTo(from);
  const tries = (await graph.requests()).filter((q) => q.body?.to === from).map((q) => q.outcome);
  assert.deepEqual(tries, ['429', '500', 'hang', 'ok'], 'one reply, after three failures');

  const doomed = number();
  const id = wamid();
  await graph.script(Array(6).fill('500'));
  await deliver({ messages: [text(doomed, 'What is a PT PMA?', id)] });
  const failure = await until(async () => (await team('GET', '/api/admin/whatsapp/failures', undefined, 'admin')).json.failures.find((f) => f.reference === id), 'the dead letter', 120_000);
  assert.equal(failure.kind, 'message');
  assert.equal(failure.wa_id, doomed);
  assert.match(failure.error, /HTTP 500/);
  assert.ok(failure.attempts >= 5, `${failure.attempts} attempts`);
  assert.equal(JSON.parse(failure.job).wamid, id, 'the job is kept');
  const conv = await team('GET', `/api/whatsapp/conversations/${doomed}`);
  assert.deepEqual(conv.json.outbox.map((o) => o.state), ['dead'], 'the answer is kept, marked dead');
  assert.equal((await team('GET', '/api/admin/whatsapp/failures')).status, 403, 'admins only');
});

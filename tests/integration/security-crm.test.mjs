// Security findings on the CRM, each replayed against `wrangler dev` and now refused or absent:
// 1. a client user reading their practice (detail, list, the chat's practice_status tool) saw payment notes,
//    status notes and staff user ids;
// 2. POST /crm/interactions/from-conversation copied someone else's conversation into a timeline;
// 3. CSV exports let full-width and blank-prefixed formulas through;
// 4. a path id with a malformed escape (`%+1`) was decoded instead of refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getPlatformProxy } from 'wrangler';
import { startStack } from '../support/stack.mjs';
import { seedPeople } from '../support/seed.mjs';
import { request } from '../support/http.mjs';

let stack;
let people;
const CONV = { client: 'conv-sec-client', consultant: 'conv-sec-consultant', admin: 'conv-sec-admin', visitor: 'conv-sec-visitor' };
const SECRET_QUESTION = 'My own visa overstay, please keep this private';

before(async () => {
  stack = await startStack({
    vars: { RATE_LIMITS: 'off' },
    load: async (persist) => {
      people = await seedPeople(persist);
      const { env, dispose } = await getPlatformProxy({ persist: { path: `${persist}/v3` } });
      try {
        const now = Date.now();
        const owners = [[CONV.client, people.client.id], [CONV.consultant, people.consultant.id], [CONV.admin, people.admin.id], [CONV.visitor, null]];
        for (const [id, owner] of owners) {
          await env.DB.prepare('INSERT INTO conversations (id, user_id, session_id, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)')
            .bind(id, owner, owner ? null : 'visitor-session', `Chat ${id}`, now).run();
          await env.DB.prepare('INSERT INTO messages (id, conversation_id, seq, role, content, created_at) VALUES (?1, ?2, 0, ?3, ?4, ?5)')
            .bind(`${id}-m0`, id, 'user', `${SECRET_QUESTION} (${id})`, now).run();
        }
      } finally {
        await dispose();
      }
    },
  });
});
after(async () => { await stack?.stop(); });

const call = (method, path, opts) => request(stack.url, method, path, opts);
const tokens = {};
const as = async (who) => {
  if (!tokens[who]) {
    const p = people[who];
    const portal = who.startsWith('client') ? 'client' : 'team';
    const r = await call('POST', `/api/auth/${portal}/login`, { body: { email: p.email, password: p.password } });
    assert.equal(r.status, 200, `${who} login: ${r.text}`);
    tokens[who] = r.json.access_token;
  }
  return tokens[who];
};
const ok = (r, status, what = '') => assert.equal(r.status, status, `${what} ${r.status}: ${r.text.slice(0, 300)}`);
const isError = (r, status, code) => {
  ok(r, status);
  assert.deepEqual(Object.keys(r.json), ['error'], r.text);
  assert.equal(r.json.error.code, code, r.text);
  assert.equal(typeof r.json.error.message, 'string');
};
const apiKey = async (scopes) => {
  const r = await call('POST', '/api/admin/api-keys', { token: await as('admin'), body: { name: `sec ${scopes}`, scopes } });
  ok(r, 201);
  return r.json.key;
};

// ---- 1. What a client user sees of their own practice ----

const PAYMENT_NOTE = 'INTERNAL: agreed off-book discount of 10%, do not mention';
const STATUS_NOTE = 'INTERNAL: client is a slow payer';
const PRACTICE_NOTE = 'INTERNAL: practice note';

/** A practice of the signed-in client (Marco), with a status note and a payment note written by the admin. */
const practiceWithInternals = async () => {
  const admin = await as('admin');
  const created = await call('POST', '/crm/practices', { token: admin,
    body: { client_id: people.clientIds[0], type_code: 'E33G', consultant_id: people.consultant.id, notes: PRACTICE_NOTE } });
  ok(created, 201);
  const moved = await call('POST', `/crm/practices/${created.json.id}/status`, { token: admin, body: { status: 'quoted', version: 1, note: STATUS_NOTE } });
  ok(moved, 200);
  const paid = await call('POST', `/crm/practices/${created.json.id}/payments`, { token: admin,
    body: { amount_idr: 2_000_000, method: 'transfer', note: PAYMENT_NOTE } });
  ok(paid, 201);
  return created.json;
};
const staffIds = () => [people.admin.id, people.consultant.id];
/** Nothing internal anywhere in a response body a client got. */
const noInternals = (text) => {
  for (const secret of ['INTERNAL', 'off-book', ...staffIds()]) assert.ok(!text.includes(secret), `leaks ${secret}: ${text.slice(0, 400)}`);
  for (const key of ['"note"', '"notes"', '"changed_by"', '"changed_by_name"', '"recorded_by"', '"consultant_id"']) {
    assert.ok(!text.includes(key), `has ${key}: ${text.slice(0, 400)}`);
  }
};

test('a client reading their practice sees payments without notes and history without staff ids or notes', async () => {
  const p = await practiceWithInternals();
  const r = await call('GET', `/crm/practices/${p.id}`, { token: await as('client') });
  ok(r, 200);
  noInternals(r.text);
  assert.deepEqual(r.json.payments.map((x) => Object.keys(x).sort()), [['amount_idr', 'created_at', 'id', 'method', 'paid_on']]);
  assert.deepEqual([r.json.payments[0].amount_idr, r.json.paid_idr, r.json.balance_idr], [2_000_000, 2_000_000, 10_500_000]);
  assert.deepEqual(r.json.history.map((h) => Object.keys(h).sort()), [['changed_at', 'from_status', 'to_status'], ['changed_at', 'from_status', 'to_status']]);
  assert.deepEqual(r.json.history.map((h) => h.to_status), ['inquiry', 'quoted']);
  assert.deepEqual([r.json.status, r.json.consultant_name, r.json.type_name], ['quoted', 'Dewi', 'Remote Worker KITAS (E33G)']);

  // The team still sees all of it.
  const team = await call('GET', `/crm/practices/${p.id}`, { token: await as('consultant') });
  ok(team, 200);
  assert.equal(team.json.payments[0].note, PAYMENT_NOTE);
  assert.deepEqual([team.json.history[1].note, team.json.history[1].changed_by, team.json.notes], [STATUS_NOTE, people.admin.id, PRACTICE_NOTE]);
  assert.equal(team.json.consultant_id, people.consultant.id);
});

test('a client listing their practices gets the client view too', async () => {
  await practiceWithInternals();
  const r = await call('GET', '/crm/practices?limit=100', { token: await as('client') });
  ok(r, 200);
  assert.ok(r.json.practices.length >= 1);
  assert.ok(r.json.practices.every((x) => x.client_id === people.clientIds[0]));
  noInternals(r.text);
});

test('the chat tool practice_status stays closed to clients (its client branch builds the client view anyway)', async () => {
  const p = await practiceWithInternals();
  const token = await as('client');
  for (const args of [{ practice_id: p.id, client_id: people.clientIds[0] }, { client_id: people.clientIds[0] }]) {
    const r = await call('POST', '/api/tools/practice_status', { token, body: args });
    isError(r, 403, 'forbidden');
    noInternals(r.text);
  }
  const team = await call('POST', '/api/tools/practice_status', { token: await as('consultant'), body: { client_id: people.clientIds[0] } });
  ok(team, 200);
  const mine = team.json.value.practices.find((x) => x.id === p.id);
  assert.deepEqual([mine.notes, mine.consultant_id], [PRACTICE_NOTE, people.consultant.id], 'the team view is unchanged');
});

// ---- 2. Interactions from a conversation: only the caller's own ----

const fromConversation = (token, clientId, conversationId) =>
  call('POST', '/crm/interactions/from-conversation', { token, body: { client_id: clientId, conversation_id: conversationId } });
const newClient = async (name) => {
  const r = await call('POST', '/crm/clients', { token: await as('admin'), body: { full_name: name } });
  ok(r, 201);
  return r.json.id;
};
const timeline = async (clientId) => (await call('GET', `/crm/clients/${clientId}/interactions?limit=100`, { token: await as('admin') })).json.interactions;

test('a consultant cannot copy someone else\'s conversation into a timeline: the same 404 as an unknown id', async () => {
  const consultant = await as('consultant');
  const target = await newClient('Timeline Target');
  const unknown = await fromConversation(consultant, target, 'conv-no-such-thing');
  isError(unknown, 404, 'not_found');
  for (const foreign of [CONV.client, CONV.admin, CONV.visitor]) {
    const r = await fromConversation(consultant, target, foreign);
    isError(r, 404, 'not_found');
    assert.equal(r.json.error.message, unknown.json.error.message, `${foreign} looks exactly like an unknown id`);
  }
  assert.deepEqual(await timeline(target), [], 'nothing was copied');
  assert.ok(!JSON.stringify(await timeline(target)).includes(SECRET_QUESTION));

  const own = await fromConversation(consultant, target, CONV.consultant);
  ok(own, 201);
  assert.equal(own.json.conversation_id, CONV.consultant);
});

test('an API key with crm:write owns no conversation: 404 for every one', async () => {
  const key = await apiKey(['crm:read', 'crm:write']);
  const target = await newClient('Key Target');
  for (const conv of Object.values(CONV)) isError(await fromConversation(key, target, conv), 404, 'not_found');
  assert.deepEqual(await timeline(target), []);
});

test('an admin may use anyone\'s conversation, and that use is audited', async () => {
  const admin = await as('admin');
  const audited = async () => (await call('GET', '/api/admin/audit?action=conversation_linked_by_admin&limit=100', { token: admin })).json.entries;
  const target = await newClient('Admin Target');
  const before = (await audited()).length;
  const own = await fromConversation(admin, target, CONV.admin);
  ok(own, 201);
  assert.equal((await audited()).length, before, 'an admin\'s own conversation is ordinary use');

  const r = await fromConversation(admin, target, CONV.client);
  ok(r, 201);
  const entries = await audited();
  assert.equal(entries.length, before + 1);
  assert.deepEqual([entries[0].actor_id, entries[0].target_type, entries[0].target_id], [people.admin.id, 'interaction', r.json.id]);
  assert.deepEqual(entries[0].detail, { conversation_id: CONV.client, owner_id: people.client.id, client_id: target });
  isError(await fromConversation(admin, target, CONV.client), 409, 'conflict');
  assert.equal((await audited()).length, before + 1, 'a refused link is not audited as a use');
});

// ---- 3. CSV formula injection ----

test('the clients CSV neutralises full-width and hidden-prefix formulas', async () => {
  const admin = await as('admin');
  const names = ['＝HYPERLINK("http://evil.example","x")', '＋1+cmd', '－1', '＠SUM(A1)', '\u200B=1+1'];
  for (const [i, full_name] of names.entries()) {
    ok(await call('POST', '/crm/clients', { token: admin, body: { full_name, email: `csv-sec-${i}@example.com`, company_name: 'a;=1+1' } }), 201);
  }
  const r = await call('GET', '/crm/export/clients.csv', { token: admin });
  ok(r, 200);
  for (const [i, name] of names.entries()) {
    const row = r.text.split('\r\n').find((l) => l.includes(`csv-sec-${i}@example.com`));
    assert.ok(row, `row ${i}`);
    const cell = /[,;"]/.test(name) ? `"'${name.replaceAll('"', '""')}"` : `'${name}`;
    assert.ok(row.includes(`,${cell},`), `${JSON.stringify(name)} must export as ${cell}: ${row}`);
    assert.ok(row.includes(',"a;=1+1",'), `the semicolon cell is quoted: ${row}`);
  }
});

// ---- 4. Malformed percent escapes in path ids ----

test('a path id with a malformed escape (%+1, %-1, %1, %zz) is refused with a JSON 404, not decoded', async () => {
  const admin = await as('admin');
  for (const id of ['%+1', '%-1', 'x%1', '%zz', '%ff']) {
    for (const path of [`/crm/practices/${id}`, `/crm/clients/${id}`]) {
      const r = await call('GET', path, { token: admin });
      isError(r, 404, 'not_found');
      assert.match(r.json.error.message, /^no route for /, `${path}: ${r.text}`);
    }
    isError(await call('GET', `/crm/practices/${id}`, { token: await as('client') }), 404, 'not_found');
  }
  // A well-formed escape still decodes (and then fails the id check, as any non-id would).
  isError(await call('GET', '/crm/practices/%e2%82%ac', { token: admin }), 422, 'validation_failed');
});

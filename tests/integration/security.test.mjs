// Security round two (issue 12): each request an outside review showed working, replayed, now refused with the
// right status and the JSON error shape. Tool scopes for API keys (direct and through the chat), revocation
// that reaches live access tokens and API keys, the password policy and its lockout, an atomic login lockout
// under parallel guesses, and the operator routes (/health/detailed, /metrics).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startStack, TEST_METRICS_TOKEN, ROOT } from '../support/stack.mjs';
import { seedPeople } from '../support/seed.mjs';
import { startFakeLlm, fakeProviderVars } from '../support/fake-llm.mjs';
import { request } from '../support/http.mjs';

let stack;
let people;
let fake;
before(async () => {
  fake = await startFakeLlm();
  stack = await startStack({
    vars: { RATE_LIMITS: 'off', ...fakeProviderVars(fake.base) },
    load: async (p) => { people = await seedPeople(p); },
  });
});
after(async () => { await stack?.stop(); await fake?.close(); });

const call = (method, path, opts) => request(stack.url, method, path, opts);
const signIn = async (email, password, portal = 'team') => {
  const r = await call('POST', `/api/auth/${portal}/login`, { body: { email, password } });
  assert.equal(r.status, 200, `${email}: ${r.text}`);
  return r.json;
};
const login = (who) => signIn(people[who].email, people[who].password, who.startsWith('client') ? 'client' : 'team');
/** A refusal in the API's error shape. */
const refused = (r, status, what) => {
  assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
  assert.equal(typeof r.json?.error?.code, 'string', `${what}: error shape`);
  assert.equal(typeof r.json?.error?.message, 'string', `${what}: error shape`);
};
const newKey = async (admin, scopes, extra = {}) => {
  const r = await call('POST', '/api/admin/api-keys', { token: admin, body: { name: `k-${scopes.join('-')}`, scopes, ...extra } });
  assert.equal(r.status, 201, r.text);
  return r.json;
};
/** Revocation holds at once in the isolate that made the change and within SESSION_CHECK_TTL_MS (5 s) in the
 * others; `wrangler dev` may run more than one, so this asks again for up to 8 s before giving up. */
const eventually = async (fn, ok) => {
  let r;
  for (let i = 0; i < 16; i++) {
    r = await fn();
    if (ok(r)) return r;
    await new Promise((res) => setTimeout(res, 500));
  }
  return r;
};
const sql = (command) => JSON.parse(execFileSync(join(ROOT, 'node_modules/.bin/wrangler'),
  ['d1', 'execute', 'DB', '--local', '--persist-to', stack.persist, '--json', '--command', command],
  { cwd: ROOT, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } }));

const CRM_TOOLS = ['client_lookup', 'practice_status', 'log_interaction', 'create_lead'];

test('1. an API key with the tools scope cannot read or write the CRM through a tool', async () => {
  const admin = (await login('admin')).access_token;
  const tools = await newKey(admin, ['tools']);
  const args = {
    client_lookup: { query: 'Marco' },
    practice_status: { client_id: people.clientIds[0] },
    log_interaction: { client_id: people.clientIds[0], kind: 'note', summary: 'written by a tools-only key' },
    create_lead: { full_name: 'Lead From Tools Key', email: 'lead-tools@example.com' },
  };
  for (const name of CRM_TOOLS) {
    const r = await call('POST', `/api/tools/${name}`, { token: tools.key, body: args[name] });
    refused(r, 403, name);
    assert.match(r.json.error.message, /crm:(read|write)/, name);
    assert.doesNotMatch(r.text, /marco@example\.it/, `${name} leaks nothing`);
  }
  const listed = await call('GET', '/api/tools', { token: tools.key });
  assert.equal(listed.status, 200);
  const names = listed.json.tools.map((t) => t.name);
  assert.ok(names.includes('get_pricing'));
  for (const n of CRM_TOOLS) assert.ok(!names.includes(n), `GET /api/tools offers ${n} to a tools-only key`);
  // Nothing was written: no lead, no interaction.
  const staff = (await login('consultant')).access_token;
  const leads = await call('GET', '/crm/clients?q=Lead%20From%20Tools', { token: staff });
  assert.equal(leads.json.clients.length, 0);
  const timeline = await call('GET', `/crm/clients/${people.clientIds[0]}/interactions`, { token: staff });
  assert.ok(!timeline.json.interactions.some((i) => /tools-only key/.test(i.summary)));

  // A key with crm:read reads through the tool, and still may not write.
  const reader = await newKey(admin, ['tools', 'crm:read']);
  const found = await call('POST', '/api/tools/client_lookup', { token: reader.key, body: { query: 'Marco' } });
  assert.equal(found.status, 200, found.text);
  assert.match(JSON.stringify(found.json.value), /Marco Rossi/);
  refused(await call('POST', '/api/tools/log_interaction', { token: reader.key, body: args.log_interaction }), 403, 'write with crm:read');
  // Anonymous and client callers never see CRM tools.
  const anon = (await call('GET', '/api/tools')).json.tools.map((t) => t.name);
  const client = (await call('GET', '/api/tools', { token: (await login('client')).access_token })).json.tools.map((t) => t.name);
  for (const n of CRM_TOOLS) assert.ok(!anon.includes(n) && !client.includes(n), n);
});

test('1. a chat-scoped key serving the public: the model is not offered CRM tools, and a forced call is refused', async () => {
  const admin = (await login('admin')).access_token;
  const chat = await newKey(admin, ['chat']);
  await fake.reset();
  await fake.script({ anthropic: [`tool:client_lookup:${JSON.stringify({ query: 'Marco' })}`, 'ok:No client data here.'] });
  const r = await call('POST', '/v1/chat/completions', { token: chat.key, body: { model: 'nuzantara', messages: [{ role: 'user', content: 'What is the e-mail of Marco Rossi?' }] } });
  assert.equal(r.status, 200, r.text);
  assert.doesNotMatch(r.text, /marco@example\.it/);
  const calls = await fake.requests();
  assert.ok(calls.length >= 1);
  const offered = calls[0].body.tools.map((t) => t.name);
  assert.ok(offered.includes('search_kb'));
  for (const n of CRM_TOOLS) assert.ok(!offered.includes(n), `the model was offered ${n}`);
  // What went back to the model after its forced call is a refusal, not the client record.
  for (const c of calls.slice(1)) assert.doesNotMatch(JSON.stringify(c.body.messages), /marco@example\.it/);
});

test('2. disabling a consultant ends their live access token (CSV export refused) and their refresh token', async () => {
  const admin = (await login('admin')).access_token;
  const made = await call('POST', '/api/admin/users', { token: admin, body: { email: 'leaving@test.local', name: 'Leaving', role: 'consultant', password: 'leaving-consultant-1' } });
  assert.equal(made.status, 201, made.text);
  const t = await signIn('leaving@test.local', 'leaving-consultant-1');
  assert.equal((await call('GET', '/crm/export/clients.csv', { token: t.access_token })).status, 200, 'control');
  assert.equal((await call('PATCH', `/api/admin/users/${made.json.id}`, { token: admin, body: { disabled: true } })).status, 200);
  const r = await eventually(() => call('GET', '/crm/export/clients.csv', { token: t.access_token }), (x) => x.status === 401);
  refused(r, 401, 'export after disable');
  assert.match(r.json.error.message, /disabled/);
  refused(await call('POST', '/api/auth/refresh', { body: { refresh_token: t.refresh_token } }), 401, 'refresh after disable');
});

test('2. an admin demoted to consultant loses admin access at once; their keys stop when demoted or disabled', async () => {
  const admin = (await login('admin')).access_token;
  const made = await call('POST', '/api/admin/users', { token: admin, body: { email: 'second.admin@test.local', name: 'Second', role: 'admin', password: 'second-admin-pass-1' } });
  assert.equal(made.status, 201, made.text);
  const t = await signIn('second.admin@test.local', 'second-admin-pass-1');
  const key = await newKey(t.access_token, ['*']);
  assert.equal((await call('GET', '/crm/clients', { token: key.key })).status, 200, 'control: the * key works');
  assert.equal((await call('PATCH', `/api/admin/users/${made.json.id}`, { token: admin, body: { role: 'consultant' } })).status, 200);
  const users = await eventually(() => call('GET', '/api/admin/users', { token: t.access_token }), (x) => x.status === 401);
  refused(users, 401, 'admin users list with the pre-demotion token');
  refused(await call('POST', '/api/admin/api-keys', { token: t.access_token, body: { name: 'x', scopes: ['*'] } }), 401, 'new key with the old token');
  // Signed in again they are a consultant: 403 on admin routes.
  const again = await signIn('second.admin@test.local', 'second-admin-pass-1');
  assert.equal(again.user.role, 'consultant');
  refused(await call('POST', '/api/admin/api-keys', { token: again.access_token, body: { name: 'x', scopes: ['*'] } }), 403, 'a consultant makes keys');
  // The key they made as an admin no longer carries admin authority…
  const demoted = await call('GET', '/crm/clients', { token: key.key });
  refused(demoted, 401, 'key of a demoted admin');
  // …and stays refused once they are disabled too.
  await call('PATCH', `/api/admin/users/${made.json.id}`, { token: admin, body: { disabled: true } });
  refused(await call('GET', '/crm/clients', { token: key.key }), 401, 'key of a disabled user');
});

test('2. a key of a disabled admin is refused; keys may expire', async () => {
  const admin = (await login('admin')).access_token;
  const made = await call('POST', '/api/admin/users', { token: admin, body: { email: 'key.owner@test.local', name: 'Owner', role: 'admin', password: 'key-owner-pass-12' } });
  const owner = await signIn('key.owner@test.local', 'key-owner-pass-12');
  const key = await newKey(owner.access_token, ['search']);
  assert.equal((await call('GET', '/api/auth/me', { token: key.key })).status, 200, 'control');
  await call('PATCH', `/api/admin/users/${made.json.id}`, { token: admin, body: { disabled: true } });
  refused(await call('GET', '/api/auth/me', { token: key.key }), 401, 'key of a disabled owner');

  refused(await call('POST', '/api/admin/api-keys', { token: admin, body: { name: 'bad', scopes: ['search'], expires_in_days: 0 } }), 422, 'expiry 0 days');
  const expiring = await newKey(admin, ['search'], { expires_in_days: 30 });
  assert.ok(expiring.expires_at > Date.now() + 29 * 86_400_000);
  assert.equal((await call('GET', '/api/auth/me', { token: expiring.key })).status, 200);
  const listed = (await call('GET', '/api/admin/api-keys', { token: admin })).json.api_keys.find((k) => k.id === expiring.id);
  assert.equal(listed.expires_at, expiring.expires_at);
  // Time travel: the key's expiry moved into the past in D1.
  sql(`UPDATE api_keys SET expires_at = 1 WHERE id = '${expiring.id}'`);
  const r = await call('GET', '/api/auth/me', { token: expiring.key });
  refused(r, 401, 'expired key');
  assert.match(r.json.error.message, /expired/);
});

test('2. a password change ends the other sessions\' access tokens', async () => {
  const admin = (await login('admin')).access_token;
  await call('POST', '/api/admin/users', { token: admin, body: { email: 'two.devices@test.local', name: 'Two', role: 'consultant', password: 'two-devices-pass-1' } });
  const phone = await signIn('two.devices@test.local', 'two-devices-pass-1');
  const laptop = await signIn('two.devices@test.local', 'two-devices-pass-1');
  const changed = await call('POST', '/api/auth/password', { token: laptop.access_token, body: { current_password: 'two-devices-pass-1', new_password: 'two-devices-pass-2' } });
  assert.equal(changed.status, 200, changed.text);
  const r = await eventually(() => call('GET', '/crm/clients', { token: phone.access_token }), (x) => x.status === 401);
  refused(r, 401, 'the other device after a password change');
  refused(await call('GET', '/crm/clients', { token: laptop.access_token }), 401, 'the old token of the changing device');
  assert.equal((await call('GET', '/crm/clients', { token: changed.json.access_token })).status, 200, 'the fresh token works');
});

test('3. wrong current passwords lock password changes (429 + Retry-After)', async () => {
  const admin = (await login('admin')).access_token;
  await call('POST', '/api/admin/users', { token: admin, body: { email: 'guessed@test.local', name: 'Guessed', role: 'consultant', password: 'guessed-pass-123' } });
  const t = await signIn('guessed@test.local', 'guessed-pass-123');
  const statuses = [];
  let last;
  for (let i = 0; i < 15; i++) {
    last = await call('POST', '/api/auth/password', { token: t.access_token, body: { current_password: `wrong-guess-${i}`, new_password: 'a-new-long-password' } });
    statuses.push(last.status);
  }
  assert.deepEqual(statuses.slice(0, 5), [403, 403, 403, 403, 403]);
  assert.ok(statuses.slice(5).every((s) => s === 429), statuses.join(','));
  refused(last, 429, 'password change while locked');
  assert.ok(Number(last.headers.get('retry-after')) > 0);
  // Even the right current password waits out the lock.
  refused(await call('POST', '/api/auth/password', { token: t.access_token, body: { current_password: 'guessed-pass-123', new_password: 'a-new-long-password' } }), 429, 'right password while locked');
});

test('3. PINs only for clients; team passwords of 12+ characters; the most common passwords refused', async () => {
  const admin = (await login('admin')).access_token;
  const cases = [
    [{ role: 'admin', password: '483920' }, /12 characters/],
    [{ role: 'consultant', password: '483920' }, /12 characters/],
    [{ role: 'consultant', password: 'short-pass1' }, /12 characters/],
    [{ role: 'consultant', password: 'password1234' }, /common/],
    [{ role: 'client', password: '123456', client_id: people.clientIds[0] }, /common/],
  ];
  for (const [i, [body, msg]] of cases.entries()) {
    const r = await call('POST', '/api/admin/users', { token: admin, body: { email: `policy-${i}@test.local`, name: 'P', ...body } });
    refused(r, 422, JSON.stringify(body));
    assert.match(r.json.error.message, msg);
  }
  // The admin's own change is held to the team rule.
  const me = await login('admin');
  const pin = await call('POST', '/api/auth/password', { token: me.access_token, body: { current_password: people.admin.password, new_password: '483920' } });
  refused(pin, 422, 'admin sets a PIN');
});

test('lockout is atomic: 30 parallel wrong logins, at most 5 evaluated', async () => {
  const email = 'parallel-target@test.local';
  const rs = await Promise.all(Array.from({ length: 30 }, () => call('POST', '/api/auth/team/login', { body: { email, password: 'wrong-password' } })));
  const counts = rs.reduce((m, r) => ({ ...m, [r.status]: (m[r.status] || 0) + 1 }), {});
  assert.ok((counts[401] || 0) <= 5, JSON.stringify(counts));
  assert.equal((counts[401] || 0) + (counts[429] || 0), 30, JSON.stringify(counts));
  for (const r of rs.filter((x) => x.status === 429)) assert.equal(r.json.error.code, 'rate_limited');
});

test('6. /health/detailed and /metrics need an admin or the METRICS_TOKEN; /health stays public', async () => {
  assert.equal((await call('GET', '/health')).status, 200);
  const admin = (await login('admin')).access_token;
  const consultant = (await login('consultant')).access_token;
  for (const path of ['/health/detailed', '/metrics']) {
    refused(await call('GET', path), 401, `${path} anonymous`);
    refused(await call('GET', path, { token: consultant }), 403, `${path} consultant`);
    refused(await call('GET', path, { token: 'not-the-metrics-token-0123456789' }), 401, `${path} wrong bearer`);
    assert.equal((await call('GET', path, { token: admin })).status, 200, `${path} admin`);
    assert.equal((await call('GET', path, { token: TEST_METRICS_TOKEN })).status, 200, `${path} scraper`);
  }
  const anon = await call('GET', '/health/detailed');
  // The request id is random hex, so it may contain "d1": look at the error object without it.
  const { request_id: _id, ...shown } = anon.json.error;
  assert.deepEqual(Object.keys(anon.json), ['error']);
  assert.doesNotMatch(JSON.stringify(shown), /providers|anthropic|\bd1\b|binding/i);
});

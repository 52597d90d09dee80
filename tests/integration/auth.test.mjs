// Auth end to end: logins (team, client, PIN), no user enumeration, lockout, refresh rotation and replay,
// logout deny-list, password change, JWT attacks, API keys and scopes, the audit log, hostile input,
// and the role × route table over every declared route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, TEST_JWT_SECRET } from '../support/stack.mjs';
import { seedPeople } from '../support/seed.mjs';
import { forge, decodePayload } from '../support/jwt.mjs';
import { declaredRoutes } from '../support/routes.mjs';
import { request } from '../support/http.mjs';

let stack;
let people;
before(async () => {
  stack = await startStack({ vars: { RATE_LIMITS: 'off' }, load: async (p) => { people = await seedPeople(p); } });
});
after(async () => { await stack?.stop(); });

const call = (method, path, opts) => request(stack.url, method, path, opts);
const login = async (who, portal = 'team') => {
  const p = people[who];
  const r = await call('POST', `/api/auth/${portal}/login`, { body: { email: p.email, password: p.password } });
  assert.equal(r.status, 200, `${who} login: ${r.text}`);
  return r.json;
};

test('team login returns a short-lived HS256 token with the standard claims, and /me answers', async () => {
  const t = await login('admin');
  assert.equal(t.token_type, 'Bearer');
  assert.equal(t.expires_in, 900);
  assert.match(t.refresh_token, /^rt_/);
  const header = JSON.parse(Buffer.from(t.access_token.split('.')[0], 'base64url'));
  assert.equal(header.alg, 'HS256');
  const claims = decodePayload(t.access_token);
  assert.equal(claims.iss, 'nuzantara');
  assert.equal(claims.aud, 'nuzantara-api');
  assert.equal(claims.role, 'admin');
  assert.equal(claims.exp - claims.iat, 900);
  assert.ok(claims.jti && claims.nbf <= claims.exp);
  const me = await call('GET', '/api/auth/me', { token: t.access_token });
  assert.equal(me.status, 200);
  assert.equal(me.json.email, 'admin@test.local');
  assert.equal(me.json.password_hash, undefined);
});

test('a client may sign in with a 6-digit PIN (team accounts may not have one); clients use the client portal only', async () => {
  assert.equal((await login('consultant')).user.role, 'consultant');
  const admin = (await login('admin')).access_token;
  const made = await call('POST', '/api/admin/users', { token: admin, body: { email: 'pin.client@example.com', name: 'Pin Client', role: 'client', password: '483920', client_id: people.clientIds[1] } });
  assert.equal(made.status, 201, made.text);
  const pin = await call('POST', '/api/auth/client/login', { body: { email: 'pin.client@example.com', password: '483920' } });
  assert.equal(pin.status, 200);
  const teamPin = await call('POST', '/api/admin/users', { token: admin, body: { email: 'pin.consultant@test.local', name: 'Pin', role: 'consultant', password: '483920' } });
  assert.equal(teamPin.status, 422);
  assert.match(teamPin.json.error.message, /12 characters/);
  const c = people.client;
  const onTeam = await call('POST', '/api/auth/team/login', { body: { email: c.email, password: c.password } });
  assert.equal(onTeam.status, 401);
  assert.equal((await login('client', 'client')).user.client_id, people.clientIds[0]);
});

test('unknown e-mail and wrong password get the same answer', async () => {
  const a = await call('POST', '/api/auth/team/login', { body: { email: 'nobody@test.local', password: 'whatever-1' } });
  const b = await call('POST', '/api/auth/team/login', { body: { email: 'dewi@test.local', password: 'whatever-1' } });
  assert.equal(a.status, 401);
  assert.equal(b.status, 401);
  assert.deepEqual({ ...a.json.error, request_id: 0 }, { ...b.json.error, request_id: 0 });
});

test('repeated failures lock the account (429 + Retry-After), whether or not it exists', async () => {
  for (const email of ['locked-ghost@test.local', 'sari@example.co.id']) {
    const statuses = [];
    let last;
    for (let i = 0; i < 6; i++) {
      last = await call('POST', '/api/auth/client/login', { body: { email, password: 'wrong-password' } });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429], email);
    assert.ok(Number(last.headers.get('retry-after')) > 0);
    assert.equal(last.json.error.code, 'rate_limited');
  }
  // Even the right password waits out the lock.
  const right = await call('POST', '/api/auth/client/login', { body: { email: people.client2.email, password: people.client2.password } });
  assert.equal(right.status, 429);
});

test('refresh tokens rotate; replaying a spent one revokes the whole family', async () => {
  const t = await login('consultant');
  const r1 = await call('POST', '/api/auth/refresh', { body: { refresh_token: t.refresh_token } });
  assert.equal(r1.status, 200);
  assert.notEqual(r1.json.refresh_token, t.refresh_token);
  assert.equal((await call('GET', '/api/auth/me', { token: r1.json.access_token })).status, 200);
  const replay = await call('POST', '/api/auth/refresh', { body: { refresh_token: t.refresh_token } });
  assert.equal(replay.status, 401);
  const afterReplay = await call('POST', '/api/auth/refresh', { body: { refresh_token: r1.json.refresh_token } });
  assert.equal(afterReplay.status, 401, 'the newer token of the same family is revoked too');
  assert.equal((await call('POST', '/api/auth/refresh', { body: { refresh_token: 'rt_made_up' } })).status, 401);
});

test('logout puts the access token on the deny-list and revokes the refresh token', async () => {
  const t = await login('consultant');
  const out = await call('POST', '/api/auth/logout', { token: t.access_token, body: { refresh_token: t.refresh_token } });
  assert.equal(out.status, 200);
  const me = await call('GET', '/api/auth/me', { token: t.access_token });
  assert.equal(me.status, 401);
  assert.match(me.json.error.message, /revoked/);
  assert.equal((await call('POST', '/api/auth/refresh', { body: { refresh_token: t.refresh_token } })).status, 401);
});

test('password change needs the current password and ends other sessions', async () => {
  const t = await login('admin');
  const wrong = await call('POST', '/api/auth/password', { token: t.access_token, body: { current_password: 'nope-nope', new_password: 'brand-new-pass' } });
  assert.equal(wrong.status, 403);
  const weak = await call('POST', '/api/auth/password', { token: t.access_token, body: { current_password: people.admin.password, new_password: '123' } });
  assert.equal(weak.status, 422);
  const ok = await call('POST', '/api/auth/password', { token: t.access_token, body: { current_password: people.admin.password, new_password: 'brand-new-pass' } });
  assert.equal(ok.status, 200);
  assert.equal((await call('POST', '/api/auth/refresh', { body: { refresh_token: t.refresh_token } })).status, 401);
  // The session that changed the password continues with the fresh tokens of the answer.
  assert.equal((await call('GET', '/api/auth/me', { token: ok.json.access_token })).status, 200);
  assert.equal((await call('POST', '/api/auth/refresh', { body: { refresh_token: ok.json.refresh_token } })).status, 200);
  people.admin.password = 'brand-new-pass';
  await login('admin');
});

test('forged, tampered, expired, premature and foreign tokens are refused', async () => {
  const now = Math.floor(Date.now() / 1000);
  // A forger with the secret would also copy the session epoch (`ver`) of a real token.
  const { ver } = decodePayload((await login('admin')).access_token);
  const base = { iss: 'nuzantara', aud: 'nuzantara-api', sub: people.admin.id, role: 'admin', iat: now, nbf: now, exp: now + 600, jti: 'forged-1', ver };
  const good = forge({ alg: 'HS256', typ: 'JWT' }, base, TEST_JWT_SECRET);
  assert.equal((await call('GET', '/api/admin/users', { token: good })).status, 200, 'control: a correctly signed token works');
  const cases = {
    'alg none': forge({ alg: 'none', typ: 'JWT' }, base, null),
    'alg None with signature': forge({ alg: 'None', typ: 'JWT' }, base, TEST_JWT_SECRET),
    'HS512 with the same secret': forge({ alg: 'HS512', typ: 'JWT' }, base, TEST_JWT_SECRET, 'sha512'),
    'RS256 header, HMAC body': forge({ alg: 'RS256', typ: 'JWT' }, base, TEST_JWT_SECRET),
    'wrong secret': forge({ alg: 'HS256', typ: 'JWT' }, base, 'not-the-secret-not-the-secret-not-the'),
    expired: forge({ alg: 'HS256', typ: 'JWT' }, { ...base, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, TEST_JWT_SECRET),
    'not yet valid': forge({ alg: 'HS256', typ: 'JWT' }, { ...base, nbf: now + 3600, iat: now + 3600, exp: now + 7200 }, TEST_JWT_SECRET),
    'wrong audience': forge({ alg: 'HS256', typ: 'JWT' }, { ...base, aud: 'other-api' }, TEST_JWT_SECRET),
    'wrong issuer': forge({ alg: 'HS256', typ: 'JWT' }, { ...base, iss: 'evil' }, TEST_JWT_SECRET),
    garbage: 'abc.def.ghi',
  };
  for (const [name, token] of Object.entries(cases)) {
    const r = await call('GET', '/api/admin/users', { token });
    assert.equal(r.status, 401, name);
    assert.equal(r.json.error.code, 'unauthorized', name);
  }
  // Role tampering: a consultant's real token with the role claim edited to admin.
  const t = await login('consultant');
  const [h, p, s] = t.access_token.split('.');
  const payload = { ...decodePayload(t.access_token), role: 'admin' };
  const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
  assert.equal((await call('GET', '/api/admin/users', { token: tampered })).status, 401);
  assert.equal((await call('GET', '/api/admin/users', { token: t.access_token })).status, 403);
  assert.equal((await call('GET', '/api/auth/me', { headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' } })).status, 401);
});

test('API keys: admin-only, shown once, scoped, revocable', async () => {
  const admin = (await login('admin')).access_token;
  const consultant = (await login('consultant')).access_token;
  assert.equal((await call('POST', '/api/admin/api-keys', { token: consultant, body: { name: 'x', scopes: ['search'] } })).status, 403);
  assert.equal((await call('POST', '/api/admin/api-keys', { token: admin, body: { name: 'x', scopes: ['root'] } })).status, 422);
  const created = await call('POST', '/api/admin/api-keys', { token: admin, body: { name: 'Website widget', scopes: ['search'] } });
  assert.equal(created.status, 201);
  const key = created.json.key;
  assert.match(key, /^nzk_[0-9a-f]{8}_/);
  const listed = await call('GET', '/api/admin/api-keys', { token: admin });
  assert.ok(!listed.text.includes(key.split('_')[2]), 'the key secret is never listed');
  assert.ok(listed.json.api_keys.some((k) => k.id === created.json.id && k.prefix === created.json.prefix));
  const me = await call('GET', '/api/auth/me', { token: key });
  assert.deepEqual([me.status, me.json.role, me.json.scopes], [200, 'service', ['search']]);
  assert.equal((await call('POST', '/api/search', { token: key, body: { query: 'visa' } })).status, 200);
  assert.equal((await call('GET', '/api/admin/users', { token: key })).status, 403);
  const noScope = await call('POST', '/api/admin/api-keys', { token: admin, body: { name: 'crm only', scopes: ['crm:read'] } });
  assert.equal((await call('POST', '/api/search', { token: noScope.json.key, body: { query: 'visa' } })).status, 403);
  assert.equal((await call('DELETE', `/api/admin/api-keys/${created.json.id}`, { token: admin })).status, 200);
  assert.equal((await call('GET', '/api/auth/me', { token: key })).status, 401);
  assert.equal((await call('DELETE', `/api/admin/api-keys/${created.json.id}`, { token: admin })).status, 404);
});

test('admins add users and change roles; every change lands in the audit log', async () => {
  const admin = (await login('admin')).access_token;
  const made = await call('POST', '/api/admin/users', { token: admin, body: { email: 'new.consultant@test.local', name: 'Nyoman', role: 'consultant' } });
  assert.equal(made.status, 201);
  assert.ok(made.json.generated_password.length >= 12);
  const dup = await call('POST', '/api/admin/users', { token: admin, body: { email: 'NEW.consultant@test.local', name: 'Again', role: 'consultant', password: 'long-enough-1' } });
  assert.equal(dup.status, 409);
  const first = await call('POST', '/api/auth/team/login', { body: { email: 'new.consultant@test.local', password: made.json.generated_password } });
  assert.equal(first.status, 200);
  const promoted = await call('PATCH', `/api/admin/users/${made.json.id}`, { token: admin, body: { role: 'admin' } });
  assert.equal(promoted.json.role, 'admin');
  const self = await call('PATCH', `/api/admin/users/${people.admin.id}`, { token: admin, body: { disabled: true } });
  assert.equal(self.status, 409);
  const audit = await call('GET', '/api/admin/audit?limit=200', { token: admin });
  const actions = audit.json.entries.map((e) => e.action);
  for (const a of ['login_ok', 'login_failed', 'user_created', 'user_updated', 'api_key_created', 'api_key_revoked', 'refresh_reuse', 'password_changed', 'logout']) {
    assert.ok(actions.includes(a), `audit has ${a}`);
  }
  const change = audit.json.entries.find((e) => e.action === 'user_updated' && e.target_id === made.json.id);
  assert.equal(change.detail.to.role, 'admin');
  assert.equal(change.actor_id, people.admin.id);
  const consultant = (await login('consultant')).access_token;
  assert.equal((await call('GET', '/api/admin/audit', { token: consultant })).status, 403);
});

test('hostile input: SQL injection strings, huge bodies, odd headers never give a 5xx', async () => {
  const admin = (await login('admin')).access_token;
  const injections = ["' OR '1'='1", "admin@test.local'--", '"; DROP TABLE users; --', '\u0000', '%00', '${7*7}', '<script>alert(1)</script>'];
  for (const s of injections) {
    const r1 = await call('POST', '/api/auth/team/login', { body: { email: s, password: s } });
    assert.ok([401, 422].includes(r1.status), `login ${JSON.stringify(s)} → ${r1.status}`);
    const r2 = await call('POST', '/api/admin/users', { token: admin, body: { email: s, name: s, role: 'consultant', password: 'long-enough-1' } });
    assert.equal(r2.status, 422, `create user ${JSON.stringify(s)}`);
    const r3 = await call('PATCH', `/api/admin/users/${encodeURIComponent(s)}`, { token: admin, body: { name: 'x' } });
    assert.ok([404, 422].includes(r3.status), `patch ${JSON.stringify(s)} → ${r3.status}`);
    const r4 = await call('POST', '/api/search', { body: { query: s } });
    assert.ok([200, 422].includes(r4.status), `search ${JSON.stringify(s)} → ${r4.status}`);
    const r5 = await call('GET', `/api/admin/audit?action=${encodeURIComponent(s)}`, { token: admin });
    assert.equal(r5.status, 200);
    assert.deepEqual(r5.json.entries, []);
  }
  const users = await call('GET', '/api/admin/users', { token: admin });
  assert.ok(users.json.users.length >= 4, 'the users table is intact');
  const big = await call('POST', '/api/auth/team/login', { body: { email: 'a@b.c', password: 'x'.repeat(1024 * 1024) } });
  assert.equal(big.status, 413);
  const weird = await call('GET', '/api/auth/me', { token: admin, headers: { 'X-Request-Id': 'a\tb', 'X-Forwarded-For': "1.1.1.1'; DROP" } });
  assert.equal(weird.status, 200);
});

// Expected status per caller for one request to every route. `svc` is an API key with the `search` scope.
const TABLE = [
  ['GET', '/health', null, { anon: 200, client: 200, consultant: 200, admin: 200, svc: 200 }],
  ['GET', '/health/detailed', null, { anon: 401, client: 403, consultant: 403, admin: 200, svc: 403 }],
  ['GET', '/metrics', null, { anon: 401, client: 403, consultant: 403, admin: 200, svc: 403 }],
  ['GET', '/openapi.json', null, { anon: 200, client: 200, consultant: 200, admin: 200, svc: 200 }],
  ['POST', '/api/search', { query: 'visa' }, { anon: 200, client: 200, consultant: 200, admin: 200, svc: 200 }],
  ['GET', '/api/collections', null, { anon: 200, client: 200, consultant: 200, admin: 200, svc: 200 }],
  ['GET', '/api/documents/{id}', null, { anon: 404, client: 404, consultant: 404, admin: 404, svc: 404 }],
  ['POST', '/api/auth/team/login', { email: 'team-{who}@nowhere.test', password: 'wrong-password' }, { anon: 401, client: 401, consultant: 401, admin: 401, svc: 401 }],
  ['POST', '/api/auth/client/login', { email: 'client-{who}@nowhere.test', password: 'wrong-password' }, { anon: 401, client: 401, consultant: 401, admin: 401, svc: 401 }],
  ['POST', '/api/auth/refresh', { refresh_token: 'rt_nothing' }, { anon: 401, client: 401, consultant: 401, admin: 401, svc: 401 }],
  ['POST', '/api/auth/logout', {}, { anon: 401, client: 200, consultant: 200, admin: 200, svc: 403 }],
  ['GET', '/api/auth/me', null, { anon: 401, client: 200, consultant: 200, admin: 200, svc: 200 }],
  ['POST', '/api/auth/password', { current_password: 'not-it-at-all', new_password: 'whatever-long' }, { anon: 401, client: 403, consultant: 403, admin: 403, svc: 403 }],
  ['POST', '/api/admin/users', { email: 'bad' }, { anon: 401, client: 403, consultant: 403, admin: 422, svc: 403 }],
  ['GET', '/api/admin/users', null, { anon: 401, client: 403, consultant: 403, admin: 200, svc: 403 }],
  ['PATCH', '/api/admin/users/{id}', { name: 'x' }, { anon: 401, client: 403, consultant: 403, admin: 404, svc: 403 }],
  ['POST', '/api/admin/api-keys', { name: 'k', scopes: ['bogus'] }, { anon: 401, client: 403, consultant: 403, admin: 422, svc: 403 }],
  ['GET', '/api/admin/api-keys', null, { anon: 401, client: 403, consultant: 403, admin: 200, svc: 403 }],
  ['DELETE', '/api/admin/api-keys/{id}', null, { anon: 401, client: 403, consultant: 403, admin: 404, svc: 403 }],
  ['GET', '/api/admin/audit', null, { anon: 401, client: 403, consultant: 403, admin: 200, svc: 403 }],
  ['POST', '/bali-zero/chat-stream', { query: 'hi' }, { anon: 200, client: 200, consultant: 200, admin: 200, svc: 403 }],
  ['POST', '/bali-zero/chat', { query: 'hi' }, { anon: 200, client: 200, consultant: 200, admin: 200, svc: 403 }],
  ['POST', '/v1/chat/completions', { model: 'nuzantara', messages: [{ role: 'user', content: 'hi' }] }, { anon: 401, client: 200, consultant: 200, admin: 200, svc: 403 }],
  ['GET', '/v1/models', null, { anon: 401, client: 200, consultant: 200, admin: 200, svc: 403 }],
  // No embedder in this stack: the embedding model does not exist here (OpenAI's 404 model_not_found).
  ['POST', '/v1/embeddings', { model: 'nuzantara-embedding', input: 'visa' }, { anon: 401, client: 404, consultant: 404, admin: 404, svc: 403 }],
  ['GET', '/api/tools', null, { anon: 200, client: 200, consultant: 200, admin: 200, svc: 403 }],
  ['POST', '/api/tools/{name}', {}, { anon: 404, client: 404, consultant: 404, admin: 404, svc: 403 }],
  ['POST', '/api/email/confirm', { confirmation_token: `emc_${'0'.repeat(32)}` }, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['GET', '/api/conversations', null, { anon: 401, client: 200, consultant: 200, admin: 200, svc: 403 }],
  ['GET', '/api/conversations/{id}', null, { anon: 401, client: 404, consultant: 404, admin: 404, svc: 403 }],
  ['GET', '/api/conversations/{id}/export', null, { anon: 401, client: 404, consultant: 404, admin: 404, svc: 403 }],
  ['DELETE', '/api/conversations/{id}', null, { anon: 401, client: 404, consultant: 404, admin: 404, svc: 403 }],
  ['POST', '/api/messages/{id}/feedback', { value: 1 }, { anon: 401, client: 404, consultant: 404, admin: 404, svc: 403 }],
  ['GET', '/api/memory', null, { anon: 401, client: 200, consultant: 200, admin: 200, svc: 403 }],
  ['POST', '/api/memory', { content: 'x' }, { anon: 401, client: 422, consultant: 422, admin: 422, svc: 403 }],
  ['PATCH', '/api/memory/{id}', { content: 'a longer fact' }, { anon: 401, client: 404, consultant: 404, admin: 404, svc: 403 }],
  ['DELETE', '/api/memory/{id}', null, { anon: 401, client: 404, consultant: 404, admin: 404, svc: 403 }],
  // CRM: svc is an API key with only the `search` scope, so every CRM route is 403 for it.
  ['GET', '/crm/clients', null, { anon: 401, client: 403, consultant: 200, admin: 200, svc: 403 }],
  ['POST', '/crm/clients', { full_name: '' }, { anon: 401, client: 403, consultant: 422, admin: 422, svc: 403 }],
  ['GET', '/crm/clients/by-email', null, { anon: 401, client: 403, consultant: 422, admin: 422, svc: 403 }],
  ['GET', '/crm/clients/{id}', null, { anon: 401, client: 404, consultant: 404, admin: 404, svc: 403 }],
  ['PATCH', '/crm/clients/{id}', { full_name: 'x', version: 1 }, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['DELETE', '/crm/clients/{id}', null, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['GET', '/crm/clients/{id}/summary', null, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['GET', '/crm/clients/{id}/interactions', null, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['POST', '/crm/clients/{id}/interactions', { kind: 'note', summary: 'x' }, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['POST', '/crm/interactions/from-conversation', { client_id: 'does-not-exist', conversation_id: 'does-not-exist' }, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['GET', '/crm/practice-types', null, { anon: 401, client: 200, consultant: 200, admin: 200, svc: 403 }],
  ['GET', '/crm/practices', null, { anon: 401, client: 200, consultant: 200, admin: 200, svc: 403 }],
  ['POST', '/crm/practices', { client_id: 'does-not-exist', type_code: 'E33G' }, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['GET', '/crm/practices/renewals', null, { anon: 401, client: 403, consultant: 200, admin: 200, svc: 403 }],
  ['GET', '/crm/practices/{id}', null, { anon: 401, client: 404, consultant: 404, admin: 404, svc: 403 }],
  ['PATCH', '/crm/practices/{id}', { notes: 'x', version: 1 }, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['POST', '/crm/practices/{id}/status', { status: 'quoted', version: 1 }, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['POST', '/crm/practices/{id}/payments', { amount_idr: 1 }, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['GET', '/crm/documents', null, { anon: 401, client: 200, consultant: 200, admin: 200, svc: 403 }],
  ['POST', '/crm/documents', {}, { anon: 401, client: 415, consultant: 415, admin: 415, svc: 403 }],
  ['GET', '/crm/documents/{id}', null, { anon: 401, client: 404, consultant: 404, admin: 404, svc: 403 }],
  ['DELETE', '/crm/documents/{id}', null, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['GET', '/crm/documents/{id}/content', null, { anon: 401, client: 404, consultant: 404, admin: 404, svc: 403 }],
  ['GET', '/crm/team', null, { anon: 401, client: 403, consultant: 200, admin: 200, svc: 403 }],
  ['GET', '/crm/work-sessions', null, { anon: 401, client: 403, consultant: 200, admin: 200, svc: 403 }],
  ['POST', '/crm/work-sessions/clock-in', {}, { anon: 401, client: 403, consultant: 201, admin: 201, svc: 403 }],
  ['POST', '/crm/work-sessions/clock-out', {}, { anon: 401, client: 403, consultant: 200, admin: 200, svc: 403 }],
  ['GET', '/crm/analytics', null, { anon: 401, client: 403, consultant: 200, admin: 200, svc: 403 }],
  ['GET', '/crm/export/clients.csv', null, { anon: 401, client: 403, consultant: 200, admin: 200, svc: 403 }],
  ['GET', '/crm/export/practices.csv', null, { anon: 401, client: 403, consultant: 200, admin: 200, svc: 403 }],
  // WhatsApp: this stack has no WHATSAPP_* secrets, so the channel is off and its webhook is a 404 for everyone.
  ['GET', '/webhooks/whatsapp', null, { anon: 404, client: 404, consultant: 404, admin: 404, svc: 404 }],
  ['POST', '/webhooks/whatsapp', {}, { anon: 404, client: 404, consultant: 404, admin: 404, svc: 404 }],
  ['GET', '/api/whatsapp/conversations', null, { anon: 401, client: 403, consultant: 200, admin: 200, svc: 403 }],
  ['GET', '/api/whatsapp/conversations/{wa_id}', null, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['POST', '/api/whatsapp/conversations/{wa_id}/takeover', {}, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['POST', '/api/whatsapp/conversations/{wa_id}/release', {}, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['POST', '/api/whatsapp/conversations/{wa_id}/messages', { text: 'x' }, { anon: 401, client: 403, consultant: 404, admin: 404, svc: 403 }],
  ['GET', '/api/admin/whatsapp/failures', null, { anon: 401, client: 403, consultant: 403, admin: 200, svc: 403 }],
];

test('role × route table: every declared route, every kind of caller', async () => {
  const declared = declaredRoutes().map((r) => `${r.method} ${r.path}`).sort();
  assert.deepEqual(TABLE.map(([m, p]) => `${m} ${p}`).sort(), declared, 'the table covers exactly the declared routes');
  const admin = (await login('admin')).access_token;
  const svc = (await call('POST', '/api/admin/api-keys', { token: admin, body: { name: 'table', scopes: ['search'] } })).json.key;
  const tokenFor = async (who) => {
    if (who === 'anon') return undefined;
    if (who === 'svc') return svc;
    return (await login(who, who === 'client' ? 'client' : 'team')).access_token; // fresh: logout revokes
  };
  const failures = [];
  for (const [method, path, body, expected] of TABLE) {
    const concrete = path.replace(/\{\w+\}/g, 'does-not-exist');
    for (const [who, status] of Object.entries(expected)) {
      const concreteBody = body && JSON.parse(JSON.stringify(body).replaceAll('{who}', who));
      const r = await call(method, concrete, { token: await tokenFor(who), body: concreteBody ?? undefined });
      if (r.status !== status) failures.push(`${method} ${path} as ${who}: ${r.status} (want ${status}) ${r.text.slice(0, 120)}`);
      if (r.status >= 400) assert.ok(r.json?.error?.code, `${method} ${path} as ${who}: JSON error body`);
    }
  }
  assert.deepEqual(failures, []);
});

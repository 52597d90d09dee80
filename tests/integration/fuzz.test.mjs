// Generated fuzzing over every route of /openapi.json: 2,400 random and mutated requests (bodies from the
// schemas then broken, hostile path and query values, wrong methods and content types, junk credentials).
// The contract: never a 5xx, and every error is {"error":{"code","message","request_id"}} (on /v1/*, OpenAI's
// {"error":{"message","type","param","code"}}).
// Seeded PRNG: a failure prints the seed and the request so it can be replayed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../support/stack.mjs';
import { seedPeople } from '../support/seed.mjs';

const SEED = Number(process.env.FUZZ_SEED || 20261126);
const COUNT = Number(process.env.FUZZ_COUNT || 2400);

let stack;
let people;
before(async () => {
  stack = await startStack({ vars: { RATE_LIMITS: 'off' }, load: async (p) => { people = await seedPeople(p); } });
});
after(async () => { await stack?.stop(); });

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = ["' OR '1'='1", '"; DROP TABLE users; --', '../../etc/passwd', '%00', '\u0000', '\ud83d\ude00', 'NEAR(a b)', '*', '-', '"',
  '<img src=x onerror=alert(1)>', '${jndi:ldap://x}', 'a'.repeat(5000), '', ' ', '\r\nSet-Cookie: x=y', 'null', '-1', '1e309', 'E33G', '56101'];

function gen(schema, rnd, depth = 0) {
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  if (!schema || depth > 4) return null;
  if (schema.enum) return pick(schema.enum);
  switch (schema.type) {
    case 'string': {
      if (rnd() < 0.3) return pick(NASTY);
      const len = Math.floor(rnd() * Math.min(schema.maxLength ?? 40, 60)) + (schema.minLength ?? 0);
      return Array.from({ length: len }, () => pick('abcdefghijklmnopqrstuvwxyz0123456789 @.-éà漢'.split(''))).join('');
    }
    case 'integer': return Math.floor((schema.minimum ?? -5) + rnd() * ((schema.maximum ?? 100) - (schema.minimum ?? -5) + 1));
    case 'boolean': return rnd() < 0.5;
    case 'array': return Array.from({ length: Math.floor(rnd() * 4) }, () => gen(schema.items, rnd, depth + 1));
    case 'object': {
      const out = {};
      for (const [k, v] of Object.entries(schema.properties || {})) {
        if ((schema.required || []).includes(k) || rnd() < 0.5) out[k] = gen(v, rnd, depth + 1);
      }
      return out;
    }
    default: return null;
  }
}

function mutate(value, rnd) {
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  const junk = [null, 0, -1, 1e308, true, [], {}, 'x'.repeat(3000), [1, [2, [3]]], { a: { b: { c: {} } } }, pick(NASTY)];
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const out = { ...value };
    const r = rnd();
    if (r < 0.25 && keys.length) delete out[pick(keys)];
    else if (r < 0.6 && keys.length) out[pick(keys)] = pick(junk);
    else if (r < 0.8) out[`extra_${Math.floor(rnd() * 99)}`] = pick(junk);
    else return pick(junk);
    return out;
  }
  return pick(junk);
}

test(`${COUNT} generated requests: no 5xx, every error in the JSON error shape (seed ${SEED})`, async () => {
  const rnd = prng(SEED);
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  const doc = await (await fetch(`${stack.url}/openapi.json`)).json();
  const ops = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) ops.push({ path, method: method.toUpperCase(), op });
  }
  assert.ok(ops.length >= 20);

  const loginAs = async (who, portal = 'team') => {
    const p = people[who];
    const r = await fetch(`${stack.url}/api/auth/${portal}/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: p.email, password: p.password }),
    });
    return (await r.json()).access_token;
  };
  const tokens = { admin: await loginAs('admin'), consultant: await loginAs('consultant'), client: await loginAs('client', 'client') };
  const auths = () => [undefined, undefined, `Bearer ${tokens.admin}`, `Bearer ${tokens.consultant}`, `Bearer ${tokens.client}`,
    'Bearer nzk_00000000_fake', 'Bearer a.b.c', 'Basic Zm9vOmJhcg==', `Bearer ${tokens.admin.slice(0, -3)}xyz`, 'Bearer ' + 'A'.repeat(5000)];

  const failures = [];
  const seen = new Map();
  for (let i = 0; i < COUNT; i++) {
    const { path, method: declared, op } = pick(ops);
    const strategy = rnd();
    const method = strategy < 0.08 ? pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']) : declared;
    const concrete = path.replace(/\{(\w+)\}/g, () => encodeURIComponent(rnd() < 0.5 ? pick(NASTY) || 'x' : `id-${Math.floor(rnd() * 1e6)}`));
    const query = (op.parameters || []).filter((p) => p.in === 'query' && rnd() < 0.5)
      .map((p) => `${p.name}=${encodeURIComponent(rnd() < 0.5 ? pick(NASTY) : String(gen(p.schema, rnd)))}`).join('&');
    const url = `${stack.url}${concrete}${query ? `?${query}` : ''}`;
    const headers = {};
    const auth = pick(auths());
    if (auth) headers.Authorization = auth;
    // Header values are limited to what an HTTP client can send at all (printable ASCII).
    if (rnd() < 0.1) headers['X-Request-Id'] = pick(NASTY.filter((v) => /^[\x20-\x7e]*$/.test(v))).slice(0, 200);
    let body;
    if (!['GET', 'HEAD', 'DELETE'].includes(method)) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const valid = gen(schema || { type: 'object', properties: {} }, rnd);
      const r = rnd();
      if (r < 0.45) body = JSON.stringify(valid);
      else if (r < 0.8) body = JSON.stringify(mutate(valid, rnd));
      else if (r < 0.9) body = JSON.stringify(valid).slice(0, Math.floor(rnd() * 20));
      else body = Buffer.from(Array.from({ length: 64 }, () => Math.floor(rnd() * 256)));
      headers['Content-Type'] = rnd() < 0.9 ? 'application/json' : pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', '']);
    }
    let res;
    try {
      res = await fetch(url, { method, headers, body });
    } catch (e) {
      failures.push(`#${i} ${method} ${url}: transport error ${e.message}`);
      continue;
    }
    const text = method === 'HEAD' ? '' : await res.text();
    seen.set(res.status, (seen.get(res.status) || 0) + 1);
    const where = `#${i} ${method} ${concrete}${query ? `?${query.slice(0, 80)}` : ''} → ${res.status}`;
    if (res.status >= 500) failures.push(`${where}: ${text.slice(0, 200)}`);
    if (res.status >= 400 && method !== 'HEAD') {
      let ok = false;
      try {
        const j = JSON.parse(text);
        ok = concrete.startsWith('/v1/')
          // OpenAI's shape on the OpenAI-compatible routes.
          ? typeof j.error?.message === 'string' && typeof j.error?.type === 'string' && 'param' in j.error && typeof j.error?.code === 'string'
          : typeof j.error?.code === 'string' && typeof j.error?.message === 'string' && typeof j.error?.request_id === 'string';
      } catch { /* not JSON */ }
      if (!ok) failures.push(`${where}: error body not in the JSON shape: ${text.slice(0, 120)}`);
    }
    if (concrete === '/api/auth/logout' && res.status === 200) {
      for (const who of ['admin', 'consultant']) tokens[who] = await loginAs(who);
      tokens.client = await loginAs('client', 'client');
    }
  }
  console.log(`fuzz seed ${SEED}: ${COUNT} requests, statuses ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failures`);
  assert.ok([...seen.keys()].some((s) => s < 300), 'some requests succeed (the fuzzer reaches real handlers)');
  assert.ok((seen.get(422) || 0) + (seen.get(400) || 0) > 100, 'many requests are rejected as invalid');
});

// The foundation end to end on the built worker under wrangler dev: health, detailed health per store,
// Prometheus metrics, the JSON error contract (404/405/400/415/413), request ids, CORS and security headers,
// and the PWA shell served from the same origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, OPS } from '../support/stack.mjs';
import { parsePrometheus } from '../support/prometheus.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

const api = (path, init) => fetch(stack.url + path, init);

async function assertJsonError(res, status, code) {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type'), /application\/json/);
  const body = await res.json();
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  assert.equal(body.error.request_id, res.headers.get('x-request-id'));
  return body;
}

test('GET /health is 200 with security headers and a request id', async () => {
  const res = await api('/health');
  assert.equal(res.status, 200);
  assert.equal((await res.json()).status, 'ok');
  assert.match(res.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  assert.match(res.headers.get('strict-transport-security'), /max-age=/);
});

test('a safe X-Request-Id is honoured, an unsafe one replaced', async () => {
  const ok = await api('/health', { headers: { 'X-Request-Id': 'trace-42.a' } });
  assert.equal(ok.headers.get('x-request-id'), 'trace-42.a');
  const bad = await api('/health', { headers: { 'X-Request-Id': 'x'.repeat(300) } });
  assert.match(bad.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
});

test('GET /health/detailed reports every store and the modes', async () => {
  const res = await api('/health/detailed', OPS);
  assert.equal(res.status, 200);
  const body = await res.json();
  for (const store of ['d1', 'kv', 'r2']) {
    assert.equal(body.stores[store].status, 'ok', store);
    assert.equal(typeof body.stores[store].latency_ms, 'number');
  }
  assert.equal(body.search.vector.mode, 'local');
  assert.equal(body.search.embedder.mode, 'none');
  assert.equal(body.model.mode, 'offline');
  assert.ok(body.model.providers.some((p) => p.name === 'offline'));
});

test('GET /metrics is Prometheus text with counts and a latency histogram by route', async () => {
  await api('/health');
  await api('/api/nope');
  const res = await api('/metrics', OPS);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheus(await res.text());
  const reqs = families.get('nuzantara_http_requests_total');
  assert.equal(reqs.type, 'counter');
  const health = reqs.samples.find((s) => s.labels.route === '/health' && s.labels.status === '200');
  assert.ok(health.value >= 1);
  assert.ok(reqs.samples.some((s) => s.labels.route === 'unmatched' && s.labels.status === '404'));
  const hist = families.get('nuzantara_http_request_duration_ms');
  assert.equal(hist.type, 'histogram');
  const inf = hist.samples.find((s) => s.name.endsWith('_bucket') && s.labels.route === '/health' && s.labels.le === '+Inf');
  const count = hist.samples.find((s) => s.name.endsWith('_count') && s.labels.route === '/health');
  assert.equal(inf.value, count.value);
});

test('unknown route → 404 JSON; wrong method → 405 JSON with Allow', async () => {
  await assertJsonError(await api('/api/nothing-here'), 404, 'not_found');
  const res = await api('/health', { method: 'DELETE' });
  assert.equal(res.headers.get('allow'), 'GET');
  await assertJsonError(res, 405, 'method_not_allowed');
  await assertJsonError(await api('/api/search'), 405, 'method_not_allowed');
});

test('malformed JSON → 400, wrong content type → 415, oversized body → 413, wrong shape → 422', async () => {
  const post = (body, type = 'application/json') =>
    api('/api/search', { method: 'POST', headers: { 'Content-Type': type }, body });
  await assertJsonError(await post('{"query": '), 400, 'invalid_json');
  await assertJsonError(await post('query=visa', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
  await assertJsonError(await post(JSON.stringify({ query: 'x'.repeat(300_000) })), 413, 'payload_too_large');
  await assertJsonError(await post(JSON.stringify({ query: 42 })), 422, 'validation_failed');
  await assertJsonError(await post(JSON.stringify({ query: 'visa', surprise: true })), 422, 'validation_failed');
});

test('CORS: preflight and simple requests echo allowed origins only', async () => {
  const pre = await api('/api/search', {
    method: 'OPTIONS',
    headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
  const res = await api('/health', { headers: { Origin: 'http://localhost:3000' } });
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:3000');
});

test('the PWA shell is served from the same origin with a CSP', async () => {
  const res = await api('/');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/html/);
  assert.match(await res.text(), /<script type="module" src="\/js\/main.js">/);
  assert.match(res.headers.get('content-security-policy'), /default-src 'self'/);
  const manifest = await api('/manifest.webmanifest');
  assert.equal(manifest.status, 200);
  assert.equal((await manifest.json()).short_name, 'Nuzantara');
});

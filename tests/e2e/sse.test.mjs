// Unit tests of the PWA's SSE client (pages/js/sse.js): the pure parser and the fetch connection
// (retry, Last-Event-ID resume, dedupe, abort), with fake fetches. No browser, no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createParser, streamSSE, splitId, HttpError } from '../../pages/js/sse.js';

const feedAll = (chunks) => {
  const p = createParser();
  return chunks.flatMap((c) => p.feed(c));
};

test('parser: LF, CRLF and CR line ends give the same events', () => {
  const lf = 'id: a:0\nevent: token\ndata: {"text":"hi"}\n\nid: a:1\nevent: done\ndata: {}\n\n';
  const expected = [
    { id: 'a:0', event: 'token', data: '{"text":"hi"}' },
    { id: 'a:1', event: 'done', data: '{}' },
  ];
  assert.deepEqual(feedAll([lf]), expected);
  assert.deepEqual(feedAll([lf.replace(/\n/g, '\r\n')]), expected);
  assert.deepEqual(feedAll([lf.replace(/\n/g, '\r')]), expected);
});

test('parser: events split at every possible position, including inside CRLF', () => {
  const text = 'id: m:0\r\nevent: token\r\ndata: {"text":"Halo ☕ dunia"}\r\n\r\n: heartbeat\r\n\r\nid: m:1\r\ndata: x\r\n\r\n';
  const whole = feedAll([text]);
  assert.equal(whole.length, 2);
  for (let i = 0; i <= text.length; i++) {
    assert.deepEqual(feedAll([text.slice(0, i), text.slice(i)]), whole, `split at ${i}`);
  }
  // One character at a time.
  assert.deepEqual(feedAll([...text]), whole);
});

test('parser: multi-line data, comments, field without colon, no space after colon, BOM', () => {
  const evs = feedAll(['\uFEFF: comment line\nevent:token\ndata:line one\ndata: line two\ndata\n\n']);
  assert.deepEqual(evs, [{ id: '', event: 'token', data: 'line one\nline two\n' }]);
});

test('parser: default event type, id persists, empty id resets, events without data are not dispatched', () => {
  const p = createParser();
  const evs = p.feed('id: 7\ndata: a\n\ndata: b\n\nevent: ping\n\nid\ndata: c\n\n');
  assert.deepEqual(evs, [
    { id: '7', event: 'message', data: 'a' },
    { id: '7', event: 'message', data: 'b' },
    { id: '', event: 'message', data: 'c' },
  ]);
  assert.equal(p.lastEventId, '');
});

test('parser: retry field, unknown fields ignored, ids with NUL refused, unterminated event not dispatched', () => {
  const p = createParser();
  assert.deepEqual(p.feed('retry: 1500\nfoo: bar\nid: ok\nid: bad\0id\ndata: x\n\ndata: pending'), [{ id: 'ok', event: 'message', data: 'x' }]);
  assert.equal(p.retry, 1500);
  assert.deepEqual(p.feed('\nretry: soon\n'), []);
  assert.equal(p.retry, 1500);
  assert.deepEqual(p.feed('\n'), [{ id: 'ok', event: 'message', data: 'pending' }]);
});

test('splitId', () => {
  assert.deepEqual(splitId('abc:12'), { msg: 'abc', n: 12 });
  assert.deepEqual(splitId('a:b:3'), { msg: 'a:b', n: 3 });
  assert.equal(splitId('nonsense'), null);
  assert.equal(splitId(':1'), null);
  assert.equal(splitId('a:-1'), null);
  assert.equal(splitId(''), null);
});

// ── The connection, over fake fetches ──────────────────────────────────────────────────────────────

const frame = (id, event, data) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const enc = new TextEncoder();

/** A Response whose body yields `parts` (strings) and then ends, or errors when `fail` is set. */
function sseResponse(parts, { fail = false, status = 200, headers = {} } = {}) {
  let i = 0;
  const body = new ReadableStream({
    pull(c) {
      if (i < parts.length) c.enqueue(enc.encode(parts[i++]));
      else if (fail) c.error(new TypeError('network connection lost'));
      else c.close();
    },
  });
  return new Response(body, { status, headers: { 'Content-Type': 'text/event-stream', ...headers } });
}

const ANSWER = [
  frame('m:0', 'meta', { message_id: 'm' }),
  frame('m:1', 'token', { text: 'Hello', seq: 0 }),
  frame('m:2', 'token', { text: ' world', seq: 1 }),
  frame('m:3', 'sources', { sources: [] }),
  frame('m:4', 'done', { message_id: 'm' }),
];

test('connection: posts JSON, delivers events in order, stops at done', async () => {
  const calls = [];
  const got = [];
  const r = await streamSSE('/chat', {
    body: { query: 'q' },
    headers: async () => ({ Authorization: 'Bearer t' }),
    fetch: async (url, init) => { calls.push({ url, init }); return sseResponse([ANSWER.join('')]); },
    onEvent: (e) => got.push(e.event),
  });
  assert.deepEqual(got, ['meta', 'token', 'token', 'sources', 'done']);
  assert.equal(r.lastEventId, 'm:4');
  assert.equal(calls.length, 1);
  assert.equal(calls[0].init.method, 'POST');
  assert.equal(calls[0].init.body, '{"query":"q"}');
  assert.equal(calls[0].init.headers.Authorization, 'Bearer t');
  assert.equal(calls[0].init.headers['Last-Event-ID'], undefined);
});

test('connection: a dropped stream resumes with Last-Event-ID, and replayed events are not delivered twice', async () => {
  const calls = [];
  const text = [];
  const retries = [];
  await streamSSE('/chat', {
    body: { query: 'q', session_id: 's' },
    retryDelayMs: 1,
    fetch: async (url, init) => {
      calls.push(init.headers['Last-Event-ID']);
      if (calls.length === 1) return sseResponse([ANSWER[0], ANSWER[1].slice(0, 20), ANSWER[1].slice(20)], { fail: true });
      // The server replays from an older point than asked (at-least-once): the client must skip it.
      return sseResponse(ANSWER.slice(1));
    },
    onRetry: (r) => retries.push(r.lastEventId),
    onEvent: (e) => { if (e.event === 'token') text.push(JSON.parse(e.data).text); },
  });
  assert.deepEqual(calls, [undefined, 'm:1']);
  assert.deepEqual(retries, ['m:1']);
  assert.deepEqual(text, ['Hello', ' world']);
});

test('connection: a stream that ends cleanly before done also resumes', async () => {
  let n = 0;
  const events = [];
  await streamSSE('/chat', {
    body: {},
    retryDelayMs: 1,
    fetch: async () => (++n === 1 ? sseResponse(ANSWER.slice(0, 2)) : sseResponse(ANSWER.slice(2))),
    onEvent: (e) => events.push(e.id),
  });
  assert.equal(n, 2);
  assert.deepEqual(events, ['m:0', 'm:1', 'm:2', 'm:3', 'm:4']);
});

test('connection: failing before any event is a NetworkError (nothing to resume: the caller queues)', async () => {
  await assert.rejects(
    streamSSE('/chat', { body: {}, fetch: async () => { throw new TypeError('Failed to fetch'); } }),
    (e) => e.name === 'NetworkError',
  );
});

test('connection: HTTP errors are HttpError with the API error; 5xx during resume is retried', async () => {
  await assert.rejects(
    streamSSE('/chat', { body: {}, fetch: async () => new Response(JSON.stringify({ error: { code: 'validation', message: 'query must not be empty' } }), { status: 422 }) }),
    (e) => e instanceof HttpError && e.status === 422 && e.code === 'validation' && /empty/.test(e.message),
  );
  let n = 0;
  await streamSSE('/chat', {
    body: {},
    retryDelayMs: 1,
    fetch: async () => {
      n++;
      if (n === 1) return sseResponse(ANSWER.slice(0, 2), { fail: true });
      if (n === 2) return new Response('{}', { status: 503 });
      return sseResponse(ANSWER.slice(2));
    },
  });
  assert.equal(n, 3);
});

test('connection: a resume answered 404 (answer not stored yet) is retried; a first request answered 404 is not', async () => {
  let n = 0;
  const ids = [];
  await streamSSE('/chat', {
    body: {},
    retryDelayMs: 1,
    fetch: async () => {
      n++;
      if (n === 1) return sseResponse(ANSWER.slice(0, 2), { fail: true });
      if (n === 2) return new Response(JSON.stringify({ error: { code: 'not_found', message: 'this answer is no longer kept' } }), { status: 404 });
      return sseResponse(ANSWER.slice(2));
    },
    onEvent: (e) => ids.push(e.id),
  });
  assert.equal(n, 3);
  assert.deepEqual(ids, ['m:0', 'm:1', 'm:2', 'm:3', 'm:4']);
  await assert.rejects(streamSSE('/chat', { body: {}, fetch: async () => new Response('{}', { status: 404 }) }), (e) => e.status === 404);
});

test('connection: gives up after maxRetries failures in a row', async () => {
  let n = 0;
  await assert.rejects(
    streamSSE('/chat', {
      body: {},
      maxRetries: 2,
      retryDelayMs: 1,
      fetch: async () => (++n === 1 ? sseResponse(ANSWER.slice(0, 1), { fail: true }) : Promise.reject(new TypeError('offline'))),
    }),
    (e) => e.name === 'StreamError',
  );
  assert.equal(n, 3);
});

test('connection: 401 asks onUnauthorized once, then retries with the new headers', async () => {
  let token = 'old';
  const seen = [];
  await streamSSE('/chat', {
    body: {},
    headers: () => ({ Authorization: 'Bearer ' + token }),
    onUnauthorized: async () => { token = 'new'; return true; },
    fetch: async (url, init) => {
      seen.push(init.headers.Authorization);
      return init.headers.Authorization === 'Bearer old' ? new Response('{}', { status: 401 }) : sseResponse(ANSWER);
    },
  });
  assert.deepEqual(seen, ['Bearer old', 'Bearer new']);
});

test('connection: abort stops reading and rejects with AbortError', async () => {
  const ctrl = new AbortController();
  const got = [];
  // A body that never ends and ignores the signal: the client must still stop.
  const never = new ReadableStream({
    start(c) { c.enqueue(enc.encode(ANSWER[0] + ANSWER[1])); },
    pull() { return new Promise(() => {}); },
  });
  const p = streamSSE('/chat', {
    body: {},
    signal: ctrl.signal,
    fetch: async () => new Response(never),
    onEvent: (e) => { got.push(e.event); if (got.length === 2) setTimeout(() => ctrl.abort(), 5); },
  });
  await assert.rejects(p, (e) => e.name === 'AbortError');
  assert.deepEqual(got, ['meta', 'token']);
});

test('connection: a stream that goes quiet past idleTimeoutMs is treated as dropped and resumed', async () => {
  let n = 0;
  const ids = [];
  await streamSSE('/chat', {
    body: {},
    idleTimeoutMs: 50,
    retryDelayMs: 1,
    fetch: async (url, init) => {
      if (++n > 1) return sseResponse(ANSWER.slice(2));
      const body = new ReadableStream({
        start(c) {
          c.enqueue(enc.encode(ANSWER[0] + ANSWER[1]));
          init.signal.addEventListener('abort', () => c.error(new DOMException('aborted', 'AbortError')));
        },
      });
      return new Response(body);
    },
    onEvent: (e) => ids.push(e.id),
  });
  assert.equal(n, 2);
  assert.deepEqual(ids, ['m:0', 'm:1', 'm:2', 'm:3', 'm:4']);
});

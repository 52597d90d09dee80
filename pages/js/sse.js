// Server-sent events over fetch. EventSource cannot POST, so the chat uses this instead:
//  - createParser(): a pure, incremental parser (text chunks in, events {id, event, data} out), per the
//    HTML spec's event-stream rules: LF, CRLF or CR line ends (also split across chunks), multi-line data,
//    comments, `retry:`, a leading BOM, and `id` that persists until changed.
//  - streamSSE(): a POST connection that reads the body as it arrives, retries a dropped stream and resumes
//    it with `Last-Event-ID`, drops events it has already seen, and stops at a terminal event.
// No DOM globals: the connection takes `fetch` as an option, so both run (and are tested) in Node.

export function createParser() {
  let buf = '';
  let data = [];
  let type = '';
  let lastId = '';
  let retry = null;
  let skipLF = false;
  let started = false;

  function field(line, out) {
    if (line === '') {
      if (data.length) out.push({ id: lastId, event: type || 'message', data: data.join('\n') });
      data = [];
      type = '';
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment (heartbeats)
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (name === 'data') data.push(value);
    else if (name === 'event') type = value;
    else if (name === 'id') { if (!value.includes('\0')) lastId = value; }
    else if (name === 'retry') { if (/^\d+$/.test(value)) retry = Number(value); }
  }

  return {
    /** Feeds a decoded text chunk; returns the events it completed. */
    feed(chunk) {
      if (!chunk) return [];
      if (!started) {
        started = true;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      }
      if (skipLF) {
        skipLF = false;
        if (chunk.charCodeAt(0) === 10) chunk = chunk.slice(1);
      }
      buf += chunk;
      const out = [];
      let start = 0;
      for (let i = 0; i < buf.length; i++) {
        const c = buf.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        field(buf.slice(start, i), out);
        if (c === 13) {
          if (i + 1 < buf.length) { if (buf.charCodeAt(i + 1) === 10) i++; } else skipLF = true;
        }
        start = i + 1;
      }
      buf = buf.slice(start);
      return out;
    },
    /** The last event id seen (what a reconnect sends as Last-Event-ID). */
    get lastEventId() { return lastId; },
    /** The server's `retry:` in ms, or null. */
    get retry() { return retry; },
  };
}

/** Splits `<message_id>:<n>` ids; null for other shapes. */
export function splitId(id) {
  const i = id ? id.lastIndexOf(':') : -1;
  if (i <= 0) return null;
  const n = Number(id.slice(i + 1));
  return Number.isInteger(n) && n >= 0 ? { msg: id.slice(0, i), n } : null;
}

export class HttpError extends Error {
  constructor(status, body) {
    const e = body && body.error;
    super((e && e.message) || `HTTP ${status}`);
    this.name = 'HttpError';
    this.status = status;
    this.code = (e && e.code) || 'http_' + status;
    this.body = body;
  }
}

const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError' });

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(abortError());
    const t = setTimeout(() => { if (signal) signal.removeEventListener('abort', stop); resolve(); }, ms);
    function stop() { clearTimeout(t); reject(abortError()); }
    if (signal) signal.addEventListener('abort', stop, { once: true });
  });
}

async function errorOf(res) {
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  return new HttpError(res.status, body);
}

/**
 * POSTs `body` as JSON to `url` and calls `onEvent(ev)` for each event, until a terminal event
 * (`done` or `error` by default). A stream that drops or ends early is retried with `Last-Event-ID`
 * (backoff from `retryDelayMs`, doubling, capped at 8 s; the server's `retry:` wins), at most `maxRetries`
 * times in a row; any progress resets the count. A stream quiet for `idleTimeoutMs` counts as dropped.
 * Options: fetch, headers (object or async function), signal, onEvent, onRetry({attempt, lastEventId, error}),
 * onUnauthorized() → true to retry once with fresh headers, waitOnline() → promise, isTerminal(ev).
 * Resolves {lastEventId, retries}. Rejects with AbortError (signal), HttpError (non-retryable status), or
 * an Error named 'NetworkError' when the request failed before any event arrived (nothing to resume).
 */
export async function streamSSE(url, opts = {}) {
  const {
    body, signal, onEvent = () => {}, onRetry = () => {}, onUnauthorized, waitOnline,
    maxRetries = 6, retryDelayMs = 500, idleTimeoutMs = 45_000,
    isTerminal = (ev) => ev.event === 'done' || ev.event === 'error',
  } = opts;
  const doFetch = opts.fetch || globalThis.fetch.bind(globalThis);
  let lastEventId = opts.lastEventId || '';
  let seen = splitId(lastEventId);
  let serverRetry = null;
  let failures = 0;
  let retries = 0;
  let refreshed = false;

  const backoff = () => serverRetry ?? Math.min(8000, retryDelayMs * 2 ** Math.max(0, failures - 1));
  async function again(error) {
    failures++;
    if (failures > maxRetries) throw Object.assign(new Error(`stream lost after ${maxRetries} retries: ${error.message}`), { name: 'StreamError', cause: error });
    retries++;
    onRetry({ attempt: failures, lastEventId, error });
    await sleep(backoff(), signal);
    if (waitOnline) await waitOnline(signal);
  }

  for (;;) {
    if (signal && signal.aborted) throw abortError();
    const headers = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
    Object.assign(headers, typeof opts.headers === 'function' ? await opts.headers() : opts.headers);
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    const attempt = new AbortController();
    const relay = () => attempt.abort();
    if (signal) signal.addEventListener('abort', relay, { once: true });
    let idle = null;
    const arm = () => { clearTimeout(idle); idle = setTimeout(() => attempt.abort(), idleTimeoutMs); };
    const cleanup = () => { clearTimeout(idle); if (signal) signal.removeEventListener('abort', relay); };

    let res;
    try {
      arm();
      res = await doFetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: attempt.signal, cache: 'no-store' });
    } catch (e) {
      cleanup();
      if (signal && signal.aborted) throw abortError();
      if (!lastEventId) throw Object.assign(new Error(e.message || 'network error'), { name: 'NetworkError', cause: e });
      await again(e);
      continue;
    }
    if (res.status === 401 && onUnauthorized && !refreshed) {
      cleanup();
      refreshed = true;
      if (await onUnauthorized()) continue;
    }
    if (!res.ok) {
      cleanup();
      const err = await errorOf(res);
      // While resuming, 404 can mean the server has not stored the answer's first events yet: retry (bounded).
      const retryable = res.status >= 500 || res.status === 429 || res.status === 408 || (res.status === 404 && !!lastEventId);
      if (!retryable || !lastEventId) throw err;
      const after = Number(res.headers.get('Retry-After'));
      if (after > 0) serverRetry = Math.min(30_000, after * 1000);
      await again(err);
      continue;
    }

    const parser = createParser();
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    // Aborting (stop, or the idle timer) must end a read even if the body ignores the fetch's signal.
    attempt.signal.addEventListener('abort', () => reader.cancel().catch(() => {}), { once: true });
    let terminal = false;
    let dropped = null;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        arm();
        for (const ev of parser.feed(decoder.decode(value, { stream: true }))) {
          const pos = splitId(ev.id);
          if (pos && seen && pos.msg === seen.msg && pos.n <= seen.n) continue; // already delivered
          if (pos) seen = pos;
          if (ev.id) lastEventId = ev.id;
          failures = 0;
          onEvent(ev);
          if (isTerminal(ev)) { terminal = true; break; }
        }
        if (terminal) break;
      }
    } catch (e) {
      dropped = e;
    } finally {
      cleanup();
      if (parser.retry != null) serverRetry = parser.retry;
      if (terminal || dropped) reader.cancel().catch(() => {});
    }
    if (signal && signal.aborted) throw abortError();
    if (terminal) return { lastEventId, retries };
    const why = dropped || new Error('stream ended before the answer was complete');
    if (!lastEventId) throw Object.assign(new Error(why.message), { name: 'NetworkError', cause: why });
    await again(why);
  }
}

// A local fake of the LLM providers, speaking each real wire format (Anthropic Messages, OpenAI chat
// completions), streaming included, honouring max_tokens (one word a token: stop reason max_tokens /
// finish_reason length), and failing on demand. Tests script what the next calls do:
//   ok | ok:<text> | tool:<name>:<json args> | 500 | 429:<retry-after s> | slow:<ms> | hang | cut:<n tokens> | malformed
// POST /__script {anthropic: [...], openai: [...]}   GET /__requests   POST /__reset
import { createServer } from 'node:http';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startFakeLlm() {
  const scripts = { anthropic: [], openai: [] };
  const requests = [];
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/__script') {
      const s = JSON.parse(raw);
      for (const k of Object.keys(scripts)) scripts[k].push(...(s[k] || []));
      return res.end('{}');
    }
    if (url.pathname === '/__requests') return res.end(JSON.stringify(requests));
    if (url.pathname === '/__reset') {
      scripts.anthropic.length = 0; scripts.openai.length = 0; requests.length = 0;
      return res.end('{}');
    }
    const provider = url.pathname === '/anthropic/v1/messages' ? 'anthropic' : url.pathname === '/openai/v1/chat/completions' ? 'openai' : null;
    if (!provider) { res.statusCode = 404; return res.end('{"error":"no such endpoint"}'); }
    const body = JSON.parse(raw || '{}');
    requests.push({ provider, headers: req.headers, body });
    const step = scripts[provider].shift() || 'ok';
    const [kind, ...rest] = step.split(':');
    const arg = rest.join(':');
    const answer = kind === 'ok' && arg ? arg : `The ${provider} fake says: a C1 visa costs IDR 2,300,000 [1].`;
    // Like a real model, stop after `max_tokens` tokens (a word each here) and say so.
    const all = answer.split(/(?<= )/);
    const limited = Number.isInteger(body.max_tokens) && body.max_tokens < all.length;
    const words = limited ? all.slice(0, body.max_tokens) : all;
    switch (kind) {
      case '500': res.statusCode = 500; return res.end('{"error":{"type":"api_error","message":"boom"}}');
      case '429': res.statusCode = 429; res.setHeader('retry-after', arg || '1'); return res.end('{"error":{"type":"rate_limit_error","message":"slow down"}}');
      case 'slow': await sleep(Number(arg)); break;
      case 'hang': return; // never answers; the worker's timeout must fire
      default: break;
    }
    res.setHeader('content-type', 'text/event-stream');
    const send = (obj, event) => res.write(provider === 'anthropic'
      ? `event: ${event}\ndata: ${JSON.stringify(obj)}\n\n`
      : `data: ${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n\n`);
    const cutAfter = kind === 'cut' ? Number(arg || 2) : Infinity;
    if (provider === 'anthropic') {
      send({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: body.model, content: [], usage: { input_tokens: 42, output_tokens: 0 } } }, 'message_start');
      if (kind === 'malformed') { res.write('event: content_block_delta\ndata: {not json\n\n'); return res.end(); }
      if (kind === 'tool') {
        const [name, ...json] = arg.split(':');
        send({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name, input: {} } }, 'content_block_start');
        send({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: json.join(':') } }, 'content_block_delta');
        send({ type: 'content_block_stop', index: 0 }, 'content_block_stop');
        send({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }, 'message_delta');
        send({ type: 'message_stop' }, 'message_stop');
        return res.end();
      }
      send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start');
      for (const [i, w] of words.entries()) {
        if (i >= cutAfter) { await sleep(20); return res.socket.destroy(); }
        send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: w } }, 'content_block_delta');
        await sleep(5);
      }
      send({ type: 'content_block_stop', index: 0 }, 'content_block_stop');
      send({ type: 'message_delta', delta: { stop_reason: limited ? 'max_tokens' : 'end_turn' }, usage: { output_tokens: words.length } }, 'message_delta');
      send({ type: 'message_stop' }, 'message_stop');
      return res.end();
    }
    const chunk = (delta, finish = null) => ({ id: 'c1', object: 'chat.completion.chunk', model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] });
    if (kind === 'malformed') { res.write('data: {"choices": [\n\n'); return res.end(); }
    send(chunk({ role: 'assistant', content: '' }));
    for (const [i, w] of words.entries()) {
      if (i >= cutAfter) { await sleep(20); return res.socket.destroy(); }
      send(chunk({ content: w }));
      await sleep(5);
    }
    send(chunk({}, limited ? 'length' : 'stop'));
    send({ id: 'c1', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 40, completion_tokens: words.length, total_tokens: 40 + words.length } });
    send('[DONE]');
    res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const post = (path, body) => fetch(base + path, { method: 'POST', body: JSON.stringify(body || {}) }).then((r) => r.json());
  return {
    base,
    script: (s) => post('/__script', s),
    reset: () => post('/__reset'),
    requests: () => fetch(`${base}/__requests`).then((r) => r.json()),
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

/** Stack vars that point both providers at the fake, with a deterministic routing policy. */
export function fakeProviderVars(base, routes = ['anthropic', 'openai']) {
  const policy = {
    routes: Object.fromEntries(['pricing', 'simple', 'legal', 'multi_domain', 'general'].map((c) => [c, routes])),
    retry: { max_attempts: 2, base_delay_ms: 20, max_delay_ms: 100, max_retry_after_ms: 3000, budget_ms: 20000 },
    breaker: { failure_threshold: 50, cooldown_ms: 1000, probe_timeout_ms: 5000 },
  };
  return {
    ANTHROPIC_API_KEY: 'test-anthropic-key',
    ANTHROPIC_BASE_URL: `${base}/anthropic`,
    ANTHROPIC_MODEL: 'claude-fake',
    OPENAI_API_KEY: 'test-openai-key',
    OPENAI_BASE_URL: `${base}/openai/v1`,
    OPENAI_MODEL: 'gpt-fake',
    PROVIDER_TIMEOUT_MS: '1500',
    ROUTING_POLICY: JSON.stringify(policy),
  };
}

/** Parses an SSE body into events (the tests' own small parser). */
export function parseSse(text) {
  const events = [];
  for (const block of text.split(/\n\n/)) {
    const ev = { id: null, event: 'message', data: [] };
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || !line) continue;
      const [k, ...v] = line.split(':');
      const val = v.join(':').replace(/^ /, '');
      if (k === 'id') ev.id = val;
      else if (k === 'event') ev.event = val;
      else if (k === 'data') ev.data.push(val);
      any = true;
    }
    if (any) events.push({ ...ev, data: ev.data.join('\n'), json: (() => { try { return JSON.parse(ev.data.join('\n')); } catch { return null; } })() });
  }
  return events;
}

// A local fake of Meta's Graph API for the WhatsApp channel: `POST /<version>/<phone-number-id>/messages`
// records each request (headers and JSON body) and answers like the Cloud API (`messages[0].id` = a new
// wamid), or fails as scripted. Tests tell it what the next calls do:
//   ok | 429[:retry-after s] | 500 | 400:<meta error code> | hang (never answers: the worker's timeout fires)
// POST /__script {steps: [...]}   GET /__requests   POST /__reset
import { createServer } from 'node:http';

export async function startFakeGraph() {
  const script = [];
  const requests = [];
  let n = 0;
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const url = new URL(req.url, 'http://x');
    const send = (status, obj, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(obj));
    };
    if (url.pathname === '/__script') { script.push(...(JSON.parse(raw).steps || [])); return send(200, {}); }
    if (url.pathname === '/__requests') return send(200, requests);
    if (url.pathname === '/__reset') { script.length = 0; requests.length = 0; return send(200, {}); }
    if (req.method !== 'POST' || !/^\/[^/]+\/[^/]+\/messages$/.test(url.pathname)) {
      return send(404, { error: { message: 'Unknown path', code: 100 } });
    }
    let body = null;
    try { body = JSON.parse(raw); } catch { /* recorded as null */ }
    const step = script.shift() || 'ok';
    const [kind, arg] = step.split(':');
    const record = { path: url.pathname, authorization: req.headers.authorization, body, outcome: kind, at: Date.now() };
    requests.push(record);
    switch (kind) {
      case 'hang': return; // never answers
      case '429': return send(429, { error: { message: '(#4) Application request limit reached', code: 4 } }, arg ? { 'retry-after': arg } : {});
      case '500': return send(500, { error: { message: 'An unknown error occurred', code: 1 } });
      case '400': return send(400, { error: { message: 'Meta refused the message', code: Number(arg || 131026) } });
      default: {
        n += 1;
        record.wamid = `wamid.OUT${n}`;
        return send(200, { messaging_product: 'whatsapp', contacts: [{ input: body?.to, wa_id: body?.to }], messages: [{ id: record.wamid }] });
      }
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  const call = async (path, body) => (await fetch(url + path, { method: body ? 'POST' : 'GET', body: body && JSON.stringify(body) })).json();
  return {
    url,
    /** Every request so far, oldest first. */
    requests: () => call('/__requests'),
    /** What the next calls do (see the header). */
    script: (steps) => call('/__script', { steps }),
    reset: () => call('/__reset', {}),
    /** Polls until `pred(requests)` holds (returns its truthy value), or fails after `ms`. */
    async waitFor(pred, what, ms = 90_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = pred(await call('/__requests'));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`fake Graph API: gave up waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

// A local fake of an OpenAI-compatible embeddings endpoint that fails on demand, for the worker's
// degradation tests. It forwards good calls to a real embedder (`forwardTo`) (so answers stay meaningful) and otherwise
// does what POST /__mode says:  ok | hang | 500 | malformed | dims:<n> | novector
// GET /__requests lists the request bodies it received.
import { createServer } from 'node:http';

export async function startFakeEmbedder(realBaseUrl = null) {
  let real = realBaseUrl;
  let mode = 'ok';
  const requests = [];
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/__mode') { mode = JSON.parse(raw).mode; return res.end('{}'); }
    if (url.pathname === '/__requests') return res.end(JSON.stringify(requests));
    if (url.pathname !== '/v1/embeddings') { res.statusCode = 404; return res.end('{}'); }
    const body = JSON.parse(raw || '{}');
    requests.push(body);
    const [kind, arg] = mode.split(':');
    switch (kind) {
      case 'hang': return; // never answers: the worker's EMBEDDING_TIMEOUT_MS must fire
      case '500': res.statusCode = 500; return res.end('{"error":{"message":"boom"}}');
      case 'malformed': res.setHeader('content-type', 'application/json'); return res.end('{"data": [ {"embedding": [0.1,');
      case 'novector': res.setHeader('content-type', 'application/json'); return res.end('{"data": []}');
      case 'dims': {
        const n = Number(arg);
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ data: [{ index: 0, embedding: Array.from({ length: n }, (_, i) => (i % 7) / 7) }] }));
      }
      default: {
        // One retry: a pooled keep-alive connection the real server closed while idle fails the first try.
        const forward = () => fetch(`${real}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
        const r = await forward().catch(() => forward());
        res.statusCode = r.status;
        res.setHeader('content-type', 'application/json');
        return res.end(await r.text());
      }
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${base}/v1`,
    /** Where good calls go (the real embedder's OpenAI base URL). */
    forwardTo(url) { real = url; },
    async mode(m) { await fetch(`${base}/__mode`, { method: 'POST', body: JSON.stringify({ mode: m }) }); },
    async requests() { return (await fetch(`${base}/__requests`)).json(); },
    close() { server.closeAllConnections?.(); server.close(); },
  };
}

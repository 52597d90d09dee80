// Local store for kb-build: the same D1 database and R2 bucket that `wrangler dev --persist-to DIR` uses,
// reached through wrangler's getPlatformProxy. kb-build spawns it (cwd = repo root, so wrangler.toml is read)
// and speaks JSON lines: one request per stdin line, one response per stdout line.
//
//   {"op":"query","sql":"...","params":[...]}           -> {"ok":true,"rows":[...]}
//   {"op":"batch","statements":[{"sql","params"},...]}  -> {"ok":true,"results":[{"changes":n},...]} (atomic)
//   {"op":"put","key","content_type","body_b64"}        -> {"ok":true}
//   {"op":"delete_object","key"}                        -> {"ok":true}
//   {"op":"close"}                                      -> {"ok":true}, then exit
//   errors                                              -> {"ok":false,"error":"..."}
//
// A param that is an array of numbers is a BLOB (bytes 0..255): it becomes an ArrayBuffer for D1.
// Usage: node scripts/kb-local-store.mjs DIR   (DIR as given to `wrangler dev --persist-to`)
import { createInterface } from 'node:readline';

// Only protocol lines may reach stdout: anything wrangler or workerd prints goes to stderr instead.
const protocolWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => process.stderr.write(chunk, ...rest);
console.log = console.info = console.warn = console.debug = (...a) => process.stderr.write(a.join(' ') + '\n');

function send(obj) {
  protocolWrite(JSON.stringify(obj) + '\n');
}

const dir = process.argv[2] || '.wrangler/state';
process.env.WRANGLER_SEND_METRICS ??= 'false';
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';

// Importing wrangler is the slow part (a 13 MB bundle) and touches nothing, so it happens at once while
// kb-build validates its sources; the state in DIR is opened only by the first real request.
let getPlatformProxy;
try {
  ({ getPlatformProxy } = await import('wrangler'));
} catch (e) {
  send({ ok: false, error: `cannot load wrangler (run npm ci): ${e?.message ?? e}` });
  process.exit(1);
}

let proxy;
let env;
async function open() {
  if (!proxy) {
    proxy = await getPlatformProxy({ persist: { path: `${dir}/v3` } });
    env = proxy.env;
    if (!env.DB || !env.DOCS) throw new Error('wrangler.toml must bind D1 as DB and R2 as DOCS');
  }
}

function bindParams(params) {
  return (params ?? []).map((p) => (Array.isArray(p) ? Uint8Array.from(p).buffer : p));
}

function prepare(s) {
  const stmt = env.DB.prepare(s.sql);
  return s.params && s.params.length ? stmt.bind(...bindParams(s.params)) : stmt;
}

async function handle(req) {
  if (req.op === 'close') return { ok: true, close: true };
  await open();
  switch (req.op) {
    case 'query': {
      const res = await prepare(req).all();
      return { ok: true, rows: res.results ?? [] };
    }
    case 'batch': {
      if (!req.statements?.length) return { ok: true, results: [] };
      const res = await env.DB.batch(req.statements.map(prepare));
      return { ok: true, results: res.map((r) => ({ changes: r.meta?.changes ?? 0 })) };
    }
    case 'put': {
      const buf = Buffer.from(req.body_b64 ?? '', 'base64');
      // The proxy serialises ArrayBuffers, not Node Buffers (which trip an assertion).
      const body = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
      await env.DOCS.put(req.key, body, { httpMetadata: { contentType: req.content_type } });
      return { ok: true };
    }
    case 'delete_object': {
      await env.DOCS.delete(req.key);
      return { ok: true };
    }
    default:
      return { ok: false, error: `unknown op ${JSON.stringify(req.op)}` };
  }
}

send({ ok: true, ready: true });

// Requests are handled strictly one at a time, in order: kb-build waits for each answer anyway.
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  let res;
  try {
    res = await handle(JSON.parse(line));
  } catch (e) {
    res = { ok: false, error: String(e?.cause?.message ?? e?.message ?? e) };
  }
  if (res.close) {
    send({ ok: true });
    break;
  }
  send(res);
}
if (proxy) await proxy.dispose();
process.exit(0);

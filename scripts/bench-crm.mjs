#!/usr/bin/env node
// CRM list/search benchmark: a fresh local stack (`wrangler dev`, rate limits off), 10,000 clients bulk-loaded
// straight into D1 (batched inserts through wrangler's platform proxy: this measures reads, it is not the demo
// seed), then bounded `wrk -t2 -c16 -d10s` runs with an admin token on the list and search routes.
// Prints p50/p95/p99 latency and requests per second per route. Needs a built worker and `wrk`.
//
//   node scripts/bench-crm.mjs [--clients 10000] [--duration 10s]
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getPlatformProxy } from 'wrangler';
import { startStack } from '../tests/support/stack.mjs';
import { seedPeople } from '../tests/support/seed.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg('clients', 10000));
const DURATION = arg('duration', '10s');

const FIRST = ['Marco', 'Giulia', 'Luca', 'Made', 'Ketut', 'Wayan', 'Sari', 'Jack', 'Olivia', 'Liam', 'Lukas', 'Anna', 'Camille', 'Daan', 'Ivan', 'Harry', 'Emma', 'Yui', 'Min-jun', 'Budi'];
const LAST = ['Rossi', 'Bianchi', 'Romano', 'Santoso', 'Wijaya', 'Pratama', 'Smith', 'Jones', 'Nguyen', 'Müller', 'Schmidt', 'Martin', 'de Jong', 'Ivanov', 'Evans', 'Johnson', 'Sato', 'Kim', 'Gunawan', 'Walker'];
const NAT = ['Italian', 'Indonesian', 'Australian', 'German', 'French', 'Dutch', 'Russian', 'British', 'American', 'Japanese'];
const STATUS = ['active', 'active', 'active', 'lead', 'inactive', 'archived'];

async function bulkLoad(persist, people) {
  const { env, dispose } = await getPlatformProxy({ persist: { path: `${persist}/v3` } });
  try {
    const base = Date.now() - N * 1000;
    const consultants = [people.consultant.id, people.admin.id];
    const stmt = env.DB.prepare(
      'INSERT INTO clients (id, full_name, email, phone, whatsapp, nationality, company_name, status, consultant_id, language, version, created_at, updated_at) ' +
      'VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?10)');
    for (let start = 0; start < N; start += 500) {
      const batch = [];
      for (let i = start; i < Math.min(N, start + 500); i++) {
        const name = `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}`;
        const phone = `+62 812 ${String(1000 + (i % 9000)).padStart(4, '0')} ${String(i).padStart(5, '0')}`;
        batch.push(stmt.bind(`bench${String(i).padStart(6, '0')}`, name, `bench${i}@example.com`, phone, NAT[i % NAT.length],
          i % 7 === 0 ? `PT Bali Bench ${i % 100}` : null, STATUS[i % STATUS.length], consultants[i % 2], i % 3 ? 'en' : 'it', base + i * 1000));
      }
      await env.DB.batch(batch);
    }
    const { n } = await env.DB.prepare('SELECT COUNT(*) AS n FROM clients').first();
    return n;
  } finally {
    await dispose();
  }
}

const LUA = `
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('WRKJSON {"p50":%.2f,"p95":%.2f,"p99":%.2f,"rps":%.1f,"requests":%d,"errors":%d,"non2xx":%d}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), summary.requests, errors, summary.errors.status))
end
`;

async function main() {
  try { execFileSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }); } catch { throw new Error('wrk is not installed'); }
  let people;
  let loaded;
  const t0 = Date.now();
  const stack = await startStack({
    vars: { RATE_LIMITS: 'off' },
    load: async (persist) => { people = await seedPeople(persist); loaded = await bulkLoad(persist, people); },
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-crm-'));
  try {
    console.log(`[bench] ${loaded} clients loaded and the stack started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const login = await fetch(`${stack.url}/api/auth/team/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: people.admin.email, password: people.admin.password }),
    });
    const token = (await login.json()).access_token;
    // A keep-alive socket that wrk's burst left half-closed can fail once: retry.
    const get = async (path) => {
      for (let i = 0; ; i++) {
        try {
          return await (await fetch(stack.url + path, { headers: { Authorization: `Bearer ${token}`, Connection: 'close' } })).json();
        } catch (e) {
          if (i >= 3) throw new Error(`${path}: ${e.message}\n${stack.output().slice(-2000)}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    const second = (await get('/crm/clients?limit=25')).next_cursor;
    const routes = [
      ['list (first page, 25)', '/crm/clients'],
      ['list (page 2 by cursor)', `/crm/clients?cursor=${second}`],
      ['list status=active', '/crm/clients?status=active'],
      ['list consultant filter', `/crm/clients?consultant_id=${people.consultant.id}`],
      ['search name "rossi"', '/crm/clients?q=rossi'],
      ['search e-mail "bench9999@"', '/crm/clients?q=bench9999%40'],
      ['search phone "0812 4321"', '/crm/clients?q=0812%204321'],
      ['search, no match', '/crm/clients?q=zzzz-nobody'],
    ];
    const script = join(dir, 'report.lua');
    writeFileSync(script, LUA);
    const rows = [];
    for (const [name, path] of routes) {
      const probe = await get(path);
      const out = execFileSync('wrk', ['-t2', '-c16', `-d${DURATION}`, '-s', script, '-H', `Authorization: Bearer ${token}`, stack.url + path], { encoding: 'utf8' });
      const m = out.match(/WRKJSON (\{.*\})/);
      const r = JSON.parse(m[1]);
      rows.push({ route: name, matches: probe.clients.length, ...r });
      console.log(`[bench] ${name.padEnd(28)} p50 ${String(r.p50).padStart(7)} ms  p95 ${String(r.p95).padStart(7)} ms  p99 ${String(r.p99).padStart(7)} ms  ${String(r.rps).padStart(7)} req/s  (${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} socket errors)`);
    }
    console.log(JSON.stringify({ clients: loaded, wrk: `-t2 -c16 -d${DURATION}`, results: rows }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  }
}

main().catch((e) => { console.error(`[bench] error: ${e.stack || e.message}`); process.exit(1); });

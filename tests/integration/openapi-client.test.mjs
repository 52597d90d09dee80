// A client GENERATED from /openapi.json builds and works: openapi-typescript turns the document the running
// worker serves into TypeScript types, tsc compiles tests/openapi-client/client.ts against them (strict, and
// its @ts-expect-error lines fail the build if the responses were untyped), and the compiled client signs in,
// searches, asks the chat and lists CRM clients on the local stack. Its output is checked against the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, ROOT } from '../support/stack.mjs';
import { seedPeople } from '../support/seed.mjs';
import { loadKb } from '../support/kb.mjs';

// Under the repository (ignored by git) so the compiled client resolves openapi-fetch from node_modules.
const OUT = join(ROOT, 'target', 'openapi-client');
const bin = (name) => join(ROOT, 'node_modules', '.bin', name);
// Asynchronous, so this process keeps serving its sockets meanwhile (a blocked event loop misses the server
// closing an idle keep-alive connection, and the next fetch on it fails).
const run = async (cmd, args) => (await promisify(execFile)(cmd, args, { cwd: OUT, encoding: 'utf8' })).stdout;

let stack;
let people;
before(async () => {
  stack = await startStack({ vars: { RATE_LIMITS: 'off' }, load: async (p) => { people = await seedPeople(p); loadKb(p); } });
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
});
after(async () => { await stack?.stop(); });

test('a TypeScript client generated from /openapi.json compiles and calls search, chat and a CRM list', async () => {
  const doc = await (await fetch(`${stack.url}/openapi.json`)).text();
  writeFileSync(join(OUT, 'openapi.json'), doc);
  await run(bin('openapi-typescript'), ['openapi.json', '--output', 'api.d.ts']);
  const types = readFileSync(join(OUT, 'api.d.ts'), 'utf8');
  assert.match(types, /SearchHit: \{/, 'named component types are generated');
  for (const f of ['client.ts', 'tsconfig.json']) copyFileSync(join(ROOT, 'tests', 'openapi-client', f), join(OUT, f));
  try {
    await run(bin('tsc'), ['-p', 'tsconfig.json']);
  } catch (e) {
    assert.fail(`tsc failed on the generated client:\n${e.stdout}${e.stderr}`);
  }
  const { email, password } = people.consultant;
  const out = JSON.parse((await run(process.execPath, ['client.js', stack.url, email, password])).trim().split('\n').at(-1));

  assert.equal(out.expiresIn, 900);
  assert.ok(out.titles.length > 0 && out.titles.every((t) => typeof t === 'string' && t.length > 0), out.titles.join(' | '));
  assert.ok(out.scores.every((s) => typeof s === 'number'));
  assert.ok(out.answer.length > 0);
  assert.ok(out.sources.length > 0, 'the answer cites sources');
  // What the client read is what the API holds: the chat's conversation exists, the CRM list has the seeded clients.
  const login = await (await fetch(`${stack.url}/api/auth/team/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) })).json();
  const conv = await fetch(`${stack.url}/api/conversations/${out.conversationId}`, { headers: { Authorization: `Bearer ${login.access_token}` } });
  assert.equal(conv.status, 200);
  assert.deepEqual(new Set(out.names), new Set(['Marco Rossi', 'Sari Dewi']));
  assert.deepEqual(out.statuses, ['active', 'active']);
  assert.equal(out.next, null);
});

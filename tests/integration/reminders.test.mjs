// Renewal reminders that reach people, end to end: the daily cron (`wrangler dev --test-scheduled`,
// GET /__scheduled) sends each due reminder to the client as a WhatsApp template message (a recording fake
// of the Graph API) and to the assigned consultant by Gmail (the Google fake), once per permit, window and
// channel however often it runs; a failed send is retried by the next run without repeating the others;
// channels that are not configured, and clients without a number, are skipped and recorded, never a crash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getPlatformProxy } from 'wrangler';
import { startStack, wrangler } from '../support/stack.mjs';
import { seedPeople } from '../support/seed.mjs';
import { request } from '../support/http.mjs';
import { startFakeGoogle } from '../support/fake-google.mjs';
import { startFakeGraph } from '../support/fake-graph-templates.mjs';

let google;
let graph;
let stack;
let bare;
let people;
let barePeople;
const TEMPLATES = { en: { name: 'renewal_en', language: 'en_US' }, it: { name: 'rinnovo_permesso', language: 'it' } };

const setClients = (people) => async (persist) => {
  const { env, dispose } = await getPlatformProxy({ persist: { path: `${persist}/v3` } });
  try {
    // Marco: Italian, on WhatsApp, Dewi's client. Sari: no number, no consultant.
    await env.DB.prepare("UPDATE clients SET consultant_id = ?1, language = 'it', whatsapp = '+39 333 123 4567' WHERE id = ?2")
      .bind(people.consultant.id, people.clientIds[0]).run();
    await env.DB.prepare("UPDATE clients SET language = 'id' WHERE id = ?1").bind(people.clientIds[1]).run();
  } finally {
    await dispose();
  }
};

before(async () => {
  google = await startFakeGoogle();
  graph = await startFakeGraph();
  stack = await startStack({
    vars: { RATE_LIMITS: 'off', ...google.vars, GOOGLE_REMINDER_SENDER: 'reminders@test.local', ...graph.vars, WHATSAPP_REMINDER_TEMPLATES: JSON.stringify(TEMPLATES) },
    args: ['--test-scheduled'],
    load: async (persist) => { people = await seedPeople(persist); await setClients(people)(persist); },
  });
  bare = await startStack({
    vars: { RATE_LIMITS: 'off' },
    args: ['--test-scheduled'],
    load: async (persist) => { barePeople = await seedPeople(persist); await setClients(barePeople)(persist); },
  });
});
after(async () => { await stack?.stop(); await bare?.stop(); await google?.stop(); await graph?.stop(); });

const bali = (days = 0) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
const tokens = new Map();
const admin = async (s, cast) => {
  if (!tokens.has(s.url)) {
    const r = await request(s.url, 'POST', '/api/auth/team/login', { body: { email: cast.admin.email, password: cast.admin.password } });
    assert.equal(r.status, 200, r.text);
    tokens.set(s.url, r.json.access_token);
  }
  return tokens.get(s.url);
};
const practice = async (s, cast, body) => {
  const r = await request(s.url, 'POST', '/crm/practices', { token: await admin(s, cast), body });
  assert.equal(r.status, 201, r.text);
  return r.json;
};
const runCron = async (s) => {
  const r = await fetch(`${s.url}/__scheduled?cron=0+1+*+*+*`);
  assert.equal(r.status, 200, await r.text());
};
const timeline = async (s, cast, clientId, kind) =>
  (await request(s.url, 'GET', `/crm/clients/${clientId}/interactions?kind=${kind}&limit=100`, { token: await admin(s, cast) })).json.interactions;
/** The delivery records, read straight from the local D1 of a stack. */
const deliveries = (s) => {
  const out = wrangler(['d1', 'execute', 'DB', '--local', '--persist-to', s.persist, '--json', '--command',
    'SELECT delivery_key, practice_id, window_days, channel, status, attempts, recipient, detail FROM reminder_deliveries ORDER BY delivery_key']);
  return JSON.parse(out)[0].results;
};
const perPractice = (list, ids, field = 'practice_id') => Object.fromEntries(ids.map((id) => [id, list.filter((x) => x[field] === id).length]));

test('the cron run twice sends one reminder per permit and window on each channel, recorded on the timeline', async () => {
  const [marco, sari] = people.clientIds;
  const soon = await practice(stack, people, { client_id: marco, type_code: 'E33G', expiry_date: bali(5) });
  const later = await practice(stack, people, { client_id: marco, type_code: 'E28A', expiry_date: bali(20) });
  const far = await practice(stack, people, { client_id: marco, type_code: 'D1', expiry_date: bali(45) });
  const unreachable = await practice(stack, people, { client_id: sari, type_code: 'E33F', expiry_date: bali(10) });
  const ids = [soon.id, later.id, far.id, unreachable.id];

  await runCron(stack);
  await runCron(stack);

  // WhatsApp: Marco's two due permits, in his language's template, once each.
  const wa = await graph.requests();
  assert.equal(wa.length, 2, JSON.stringify(wa));
  for (const r of wa) {
    assert.equal(r.auth, 'Bearer test-whatsapp-token');
    assert.equal(r.body.type, 'template');
    assert.equal(r.body.to, '393331234567');
    assert.deepEqual(r.body.template.name, 'rinnovo_permesso');
    assert.deepEqual(r.body.template.language, { code: 'it' });
  }
  const params = wa.map((r) => r.body.template.components[0].parameters.map((p) => p.text));
  assert.deepEqual(params.sort((a, b) => Number(a[3]) - Number(b[3])), [
    ['Marco Rossi', 'Remote Worker KITAS (E33G)', bali(5), '5'],
    ['Marco Rossi', 'Investor KITAS (E28A)', bali(20), '20'],
  ]);
  // E-mail: to Dewi, from the reminders mailbox, once per due permit.
  const mails = await google.requests('gmail');
  assert.equal(mails.length, 2);
  assert.ok(mails.every((m) => m.user === 'reminders@test.local' && m.headers.from === 'reminders@test.local' && m.headers.to === 'dewi@test.local'));
  assert.deepEqual(mails.map((m) => m.headers.subject).sort(), [
    `Renewal due: Investor KITAS (E28A) of Marco Rossi expires ${bali(20)}`,
    `Renewal due: Remote Worker KITAS (E33G) of Marco Rossi expires ${bali(5)}`,
  ]);
  assert.equal((await google.requests('token')).filter((t) => t.sub === 'reminders@test.local').length, 1, 'one token for both e-mails');

  const wtl = await timeline(stack, people, marco, 'whatsapp');
  const etl = await timeline(stack, people, marco, 'email');
  assert.deepEqual(perPractice(wtl, ids), { [soon.id]: 1, [later.id]: 1, [far.id]: 0, [unreachable.id]: 0 });
  assert.deepEqual(perPractice(etl, ids), { [soon.id]: 1, [later.id]: 1, [far.id]: 0, [unreachable.id]: 0 });
  assert.match(wtl.find((i) => i.practice_id === soon.id).summary, /\(7-day window\) sent on WhatsApp to 393331234567/);
  assert.match(etl.find((i) => i.practice_id === later.id).summary, /\(30-day window\) e-mailed to the consultant \(dewi@test.local\)/);

  // Sari cannot be reached: both channels skipped with the reason, her reminder still recorded.
  const rows = deliveries(stack);
  const hers = rows.filter((r) => r.practice_id === unreachable.id).map((r) => [r.channel, r.status, r.detail]);
  assert.deepEqual(hers.sort(), [['email', 'skipped', 'no consultant is assigned'], ['whatsapp', 'skipped', 'the client has no usable WhatsApp number']]);
  assert.equal((await timeline(stack, people, sari, 'reminder')).filter((r) => r.practice_id === unreachable.id).length, 1);
  const mine = rows.filter((r) => r.practice_id === soon.id);
  assert.deepEqual(mine.map((r) => [r.channel, r.status, r.attempts, r.window_days]).sort(), [['email', 'sent', 1, 7], ['whatsapp', 'sent', 1, 7]]);

  // The permit moves into the 14-day window: one more reminder per channel for it, nothing else.
  const cur = (await request(stack.url, 'GET', `/crm/practices/${later.id}`, { token: await admin(stack, people) })).json;
  const moved = await request(stack.url, 'PATCH', `/crm/practices/${later.id}`, { token: await admin(stack, people), body: { expiry_date: bali(12), version: cur.version } });
  assert.equal(moved.status, 200, moved.text);
  await runCron(stack);
  await runCron(stack);
  assert.equal((await graph.requests()).length, 3);
  assert.equal((await google.requests('gmail')).length, 3);
  const newest = (await graph.requests()).at(-1).body.template.components[0].parameters.map((p) => p.text);
  assert.deepEqual(newest.slice(2), [bali(12), '12']);
});

test('a failed send is retried by the next run, without repeating what was sent', async () => {
  const marco = people.clientIds[0];
  const p = await practice(stack, people, { client_id: marco, type_code: 'E31A', expiry_date: bali(3) });
  const waBefore = (await graph.requests()).length;
  const mailBefore = (await google.requests('gmail')).length;
  await graph.fail(500, 1);
  await runCron(stack);
  let rows = deliveries(stack).filter((r) => r.practice_id === p.id);
  assert.deepEqual(rows.map((r) => [r.channel, r.status]).sort(), [['email', 'sent'], ['whatsapp', 'failed']]);
  assert.match(rows.find((r) => r.channel === 'whatsapp').detail, /Graph API answered 500/);
  assert.equal((await timeline(stack, people, marco, 'whatsapp')).filter((i) => i.practice_id === p.id).length, 0);

  await runCron(stack);
  await runCron(stack);
  rows = deliveries(stack).filter((r) => r.practice_id === p.id);
  assert.deepEqual(rows.map((r) => [r.channel, r.status, r.attempts]).sort(), [['email', 'sent', 1], ['whatsapp', 'sent', 2]]);
  const wa = (await graph.requests()).slice(waBefore);
  assert.deepEqual(wa.map((r) => Boolean(r.failed)), [true, false], 'one failure, one retry, then nothing');
  assert.equal((await google.requests('gmail')).length, mailBefore + 1, 'the e-mail was not sent again');
  assert.equal((await timeline(stack, people, marco, 'whatsapp')).filter((i) => i.practice_id === p.id).length, 1);
});

test('without WhatsApp or Google configured the cron still writes reminders and records the deliveries as skipped', async () => {
  const marco = barePeople.clientIds[0];
  const p = await practice(bare, barePeople, { client_id: marco, type_code: 'E33G', expiry_date: bali(6) });
  await runCron(bare);
  await runCron(bare);
  assert.equal((await timeline(bare, barePeople, marco, 'reminder')).filter((r) => r.practice_id === p.id).length, 1);
  const rows = deliveries(bare).filter((r) => r.practice_id === p.id);
  assert.deepEqual(rows.map((r) => [r.channel, r.status, r.detail]).sort(), [['email', 'skipped', 'channel not configured'], ['whatsapp', 'skipped', 'channel not configured']]);
  assert.equal((await timeline(bare, barePeople, marco, 'whatsapp')).length, 0);
});

// The Google Workspace tools end to end against `wrangler dev` and a local fake of Google's token, Calendar
// and Gmail endpoints (tests/support/fake-google.mjs, which verifies every RS256 assertion with a key pair
// made at start): the token is fetched once and cached, a taken slot is refused with alternatives, a booking
// creates the event and a timeline entry, an e-mail is sent only after its preparer confirms it, clients
// cannot send e-mail, and the tools are hidden from callers who may not use them or when Google is unset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getPlatformProxy } from 'wrangler';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, ROOT } from '../support/stack.mjs';
import { seedPeople } from '../support/seed.mjs';
import { request } from '../support/http.mjs';
import { startFakeGoogle } from '../support/fake-google.mjs';
import { startFakeLlm, fakeProviderVars, parseSse } from '../support/fake-llm.mjs';

let google;
let llm;
let stack;
let bare;
let people;
const PRICES = join(ROOT, '..', 'shared', 'data', 'kb-sources', 'bali-zero-prices-2025.json');

before(async () => {
  google = await startFakeGoogle();
  llm = await startFakeLlm();
  stack = await startStack({
    vars: { RATE_LIMITS: 'off', ...google.vars, ...fakeProviderVars(llm.base) },
    load: async (persist) => {
      people = await seedPeople(persist);
      const { env, dispose } = await getPlatformProxy({ persist: { path: `${persist}/v3` } });
      try {
        // Marco's consultant is Dewi; Sari has none.
        await env.DB.prepare('UPDATE clients SET consultant_id = ?1 WHERE id = ?2').bind(people.consultant.id, people.clientIds[0]).run();
        await env.DOCS.put('kb/sources/bali-zero-prices-2025.json', readFileSync(PRICES, 'utf8'));
      } finally {
        await dispose();
      }
    },
  });
  bare = await startStack({ vars: { RATE_LIMITS: 'off' }, load: async (persist) => { await seedPeople(persist); } });
});
after(async () => { await stack?.stop(); await bare?.stop(); await google?.stop(); await llm?.close(); });

const call = (method, path, opts) => request(stack.url, method, path, opts);
const tokens = {};
const login = async (base, who) => {
  const p = people[who];
  const r = await request(base, 'POST', `/api/auth/${who.startsWith('client') ? 'client' : 'team'}/login`, { body: { email: p.email, password: p.password } });
  assert.equal(r.status, 200, r.text);
  return r.json.access_token;
};
const as = async (who) => (tokens[who] ??= await login(stack.url, who));
const ok = (r, status) => assert.equal(r.status, status, `${r.status}: ${r.text.slice(0, 400)}`);
const tool = async (who, name, body) => call('POST', `/api/tools/${name}`, { token: who && await as(who), body });
const timeline = async (clientId, kind) => (await call('GET', `/crm/clients/${clientId}/interactions?kind=${kind}&limit=100`, { token: await as('admin') })).json.interactions;

/** A weekday at least `ahead` days from now, `hh:mm` Bali time, as RFC 3339. */
const weekday = (ahead, hh, mm = '00') => {
  const d = new Date(Date.now() + 8 * 3600e3 + ahead * 86400e3);
  while ([0, 6].includes(d.getUTCDay())) d.setUTCDate(d.getUTCDate() + 1);
  return `${d.toISOString().slice(0, 10)}T${hh}:${mm}:00+08:00`;
};
const instant = (s) => new Date(s).getTime();

test('the Google tools are listed only for callers who may use them, and only when Google is configured', async () => {
  const names = async (base, token) => (await request(base, 'GET', '/api/tools', { token })).json.tools.map((t) => t.name);
  const consultant = await names(stack.url, await as('consultant'));
  assert.ok(consultant.includes('book_consultation') && consultant.includes('send_email'), consultant.join());
  const client = await names(stack.url, await as('client'));
  assert.ok(client.includes('book_consultation') && !client.includes('send_email'), client.join());
  const anonymous = await names(stack.url);
  assert.ok(!anonymous.includes('book_consultation') && !anonymous.includes('send_email'));
  assert.ok(anonymous.includes('get_pricing'), 'the other tools are still there');
  const unconfigured = await names(bare.url, await login(bare.url, 'consultant'));
  assert.ok(!unconfigured.includes('book_consultation') && !unconfigured.includes('send_email'), unconfigured.join());
  assert.ok(unconfigured.includes('client_lookup'));
  const run = await request(bare.url, 'POST', '/api/tools/book_consultation', { token: await login(bare.url, 'consultant'), body: { start: weekday(3, '10') } });
  ok(run, 404);
  assert.equal(run.json.error.code, 'not_found');
});

test('a booking checks free/busy, creates the event with the client invited, and logs it; the token is fetched once', async () => {
  const marco = people.clientIds[0];
  const start = weekday(3, '10');
  const r = await tool('consultant', 'book_consultation', { client_id: marco, start, duration_minutes: 45, topic: 'E33G renewal' });
  ok(r, 200);
  assert.equal(r.json.value.booked, true, r.text);
  assert.equal(r.json.value.consultant, 'dewi@test.local');
  const cal = await google.requests('calendar');
  assert.deepEqual(cal.map((x) => [x.op, x.calendar]), [['freeBusy', 'dewi@test.local'], ['insert', 'dewi@test.local']]);
  const insert = cal[1];
  assert.equal(insert.sendUpdates, 'all');
  assert.deepEqual(insert.body.attendees.map((a) => a.email), ['marco@example.it']);
  assert.equal(instant(insert.body.start.dateTime), instant(start));
  assert.equal(instant(insert.body.end.dateTime) - instant(start), 45 * 60e3);
  const logged = (await timeline(marco, 'meeting')).filter((i) => i.summary.includes(r.json.value.event_id));
  assert.equal(logged.length, 1);
  assert.match(logged[0].summary, /Consultation booked with Dewi .* for 45 min: E33G renewal/);
  assert.equal(logged[0].created_by, people.consultant.id);

  // A second booking reuses the cached token: one token request for Dewi's calendar in all.
  const again = await tool('consultant', 'book_consultation', { client_id: marco, start: weekday(3, '14') });
  assert.equal(again.json.value.booked, true, again.text);
  const grants = (await google.requests('token')).filter((t) => t.sub === 'dewi@test.local' && t.scope.includes('calendar'));
  assert.equal(grants.length, 1, JSON.stringify(grants));
  assert.ok(grants.every((g) => g.ok && g.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer'));
});

test('a taken slot is refused with free alternatives and nothing is created', async () => {
  const marco = people.clientIds[0];
  const start = weekday(4, '11');
  await google.busy('dewi@test.local', start, weekday(4, '12'));
  const before = (await google.requests('calendar')).filter((x) => x.op === 'insert').length;
  const r = await tool('consultant', 'book_consultation', { client_id: marco, start, duration_minutes: 60 });
  ok(r, 200);
  assert.equal(r.json.value.booked, false);
  assert.equal(r.json.value.conflict, true);
  const alts = r.json.value.alternatives;
  assert.ok(alts.length > 0, r.text);
  for (const a of alts) {
    assert.ok(instant(a.start) >= instant(weekday(4, '12')), `${a.start} overlaps the busy hour`);
    assert.equal(instant(a.end) - instant(a.start), 60 * 60e3);
  }
  assert.match(r.json.summary, /Not booked: Dewi is busy/);
  assert.equal((await google.requests('calendar')).filter((x) => x.op === 'insert').length, before, 'no event inserted');
  // The first alternative is then bookable.
  const taken = await tool('consultant', 'book_consultation', { client_id: marco, start: alts[0].start, duration_minutes: 60 });
  assert.equal(taken.json.value.booked, true, taken.text);
});

test('a client books for themselves only, with their own consultant', async () => {
  const own = await tool('client', 'book_consultation', { start: weekday(5, '09', '30'), duration_minutes: 30 });
  ok(own, 200);
  assert.equal(own.json.value.booked, true, own.text);
  assert.equal(own.json.value.consultant, 'dewi@test.local');
  ok(await tool('client', 'book_consultation', { client_id: people.clientIds[1], start: weekday(5, '15') }), 404);
  ok(await tool('client', 'book_consultation', { start: weekday(5, '15'), consultant_id: people.admin.id }), 403);
  ok(await tool(null, 'book_consultation', { start: weekday(5, '15') }), 403);
});

test('booking arguments are validated: schema, time format, past, out of hours', async () => {
  const marco = people.clientIds[0];
  const d = new Date(Date.now() + 8 * 3600e3 + 7 * 86400e3);
  while (d.getUTCDay() !== 6) d.setUTCDate(d.getUTCDate() + 1);
  for (const body of [
    { client_id: marco },
    { client_id: marco, start: weekday(3, '10'), extra: 1 },
    { client_id: marco, start: weekday(3, '10'), duration_minutes: 5 },
    { client_id: marco, start: '2026-13-01T10:00:00+08:00' },
    { client_id: marco, start: 'next tuesday at ten please' },
    { client_id: marco, start: '2020-01-06T10:00:00+08:00' },
    { client_id: marco, start: weekday(3, '20') },
    { client_id: marco, start: `${d.toISOString().slice(0, 10)}T10:00:00+08:00` },
    { start: weekday(3, '10') },
  ]) {
    const r = await tool('consultant', 'book_consultation', body);
    ok(r, 422);
    assert.equal(r.json.error.code, 'validation_failed', JSON.stringify(body));
  }
});

test('send_email prepares a preview; only its preparer\'s confirmation sends it, once', async () => {
  const marco = people.clientIds[0];
  const gmailBefore = (await google.requests('gmail')).length;
  const prep = await tool('consultant', 'send_email', { client_id: marco, kind: 'checklist', documents: ['Passport (18+ months valid)', 'Bank statement, 3 months'], note: 'As discussed on the phone.' });
  ok(prep, 200);
  const v = prep.json.value;
  assert.equal(v.status, 'awaiting_confirmation');
  assert.match(prep.json.summary, /NOT sent/);
  assert.deepEqual([v.preview.from, v.preview.to], ['dewi@test.local', 'marco@example.it']);
  assert.match(v.preview.body, /- \[ \] Passport \(18\+ months valid\)\n- \[ \] Bank statement, 3 months/);
  assert.equal((await google.requests('gmail')).length, gmailBefore, 'nothing sent by the tool');

  // The model cannot confirm: no tool takes a token, and the schema refuses one.
  const sneaky = await tool('consultant', 'send_email', { client_id: marco, kind: 'checklist', documents: ['x'], confirmation_token: v.confirmation_token });
  ok(sneaky, 422);
  // Someone else (another team member, a client) cannot confirm it; a malformed token is a 422.
  ok(await call('POST', '/api/email/confirm', { token: await as('admin'), body: { confirmation_token: v.confirmation_token } }), 404);
  ok(await call('POST', '/api/email/confirm', { token: await as('client'), body: { confirmation_token: v.confirmation_token } }), 403);
  ok(await call('POST', '/api/email/confirm', { token: await as('consultant'), body: { confirmation_token: 'emc_nope' } }), 422);
  ok(await call('POST', '/api/email/confirm', { token: await as('consultant'), body: { confirmation_token: `emc_${'0'.repeat(32)}` } }), 404);
  assert.equal((await google.requests('gmail')).length, gmailBefore);

  const sent = await call('POST', '/api/email/confirm', { token: await as('consultant'), body: { confirmation_token: v.confirmation_token } });
  ok(sent, 200);
  assert.equal(sent.json.sent, true);
  const mails = (await google.requests('gmail')).slice(gmailBefore);
  assert.equal(mails.length, 1);
  assert.equal(mails[0].user, 'dewi@test.local');
  assert.equal(mails[0].headers.to, 'marco@example.it');
  assert.equal(mails[0].headers['content-type'], 'text/plain; charset=UTF-8');
  assert.match(mails[0].text, /Dear Marco Rossi,\r\n\r\nAs discussed on the phone\.\r\n\r\nPlease prepare these documents:/);
  assert.equal(sent.json.message_id, mails[0].id);
  const logged = (await timeline(marco, 'email')).filter((i) => i.id === sent.json.interaction_id);
  assert.equal(logged.length, 1);
  assert.match(logged[0].summary, /E-mail \(checklist\) sent from dewi@test.local to marco@example.it/);

  const twice = await call('POST', '/api/email/confirm', { token: await as('consultant'), body: { confirmation_token: v.confirmation_token } });
  ok(twice, 409);
  assert.equal((await google.requests('gmail')).length, gmailBefore + 1, 'sent once');
});

test('a quote e-mail is priced from the price list; a Gmail failure can be confirmed again', async () => {
  const marco = people.clientIds[0];
  const prep = await tool('admin', 'send_email', { client_id: marco, kind: 'quote', items: [{ service: 'E33G', quantity: 2 }] });
  ok(prep, 200);
  assert.match(prep.json.value.preview.body, /Remote Worker KITAS.*× 2 = IDR 25,000,000/);
  assert.match(prep.json.value.preview.body, /Total: IDR 25,000,000/);
  assert.equal(prep.json.value.preview.from, 'admin@test.local');
  const gmailBefore = (await google.requests('gmail')).length;
  await google.fail('gmail', 500, 1);
  const body = { confirmation_token: prep.json.value.confirmation_token };
  const failed = await call('POST', '/api/email/confirm', { token: await as('admin'), body });
  ok(failed, 503);
  assert.equal(failed.json.error.code, 'upstream_unavailable');
  const retried = await call('POST', '/api/email/confirm', { token: await as('admin'), body });
  ok(retried, 200);
  const mails = (await google.requests('gmail')).slice(gmailBefore);
  assert.deepEqual(mails.map((m) => Boolean(m.failed)), [true, false]);
  // A quote needs items, a checklist documents.
  ok(await tool('admin', 'send_email', { client_id: marco, kind: 'quote' }), 422);
  ok(await tool('admin', 'send_email', { client_id: marco, kind: 'checklist' }), 422);
});

test('clients cannot send e-mail', async () => {
  const r = await tool('client', 'send_email', { client_id: people.clientIds[0], kind: 'checklist', documents: ['Passport'] });
  ok(r, 403);
  assert.equal(r.json.error.code, 'forbidden');
});

test('in the chat, the model can prepare an e-mail but not send it; only the user gets the token, and confirms', async () => {
  const marco = people.clientIds[0];
  const gmailBefore = (await google.requests('gmail')).length;
  await llm.reset();
  const args = { client_id: marco, kind: 'checklist', documents: ['Passport copy'] };
  await llm.script({ anthropic: [`tool:send_email:${JSON.stringify(args)}`, 'ok:I prepared the e-mail; please confirm it.'] });
  const chat = async (token) => {
    const res = await fetch(`${stack.url}/bali-zero/chat-stream`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify({ query: 'E-mail Marco the document checklist' }) });
    assert.equal(res.status, 200);
    return parseSse(await res.text());
  };
  const events = await chat(await as('consultant'));
  const calls = await llm.requests();
  const offered = calls[0].body.tools.map((t) => t.name);
  assert.ok(offered.includes('send_email') && offered.includes('book_consultation'), offered.join());
  // The model is told it is prepared, not sent, and never sees the token.
  const toModel = JSON.stringify(calls[1].body.messages.at(-1));
  assert.match(toModel, /Prepared, NOT sent/);
  assert.doesNotMatch(toModel, /emc_/);
  assert.equal((await google.requests('gmail')).length, gmailBefore, 'the model\'s call sent nothing');
  // The user's stream carries the preview and the token; the person confirms it themselves.
  const ev = events.find((e) => e.event === 'tool' && e.json.name === 'send_email');
  assert.equal(ev.json.result.status, 'awaiting_confirmation', JSON.stringify(ev.json));
  assert.equal(ev.json.result.preview.to, 'marco@example.it');
  ok(await call('POST', '/api/email/confirm', { token: await as('consultant'), body: { confirmation_token: ev.json.result.confirmation_token } }), 200);
  assert.equal((await google.requests('gmail')).length, gmailBefore + 1);

  // A client's chat is offered the booking tool but never send_email.
  await llm.reset();
  await llm.script({ anthropic: ['ok:Hello.'] });
  await chat(await as('client'));
  const clientOffer = (await llm.requests())[0].body.tools.map((t) => t.name);
  assert.ok(clientOffer.includes('book_consultation') && !clientOffer.includes('send_email'), clientOffer.join());
});

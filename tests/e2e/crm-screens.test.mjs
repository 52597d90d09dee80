// The CRM screens in Chromium against the real local stack (no knowledge base needed): the team's
// dashboard (inline-SVG charts from GET /crm/analytics, with the same numbers as tables), the client's own
// portal (their practices, history, payments, renewals and documents, and nothing of the team's), and a
// new practice and a payment made from a client's screen (the API's validation errors next to the fields).
// Screenshots at phone and desktop size go to tests/e2e/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startE2E, PHONE, DESKTOP, SCREENSHOTS } from './support/harness.mjs';

let E;
let admin;
let types;
const seeded = {}; // practices made in before(), by name
const problems = [];
const DEWI = ['dewi@test.local', 'dewi-consultant-2468'];
const MARCO = ['marco@example.it', 'marco-password-1', 'client'];
const INTERNAL = 'INTERNAL'; // in every team-only note: never on a client's screen

const bali = (days = 0) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
const digits = (s) => Number(String(s).replace(/\D/g, '')) || 0;

async function api(token, path, { method = 'GET', body, raw, type } = {}) {
  const headers = { Authorization: 'Bearer ' + token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (type) headers['Content-Type'] = type;
  const r = await fetch(E.url + path, { method, headers, body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined) });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, body: json, text };
}

async function apiLogin(email, password, portal = 'team') {
  const r = await fetch(`${E.url}/api/auth/${portal}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
  assert.equal(r.status, 200);
  return (await r.json()).access_token;
}

async function practice(body, statuses = [], payments = []) {
  const r = await api(admin, '/crm/practices', { method: 'POST', body });
  assert.equal(r.status, 201, r.text);
  for (const status of statuses) {
    const cur = (await api(admin, '/crm/practices/' + r.body.id)).body;
    const s = await api(admin, `/crm/practices/${r.body.id}/status`, { method: 'POST', body: { status, version: cur.version, note: `${INTERNAL} step note` } });
    assert.equal(s.status, 200, s.text);
  }
  for (const [amount_idr, paid_on] of payments) {
    const p = await api(admin, `/crm/practices/${r.body.id}/payments`, { method: 'POST', body: { amount_idr, paid_on, method: 'transfer', note: `${INTERNAL} payment note` } });
    assert.equal(p.status, 201, p.text);
  }
  return (await api(admin, '/crm/practices/' + r.body.id)).body;
}

before(async () => {
  E = await startE2E({ kb: false });
  admin = await apiLogin('admin@test.local', 'admin-password-1');
  types = (await api(admin, '/crm/practice-types')).body.practice_types;
  assert.ok(types.length >= 3);
  const [marco, sari] = E.people.clientIds;
  const dewi = E.people.consultant.id;
  seeded.a = await practice({ client_id: marco, type_code: types[0].code, consultant_id: dewi, fee_idr: 10_000_000, start_date: bali(-40),
    expiry_date: bali(10), notes: `${INTERNAL}: 10% discount agreed` }, ['quoted', 'in_progress', 'submitted'], [[4_000_000, bali(-60)], [1_500_000, bali(0)]]);
  seeded.b = await practice({ client_id: marco, type_code: types[1].code, fee_idr: 5_000_000, expiry_date: bali(24) },
    ['quoted', 'in_progress', 'submitted', 'approved']);
  seeded.c = await practice({ client_id: marco, type_code: types[1].code, expiry_date: bali(5) }, ['cancelled']);
  seeded.d = await practice({ client_id: sari, type_code: types[2].code, consultant_id: dewi, fee_idr: 7_000_000, expiry_date: bali(50) }, [], [[7_000_000, bali(-30)]]);
  const up = await api(admin, `/crm/documents?client_id=${marco}&filename=visa-letter.txt`, { method: 'POST', raw: 'Sponsor letter for Marco\n', type: 'text/plain' });
  assert.equal(up.status, 201, up.text);
}, { timeout: 600_000 });
after(async () => { if (E) await E.stop(); });

async function newPage(viewport = PHONE) {
  const ctx = await E.browser.newContext({ viewport, baseURL: E.url, acceptDownloads: true });
  const page = await ctx.newPage();
  page.on('console', (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.stack || e.message}`));
  return { ctx, page };
}

async function login(page, email, password, portal = 'team') {
  await page.goto('/#/login', { waitUntil: 'commit' });
  await page.waitForSelector('#login-email');
  if (portal === 'client') await page.locator('label.seg', { hasText: /client/i }).click();
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('#chat-input');
}

/** Phone and desktop screenshots; `full`: the whole scrolled view (the window made as tall as the page). */
async function shot(page, name, { full = false } = {}) {
  await page.evaluate(() => { document.querySelector('#toast').hidden = true; });
  for (const [vp, size] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    await page.setViewportSize(size);
    await page.evaluate(() => { document.querySelector('main').scrollTop = 0; });
    if (full) {
      const height = await page.evaluate(() => { const m = document.querySelector('main'); return m.offsetTop + m.scrollHeight; });
      await page.setViewportSize({ width: size.width, height: Math.max(size.height, height) });
    }
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(SCREENSHOTS, `${vp}-${name}.png`) });
  }
  await page.setViewportSize(PHONE);
}

/** A chart's table as rows of cell texts (the row heading first). */
const tableOf = (page, id) => page.$$eval(`#${id} tbody tr`, (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));

test('dashboard: accessible SVG charts drawn from /crm/analytics, the same numbers as tables, team only', async () => {
  const dewiToken = await apiLogin(...DEWI);
  const a = (await api(dewiToken, '/crm/analytics')).body;
  const { ctx, page } = await newPage();
  await login(page, ...DEWI);
  await page.click('#nav a[data-path=crm]');
  await page.click('.subnav a[href="#/crm/dashboard"]');
  await page.waitForSelector('#ch-workload svg');
  assert.equal(await page.textContent('h2'), 'Dashboard');

  // Every chart: an image with a name, a <title> and a <desc> that says the numbers; a table with the same numbers.
  const charts = await page.$$eval('.chart', (els) => els.map((el) => {
    const svg = el.querySelector('svg');
    return { id: el.id, h: el.querySelector('h3').textContent, role: svg.getAttribute('role'), label: svg.getAttribute('aria-label'),
      title: svg.querySelector('title').textContent, desc: svg.querySelector('desc').textContent, table: el.querySelector('details table') !== null };
  }));
  assert.deepEqual(charts.map((c) => c.id), ['ch-status', 'ch-type', 'ch-renewals', 'ch-revenue', 'ch-workload']);
  for (const c of charts) {
    assert.ok(c.role === 'img' && c.label === c.h && c.title === c.h && c.table, JSON.stringify(c));
    assert.match(c.desc, /\d/);
  }
  assert.match(charts[0].desc, /Submitted: 1; Approved: 1;/);

  const status = await tableOf(page, 'ch-status');
  assert.deepEqual(status.map(([l]) => l), ['Inquiry', 'Quoted', 'In progress', 'Submitted', 'Approved', 'Rejected', 'Completed', 'Cancelled']);
  assert.equal(status.reduce((sum, [, n]) => sum + digits(n), 0), Object.values(a.practices_by_status).reduce((x, y) => x + y, 0));
  assert.deepEqual(Object.fromEntries(status.filter(([, n]) => n !== '0')), { Inquiry: '1', Submitted: '1', Approved: '1', Cancelled: '1' });
  // Bars are proportional: equal counts, equal bars; a zero has none.
  const widths = await page.$$eval('#ch-status rect.chart-bar', (rs) => rs.map((r) => Number(r.getAttribute('width'))));
  assert.equal(widths.length, 8);
  assert.ok(widths[0] > 0 && widths[1] === 0 && widths.filter((w) => w === widths[0]).length === 4, String(widths));

  const byType = await tableOf(page, 'ch-type');
  assert.deepEqual(byType.find(([name]) => name === types[1].name), [types[1].name, '2', '0']);
  assert.deepEqual(byType.find(([name]) => name === types[0].name), [types[0].name, '1', '1']);

  // Renewals per week from today: 10 days → week 2, 24 → week 4, 50 → week 8 (the cancelled one is not due).
  const weeks = await tableOf(page, 'ch-renewals');
  assert.equal(weeks.length, 12);
  assert.deepEqual(weeks.map(([, n]) => Number(n)), [0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]);

  // Revenue by month: the API's 12 months, oldest first, adding up to every payment made.
  const months = await tableOf(page, 'ch-revenue');
  assert.deepEqual(months.map(([, paid, n]) => [digits(paid), Number(n)]), a.revenue_by_month.map((m) => [m.paid_idr, m.payments]));
  assert.equal(months.reduce((s, [, paid]) => s + digits(paid), 0), 12_500_000);
  assert.equal(months.at(-1)[0], new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric' }).format(new Date(bali(0))));

  // Workload: Dewi has two open practices (one per client): 4.5 M still owed on one, the other paid in full.
  const work = await tableOf(page, 'ch-workload');
  assert.deepEqual(work.find(([name]) => name === 'Dewi').map((c, i) => (i ? digits(c) : c)), ['Dewi', 2, 2, 4_500_000]);
  assert.deepEqual(work.find(([name]) => name === 'Admin').slice(1, 3), ['0', '0']);
  // Totals.
  assert.match(await page.textContent('.kpis'), /2\s*Clients[\s\S]*4\s*Practices[\s\S]*IDR 12,500,000/);

  // Drawn at the card's width, and drawn again when that changes.
  const fit = () => page.$eval('#ch-revenue', (c) => [Number(c.querySelector('svg').getAttribute('width')), Math.round(c.querySelector('.chart-box').clientWidth)]);
  let [svgW, boxW] = await fit();
  assert.equal(svgW, boxW);
  await page.setViewportSize(DESKTOP);
  await page.waitForFunction(() => { const c = document.querySelector('#ch-revenue'); return Number(c.querySelector('svg').getAttribute('width')) === Math.round(c.querySelector('.chart-box').clientWidth); });
  [svgW, boxW] = await fit();
  assert.ok(svgW > 390, String(svgW));
  await page.setViewportSize(PHONE);

  await shot(page, 'dashboard');
  await page.click('#ch-revenue summary');
  await page.locator('#ch-revenue').scrollIntoViewIfNeeded();
  await shot(page, 'dashboard-full', { full: true });
  await ctx.close();

  // Not for clients: the route sends them back to the chat.
  const c = await newPage();
  await login(c.page, ...MARCO);
  await c.page.goto('/#/crm/dashboard');
  await c.page.waitForSelector('#chat-input');
  assert.equal(await c.page.locator('.chart').count(), 0);
  await c.ctx.close();
});

test('client portal: own practices with history and payments, renewals, documents up and down, nothing of the team', async () => {
  const { ctx, page } = await newPage();
  await login(page, ...MARCO);
  await page.click('#nav a[data-path=portal]');
  await page.waitForSelector('.view-portal li.practice');
  await page.waitForSelector('.view-portal .docs li');
  assert.equal(await page.textContent('h2'), 'My portal');
  const ids = await page.$$eval('li.practice', (lis) => lis.map((li) => li.dataset.id).sort());
  assert.deepEqual(ids, [seeded.a.id, seeded.b.id, seeded.c.id].sort(), 'Marco\'s three practices, not Sari\'s');
  const a = page.locator(`li.practice[data-id="${seeded.a.id}"]`);
  assert.match(await a.textContent(), /Submitted[\s\S]*IDR 10,000,000[\s\S]*IDR 5,500,000[\s\S]*IDR 4,500,000[\s\S]*Dewi/);

  // Renewals: the permits still held, soonest first, the one within 30 days flagged; not the cancelled one.
  const renewals = await page.$$eval('.renewals li', (lis) => lis.map((li) => li.textContent));
  assert.equal(renewals.length, 2);
  assert.ok(renewals[0].startsWith(types[0].name), renewals[0]);
  assert.match(renewals[0], /\(10 days\)Renew soon$/);
  assert.match(renewals[1], /\(24 days\)/);

  // History and payments, on demand.
  await a.locator('summary').click();
  await a.locator('.history table').waitFor();
  assert.deepEqual(await a.locator('.steps li strong').allTextContents(), ['Inquiry', 'Quoted', 'In progress', 'Submitted']);
  assert.deepEqual((await a.locator('.history tbody td:last-child').allTextContents()).map(digits), [4_000_000, 1_500_000]);
  await shot(page, 'portal', { full: true });

  // Download the team's document; upload one of their own.
  const dl = page.waitForEvent('download');
  await page.click('.docs button:has-text("visa-letter.txt")');
  const file = await dl;
  assert.equal(file.suggestedFilename(), 'visa-letter.txt');
  assert.equal(readFileSync(await file.path(), 'utf8'), 'Sponsor letter for Marco\n');
  await page.setInputFiles('#doc-file', { name: 'my-passport.txt', mimeType: 'text/plain', buffer: Buffer.from('passport of Marco\n') });
  await page.click('form.upload button[type=submit]');
  await page.locator('.docs li', { hasText: 'my-passport.txt' }).waitFor();
  assert.match(await page.textContent('form.upload [role=status]'), /Uploaded my-passport\.txt/);
  const docs = (await api(admin, '/crm/documents?client_id=' + E.people.clientIds[0])).body.documents;
  assert.equal(docs[0].filename, 'my-passport.txt');
  assert.equal(docs[0].uploaded_by, E.people.client.id);

  // Nothing of the team's on the client's screens, and no other client.
  const text = await page.textContent('main');
  assert.ok(!text.includes(INTERNAL) && !text.includes('Sari') && !text.includes('Admin'), text);
  await ctx.close();
});

test('client screen: a new practice and a payment, with the API\'s validation errors next to their fields', async () => {
  const marcoId = E.people.clientIds[0];
  const { ctx, page } = await newPage();
  await login(page, ...DEWI);
  await page.goto('/#/crm/client/' + marcoId);
  await page.waitForSelector('li.practice');
  const before = await page.locator('li.practice').count();

  await page.click('.new-practice summary');
  await page.waitForSelector(`#np-type_code option[value="${types[2].code}"]`, { state: 'attached' });
  await page.click('.practice-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#np-type_code-err').textContent);
  assert.equal(await page.textContent('#np-type_code-err'), 'Required.');
  assert.equal(await page.getAttribute('#np-type_code', 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'np-type_code');

  await page.selectOption('#np-type_code', types[2].code);
  await page.fill('#np-fee_idr', '2.000.000.000.000');
  await page.fill('#np-expiry_date', bali(40));
  await page.click('.practice-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#np-fee_idr-err').textContent);
  assert.match(await page.textContent('#np-fee_idr-err'), /whole amount of rupiah from 0 to/);
  assert.equal(await page.textContent('#np-type_code-err'), '');
  assert.equal(await page.getAttribute('#np-type_code', 'aria-invalid'), null);
  await shot(page, 'new-practice-error');

  await page.fill('#np-fee_idr', '3.500.000');
  await page.click('.practice-form button[type=submit]');
  await page.waitForFunction((n) => document.querySelectorAll('li.practice').length === n + 1, before);
  const list = (await api(admin, '/crm/practices?client_id=' + marcoId)).body.practices;
  const made = list.find((p) => p.type_code === types[2].code);
  assert.deepEqual([made.fee_idr, made.expiry_date, made.status, made.paid_idr], [3_500_000, bali(40), 'inquiry', 0]);
  assert.match(await page.textContent('#toast'), /Practice created/);

  // A payment: a date in the future is refused by the API next to the date; then recorded.
  const li = page.locator(`li.practice[data-id="${made.id}"]`);
  await li.locator('.pay summary').click();
  await li.locator('input[name=amount_idr]').fill('1.000.000');
  await li.locator('input[name=paid_on]').fill(bali(5));
  await li.locator('.payment-form button[type=submit]').click();
  await li.locator('.field[data-field=paid_on] .field-error:has-text("cannot be in the future")').waitFor();
  assert.equal(await li.locator('input[name=paid_on]').getAttribute('aria-invalid'), 'true');
  await li.locator('input[name=paid_on]').scrollIntoViewIfNeeded();
  await page.locator('.grid-2').scrollIntoViewIfNeeded();
  await shot(page, 'payment-error', { full: true });
  await li.locator('input[name=paid_on]').fill(bali(0));
  await li.locator('.payment-form button[type=submit]').click();
  await page.waitForFunction((id) => /Balance IDR 2,500,000/.test(document.querySelector(`li.practice[data-id="${id}"]`).textContent), made.id);
  assert.match(await page.textContent('#toast'), /Payment of IDR 1,000,000 recorded/);
  const after = (await api(admin, '/crm/practices/' + made.id)).body;
  assert.equal(after.paid_idr, 1_000_000);
  assert.deepEqual(after.payments.map((p) => [p.amount_idr, p.paid_on, p.method]), [[1_000_000, bali(0), 'transfer']]);
  await ctx.close();
});

test('no CSP violations and no uncaught errors on these screens', () => {
  assert.deepEqual(problems, []);
});

// The PWA in a real browser (Debian's Chromium via playwright-core) against the real local stack with the
// knowledge base loaded and a fake model that streams word by word. One stack for the whole file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startE2E, PHONE, DESKTOP, SCREENSHOTS } from './support/harness.mjs';

let E;
const problems = []; // CSP violations and uncaught page errors, from every page

before(async () => { E = await startE2E(); }, { timeout: 600_000 });
after(async () => { if (E) await E.stop(); });

async function newPage(viewport = PHONE, opts = {}) {
  const ctx = await E.browser.newContext({ viewport, baseURL: E.url, ...opts });
  return { ctx, page: await newTab(ctx) };
}

/** Another tab in the same browser context (the same IndexedDB and service worker, its own sessionStorage). */
async function newTab(ctx) {
  const page = await ctx.newPage();
  page.on('console', (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.stack || e.message}`));
  return page;
}

async function login(page, email, password, portal = 'team') {
  // Wait for the app to be usable (the form), not for every last resource of the page.
  await page.goto('/#/login', { waitUntil: 'commit' });
  await page.waitForSelector('#login-email');
  if (portal === 'client') await page.locator('label.seg', { hasText: /client|klien|clienti/i }).click();
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('#chat-input');
}

async function apiLogin(email, password, portal = 'team') {
  const r = await fetch(`${E.url}/api/auth/${portal}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
  assert.equal(r.status, 200);
  return (await r.json()).access_token;
}

async function api(token, path, init = {}) {
  const r = await fetch(E.url + path, { ...init, headers: { Authorization: 'Bearer ' + token, ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...init.headers } });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function ask(page, question) {
  await page.fill('#chat-input', question);
  await page.press('#chat-input', 'Enter');
}

const lastAnswer = (page) => page.locator('.msg.bot').last();
const waitDone = (page, timeout = 60_000) => page.waitForFunction(() => {
  const m = [...document.querySelectorAll('.msg.bot')].pop();
  return m && m.dataset.state;
}, null, { timeout });

/** The answer's words without Markdown and spacing, to compare a rendered answer with what the model said. */
const squash = (s) => s.replace(/\*\*|`/g, '').replace(/^- /gm, '').replace(/\s+/g, '');

async function shot(page, name, top = false) {
  await page.evaluate(() => { document.querySelector('#toast').hidden = true; });
  for (const [vp, size] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    await page.setViewportSize(size);
    if (top) await page.evaluate(() => { document.querySelector('main').scrollTop = 0; document.activeElement.blur(); });
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(SCREENSHOTS, `${vp}-${name}.png`) });
  }
  await page.setViewportSize(PHONE);
}

test('the shell: first load under 100 KB of JS+CSS, installable, CSP headers, icons', async (t) => {
  const { ctx, page } = await newPage();
  const loaded = new Map();
  page.on('response', async (r) => {
    const type = r.request().resourceType();
    if (type === 'script' || type === 'stylesheet') {
      try { loaded.set(new URL(r.url()).pathname, (await r.body()).length); } catch { /* redirect */ }
    }
  });
  const res = await page.goto('/');
  const csp = res.headers()['content-security-policy'] || '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  await page.waitForSelector('#login-email');
  const loginBytes = [...loaded.values()].reduce((a, b) => a + b, 0);
  // The first screen a visitor uses: the chat.
  await page.click('button.link');
  await page.waitForSelector('#chat-input');
  await page.waitForLoadState('networkidle');
  const total = [...loaded.values()].reduce((a, b) => a + b, 0);
  const list = [...loaded].map(([p, n]) => `${p} ${n}`).join(', ');
  t.diagnostic(`shell JS+CSS: login screen ${loginBytes} B, chat screen ${total} B (uncompressed): ${list}`);
  console.log(`# shell JS+CSS first load: login ${(loginBytes / 1024).toFixed(1)} KiB, chat ${(total / 1024).toFixed(1)} KiB`);
  assert.ok(total < 100 * 1024, `first load is ${total} bytes`);
  assert.ok(loaded.has('/js/sse.js') && loaded.has('/app.css') && !loaded.has('/js/views/crm.js'), list);

  // Installable: manifest with PNG icons, a service worker; Chromium reports no installability errors.
  const manifest = await (await page.request.get('/manifest.webmanifest')).json();
  for (const size of ['192x192', '512x512']) {
    const icon = manifest.icons.find((i) => i.sizes === size && i.type === 'image/png');
    assert.ok(icon, size);
    const r = await page.request.get(icon.src);
    assert.equal(r.status(), 200);
    const png = await r.body();
    assert.equal(png.readUInt32BE(16) + 'x' + png.readUInt32BE(20), size);
  }
  await page.waitForFunction(() => navigator.serviceWorker.controller, null, { timeout: 15_000 });
  const cdp = await ctx.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  // Test contexts are incognito profiles, which Chromium never offers to install; nothing else may be missing.
  assert.deepEqual(installabilityErrors.filter((e) => e.errorId !== 'in-incognito'), []);
  await ctx.close();
});

test('login (team and client portals), wrong password, refresh on 401, session expiry, logout', async () => {
  const { ctx, page } = await newPage();
  await page.goto('/');
  await page.waitForSelector('#login-email');
  // Focus goes to the view's heading on a view change.
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H2');
  await page.fill('#login-email', 'dewi@test.local');
  await page.fill('#login-password', 'wrong');
  await page.click('form.login button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  assert.match(await page.textContent('#login-error'), /invalid email or password/);

  // Keyboard only: from the focused heading, Tab to the portal choice, the e-mail, the password; Enter signs in.
  await page.fill('#login-password', '');
  await page.focus('form.login h2');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.value), 'team');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('dewi@test.local');
  await page.keyboard.press('Tab');
  await page.keyboard.type('dewi-consultant-2468');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#chat-input');
  assert.deepEqual(await page.locator('#nav a').allTextContents(), ['Chat', 'Memory', 'Knowledge base', 'Clients']);
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H2');
  // Visible focus: the focused control has an outline.
  await page.keyboard.press('Tab');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');
  const stored = await page.evaluate(() => ({ s: JSON.parse(sessionStorage.getItem('nz.session')), local: JSON.stringify(localStorage) }));
  assert.ok(stored.s.access_token && stored.s.refresh_token);
  assert.ok(!stored.local.includes(stored.s.access_token) && !stored.local.includes(stored.s.refresh_token), 'no tokens in localStorage');

  // An access token the server refuses: one refresh, then the call goes through.
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('nz.session'));
    s.access_token = 'not-a-token';
    sessionStorage.setItem('nz.session', JSON.stringify(s));
  });
  await page.reload();
  const refreshed = page.waitForResponse((r) => r.url().endsWith('/api/auth/refresh'));
  await page.goto('/#/memory');
  assert.equal((await refreshed).status(), 200);
  await page.waitForSelector('.convs[aria-busy=false]');
  assert.equal(await page.locator('#nav a[aria-current=page]').textContent(), 'Memory');

  // Both tokens refused: back to the login screen, saying why.
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('nz.session'));
    s.access_token = 'not-a-token';
    s.refresh_token = 'rt_not-a-token';
    sessionStorage.setItem('nz.session', JSON.stringify(s));
  });
  await page.reload();
  await page.waitForSelector('#login-email');
  assert.match(await page.textContent('#login-error'), /session has expired/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('nz.session')), null);

  // Logout revokes the access token on the server.
  await login(page, 'dewi@test.local', 'dewi-consultant-2468');
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('nz.session')).access_token);
  await page.click('#signout');
  await page.waitForSelector('#login-email');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('nz.session')), null);
  assert.equal((await api(token, '/api/auth/me')).status, 401);

  // The client portal: no CRM in the navigation, their own portal instead.
  await login(page, 'marco@example.it', 'marco-password-1', 'client');
  assert.deepEqual(await page.locator('#nav a').allTextContents(), ['Chat', 'Memory', 'Knowledge base', 'My portal']);
  await page.goto('/#/crm');
  await page.waitForSelector('#chat-input');
  await ctx.close();
});

test('chat: the answer streams in token by token, with tools, citations, sources, model and retrieval mode; copy and feedback', async (t) => {
  E.fake.delayMs = 60;
  const { ctx, page } = await newPage(PHONE, { permissions: ['clipboard-read', 'clipboard-write'] });
  await login(page, 'dewi@test.local', 'dewi-consultant-2468');
  const sent = page.waitForRequest((r) => r.url().endsWith('/bali-zero/chat-stream'));
  await ask(page, 'How much does an investor KITAS cost?');
  // Observe the answer as it grows, from inside the page.
  const seen = await page.evaluate(async () => {
    const out = [];
    const t0 = performance.now();
    while (performance.now() - t0 < 30_000) {
      const m = [...document.querySelectorAll('.msg.bot')].pop();
      if (m) {
        const len = m.querySelector('.body').textContent.length;
        if (m.dataset.state) { out.push({ len, done: true }); break; }
        if (len && (!out.length || out[out.length - 1].len !== len)) out.push({ len });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return out;
  });
  const before = seen.filter((s) => !s.done);
  assert.ok(before.length >= 2, `text grew over ${before.length} observations before done: ${JSON.stringify(seen)}`);
  for (let i = 1; i < before.length; i++) assert.ok(before[i].len > before[i - 1].len, 'monotonic growth');
  assert.ok(seen.at(-1).done && seen.at(-1).len >= before.at(-1).len);
  const body = JSON.parse((await sent).postData());
  assert.equal(body.language, 'en');
  assert.ok(body.session_id);

  const m = lastAnswer(page);
  assert.equal(await m.getAttribute('data-state'), 'done');
  assert.equal(await m.getAttribute('aria-busy'), 'false');
  const ttft = Number(await m.getAttribute('data-ttft'));
  t.diagnostic(`time to first token in the browser: ${ttft} ms`);
  console.log(`# TTFT (browser, send → first token): ${ttft} ms`);
  // The rendered answer is exactly what the model said.
  assert.equal(squash(await m.locator('.body').textContent()), squash(E.fake.answers.at(-1)));
  // Markdown: a list with bold, inline code, a safe external link, citation links to the sources.
  assert.ok(await m.locator('.body ul li strong').count() >= 1);
  assert.equal(await m.locator('.body code').first().textContent(), 'E28A');
  const ext = m.locator('.body a[href^="https://www.imigrasi.go.id"]');
  assert.equal(await ext.getAttribute('rel'), 'noopener noreferrer');
  const cite = m.locator('.body a.cite').first();
  assert.equal(await cite.textContent(), '[1]');
  // Model, provider and retrieval mode.
  const meta = await m.locator('.meta').textContent();
  assert.match(meta, /fake-gpt/);
  assert.match(meta, /openai/);
  assert.match(meta, /keyword search/);
  // The pricing tool ran: a price table.
  assert.match(await m.locator('.tool-get_pricing').textContent(), /Investor KITAS[\s\S]*IDR 17,000,000/);
  assert.ok(await m.locator('.tool-get_pricing table').count() >= 1);
  // Sources: numbered, with highlighted snippets, a link to the document view and the raw source file.
  const sources = m.locator('.sources li');
  assert.ok((await sources.count()) >= 2);
  assert.equal(await sources.first().locator('.n').textContent(), '[1]');
  assert.ok(await m.locator('.sources mark').count() >= 1, 'highlights');
  assert.match(await sources.first().locator('.src-head a').getAttribute('href'), /^#\/doc\//);
  const raw = await sources.first().locator('a.raw').getAttribute('href');
  assert.match(raw, /^\/api\/documents\/.+\?raw=1$/);
  assert.equal((await page.request.get(raw)).status(), 200);
  // Clicking a citation moves to its source.
  await cite.click();
  assert.match(await page.evaluate(() => document.activeElement.id), /^src-.+-1$/);

  // Copy.
  await m.locator('.actions button', { hasText: 'Copy' }).click();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /Investor KITAS|Here is what the sources say/);
  // Feedback 👍 is stored on the message.
  const messageId = await m.getAttribute('data-message-id');
  await m.locator('button[aria-label=Helpful]').click();
  await page.waitForSelector('.msg.bot:last-of-type button[aria-label=Helpful][aria-pressed=true]');
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('nz.session')).access_token);
  const convId = page.url().split('#/chat/')[1];
  const conv = (await api(token, '/api/conversations/' + convId)).body;
  assert.equal(conv.messages.find((x) => x.id === messageId).feedback, 1);

  // Accessibility: the transcript is a polite live log; every button has a name.
  assert.equal(await page.getAttribute('.log', 'role'), 'log');
  assert.equal(await page.getAttribute('.log', 'aria-live'), 'polite');
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button')].filter((b) => !b.hidden && !(b.getAttribute('aria-label') || b.textContent.trim())).length);
  assert.equal(unnamed, 0);
  await m.locator('.meta').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.evaluate(() => document.activeElement.blur());
  await shot(page, 'chat-answer');
  await ctx.close();
});

test('chat: the language switcher changes the UI and the language of the answer', async () => {
  E.fake.delayMs = 5;
  const { ctx, page } = await newPage();
  await login(page, 'dewi@test.local', 'dewi-consultant-2468');
  await page.selectOption('#lang', 'it');
  // The page's language changes before the composer is redrawn: wait for the button itself.
  await page.waitForFunction(() => document.documentElement.lang === 'it'
    && document.querySelector('.composer button[type=submit]')?.textContent === 'Invia');
  const sent = page.waitForRequest((r) => r.url().endsWith('/bali-zero/chat-stream'));
  await ask(page, 'Quanto costa un KITAS investitore?');
  assert.equal(JSON.parse((await sent).postData()).language, 'it');
  await waitDone(page);
  assert.match(E.fake.requests.at(-1).messages[0].content, /Answer in Italian/);
  assert.match(await lastAnswer(page).locator('.body').textContent(), /Ecco cosa dicono le fonti/);
  assert.match(await lastAnswer(page).locator('.sources summary').textContent(), /^Fonti \(\d+\)$/);
  await page.selectOption('#lang', 'id');
  await page.waitForFunction(() => document.querySelector('.composer button[type=submit]').textContent === 'Kirim');
  await ctx.close();
});

test('chat: stop aborts the stream and keeps what arrived', async () => {
  E.fake.delayMs = 150;
  const { ctx, page } = await newPage();
  await login(page, 'dewi@test.local', 'dewi-consultant-2468');
  await ask(page, 'How much does a C1 tourism visa cost, and can I extend it?');
  await page.waitForFunction(() => {
    const m = [...document.querySelectorAll('.msg.bot')].pop();
    return m && m.querySelector('.body').textContent.split(/\s+/).length >= 4;
  });
  await shot(page, 'chat-streaming');
  assert.equal(await page.isVisible('.composer button.danger'), true);
  await page.click('.composer button.danger');
  await page.waitForSelector('.msg.bot[data-state=stopped]');
  const len = (await lastAnswer(page).locator('.body').textContent()).length;
  await page.waitForTimeout(800);
  assert.equal((await lastAnswer(page).locator('.body').textContent()).length, len, 'nothing more arrives after stop');
  assert.ok(len > 0 && squash(E.fake.answers.at(-1)).length > len);
  assert.match(await lastAnswer(page).locator('.status').textContent(), /Stopped/);
  assert.equal(await page.isVisible('.composer button.danger'), false);
  assert.equal(await page.isVisible('.composer button[type=submit]'), true);
  await ctx.close();
});

test('chat: a connection dropped mid-answer resumes with Last-Event-ID; the answer is complete, nothing twice', async () => {
  E.fake.delayMs = 80;
  // No service worker here, so the route sees the page's own requests.
  const { ctx, page } = await newPage(PHONE, { serviceWorkers: 'block' });
  await login(page, 'dewi@test.local', 'dewi-consultant-2468');
  const requests = [];
  let cutAfter = '';
  await page.route('**/bali-zero/chat-stream', async (route) => {
    const req = route.request();
    const headers = req.headers();
    requests.push(headers['last-event-id'] || null);
    if (headers['last-event-id']) return route.continue();
    // Forward the first request, keep the stream up to the 4th token and half of the next frame, then cut.
    const res = await fetch(E.url + '/bali-zero/chat-stream', {
      method: 'POST', body: req.postData(),
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', Authorization: headers.authorization },
    });
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let text = '';
    while ((text.match(/event: token/g) || []).length < 5) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
    reader.cancel().catch(() => {});
    const frames = text.split('\n\n');
    const i = frames.findIndex((f, k) => (frames.slice(0, k + 1).join('\n\n').match(/event: token/g) || []).length === 4);
    const kept = frames.slice(0, i + 1).join('\n\n') + '\n\n';
    cutAfter = /id: (\S+)/.exec(frames[i])[1];
    const partial = kept + frames[i + 1].slice(0, Math.floor(frames[i + 1].length / 2));
    await route.fulfill({ status: 200, headers: { 'Content-Type': 'text/event-stream' }, body: partial });
  });
  await ask(page, 'How much does an investor KITAS cost?');
  await waitDone(page);
  const m = lastAnswer(page);
  assert.equal(await m.getAttribute('data-state'), 'done', await m.locator('.status').textContent());
  assert.equal(await m.getAttribute('data-resumed'), '1');
  // The reconnect names the last complete event (more than one reconnect only if the server had not stored it yet).
  assert.equal(requests[0], null);
  assert.ok(requests.length >= 2 && requests.slice(1).every((id) => id === cutAfter), JSON.stringify({ requests, cutAfter }));
  const answer = E.fake.answers.at(-1);
  assert.equal(squash(await m.locator('.body').textContent()), squash(answer), 'complete and not duplicated');
  assert.equal(await m.locator('.tool').count(), 1, 'the tool card is shown once');
  assert.ok(await m.locator('.sources li').count() >= 2);
  // The server kept the same answer.
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('nz.session')).access_token);
  const conv = (await api(token, '/api/conversations/' + page.url().split('#/chat/')[1])).body;
  assert.equal(conv.messages.at(-1).content, answer);
  await ctx.close();
});

test('memory: conversations listed and searched, export JSON and Markdown (downloads), facts edited, delete', async () => {
  E.fake.delayMs = 5;
  const { ctx, page } = await newPage(PHONE, { acceptDownloads: true });
  await login(page, 'dewi@test.local', 'dewi-consultant-2468');
  await ask(page, 'Which KBLI code fits a restaurant?');
  await waitDone(page);
  await page.click('#nav a[data-path=memory]');
  await page.waitForSelector('.convs[aria-busy=false] li.conv');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Memory');
  const titles = await page.locator('.conv-title').allTextContents();
  assert.ok(titles.includes('Which KBLI code fits a restaurant?'), titles.join());
  // Search (server-side, titles and messages).
  await page.fill('#conv-q', 'restaurant');
  await page.waitForFunction(() => [...document.querySelectorAll('.conv-title')].every((a) => /restaurant/i.test(a.textContent)));
  const row = page.locator('li.conv', { hasText: 'Which KBLI code fits a restaurant?' });

  const [dl] = await Promise.all([page.waitForEvent('download'), row.locator('button', { hasText: 'JSON' }).click()]);
  assert.match(dl.suggestedFilename(), /^conversation-[0-9a-f]+\.json$/);
  const doc = JSON.parse(readFileSync(await dl.path(), 'utf8'));
  assert.equal(doc.messages[0].content, 'Which KBLI code fits a restaurant?');
  assert.equal(doc.messages[1].role, 'assistant');
  const [dl2] = await Promise.all([page.waitForEvent('download'), row.locator('button', { hasText: 'Markdown' }).click()]);
  assert.match(dl2.suggestedFilename(), /\.md$/);
  const md = readFileSync(await dl2.path(), 'utf8');
  assert.match(md, /^# Which KBLI code fits a restaurant\?/);
  assert.match(md, /## You\n\nWhich KBLI code fits a restaurant\?/);

  // Memory facts: add, edit, delete.
  await page.fill('#fact-new', 'My company is PT Contoh Bali');
  await page.click('form:has(#fact-new) button[type=submit]');
  const fact = page.locator('li.fact', { hasText: 'PT Contoh Bali' });
  await fact.waitFor();
  await fact.locator('button', { hasText: 'Edit' }).click();
  await page.locator('li.fact input').fill('My company is PT Contoh Bali Indah');
  await page.locator('li.fact button[type=submit]').click();
  await page.locator('li.fact .fact-text', { hasText: 'PT Contoh Bali Indah' }).waitFor();
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('nz.session')).access_token);
  assert.deepEqual((await api(token, '/api/memory')).body.facts.map((f) => f.content), ['My company is PT Contoh Bali Indah']);
  await page.fill('#conv-q', '');
  await page.waitForSelector('.convs[aria-busy=false] li.conv');
  await shot(page, 'memory');
  await page.locator('li.fact', { hasText: 'Indah' }).locator('button', { hasText: 'Delete' }).click();
  await page.waitForFunction(() => !document.querySelector('li.fact'));
  assert.equal((await api(token, '/api/memory')).body.facts.length, 0);

  // Delete a conversation (after confirming).
  page.once('dialog', (d) => d.accept());
  await page.locator('li.conv', { hasText: 'Which KBLI code fits a restaurant?' }).locator('button', { hasText: 'Delete' }).click();
  await page.waitForFunction(() => ![...document.querySelectorAll('.conv-title')].some((a) => a.textContent === 'Which KBLI code fits a restaurant?'));
  await ctx.close();
});

test('knowledge base: collection filter, highlighted snippets, citations, the document and its source file', async () => {
  const { ctx, page } = await newPage();
  await page.goto('/#/login', { waitUntil: 'commit' });
  await page.click('button.link'); // as a visitor: the knowledge base is public
  await page.waitForSelector('#chat-input');
  await page.click('#nav a[data-path=search]');
  await page.waitForSelector('#kb-col option[value=kitas_kitap]', { state: 'attached' });
  await page.fill('#kb-q', 'investor KITAS');
  await page.selectOption('#kb-col', 'kitas_kitap');
  const searched = page.waitForRequest((r) => r.url().endsWith('/api/search'));
  await page.press('#kb-q', 'Enter');
  assert.deepEqual(JSON.parse((await searched).postData()).collections, ['kitas_kitap']);
  await page.waitForSelector('.result');
  const results = page.locator('.result');
  assert.ok((await results.count()) >= 1);
  for (const tag of await page.locator('.result .tag').allTextContents()) assert.equal(tag, 'kitas kitap');
  assert.equal(await results.first().locator('.n').textContent(), '[1]');
  const marks = await page.locator('.result mark').allTextContents();
  // Highlights cover the query terms (and their expansions, e.g. "stay" for KITAS).
  assert.ok(marks.some((x) => /kitas|investor|itas/i.test(x)), marks.join());
  assert.ok((await results.first().locator('cite').textContent()).length > 5);
  assert.match(await page.textContent('#kb-status'), /results · keyword search/);
  await shot(page, 'search');
  // Open the document: title and passages; its source file opens raw.
  const title = await results.first().locator('h3 a').textContent();
  await results.first().locator('h3 a').click();
  await page.waitForSelector('.chunk');
  assert.equal(await page.textContent('h2'), title);
  assert.ok((await page.locator('.chunk').count()) >= 1);
  const raw = await page.getAttribute('a.button', 'href');
  assert.match(raw, /\?raw=1$/);
  assert.equal((await page.request.get(raw)).status(), 200);
  await ctx.close();
});

test('CRM: client list with search and filters, client detail, edit, status change along the workflow, note, upload, renewals', async () => {
  const token = await apiLogin('dewi@test.local', 'dewi-consultant-2468');
  const types = (await api(token, '/crm/practice-types')).body.practice_types;
  assert.ok(types.length > 0);
  const marcoId = E.people.clientIds[0];
  // The server counts days in Bali (UTC+8), so the date is Bali's date ten days ahead.
  const soon = new Date(Date.now() + 8 * 3_600_000 + 10 * 86_400_000).toISOString().slice(0, 10);
  const created = await api(token, '/crm/practices', { method: 'POST', body: JSON.stringify({ client_id: marcoId, type_code: types[0].code, expiry_date: soon }) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const practice = created.body;

  const { ctx, page } = await newPage();
  await login(page, 'dewi@test.local', 'dewi-consultant-2468');
  await page.click('#nav a[data-path=crm]');
  await page.waitForSelector('li.client');
  assert.deepEqual((await page.locator('li.client .conv-title').allTextContents()).sort(), ['Marco Rossi', 'Sari Dewi']);
  await page.fill('#crm-q', 'marco');
  await page.waitForFunction(() => document.querySelectorAll('li.client').length === 1);
  await page.selectOption('#crm-status', 'lead');
  await page.waitForSelector('.clients li.muted');
  await page.selectOption('#crm-status', 'active');
  await page.waitForSelector('li.client');
  await page.click('li.client a');
  await page.waitForSelector('li.practice');
  assert.equal(await page.textContent('h2'), 'Marco Rossi');
  assert.match(await page.textContent('.client-summary'), /Active[\s\S]*marco@example\.it/);

  // Edit a field (optimistic concurrency: the version read is sent).
  await page.click('summary:has(#cd-h)');
  await page.fill('#cf-phone', '+62 812 3456 7890');
  await page.click('.details-form button[type=submit]');
  await page.waitForFunction(() => /Saved/.test(document.querySelector('.details-form [role=status]').textContent));
  assert.equal((await api(token, '/crm/clients/' + marcoId)).body.phone, '+62 812 3456 7890');

  // Status change: only the allowed next statuses are offered.
  const li = page.locator(`li.practice[data-id="${practice.id}"]`);
  assert.deepEqual(await li.locator('.actions button').allTextContents(), ['→ Quoted', '→ Cancelled']);
  await li.locator('button', { hasText: 'Quoted' }).click();
  await page.waitForFunction((id) => /Quoted/.test(document.querySelector(`li.practice[data-id="${id}"] .badge`).textContent), practice.id);
  assert.deepEqual(await page.locator(`li.practice[data-id="${practice.id}"] .actions button`).allTextContents(), ['→ In progress', '→ Cancelled']);
  assert.equal((await api(token, '/crm/practices/' + practice.id)).body.status, 'quoted');

  // A note on the timeline.
  await page.fill('#note-new', 'Called Marco about the sponsor letter');
  await page.click('.note-form button[type=submit]');
  await page.locator('.timeline li', { hasText: 'sponsor letter' }).waitFor();

  // Upload a document.
  await page.setInputFiles('#doc-file', { name: 'passport-scan.txt', mimeType: 'text/plain', buffer: Buffer.from('passport page\n') });
  await page.click('form.upload button[type=submit]');
  await page.locator('.docs li', { hasText: 'passport-scan.txt' }).waitFor();
  const docs = (await api(token, '/crm/documents?client_id=' + marcoId)).body.documents;
  assert.equal(docs[0].filename, 'passport-scan.txt');
  await shot(page, 'client', true);

  // Renewals due within 30 days include the practice expiring in 10.
  await page.goto('/#/crm/renewals');
  await page.locator('li.renewal', { hasText: 'Marco Rossi' }).waitFor();
  assert.match(await page.locator('li.renewal', { hasText: 'Marco Rossi' }).textContent(), /10 days/);
  await ctx.close();
});

test('offline: the shell and a past conversation reload offline; a message typed offline is queued and sent on reconnect', async () => {
  E.fake.delayMs = 5;
  const { ctx, page } = await newPage();
  await login(page, 'dewi@test.local', 'dewi-consultant-2468');
  await page.waitForFunction(() => navigator.serviceWorker.controller, null, { timeout: 15_000 });
  await ask(page, 'Can I work on a tourist visa?');
  await waitDone(page);
  const convUrl = page.url();
  const answerText = await lastAnswer(page).locator('.body').textContent();
  await page.click('#nav a[data-path=memory]');
  await page.waitForSelector('li.conv');

  await ctx.setOffline(true);
  await page.waitForSelector('#offline', { state: 'visible' });
  // Reload the shell offline: it comes from the service worker.
  const res = await page.reload();
  assert.equal(res.fromServiceWorker(), true);
  await page.waitForSelector('#offline', { state: 'visible' });
  await page.waitForSelector('li.conv');
  assert.match(await page.textContent('.card [role=status]'), /Offline/);
  // The past conversation, from this device.
  await page.goto(convUrl);
  await page.waitForSelector('.offline-copy');
  assert.equal(await lastAnswer(page).locator('.body').textContent(), answerText);
  assert.equal(await page.locator('.msg.user .text').first().textContent(), 'Can I work on a tourist visa?');

  // Typed offline: queued, kept across a reload, sent when the connection is back.
  await page.click('.chat-head button');
  await ask(page, 'Do I need a KITAS to open a bank account?');
  await page.waitForSelector('.msg.user .queued');
  assert.equal(await page.evaluate(() => new Promise((r) => { const q = indexedDB.open('nuzantara'); q.onsuccess = () => { const g = q.result.transaction('outbox').objectStore('outbox').count(); g.onsuccess = () => r(g.result); }; })), 1);
  await page.reload();
  await page.waitForSelector('.msg.user .queued');
  await shot(page, 'offline-queued');
  const asked = E.fake.requests.length;
  await ctx.setOffline(false);
  await page.waitForSelector('#offline', { state: 'hidden' });
  await page.waitForSelector('.msg.bot[data-state=done]', { timeout: 30_000 });
  assert.equal(await page.locator('.msg.user .queued').count(), 0);
  assert.equal(await page.locator('.msg.user .text').last().textContent(), 'Do I need a KITAS to open a bank account?');
  assert.equal(E.fake.requests.length, asked + 1);
  assert.match(E.fake.requests.at(-1).messages.at(-1).content, /bank account/);
  assert.equal(await page.evaluate(() => new Promise((r) => { const q = indexedDB.open('nuzantara'); q.onsuccess = () => { const g = q.result.transaction('outbox').objectStore('outbox').count(); g.onsuccess = () => r(g.result); }; })), 0);
  await ctx.close();
});

/** What the app keeps in this browser's IndexedDB: per store, each record's owner and title (or queued question). */
const stored = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const q = indexedDB.open('nuzantara');
  q.onerror = () => reject(q.error);
  q.onsuccess = () => {
    const out = {};
    const tx = q.result.transaction(['conversations', 'outbox']);
    for (const name of ['conversations', 'outbox']) {
      const g = tx.objectStore(name).getAll();
      g.onsuccess = () => { out[name] = g.result.map((r) => ({ owner: r.owner, text: r.title || r.query })); };
    }
    tx.oncomplete = () => { q.result.close(); resolve(out); };
    tx.onerror = () => reject(tx.error);
  };
}));

const ownerOf = (page) => page.evaluate(() => 'u:' + JSON.parse(sessionStorage.getItem('nz.session')).user.id);

/** Signs in, asks `online` (its conversation gets cached on the device), then offline queues `queued`. */
async function leaveData(ctx, page, [email, password, portal], online, queued) {
  await login(page, email, password, portal);
  await page.waitForFunction(() => navigator.serviceWorker.controller, null, { timeout: 15_000 });
  await ask(page, online);
  await waitDone(page);
  const owner = await ownerOf(page);
  for (const end = Date.now() + 10_000; !(await stored(page)).conversations.some((c) => c.text === online && c.owner === owner);) {
    assert.ok(Date.now() < end, 'the conversation was not cached');
    await page.waitForTimeout(100);
  }
  await ctx.setOffline(true);
  await page.waitForSelector('#offline', { state: 'visible' });
  await page.click('.chat-head button');
  await ask(page, queued);
  await page.waitForSelector('.msg.user .queued');
  assert.deepEqual((await stored(page)).outbox, [{ owner, text: queued }]);
  return owner;
}

test('shared device: sign-out and session expiry clear cached conversations and the outbox; another user never sees them', async () => {
  E.fake.delayMs = 5;
  const DEWI = ['dewi@test.local', 'dewi-consultant-2468'];
  const MARCO = ['marco@example.it', 'marco-password-1', 'client'];
  const asked = (q) => E.fake.requests.some((r) => JSON.stringify(r.messages).includes(q));
  const none = { conversations: [], outbox: [] };
  const { ctx, page } = await newPage();

  // Sign-out (here while offline): nothing of Dewi's stays, the queued message included.
  await leaveData(ctx, page, DEWI, 'Which KBLI code fits a surf school?', 'Queued before signing out: villa rental licence?');
  await page.click('#signout');
  await page.waitForSelector('#login-email');
  assert.deepEqual(await stored(page), none);
  await ctx.setOffline(false);
  // Another user signs in on the same tab: none of Dewi's conversations, on the screen or the device.
  await login(page, ...MARCO);
  const marco = await ownerOf(page);
  assert.doesNotMatch(await page.textContent('.log'), /surf school|villa rental/);
  await ctx.setOffline(true);
  await page.click('#nav a[data-path=memory]');
  await page.waitForSelector('.convs[aria-busy=false]');
  assert.doesNotMatch(await page.textContent('.convs'), /surf school|villa rental/);
  assert.ok((await stored(page)).conversations.every((c) => c.owner === marco));
  await ctx.setOffline(false);
  await page.close();

  // A tab closed without signing out: the next user to sign in finds the device cleared before anything shows.
  let tab = await newTab(ctx);
  const dewi = await leaveData(ctx, tab, DEWI, 'Which KBLI code fits a bakery?', 'Queued in a closed tab: halal certificate?');
  await tab.close();
  await ctx.setOffline(false);
  tab = await newTab(ctx);
  await login(tab, ...MARCO);
  assert.deepEqual(await stored(tab), none);
  await tab.close();

  // The same user coming back keeps the offline copies, and their queued message goes out under their own session.
  tab = await newTab(ctx);
  await leaveData(ctx, tab, DEWI, 'Which KBLI code fits a yoga studio?', 'Queued for later by the same user: yoga teacher visa?');
  await tab.close();
  await ctx.setOffline(false);
  tab = await newTab(ctx);
  await login(tab, ...DEWI);
  assert.ok((await stored(tab)).conversations.some((c) => c.text === 'Which KBLI code fits a yoga studio?' && c.owner === dewi));
  await tab.waitForSelector('.msg.bot[data-state=done]', { timeout: 30_000 });
  assert.ok(asked('yoga teacher visa'));
  await tab.close();

  // The session ends (both tokens refused) with a message still queued: back to the login screen, device cleared, not sent.
  tab = await newTab(ctx);
  await leaveData(ctx, tab, DEWI, 'Which KBLI code fits a dive shop?', 'Queued when the session expired: dive instructor permit?');
  await tab.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('nz.session'));
    s.access_token = 'not-a-token';
    s.refresh_token = 'rt_not-a-token';
    sessionStorage.setItem('nz.session', JSON.stringify(s));
  });
  await tab.reload(); // offline, from the service worker; the queued message is shown from the outbox
  await tab.waitForSelector('.msg.user .queued');
  await ctx.setOffline(false); // back online the outbox is sent: the token is refused, the refresh too
  await tab.waitForSelector('#login-email');
  assert.match(await tab.textContent('#login-error'), /session has expired/);
  assert.deepEqual(await stored(tab), none);
  await tab.waitForTimeout(500);
  assert.ok(!asked('villa rental licence') && !asked('halal certificate') && !asked('dive instructor permit'));
  await ctx.close();
});

test('no CSP violations and no uncaught errors on any page', () => {
  assert.deepEqual(problems, []);
});

// The browser-test harness: a fake OpenAI-compatible model (so answers stream at a pace the test sets),
// the real local stack (wrangler dev, seeded users, the knowledge base loaded) pointed at it, and Debian's
// Chromium driven by playwright-core.
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startStack } from '../../support/stack.mjs';
import { seedPeople } from '../../support/seed.mjs';
import { loadKb } from '../../support/kb.mjs';

export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');

export const CHROMIUM = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
};

const LANG_OF_PROMPT = [['Indonesian', 'id'], ['Italian', 'it'], ['English', 'en']];
const WORDS = {
  en: ['Here is what the sources say.', 'The price list puts it at', 'Apply through the official portal, and check the current rules with a consultant.'],
  id: ['Berikut yang dikatakan sumber.', 'Daftar harga mencantumkan', 'Ajukan melalui portal resmi, dan periksa aturan terbaru dengan konsultan.'],
  it: ['Ecco cosa dicono le fonti.', 'Il listino indica', 'Presenta la domanda sul portale ufficiale e verifica le regole attuali con un consulente.'],
};

/** The answer the fake gives: Markdown citing the first sources of the system prompt, in its language. */
export function fakeAnswer(system) {
  const lang = (LANG_OF_PROMPT.find(([name]) => system.includes(`Answer in ${name}`)) || [, 'en'])[1];
  const labels = [...system.matchAll(/^\[(\d+)\] (.+)$/gm)].slice(0, 2).map((m) => m[2]);
  const w = WORDS[lang];
  const first = labels[0] ? `**${labels[0].split(' › ').pop()}** [1]` : '**no sources**';
  const second = labels[1] ? `${labels[1].split(' › ').pop()} [2]` : 'see a consultant';
  return `${w[0]}\n\n- ${w[1]} ${first}\n- ${second}\n\n${w[2]} See https://www.imigrasi.go.id/ and \`E28A\`.`;
}

/** Splits text into word-sized tokens (spaces kept), as a model streams. */
export const tokenize = (text) => text.match(/\s*\S+/g) || [];

/**
 * A fake OpenAI-compatible `/v1/chat/completions`: streams `fakeAnswer(system prompt)` one word per
 * `delayMs`. `requests` keeps every request body; `answers` every answer given.
 */
export async function startFakeLlm() {
  const fake = { delayMs: 40, requests: [], answers: [] };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', async () => {
      if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) { res.writeHead(404).end('{}'); return; }
      const json = JSON.parse(body);
      fake.requests.push(json);
      const system = (json.messages.find((m) => m.role === 'system') || {}).content || '';
      const answer = fakeAnswer(system);
      fake.answers.push(answer);
      const usage = { prompt_tokens: Math.ceil(system.length / 4), completion_tokens: tokenize(answer).length };
      if (!json.stream) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ id: 'fake', object: 'chat.completion', model: json.model, usage,
          choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }] }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      const chunk = (delta, finish = null) => `data: ${JSON.stringify({ id: 'fake', object: 'chat.completion.chunk', model: json.model,
        choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }));
      for (const tok of tokenize(answer)) {
        if (res.destroyed) return;
        await new Promise((r) => setTimeout(r, fake.delayMs));
        res.write(chunk({ content: tok }));
      }
      res.write(chunk({}, 'stop'));
      res.write(`data: ${JSON.stringify({ id: 'fake', object: 'chat.completion.chunk', model: json.model, choices: [], usage })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${server.address().port}`;
  fake.stop = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
  return fake;
}

/** Fake model + stack + browser. `stop()` ends all three. `kb: false` skips loading the knowledge base
 * (for screens that never search it). */
export async function startE2E({ kb = true } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const fake = await startFakeLlm();
  let people;
  const stack = await startStack({
    vars: { OPENAI_API_KEY: 'sk-fake', OPENAI_BASE_URL: fake.url + '/v1', OPENAI_MODEL: 'fake-gpt', RATE_LIMITS: 'off' },
    load: async (p) => { people = await seedPeople(p); if (kb) loadKb(p); },
  });
  const browser = await chromium.launch(CHROMIUM);
  return {
    fake, stack, people, browser, url: stack.url,
    async stop() {
      // The server's log, for looking into a failure (next to the screenshots, not committed).
      try { writeFileSync(join(SCREENSHOTS, 'wrangler.log'), stack.output()); } catch { /* best effort */ }
      await browser.close().catch(() => {});
      await stack.stop().catch(() => {});
      await fake.stop().catch(() => {});
    },
  };
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

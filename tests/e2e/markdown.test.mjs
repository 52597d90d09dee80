// Unit tests of the safe Markdown renderer (pages/js/markdown.js) over a fake DOM that forbids HTML strings,
// plus the other pure PWA modules: snippet highlights (text.js) and the UI strings (i18n.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { render, parse, parseInline, safeUrl, toPlain } from '../../pages/js/markdown.js';
import { segments } from '../../pages/js/text.js';
import { STRINGS as EN, initialLang, LANGS } from '../../pages/js/i18n.js';
import ID from '../../pages/js/i18n/id.js';
import IT from '../../pages/js/i18n/it.js';

const STRINGS = { en: EN.en, id: ID, it: IT };
import { fakeDocument, serialize, elements } from './support/fake-dom.mjs';

const html = (md, opts) => serialize(render(md, fakeDocument, opts));

test('paragraphs, line breaks, bold, italic, code', () => {
  assert.equal(html('Hello **world**\nnext line\n\nSecond *para* with `code`'),
    '<p>Hello <strong>world</strong><br>next line</p><p>Second <em>para</em> with <code>code</code></p>');
  assert.equal(html('**KITAS `E28A`** costs'), '<p><strong>KITAS <code>E28A</code></strong> costs</p>');
  assert.equal(html('a * b * c and 2*3'), '<p>a * b * c and 2*3</p>');
  assert.equal(html('**unclosed bold'), '<p>**unclosed bold</p>');
});

test('bullet and numbered lists, nesting, continuation, start number', () => {
  assert.equal(html('Intro:\n- one\n- two **b**\n\nAfter'), '<p>Intro:</p><ul><li>one</li><li>two <strong>b</strong></li></ul><p>After</p>');
  assert.equal(html('1. first\n2. second\n   continued'), '<ol><li>first</li><li>second<br>continued</li></ol>');
  assert.equal(html('3) three\n4) four'), '<ol start="3"><li>three</li><li>four</li></ol>');
  assert.equal(html('- a\n  - a1\n  - a2\n- b'), '<ul><li>a<ul><li>a1</li><li>a2</li></ul></li><li>b</li></ul>');
  assert.equal(html('* star\n+ plus\n• dot'), '<ul><li>star</li><li>plus</li><li>dot</li></ul>');
  assert.equal(html('- x\n\n- y'), '<ul><li>x</li><li>y</li></ul>');
  assert.equal(html('- x\n1. y'), '<ul><li>x</li></ul><ol><li>y</li></ol>');
});

test('headings start at h3 (answers sit under the page headings), fenced code, rules', () => {
  assert.equal(html('# Title\n## Sub'), '<h3>Title</h3><h4>Sub</h4>');
  assert.equal(html('```\n<b>not bold</b>\n**x**\n```'), '<pre><code>&lt;b&gt;not bold&lt;/b&gt;\n**x**</code></pre>');
  assert.equal(html('```js\nunfinished'), '<pre><code>unfinished</code></pre>');
  assert.equal(html('a\n\n---\n\nb'), '<p>a</p><hr><p>b</p>');
});

test('links: only http(s), rel=noopener, target _blank; bare URLs are linked; unsafe ones keep their words only', () => {
  assert.equal(html('[OSS](https://oss.go.id/informasi)'),
    '<p><a href="https://oss.go.id/informasi" rel="noopener noreferrer" target="_blank">OSS</a></p>');
  assert.equal(html('See https://www.imigrasi.go.id/, then.'),
    '<p>See <a href="https://www.imigrasi.go.id/" rel="noopener noreferrer" target="_blank">https://www.imigrasi.go.id/</a>, then.</p>');
  for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>x</script>', '/relative', '//evil.com', 'vbscript:x', 'file:///etc/passwd']) {
    const out = html(`[click](${bad})`);
    assert.ok(!out.includes('<a'), `${bad} → ${out}`);
    assert.ok(out.includes('click'), out);
  }
  assert.equal(safeUrl(' https://x.id/a b'), null);
  assert.equal(safeUrl('http://bali.example/path?q=1'), 'http://bali.example/path?q=1');
});

test('HTML in the text stays text: no element can come from the input', () => {
  const attack = '<img src=x onerror=alert(1)> <script>alert(1)</script> **<b>x</b>** [a](javascript:1) <a href="javascript:1">y</a>';
  const frag = render(attack, fakeDocument);
  const tags = elements(frag).map((e) => e.tagName);
  assert.deepEqual(tags, ['P', 'STRONG']);
  assert.ok(serialize(frag).includes('&lt;img src=x onerror=alert(1)&gt;'));
  for (const e of elements(render('[x](https://ok.example) ' + attack, fakeDocument))) {
    for (const [k, v] of e.attributes) {
      assert.ok(['href', 'rel', 'target', 'class', 'aria-label'].includes(k), k);
      if (k === 'href') assert.match(v, /^https?:\/\//);
    }
  }
});

test('citations [n] link to the sources when the caller knows them, and are plain text otherwise', () => {
  const out = html('Fee is IDR 17,000,000 [1][2]. Not a cite: [x] or [1](https://a.example)', { citeHref: (n) => '#src-m-' + n, citeLabel: 'Source' });
  assert.ok(out.includes('<a class="cite" href="#src-m-1" aria-label="Source 1">[1]</a><a class="cite" href="#src-m-2" aria-label="Source 2">[2]</a>'), out);
  assert.ok(out.includes('[x]'));
  assert.ok(out.includes('<a href="https://a.example/" rel="noopener noreferrer" target="_blank">1</a>'), out);
  assert.equal(html('see [3]'), '<p>see <span class="cite">[3]</span></p>');
});

test('streaming: every prefix of an answer renders without throwing', () => {
  const answer = 'From the price list:\n\n- **Investor KITAS (E28A)**: IDR 17,000,000 [1]\n- Extension: `IDR 2,000,000` [2]\n\n1. Apply on https://evisa.imigrasi.go.id\n2. Biometrics\n\n```\ncode\n```\nSources:\n[1] Price list';
  for (let i = 0; i <= answer.length; i++) render(answer.slice(0, i), fakeDocument);
  assert.equal(parse('').length, 0);
  assert.deepEqual(parseInline('\\*not em\\*'), [{ t: 'text', v: '*not em*' }]);
  assert.equal(toPlain('**a** `b`'), 'a b');
});

test('snippet highlights: UTF-16 offsets, overlaps merged, out-of-range clipped, ** dropped', () => {
  const text = 'Bali Zero — **KITAS** investor ☕ visa';
  const start = text.indexOf('KITAS');
  const segs = segments(text, [[start, start + 5], [text.indexOf('visa'), text.length + 10], [3, 2], [start + 1, start + 3]]);
  assert.deepEqual(segs, [
    { text: 'Bali Zero — ', mark: false },
    { text: 'KITAS', mark: true },
    { text: ' investor ☕ ', mark: false },
    { text: 'visa', mark: true },
  ]);
  // An astral character (2 UTF-16 units) before the highlight: offsets are UTF-16, as JS strings.
  const t2 = '𝔹 KBLI 56101';
  assert.deepEqual(segments(t2, [[3, 7]]), [{ text: '𝔹 ', mark: false }, { text: 'KBLI', mark: true }, { text: ' 56101', mark: false }]);
  assert.deepEqual(segments('plain', null), [{ text: 'plain', mark: false }]);
});

test('i18n: English, Indonesian and Italian have the same keys, placeholders, and every key the app uses', () => {
  assert.deepEqual(LANGS.map(([c]) => c), ['en', 'id', 'it']);
  const keys = Object.keys(STRINGS.en).sort();
  for (const l of ['id', 'it']) {
    assert.deepEqual(Object.keys(STRINGS[l]).sort(), keys, l);
    for (const k of keys) {
      const ph = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
      assert.equal(ph(STRINGS[l][k]), ph(STRINGS.en[k]), `${l} ${k}`);
    }
  }
  // Every literal key used by the app and the shell exists.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pages');
  const files = [join(root, 'index.html'), join(root, 'sw.js'), ...readdirSync(join(root, 'js')).filter((f) => f.endsWith('.js')).map((f) => join(root, 'js', f)),
    ...readdirSync(join(root, 'js', 'views')).map((f) => join(root, 'js', 'views', f))];
  const used = new Set();
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/\bt\('([\w.]+)'\s*[,)]/g)) used.add(m[1]);
    for (const m of src.matchAll(/data-i18n(?:-aria)?="([\w.]+)"/g)) used.add(m[1]);
    for (const m of src.matchAll(/\['[a-z]+', '(nav\.\w+)'\]/g)) used.add(m[1]);
  }
  assert.ok(used.size > 100, `found ${used.size} keys`);
  for (const k of used) assert.ok(k in STRINGS.en, `missing key ${k}`);
  for (const k of ['crm.f_status', 'crm.f_company_name', 'mem.export_json', 'mem.export_md', 'status.in_progress', 'kind.note', 'tool.get_pricing']) assert.ok(k in STRINGS.en, k);
});

test('i18n: the default language follows the browser, a saved choice wins', () => {
  assert.equal(initialLang(null, ['it-IT', 'en']), 'it');
  assert.equal(initialLang(null, ['in-ID']), 'id');
  assert.equal(initialLang(null, ['id']), 'id');
  assert.equal(initialLang(null, ['fr-FR', 'de']), 'en');
  assert.equal(initialLang('id', ['it-IT']), 'id');
  assert.equal(initialLang('xx', ['it-IT']), 'it');
});

test('the committed PNG icons decode with the sizes the manifest declares', () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pages');
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.webmanifest'), 'utf8'));
  const pngs = manifest.icons.filter((i) => i.type === 'image/png');
  assert.ok(pngs.some((i) => i.sizes === '192x192') && pngs.some((i) => i.sizes === '512x512') && pngs.some((i) => i.purpose === 'maskable'));
  for (const i of pngs) {
    const b = readFileSync(join(root, i.src));
    assert.equal(b.subarray(1, 4).toString(), 'PNG');
    assert.equal(`${b.readUInt32BE(16)}x${b.readUInt32BE(20)}`, i.sizes, i.src);
  }
});

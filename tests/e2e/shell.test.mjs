// The service worker's shell list and version (pages/sw.js) against pages/ as it is: every file the app
// needs is precached, and VERSION is the hash of the shell's contents (so a changed file gets a new cache).
// The failure cases run on modified copies in memory; nothing on disk is touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { PAGES, EXCLUDED, readPages, expectedShell, parseSw, checkShell, writeShell } from '../../scripts/shell-version.mjs';

const files = readPages();
const sw = readFileSync(join(PAGES, 'sw.js'), 'utf8');
const FIX = 'run `node scripts/shell-version.mjs --write`';

test('sw.js: SHELL is every file of pages/ but the excluded ones, and VERSION is the hash of their contents', () => {
  assert.deepEqual(checkShell(files, sw), [], FIX);
  assert.equal(writeShell(files, sw), sw, FIX); // --write would change nothing
  assert.match(sw, /^const CACHE = 'nuzantara-shell-' \+ VERSION;$/m);
  assert.match(sw, /^const API_CACHE = 'nuzantara-api-' \+ VERSION;$/m);
  assert.match(sw, /caches\.open\(CACHE\)\.then\(\(c\) => c\.addAll\(SHELL\./);
  const { list } = parseSw(sw);
  assert.ok(list.includes('/') && list.includes('/js/main.js') && list.includes('/js/views/chat.js') && list.includes('/app.css'), list.join());
});

test('each exclusion names a file of pages/ and gives its reason', () => {
  for (const [path, reason] of EXCLUDED) {
    assert.ok(files.has(path), `${path} is excluded but not in pages/`);
    assert.ok(reason.length > 20, `${path}: no reason`);
  }
});

test('every file the app refers to (imports, index.html, the manifest) is in the shell', () => {
  const shell = new Set(parseSw(sw).list);
  const refs = [];
  for (const [path, bytes] of files) {
    if (!path.endsWith('.js') || EXCLUDED.has(path)) continue;
    for (const m of bytes.toString('utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)'(\.{1,2}\/[^'$]+)'/g)) refs.push([path, posix.join(posix.dirname(path), m[1])]);
  }
  for (const m of files.get('/index.html').toString('utf8').matchAll(/(?:href|src)="(\/[^"#]*)"/g)) refs.push(['/index.html', m[1]]);
  for (const i of JSON.parse(files.get('/manifest.webmanifest')).icons) refs.push(['/manifest.webmanifest', i.src]);
  assert.ok(refs.length > 30, `found ${refs.length} references`);
  for (const [from, url] of refs) {
    assert.ok(shell.has(url), `${from} refers to ${url}, which is not precached`);
    assert.ok(existsSync(join(PAGES, url)), `${from} refers to ${url}, which does not exist`);
  }
});

test('a file of pages/ missing from SHELL fails the check', () => {
  // Dropped from the list in sw.js.
  const dropped = sw.replace("  '/js/views/chat-outbox.js',\n", '');
  assert.notEqual(dropped, sw);
  assert.deepEqual(checkShell(files, dropped).filter((p) => p.includes('/js/views/chat-outbox.js is in pages/ but not in SHELL')).length, 1);
  // A new file added to pages/ (it also changes the hash).
  const added = new Map(files).set('/js/views/new-view.js', Buffer.from('export function mount() {}\n'));
  const problems = checkShell(added, sw);
  assert.ok(problems.some((p) => p.startsWith('/js/views/new-view.js is in pages/ but not in SHELL')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('VERSION is')), problems.join('\n'));
  // A listed file that is gone, and a file listed twice.
  const gone = new Map(files);
  gone.delete('/js/text.js');
  assert.ok(checkShell(gone, sw).some((p) => p.startsWith('/js/text.js is in SHELL but is not a shell file')));
  const twice = sw.replace("  '/app.css',\n", "  '/app.css',\n  '/app.css',\n");
  assert.ok(checkShell(files, twice).includes('SHELL lists a file twice'));
  // --write mends each of them.
  assert.deepEqual(checkShell(added, writeShell(added, sw)), []);
  assert.deepEqual(checkShell(files, writeShell(files, dropped)), []);
});

test('a shell file whose contents changed, without a new VERSION, fails the check', () => {
  for (const path of ['/app.css', '/index.html', '/js/views/chat-render.js', '/icons/icon-192.png']) {
    const bytes = files.get(path);
    const changed = new Map(files).set(path, Buffer.concat([bytes, Buffer.from(' ')]));
    const problems = checkShell(changed, sw);
    assert.equal(problems.length, 1, `${path}: ${problems.join('\n')}`);
    assert.match(problems[0], /^VERSION is '[0-9a-f]{16}' but the shell's contents hash to '[0-9a-f]{16}': a shell file changed without a new VERSION$/);
    const rewritten = writeShell(changed, sw);
    assert.notEqual(parseSw(rewritten).version, parseSw(sw).version, path);
    assert.deepEqual(parseSw(rewritten).list, parseSw(sw).list, path);
    assert.deepEqual(checkShell(changed, rewritten), []);
  }
  // A file renamed with the same bytes is a different shell too.
  const renamed = new Map(files);
  renamed.set('/js/texts.js', renamed.get('/js/text.js'));
  renamed.delete('/js/text.js');
  assert.notEqual(expectedShell(renamed).version, expectedShell(files).version);
  // Excluded files are not part of the shell: changing them changes nothing.
  const headers = new Map(files).set('/_headers', Buffer.from('/*\n  X-Test: 1\n'));
  assert.deepEqual(checkShell(headers, sw), []);
  // A version that does not change at all (the old hand-kept 'v3') is caught as well.
  assert.ok(checkShell(files, sw.replace(/^const VERSION = '[^']*';$/m, "const VERSION = 'v3';")).some((p) => p.startsWith("VERSION is 'v3'")));
});

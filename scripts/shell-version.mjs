#!/usr/bin/env node
// The service worker's app shell, derived from pages/: SHELL lists every file under pages/ but the ones
// excluded below (each with its reason), and VERSION is a hash of their paths and contents, so a changed
// shell file gets a new cache name and the new worker replaces the old shell.
//
//   node scripts/shell-version.mjs          checks pages/sw.js (exit 1 and what is wrong when it is stale)
//   node scripts/shell-version.mjs --write  rewrites SHELL and VERSION in pages/sw.js
//
// tests/e2e/shell.test.mjs runs the same check. The functions work on a map of files and the text of sw.js,
// so the test can check modified copies in memory.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PAGES = join(dirname(fileURLToPath(import.meta.url)), '..', 'pages');

/** Files of pages/ that are deliberately not precached, with the reason. */
export const EXCLUDED = new Map([
  ['/sw.js', 'the service worker itself: the browser fetches it past every cache to look for a new version'],
  ['/_headers', "the platform's header rules (Cloudflare static assets): read by the platform, never served"],
]);

/** index.html is precached under the URL it is served at, which is also the shell for every route. */
const URL_OF = new Map([['/index.html', '/']]);

/** Every file under `root` (pages/), as a map from its URL path to its bytes. */
export function readPages(root = PAGES) {
  const files = new Map();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.set('/' + p.slice(root.length + 1).split('\\').join('/'), readFileSync(p));
    }
  };
  walk(root);
  return files;
}

/** The shell that `files` call for: the sorted list of URLs and the version (a hash of paths and contents). */
export function expectedShell(files) {
  const shell = [...files].filter(([path]) => !EXCLUDED.has(path)).map(([path, bytes]) => [URL_OF.get(path) || path, bytes]);
  shell.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256');
  for (const [url, bytes] of shell) hash.update(url + '\0' + createHash('sha256').update(bytes).digest('hex') + '\n');
  return { list: shell.map(([url]) => url), version: hash.digest('hex').slice(0, 16) };
}

const VERSION_RE = /^const VERSION = '([^']*)';$/m;
const SHELL_RE = /^const SHELL = \[\n([\s\S]*?)^\];$/m;

/** VERSION and SHELL as written in the text of sw.js (null when not found). */
export function parseSw(src) {
  const v = src.match(VERSION_RE);
  const s = src.match(SHELL_RE);
  return {
    version: v ? v[1] : null,
    list: s ? [...s[1].matchAll(/^\s*'([^']*)',?\s*$/gm)].map((m) => m[1]) : null,
  };
}

/** What is wrong with sw.js's SHELL and VERSION for `files` (an empty list when nothing is). */
export function checkShell(files, src) {
  const want = expectedShell(files);
  const got = parseSw(src);
  if (got.version === null || got.list === null) return ["sw.js has no `const VERSION = '…';` or no `const SHELL = [ … ];` block"];
  const problems = [];
  const listed = new Set(got.list);
  for (const url of want.list) if (!listed.has(url)) problems.push(`${url} is in pages/ but not in SHELL (add it, or exclude it with a reason in scripts/shell-version.mjs)`);
  for (const url of got.list) if (!want.list.includes(url)) problems.push(`${url} is in SHELL but is not a shell file of pages/`);
  if (listed.size !== got.list.length) problems.push('SHELL lists a file twice');
  if (got.version !== want.version) problems.push(`VERSION is '${got.version}' but the shell's contents hash to '${want.version}': a shell file changed without a new VERSION`);
  return problems;
}

/** The text of sw.js with SHELL and VERSION as `files` call for. */
export function writeShell(files, src) {
  const want = expectedShell(files);
  if (!VERSION_RE.test(src) || !SHELL_RE.test(src)) throw new Error('sw.js: no VERSION or SHELL to rewrite');
  return src
    .replace(VERSION_RE, `const VERSION = '${want.version}';`)
    .replace(SHELL_RE, 'const SHELL = [\n' + want.list.map((u) => `  '${u}',\n`).join('') + '];');
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const sw = join(PAGES, 'sw.js');
  const src = readFileSync(sw, 'utf8');
  const files = readPages();
  if (process.argv.includes('--write')) {
    const out = writeShell(files, src);
    if (out !== src) writeFileSync(sw, out);
    console.log(`pages/sw.js: VERSION ${expectedShell(files).version}, ${expectedShell(files).list.length} shell files${out === src ? ' (unchanged)' : ' (rewritten)'}`);
  } else {
    const problems = checkShell(files, src);
    for (const p of problems) console.error('pages/sw.js: ' + p);
    if (problems.length) {
      console.error('run: node scripts/shell-version.mjs --write');
      process.exit(1);
    }
    console.log(`pages/sw.js is up to date (VERSION ${parseSw(src).version})`);
  }
}

#!/usr/bin/env node
// Import circles between the files of Rust crates: `node scripts/import-cycles.mjs shared/src workers/src`.
// Exits 1 and prints each circle (with the names that tie it) when one exists; `make lint` runs it.
//
// A file's imports are its `use crate::…`, `use super::…`, `use self::…` lines and the inline `crate::a::b` /
// `super::x` paths in its code, each resolved to the longest module path that is a file (`a/b.rs` or
// `a/b/mod.rs`). Not counted: `mod x;` declarations and a module file's `pub use child::…` re-exports (a facade
// for the children's items, not a dependency of the module's own code), `#[cfg(test)]` modules (tests may reach
// back), comments and strings.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, basename } from 'node:path';

function rustFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...rustFiles(p));
    else if (name.endsWith('.rs')) out.push(p);
  }
  return out;
}

/** The module path of a file under `root`: lib.rs/main.rs → [], a/mod.rs → ['a'], a/b.rs → ['a', 'b']. */
function modulePath(root, file) {
  const parts = relative(root, file).replace(/\.rs$/, '').split('/');
  if (parts.at(-1) === 'mod') parts.pop();
  if (parts.length === 1 && ['lib', 'main'].includes(parts[0])) return [];
  return parts;
}

/** The code of a file without comments, string and char literals, and `#[cfg(test)]` modules. */
export function stripCode(src) {
  let s = src
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(?<!\w)r(#*)"[\s\S]*?"\1/g, '""')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/'(?:[^'\\\n]|\\.){1,8}'/g, "' '")
    .replace(/\/\/[^\n]*/g, '');
  // Drop `#[cfg(test)] mod x { … }` blocks by brace matching.
  for (;;) {
    const m = /#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{/.exec(s);
    if (!m) break;
    let depth = 0;
    let i = m.index + m[0].length - 1;
    for (; i < s.length; i++) {
      if (s[i] === '{') depth++;
      else if (s[i] === '}' && --depth === 0) break;
    }
    s = s.slice(0, m.index) + s.slice(i + 1);
  }
  return s;
}

/** Expands `a::{b, c::{d, e}}` into paths (['a','b'], ['a','c','d'], …); `self` names the prefix. */
function expandUse(tree) {
  tree = tree.replace(/\s+/g, '');
  const out = [];
  const walk = (prefix, t) => {
    const brace = t.indexOf('{');
    if (brace === -1) {
      const segs = t.split('::').filter(Boolean).map((x) => x.replace(/\bas\w+$/, ''));
      if (segs.at(-1) === 'self') segs.pop();
      if (segs.at(-1) === '*') segs.pop();
      out.push([...prefix, ...segs]);
      return;
    }
    const head = t.slice(0, brace).split('::').filter(Boolean);
    const inner = t.slice(brace + 1, t.lastIndexOf('}'));
    let depth = 0;
    let start = 0;
    for (let i = 0; i <= inner.length; i++) {
      const c = inner[i];
      if (c === '{') depth++;
      else if (c === '}') depth--;
      if ((c === ',' && depth === 0) || i === inner.length) {
        const part = inner.slice(start, i);
        if (part) walk([...prefix, ...head], part);
        start = i + 1;
      }
    }
  };
  walk([], tree);
  return out;
}

export function findCycles(root) {
  const files = rustFiles(root);
  const byModule = new Map(files.map((f) => [modulePath(root, f).join('::'), f]));
  const edges = new Map(files.map((f) => [f, new Map()]));
  const add = (from, to, name) => {
    if (to === from) return;
    const names = edges.get(from).get(to) ?? new Set();
    names.add(name);
    edges.get(from).set(to, names);
  };
  // Module files' `pub use child::{A, B}`: name → the child's file.
  const reexports = new Map();
  for (const file of files) {
    if (!['mod.rs', 'lib.rs', 'main.rs'].includes(basename(file))) continue;
    const here = modulePath(root, file);
    const map = new Map();
    for (const m of stripCode(readFileSync(file, 'utf8')).matchAll(/(^|\n)\s*pub(?:\([^)]*\))?\s+use\s+([^;]+);/g)) {
      for (const segs of expandUse(m[2])) {
        const rel = segs[0] === 'self' ? segs.slice(1) : segs;
        if (['crate', 'super'].includes(rel[0]) || rel.length < 2) continue;
        const child = byModule.get([...here, rel[0]].join('::'));
        if (child) map.set(rel.at(-1), child);
      }
    }
    reexports.set(file, map);
  }
  for (const file of files) {
    const code = stripCode(readFileSync(file, 'utf8'));
    const here = modulePath(root, file);
    const isModFile = ['mod.rs', 'lib.rs', 'main.rs'].includes(basename(file));
    // `super` of a/b.rs is a; of a/b/mod.rs it is a as well (the module a::b's parent).
    const resolve = (segs) => {
      let base;
      if (segs[0] === 'crate') base = [];
      else if (segs[0] === 'super') base = here.slice(0, -1);
      else if (segs[0] === 'self') base = here;
      else return null;
      let rest = segs.slice(1);
      while (rest[0] === 'super') { base = base.slice(0, -1); rest = rest.slice(1); }
      const full = [...base, ...rest];
      for (let n = full.length; n > 0; n--) {
        const f = byModule.get(full.slice(0, n).join('::'));
        if (!f) continue;
        const name = full.slice(n).join('::') || full[n - 1];
        // An item a module file re-exports from its child is the child's.
        const child = reexports.get(f)?.get(full[n]);
        return child && child !== file ? { file: child, name } : { file: f, name };
      }
      return null;
    };
    for (const m of code.matchAll(/(^|\n)\s*(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);/g)) {
      const reexport = Boolean(m[2]) && isModFile;
      for (const segs of expandUse(m[3])) {
        if (reexport && segs[0] === 'self') continue;
        if (reexport && !['crate', 'super'].includes(segs[0])) continue; // `pub use child::X` in a module file
        const r = resolve(segs);
        if (r) add(file, r.file, r.name);
      }
    }
    const withoutUse = code.replace(/(^|\n)\s*(pub(?:\([^)]*\))?\s+)?use\s+[^;]+;/g, '\n');
    for (const m of withoutUse.matchAll(/\b((?:crate|super|self)(?:::\w+)+)/g)) {
      const r = resolve(m[1].split('::'));
      if (r) add(file, r.file, r.name);
    }
  }
  // Strongly connected components (Tarjan) with more than one file.
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const sccs = [];
  const strong = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of edges.get(v).keys()) {
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) sccs.push(comp.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) strong(f);
  return sccs.map((comp) => ({
    files: comp,
    ties: comp.flatMap((a) => comp.filter((b) => edges.get(a).has(b)).map((b) => [a, b, [...edges.get(a).get(b)]])),
  }));
}

if (process.argv[1] && process.argv[1].endsWith('import-cycles.mjs')) {
  const roots = process.argv.slice(2);
  if (!roots.length) { console.error('usage: node scripts/import-cycles.mjs DIR [DIR…]'); process.exit(2); }
  let total = 0;
  for (const root of roots) {
    if (!existsSync(root)) { console.error(`no such directory: ${root}`); process.exit(2); }
    const cycles = findCycles(root);
    total += cycles.length;
    for (const c of cycles) {
      console.log(`circle in ${root}: ${c.files.map((f) => relative(root, f)).join(', ')}`);
      for (const [a, b, names] of c.ties) console.log(`  ${relative(root, a)} -> ${relative(root, b)}: ${names.join(', ')}`);
    }
    if (!cycles.length) console.log(`${root}: no import circles (${rustFiles(root).length} files)`);
  }
  process.exit(total ? 1 : 0);
}

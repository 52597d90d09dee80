// scripts/import-cycles.mjs (run by `make lint` over shared/, workers/ and kb-build/): it must find a circle
// through `use`, `super::` and inline `crate::` paths, follow a module file's re-exports to the child, and not
// count test modules, comments, strings or a module file's `pub use child::…` facade.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCycles } from '../../scripts/import-cycles.mjs';

function crate(files) {
  const root = mkdtempSync(join(tmpdir(), 'cycles-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('a circle through use lines and inline paths is found, with the names that tie it', () => {
  const root = crate({
    'lib.rs': 'pub mod a;\npub mod b;\n',
    'a.rs': 'use crate::b::Thing;\npub struct Other;\n',
    'b.rs': 'pub struct Thing;\nfn f() -> crate::a::Other { todo!() }\n',
  });
  try {
    const cycles = findCycles(root);
    assert.equal(cycles.length, 1);
    assert.deepEqual(cycles[0].files.map((f) => f.slice(root.length + 1)), ['a.rs', 'b.rs']);
    assert.ok(cycles[0].ties.some(([from, , names]) => from.endsWith('a.rs') && names.includes('Thing')));
  } finally { rmSync(root, { recursive: true }); }
});

test('re-exports lead to the child; facades, tests, comments and strings are not dependencies', () => {
  const root = crate({
    'lib.rs': 'pub mod m;\npub mod x;\n',
    'm/mod.rs': 'mod inner;\npub use inner::Item;\n',
    'm/inner.rs': 'pub struct Item;\n// crate::x::Y in a comment\nconst S: &str = "crate::x::Y";\n#[cfg(test)]\nmod tests {\n    use crate::x::Y;\n}\n',
    'x.rs': 'use crate::m::Item;\npub struct Y;\n',
  });
  try {
    assert.deepEqual(findCycles(root), []);
  } finally { rmSync(root, { recursive: true }); }
  const looped = crate({
    'lib.rs': 'pub mod m;\npub mod x;\n',
    'm/mod.rs': 'mod inner;\npub use inner::Item;\n',
    'm/inner.rs': 'use crate::x::Y;\npub struct Item;\n',
    'x.rs': 'use crate::m::Item;\npub struct Y;\n',
  });
  try {
    const [c] = findCycles(looped);
    assert.deepEqual(c.files.map((f) => f.slice(looped.length + 1)), ['m/inner.rs', 'x.rs'], 'm::Item is inner.rs');
  } finally { rmSync(looped, { recursive: true }); }
});

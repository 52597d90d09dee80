// Rate limits with the real limiter bindings (wrangler.toml `[[ratelimits]]`): the login limiter per IP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../support/stack.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

// The local limiter counts in fixed windows aligned to the clock, so a burst may straddle a window edge:
// 21 attempts are more than two windows' worth of 10, so some must be refused whatever the alignment.
test('logins past the per-IP limit get 429 with Retry-After and RateLimit-* headers', async () => {
  const statuses = [];
  let limited;
  for (let i = 0; i < 21; i++) {
    const res = await fetch(`${stack.url}/api/auth/team/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: `user${i}@test.local`, password: 'wrong-password' }),
    });
    statuses.push(res.status);
    if (res.status === 429) limited = res;
  }
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401), 'the first ten are let through');
  assert.ok(statuses.every((s) => s === 401 || s === 429), statuses.join(','));
  assert.ok(statuses.filter((s) => s === 401).length <= 20, statuses.join(','));
  assert.equal(limited.headers.get('retry-after'), '60');
  assert.equal(limited.headers.get('ratelimit-limit'), '10');
  assert.equal(limited.headers.get('ratelimit-remaining'), '0');
  const body = await limited.json();
  assert.equal(body.error.code, 'rate_limited');
});

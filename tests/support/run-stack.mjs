#!/usr/bin/env node
// Starts a seeded test stack for test runners in other languages (pytest): prints one JSON line
// {url, jwt_secret, metrics_token, people} when ready (STACK_KB=1 loads the knowledge base, STACK_EMBEDDER=1
// starts the local embedder), and stops when its stdin closes or it gets SIGTERM.
import { startStack, TEST_JWT_SECRET, TEST_METRICS_TOKEN } from './stack.mjs';
import { seedPeople } from './seed.mjs';
import { loadKb } from './kb.mjs';

const vars = JSON.parse(process.env.STACK_VARS || '{}');
let people;
const stack = await startStack({
  vars,
  // STACK_EMBEDDER=1: the real local embedding server too (queries and /v1/embeddings use it).
  embedder: process.env.STACK_EMBEDDER === '1',
  load: async (p) => {
    people = await seedPeople(p);
    if (process.env.STACK_KB === '1') loadKb(p);
  },
});
// Tools in this process may print to stdout (wrangler's proxy does); the marker finds our line among them.
process.stdout.write(`STACK ${JSON.stringify({ url: stack.url, jwt_secret: TEST_JWT_SECRET, metrics_token: TEST_METRICS_TOKEN, people })}\n`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

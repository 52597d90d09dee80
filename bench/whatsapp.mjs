#!/usr/bin/env node
// WhatsApp channel figures (issue 15), runnable alone: `node bench/whatsapp.mjs [--n 20] [--burst 40]` (or
// `make bench-whatsapp`). A fresh local stack (`wrangler dev`, its queue simulation, the knowledge base loaded,
// keyword search, the offline answer composer) and the fake Graph API; signed text messages from distinct
// numbers. Prints the webhook's acknowledgement latency (POST → 200, p50/p95) and the end-to-end time from the
// POST to the reply arriving at the fake Graph API: one message at a time, then a burst sent together.
import { createHmac } from 'node:crypto';
import { startStack } from '../tests/support/stack.mjs';
import { loadKb } from '../tests/support/kb.mjs';
import { startFakeGraph } from '../tests/support/fake-graph.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 20);
const BURST = arg('burst', 40);
const SECRET = 'bench-app-secret';
const PNID = '1098765432';
const QUESTIONS = ['How much is a C1 tourism visa?', 'Berapa biaya KITAS E33G?', 'Quali sono le categorie di rischio nel sistema PBBR?', 'What is KBLI 56101?'];

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const fmt = (xs) => `p50 ${pct(xs, 50).toFixed(1)} ms  p95 ${pct(xs, 95).toFixed(1)} ms  max ${Math.max(...xs).toFixed(1)} ms  (n=${xs.length})`;

const graph = await startFakeGraph();
console.log('[bench-whatsapp] starting a stack with the knowledge base (keyword search, offline answers)…');
const stack = await startStack({
  vars: {
    RATE_LIMITS: 'off', WHATSAPP_TOKEN: 'bench-token', WHATSAPP_PHONE_NUMBER_ID: PNID, WHATSAPP_APP_SECRET: SECRET,
    WHATSAPP_VERIFY_TOKEN: 'bench-verify', WHATSAPP_API_BASE: `${graph.url}/v21.0`,
  },
  load: async (persist) => { loadKb(persist); },
});
let seq = 0;
async function send(i) {
  seq += 1;
  const from = `39333${String(1_000_000 + seq).padStart(7, '0')}`;
  const raw = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'WABA', changes: [{ field: 'messages', value: {
    messaging_product: 'whatsapp', metadata: { phone_number_id: PNID },
    messages: [{ from, id: `wamid.BENCH${seq}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: QUESTIONS[i % QUESTIONS.length] } }],
  } }] }] });
  const sig = `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
  const t0 = Date.now();
  const h0 = performance.now();
  const r = await fetch(`${stack.url}/webhooks/whatsapp`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sig }, body: raw });
  await r.arrayBuffer();
  const ack = performance.now() - h0;
  if (r.status !== 200) throw new Error(`webhook answered ${r.status}`);
  return { from, t0, ack };
}
const replyTimes = async (sent) => {
  const reqs = await graph.waitFor((rs) => sent.every((s) => rs.some((q) => q.body?.to === s.from && q.outcome === 'ok')) && rs, `${sent.length} replies`, 600_000);
  return sent.map((s) => reqs.find((q) => q.body?.to === s.from && q.outcome === 'ok').at - s.t0);
};

try {
  // Warm-up (isolate start, first D1 reads), and a sample of what a client receives.
  const first = await send(0);
  await replyTimes([first]);
  const sample = (await graph.requests()).find((q) => q.body?.to === first.from && q.outcome === 'ok');
  console.log(`[bench-whatsapp] sample reply to "${QUESTIONS[0]}":\n${sample.body.text.body.slice(0, 700)}\n`);
  const acks = [];
  const e2e = [];
  for (let i = 0; i < N; i++) {
    const s = await send(i);
    acks.push(s.ack);
    e2e.push(...(await replyTimes([s])));
  }
  const t = Date.now();
  const burst = await Promise.all(Array.from({ length: BURST }, (_, i) => send(i)));
  const burstE2e = await replyTimes(burst);
  const drained = Date.now() - t;
  console.log(`\nWhatsApp channel, ${new Date().toISOString()} (load average ${(await import('node:os')).loadavg()[0].toFixed(2)})`);
  console.log(`  webhook acknowledgement, one at a time:   ${fmt(acks)}`);
  console.log(`  webhook → reply on the fake, one at a time: ${fmt(e2e)}`);
  console.log(`  webhook acknowledgement, ${BURST} at once:     ${fmt(burst.map((s) => s.ack))}`);
  console.log(`  webhook → reply, ${BURST} at once:             ${fmt(burstE2e)}; all answered in ${drained} ms`);
} finally {
  await stack.stop();
  await graph.stop();
}

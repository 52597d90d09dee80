#!/usr/bin/env node
// Demo CRM data, created through the API (never SQL), deterministic (same names, e-mails and amounts each time):
// 60 clients (Italian, Indonesian, Australian, German, French, Dutch, Russian, British, American, Japanese,
// Korean), 2 practices each in every status of the workflow (some permits expiring within 30 days, so renewals
// show), payments, interactions and a few documents.
//
//   node scripts/seed-demo.mjs --url http://127.0.0.1:8787 --email ADMIN_EMAIL --password ADMIN_PASSWORD
//
// Idempotent enough to run twice: it does nothing when 50 or more clients exist. Rate limits (429) are waited out.

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const URL_BASE = (args.url || process.env.NUZANTARA_URL || 'http://127.0.0.1:8787').replace(/\/$/, '');
const EMAIL = args.email || process.env.ADMIN_EMAIL;
const PASSWORD = args.password || process.env.ADMIN_PASSWORD;
if (!EMAIL || !PASSWORD) {
  console.error('usage: node scripts/seed-demo.mjs --url http://127.0.0.1:8787 --email ADMIN_EMAIL --password ADMIN_PASSWORD');
  process.exit(2);
}

// Deterministic pseudo-randomness (mulberry32).
let seed = 20250101;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The work is shared round-robin by the admin and the demo consultants (see `addDemoTeam()`): the API allows each
// signed-in user 600 requests a minute, and one account seeding alone would wait out that limit.
const seeders = []; // { email, password, token }
let requests = 0;
async function api(method, path, { body, raw, type, expect = [200, 201], as } = {}) {
  const who = as ?? seeders[requests % seeders.length];
  for (let attempt = 0; ; attempt++) {
    const headers = { Authorization: `Bearer ${who.token}` };
    let payload;
    if (raw) { headers['Content-Type'] = type; payload = raw; }
    else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
    const res = await fetch(URL_BASE + path, { method, headers, body: payload });
    requests++;
    const text = await res.text();
    if (res.status === 429 && attempt < 5) {
      const wait = Math.min(Number(res.headers.get('retry-after')) || 10, 60);
      console.log(`[seed] rate limited; waiting ${wait} s`);
      await sleep(wait * 1000);
      continue;
    }
    if (res.status === 401 && attempt === 0) {
      who.token = await login(who.email, who.password); // access tokens last 15 minutes
      continue;
    }
    const json = text ? JSON.parse(text) : null;
    if (!expect.includes(res.status)) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    return { status: res.status, json };
  }
}
async function login(email, password) {
  const res = await fetch(`${URL_BASE}/api/auth/team/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`login failed for ${email} (${res.status}): ${await res.text()}`);
  return (await res.json()).access_token;
}

/** Three demo consultants (the workload views need more than one), who also share the seeding. A consultant
 * left by an earlier run (409) keeps its unknown password and does not seed. */
const DEMO_TEAM = [['wayan.demo@nuzantara.local', 'Wayan Sudarta'], ['ayu.demo@nuzantara.local', 'Ayu Lestari'], ['marco.demo@nuzantara.local', 'Marco Bellini']];
async function addDemoTeam() {
  const admin = seeders[0];
  for (const [email, name] of DEMO_TEAM) {
    const made = await api('POST', '/api/admin/users', { body: { email, name, role: 'consultant' }, expect: [201, 409], as: admin });
    if (made.status === 201) {
      const password = made.json.generated_password;
      seeders.push({ email, password, token: await login(email, password) });
    }
  }
}

const PEOPLE = {
  Italian: { lang: 'it', tld: 'it', phone: '+39 3', first: ['Marco', 'Giulia', 'Luca', 'Francesca', 'Alessandro', 'Chiara', 'Matteo', 'Sara'], last: ['Rossi', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Conti'] },
  Indonesian: { lang: 'id', tld: 'co.id', phone: '+62 81', first: ['Made', 'Ketut', 'Wayan', 'Putu', 'Sari', 'Dewi', 'Budi', 'Agus'], last: ['Santoso', 'Wijaya', 'Pratama', 'Suryadi', 'Gunawan', 'Hartono', 'Kusuma', 'Setiawan'] },
  Australian: { lang: 'en', tld: 'com.au', phone: '+61 4', first: ['Jack', 'Olivia', 'Liam', 'Charlotte', 'Noah', 'Mia', 'Oliver', 'Ava'], last: ['Smith', 'Jones', 'Williams', 'Brown', 'Wilson', 'Taylor', 'Nguyen', 'Walker'] },
  German: { lang: 'en', tld: 'de', phone: '+49 15', first: ['Lukas', 'Anna', 'Felix', 'Lea'], last: ['Müller', 'Schmidt', 'Schneider', 'Fischer'] },
  French: { lang: 'en', tld: 'fr', phone: '+33 6', first: ['Louis', 'Camille', 'Hugo', 'Léa'], last: ['Martin', 'Bernard', 'Dubois', 'Moreau'] },
  Dutch: { lang: 'en', tld: 'nl', phone: '+31 6', first: ['Daan', 'Sanne', 'Sem', 'Fleur'], last: ['de Jong', 'Jansen', 'de Vries', 'Bakker'] },
  Russian: { lang: 'en', tld: 'ru', phone: '+7 9', first: ['Dmitri', 'Anastasia', 'Ivan', 'Olga'], last: ['Ivanov', 'Petrova', 'Smirnov', 'Volkova'] },
  British: { lang: 'en', tld: 'co.uk', phone: '+44 7', first: ['Harry', 'Amelia', 'George', 'Isla'], last: ['Evans', 'Thomas', 'Roberts', 'Hughes'] },
  American: { lang: 'en', tld: 'com', phone: '+1 31', first: ['Ethan', 'Emma', 'Mason', 'Sophia'], last: ['Johnson', 'Miller', 'Davis', 'Garcia'] },
  Japanese: { lang: 'en', tld: 'jp', phone: '+81 90', first: ['Haruto', 'Yui', 'Sota', 'Hina'], last: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka'] },
  Korean: { lang: 'en', tld: 'kr', phone: '+82 10', first: ['Min-jun', 'Seo-yeon', 'Ji-ho', 'Ha-eun'], last: ['Kim', 'Lee', 'Park', 'Choi'] },
};
const MIX = ['Italian', 'Italian', 'Indonesian', 'Indonesian', 'Australian', 'Australian', 'German', 'French', 'Dutch', 'Russian', 'British', 'American', 'Japanese', 'Korean'];
const COMPANIES = ['PT Bali Villas Indah', 'PT Canggu Coffee Roasters', 'PT Ubud Yoga Retreat', 'PT Seminyak Surf Co', 'PT Nusa Digital', 'PT Sanur Dive Center'];
// What foreigners in Bali ask for most, with weights.
const TYPES = [['E33G', 6], ['C1', 4], ['D1', 2], ['E28A', 3], ['E33F', 2], ['E31A', 2], ['WORKING-KITAS-E23', 2], ['PT-PMA-COMPANY-SETUP', 3],
  ['NPWP-PERSONAL-CORETAX', 3], ['ANNUAL-PERSONAL-TAX', 2], ['LKPM-REPORT', 1], ['ALCOHOL-LICENSE', 1], ['C2', 2], ['INVESTOR-KITAP', 1]];
const PERMITS = new Set(['E33G', 'C1', 'D1', 'E28A', 'E33F', 'E31A', 'WORKING-KITAS-E23', 'C2', 'INVESTOR-KITAP']);
const PATH = { inquiry: [], quoted: ['quoted'], in_progress: ['quoted', 'in_progress'], submitted: ['quoted', 'in_progress', 'submitted'],
  approved: ['quoted', 'in_progress', 'submitted', 'approved'], completed: ['quoted', 'in_progress', 'submitted', 'approved', 'completed'],
  rejected: ['quoted', 'in_progress', 'submitted', 'rejected'], cancelled: ['quoted', 'cancelled'] };
const TARGETS = ['inquiry', 'inquiry', 'quoted', 'quoted', 'in_progress', 'in_progress', 'in_progress', 'submitted', 'submitted', 'approved', 'approved',
  'approved', 'completed', 'completed', 'rejected', 'cancelled'];
const NOTES = {
  call: ['Called about documents still missing (passport scan, bank statement).', 'Explained the timeline: 30-45 days from submission.'],
  email: ['Sent the quote and the list of required documents.', 'Forwarded the sponsor letter draft for review.'],
  whatsapp: ['Client asked whether they can travel during processing.', 'Confirmed the appointment at Imigrasi Denpasar.'],
  meeting: ['Meeting at the Canggu office: signed the service agreement.', 'Walked through the PT PMA shareholder structure.'],
  note: ['Prefers contact by WhatsApp in the evening.', 'Referred by an existing client.'],
};

const baliDate = (days) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);

async function main() {
  seeders.push({ email: EMAIL, password: PASSWORD, token: await login(EMAIL, PASSWORD) });
  // Skip when the CRM already has data.
  let existing = 0;
  let cursor = null;
  do {
    const page = await api('GET', `/crm/clients?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    existing += page.json.clients.length;
    cursor = page.json.next_cursor;
  } while (cursor && existing < 50);
  if (existing >= 50) {
    console.log(`[seed] ${existing}+ clients already exist: nothing to do`);
    return;
  }
  await addDemoTeam();
  console.log(`[seed] seeding as ${seeders.map((x) => x.email).join(', ')}`);
  const team = (await api('GET', '/crm/team', { as: seeders[0] })).json.members.filter((m) => !m.disabled);
  const consultants = team.filter((m) => m.role === 'consultant').map((m) => m.user_id);
  const assignees = consultants.length ? consultants : team.map((m) => m.user_id);
  const typeCodes = new Set((await api('GET', '/crm/practice-types')).json.practice_types.map((t) => t.code));
  const weighted = TYPES.filter(([c]) => typeCodes.has(c)).flatMap(([c, w]) => Array(w).fill(c));

  const counts = { clients: 0, practices: 0, interactions: 0, documents: 0, payments: 0, expiringSoon: 0 };
  const used = new Set();
  for (let i = 0; i < 60; i++) {
    const nat = MIX[i % MIX.length];
    const p = PEOPLE[nat];
    let first;
    let last;
    do { first = pick(p.first); last = pick(p.last); } while (used.has(`${first} ${last}`) && used.size < 200);
    used.add(`${first} ${last}`);
    const local = `${first}.${last}`.toLowerCase().normalize('NFD').replace(/[^a-z.]/g, '');
    const email = `${local}${i}@example.${p.tld}`;
    const phone = `${p.phone}${String(Math.floor(rnd() * 1e8)).padStart(8, '0')}`.replace(/(\d{3})(\d{4})(\d+)$/, '$1 $2 $3');
    const status = i % 9 === 0 ? 'lead' : i % 13 === 0 ? 'inactive' : 'active';
    const body = { full_name: `${first} ${last}`, email, phone, whatsapp: rnd() < 0.7 ? phone : undefined, nationality: nat, status,
      language: p.lang, consultant_id: assignees[i % assignees.length], company_name: rnd() < 0.25 ? pick(COMPANIES) : undefined };
    let client = (await api('POST', '/crm/clients', { body, expect: [201, 409] }));
    if (client.status === 409) client = await api('GET', `/crm/clients/by-email?email=${encodeURIComponent(email)}`);
    client = client.json;
    counts.clients++;

    for (let k = 0; k < 2; k++) {
      const type = pick(weighted);
      const target = TARGETS[(i * 2 + k) % TARGETS.length];
      let pr = (await api('POST', '/crm/practices', { body: { client_id: client.id, type_code: type } })).json;
      counts.practices++;
      for (const step of PATH[target]) {
        const extra = {};
        if (step === 'in_progress') extra.date = baliDate(-60 - Math.floor(rnd() * 90));
        if (step === 'approved' && PERMITS.has(type)) {
          // About a third of granted permits expire within 30 days, so renewals have something to show.
          const soon = rnd() < 0.35;
          const days = soon ? 3 + Math.floor(rnd() * 27) : 40 + Math.floor(rnd() * 300);
          if (soon) counts.expiringSoon++;
          extra.expiry_date = baliDate(days);
        }
        pr = (await api('POST', `/crm/practices/${pr.id}/status`, { body: { status: step, version: pr.version, ...extra } })).json;
      }
      if (['in_progress', 'submitted', 'approved', 'completed'].includes(target) && pr.fee_idr) {
        const paid = target === 'completed' ? pr.fee_idr : Math.round(pr.fee_idr / 2);
        const month = -Math.floor(rnd() * 150);
        await api('POST', `/crm/practices/${pr.id}/payments`, { body: { amount_idr: paid, paid_on: baliDate(month), method: pick(['transfer', 'transfer', 'cash', 'card']) } });
        counts.payments++;
      }
    }
    const n = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < n; k++) {
      const kind = pick(Object.keys(NOTES));
      await api('POST', `/crm/clients/${client.id}/interactions`, {
        body: { kind, summary: pick(NOTES[kind]), occurred_at: Date.now() - Math.floor(rnd() * 90) * 86400e3 } });
      counts.interactions++;
    }
    if (i % 12 === 0) {
      const text = `Bali Zero — document checklist for ${first} ${last}\n- Passport (valid 18+ months)\n- Bank statement (3 months)\n- Sponsor letter\n`;
      await api('POST', `/crm/documents?client_id=${client.id}&filename=${encodeURIComponent(`checklist-${local}.txt`)}`, { raw: Buffer.from(text), type: 'text/plain; charset=utf-8' });
      const pdf = Buffer.from(`%PDF-1.4\n% demo passport scan of ${first} ${last}\n%%EOF\n`);
      await api('POST', `/crm/documents?client_id=${client.id}&filename=${encodeURIComponent(`passport-${local}.pdf`)}`, { raw: pdf, type: 'application/pdf' });
      counts.documents += 2;
    }
    if ((i + 1) % 10 === 0) console.log(`[seed] ${i + 1}/60 clients`);
  }
  const renewals = (await api('GET', '/crm/practices/renewals?within_days=30')).json.renewals.length;
  console.log(`[seed] done in ${requests} requests: ${JSON.stringify(counts)}; ${renewals} permit(s) expire within 30 days`);
}

main().catch((e) => { console.error(`[seed] error: ${e.message}`); process.exit(1); });

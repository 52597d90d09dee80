#!/usr/bin/env node
// Team accounts in the local D1 (the same state `wrangler dev --persist-to DIR` serves).
//   node scripts/users.mjs bootstrap [--persist-to DIR]
//       when no admin exists: creates one from ADMIN_EMAIL / ADMIN_PASSWORD, or generates a password
//       and prints it once. Does nothing when an admin exists.
//   node scripts/users.mjs add --email E --name N --role admin|consultant|client [--password P] [--client-id C]
//   node scripts/users.mjs sql --email E --name N [--password P]
//       prints the SQL that creates that admin, for `wrangler d1 execute DB --remote --command "…"` (production).
// Passwords are hashed exactly as the worker does (PBKDF2-HMAC-SHA256, 100,000 iterations, 16-byte salt).
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getPlatformProxy } from 'wrangler';

const ITERATIONS = 100_000;

export function hashPassword(password) {
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(password, salt, ITERATIONS, 32, 'sha256');
  const b64 = (b) => b.toString('base64').replace(/=+$/, '');
  return `pbkdf2-sha256$${ITERATIONS}$${b64(salt)}$${b64(hash)}`;
}

const COMMON = new Set(readFileSync(new URL('../shared/src/auth/common-passwords.txt', import.meta.url), 'utf8')
  .split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));

/** The worker's password policy (shared/src/auth/password.rs): team 12+ characters, clients 8+ or a PIN of
 * 6+ digits, never a most-common password. Throws with the reason. */
export function checkPassword(pw, role) {
  const n = [...pw].length;
  if (n > 256) throw new Error('password must be at most 256 characters');
  const pin = n >= 6 && /^[0-9]+$/.test(pw);
  if (role === 'client' ? n < 8 && !pin : n < 12) {
    throw new Error(role === 'client' ? 'password must be at least 8 characters, or a PIN of at least 6 digits'
      : 'team passwords must be at least 12 characters (PINs are for client accounts)');
  }
  const lower = pw.toLowerCase();
  if (COMMON.has(lower) || [...lower].every((c) => c === lower[0])) throw new Error('this password is among the most common ones; choose another');
}

function args(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) out[argv[i].slice(2)] = argv[++i];
    else out._.push(argv[i]);
  }
  return out;
}

export async function addUser(DB, { email, name, role, password, clientId = null, language = 'en' }) {
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email || '')) throw new Error('a valid --email is required');
  if (!['admin', 'consultant', 'client'].includes(role)) throw new Error('--role must be admin, consultant or client');
  if (role === 'client' && !clientId) throw new Error('a client account needs --client-id');
  const pw = password || randomBytes(12).toString('base64url');
  checkPassword(pw, role);
  const id = randomBytes(16).toString('hex');
  const now = Date.now();
  const stmts = [DB.prepare(
    'INSERT INTO users (id, email, name, role, password_hash, language, client_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)',
  ).bind(id, email.toLowerCase(), name || email, role, hashPassword(pw), language, clientId, now)];
  if (role !== 'client') {
    stmts.push(DB.prepare('INSERT INTO team_members (user_id, created_at, updated_at) VALUES (?1, ?2, ?2)').bind(id, now));
  }
  await DB.batch(stmts);
  return { id, email: email.toLowerCase(), role, password: pw, generated: !password };
}

/** The statements that create an admin, as SQL text with the values quoted (for the remote D1). */
function adminSql({ email, name, password }) {
  const q = (v) => `'${String(v).replaceAll("'", "''")}'`;
  const pw = password || randomBytes(12).toString('base64url');
  checkPassword(pw, 'admin');
  const id = randomBytes(16).toString('hex');
  const now = Date.now();
  const sql = `INSERT INTO users (id, email, name, role, password_hash, language, created_at, updated_at) VALUES (${q(id)}, ${q(email.toLowerCase())}, ${q(name || email)}, 'admin', ${q(hashPassword(pw))}, 'en', ${now}, ${now}); `
    + `INSERT INTO team_members (user_id, created_at, updated_at) VALUES (${q(id)}, ${now}, ${now});`;
  return { sql, password: pw, generated: !password };
}

async function main() {
  const a = args(process.argv.slice(2));
  if (a._[0] === 'sql') {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(a.email || '')) throw new Error('a valid --email is required');
    const out = adminSql({ email: a.email, name: a.name, password: a.password });
    console.log(out.sql);
    if (out.generated) console.error(`[users] the password, shown once: ${out.password}`);
    return;
  }
  const persist = a['persist-to'] || '.wrangler/state';
  const { env, dispose } = await getPlatformProxy({ persist: { path: `${persist}/v3` } });
  try {
    if (a._[0] === 'bootstrap') {
      const admin = await env.DB.prepare("SELECT email FROM users WHERE role = 'admin' AND disabled = 0 LIMIT 1").first();
      if (admin) {
        console.log(`[users] admin account exists (${admin.email})`);
        return;
      }
      const u = await addUser(env.DB, {
        email: process.env.ADMIN_EMAIL || 'admin@nuzantara.local',
        name: 'Administrator',
        role: 'admin',
        password: process.env.ADMIN_EMAIL && process.env.ADMIN_PASSWORD ? process.env.ADMIN_PASSWORD : undefined,
      });
      console.log(`[users] created admin ${u.email}`);
      if (u.generated) console.log(`[users] its password, shown once: ${u.password}`);
    } else if (a._[0] === 'add') {
      const u = await addUser(env.DB, {
        email: a.email, name: a.name, role: a.role, password: a.password, clientId: a['client-id'], language: a.language,
      });
      console.log(JSON.stringify(u));
    } else {
      console.error('usage: users.mjs bootstrap | add --email E --name N --role R [--password P] [--client-id C]');
      process.exitCode = 2;
    }
  } finally {
    await dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => { console.error(`[users] error: ${e.message}`); process.exit(1); });
}

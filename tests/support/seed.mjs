// Test fixtures written straight into the local D1 before the server starts (through wrangler's
// platform proxy, the same state wrangler dev then serves).
import { getPlatformProxy } from 'wrangler';
import { randomBytes } from 'node:crypto';
import { addUser } from '../../scripts/users.mjs';

/** Creates the standard cast: admin, consultant, two clients with their client accounts. */
export async function seedPeople(persist) {
  const { env, dispose } = await getPlatformProxy({ persist: { path: `${persist}/v3` } });
  try {
    const now = Date.now();
    const clientIds = [];
    for (const [name, email] of [['Marco Rossi', 'marco@example.it'], ['Sari Dewi', 'sari@example.co.id']]) {
      const id = randomBytes(16).toString('hex');
      clientIds.push(id);
      await env.DB.prepare('INSERT INTO clients (id, full_name, email, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)')
        .bind(id, name, email, 'active', now).run();
    }
    const people = {
      admin: await addUser(env.DB, { email: 'admin@test.local', name: 'Admin', role: 'admin', password: 'admin-password-1' }),
      consultant: await addUser(env.DB, { email: 'dewi@test.local', name: 'Dewi', role: 'consultant', password: 'dewi-consultant-2468' }),
      client: await addUser(env.DB, { email: 'marco@example.it', name: 'Marco', role: 'client', password: 'marco-password-1', clientId: clientIds[0] }),
      client2: await addUser(env.DB, { email: 'sari@example.co.id', name: 'Sari', role: 'client', password: 'sari-password-1', clientId: clientIds[1] }),
    };
    people.clientIds = clientIds;
    return people;
  } finally {
    await dispose();
  }
}

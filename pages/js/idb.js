// IndexedDB for what must survive offline and reloads: conversations the user listed or opened
// (readable offline) and the outbox of messages typed offline (sent on reconnect, never lost while the
// session lasts). Both belong to one person: cleared on sign-out and when the session ends (main.js).

const STORES = ['conversations', 'outbox']; // every record has an `owner` (api.owner())
let opening;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const r = indexedDB.open('nuzantara', 1);
      r.onupgradeneeded = () => {
        r.result.createObjectStore('conversations', { keyPath: 'key' });
        r.result.createObjectStore('outbox', { keyPath: 'id' });
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => { opening = null; reject(r.error); };
    });
  }
  return opening;
}

async function run(store, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const req = fn(tx.objectStore(store));
    tx.oncomplete = () => resolve(req ? req.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const get = (store, key) => run(store, 'readonly', (s) => s.get(key));
export const put = (store, value) => run(store, 'readwrite', (s) => s.put(value));
export const del = (store, key) => run(store, 'readwrite', (s) => s.delete(key));
export const all = (store) => run(store, 'readonly', (s) => s.getAll());

/** Records of one owner (a user id, or the visitor's session). */
export async function owned(store, owner) {
  return (await all(store)).filter((r) => r.owner === owner);
}

/**
 * Clears what this device keeps of its users: the cached conversations and the outbox. Everything (on
 * sign-out and when the session ends, so the next person on a shared device finds nothing and no queued
 * message is sent later under someone else), or, given `keep`, everything not owned by `keep` (when a
 * user or visitor starts, for data left by a closed tab: the same user keeps their offline copies and outbox).
 */
export async function clearUserData(keep) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORES, 'readwrite');
    for (const name of STORES) {
      const store = tx.objectStore(name);
      if (keep === undefined) { store.clear(); continue; }
      store.openCursor().onsuccess = (e) => {
        const cur = e.target.result;
        if (!cur) return;
        if (cur.value.owner !== keep) cur.delete();
        cur.continue();
      };
    }
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** Stores a conversation (summary and, when known, its messages) without losing what was cached before. */
export async function cacheConversation(owner, conv) {
  const key = owner + '|' + conv.id;
  const old = (await get('conversations', key)) || {};
  await put('conversations', { ...old, ...conv, messages: conv.messages || old.messages, key, owner });
}

// IndexedDB for what must survive offline and reloads: conversations the user listed or opened
// (readable offline) and the outbox of messages typed offline (sent on reconnect, never lost).

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

/** Forgets the cached conversations of `owner` (on sign-out). Its outbox stays: queued messages are
 * never dropped, they go out when that user is signed in and online again. */
export async function forget(owner) {
  for (const r of await owned('conversations', owner)) await del('conversations', r.key);
}

/** Stores a conversation (summary and, when known, its messages) without losing what was cached before. */
export async function cacheConversation(owner, conv) {
  const key = owner + '|' + conv.id;
  const old = (await get('conversations', key)) || {};
  await put('conversations', { ...old, ...conv, messages: conv.messages || old.messages, key, owner });
}

// The chat's outbox: a message typed offline (or refused for now: the server busy) waits in IndexedDB, per
// user, shown in the transcript with a badge, and goes out in order when the connection is back. The
// controller (chat.js) hands in what it owns: the log, how to ask, whether an answer is streaming.
import { t } from '../i18n.js';
import * as api from '../api.js';
import * as db from '../idb.js';
import { userMessage, queuedBadge } from './chat-render.js';

let flushing = false;

const oldestFirst = (items) => items.sort((a, b) => a.created_at - b.created_at);

/** Keeps `item` for later; `el` is its message in the transcript. */
export async function queue(item, el) {
  el.dataset.outbox = item.id;
  if (!el.querySelector('.queued')) el.append(queuedBadge());
  if (item.owner === api.owner()) await db.put('outbox', item); // not after the session ended
}

/** The server has the question (or refused it for good): it is no longer the outbox's to keep. */
export function release(el) {
  if (el.dataset.outbox) {
    db.del('outbox', el.dataset.outbox).catch(() => {});
    delete el.dataset.outbox;
  }
  const b = el.querySelector('.queued');
  if (b) b.remove();
}

/** Shows queued messages in `log` (after a reload they are only in IndexedDB). */
export async function showOutbox(log) {
  let items = [];
  try { items = await db.owned('outbox', api.owner()); } catch { return; }
  for (const it of oldestFirst(items)) {
    if (!log.querySelector(`[data-outbox="${it.id}"]`)) {
      const el = userMessage(log, it.query, true);
      el.dataset.outbox = it.id;
    }
  }
}

/**
 * Sends the outbox, oldest first, one at a time; stops at the first that cannot go.
 * `ask(item, el)` streams one answer and resolves 'sent', 'queued' or 'failed'; `busy()` is true while an
 * answer is streaming (the next waits for it).
 */
export async function flush(log, { ask, busy }) {
  if (flushing) return;
  flushing = true;
  try {
    await showOutbox(log);
    for (;;) {
      if (!navigator.onLine) break;
      while (busy()) await new Promise((r) => setTimeout(r, 200));
      const items = oldestFirst(await db.owned('outbox', api.owner()));
      if (!items.length) break;
      const it = items[0];
      const el = log.querySelector(`[data-outbox="${it.id}"]`);
      if (!el) break;
      const badge = el.querySelector('.queued');
      if (badge) badge.lastChild.textContent = t('chat.sending');
      if ((await ask(it, el)) === 'queued') break;
    }
  } finally {
    flushing = false;
  }
}

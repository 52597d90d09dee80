// Chat, the controller: answers stream in token by token over one SSE client (sse.js), with stop, resume
// after a dropped connection (Last-Event-ID), and past conversations (from the API, or this device's copy
// offline). The transcript survives view changes. What it shows is drawn by chat-render.js; messages typed
// offline go to the outbox (chat-outbox.js) and are sent, in order, when the connection is back.
import { h, rid, icon } from '../dom.js';
import * as api from '../api.js';
import * as db from '../idb.js';
import { t, lang } from '../i18n.js';
import { streamSSE } from '../sse.js';
import { toSource, grow, emptyState, addToLog, userMessage, answerView, showEvent, finish, showConversation } from './chat-render.js';
import * as outbox from './chat-outbox.js';

let ui = null; // {root, owner, log, form, input, send, stop, title, newBtn, titled}
let conversationId = null;
let current = null; // the answer being streamed: {ctrl, m}
const metrics = (globalThis.__nz = globalThis.__nz || { ttft: [] });

const isUser = () => !!api.user();

export async function mount(container, [id], app) {
  if (!ui || ui.owner !== api.owner()) build();
  labels();
  container.append(ui.root);
  if (id && id !== conversationId) await open(id);
  else if (!id && conversationId) history.replaceState(null, '', '#/chat/' + conversationId);
  await outbox.showOutbox(ui.log);
  if (navigator.onLine) flushOutbox();
  ui.log.scrollTop = ui.log.scrollHeight;
  return () => {};
}

/** Sign-out or session end (main.js): the answer being streamed stops and the transcript is forgotten
 * (the next mount builds a new one). */
export function reset() {
  if (current) current.ctrl.abort();
  conversationId = null;
  if (ui) {
    ui.log.replaceChildren();
    ui.owner = null;
  }
}

/** Sends the outbox (main.js calls it when the connection is back). */
export async function flushOutbox() {
  if (!ui || ui.owner !== api.owner()) return;
  await outbox.flush(ui.log, { ask, busy: () => !!current });
}

function build() {
  conversationId = null;
  const log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': t('chat.log'), tabindex: '0', onclick: toSource });
  const input = h('textarea', {
    id: 'chat-input', rows: '1', maxlength: '4000', placeholder: t('chat.placeholder'), autocomplete: 'off',
    onkeydown: (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); ui.form.requestSubmit(); }
    },
    oninput: () => grow(input),
  });
  const send = h('button', { type: 'submit', class: 'primary', 'aria-label': t('chat.send') }, t('chat.send'));
  const stop = h('button', { type: 'button', class: 'danger', hidden: true, onclick: stopAnswer, 'aria-label': t('chat.stop') }, icon('stop'), t('chat.stop'));
  const form = h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); submit(); } },
    h('label', { for: 'chat-input', class: 'sr-only' }, t('chat.input')), input, send, stop);
  const title = h('h2', { class: 'chat-title' }, t('chat.title'));
  const newBtn = h('button', { type: 'button', class: 'ghost', onclick: newChat }, '+ ', t('chat.new'));
  const root = h('section', { class: 'chat', 'aria-labelledby': 'chat-h' },
    h('div', { class: 'chat-head' }, title, newBtn),
    log, form);
  title.id = 'chat-h';
  ui = { root, owner: api.owner(), log, form, input, send, stop, title, newBtn };
  empty();
}

/** The transcript outlives the view: its static labels follow the current language. */
function labels() {
  ui.log.setAttribute('aria-label', t('chat.log'));
  ui.input.placeholder = t('chat.placeholder');
  ui.form.querySelector('label').textContent = t('chat.input');
  ui.send.textContent = t('chat.send');
  ui.stop.lastChild.textContent = t('chat.stop');
  ui.stop.setAttribute('aria-label', t('chat.stop'));
  ui.send.setAttribute('aria-label', t('chat.send'));
  ui.newBtn.lastChild.textContent = t('chat.new');
  if (!ui.titled) ui.title.textContent = t('chat.title');
  if (ui.log.querySelector('.empty')) empty();
}

function empty() {
  ui.log.replaceChildren(emptyState((q) => { ui.input.value = q; submit(); }));
}

function newChat() {
  if (current) stopAnswer();
  conversationId = null;
  ui.titled = false;
  ui.title.textContent = t('chat.title');
  empty();
  history.replaceState(null, '', '#/chat');
  ui.input.focus();
}

function streaming(on) {
  ui.send.hidden = on;
  ui.stop.hidden = !on;
  ui.root.classList.toggle('is-streaming', on);
  if (!on && document.activeElement === document.body) ui.input.focus();
}

function stopAnswer() {
  if (current) current.ctrl.abort();
}

async function submit() {
  const q = ui.input.value.trim();
  if (!q || current) return;
  ui.input.value = '';
  grow(ui.input);
  const item = { id: rid(), owner: api.owner(), query: q, conversation_id: conversationId, language: lang(), created_at: Date.now() };
  if (!navigator.onLine) return outbox.queue(item, userMessage(ui.log, q, true));
  await ask(item, userMessage(ui.log, q, false));
}

/** Streams the answer to `item` into the transcript. Resolves 'sent', 'queued' (kept in the outbox for
 * later: offline, or the server busy) or 'failed' (refused: retrying would not help). */
async function ask(item, userEl) {
  const m = answerView(ui.log);
  addToLog(ui.log, m.el);
  const ctrl = new AbortController();
  current = { ctrl, m };
  streaming(true);
  const t0 = performance.now();
  let first = 0;
  let accepted = false;
  const body = { query: item.query, session_id: api.visitorSession(), language: item.language || lang() };
  const conv = item.conversation_id || conversationId;
  if (conv) body.conversation_id = conv;
  try {
    await streamSSE('/bali-zero/chat-stream', {
      body,
      headers: api.authHeader,
      signal: ctrl.signal,
      onUnauthorized: api.refresh,
      waitOnline: api.waitOnline,
      onRetry: () => { m.status.textContent = t('chat.reconnecting'); m.el.dataset.resumed = '1'; },
      onEvent: (ev) => {
        let d;
        try { d = JSON.parse(ev.data); } catch { return; }
        if (!accepted) {
          accepted = true;
          api.noteNetwork(true);
          // The server has the question: it is no longer the outbox's to keep.
          if (userEl.dataset.outbox) outbox.release(userEl);
        }
        if (ev.event === 'meta') {
          if (d.message_id) { m.id = d.message_id; m.el.dataset.messageId = d.message_id; }
          if (d.conversation_id && d.conversation_id !== conversationId) {
            conversationId = d.conversation_id;
            if (location.hash.startsWith('#/chat')) history.replaceState(null, '', '#/chat/' + conversationId);
          }
          if (!ui.titled) { ui.title.textContent = item.query.slice(0, 80); ui.titled = true; }
        } else if (ev.event === 'token' && !first) {
          first = performance.now() - t0;
          metrics.ttft.push(Math.round(first));
          m.el.dataset.ttft = String(Math.round(first));
        }
        showEvent(m, ev.event, d, ui.log);
      },
    });
    finish(m, m.el.classList.contains('failed') ? 'failed' : 'done');
    if (isUser() && conversationId) refreshCache(conversationId);
  } catch (e) {
    if (e.name === 'AbortError') {
      m.status.textContent = t('chat.stopped');
      finish(m, 'stopped');
    } else if (!accepted && (e.name === 'NetworkError' || e.status >= 500 || e.status === 429)) {
      if (e.name === 'NetworkError') api.noteNetwork(false);
      m.el.remove();
      await outbox.queue(item, userEl);
      current = null;
      streaming(false);
      return 'queued';
    } else {
      outbox.release(userEl);
      m.status.textContent = t('chat.failed', { msg: e.message });
      m.el.classList.add('failed');
      finish(m, 'failed');
    }
  } finally {
    if (current && current.m === m) current = null;
    streaming(false);
  }
  return userEl.dataset.outbox ? 'queued' : 'sent';
}

async function refreshCache(id) {
  const owner = api.owner();
  try {
    const conv = await api.request('/api/conversations/' + id);
    if (owner === api.owner()) await db.cacheConversation(owner, conv); // not after the session ended
  } catch { /* the cache catches up next time */ }
}

/** Opens a past conversation: from the API, or from this device's copy when offline. */
async function open(id) {
  if (current) stopAnswer();
  conversationId = id;
  ui.log.replaceChildren(h('p', { class: 'loading' }, t('loading')));
  let conv = null;
  let offline = false;
  const owner = api.owner();
  try {
    conv = await api.request('/api/conversations/' + encodeURIComponent(id));
    if (owner === api.owner()) db.cacheConversation(owner, conv).catch(() => {});
  } catch (e) {
    if (e.name !== 'NetworkError') {
      ui.log.replaceChildren(h('p', { class: 'error', role: 'alert' }, t('error.generic', { msg: e.message })));
      return;
    }
    conv = await db.get('conversations', api.owner() + '|' + id).catch(() => null);
    offline = true;
  }
  if (!conv || !conv.messages) {
    ui.log.replaceChildren(h('p', { class: 'error', role: 'alert' }, t('chat.not_cached')));
    return;
  }
  ui.title.textContent = conv.title || t('chat.title');
  ui.titled = true;
  showConversation(ui.log, conv, offline);
}

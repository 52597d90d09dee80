// Chat: answers stream in token by token over one SSE client (sse.js), with stop, resume after a dropped
// connection (Last-Event-ID), citations, tool results, model/provider and retrieval mode, copy and feedback.
// The transcript survives view changes; messages typed offline go to the IndexedDB outbox and are sent,
// in order, when the connection is back.
import { h, rid, icon } from '../dom.js';
import * as api from '../api.js';
import * as db from '../idb.js';
import { t, lang } from '../i18n.js';
import { streamSSE } from '../sse.js';
import { render, toPlain } from '../markdown.js';
import { segments, idr } from '../text.js';

let ui = null; // {root, owner, log, form, input, send, stop, title}
let conversationId = null;
let current = null; // the answer being streamed: {ctrl, m}
let flushing = false;
const metrics = (globalThis.__nz = globalThis.__nz || { ttft: [] });

const isUser = () => !!api.user();

export async function mount(container, [id], app) {
  if (!ui || ui.owner !== api.owner()) build();
  labels();
  container.append(ui.root);
  if (id && id !== conversationId) await open(id);
  else if (!id && conversationId) history.replaceState(null, '', '#/chat/' + conversationId);
  await showOutbox();
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

/** A citation [n] moves to its source (without touching the route in the URL). */
function toSource(e) {
  const a = e.target.closest && e.target.closest('a.cite');
  if (!a) return;
  e.preventDefault();
  const el = document.getElementById(a.getAttribute('href').slice(1));
  if (!el) return;
  const d = el.closest('details');
  if (d) d.open = true;
  el.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  el.focus({ preventScroll: true });
  el.classList.add('flash');
  setTimeout(() => el.classList.remove('flash'), 1500);
}

function grow(el) {
  el.style.height = '';
  if (!el.value) return;
  el.style.height = 'auto';
  el.style.height = Math.min(el.scrollHeight, 200) + 'px';
}

function empty() {
  const ex = [t('chat.ex1'), t('chat.ex2'), t('chat.ex3')];
  ui.log.replaceChildren(h('div', { class: 'empty' },
    h('p', null, t('chat.empty')),
    h('ul', { class: 'chips' }, ex.map((q) => h('li', null, h('button', { type: 'button', class: 'chip', onclick: () => { ui.input.value = q; submit(); } }, q))))));
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

function scroll() {
  const l = ui.log;
  if (l.scrollHeight - l.scrollTop - l.clientHeight < 160) l.scrollTop = l.scrollHeight;
}

function addToLog(el) {
  const e = ui.log.querySelector('.empty');
  if (e) e.remove();
  ui.log.append(el);
  ui.log.scrollTop = ui.log.scrollHeight;
}

function userMessage(text, queued) {
  const el = h('article', { class: 'msg user', 'aria-label': t('chat.you') },
    h('p', { class: 'text' }, text),
    queued ? h('p', { class: 'badge queued' }, icon('clock'), ' ', t('chat.queued')) : null);
  addToLog(el);
  return el;
}

/** The view of one answer, filled as events arrive. */
function answerView() {
  const meta = h('p', { class: 'meta' });
  const tools = h('div', { class: 'tool-calls' });
  const body = h('div', { class: 'body' });
  const sources = h('div', { class: 'sources-wrap' });
  const status = h('p', { class: 'status', role: 'status' });
  const actions = h('div', { class: 'actions' });
  const el = h('article', { class: 'msg bot', 'aria-label': t('chat.assistant'), 'aria-busy': 'true' }, meta, tools, body, sources, status, actions);
  const m = { el, meta, tools, body, sources, status, actions, text: '', id: null, info: {}, frame: 0 };
  m.cite = (n) => (m.id ? '#src-' + m.id + '-' + n : null);
  m.draw = () => {
    m.frame = 0;
    body.replaceChildren(render(m.text, document, { citeHref: m.cite, citeLabel: t('chat.source') }));
    scroll();
  };
  m.append = (s) => {
    m.text += s;
    if (!m.frame) m.frame = requestAnimationFrame(m.draw);
  };
  return m;
}

function showMeta(m) {
  const i = m.info;
  const parts = [];
  if (i.model) parts.push(h('span', { class: 'model', title: t('chat.model') }, i.model));
  if (i.provider) parts.push(h('span', { class: 'provider' }, i.provider));
  if (i.retrieval_mode) parts.push(h('span', { class: 'mode', title: i.retrieval_notice || '' }, t('chat.retrieval', { mode: i.retrieval_mode })));
  if (i.fallbacks) parts.push(h('span', null, t('chat.fallbacks', { n: i.fallbacks })));
  if (i.answerable === false) parts.push(h('span', { class: 'unanswered' }, t('chat.unanswered')));
  else if (typeof i.confidence === 'number') parts.push(h('span', { class: 'confidence' }, t('chat.confidence', { pct: Math.round(i.confidence * 100) })));
  if (i.latency_ms != null) parts.push(h('span', null, i.latency_ms + ' ms'));
  m.meta.replaceChildren(...parts);
}

function docRoute(link) {
  const id = String(link || '').replace(/^\/api\/documents\//, '');
  return '#/doc/' + id;
}

export function sourceList(m, list) {
  if (!list || !list.length) return;
  const items = list.map((s) => h('li', { id: m.id ? 'src-' + m.id + '-' + s.n : null, tabindex: '-1', class: 'source' },
    h('div', { class: 'src-head' },
      h('span', { class: 'n' }, '[' + s.n + ']'),
      s.document_link ? h('a', { href: docRoute(s.document_link) }, s.label || s.title) : h('span', null, s.label || s.title),
      s.collection ? h('span', { class: 'tag' }, s.collection.replace(/_/g, ' ')) : null),
    s.snippet ? h('p', { class: 'snippet' }, segments(s.snippet, s.highlights).map((seg) => (seg.mark ? h('mark', null, seg.text) : seg.text))) : null,
    s.document_link ? h('a', { class: 'raw', href: s.document_link + '?raw=1', target: '_blank', rel: 'noopener noreferrer' }, t('chat.raw'), ' ↗') : null));
  m.sources.replaceChildren(h('details', { class: 'sources', open: true },
    h('summary', null, t('chat.sources', { n: list.length })), h('ol', null, items)));
}

function table(head, rows, foot) {
  return h('table', null,
    h('thead', null, h('tr', null, head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, rows.map((r) => h('tr', null, r.map((c, i) => (i ? h('td', null, c) : h('th', { scope: 'row' }, c)))))),
    foot ? h('tfoot', null, h('tr', null, foot.map((c, i) => (i ? h('td', null, c) : h('th', { scope: 'row' }, c))))) : null);
}

/** A tool call shown inline: price tables for pricing and quotes, the summary for the rest. */
export function toolCard(ev) {
  const name = ev.name;
  const title = t('tool.' + name, null, name);
  if (ev.ok === false) {
    const msg = (ev.error && (ev.error.message || ev.error)) || '';
    return h('div', { class: 'tool failed' }, h('p', null, t('tool.failed', { name: title, msg })));
  }
  const v = ev.result;
  const L = lang();
  let content = null;
  if (name === 'get_pricing' && v && Array.isArray(v.services)) {
    content = v.services.map((s) => h('div', { class: 'price' },
      table([s.name + (s.code && !String(s.name).includes(s.code) ? ' (' + s.code + ')' : ''), t('tool.price')], [
        [t('tool.fee'), s.price_idr != null ? (s.price_is_minimum ? t('tool.from', { p: idr(s.price_idr, L) }) : idr(s.price_idr, L)) : t('tool.on_request')],
        ...(s.extension_idr != null ? [[t('tool.extension'), idr(s.extension_idr, L)]] : []),
        ...(s.duration ? [[t('tool.duration'), s.duration]] : []),
        ...(s.details || []).filter((d) => !/^(price|duration|validity|extension)$/i.test(d.label)).map((d) => [d.label, d.value]),
      ])));
  } else if (name === 'calculate_quote' && v && Array.isArray(v.lines)) {
    content = h('div', { class: 'price' }, table([t('tool.service'), t('tool.qty'), t('tool.amount')],
      v.lines.map((l) => [l.service + (l.description ? ' — ' + l.description : ''), '× ' + l.quantity, idr(l.amount_idr, L)]),
      [t('tool.total'), '', idr(v.total_idr, L) + (v.minimums ? ' +' : '')]));
  } else if (ev.summary) {
    content = h('p', { class: 'pre' }, ev.summary);
  }
  const open = name === 'get_pricing' || name === 'calculate_quote' || name === 'save_memory';
  return h('details', { class: 'tool tool-' + name, open }, h('summary', null, icon('tool'), ' ', title), content);
}

function actionsFor(m) {
  const copy = h('button', { type: 'button', class: 'ghost small', 'aria-label': t('chat.copy'), onclick: async () => {
    try { await navigator.clipboard.writeText(toPlain(m.text)); } catch {
      const ta = h('textarea', { class: 'sr-only' }, toPlain(m.text));
      document.body.append(ta); ta.select(); document.execCommand('copy'); ta.remove();
    }
    copy.replaceChildren(icon('check'), t('chat.copied'));
    setTimeout(() => copy.replaceChildren(icon('copy'), t('chat.copy')), 2000);
  } }, icon('copy'), t('chat.copy'));
  const kids = [copy];
  if (isUser() && m.id) {
    const vote = (value, label, name) => {
      const b = h('button', { type: 'button', class: 'ghost small vote', 'aria-label': label, 'aria-pressed': String(m.feedback === value), title: label, onclick: async () => {
        try {
          await api.request(`/api/messages/${m.id}/feedback`, { method: 'POST', body: { value } });
          m.feedback = value;
          for (const x of m.actions.querySelectorAll('.vote')) x.setAttribute('aria-pressed', String(x === b));
          m.status.textContent = t('chat.thanks');
        } catch (e) { m.status.textContent = t('error.generic', { msg: e.message }); }
      } }, icon(name));
      return b;
    };
    kids.push(vote(1, t('chat.good'), 'up'), vote(-1, t('chat.bad'), 'down'));
  }
  m.actions.replaceChildren(...kids);
}

function finish(m, state) {
  if (m.frame) { cancelAnimationFrame(m.frame); m.draw(); }
  m.el.setAttribute('aria-busy', 'false');
  m.el.dataset.state = state;
  showMeta(m);
  actionsFor(m);
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
  if (!navigator.onLine) return queue(item, userMessage(q, true));
  await ask(item, userMessage(q, false));
}

async function queue(item, el) {
  el.dataset.outbox = item.id;
  if (!el.querySelector('.queued')) el.append(h('p', { class: 'badge queued' }, icon('clock'), ' ', t('chat.queued')));
  if (item.owner === api.owner()) await db.put('outbox', item); // not after the session ended
}

/** Streams the answer to `item` into the transcript. Resolves 'sent', 'queued' (kept in the outbox for
 * later: offline, or the server busy) or 'failed' (refused: retrying would not help). */
async function ask(item, userEl) {
  const m = answerView();
  addToLog(m.el);
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
          if (userEl.dataset.outbox) {
            db.del('outbox', userEl.dataset.outbox).catch(() => {});
            delete userEl.dataset.outbox;
            const b = userEl.querySelector('.queued');
            if (b) b.remove();
          }
        }
        if (ev.event === 'meta') {
          if (d.message_id) { m.id = d.message_id; m.el.dataset.messageId = d.message_id; }
          if (d.conversation_id && d.conversation_id !== conversationId) {
            conversationId = d.conversation_id;
            if (location.hash.startsWith('#/chat')) history.replaceState(null, '', '#/chat/' + conversationId);
          }
          if (!ui.titled) { ui.title.textContent = item.query.slice(0, 80); ui.titled = true; }
          Object.assign(m.info, d.fallback ? {} : d);
          showMeta(m);
        } else if (ev.event === 'tool') {
          m.tools.append(toolCard(d));
          scroll();
        } else if (ev.event === 'token') {
          if (!first) {
            first = performance.now() - t0;
            metrics.ttft.push(Math.round(first));
            m.el.dataset.ttft = String(Math.round(first));
          }
          if (m.status.textContent) m.status.textContent = '';
          m.append(d.text || '');
        } else if (ev.event === 'sources') {
          sourceList(m, d.sources);
        } else if (ev.event === 'done') {
          Object.assign(m.info, { model: d.model, provider: d.provider, fallbacks: d.fallbacks, latency_ms: d.latency_ms, answerable: d.answerable, confidence: d.confidence });
          if (d.message_id) m.id = d.message_id;
          if (m.status.textContent === t('chat.reconnecting')) m.status.textContent = '';
        } else if (ev.event === 'error') {
          m.status.textContent = t('chat.failed', { msg: d.message || d.code });
          m.el.classList.add('failed');
        }
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
      await queue(item, userEl);
      current = null;
      streaming(false);
      return 'queued';
    } else {
      if (userEl.dataset.outbox) { db.del('outbox', userEl.dataset.outbox).catch(() => {}); delete userEl.dataset.outbox; }
      const b = userEl.querySelector('.queued');
      if (b) b.remove();
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

/** Shows queued messages (after a reload they are only in IndexedDB). */
async function showOutbox() {
  let items = [];
  try { items = await db.owned('outbox', api.owner()); } catch { return; }
  items.sort((a, b) => a.created_at - b.created_at);
  for (const it of items) {
    if (!ui.log.querySelector(`[data-outbox="${it.id}"]`)) {
      const el = userMessage(it.query, true);
      el.dataset.outbox = it.id;
    }
  }
}

/** Sends the outbox, oldest first, one at a time; stops at the first that cannot go. */
export async function flushOutbox() {
  if (flushing || !ui || ui.owner !== api.owner()) return;
  flushing = true;
  try {
    await showOutbox();
    for (;;) {
      if (!navigator.onLine) break;
      while (current) await new Promise((r) => setTimeout(r, 200));
      const items = (await db.owned('outbox', api.owner())).sort((a, b) => a.created_at - b.created_at);
      if (!items.length) break;
      const it = items[0];
      const el = ui.log.querySelector(`[data-outbox="${it.id}"]`);
      if (!el) break;
      const badge = el.querySelector('.queued');
      if (badge) badge.lastChild.textContent = t('chat.sending');
      if ((await ask(it, el)) === 'queued') break;
    }
  } finally {
    flushing = false;
  }
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
  ui.log.replaceChildren();
  if (offline) ui.log.append(h('p', { class: 'badge offline-copy' }, t('chat.offline_copy')));
  for (const msg of conv.messages) {
    if (msg.role === 'user') { userMessage(msg.content, false); continue; }
    if (msg.role !== 'assistant') continue;
    const m = answerView();
    m.id = msg.id;
    m.feedback = msg.feedback;
    m.el.dataset.messageId = msg.id;
    m.text = msg.content || '';
    m.info = { model: msg.model, latency_ms: msg.latency_ms };
    for (const tc of msg.tool_calls || []) m.tools.append(toolCard(tc));
    m.draw();
    sourceList(m, msg.sources);
    if (msg.status === 'failed') m.status.textContent = t('chat.failed', { msg: '' });
    addToLog(m.el);
    finish(m, msg.status === 'failed' ? 'failed' : 'done');
  }
}

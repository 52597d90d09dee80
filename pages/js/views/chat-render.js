// Chat rendering: the transcript's pieces as DOM (never innerHTML): the question, the answer filled as SSE
// events arrive (text, tool cards, sources, model and retrieval mode, copy and feedback), a past conversation.
// No state of its own: the controller (chat.js) passes the transcript's log element.
import { h, icon } from '../dom.js';
import * as api from '../api.js';
import { t, lang } from '../i18n.js';
import { render, toPlain } from '../markdown.js';
import { segments, idr } from '../text.js';

/** A citation [n] moves to its source (without touching the route in the URL). */
export function toSource(e) {
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

export function grow(el) {
  el.style.height = '';
  if (!el.value) return;
  el.style.height = 'auto';
  el.style.height = Math.min(el.scrollHeight, 200) + 'px';
}

/** The empty transcript: a line and example questions; `pick(q)` asks one. */
export function emptyState(pick) {
  const ex = [t('chat.ex1'), t('chat.ex2'), t('chat.ex3')];
  return h('div', { class: 'empty' },
    h('p', null, t('chat.empty')),
    h('ul', { class: 'chips' }, ex.map((q) => h('li', null, h('button', { type: 'button', class: 'chip', onclick: () => pick(q) }, q)))));
}

/** Follows the answer down, unless the reader scrolled up. */
export function scroll(log) {
  if (log.scrollHeight - log.scrollTop - log.clientHeight < 160) log.scrollTop = log.scrollHeight;
}

export function addToLog(log, el) {
  const e = log.querySelector('.empty');
  if (e) e.remove();
  log.append(el);
  log.scrollTop = log.scrollHeight;
}

/** The badge of a message waiting in the outbox. */
export const queuedBadge = () => h('p', { class: 'badge queued' }, icon('clock'), ' ', t('chat.queued'));

export function userMessage(log, text, queued) {
  const el = h('article', { class: 'msg user', 'aria-label': t('chat.you') },
    h('p', { class: 'text' }, text),
    queued ? queuedBadge() : null);
  addToLog(log, el);
  return el;
}

/** The view of one answer, filled as events arrive. */
export function answerView(log) {
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
    scroll(log);
  };
  m.append = (s) => {
    m.text += s;
    if (!m.frame) m.frame = requestAnimationFrame(m.draw);
  };
  return m;
}

/** One SSE event of the answer `m` (after `meta` the controller has done its part: conversation and title). */
export function showEvent(m, event, d, log) {
  if (event === 'meta') {
    Object.assign(m.info, d.fallback ? {} : d);
    showMeta(m);
  } else if (event === 'tool') {
    m.tools.append(toolCard(d));
    scroll(log);
  } else if (event === 'token') {
    if (m.status.textContent) m.status.textContent = '';
    m.append(d.text || '');
  } else if (event === 'sources') {
    sourceList(m, d.sources);
  } else if (event === 'done') {
    Object.assign(m.info, { model: d.model, provider: d.provider, fallbacks: d.fallbacks, latency_ms: d.latency_ms, answerable: d.answerable, confidence: d.confidence });
    if (d.message_id) m.id = d.message_id;
    if (m.status.textContent === t('chat.reconnecting')) m.status.textContent = '';
  } else if (event === 'error') {
    m.status.textContent = t('chat.failed', { msg: d.message || d.code });
    m.el.classList.add('failed');
  }
}

function showMeta(m) {
  const i = m.info;
  const parts = [];
  if (i.model) parts.push(h('span', { class: 'model', title: t('chat.model') }, i.model));
  if (i.provider) parts.push(h('span', { class: 'provider' }, i.provider));
  // `none`: a greeting or thanks, answered without a search.
  if (i.retrieval_mode && i.retrieval_mode !== 'none') parts.push(h('span', { class: 'mode', title: i.retrieval_notice || '' }, t('chat.retrieval', { mode: i.retrieval_mode })));
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
  if (api.user() && m.id) {
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

/** The answer is over (`done`, `failed` or `stopped`): last frame, meta, copy and feedback. */
export function finish(m, state) {
  if (m.frame) { cancelAnimationFrame(m.frame); m.draw(); }
  m.el.setAttribute('aria-busy', 'false');
  m.el.dataset.state = state;
  showMeta(m);
  actionsFor(m);
}

/** A past conversation into the (emptied) log; `offline` marks it as this device's copy. */
export function showConversation(log, conv, offline) {
  log.replaceChildren();
  if (offline) log.append(h('p', { class: 'badge offline-copy' }, t('chat.offline_copy')));
  for (const msg of conv.messages) {
    if (msg.role === 'user') { userMessage(log, msg.content, false); continue; }
    if (msg.role !== 'assistant') continue;
    const m = answerView(log);
    m.id = msg.id;
    m.feedback = msg.feedback;
    m.el.dataset.messageId = msg.id;
    m.text = msg.content || '';
    m.info = { model: msg.model, latency_ms: msg.latency_ms };
    for (const tc of msg.tool_calls || []) m.tools.append(toolCard(tc));
    m.draw();
    sourceList(m, msg.sources);
    if (msg.status === 'failed') m.status.textContent = t('chat.failed', { msg: '' });
    addToLog(log, m.el);
    finish(m, msg.status === 'failed' ? 'failed' : 'done');
  }
}

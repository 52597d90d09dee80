// Knowledge-base search (collection filter, highlighted snippets, numbered citations) and the document
// view (title, metadata, passages, link to the source file).
import { h } from '../dom.js';
import * as api from '../api.js';
import { t } from '../i18n.js';
import { segments } from '../text.js';
import { render } from '../markdown.js';

const state = { q: '', collection: '', collections: null, result: null };

export async function mount(root, params, app) {
  const q = h('input', { id: 'kb-q', type: 'search', value: state.q, required: true, maxlength: '2000', autocomplete: 'off', placeholder: t('kb.placeholder') });
  const sel = h('select', { id: 'kb-col' }, h('option', { value: '' }, t('kb.all')));
  const status = h('p', { class: 'muted', role: 'status', id: 'kb-status' });
  const results = h('ol', { class: 'results', 'aria-labelledby': 'kb-h' });
  const form = h('form', { class: 'card search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); run(); } },
    h('div', { class: 'field grow' }, h('label', { for: 'kb-q' }, t('kb.query')), q),
    h('div', { class: 'field' }, h('label', { for: 'kb-col' }, t('kb.collection')), sel),
    h('button', { type: 'submit', class: 'primary' }, t('kb.go')));
  root.append(h('h2', { id: 'kb-h' }, t('kb.title')), form, status, results);

  async function run() {
    state.q = q.value.trim();
    state.collection = sel.value;
    if (!state.q) { q.focus(); return; }
    status.textContent = t('loading');
    results.setAttribute('aria-busy', 'true');
    try {
      const body = { query: state.q, top_k: 10 };
      if (state.collection) body.collections = [state.collection];
      state.result = await api.request('/api/search', { method: 'POST', body });
      show();
    } catch (e) {
      status.textContent = e.name === 'NetworkError' ? t('error.offline') : t('error.generic', { msg: e.message });
    }
    results.setAttribute('aria-busy', 'false');
  }

  function show() {
    const r = state.result;
    if (!r) return;
    status.textContent = (r.results.length ? t('kb.results', { n: r.results.length }) : t('kb.none'))
      + ' · ' + t('chat.retrieval', { mode: r.mode }) + (r.notice ? ' (' + r.notice + ')' : '');
    results.replaceChildren(...r.results.map((x, i) => {
      const c = x.citation || {};
      const doc = '#/doc/' + String(c.document_link || '').replace(/^\/api\/documents\//, '');
      return h('li', { class: 'result card' },
        h('div', { class: 'src-head' },
          h('span', { class: 'n', 'aria-hidden': 'true' }, '[' + (i + 1) + ']'),
          h('h3', null, h('a', { href: doc }, c.title || x.chunk_id)),
          h('span', { class: 'tag' }, (x.collection || '').replace(/_/g, ' '))),
        c.section ? h('p', { class: 'muted small' }, c.section) : null,
        h('p', { class: 'snippet' }, segments(x.snippet.text, x.snippet.highlights).map((s) => (s.mark ? h('mark', null, s.text) : s.text))),
        h('p', { class: 'cite-line small' },
          h('span', { class: 'muted' }, t('kb.cite') + ' '), h('cite', null, c.label || c.title),
          c.document_link ? [' · ', h('a', { href: c.document_link + '?raw=1', target: '_blank', rel: 'noopener noreferrer' }, t('chat.raw'), ' ↗')] : null,
          c.url && /^https?:\/\//i.test(c.url) ? [' · ', h('a', { href: c.url, target: '_blank', rel: 'noopener noreferrer' }, t('kb.official'), ' ↗')] : null));
    }));
  }

  try {
    if (!state.collections) state.collections = (await api.request('/api/collections')).collections;
    for (const c of state.collections) {
      sel.append(h('option', { value: c.name, title: c.description || '' }, c.name.replace(/_/g, ' ') + ' (' + c.documents + ')'));
    }
    sel.value = state.collection;
  } catch { /* offline: "all collections" still works once back */ }
  show();
}

export async function mountDoc(root, [id], app) {
  root.append(h('p', null, h('a', { href: '#/search', class: 'back' }, '← ', t('kb.back'))));
  const head = h('h2', null, t('loading'));
  root.append(head);
  let doc;
  try {
    doc = await api.request('/api/documents/' + encodeURIComponent(id));
  } catch (e) {
    head.textContent = t('kb.title');
    root.append(h('p', { class: 'error', role: 'alert' }, e.name === 'NetworkError' ? t('error.offline') : t('error.generic', { msg: e.message })));
    return;
  }
  head.textContent = doc.title || id;
  const raw = doc.source_link || '/api/documents/' + encodeURIComponent(id) + '?raw=1';
  const facts = [
    [t('kb.collection'), doc.collection],
    [t('kb.authority'), doc.authority],
    [t('kb.passages'), doc.chunk_count],
  ].filter(([, v]) => v != null && v !== '');
  root.append(
    h('dl', { class: 'facts-dl' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, String(v))])),
    h('p', null, h('a', { class: 'button', href: raw, target: '_blank', rel: 'noopener noreferrer' }, t('chat.raw'), ' ↗'),
      doc.url && /^https?:\/\//i.test(doc.url) ? [' ', h('a', { class: 'button ghost', href: doc.url, target: '_blank', rel: 'noopener noreferrer' }, t('kb.official'), ' ↗')] : null),
    h('ol', { class: 'chunks' }, (doc.chunks || []).map((c) => h('li', { class: 'card chunk' },
      c.section ? h('h3', null, c.section) : null,
      h('div', { class: 'body' }, render(c.text, document))))));
}

// Memory: the user's conversations (search, open, export JSON/Markdown, delete; the list is cached on this
// device and shown offline) and the facts Nuzantara remembers about them (add, edit, delete).
import { h, download, debounce } from '../dom.js';
import * as api from '../api.js';
import * as db from '../idb.js';
import { t, lang } from '../i18n.js';
import { date } from '../text.js';
import { whatsAppCard } from './whatsapp-list.js';

export async function mount(root, params, app) {
  const list = h('ul', { class: 'list convs', 'aria-live': 'polite', 'aria-busy': 'true' });
  const note = h('p', { class: 'muted', role: 'status' });
  const q = h('input', { id: 'conv-q', type: 'search', autocomplete: 'off', placeholder: t('mem.search') });
  const facts = h('ul', { class: 'list facts' });
  const factInput = h('input', { id: 'fact-new', type: 'text', minlength: '3', maxlength: '500', required: true, placeholder: t('mem.fact_new') });
  const factError = h('p', { class: 'error', role: 'alert' });

  root.append(
    h('h2', null, t('mem.title')),
    h('div', { class: 'grid-2' },
      h('section', { class: 'card', 'aria-labelledby': 'conv-h' },
        h('h3', { id: 'conv-h' }, t('mem.conversations')),
        h('form', { class: 'row', role: 'search', onsubmit: (e) => { e.preventDefault(); load(); } },
          h('label', { for: 'conv-q', class: 'sr-only' }, t('mem.search')), q),
        note, list),
      h('section', { class: 'card', 'aria-labelledby': 'facts-h' },
        h('h3', { id: 'facts-h' }, t('mem.facts')),
        h('form', { class: 'row', onsubmit: addFact },
          h('label', { for: 'fact-new', class: 'sr-only' }, t('mem.fact_new')), factInput,
          h('button', { type: 'submit', class: 'primary' }, t('mem.add'))),
        factError, facts)),
    // Team users also see the WhatsApp conversations (whatsapp-list.js).
    api.isTeam() ? whatsAppCard(app) : '');
  q.addEventListener('input', debounce(load, 250));

  async function load() {
    const term = q.value.trim();
    const owner = api.owner();
    list.setAttribute('aria-busy', 'true');
    let convs;
    try {
      const r = await api.request('/api/conversations?limit=50' + (term ? '&q=' + encodeURIComponent(term) : ''));
      convs = r.conversations;
      note.textContent = '';
      prefetch(owner, convs);
    } catch (e) {
      if (e.name !== 'NetworkError') { note.textContent = t('error.generic', { msg: e.message }); list.setAttribute('aria-busy', 'false'); return; }
      const low = term.toLowerCase();
      convs = (await db.owned('conversations', owner).catch(() => []))
        .filter((c) => !low || (c.title || '').toLowerCase().includes(low) || (c.messages || []).some((m) => (m.content || '').toLowerCase().includes(low)))
        .sort((a, b) => b.updated_at - a.updated_at);
      note.textContent = t('mem.offline_list');
    }
    list.replaceChildren(...(convs.length ? convs.map(row) : [h('li', { class: 'muted' }, t('mem.none'))]));
    list.setAttribute('aria-busy', 'false');
  }

  function row(c) {
    const title = c.title || c.id;
    const exp = (format) => h('button', { type: 'button', class: 'ghost small', 'aria-label': t('mem.export_' + format) + ': ' + title, onclick: () => exportConv(c, format) }, t('mem.export_' + format));
    return h('li', { class: 'conv', 'data-id': c.id },
      h('a', { href: '#/chat/' + c.id, class: 'conv-title' }, title),
      h('span', { class: 'muted small' }, date(c.updated_at, lang(), true), c.message_count != null ? ' · ' + t('mem.messages', { n: c.message_count }) : ''),
      h('div', { class: 'actions' }, exp('json'), exp('md'),
        h('button', { type: 'button', class: 'ghost small danger-text', 'aria-label': t('mem.delete') + ': ' + title, onclick: () => remove(c) }, t('mem.delete'))));
  }

  async function exportConv(c, format) {
    try {
      const res = await api.request(`/api/conversations/${c.id}/export?format=${format}`, { raw: true, headers: { Accept: '*/*' } });
      const cd = res.headers.get('Content-Disposition') || '';
      const m = /filename="([^"]+)"/.exec(cd);
      download(await res.blob(), m ? m[1] : `conversation-${c.id}.${format}`);
      app.toast(t('mem.exported'));
    } catch (e) {
      app.toast(e.name === 'NetworkError' ? t('error.offline') : t('error.generic', { msg: e.message }));
    }
  }

  async function remove(c) {
    if (!confirm(t('mem.confirm_delete', { title: c.title || c.id }))) return;
    try {
      await api.request('/api/conversations/' + c.id, { method: 'DELETE' });
      await db.del('conversations', api.owner() + '|' + c.id).catch(() => {});
      app.toast(t('mem.deleted'));
      load();
    } catch (e) {
      app.toast(e.name === 'NetworkError' ? t('error.offline') : t('error.generic', { msg: e.message }));
    }
  }

  async function loadFacts() {
    try {
      const r = await api.request('/api/memory');
      facts.replaceChildren(...(r.facts.length ? r.facts.map(factRow) : [h('li', { class: 'muted' }, t('mem.no_facts'))]));
    } catch (e) {
      facts.replaceChildren(h('li', { class: 'muted' }, e.name === 'NetworkError' ? t('error.offline') : t('error.generic', { msg: e.message })));
    }
  }

  function factRow(f) {
    const li = h('li', { class: 'fact', 'data-id': f.id });
    const show = () => li.replaceChildren(
      h('span', { class: 'fact-text' }, f.content),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'ghost small', 'aria-label': t('edit') + ': ' + f.content, onclick: edit }, t('edit')),
        h('button', { type: 'button', class: 'ghost small danger-text', 'aria-label': t('mem.delete') + ': ' + f.content, onclick: del }, t('mem.delete'))));
    const edit = () => {
      const id = 'fact-' + f.id;
      const input = h('input', { id, type: 'text', value: f.content, minlength: '3', maxlength: '500' });
      const err = h('p', { class: 'error', role: 'alert' });
      li.replaceChildren(h('form', { class: 'row', onsubmit: async (e) => {
        e.preventDefault();
        try {
          const r = await api.request('/api/memory/' + f.id, { method: 'PATCH', body: { content: input.value } });
          f.content = r.content;
          show();
          li.querySelector('button').focus();
        } catch (x) { err.textContent = x.message; }
      } }, h('label', { for: id, class: 'sr-only' }, t('edit')), input,
      h('button', { type: 'submit', class: 'primary small' }, t('save')),
      h('button', { type: 'button', class: 'ghost small', onclick: () => { show(); li.querySelector('button').focus(); } }, t('cancel'))), err);
      input.focus();
    };
    const del = async () => {
      try {
        await api.request('/api/memory/' + f.id, { method: 'DELETE' });
        li.remove();
        factInput.focus();
      } catch (e) { app.toast(t('error.generic', { msg: e.message })); }
    };
    show();
    return li;
  }

  async function addFact(e) {
    e.preventDefault();
    factError.textContent = '';
    try {
      await api.request('/api/memory', { method: 'POST', body: { content: factInput.value } });
      factInput.value = '';
      loadFacts();
    } catch (x) {
      factError.textContent = x.name === 'NetworkError' ? t('error.offline') : x.message;
    }
  }

  await Promise.all([load(), loadFacts()]);
}

/** Keeps the listed conversations (the 10 newest with their messages) readable offline. */
async function prefetch(owner, convs) {
  for (const [i, c] of convs.entries()) {
    if (owner !== api.owner()) return; // signed out meanwhile: nothing more is written
    try {
      const old = await db.get('conversations', owner + '|' + c.id);
      if (i < 10 && (!old || !old.messages || old.updated_at !== c.updated_at)) {
        await db.cacheConversation(owner, await api.request('/api/conversations/' + c.id));
      }
      await db.cacheConversation(owner, c);
    } catch { /* offline again, or gone: the cache stays as it was */ }
  }
}

// WhatsApp conversations for the team (issue 15), shown under the conversation list: each number with a
// "WhatsApp" badge, its client, the last message, and a take over / release button (while taken over the
// assistant does not answer that number). Opening one shows its messages. Kept small on purpose.
import { h } from '../dom.js';
import * as api from '../api.js';
import { t, lang } from '../i18n.js';
import { date } from '../text.js';

const tr = (key, vars) => t('wa.' + key, vars);

/** A card listing the WhatsApp conversations; `app.toast` reports failures. */
export function whatsAppCard(app) {
  const list = h('ul', { class: 'list wa-convs', 'aria-live': 'polite', 'aria-busy': 'true' });
  const card = h('section', { class: 'card', 'aria-labelledby': 'wa-h' },
    h('h3', { id: 'wa-h' }, tr('title')), list);

  async function load() {
    try {
      const r = await api.request('/api/whatsapp/conversations');
      list.replaceChildren(...(r.conversations.length ? r.conversations.map(row) : [h('li', { class: 'muted' }, tr('none'))]));
    } catch (e) {
      list.replaceChildren(h('li', { class: 'muted' }, e.name === 'NetworkError' ? t('error.offline') : t('error.generic', { msg: e.message })));
    }
    list.setAttribute('aria-busy', 'false');
  }

  function row(c) {
    const who = c.client_name || c.profile_name || c.phone;
    const held = !!c.taken_over_by;
    const messages = h('ol', { class: 'wa-messages', hidden: true });
    const toggle = async () => {
      if (!messages.hidden) { messages.hidden = true; return; }
      try {
        const r = await api.request('/api/whatsapp/conversations/' + encodeURIComponent(c.wa_id));
        messages.replaceChildren(...r.messages.map((m) => h('li', { class: 'msg ' + m.role }, h('span', { class: 'muted small' }, m.role === 'user' ? who : (m.model === 'consultant' ? tr('consultant') : 'Nuzantara')), ' ', m.content)));
        messages.hidden = false;
      } catch (e) { app.toast(t('error.generic', { msg: e.message })); }
    };
    const flip = async () => {
      try {
        await api.request(`/api/whatsapp/conversations/${encodeURIComponent(c.wa_id)}/${held ? 'release' : 'takeover'}`, { method: 'POST', body: {} });
        app.toast(held ? tr('released') : tr('taken'));
        load();
      } catch (e) { app.toast(t('error.generic', { msg: e.message })); }
    };
    return h('li', { class: 'wa-conv', 'data-wa-id': c.wa_id },
      h('button', { type: 'button', class: 'link conv-title', 'aria-expanded': 'false', onclick: async (e) => { await toggle(); e.currentTarget.setAttribute('aria-expanded', String(!messages.hidden)); } },
        h('span', { class: 'badge wa-badge' }, 'WhatsApp'), ' ', who),
      h('span', { class: 'muted small' }, c.phone, ' · ', date(c.last_message_at, lang(), true),
        held ? ' · ' + tr('held_by', { name: c.taken_over_by_name || '?' }) : ''),
      c.last_message ? h('span', { class: 'small wa-last' }, c.last_message.slice(0, 140)) : '',
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'ghost small', 'aria-label': (held ? tr('release') : tr('take_over')) + ': ' + who, onclick: flip },
          held ? tr('release') : tr('take_over'))),
      messages);
  }

  load();
  return card;
}

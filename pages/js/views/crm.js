// CRM for the team: clients (search, status and "mine" filters, paging), a client's detail (contact details
// with optimistic-concurrency edits, practices with the status moves the workflow allows, timeline with
// notes, documents with upload and download; new practices and payments: practice-forms.js), and renewals due.
import { h, debounce } from '../dom.js';
import * as api from '../api.js';
import { t, lang } from '../i18n.js';
import { idr, date } from '../text.js';
import { st, badge, errText, tabs } from './crm-common.js';
import { practiceForm, paymentForm } from './practice-forms.js';
import { loadDocs as docsCard } from './documents.js';

const CLIENT_STATUSES = ['lead', 'active', 'inactive', 'archived'];
const filters = { q: '', status: '', mine: false };

export async function mountList(root) {
  const q = h('input', { id: 'crm-q', type: 'search', value: filters.q, autocomplete: 'off', maxlength: '200' });
  const status = h('select', { id: 'crm-status' }, h('option', { value: '' }, t('crm.any')),
    CLIENT_STATUSES.map((s) => h('option', { value: s, selected: filters.status === s }, st(s))));
  const mine = h('input', { id: 'crm-mine', type: 'checkbox', checked: filters.mine });
  const list = h('ul', { class: 'list clients', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'ghost', hidden: true }, t('crm.load_more'));
  const note = h('p', { class: 'muted', role: 'status' });
  let cursor = null;
  root.append(h('h2', null, t('crm.title')), tabs('list'),
    h('form', { class: 'card filters', role: 'search', onsubmit: (e) => { e.preventDefault(); load(true); } },
      h('div', { class: 'field grow' }, h('label', { for: 'crm-q' }, t('crm.search')), q),
      h('div', { class: 'field' }, h('label', { for: 'crm-status' }, t('crm.status')), status),
      h('div', { class: 'field check' }, mine, h('label', { for: 'crm-mine' }, t('crm.mine')))),
    note, list, more);

  async function load(reset) {
    filters.q = q.value.trim();
    filters.status = status.value;
    filters.mine = mine.checked;
    const p = new URLSearchParams({ limit: '25' });
    if (filters.q) p.set('q', filters.q);
    if (filters.status) p.set('status', filters.status);
    if (filters.mine) p.set('consultant_id', 'me');
    if (!reset && cursor) p.set('cursor', cursor);
    try {
      const r = await api.request('/crm/clients?' + p);
      cursor = r.next_cursor;
      const rows = r.clients.map((c) => h('li', { class: 'client' },
        h('a', { href: '#/crm/client/' + c.id, class: 'conv-title' }, c.full_name),
        badge(c.status),
        h('span', { class: 'muted small' }, [c.company_name, c.email, c.consultant_name].filter(Boolean).join(' · '))));
      if (reset) list.replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, t('crm.none'))]));
      else list.append(...rows);
      more.hidden = !cursor;
      note.textContent = '';
    } catch (e) {
      note.textContent = errText(e);
    }
  }
  q.addEventListener('input', debounce(() => load(true), 250));
  status.addEventListener('change', () => load(true));
  mine.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));
  await load(true);
}

export async function mountRenewals(root) {
  const within = h('select', { id: 'ren-days' }, [30, 60, 90, 180].map((n) => h('option', { value: String(n) }, t('crm.days', { n }))));
  const out = h('div', { 'aria-live': 'polite' });
  root.append(h('h2', null, t('crm.renewals')), tabs('renewals'),
    h('div', { class: 'card filters' }, h('div', { class: 'field' }, h('label', { for: 'ren-days' }, t('crm.within')), within)), out);
  const row = (p, extra) => h('li', { class: 'renewal' },
    h('a', { href: '#/crm/client/' + p.client_id, class: 'conv-title' }, p.client_name || p.client_id),
    h('span', null, p.type_name || p.type_code), badge(p.status), h('span', { class: 'muted small' }, extra));
  async function load() {
    try {
      const r = await api.request('/crm/practices/renewals?within_days=' + within.value);
      out.replaceChildren(
        h('section', { class: 'card' }, h('h3', null, t('crm.expiring')),
          r.renewals.length
            ? h('ul', { class: 'list' }, r.renewals.map((p) => row(p, t('crm.expires', { d: date(p.expiry_date, lang()), n: p.days_left }))))
            : h('p', { class: 'muted' }, t('crm.no_renewals'))),
        h('section', { class: 'card' }, h('h3', null, t('crm.overdue')),
          r.overdue.length
            ? h('ul', { class: 'list' }, r.overdue.map((p) => row(p, t('crm.late', { n: p.days_overdue }))))
            : h('p', { class: 'muted' }, t('crm.no_overdue'))));
    } catch (e) {
      out.replaceChildren(h('p', { class: 'error', role: 'alert' }, errText(e)));
    }
  }
  within.addEventListener('change', load);
  await load();
}

export async function mountClient(root, [id], app) {
  const head = h('h2', null, t('loading'));
  root.append(h('p', null, h('a', { href: '#/crm', class: 'back' }, '← ', t('crm.back'))), head);
  let client;
  try {
    client = await api.request('/crm/clients/' + id);
  } catch (e) {
    head.textContent = t('crm.title');
    root.append(h('p', { class: 'error', role: 'alert' }, errText(e)));
    return;
  }
  const summary = h('div', { class: 'client-summary' });
  const details = h('section', { class: 'card', 'aria-labelledby': 'cd-h' });
  const practices = h('section', { class: 'card', 'aria-labelledby': 'cp-h' });
  const timeline = h('section', { class: 'card', 'aria-labelledby': 'ct-h' });
  const docs = h('section', { class: 'card', 'aria-labelledby': 'cdoc-h' });
  root.append(summary, h('div', { class: 'grid-2' }, h('div', null, practices, docs), h('div', null, timeline, details)));

  function showDetails(open = false) {
    head.textContent = client.full_name;
    summary.replaceChildren(badge(client.status), ...[client.company_name, client.email, client.phone, client.nationality,
      client.consultant_name ? t('crm.consultant') + ': ' + client.consultant_name : null].filter(Boolean).map((x) => h('span', null, x)));
    const fields = [
      ['status', 'select'], ['email', 'email'], ['phone', 'tel'], ['whatsapp', 'tel'],
      ['nationality', 'text'], ['company_name', 'text'], ['notes', 'textarea'],
    ];
    const msg = h('p', { class: 'muted', role: 'status' });
    const inputs = {};
    const form = h('form', { class: 'details-form', onsubmit: async (e) => {
      e.preventDefault();
      const body = { version: client.version };
      for (const [k] of fields) {
        const v = inputs[k].value.trim();
        if (v !== (client[k] || '')) body[k] = v;
      }
      if (Object.keys(body).length === 1) { msg.textContent = t('crm.saved'); return; }
      try {
        client = await api.request('/crm/clients/' + id, { method: 'PATCH', body });
        showDetails(true);
        details.querySelector('[role=status]').textContent = t('crm.saved');
      } catch (x) {
        if (x.status === 409) {
          client = await api.request('/crm/clients/' + id);
          showDetails(true);
          details.querySelector('[role=status]').textContent = t('crm.conflict');
        } else msg.textContent = errText(x);
      }
    } });
    for (const [k, type] of fields) {
      const fid = 'cf-' + k;
      let input;
      if (type === 'select') input = h('select', { id: fid }, CLIENT_STATUSES.map((s) => h('option', { value: s, selected: client.status === s }, st(s))));
      else if (type === 'textarea') input = h('textarea', { id: fid, rows: '3', maxlength: '4000' }, client[k] || '');
      else input = h('input', { id: fid, type, value: client[k] || '', autocomplete: 'off' });
      inputs[k] = input;
      form.append(h('div', { class: 'field' }, h('label', { for: fid }, t('crm.f_' + k)), input));
    }
    form.append(h('button', { type: 'submit', class: 'primary' }, t('save')), msg);
    details.replaceChildren(h('details', { open },
      h('summary', null, h('h3', { id: 'cd-h', class: 'inline' }, t('crm.details'))), form));
  }

  async function loadPractices() {
    const out = [h('h3', { id: 'cp-h' }, t('crm.practices')), practiceForm(id, (p) => {
      app.toast(t('pf.created', { name: p.type_name || p.type_code }));
      Promise.all([loadPractices(), loadTimeline()]).then(() => practices.querySelector(`[data-id="${p.id}"]`)?.focus());
    })];
    try {
      const r = await api.request('/crm/practices?limit=100&client_id=' + id);
      out.push(r.practices.length ? h('ul', { class: 'list' }, r.practices.map(practiceRow)) : h('p', { class: 'muted' }, t('crm.no_practices')));
    } catch (e) { out.push(h('p', { class: 'error' }, errText(e))); }
    practices.replaceChildren(...out);
  }

  function practiceRow(p) {
    const msg = h('p', { class: 'muted small', role: 'status' });
    const li = h('li', { class: 'practice', 'data-id': p.id },
      h('div', { class: 'src-head' }, h('strong', null, p.type_name || p.type_code), badge(p.status)),
      h('p', { class: 'muted small' },
        [p.fee_idr != null ? t('crm.fee') + ' ' + idr(p.fee_idr, lang()) : null,
          t('crm.paid') + ' ' + idr(p.paid_idr, lang()),
          p.balance_idr > 0 ? t('pf.balance') + ' ' + idr(p.balance_idr, lang()) : null,
          p.expiry_date ? t('crm.expiry') + ' ' + date(p.expiry_date, lang()) : null,
          p.consultant_name].filter(Boolean).join(' · ')),
      (p.allowed_next || []).length
        ? h('div', { class: 'actions', role: 'group', 'aria-label': t('crm.change_status') },
          p.allowed_next.map((s) => h('button', {
            type: 'button', class: 'small ' + (s === 'cancelled' ? 'ghost danger-text' : 'ghost'),
            onclick: async () => {
              if (s === 'cancelled' && !confirm(t('crm.confirm_cancel'))) return;
              try {
                await api.request(`/crm/practices/${p.id}/status`, { method: 'POST', body: { status: s, version: p.version } });
                app.toast(t('crm.status_changed', { s: st(s) }));
                await Promise.all([loadPractices(), loadTimeline()]);
                const again = practices.querySelector(`[data-id="${p.id}"]`);
                if (again) again.focus();
              } catch (e) {
                msg.textContent = errText(e);
                if (e.status === 409) loadPractices();
              }
            },
          }, '→ ', st(s))))
        : null,
      p.status === 'cancelled' ? null : paymentForm(p, (r) => {
        app.toast(t('pf.recorded', { amount: idr(r.payment.amount_idr, lang()) }));
        loadPractices().then(() => practices.querySelector(`[data-id="${p.id}"]`)?.focus());
      }),
      msg);
    li.tabIndex = -1;
    return li;
  }

  async function loadTimeline() {
    const input = h('textarea', { id: 'note-new', rows: '2', maxlength: '4000', required: true });
    const msg = h('p', { class: 'error', role: 'alert' });
    const out = [h('h3', { id: 'ct-h' }, t('crm.timeline')),
      h('form', { class: 'note-form', onsubmit: async (e) => {
        e.preventDefault();
        if (!input.value.trim()) return;
        try {
          await api.request(`/crm/clients/${id}/interactions`, { method: 'POST', body: { kind: 'note', summary: input.value.trim() } });
          await loadTimeline();
          timeline.querySelector('textarea').focus();
        } catch (x) { msg.textContent = errText(x); }
      } }, h('label', { for: 'note-new' }, t('crm.add_note')), input, h('button', { type: 'submit', class: 'primary small' }, t('crm.add')), msg)];
    try {
      const r = await api.request(`/crm/clients/${id}/interactions?limit=50`);
      out.push(r.interactions.length
        ? h('ol', { class: 'timeline' }, r.interactions.map((i) => h('li', null,
          h('p', { class: 'muted small' }, h('span', { class: 'tag' }, t('kind.' + i.kind, null, i.kind)), ' ', date(i.occurred_at, lang(), true), i.created_by_name ? ' · ' + i.created_by_name : ''),
          h('p', { class: 'pre' }, i.summary))))
        : h('p', { class: 'muted' }, t('crm.no_events')));
    } catch (e) { out.push(h('p', { class: 'error' }, errText(e))); }
    timeline.replaceChildren(...out);
  }

  const loadDocs = () => docsCard(docs, id, app);

  showDetails();
  await Promise.all([loadPractices(), loadTimeline(), loadDocs()]);
}

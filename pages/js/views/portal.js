// The client's own portal (a client user): their permits coming up for renewal, their practices with
// status, money and (on demand) the status history and payments, and their documents (download and
// upload). Everything comes from the CRM API, which answers a client user with the client-safe views of
// their own records only (workers/src/crm/practice_views.rs): no team notes, no staff names but the
// consultant's.
import { h } from '../dom.js';
import * as api from '../api.js';
import { t, lang } from '../i18n.js';
import { idr, date } from '../text.js';
import { badge, st, errText } from './crm-common.js';
import { loadDocs } from './documents.js';
import { baliToday } from './practice-forms.js';

const DAY = 86400e3;
const daysUntil = (ymd, today) => Math.round((Date.parse(ymd) - Date.parse(today)) / DAY);

/** Permits still to renew: practices that hold one (not rejected or cancelled), expiring today or later, soonest first. */
export function upcoming(practices, today) {
  return practices
    .filter((p) => p.expiry_date && p.expiry_date >= today && !['rejected', 'cancelled'].includes(p.status))
    .sort((a, b) => a.expiry_date.localeCompare(b.expiry_date))
    .map((p) => ({ ...p, days_left: daysUntil(p.expiry_date, today) }));
}

function renewalsCard(list) {
  return h('section', { class: 'card', 'aria-labelledby': 'pr-h' }, h('h3', { id: 'pr-h' }, t('portal.renewals')),
    list.length
      ? h('ul', { class: 'list renewals' }, list.map((p) => h('li', { class: 'renewal' + (p.days_left <= 30 ? ' soon' : '') },
        h('strong', null, p.type_name || p.type_code),
        h('span', null, t('crm.expires', { d: date(p.expiry_date, lang()), n: p.days_left })),
        p.days_left <= 30 ? h('span', { class: 'badge st-rejected' }, t('portal.renew_now')) : null)))
      : h('p', { class: 'muted' }, t('portal.no_renewals')));
}

async function history(p, box) {
  try {
    const d = await api.request('/crm/practices/' + encodeURIComponent(p.id));
    box.replaceChildren(
      h('h4', null, t('portal.steps')),
      h('ol', { class: 'timeline steps' }, d.history.map((s) => h('li', null,
        h('span', { class: 'muted small' }, date(s.changed_at, lang(), true)), ' ',
        s.from_status ? [st(s.from_status), ' → '] : null, h('strong', null, st(s.to_status))))),
      h('h4', null, t('portal.payments')),
      d.payments.length
        ? h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('pf.paid_on')), h('th', { scope: 'col' }, t('pf.method')), h('th', { scope: 'col' }, t('pf.amount')))),
          h('tbody', null, d.payments.map((m) => h('tr', null, h('td', null, date(m.paid_on, lang())), h('td', null, t('pay.' + m.method, null, m.method)), h('td', null, idr(m.amount_idr, lang()))))))
        : h('p', { class: 'muted' }, t('portal.no_payments')));
  } catch (e) {
    box.replaceChildren(h('p', { class: 'error' }, errText(e)));
  }
}

function practiceItem(p) {
  const box = h('div', { class: 'history' }, h('p', { class: 'loading' }, t('loading')));
  const more = h('details', { class: 'practice-history' }, h('summary', null, t('portal.history')), box);
  more.addEventListener('toggle', () => { if (more.open && !more.dataset.loaded) { more.dataset.loaded = '1'; history(p, box); } });
  const facts = [
    [t('crm.fee'), p.fee_idr != null ? idr(p.fee_idr, lang()) : '—'],
    [t('crm.paid'), idr(p.paid_idr, lang())],
    [t('pf.balance'), idr(p.balance_idr, lang())],
    [t('pf.start'), p.start_date ? date(p.start_date, lang()) : null],
    [t('crm.expiry'), p.expiry_date ? date(p.expiry_date, lang()) : null],
    [t('crm.consultant'), p.consultant_name],
  ].filter(([, v]) => v);
  return h('li', { class: 'practice', 'data-id': p.id },
    h('div', { class: 'src-head' }, h('strong', null, p.type_name || p.type_code), badge(p.status)),
    h('dl', { class: 'facts-dl' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    more);
}

export async function mount(root, params, app) {
  const u = api.user();
  const head = h('h2', null, t('portal.title'));
  root.append(head);
  if (!u.client_id) {
    root.append(h('p', { class: 'muted' }, t('portal.unlinked')));
    return;
  }
  const renewals = h('div');
  const practices = h('section', { class: 'card', 'aria-labelledby': 'pp-h' }, h('h3', { id: 'pp-h' }, t('crm.practices')), h('p', { class: 'loading' }, t('loading')));
  const docs = h('section', { class: 'card', 'aria-labelledby': 'cdoc-h' });
  root.append(h('p', { class: 'muted' }, t('portal.intro')), renewals, h('div', { class: 'grid-2' }, practices, docs));
  const loadPractices = async () => {
    try {
      const r = await api.request('/crm/practices?limit=100');
      renewals.replaceChildren(renewalsCard(upcoming(r.practices, baliToday())));
      practices.replaceChildren(h('h3', { id: 'pp-h' }, t('crm.practices')), r.practices.length
        ? h('ul', { class: 'list' }, r.practices.map(practiceItem))
        : h('p', { class: 'muted' }, t('crm.no_practices')));
    } catch (e) {
      practices.replaceChildren(h('h3', { id: 'pp-h' }, t('crm.practices')), h('p', { class: 'error', role: 'alert' }, errText(e)));
    }
  };
  await Promise.all([loadPractices(), loadDocs(docs, u.client_id, app)]);
}

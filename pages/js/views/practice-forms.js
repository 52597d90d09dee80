// The team's forms on a client's screen: a new practice (POST /crm/practices) and a payment on a practice
// (POST /crm/practices/{id}/payments). The API is the one place that validates: the forms send what was
// typed and show its 422 messages next to the field they name (crm-common.js showErrors).
import { h } from '../dom.js';
import * as api from '../api.js';
import { t, lang } from '../i18n.js';
import { idr } from '../text.js';
import { field, showErrors } from './crm-common.js';

let types = null; // the practice types, loaded once per page

/** Rupiah as typed ("5.000.000", "5 000 000", "5000000") → a number; anything else is sent as typed, for the API to refuse. */
export function rupiah(s) {
  const x = String(s).trim().replace(/[\s.,]/g, '');
  return /^\d{1,16}$/.test(x) ? Number(x) : String(s).trim();
}

/** The Bali calendar date today, as YYYY-MM-DD (the date inputs' default). */
export const baliToday = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);

function body(fields) {
  const b = {};
  for (const [k, f] of Object.entries(fields)) {
    const v = f.input.value.trim();
    if (v) b[k] = f.input.dataset.money ? rupiah(v) : v;
  }
  return b;
}

const money = (id) => h('input', { id, type: 'text', inputmode: 'numeric', autocomplete: 'off', 'data-money': '1' });
const day = (id) => h('input', { id, type: 'date' });

/**
 * A collapsed "New practice" form for client `clientId`; `done(practice)` after it is created.
 */
export function practiceForm(clientId, done) {
  const general = h('p', { class: 'error', role: 'alert' });
  const typeSel = (id) => h('select', { id, required: true }, h('option', { value: '' }, t('loading')));
  const f = {
    type_code: field('np', 'type_code', t('pf.type'), typeSel),
    fee_idr: field('np', 'fee_idr', t('pf.fee'), money),
    start_date: field('np', 'start_date', t('pf.start'), day),
    expiry_date: field('np', 'expiry_date', t('pf.expiry'), day),
    notes: field('np', 'notes', t('crm.f_notes'), (id) => h('textarea', { id, rows: '2', maxlength: '4000' })),
  };
  const submit = h('button', { type: 'submit', class: 'primary small' }, t('pf.create'));
  const form = h('form', { class: 'practice-form', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const p = await api.request('/crm/practices', { method: 'POST', body: { client_id: clientId, ...body(f) } });
      showErrors(f, general, null);
      form.reset();
      details.open = false;
      done(p);
    } catch (x) {
      showErrors(f, general, x);
    } finally {
      submit.disabled = false;
    }
  } }, Object.values(f).map((x) => x.wrap), h('div', { class: 'row' }, submit), general);
  // The fee defaults to the type's list price, shown as the placeholder.
  f.type_code.input.addEventListener('change', () => {
    const ty = (types || []).find((x) => x.code === f.type_code.input.value);
    f.fee_idr.input.placeholder = ty && ty.default_fee_idr != null ? idr(ty.default_fee_idr, lang()) : '';
  });
  const details = h('details', { class: 'new-practice' }, h('summary', null, t('pf.new')), form);
  details.addEventListener('toggle', async () => {
    if (!details.open || types) return;
    try {
      types = (await api.request('/crm/practice-types')).practice_types;
      f.type_code.input.replaceChildren(h('option', { value: '' }, t('pf.choose')),
        ...types.map((ty) => h('option', { value: ty.code }, ty.name.includes(ty.code) ? ty.name : `${ty.name} (${ty.code})`)));
    } catch (x) { showErrors(f, general, x); }
  });
  return details;
}

const METHODS = ['transfer', 'cash', 'card', 'other'];

/** A collapsed "Record a payment" form for practice `p`; `done(answer)` after it is recorded. */
export function paymentForm(p, done) {
  const k = 'pay-' + p.id;
  const general = h('p', { class: 'error', role: 'alert' });
  const f = {
    amount_idr: field(k, 'amount_idr', t('pf.amount'), money),
    paid_on: field(k, 'paid_on', t('pf.paid_on'), day),
    method: field(k, 'method', t('pf.method'), (id) => h('select', { id }, METHODS.map((m) => h('option', { value: m }, t('pay.' + m))))),
    note: field(k, 'note', t('pf.note'), (id) => h('input', { id, type: 'text', maxlength: '4000', autocomplete: 'off' })),
  };
  f.paid_on.input.value = baliToday();
  if (p.balance_idr > 0) f.amount_idr.input.placeholder = idr(p.balance_idr, lang());
  const submit = h('button', { type: 'submit', class: 'primary small' }, t('pf.record'));
  const form = h('form', { class: 'payment-form', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const r = await api.request(`/crm/practices/${p.id}/payments`, { method: 'POST', body: body(f) });
      showErrors(f, general, null);
      done(r);
    } catch (x) {
      showErrors(f, general, x);
    } finally {
      submit.disabled = false;
    }
  } }, Object.values(f).map((x) => x.wrap), h('div', { class: 'row' }, submit), general);
  return h('details', { class: 'pay' }, h('summary', null, t('pf.payment')), form);
}

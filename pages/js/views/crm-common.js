// What the CRM screens share: status names and badges, error text, the CRM's sub-navigation, and API
// validation errors shown next to the form field they name.
import { h } from '../dom.js';
import { t } from '../i18n.js';

export const st = (s) => t('status.' + s, null, String(s || '').replace(/_/g, ' '));
export const badge = (s) => h('span', { class: 'badge st-' + s }, st(s));
export const errText = (e) => (e.name === 'NetworkError' ? t('error.offline') : t('error.generic', { msg: e.message }));

export function tabs(active) {
  const tab = (path, key, name) => h('a', { href: '#/' + path, 'aria-current': active === name ? 'page' : null }, t(key));
  return h('nav', { class: 'subnav', 'aria-label': t('nav.crm') },
    tab('crm', 'crm.clients', 'list'), tab('crm/renewals', 'crm.renewals', 'renewals'), tab('crm/dashboard', 'dash.title', 'dashboard'));
}

/**
 * A labelled form field with a place for its error: { wrap, input, err }. `input` is made by the caller
 * (`make(id)`); the error is linked to it with aria-describedby and shown by `showErrors`.
 */
export function field(form, name, label, make) {
  const id = form + '-' + name;
  const err = h('p', { class: 'field-error', id: id + '-err' });
  const input = make(id);
  input.name = name;
  input.setAttribute('aria-describedby', id + '-err');
  const wrap = h('div', { class: 'field', 'data-field': name }, h('label', { for: id }, label), input, err);
  return { wrap, input, err };
}

/**
 * Shows an API error on a form: a validation message `field: why` or `field must …` (the API's 422s) next to that field
 * (marked aria-invalid and focused), anything else in `general`. Returns whether a field took it.
 */
export function showErrors(fields, general, e) {
  for (const f of Object.values(fields)) { f.err.textContent = ''; f.input.removeAttribute('aria-invalid'); }
  general.textContent = '';
  if (!e) return false;
  const v = e.code === 'validation_failed' ? e.message : '';
  const missing = /missing field `([a-z_]+)`/.exec(v); // a required field left out of the body
  const m = missing ? [, missing[1], t('form.required')] : /^([a-z_]+)(?::\s*|\s+(?=must ))(.+)$/s.exec(v);
  const f = m && fields[m[1]];
  if (f) {
    f.err.textContent = m[2];
    f.input.setAttribute('aria-invalid', 'true');
    f.input.focus();
    return true;
  }
  general.textContent = errText(e);
  return false;
}

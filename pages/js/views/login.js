// Sign in to the team or the client portal, or go on as a visitor (chat and knowledge base only).
import { h } from '../dom.js';
import * as api from '../api.js';
import { t } from '../i18n.js';

export function mount(root, params, app) {
  const expired = sessionStorage.getItem('nz.expired') === '1';
  sessionStorage.removeItem('nz.expired');
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' });
  if (expired) error.textContent = t('session.expired');
  const radio = (value, label, checked) =>
    h('label', { class: 'seg' }, h('input', { type: 'radio', name: 'portal', value, checked }), h('span', null, label));
  const email = h('input', { id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true, 'aria-describedby': 'login-error' });
  const password = h('input', { id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, t('login.submit'));
  const form = h('form', { class: 'card login', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!email.value.trim() || !password.value) {
      error.textContent = t('login.missing');
      (email.value.trim() ? password : email).focus();
      return;
    }
    submit.disabled = true;
    try {
      const portal = form.querySelector('input[name=portal]:checked').value;
      await api.login(portal, email.value.trim(), password.value);
      sessionStorage.removeItem('nz.visitor');
      app.navigate('chat');
    } catch (err) {
      error.textContent = err.name === 'NetworkError' ? t('error.offline') : err.message;
      password.select();
      password.focus();
    } finally {
      submit.disabled = false;
    }
  } },
  h('h2', null, t('login.title')),
  h('p', { class: 'muted' }, t('login.intro')),
  h('fieldset', { class: 'segmented' }, h('legend', null, t('login.portal')),
    radio('team', t('login.team'), true), radio('client', t('login.client'), false)),
  h('label', { for: 'login-email' }, t('login.email')), email,
  h('label', { for: 'login-password' }, t('login.password')), password,
  error, submit,
  h('button', { type: 'button', class: 'link', onclick: () => { sessionStorage.setItem('nz.visitor', '1'); app.navigate('chat'); } }, t('login.visitor')));
  root.append(form);
}

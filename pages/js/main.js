// The app shell: hash routes → views (loaded on demand), navigation by role, language switcher,
// offline banner, session expiry, focus on view change, and the service worker.
import { h, $ } from './dom.js';
import * as api from './api.js';
import * as db from './idb.js';
import { t, lang, setLang, LANGS, translate, ready } from './i18n.js';

const view = $('#view');
const nav = $('#nav');
const banner = $('#offline');
const toastEl = $('#toast');
let unmount = null;
let routeSeq = 0;
let owner = null; // whose data (api.owner()) this page has checked the device's IndexedDB for

const ROUTES = [
  // [pattern, module, export, access]
  [/^login$/, 'login', 'mount', 'any'],
  [/^chat(?:\/([\w-]+))?$/, 'chat', 'mount', 'any'],
  [/^memory$/, 'memory', 'mount', 'user'],
  [/^search$/, 'search', 'mount', 'any'],
  [/^doc\/(.+)$/, 'search', 'mountDoc', 'any'],
  [/^crm$/, 'crm', 'mountList', 'team'],
  [/^crm\/renewals$/, 'crm', 'mountRenewals', 'team'],
  [/^crm\/dashboard$/, 'dashboard', 'mountDashboard', 'team'],
  [/^portal$/, 'portal', 'mount', 'client'],
  [/^crm\/client\/([\w-]+)$/, 'crm', 'mountClient', 'team'],
];

const visitor = () => sessionStorage.getItem('nz.visitor') === '1';

export const app = {
  t,
  lang,
  api,
  navigate(path) { location.hash = '#/' + path; },
  toast(msg) {
    toastEl.textContent = msg;
    toastEl.hidden = false;
    clearTimeout(app._toast);
    app._toast = setTimeout(() => { toastEl.hidden = true; }, 4000);
  },
  online: () => navigator.onLine && !api.networkDown(),
};

function renderNav(active) {
  const u = api.user();
  const items = [['chat', 'nav.chat'], ['search', 'nav.search']];
  if (u) items.splice(1, 0, ['memory', 'nav.memory']);
  if (api.isTeam()) items.push(['crm', 'nav.crm']);
  if (u && u.role === 'client') items.push(['portal', 'nav.portal']);
  nav.replaceChildren(
    ...items.map(([path, key]) =>
      h('a', { href: '#/' + path, 'aria-current': active === path ? 'page' : null, 'data-path': path }, t(key))),
  );
  nav.hidden = !u && !visitor();
  const who = $('#who');
  who.textContent = u ? u.name || u.email : '';
  $('#signout').hidden = !u && !visitor();
  $('#signout').textContent = u ? t('auth.signout') : t('auth.signin');
}

async function route() {
  const seq = ++routeSeq;
  // In-page anchors (#main, #src-…) are not routes; on a fresh load they mean the default route.
  if (location.hash && !location.hash.startsWith('#/') && view.dataset.ready) return;
  view.dataset.ready = '1';
  const hash = location.hash.startsWith('#/') ? location.hash.slice(2) : '';
  const u = api.user();
  if (!hash) return app.navigate(u || visitor() ? 'chat' : 'login');
  const found = ROUTES.find(([re]) => re.test(hash));
  if (!found) return app.navigate('chat');
  const [re, mod, fn, access] = found;
  if (!u && !visitor() && mod !== 'login') return app.navigate('login');
  const allowed = access === 'any' || (access === 'user' && u) || (access === 'team' && api.isTeam()) || (access === 'client' && u && u.role === 'client');
  if (!allowed) return app.navigate(u || visitor() ? 'chat' : 'login');
  // Before showing anything: data left on this device by someone else (a tab closed without signing out) goes.
  if (mod !== 'login' && owner !== api.owner()) {
    owner = api.owner();
    await db.clearUserData(owner).catch(() => {});
    if (seq !== routeSeq) return;
  }
  const params = re.exec(hash).slice(1).map((p) => (p === undefined ? p : decodeURIComponent(p)));
  renderNav(hash.split('/')[0]);
  let m;
  try {
    m = await import(`./views/${mod}.js`);
  } catch (e) {
    view.replaceChildren(h('p', { class: 'error', role: 'alert' }, t('error.generic', { msg: e.message })));
    return;
  }
  if (seq !== routeSeq) return;
  if (unmount) { try { unmount(); } catch { /* the old view is going anyway */ } }
  unmount = null;
  const root = h('div', { class: 'view view-' + mod });
  view.replaceChildren(root);
  const mounting = m[fn](root, params, app);
  // Focus management: the new view's heading (announced by screen readers), not the top of the page; at
  // once (views draw their heading before loading data), and again if it came only with the data.
  const focus = () => {
    const heading = root.querySelector('h2');
    if (!heading || seq !== routeSeq) return;
    heading.tabIndex = -1;
    if (!root.contains(document.activeElement)) heading.focus({ preventScroll: true });
    document.title = heading.textContent + ' — Nuzantara';
  };
  focus();
  unmount = (await mounting) || null;
  focus();
}

let probe = null;

function showNetwork() {
  const offline = !navigator.onLine || api.networkDown();
  banner.hidden = !offline;
  document.body.classList.toggle('is-offline', offline);
  // The browser says online but requests fail (the server or the route to it is down): check now and then.
  if (api.networkDown() && navigator.onLine && !probe) {
    probe = setInterval(() => api.request('/health', { auth: false }).catch(() => {}), 10_000);
  } else if (!api.networkDown() && probe) {
    clearInterval(probe);
    probe = null;
  }
}

function flush() {
  if (navigator.onLine && !api.networkDown()) import('./views/chat.js').then((c) => c.flushOutbox()).catch(() => {});
}

/** Sign-out and the end of a session (refresh refused): nothing of the user's stays on this device, neither
 * in IndexedDB (cached conversations, the outbox) nor in memory (the chat transcript, an answer streaming).
 * The service worker keeps no personal API answers (requests with credentials are never cached: sw.js). */
async function endSession() {
  owner = null;
  await Promise.all([
    db.clearUserData().catch(() => {}),
    import('./views/chat.js').then((c) => c.reset()).catch(() => {}),
  ]);
}

function applyLang() {
  document.documentElement.lang = lang();
  translate(document.body);
  $('#lang').value = lang();
}

function boot() {
  const sel = $('#lang');
  sel.replaceChildren(...LANGS.map(([code, name]) => h('option', { value: code, lang: code, 'aria-label': name }, code.toUpperCase())));
  sel.addEventListener('change', async () => {
    await setLang(sel.value);
    applyLang();
    route();
  });
  $('#signout').addEventListener('click', async () => {
    sessionStorage.removeItem('nz.visitor');
    if (api.user()) await Promise.all([api.logout(), endSession()]);
    app.navigate('login');
  });
  api.events.addEventListener('expired', async () => {
    sessionStorage.setItem('nz.expired', '1');
    await endSession();
    app.navigate('login');
  });
  api.events.addEventListener('session', () => renderNav(location.hash.replace(/^#\/?/, '').split('/')[0]));
  api.events.addEventListener('network', () => { showNetwork(); flush(); });
  addEventListener('online', () => {
    showNetwork();
    api.request('/health', { auth: false }).then(flush, () => {});
  });
  addEventListener('offline', showNetwork);
  addEventListener('hashchange', route);
  applyLang();
  showNetwork();
  route();
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(() => { /* no offline shell, the app still works */ });
  }
}

ready.then(boot);

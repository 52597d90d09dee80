// The API client: the session (tokens in memory and sessionStorage, never localStorage), JSON requests
// with the bearer token, one refresh on 401 (shared by concurrent callers, since refresh tokens are
// one-time use), then back to the login screen. Network failures are reported for the offline banner.

const KEY = 'nz.session';
export const events = new EventTarget();

let sess = read();
let refreshing = null;
let netDown = false;

function read() {
  try { return JSON.parse(sessionStorage.getItem(KEY)); } catch { return null; }
}

function save(s) {
  sess = s;
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  events.dispatchEvent(new Event('session'));
}

export const session = () => sess;
export const user = () => (sess ? sess.user : null);
export const isTeam = () => !!sess && (sess.user.role === 'admin' || sess.user.role === 'consultant');
export const authHeader = () => (sess ? { Authorization: 'Bearer ' + sess.access_token } : {});

/** Whether the last request failed for want of a network. */
export const networkDown = () => netDown;
/** For requests made outside `request` (the chat stream): whether the network answered. */
export const noteNetwork = (ok) => net(!ok);
function net(down) {
  if (down !== netDown) {
    netDown = down;
    events.dispatchEvent(new Event('network'));
  }
}

export class ApiError extends Error {
  constructor(status, body) {
    const e = body && body.error;
    super((e && e.message) || 'HTTP ' + status);
    this.name = 'ApiError';
    this.status = status;
    this.code = (e && e.code) || 'http_' + status;
  }
}

const offlineError = (cause) => Object.assign(new Error('offline'), { name: 'NetworkError', cause });

function store(r, portal) {
  save({
    access_token: r.access_token,
    refresh_token: r.refresh_token,
    expires_at: Date.now() + (r.expires_in || 900) * 1000,
    user: r.user || (sess && sess.user),
    portal: portal || (sess && sess.portal),
  });
}

export async function login(portal, email, password) {
  const r = await request(`/api/auth/${portal}/login`, { method: 'POST', body: { email, password }, auth: false });
  store(r, portal);
  return r.user;
}

/** The session ended without the user asking (refresh refused): back to the login screen. */
function expire() {
  if (!sess) return;
  save(null);
  events.dispatchEvent(new Event('expired'));
}

/** Rotates the tokens once; concurrent callers share the same attempt. Resolves true when renewed. */
export function refresh() {
  if (!sess || !sess.refresh_token) return Promise.resolve(false);
  if (!refreshing) {
    const rt = sess.refresh_token;
    refreshing = (async () => {
      try {
        const res = await fetch('/api/auth/refresh', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ refresh_token: rt }),
        });
        net(false);
        if (res.ok) { store(await res.json()); return true; }
        if (res.status === 401 || res.status === 422) expire();
        return false;
      } catch {
        net(true);
        return false;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

export async function logout() {
  const s = sess;
  save(null);
  if (!s) return;
  try {
    await fetch('/api/auth/logout', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + s.access_token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: s.refresh_token }),
    });
  } catch { /* offline: the tokens are gone from this device anyway */ }
}

/**
 * A request to the API. Options: method, body (JSON, or a Blob/File sent as is), headers, auth (default
 * true: send the token when signed in), raw (return the Response), signal. Throws ApiError for HTTP
 * errors and an Error named NetworkError when offline.
 */
export async function request(path, { method = 'GET', body, headers = {}, auth = true, raw = false, signal } = {}) {
  for (let attempt = 0; ; attempt++) {
    if (auth && sess && attempt === 0 && sess.expires_at - Date.now() < 15_000) await refresh();
    const h = { Accept: 'application/json', ...headers };
    if (auth && sess) h.Authorization = 'Bearer ' + sess.access_token;
    const init = { method, headers: h, signal };
    if (body instanceof Blob) init.body = body;
    else if (body !== undefined) {
      h['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      net(true);
      throw offlineError(e);
    }
    net(false);
    if (res.status === 401 && auth && sess) {
      if (attempt === 0 && (await refresh())) continue;
      expire();
    }
    if (!res.ok) {
      let b = null;
      try { b = await res.json(); } catch { /* not JSON */ }
      throw new ApiError(res.status, b);
    }
    if (raw) return res;
    return res.status === 204 ? null : res.json();
  }
}

/** Resolves when the browser is online (at once if it is). */
export function waitOnline(signal) {
  if (navigator.onLine) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => { removeEventListener('online', done); resolve(); };
    addEventListener('online', done);
    if (signal) signal.addEventListener('abort', () => { removeEventListener('online', done); reject(Object.assign(new Error('aborted'), { name: 'AbortError' })); }, { once: true });
  });
}

/** The id under which this device keeps the user's (or visitor's) conversations and outbox. */
export function owner() {
  return sess ? 'u:' + sess.user.id : 'v:' + visitorSession();
}

/** A per-tab chat session id (lets visitors continue and resume their conversation). */
export function visitorSession() {
  let s = sessionStorage.getItem('nz.sid');
  if (!s) {
    const a = new Uint8Array(16);
    crypto.getRandomValues(a);
    s = Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
    sessionStorage.setItem('nz.sid', s);
  }
  return s;
}

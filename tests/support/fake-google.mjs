// A local fake of Google's OAuth token endpoint, Calendar (freeBusy, events.insert) and Gmail
// (users.messages.send). It makes a test RSA key pair at start (node:crypto), hands out a service-account key
// file with it, and checks every assertion the worker signs: RS256 signature, iss, aud, iat/exp, scope, sub.
// API calls need a token it issued, for the scope the API needs, acting as the calendar's or mailbox's owner.
//   GET /__requests   POST /__busy {calendar, start, end}   POST /__fail {api: token|calendar|gmail, status, times}   POST /__reset
import { createServer } from 'node:http';
import { generateKeyPairSync, verify } from 'node:crypto';

const CALENDAR = 'https://www.googleapis.com/auth/calendar';
const GMAIL = 'https://www.googleapis.com/auth/gmail.send';
const CLIENT_EMAIL = 'nuzantara-test@bali-zero-test.iam.gserviceaccount.com';

const b64url = (s) => Buffer.from(s, 'base64url');

export async function startFakeGoogle() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const state = { requests: [], tokens: new Map(), busy: new Map(), fail: [], n: 0 };
  let url;
  const json = (res, status, obj) => { res.statusCode = status; res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(obj)); };

  /** Checks an assertion; returns its claims or throws with the reason. */
  const checkAssertion = (jwt) => {
    const parts = String(jwt || '').split('.');
    if (parts.length !== 3) throw new Error('not a JWT');
    const header = JSON.parse(b64url(parts[0]).toString());
    if (header.alg !== 'RS256') throw new Error(`alg ${header.alg}`);
    if (!verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, b64url(parts[2]))) throw new Error('bad signature');
    const c = JSON.parse(b64url(parts[1]).toString());
    const now = Math.floor(Date.now() / 1000);
    if (c.iss !== CLIENT_EMAIL) throw new Error('iss');
    if (c.aud !== `${url}/token`) throw new Error(`aud ${c.aud}`);
    if (!(c.iat <= now + 60 && c.exp > now && c.exp - c.iat <= 3600)) throw new Error('iat/exp');
    if (!c.sub || !c.scope) throw new Error('sub/scope');
    return c;
  };
  const failing = (api) => {
    const f = state.fail.find((x) => x.api === api && x.times > 0);
    if (f) f.times -= 1;
    return f;
  };
  const authorised = (req, scope, owner) => {
    const t = state.tokens.get((req.headers.authorization || '').replace(/^Bearer /, ''));
    return t && t.scope.split(' ').includes(scope) && t.sub.toLowerCase() === decodeURIComponent(owner).toLowerCase();
  };

  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const u = new URL(req.url, 'http://x');
    const p = u.pathname;
    if (p === '/__requests') return json(res, 200, state.requests);
    if (p === '/__reset') { state.requests.length = 0; state.busy.clear(); state.fail.length = 0; return json(res, 200, {}); }
    if (p === '/__busy') { const b = JSON.parse(raw); (state.busy.get(b.calendar) || state.busy.set(b.calendar, []).get(b.calendar)).push({ start: b.start, end: b.end }); return json(res, 200, {}); }
    if (p === '/__fail') { state.fail.push(JSON.parse(raw)); return json(res, 200, {}); }

    if (p === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(raw);
      const rec = { api: 'token', grant_type: form.get('grant_type') };
      state.requests.push(rec);
      const f = failing('token');
      if (f) return json(res, f.status, { error: 'internal_failure', error_description: 'scripted failure' });
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return json(res, 400, { error: 'unsupported_grant_type' });
      try {
        const c = checkAssertion(form.get('assertion'));
        Object.assign(rec, { sub: c.sub, scope: c.scope, ok: true });
        const token = `ya29.fake-${++state.n}`;
        state.tokens.set(token, { sub: c.sub, scope: c.scope });
        return json(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
      } catch (e) {
        rec.error = e.message;
        return json(res, 400, { error: 'invalid_grant', error_description: e.message });
      }
    }

    const body = raw ? JSON.parse(raw) : {};
    if (p === '/calendar/v3/freeBusy' && req.method === 'POST') {
      const cal = body.items?.[0]?.id;
      state.requests.push({ api: 'calendar', op: 'freeBusy', calendar: cal, body });
      if (!authorised(req, CALENDAR, cal)) return json(res, 403, { error: { code: 403, message: 'not allowed' } });
      const f = failing('calendar');
      if (f) return json(res, f.status, { error: { code: f.status, message: 'scripted failure' } });
      return json(res, 200, { kind: 'calendar#freeBusy', timeMin: body.timeMin, timeMax: body.timeMax, calendars: { [cal]: { busy: state.busy.get(cal) || [] } } });
    }
    let m = p.match(/^\/calendar\/v3\/calendars\/([^/]+)\/events$/);
    if (m && req.method === 'POST') {
      const cal = decodeURIComponent(m[1]);
      state.requests.push({ api: 'calendar', op: 'insert', calendar: cal, sendUpdates: u.searchParams.get('sendUpdates'), body });
      if (!authorised(req, CALENDAR, cal)) return json(res, 403, { error: { code: 403, message: 'not allowed' } });
      const id = `evt${++state.n}`;
      (state.busy.get(cal) || state.busy.set(cal, []).get(cal)).push({ start: body.start.dateTime, end: body.end.dateTime });
      return json(res, 200, { id, status: 'confirmed', htmlLink: `https://calendar.google.com/event?eid=${id}`, ...body });
    }
    m = p.match(/^\/gmail\/v1\/users\/([^/]+)\/messages\/send$/);
    if (m && req.method === 'POST') {
      const message = b64url(body.raw || '').toString('utf8');
      const [head, text = ''] = message.split('\r\n\r\n');
      const headers = Object.fromEntries(head.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const rec = { api: 'gmail', user: decodeURIComponent(m[1]), headers, text: Buffer.from(text.replace(/\r\n/g, ''), 'base64').toString('utf8') };
      state.requests.push(rec);
      if (!authorised(req, GMAIL, m[1])) return json(res, 403, { error: { code: 403, message: 'not allowed' } });
      const f = failing('gmail');
      if (f) { rec.failed = true; return json(res, f.status, { error: { code: f.status, message: 'scripted failure' } }); }
      rec.id = `msg${++state.n}`;
      return json(res, 200, { id: rec.id, threadId: `thr${state.n}`, labelIds: ['SENT'] });
    }
    return json(res, 404, { error: { code: 404, message: `no fake for ${req.method} ${p}` } });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${server.address().port}`;
  const serviceAccount = JSON.stringify({ type: 'service_account', client_email: CLIENT_EMAIL, private_key: privateKey, token_uri: `${url}/token` });
  return {
    url,
    serviceAccount,
    /** Worker vars pointing Google at this fake. */
    vars: { GOOGLE_SERVICE_ACCOUNT_JSON: serviceAccount, GOOGLE_API_BASE: url },
    requests: async (api) => (await (await fetch(`${url}/__requests`)).json()).filter((r) => !api || r.api === api),
    busy: (calendar, start, end) => fetch(`${url}/__busy`, { method: 'POST', body: JSON.stringify({ calendar, start, end }) }),
    fail: (api, status, times = 1) => fetch(`${url}/__fail`, { method: 'POST', body: JSON.stringify({ api, status, times }) }),
    stop: () => new Promise((r) => server.close(r)),
  };
}

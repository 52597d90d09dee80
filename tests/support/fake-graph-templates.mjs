// A minimal recording fake of the WhatsApp Graph API's message endpoint, for template messages:
// POST /{phone-number-id}/messages with the bearer token answers like Meta ({messages: [{id: "wamid…"}]}).
//   GET /__requests   POST /__fail {status, times}
import { createServer } from 'node:http';

export async function startFakeGraph({ token = 'test-whatsapp-token', phoneNumberId = '1234567890' } = {}) {
  const requests = [];
  const fail = [];
  let n = 0;
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const json = (status, obj) => { res.statusCode = status; res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(obj)); };
    if (req.url === '/__requests') return json(200, requests);
    if (req.url === '/__fail') { fail.push(JSON.parse(raw)); return json(200, {}); }
    if (req.method !== 'POST' || req.url !== `/${phoneNumberId}/messages`) return json(404, { error: { message: 'unknown endpoint' } });
    const rec = { auth: req.headers.authorization, body: JSON.parse(raw || '{}') };
    requests.push(rec);
    if (rec.auth !== `Bearer ${token}`) return json(401, { error: { message: 'Invalid OAuth access token', code: 190 } });
    const f = fail.find((x) => x.times > 0);
    if (f) { f.times -= 1; rec.failed = true; return json(f.status, { error: { message: 'scripted failure', code: 131000 } }); }
    rec.id = `wamid.FAKE${++n}`;
    return json(200, { messaging_product: 'whatsapp', contacts: [{ input: rec.body.to, wa_id: rec.body.to }], messages: [{ id: rec.id }] });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    vars: { WHATSAPP_TOKEN: token, WHATSAPP_PHONE_NUMBER_ID: phoneNumberId, WHATSAPP_API_BASE: url, WHATSAPP_APP_SECRET: 'reminder-test-app-secret', WHATSAPP_VERIFY_TOKEN: 'reminder-test-verify' },
    requests: async () => (await fetch(`${url}/__requests`)).json(),
    fail: (status, times = 1) => fetch(`${url}/__fail`, { method: 'POST', body: JSON.stringify({ status, times }) }),
    stop: () => new Promise((r) => server.close(r)),
  };
}

// A client's documents as a card: the list (download through the API, with the session's token), and an
// upload form (the raw file as the body). The team uses it on a client's screen, a client user in their
// portal: the API lets a client user see and upload to their own record only.
import { h, download } from '../dom.js';
import * as api from '../api.js';
import { t, lang } from '../i18n.js';
import { date } from '../text.js';
import { errText } from './crm-common.js';

export const ACCEPT = '.pdf,.jpg,.jpeg,.png,.webp,.heic,.docx,.xlsx,.txt';

async function fetchDoc(d, app) {
  try {
    const res = await api.request(`/crm/documents/${d.id}/content`, { raw: true, headers: { Accept: '*/*' } });
    download(await res.blob(), d.filename);
  } catch (e) { app.toast(errText(e)); }
}

/** Fills `card` (a section labelled by #cdoc-h) with client `clientId`'s documents; resolves when loaded. */
export async function loadDocs(card, clientId, app) {
  const file = h('input', { id: 'doc-file', type: 'file', accept: ACCEPT });
  const msg = h('p', { class: 'muted', role: 'status' });
  const out = [h('h3', { id: 'cdoc-h' }, t('crm.documents')),
    h('form', { class: 'upload', onsubmit: async (e) => {
      e.preventDefault();
      const f = file.files[0];
      if (!f) { file.focus(); return; }
      msg.textContent = t('crm.uploading');
      try {
        const qs = new URLSearchParams({ client_id: clientId, filename: f.name });
        await api.request('/crm/documents?' + qs, { method: 'POST', body: f, headers: { 'Content-Type': f.type || 'application/octet-stream' } });
        await loadDocs(card, clientId, app);
        card.querySelector('[role=status]').textContent = t('crm.uploaded', { name: f.name });
      } catch (x) { msg.textContent = errText(x); }
    } }, h('label', { for: 'doc-file' }, t('crm.upload')), file, h('button', { type: 'submit', class: 'primary small' }, t('crm.upload_go')), msg)];
  try {
    const r = await api.request('/crm/documents?limit=100&client_id=' + encodeURIComponent(clientId));
    out.push(r.documents.length
      ? h('ul', { class: 'list docs' }, r.documents.map((d) => h('li', null,
        h('button', { type: 'button', class: 'link', onclick: () => fetchDoc(d, app) }, '⬇ ', d.filename),
        h('span', { class: 'muted small' }, Math.max(1, Math.round(d.size_bytes / 1024)) + ' KB · ' + date(d.created_at, lang())))))
      : h('p', { class: 'muted' }, t('crm.no_docs')));
  } catch (e) { out.push(h('p', { class: 'error' }, errText(e))); }
  card.replaceChildren(...out);
}

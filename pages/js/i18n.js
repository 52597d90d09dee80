// UI strings in English, Indonesian and Italian. The language comes from the switcher (remembered on this
// device), else the browser's language; the chat sends it so answers come in the same language.
// English is here (and is the fallback); Indonesian and Italian load from i18n/<code>.js only when chosen.
// The dictionaries are plain data (tested in Node: every key exists in every language).

export const LANGS = [['en', 'English'], ['id', 'Bahasa Indonesia'], ['it', 'Italiano']];

export const STRINGS = {
  en: {
    skip: 'Skip to content', loading: 'Loading…', save: 'Save', cancel: 'Cancel', edit: 'Edit',
    'lang.label': 'Language', 'nav.main': 'Main', 'nav.chat': 'Chat', 'nav.memory': 'Memory', 'nav.search': 'Knowledge base', 'nav.crm': 'Clients',
    'auth.signout': 'Sign out', 'auth.signin': 'Sign in',
    'offline.short': 'Offline.', 'offline.banner': 'Saved conversations stay readable; messages you send are queued and go out when you reconnect.',
    'session.expired': 'Your session has expired. Please sign in again.',
    'error.generic': 'Something went wrong: {msg}', 'error.offline': 'You are offline. Try again when the connection is back.',
    'login.title': 'Sign in', 'login.intro': 'Visas, KITAS/KITAP, PT PMA, tax and KBLI answers grounded in Bali Zero’s knowledge base.',
    'login.portal': 'Portal', 'login.team': 'Team', 'login.client': 'Client portal', 'login.email': 'E-mail', 'login.password': 'Password or PIN',
    'login.submit': 'Sign in', 'login.visitor': 'Continue without signing in', 'login.missing': 'Enter your e-mail and password.',
    'chat.title': 'Chat', 'chat.new': 'New chat', 'chat.log': 'Conversation', 'chat.input': 'Your question', 'chat.placeholder': 'Ask a question…',
    'chat.send': 'Send', 'chat.stop': 'Stop', 'chat.you': 'You', 'chat.assistant': 'Nuzantara',
    'chat.empty': 'Ask about visas, KITAS/KITAP, PT PMA companies, tax or KBLI codes. Answers cite their sources.',
    'chat.ex1': 'How much does an investor KITAS cost?', 'chat.ex2': 'Which KBLI code fits a restaurant?', 'chat.ex3': 'What is the minimum capital for a PT PMA?',
    'chat.stopped': 'Stopped.', 'chat.reconnecting': 'Connection lost, resuming…', 'chat.queued': 'Queued: it will be sent when you are back online.',
    'chat.sending': 'Sending…', 'chat.failed': 'The answer failed. {msg}', 'chat.copy': 'Copy', 'chat.copied': 'Copied',
    'chat.good': 'Helpful', 'chat.bad': 'Not helpful', 'chat.thanks': 'Thanks for the feedback.', 'chat.sources': 'Sources ({n})',
    'chat.unanswered': 'Not covered by our sources', 'chat.confidence': 'confidence {pct}%', 'chat.source': 'Source', 'chat.raw': 'Source file', 'chat.retrieval': '{mode} search', 'chat.fallbacks': '{n} fallback(s)', 'chat.model': 'Model',
    'chat.offline_copy': 'Offline: the copy saved on this device.', 'chat.not_cached': 'This conversation is not saved on this device, so it cannot be shown offline.',
    'tool.get_pricing': 'Price list', 'tool.calculate_quote': 'Quote', 'tool.kbli_lookup': 'KBLI lookup', 'tool.search_kb': 'Knowledge-base search',
    'tool.save_memory': 'Remembered', 'tool.failed': '{name} failed: {msg}', 'tool.service': 'Service', 'tool.price': 'Price', 'tool.fee': 'Fee',
    'tool.qty': 'Qty', 'tool.amount': 'Amount', 'tool.total': 'Total', 'tool.from': 'from {p}', 'tool.extension': 'Extension',
    'tool.duration': 'Duration', 'tool.on_request': 'on request',
    'mem.title': 'Memory', 'mem.conversations': 'Conversations', 'mem.search': 'Search conversations', 'mem.none': 'No conversations yet.',
    'mem.messages': '{n} messages', 'mem.export_json': 'JSON', 'mem.export_md': 'Markdown', 'mem.delete': 'Delete',
    'mem.confirm_delete': 'Delete the conversation “{title}”?', 'mem.deleted': 'Conversation deleted.', 'mem.exported': 'Exported.',
    'mem.facts': 'What Nuzantara remembers', 'mem.fact_new': 'Something to remember', 'mem.add': 'Remember', 'mem.no_facts': 'Nothing remembered yet.',
    'mem.offline_list': 'Offline: conversations saved on this device.',
    'kb.title': 'Knowledge base', 'kb.query': 'Search', 'kb.placeholder': 'e.g. KBLI restoran, investor KITAS, PP 28/2025', 'kb.collection': 'Collection',
    'kb.all': 'All collections', 'kb.go': 'Search', 'kb.results': '{n} results', 'kb.none': 'No results.', 'kb.back': 'Back to search',
    'kb.cite': 'Cite as', 'kb.official': 'Official source', 'kb.authority': 'Authority', 'kb.passages': 'Passages',
    'crm.title': 'Clients', 'crm.clients': 'Clients', 'crm.renewals': 'Renewals due', 'crm.search': 'Search clients', 'crm.status': 'Status',
    'crm.any': 'Any status', 'crm.mine': 'Only my clients', 'crm.none': 'No clients found.', 'crm.load_more': 'Load more', 'crm.back': 'All clients',
    'crm.within': 'Expiring within', 'crm.days': '{n} days', 'crm.expiring': 'Permits expiring', 'crm.no_renewals': 'No permits expire in this window.',
    'crm.overdue': 'Open past their usual duration', 'crm.no_overdue': 'Nothing overdue.', 'crm.expires': 'expires {d} ({n} days)', 'crm.late': '{n} days late',
    'crm.details': 'Details', 'crm.consultant': 'Consultant', 'crm.saved': 'Saved.', 'crm.conflict': 'Someone else changed this client: reloaded, check and save again.',
    'crm.practices': 'Practices', 'crm.no_practices': 'No practices.', 'crm.fee': 'Fee', 'crm.paid': 'Paid', 'crm.expiry': 'Expires',
    'crm.change_status': 'Change status', 'crm.status_changed': 'Status changed to {s}.', 'crm.confirm_cancel': 'Cancel this practice? This is final.',
    'crm.timeline': 'Timeline', 'crm.add_note': 'Add a note', 'crm.add': 'Add', 'crm.no_events': 'No interactions yet.',
    'crm.documents': 'Documents', 'crm.upload': 'Upload a document', 'crm.upload_go': 'Upload', 'crm.uploading': 'Uploading…', 'crm.uploaded': 'Uploaded {name}.',
    'crm.no_docs': 'No documents.',
    'crm.f_status': 'Status', 'crm.f_email': 'E-mail', 'crm.f_phone': 'Phone', 'crm.f_whatsapp': 'WhatsApp', 'crm.f_nationality': 'Nationality',
    'crm.f_company_name': 'Company', 'crm.f_notes': 'Notes',
    'status.lead': 'Lead', 'status.active': 'Active', 'status.inactive': 'Inactive', 'status.archived': 'Archived',
    'status.inquiry': 'Inquiry', 'status.quoted': 'Quoted', 'status.in_progress': 'In progress', 'status.submitted': 'Submitted',
    'status.approved': 'Approved', 'status.rejected': 'Rejected', 'status.completed': 'Completed', 'status.cancelled': 'Cancelled',
    'form.required': 'Required.',
    'nav.portal': 'My portal', 'dash.title': 'Dashboard', 'dash.no_data': 'No data yet', 'dash.table': 'Show as table',
    'dash.totals': 'Totals', 'dash.clients': 'Clients', 'dash.practices': 'Practices', 'dash.paid': 'Received', 'dash.owed': 'Outstanding',
    'dash.by_status': 'Practices by status', 'dash.by_status_desc': 'Number of practices in each status.', 'dash.by_type': 'Practices by type',
    'dash.by_type_desc': 'Number of practices of each type.', 'dash.type': 'Type', 'dash.open': 'Open', 'dash.renewals': 'Renewals due by week',
    'dash.renewals_desc': 'Permits expiring in each of the next {n} weeks.', 'dash.week_of': 'Week of', 'dash.due': 'Due',
    'dash.revenue': 'Revenue and payments by month', 'dash.revenue_desc': 'Payments received in each of the last {n} months.',
    'dash.month': 'Month', 'dash.received': 'Received', 'dash.payments': 'Payments', 'dash.workload': 'Consultant workload',
    'dash.workload_desc': 'Open practices each consultant is handling.', 'pf.new': 'New practice', 'pf.type': 'Practice type',
    'pf.choose': 'Choose a type…', 'pf.fee': 'Fee (IDR)', 'pf.start': 'Start date', 'pf.expiry': 'Permit expiry', 'pf.create': 'Create practice',
    'pf.created': 'Practice created: {name}.', 'pf.payment': 'Record a payment', 'pf.amount': 'Amount (IDR)', 'pf.paid_on': 'Paid on',
    'pf.method': 'Method', 'pf.note': 'Note', 'pf.record': 'Record payment', 'pf.recorded': 'Payment of {amount} recorded.',
    'pf.balance': 'Balance', 'pay.transfer': 'Bank transfer', 'pay.cash': 'Cash', 'pay.card': 'Card', 'pay.other': 'Other',
    'portal.title': 'My portal', 'portal.intro': 'Your cases with Bali Zero, your permits coming up for renewal, and your documents.',
    'portal.renewals': 'Your renewals', 'portal.renew_now': 'Renew soon', 'portal.no_renewals': 'No permits to renew.',
    'portal.history': 'History and payments', 'portal.steps': 'Status history', 'portal.payments': 'Payments', 'portal.no_payments': 'No payments yet.',
    'portal.unlinked': 'Your account is not linked to a client record yet. Please contact your consultant.',
    'kind.chat': 'Chat', 'kind.email': 'E-mail', 'kind.whatsapp': 'WhatsApp', 'kind.call': 'Call', 'kind.meeting': 'Meeting', 'kind.note': 'Note', 'kind.reminder': 'Reminder',
    'wa.title': 'WhatsApp conversations', 'wa.none': 'No WhatsApp conversations yet.', 'wa.consultant': 'Consultant',
    'wa.released': 'Handed back to the assistant.', 'wa.taken': 'You have the conversation: the assistant stays silent.',
    'wa.held_by': 'taken over by {name}', 'wa.release': 'Release', 'wa.take_over': 'Take over',
  },
};

const PREF = 'nz.lang';

/** The language to start in: the saved choice, else the first supported browser language, else English. */
export function initialLang(saved, browserLangs) {
  const known = (c) => LANGS.some(([k]) => k === c);
  if (saved && known(saved)) return saved;
  for (const l of browserLangs || []) {
    const code = String(l).slice(0, 2).toLowerCase();
    if (code === 'in') return 'id';
    if (known(code)) return code;
  }
  return 'en';
}

const CODES = LANGS.map(([c]) => c);

/** Loads a language's strings (English is built in). */
async function load(code) {
  if (!STRINGS[code]) STRINGS[code] = (await import(`./i18n/${code}.js`)).default;
}

let current = 'en';
let wanted = 'en';
try {
  wanted = initialLang(globalThis.localStorage && localStorage.getItem(PREF), globalThis.navigator && (navigator.languages || [navigator.language]));
} catch { /* storage refused: browser default */ }

/** Resolves once the starting language is loaded (English at once). */
export const ready = wanted === 'en' ? Promise.resolve() : load(wanted).then(() => { current = wanted; }, () => {});

export const lang = () => current;

export async function setLang(code) {
  if (!CODES.includes(code)) return;
  await load(code);
  current = code;
  try { localStorage.setItem(PREF, code); } catch { /* not remembered */ }
}

/** The string for `key` with {name} placeholders filled; `fallback` (or English, or the key) when missing. */
export function t(key, vars, fallback) {
  let s = (STRINGS[current] || STRINGS.en)[key] ?? (fallback !== undefined ? fallback : STRINGS.en[key] ?? key);
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] != null ? String(vars[k]) : m));
  return s;
}

/** Fills [data-i18n] text and [data-i18n-aria] labels under `root`. */
export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}

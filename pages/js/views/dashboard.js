// The team's CRM dashboard, from GET /crm/analytics: totals, then charts of practices by status and by
// type, renewals due per week ahead, payments per month, and each consultant's open workload. Every
// chart also has its numbers as a table (charts.js).
import { h } from '../dom.js';
import * as api from '../api.js';
import { t, lang } from '../i18n.js';
import { idr, compact, month, dayMonth, date } from '../text.js';
import { st, errText, tabs } from './crm-common.js';
import { chart } from './charts.js';

// The workflow's order (the API's object has its statuses in no particular order).
const STATUSES = ['inquiry', 'quoted', 'in_progress', 'submitted', 'approved', 'rejected', 'completed', 'cancelled'];
const num = (n) => new Intl.NumberFormat(lang()).format(Number(n) || 0);

function kpis(totals) {
  const x = totals || {};
  const owed = Math.max(0, (x.fees_idr || 0) - (x.paid_idr || 0));
  const kpi = (label, value) => h('div', { class: 'kpi' }, h('span', { class: 'kpi-value' }, value), h('span', { class: 'kpi-label' }, label));
  return h('div', { class: 'kpis', role: 'group', 'aria-label': t('dash.totals') },
    kpi(t('dash.clients'), num(x.clients)), kpi(t('dash.practices'), num(x.practices)),
    kpi(t('dash.paid'), idr(x.paid_idr, lang())), kpi(t('dash.owed'), idr(owed, lang())));
}

function byStatus(counts) {
  const keys = [...STATUSES.filter((k) => k in counts), ...Object.keys(counts).filter((k) => !STATUSES.includes(k))];
  return keys.map((k) => ({ label: st(k), value: counts[k] }));
}

/** The chart specs for an analytics answer (exported for the tests' sake: plain data in, plain data out). */
export function specs(a) {
  const L = lang();
  const money = (v) => idr(v, L);
  const short = (v) => compact(v, L);
  const count = (v) => num(v);
  const weeks = a.renewals_by_week || [];
  const months = a.revenue_by_month || [];
  return [
    { id: 'ch-status', kind: 'bars', title: t('dash.by_status'), desc: t('dash.by_status_desc'), fmt: count, short,
      head: [t('crm.status'), t('dash.practices')],
      rows: byStatus(a.practices_by_status || {}) },
    { id: 'ch-type', kind: 'bars', title: t('dash.by_type'), desc: t('dash.by_type_desc'), fmt: count, short,
      head: [t('dash.type'), t('dash.practices'), t('dash.open')],
      rows: (a.practices_by_type || []).map((r) => ({ label: r.type_name || r.type_code, value: r.practices, cells: [num(r.practices), num(r.open)] })) },
    { id: 'ch-renewals', kind: 'columns', title: t('dash.renewals'), desc: t('dash.renewals_desc', { n: weeks.length }), fmt: count, short, integer: true,
      head: [t('dash.week_of'), t('dash.due')],
      rows: weeks.map((r) => ({ label: date(r.week_start, L), short: dayMonth(r.week_start, L), value: r.renewals })) },
    { id: 'ch-revenue', kind: 'columns', title: t('dash.revenue'), desc: t('dash.revenue_desc', { n: months.length }), fmt: money, short,
      head: [t('dash.month'), t('dash.received'), t('dash.payments')],
      rows: months.map((r) => ({ label: month(r.month, L, true), short: month(r.month, L), value: r.paid_idr,
        cells: [money(r.paid_idr), num(r.payments)] })) },
    { id: 'ch-workload', kind: 'bars', title: t('dash.workload'), desc: t('dash.workload_desc'), fmt: count, short,
      head: [t('crm.consultant'), t('dash.open'), t('dash.clients'), t('dash.owed')],
      rows: (a.consultant_workload || []).map((r) => ({ label: r.name, value: r.open_practices,
        cells: [num(r.open_practices), num(r.clients), money(r.outstanding_idr)] })) },
  ];
}

export async function mountDashboard(root) {
  const out = h('div', { class: 'dash', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('loading')));
  root.append(h('h2', null, t('dash.title')), tabs('dashboard'), out);
  let a;
  try {
    a = await api.request('/crm/analytics');
  } catch (e) {
    out.replaceChildren(h('p', { class: 'error', role: 'alert' }, errText(e)));
    out.setAttribute('aria-busy', 'false');
    return null;
  }
  const charts = specs(a).map(chart);
  out.replaceChildren(kpis(a.totals), h('div', { class: 'charts' }, charts.map((c) => c.el)));
  out.setAttribute('aria-busy', 'false');
  return () => charts.forEach((c) => c.stop());
}

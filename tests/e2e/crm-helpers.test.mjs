// Unit tests of the CRM screens' pure parts (in Node, no browser): the chart axis, the dashboard's chart
// specs from an analytics answer, rupiah as typed, the portal's renewals, and the chart-axis text helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { niceMax } from '../../pages/js/views/charts.js';
import { specs } from '../../pages/js/views/dashboard.js';
import { rupiah } from '../../pages/js/views/practice-forms.js';
import { upcoming } from '../../pages/js/views/portal.js';
import { compact, month, dayMonth } from '../../pages/js/text.js';

test('axis maxima are 1, 2 or 5 times a power of ten, never below the data', () => {
  assert.deepEqual([0, 0.4, 1, 3, 7, 12, 45_000, 12_500_000].map(niceMax), [1, 0.5, 1, 5, 10, 20, 50_000, 20_000_000]);
});

test('dashboard specs: statuses in workflow order, every figure of the analytics answer becomes rows', () => {
  const a = {
    practices_by_status: { approved: 2, cancelled: 0, completed: 1, in_progress: 3, inquiry: 4, quoted: 0, rejected: 0, submitted: 1 },
    practices_by_type: [{ type_code: 'E33G', type_name: 'Remote Worker KITAS (E33G)', practices: 5, open: 2 }, { type_code: 'X', type_name: null, practices: 1, open: 0 }],
    renewals_by_week: [{ week_start: '2026-12-01', renewals: 2 }, { week_start: '2026-12-08', renewals: 0 }],
    revenue_by_month: [{ month: '2026-11', paid_idr: 7_000_000, payments: 2 }, { month: '2026-12', paid_idr: 0, payments: 0 }],
    consultant_workload: [{ user_id: 'u1', name: 'Dewi', open_practices: 3, clients: 2, outstanding_idr: 4_500_000 }],
  };
  const [status, type, weeks, revenue, work] = specs(a);
  assert.deepEqual(status.rows.map((r) => [r.label, r.value]), [['Inquiry', 4], ['Quoted', 0], ['In progress', 3], ['Submitted', 1],
    ['Approved', 2], ['Rejected', 0], ['Completed', 1], ['Cancelled', 0]]);
  assert.deepEqual(type.rows.map((r) => [r.label, r.value, ...r.cells]), [['Remote Worker KITAS (E33G)', 5, '5', '2'], ['X', 1, '1', '0']]);
  assert.deepEqual(weeks.rows.map((r) => [r.short, r.value]), [['1 Dec', 2], ['8 Dec', 0]]);
  assert.ok(weeks.integer && !revenue.integer);
  assert.deepEqual(revenue.rows.map((r) => [r.label, r.short, ...r.cells]), [['November 2026', 'Nov 26', 'IDR 7,000,000', '2'], ['December 2026', 'Dec 26', 'IDR 0', '0']]);
  assert.deepEqual(work.rows[0].cells, ['3', '2', 'IDR 4,500,000']);
  assert.equal(work.head.length, 1 + work.rows[0].cells.length);
  // An answer missing a figure draws empty charts, not an error.
  assert.deepEqual(specs({}).map((s) => s.rows.length), [0, 0, 0, 0, 0]);
});

test('rupiah as typed: thousands separators go; anything else is sent as typed for the API to refuse', () => {
  assert.equal(rupiah('5.000.000'), 5_000_000);
  assert.equal(rupiah(' 5 000 000 '), 5_000_000);
  assert.equal(rupiah('5,000,000'), 5_000_000);
  assert.equal(rupiah('-5'), '-5');
  assert.equal(rupiah('5 juta'), '5 juta');
});

test('portal renewals: permits still held, expiring today or later, soonest first, with the days left', () => {
  const p = (id, expiry_date, status = 'approved') => ({ id, expiry_date, status });
  const got = upcoming([p('later', '2026-12-25'), p('past', '2026-11-30'), p('none', null), p('gone', '2026-12-02', 'cancelled'),
    p('no', '2026-12-03', 'rejected'), p('today', '2026-12-01'), p('soon', '2026-12-11', 'submitted')], '2026-12-01');
  assert.deepEqual(got.map((x) => [x.id, x.days_left]), [['today', 0], ['soon', 10], ['later', 24]]);
});

test('axis text: compact numbers and short months/days per language', () => {
  assert.equal(compact(12_500_000, 'en'), '12.5m'); // en-GB
  assert.match(compact(12_500_000, 'id'), /^12,5\s?jt$/);
  assert.equal(month('2026-06', 'en'), 'Jun 26');
  assert.equal(month('2026-06', 'it', true), 'giugno 2026');
  assert.equal(dayMonth('2026-06-10', 'en'), '10 Jun');
  assert.equal(month('nonsense', 'en'), 'nonsense');
});

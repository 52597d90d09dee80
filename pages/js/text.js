// Pure text helpers (no DOM): snippet highlights, money and dates.

/**
 * Splits `text` by `highlights` ([start, end] UTF-16 offsets, as the API sends them) into
 * [{text, mark}] segments. Out-of-range, empty, unsorted and overlapping ranges are tolerated.
 * Markdown emphasis markers (`**`) inside snippets are dropped from the shown text.
 */
export function segments(text, highlights) {
  const s = String(text || '');
  const ranges = (Array.isArray(highlights) ? highlights : [])
    .map((r) => [Math.max(0, Math.min(s.length, r[0] | 0)), Math.max(0, Math.min(s.length, r[1] | 0))])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const merged = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const out = [];
  let pos = 0;
  const push = (t, mark) => {
    t = t.replace(/\*\*/g, '');
    if (t) out.push({ text: t, mark });
  };
  for (const [a, b] of merged) {
    push(s.slice(pos, a), false);
    push(s.slice(a, b), true);
    pos = b;
  }
  push(s.slice(pos), false);
  return out;
}

const LOCALES = { en: 'en-GB', id: 'id-ID', it: 'it-IT' };

export function idr(n, lang = 'en') {
  if (n == null || !Number.isFinite(Number(n))) return '—';
  return 'IDR ' + new Intl.NumberFormat(LOCALES[lang] || 'en-GB', { maximumFractionDigits: 0 }).format(Number(n));
}

export function date(ms, lang = 'en', withTime = false) {
  if (ms == null || ms === '') return '—';
  const d = typeof ms === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(ms) ? new Date(ms + 'T00:00:00') : new Date(Number(ms) || ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const o = { year: 'numeric', month: 'short', day: 'numeric' };
  if (withTime) Object.assign(o, { hour: '2-digit', minute: '2-digit' });
  return new Intl.DateTimeFormat(LOCALES[lang] || 'en-GB', o).format(d);
}

/** A number in few characters, for chart axes: 1.5m (en-GB), 1,5 jt (id), 1,5 Mln (it). */
export function compact(n, lang = 'en') {
  return new Intl.NumberFormat(LOCALES[lang] || 'en-GB', { notation: 'compact', maximumFractionDigits: 1 }).format(Number(n) || 0);
}

/** A `YYYY-MM` month as a short name with the year ("Jun 25"); `long` spells it out ("June 2025"). */
export function month(ym, lang = 'en', long = false) {
  const d = new Date(ym + '-01T00:00:00');
  if (Number.isNaN(d.getTime())) return String(ym);
  return new Intl.DateTimeFormat(LOCALES[lang] || 'en-GB', long ? { month: 'long', year: 'numeric' } : { month: 'short', year: '2-digit' }).format(d);
}

/** A `YYYY-MM-DD` date as day and short month ("10 Jun"), for a chart's axis. */
export function dayMonth(ymd, lang = 'en') {
  const d = new Date(ymd + 'T00:00:00');
  if (Number.isNaN(d.getTime())) return String(ymd);
  return new Intl.DateTimeFormat(LOCALES[lang] || 'en-GB', { day: 'numeric', month: 'short' }).format(d);
}

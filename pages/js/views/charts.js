// Accessible inline-SVG charts (no library, nothing inline the CSP forbids: colours and type come from
// app.css classes, geometry from SVG attributes). Each chart is a card with a heading, an SVG with
// role="img", an aria-label, <title> and <desc> (a text summary of the numbers), and the same numbers
// as a table under "Show as table". The SVG is drawn at the card's pixel width (redrawn when that
// changes), so its text stays readable on a phone and on a desktop alike.
import { h } from '../dom.js';
import { t } from '../i18n.js';

const NS = 'http://www.w3.org/2000/svg';
let seq = 0;

function s(tag, attrs, ...kids) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, String(v));
  for (const k of kids) if (k != null) el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return el;
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceMax(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max);
}

/**
 * A chart card. spec: { id, kind: 'bars' (horizontal, one row per category) | 'columns' (vertical, a time
 * series), title, desc (what it shows), rows: [{ label, value, short? (axis label), cells? (table cells) }],
 * fmt (value → text), short (value → compact text for the axis), integer (counts: no fractional gridline),
 * head (table column headings) }.
 * Returns { el, stop } (stop ends the resize observer).
 */
export function chart(spec) {
  const id = spec.id || 'chart-' + ++seq;
  const summary = spec.rows.length
    ? spec.rows.map((r) => `${r.label}: ${spec.fmt(r.value)}`).join('; ')
    : t('dash.no_data');
  const desc = spec.desc + ' ' + summary + '.';
  const box = h('div', { class: 'chart-box' });
  const table = h('table', null, h('caption', { class: 'sr-only' }, spec.title),
    h('thead', null, h('tr', null, spec.head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, spec.rows.map((r) => h('tr', null, h('th', { scope: 'row' }, r.label),
      (r.cells || [spec.fmt(r.value)]).map((c) => h('td', null, c))))));
  const el = h('section', { class: 'card chart', id, 'aria-labelledby': id + '-h' },
    h('h3', { id: id + '-h' }, spec.title), box,
    h('details', { class: 'chart-table' }, h('summary', null, t('dash.table')), table));
  let width = 0;
  const draw = () => {
    const w = Math.round(box.clientWidth);
    if (!w || w === width) return;
    width = w;
    const svg = (spec.kind === 'columns' ? columns : bars)(spec, w);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', spec.title);
    svg.prepend(s('title', null, spec.title), s('desc', null, desc));
    box.replaceChildren(svg);
  };
  const ro = new ResizeObserver(draw);
  ro.observe(box);
  return { el, stop: () => ro.disconnect() };
}

/** Horizontal bars: the label above each bar, the value at its end. */
function bars(spec, w) {
  const rowH = 40;
  const max = Math.max(0, ...spec.rows.map((r) => r.value));
  const height = Math.max(1, spec.rows.length) * rowH;
  const svg = s('svg', { width: w, height, viewBox: `0 0 ${w} ${height}`, class: 'chart-svg' });
  if (!spec.rows.length) svg.append(s('text', { x: 0, y: 20, class: 'chart-empty' }, t('dash.no_data')));
  // The values in a right-aligned column after the bars, as wide as the longest needs (~7.5px a character).
  const valueRoom = Math.max(36, 12 + 7.5 * Math.max(0, ...spec.rows.map((r) => spec.fmt(r.value).length)));
  const track = Math.max(40, w - valueRoom);
  spec.rows.forEach((r, i) => {
    const y = i * rowH;
    const len = max > 0 ? Math.max(r.value > 0 ? 2 : 0, (r.value / max) * track) : 0;
    svg.append(
      s('text', { x: 0, y: y + 13, class: 'chart-label' }, r.label),
      s('rect', { x: 0, y: y + 18, width: track, height: 14, rx: 3, class: 'chart-track' }),
      s('rect', { x: 0, y: y + 18, width: len.toFixed(1), height: 14, rx: 3, class: 'chart-bar' }),
      s('text', { x: w, y: y + 30, class: 'chart-value', 'text-anchor': 'end' }, spec.fmt(r.value)));
  });
  return svg;
}

/** Vertical columns over time, with a y axis of round values and as many x labels as fit. */
function columns(spec, w) {
  const height = 200;
  const left = 52;
  const bottom = 24;
  const top = 18;
  const plotH = height - top - bottom;
  const n = Math.max(1, spec.rows.length);
  const slot = (w - left) / n;
  const max = niceMax(Math.max(0, ...spec.rows.map((r) => r.value)));
  const svg = s('svg', { width: w, height, viewBox: `0 0 ${w} ${height}`, class: 'chart-svg' });
  // Gridlines at 0, half and the top; counts (spec.integer) get no fractional line.
  for (const f of [0, 0.5, 1].filter((x) => !spec.integer || Number.isInteger(max * x))) {
    const y = top + plotH * (1 - f);
    svg.append(s('line', { x1: left, x2: w, y1: y, y2: y, class: 'chart-grid' }),
      s('text', { x: left - 6, y: y + 4, class: 'chart-axis', 'text-anchor': 'end' }, spec.short(max * f)));
  }
  const every = Math.ceil(56 / slot); // x labels at least ~56px apart
  const showValues = slot >= 34;
  spec.rows.forEach((r, i) => {
    const bh = (r.value / max) * plotH;
    const x = left + i * slot + slot * 0.15;
    const bw = slot * 0.7;
    svg.append(s('rect', { x: x.toFixed(1), y: (top + plotH - bh).toFixed(1), width: bw.toFixed(1), height: bh.toFixed(1), rx: 2, class: 'chart-bar' }));
    if (showValues && r.value > 0) {
      svg.append(s('text', { x: (x + bw / 2).toFixed(1), y: (top + plotH - bh - 4).toFixed(1), class: 'chart-value', 'text-anchor': 'middle' }, spec.short(r.value)));
    }
    if (i % every === 0) {
      svg.append(s('text', { x: (x + bw / 2).toFixed(1), y: height - 6, class: 'chart-axis', 'text-anchor': 'middle' }, r.short || r.label));
    }
  });
  return svg;
}

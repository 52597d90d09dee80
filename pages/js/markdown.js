// Safe Markdown for model answers and knowledge-base text: parse() builds a small tree, render() turns it
// into DOM nodes with createElement/createTextNode only (never innerHTML), so nothing in the text can
// become markup. Supported: paragraphs, headings, bullet and numbered lists (nested by indentation),
// fenced code, **bold**, *italic*, `code`, [links](https://…) and bare http(s) URLs (links only http(s),
// opened with rel=noopener), and citations [n]. Pure: `render` takes the document to build with.

const BULLET = /^( *)[-*+•] +(.*)$/;
const NUMBER = /^( *)(\d{1,9})[.)] +(.*)$/;
const HEADING = /^(#{1,6}) +(.*?) *#*$/;
const FENCE = /^ *(```|~~~)/;

/** Only absolute http(s) URLs survive; everything else (javascript:, data:, relative) is refused. */
export function safeUrl(raw) {
  const s = String(raw || '').trim();
  if (!/^https?:\/\//i.test(s) || /[\s<>"]/.test(s)) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Inline syntax → [{t:'text',v} | {t:'strong',c} | {t:'em',c} | {t:'code',v} | {t:'link',href,c} | {t:'cite',n}]. */
export function parseInline(text) {
  const out = [];
  let plain = '';
  const flush = () => { if (plain) { out.push({ t: 'text', v: plain }); plain = ''; } };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const rest = text.slice(i);
    let m;
    if (c === '\\' && i + 1 < text.length && /[\\`*_[\]()#+\-.!>]/.test(text[i + 1])) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`' && (m = /^(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/.exec(rest))) {
      flush();
      out.push({ t: 'code', v: m[2].trim() || m[2] });
      i += m[0].length;
      continue;
    }
    if ((c === '*' || c === '_') && (m = /^(\*\*|__)(?=\S)([\s\S]*?\S)\1/.exec(rest))) {
      flush();
      out.push({ t: 'strong', c: parseInline(m[2]) });
      i += m[0].length;
      continue;
    }
    if (c === '*' && (m = /^\*(?=[^\s*])([^*\n]*?[^\s*])\*(?!\*)/.exec(rest))) {
      flush();
      out.push({ t: 'em', c: parseInline(m[1]) });
      i += m[0].length;
      continue;
    }
    if (c === '[') {
      if ((m = /^\[(\d{1,3})\]/.exec(rest)) && rest[m[0].length] !== '(') {
        flush();
        out.push({ t: 'cite', n: Number(m[1]) });
        i += m[0].length;
        continue;
      }
      if ((m = /^\[([^\]\n]+)\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/.exec(rest))) {
        const href = safeUrl(m[2]);
        flush();
        if (href) out.push({ t: 'link', href, c: parseInline(m[1]) });
        else out.push(...parseInline(m[1])); // unsafe target: keep the words, drop the link
        i += m[0].length;
        continue;
      }
    }
    if ((c === 'h' || c === 'H') && (m = /^https?:\/\/[^\s<>"'`]+/i.exec(rest)) && !/[\w/]$/.test(plain)) {
      let url = m[0].replace(/[.,;:!?)\]'"]+$/, '');
      const href = safeUrl(url);
      if (href) {
        flush();
        out.push({ t: 'link', href, c: [{ t: 'text', v: url }] });
        i += url.length;
        continue;
      }
    }
    plain += c;
    i++;
  }
  flush();
  return out;
}

function indentOf(line) {
  return line.length - line.trimStart().length;
}

function listItem(line) {
  let m = NUMBER.exec(line);
  if (m) return { indent: m[1].length, ordered: true, start: Number(m[2]), text: m[3] };
  m = BULLET.exec(line);
  if (m && !/^ *(\*\*|[-*_] *[-*_] *[-*_] *$)/.test(line)) return { indent: m[1].length, ordered: false, text: m[2] };
  return null;
}

/** Parses list lines from `lines[i]` at `indent`; returns [node, next index]. */
function parseList(lines, i, first) {
  const node = { t: first.ordered ? 'ol' : 'ul', start: first.start || 1, items: [] };
  let item = null;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      // A blank line ends the list unless the next line continues it.
      const next = lines[i + 1];
      const li = next !== undefined ? listItem(next) : null;
      if (li && li.indent >= first.indent && (li.indent > first.indent || li.ordered === first.ordered)) { i++; continue; }
      if (next !== undefined && next.trim() && indentOf(next) > first.indent && item) { i++; continue; }
      break;
    }
    const li = listItem(line);
    if (li && li.indent < first.indent) break;
    if (li && li.indent < first.indent + 2) {
      if (li.ordered !== first.ordered) break;
      item = { text: li.text, children: [] };
      node.items.push(item);
      i++;
      continue;
    }
    if (li && item) {
      const [sub, j] = parseList(lines, i, li);
      item.children.push(sub);
      i = j;
      continue;
    }
    if (!item || FENCE.test(line) || HEADING.test(line.trim())) break;
    item.text += '\n' + line.trim(); // continuation (lazy, or indented after a blank line)
    i++;
  }
  for (const it of node.items) { it.c = parseInline(it.text); delete it.text; }
  return [node, i];
}

/** Block structure → [{t:'p',c} | {t:'h',level,c} | {t:'ul'|'ol',start,items:[{c,children}]} | {t:'pre',v} | {t:'hr'}]. */
export function parse(text) {
  const lines = String(text || '').replace(/\r\n?/g, '\n').split('\n');
  const blocks = [];
  let para = [];
  const endPara = () => {
    if (para.length) blocks.push({ t: 'p', c: parseInline(para.join('\n')) });
    para = [];
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const trimmed = line.trim();
    let m;
    if (!trimmed) { endPara(); i++; continue; }
    if ((m = FENCE.exec(line))) {
      endPara();
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(m[1])) body.push(lines[i++]);
      i++; // the closing fence (or the end of an unfinished stream)
      blocks.push({ t: 'pre', v: body.join('\n') });
      continue;
    }
    if ((m = HEADING.exec(trimmed))) {
      endPara();
      blocks.push({ t: 'h', level: m[1].length, c: parseInline(m[2]) });
      i++;
      continue;
    }
    if (/^([-*_])( *\1){2,} *$/.test(trimmed)) { endPara(); blocks.push({ t: 'hr' }); i++; continue; }
    const li = listItem(line);
    if (li && (li.indent < 4 || !para.length) && (!li.ordered || li.start === 1 || !para.length)) {
      endPara();
      const [list, j] = parseList(lines, i, li);
      blocks.push(list);
      i = j;
      continue;
    }
    para.push(trimmed);
    i++;
  }
  endPara();
  return blocks;
}

function inlineNodes(doc, parent, nodes, opts) {
  for (const n of nodes) {
    if (n.t === 'text') {
      // A single newline inside a paragraph is a line break.
      n.v.split('\n').forEach((part, k) => {
        if (k) parent.appendChild(doc.createElement('br'));
        if (part) parent.appendChild(doc.createTextNode(part));
      });
    } else if (n.t === 'code') {
      const el = doc.createElement('code');
      el.appendChild(doc.createTextNode(n.v));
      parent.appendChild(el);
    } else if (n.t === 'strong' || n.t === 'em') {
      const el = doc.createElement(n.t);
      inlineNodes(doc, el, n.c, opts);
      parent.appendChild(el);
    } else if (n.t === 'link') {
      const a = doc.createElement('a');
      a.setAttribute('href', n.href);
      a.setAttribute('rel', 'noopener noreferrer');
      a.setAttribute('target', '_blank');
      inlineNodes(doc, a, n.c, opts);
      parent.appendChild(a);
    } else if (n.t === 'cite') {
      const href = opts.citeHref ? opts.citeHref(n.n) : null;
      const el = doc.createElement(href ? 'a' : 'span');
      el.setAttribute('class', 'cite');
      if (href) {
        el.setAttribute('href', href);
        el.setAttribute('aria-label', (opts.citeLabel || 'Source') + ' ' + n.n);
      }
      el.appendChild(doc.createTextNode('[' + n.n + ']'));
      parent.appendChild(el);
    }
  }
}

function blockNodes(doc, parent, blocks, opts) {
  for (const b of blocks) {
    let el;
    if (b.t === 'p') {
      el = doc.createElement('p');
      inlineNodes(doc, el, b.c, opts);
    } else if (b.t === 'h') {
      // Answers sit under the page's own headings: start them at h3.
      el = doc.createElement('h' + Math.min(6, b.level + 2));
      inlineNodes(doc, el, b.c, opts);
    } else if (b.t === 'pre') {
      el = doc.createElement('pre');
      const code = doc.createElement('code');
      code.appendChild(doc.createTextNode(b.v));
      el.appendChild(code);
    } else if (b.t === 'hr') {
      el = doc.createElement('hr');
    } else {
      el = doc.createElement(b.t);
      if (b.t === 'ol' && b.start !== 1) el.setAttribute('start', String(b.start));
      for (const it of b.items) {
        const li = doc.createElement('li');
        inlineNodes(doc, li, it.c, opts);
        blockNodes(doc, li, it.children, opts);
        el.appendChild(li);
      }
    }
    parent.appendChild(el);
  }
}

/**
 * Renders Markdown `text` into a DocumentFragment of `doc`. Options: citeHref(n) → href for [n] (or null
 * for plain text), citeLabel (accessible name prefix of citation links).
 */
export function render(text, doc, opts = {}) {
  const frag = doc.createDocumentFragment();
  blockNodes(doc, frag, parse(text), opts);
  return frag;
}

/** Plain text of Markdown (for copying answers). */
export function toPlain(text) {
  return String(text || '').replace(/\*\*([^*]+)\*\*/g, '$1').replace(/`([^`]+)`/g, '$1');
}

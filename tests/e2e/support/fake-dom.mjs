// The least DOM the Markdown renderer needs, for Node tests: createElement, createTextNode,
// createDocumentFragment, appendChild, setAttribute. innerHTML/outerHTML/insertAdjacentHTML throw, so a
// renderer that tried to use HTML strings would fail the tests. serialize() escapes text like a browser.
class FakeNode {
  constructor() { this.childNodes = []; }
  appendChild(n) { this.childNodes.push(n); return n; }
  get textContent() { return this.childNodes.map((c) => c.textContent).join(''); }
  set innerHTML(_) { throw new Error('innerHTML is not allowed'); }
  set outerHTML(_) { throw new Error('outerHTML is not allowed'); }
  insertAdjacentHTML() { throw new Error('insertAdjacentHTML is not allowed'); }
}
class FakeText extends FakeNode {
  constructor(v) { super(); this.data = String(v); }
  get textContent() { return this.data; }
}
class FakeElement extends FakeNode {
  constructor(tag) { super(); this.tagName = tag.toUpperCase(); this.attributes = new Map(); }
  setAttribute(k, v) { this.attributes.set(k, String(v)); }
  getAttribute(k) { return this.attributes.has(k) ? this.attributes.get(k) : null; }
}
class FakeFragment extends FakeNode {}

export const fakeDocument = {
  createElement: (t) => new FakeElement(t),
  createTextNode: (v) => new FakeText(v),
  createDocumentFragment: () => new FakeFragment(),
};

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s) => esc(s).replace(/"/g, '&quot;');

export function serialize(n) {
  if (n instanceof FakeText) return esc(n.data);
  const inner = n.childNodes.map(serialize).join('');
  if (n instanceof FakeFragment) return inner;
  const tag = n.tagName.toLowerCase();
  const attrs = [...n.attributes].map(([k, v]) => ` ${k}="${escAttr(v)}"`).join('');
  return ['br', 'hr'].includes(tag) ? `<${tag}${attrs}>` : `<${tag}${attrs}>${inner}</${tag}>`;
}

/** All elements under `n` (depth first). */
export function elements(n, out = []) {
  for (const c of n.childNodes) {
    if (c instanceof FakeElement) { out.push(c); elements(c, out); } else if (c instanceof FakeFragment) elements(c, out);
  }
  return out;
}

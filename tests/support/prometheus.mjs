// A strict parser for the Prometheus text exposition format (0.0.4): throws on any malformed line,
// so a test that parses /metrics proves the format, not just the presence of some strings.
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

export function parsePrometheus(text) {
  const families = new Map();
  const family = (name) => {
    if (!families.has(name)) families.set(name, { type: 'untyped', help: '', samples: [] });
    return families.get(name);
  };
  const familyOf = (sample) => {
    for (const suffix of ['_bucket', '_sum', '_count', '']) {
      const base = suffix ? sample.replace(new RegExp(`${suffix}$`), '') : sample;
      if (families.has(base) && (suffix === '' || base !== sample)) return families.get(base);
    }
    return family(sample);
  };
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const fail = (why) => { throw new Error(`line ${i + 1}: ${why}: ${line}`); };
    if (line.startsWith('#')) {
      const m = line.match(/^# (HELP|TYPE) (\S+) ?(.*)$/);
      if (!m) return; // plain comment
      if (!NAME.test(m[2])) fail('bad metric name');
      if (m[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3])) fail('bad type');
        family(m[2]).type = m[3];
      } else family(m[2]).help = m[3];
      return;
    }
    const m = line.match(SAMPLE);
    if (!m) fail('not a sample');
    const labels = {};
    if (m[3]) {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < m[3].length) {
        const l = LABEL.exec(m[3]);
        if (!l) fail('bad labels');
        labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
      }
    }
    const value = m[4] === '+Inf' ? Infinity : Number(m[4]);
    if (Number.isNaN(value)) fail('bad value');
    familyOf(m[1]).samples.push({ name: m[1], labels, value });
  });
  return families;
}

// The platform's floor for `make bench`: the same runtime (wrangler dev / workerd) and the same D1 state as the
// Nuzantara worker, doing the least work an endpoint can do. Our overhead is reported as a ratio to these.
//   GET  /health        -> {"status":"ok"}  (a trivial JSON response)
//   POST /api/search    {query, rows?} -> the raw FTS5 query (one statement, the top `rows` by bm25, 10 unless
//                       given) as JSON; bench/lua/search-wide.lua asks for as many rows as our search reads
// The query text becomes an FTS5 expression the way ours does (every word quoted, OR-ed), so both run
// the same MATCH; nothing else (no analysis, no expansion, no rerank, no snippets, no citations).
const SQL = `SELECT c.id AS chunk_id, c.document_id, c.collection, c.section, c.text,
  bm25(kb_chunks_fts, 2.0, 1.0, 4.0) AS bm25
  FROM kb_chunks_fts JOIN kb_chunks c ON c.rowid = kb_chunks_fts.rowid
  WHERE kb_chunks_fts MATCH ?1 ORDER BY bm25 LIMIT ?2`;

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function ftsExpression(query) {
  const words = query.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  return words.length ? words.map((w) => `"${w}"`).join(' OR ') : null;
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === '/health') return json({ status: 'ok' });
    if (pathname === '/api/search' && request.method === 'POST') {
      let query;
      let rows;
      try {
        ({ query, rows } = await request.json());
      } catch {
        return json({ error: 'bad json' }, 400);
      }
      const fts = typeof query === 'string' ? ftsExpression(query) : null;
      if (!fts) return json({ error: 'query required' }, 422);
      const limit = Number.isInteger(rows) && rows > 0 && rows <= 100 ? rows : 10;
      const { results } = await env.DB.prepare(SQL).bind(fts, limit).all();
      return json({ results });
    }
    return json({ error: 'not found' }, 404);
  },
};

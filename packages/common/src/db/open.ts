import { resolve } from 'node:path';
import type { Db } from './Db.js';
import { openPostgres } from './postgres.js';

/**
 * `postgres://…` / `postgresql://…`: a PostgreSQL server. `pglite:PATH`: embedded PGlite
 * with its data in PATH; `pglite:memory`: embedded, in memory.
 */
export async function openDatabase(url: string): Promise<Db> {
  if (url.startsWith('pglite:')) {
    const location = url.slice('pglite:'.length).replace(/^\/\//, '');
    // Imported only when chosen: PGlite's WASM engine stays out of PostgreSQL deployments.
    const { openPglite } = await import('./pglite.js');
    return openPglite(location === 'memory' ? undefined : resolve(location));
  }
  const db = openPostgres(url);
  await db.query('select 1');
  return db;
}

/** What a database URL names, for start-up logs (never the password). */
export function describeDatabase(url: string): string {
  if (url.startsWith('pglite:')) return `PGlite (${url.slice('pglite:'.length)})`;
  const parsed = new URL(url);
  return `PostgreSQL (${parsed.hostname}:${parsed.port || 5432}${parsed.pathname})`;
}

import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { Db, Queryable } from './Db.js';
import { once } from '../lifecycle.js';

function wrap(client: PGlite | Transaction): Queryable {
  return {
    async query<R extends object>(sql: string, params?: readonly unknown[]) {
      const result = await client.query<R>(sql, params as unknown[] | undefined);
      // like node-postgres: rows returned for SELECT/RETURNING, rows changed otherwise
      return { rows: result.rows, rowCount: result.rows.length || (result.affectedRows ?? 0) };
    },
    async exec(sql: string) {
      await client.exec(sql);
    },
  };
}

/**
 * Contrib extensions the migrations create: PostgreSQL ships them, PGlite only loads the ones
 * given here (`unaccent`: the catalog's accent-insensitive search, API migration 006).
 */
const EXTENSIONS = { unaccent };

/** `dataDir` undefined: in memory (tests). PGlite's first start runs initdb (a few seconds). */
export async function openPglite(dataDir: string | undefined): Promise<Db> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, { extensions: EXTENSIONS });
  const base = wrap(pglite);
  return {
    engine: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction: (fn) => pglite.transaction((tx) => fn(wrap(tx))),
    async listen(channel, handlers) {
      // One embedded connection: nothing to lose, so it listens until closed.
      const unlisten = await pglite.listen(channel, (payload) => handlers.notify(payload));
      handlers.listening?.();
      return { close: once(() => (pglite.closed ? Promise.resolve() : unlisten())) };
    },
    close: once(() => pglite.close()),
  };
}

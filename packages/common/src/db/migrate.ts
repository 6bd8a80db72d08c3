import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from './Db.js';

/**
 * Applies `NNN_name.sql` files from `dir` in order, each once, each in its own transaction,
 * recorded in `table`. Each service has its own table, so services migrate independently.
 * An advisory lock keeps replicas that start together from applying a file twice.
 */
export async function migrate(db: Db, options: { dir: string; table: string }): Promise<string[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.table))
    throw new Error(`bad migrations table name: ${options.table}`);
  const files = (await readdir(options.dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [options.table]);
    await tx.exec(
      `create table if not exists ${options.table} (name text primary key, applied_at timestamptz not null default now())`,
    );
  });
  for (const file of files) {
    await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [options.table]);
      const done = await tx.query(`select 1 from ${options.table} where name = $1`, [file]);
      if (done.rowCount > 0) return;
      await tx.exec(await readFile(join(options.dir, file), 'utf8'));
      await tx.query(`insert into ${options.table} (name) values ($1)`, [file]);
      applied.push(file);
    });
  }
  return applied;
}

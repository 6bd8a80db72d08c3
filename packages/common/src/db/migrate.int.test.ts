import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_ADAPTERS, type TestDatabase } from '@learnlive/testing';
import { migrate } from './migrate.js';

describe.each(DATABASE_ADAPTERS)('migrate on %s', (_name, create) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  async function migrations(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
    return dir;
  }

  it('applies files in order, once each, and records them', async () => {
    database = await create();
    const dir = await migrations({
      '002_add.sql': 'alter table things add column size int not null default 0;',
      '001_init.sql': 'create table things (id serial primary key, name text not null);',
      'README.md': 'not a migration',
    });
    expect(await migrate(database.db, { dir, table: 'm' })).toEqual(['001_init.sql', '002_add.sql']);
    expect(await migrate(database.db, { dir, table: 'm' })).toEqual([]);
    await database.db.query('insert into things (name, size) values ($1, $2)', ['a', 3]);
    const { rows } = await database.db.query<{ name: string; size: number }>('select name, size from things');
    expect(rows).toEqual([{ name: 'a', size: 3 }]);
  });

  it('rolls a failing file back whole and keeps earlier ones', async () => {
    database = await create();
    const dir = await migrations({
      '001_ok.sql': 'create table a (id int);',
      '002_bad.sql': 'create table b (id int); select * from no_such_table;',
    });
    await expect(migrate(database.db, { dir, table: 'm' })).rejects.toThrow(/no_such_table/);
    const { rows } = await database.db.query<{ name: string }>('select name from m');
    expect(rows.map((r) => r.name)).toEqual(['001_ok.sql']);
    const b = await database.db.query(`select to_regclass('b') as t`);
    expect(b.rows[0]).toEqual({ t: null });
  });

  it('runs transactions atomically', async () => {
    database = await create();
    await database.db.exec('create table t (v int)');
    await expect(
      database.db.transaction(async (tx) => {
        await tx.query('insert into t values (1)');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await database.db.query('select * from t')).rowCount).toBe(0);
  });
});

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Db } from '@learnlive/common';

/** The running PostgreSQL server's admin URL (tests create their own databases in it). */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly url: string;
  readonly db: Db;
  /** Closes the connection and drops the database. */
  drop(): Promise<void>;
}

/** A new, empty database on the running PostgreSQL server, for one test file. */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase(url.toString());
  return {
    url: url.toString(),
    db,
    drop: async () => {
      await db.close();
      const dropper = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** An in-memory PGlite database. */
export async function createPgliteDatabase(): Promise<TestDatabase> {
  const db = await openDatabase('pglite:memory');
  return { url: 'pglite:memory', db, drop: () => db.close() };
}

/**
 * The database adapters every suite that touches the database runs against:
 * `describe.each(DATABASE_ADAPTERS)('%s', (_name, create) => …)`.
 */
export const DATABASE_ADAPTERS: ReadonlyArray<readonly [string, () => Promise<TestDatabase>]> = [
  ['postgresql', createPostgresDatabase],
  ['pglite', createPgliteDatabase],
];

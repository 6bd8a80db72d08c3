/** The part of a database connection that queries: a pool, a client in a transaction, PGlite. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number }>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * The database port. Two adapters: PostgreSQL (node-postgres pool) and PGlite (embedded
 * Postgres in WASM, one connection). The same SQL and migrations run on both.
 */
export interface Db extends Queryable {
  readonly engine: 'postgresql' | 'pglite';
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

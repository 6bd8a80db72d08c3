export interface QueryOptions {
  /**
   * Prepare the statement once per connection and reuse it (PostgreSQL: a named statement, so
   * it is parsed and planned once instead of on every call). For hot queries whose text comes
   * from a bounded set; never for text built from values. @default false
   */
  prepare?: boolean;
}

/** The part of a database connection that queries: a pool, a client in a transaction, PGlite. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
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
  /**
   * Calls `handlers.notify` for each `NOTIFY channel` committed by anyone (PostgreSQL: on a
   * dedicated connection, reconnected when lost). `lost` says notifications may have been missed
   * (the connection dropped) until the next `listening`, which also follows the first LISTEN.
   */
  listen(channel: string, handlers: ListenHandlers): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

export interface ListenHandlers {
  notify(payload: string): void;
  /** LISTEN is in place: from now on no notification is missed. */
  listening?(): void;
  /** The listening connection was lost: notifications may be missed until `listening`. */
  lost?(): void;
}

import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Db, ListenHandlers, Queryable, QueryOptions } from './Db.js';
import { once } from '../lifecycle.js';

// int8 (counts, offsets, bigserial ids) as JS numbers: ours stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Statement names by text: node-postgres prepares a named statement once per connection. */
const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `s_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R extends object>(sql: string, params?: readonly unknown[], options?: QueryOptions) {
      const values = params as unknown[] | undefined;
      const result = await (options?.prepare
        ? client.query({ name: statementName(sql), text: sql, values })
        : client.query(sql, values));
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

export function openPostgres(url: string, options: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const base = wrap(pool);
  return {
    engine: 'postgresql',
    query: base.query,
    exec: base.exec,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    listen: (channel, handlers) => listenPostgres(url, channel, handlers),
    close: once(() => pool.end()),
  };
}

const RELISTEN_MS = 1000;

/** LISTEN on a connection of its own (a pooled one would drop it), reconnecting until closed. */
async function listenPostgres(url: string, channel: string, handlers: ListenHandlers) {
  if (!/^\w+$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    client = next;
    let dropped = false;
    const drop = () => {
      if (dropped) return;
      dropped = true;
      next.end().catch(() => {});
      if (closed) return;
      handlers.lost?.();
      retry = setTimeout(() => void connect().catch(() => {}), RELISTEN_MS);
    };
    next.on('error', drop);
    next.on('end', drop);
    next.on('notification', (message) => {
      if (message.channel === channel) handlers.notify(message.payload ?? '');
    });
    try {
      await next.connect();
      await next.query(`listen ${channel}`);
    } catch (err) {
      drop();
      throw err;
    }
    if (!closed) handlers.listening?.();
  };
  try {
    await connect();
  } catch (err) {
    closed = true;
    clearTimeout(retry);
    throw err;
  }
  return {
    close: once(async () => {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    }),
  };
}

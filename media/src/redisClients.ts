import type { Logger } from '@learnlive/common';
import { Redis, type RedisOptions } from 'ioredis';

/** A command gets an answer or fails within this (Redis answers in well under a millisecond). */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** Reconnect attempts back off to this, and go on for as long as the process runs. */
const RECONNECT_MAX_DELAY_MS = 5_000;

/**
 * The one policy of every Redis connection of the media service (room state, placement, token
 * generations, the job queue):
 * - a command sent while Redis is away waits for the reconnect, but no longer than
 *   `REDIS_COMMAND_TIMEOUT_MS`: nothing hangs on an outage (a join reading bans, a placement
 *   claim, a finished recording's job); each caller decides what a failure means;
 * - reconnects forever, backing off to 5 s;
 * - errors are logged once per outage (warn) and the return once (info); without a listener an
 *   ioredis error would crash the process.
 * `maxRetriesPerRequest: null` is also what BullMQ requires.
 */
const POLICY: RedisOptions = {
  connectTimeout: CONNECT_TIMEOUT_MS,
  commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
  maxRetriesPerRequest: null,
  retryStrategy: (attempt) => Math.min(attempt * 200, RECONNECT_MAX_DELAY_MS),
};

/**
 * The media service's Redis connections (`REDIS_URL`): built here with one policy, named
 * `media-<role>` (Redis `CLIENT LIST`), closed together by `close()` after their users.
 */
export class MediaRedis {
  private readonly clients: Redis[] = [];
  private closed = false;

  constructor(
    readonly url: string,
    private readonly logger: Logger,
  ) {}

  /** A new connection for `role` (e.g. `room-state`). */
  connect(role: string): Redis {
    if (this.closed) throw new Error('media redis connections are closed');
    const name = `media-${role}`;
    const client = new Redis(this.url, { ...POLICY, connectionName: name });
    const log = this.logger.child({ redis: name });
    let down = false;
    client.on('error', (err: Error) => {
      if (down) return log.debug({ err: err.message }, 'redis still unreachable');
      down = true;
      log.warn({ err: err.message }, 'redis unreachable; reconnecting');
    });
    client.on('ready', () => {
      if (!down) return;
      down = false;
      log.info('redis reachable again');
    });
    this.clients.push(client);
    return client;
  }

  /** Every connection answers (readiness). */
  async ping(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.ping()));
  }

  /** Closes every connection (QUIT, or a disconnect when Redis is away). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.clients.map((client) =>
        client.status === 'ready' ? client.quit().catch(() => client.disconnect()) : client.disconnect(),
      ),
    );
  }
}

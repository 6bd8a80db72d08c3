import {
  AppError,
  withTimeout,
  type Db,
  type Logger,
  type RealtimePublisher,
  type TokenGenerations,
} from '@learnlive/common';
import { userRoom, type AccessRevocationReason } from '@learnlive/contracts';
import type { ApiConfig } from '../config.js';
import { NotifiedCache } from '../notifiedCache.js';

/**
 * Whether an access token is still good though its signature and `exp` are: its `gen` must be
 * the user's current token generation. Bumping the generation (sign-out everywhere, password or
 * role change, ban) ends every older access token at once. A ban needs no check of its own: it
 * bumps the generation in the same transaction, and sign-in and refresh refuse banned accounts,
 * so no token of the current generation exists while an account is banned.
 *
 * Checked on every authenticated request, so it must stay cheap: each user's generation is kept
 * in memory for `cacheMs`, and the database sends `user_tokens_revoked` at the commit of every
 * bump (migration 101), which drops that user's entry in every API process; the process that
 * made the change also drops it before answering (`forget`).
 */
export class AccessRevocation {
  /** Generation by user id; null: the account no longer exists. */
  readonly #generations: NotifiedCache<number | null>;

  constructor(
    private readonly db: Db,
    cacheMs: number,
    now: () => number = Date.now,
  ) {
    this.#generations = new NotifiedCache({ ttlMs: cacheMs, maxEntries: 100_000, now });
  }

  /** Listens for revocations from every process; close the result when the API stops. */
  listen(log: Logger): Promise<{ close(): Promise<void> }> {
    return this.#generations.listen(this.db, 'user_tokens_revoked', log);
  }

  /**
   * Throws `token_expired` (the client refreshes; a revoked session or a banned account then
   * fails that too) when `generation` is not the user's current one, `unauthenticated` for a
   * deleted account. Synchronous when the generation is cached.
   */
  check(userId: string, generation: number): void | Promise<void> {
    const current = this.#generations.get(userId, () => this.#load(userId));
    return current instanceof Promise
      ? current.then((value) => judge(value, generation))
      : judge(current, generation);
  }

  /** This process changed the user's generation: no cached value survives it. */
  forget(userId: string): void {
    this.#generations.forget(userId);
  }

  async #load(userId: string): Promise<number | null> {
    const { rows } = await this.db.query<{ token_generation: number }>(
      'select token_generation from users where id = $1',
      [userId],
      { prepare: true },
    );
    return rows[0]?.token_generation ?? null;
  }
}

function judge(current: number | null, generation: number): void {
  if (current === null) throw new AppError('unauthenticated', 'this account no longer exists');
  if (current !== generation) {
    throw new AppError('token_expired', 'this access token was revoked; refresh the session');
  }
}

/**
 * The part of the API's context `accessRevoked` uses. Spelled out rather than picked from
 * `ApiContext`: context.ts imports this module, and the two would form an import cycle.
 */
export interface RevocationContext {
  revocation: AccessRevocation;
  publisher: RealtimePublisher;
  generations: TokenGenerations | undefined;
  logger: Logger;
  config: Pick<ApiConfig, 'auth'>;
}

/** How long recording the new generation may hold up the answer (Redis away: the cut goes on). */
const RECORD_TIMEOUT_MS = 1_000;

/**
 * Call after the commit of a generation bump, with the user's new `generation`. This process
 * stops trusting its cached generation; the new one is recorded for the realtime handshake
 * (`ctx.generations`, for the access-token lifetime), so a socket opened with an older token is
 * refused; then every open realtime socket of the user, on every node, is told why
 * (`auth:revoked`) and disconnected: the realtime layer checks a token only at the handshake, so
 * without this a revoked user's chat stayed open until the token's `exp`.
 */
export async function accessRevoked(
  ctx: RevocationContext,
  userId: string,
  reason: AccessRevocationReason,
  generation: number,
): Promise<void> {
  ctx.revocation.forget(userId);
  if (ctx.generations) {
    await withTimeout(
      ctx.generations.record(userId, generation, ctx.config.auth.accessTokenTtlSeconds),
      RECORD_TIMEOUT_MS,
    ).catch((err: unknown) =>
      // The API itself still refuses the old tokens; only a new realtime handshake is not.
      ctx.logger.warn({ err: String(err), userId }, 'token generation not recorded for realtime'),
    );
  }
  const rooms = [userRoom(userId)];
  ctx.publisher.publish(rooms, 'auth:revoked', { reason });
  ctx.publisher.disconnect(rooms);
}

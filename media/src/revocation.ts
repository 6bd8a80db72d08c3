import {
  GENERATION_READ_TIMEOUT_MS,
  isRevoked,
  withTimeout,
  type Logger,
  type TokenGenerations,
} from '@learnlive/common';

/** A connected signalling session as the revocation check sees it. */
export interface RevocableSession {
  userId: string;
  /** The room token's `gen` (0 when absent). */
  generation: number;
  /** Tells the client why, removes its peer as a kick does, disconnects it. */
  cut(): void;
}

/**
 * A room token is checked once, at the handshake, and lives 5 minutes; the API's revocations (sign-out
 * everywhere, password or role change, ban) are recorded in `generations`. This refuses a handshake
 * with a revoked generation and, every `periodMs`, cuts the sessions of users revoked since they
 * connected. A failing or slow store cuts nobody: the API still refuses the user's tokens, and the
 * next period tries again.
 */
export class RevocationCheck {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly generations: TokenGenerations,
    private readonly periodMs: number,
    private readonly logger: Logger,
  ) {}

  /** Whether `generation` of the user was revoked; a store error counts as no (logged). */
  isRevoked(userId: string, generation: number): Promise<boolean> {
    return isRevoked(this.generations, userId, generation, this.logger);
  }

  /** Checks `sessions()` every period until `close`. */
  start(sessions: () => Iterable<RevocableSession>): void {
    if (this.closed || this.timer) return;
    const next = () => {
      if (this.closed) return;
      this.timer = setTimeout(() => void this.check([...sessions()]).finally(next), this.periodMs);
      this.timer.unref();
    };
    next();
  }

  /** One pass: one read for the distinct users, then the revoked sessions are cut. */
  async check(sessions: RevocableSession[]): Promise<number> {
    if (sessions.length === 0) return 0;
    const userIds = [...new Set(sessions.map((s) => s.userId))];
    let current: Map<string, number>;
    try {
      current = await withTimeout(this.generations.currentMany(userIds), GENERATION_READ_TIMEOUT_MS);
    } catch (err) {
      this.logger.warn({ err: String(err), users: userIds.length }, 'revocation check failed; retrying');
      return 0;
    }
    let cut = 0;
    for (const session of sessions) {
      const generation = current.get(session.userId);
      if (this.closed || generation === undefined || session.generation >= generation) continue;
      try {
        session.cut();
        cut += 1;
      } catch (err) {
        this.logger.error({ err, userId: session.userId }, 'cutting a revoked session failed');
      }
    }
    if (cut > 0) this.logger.info({ cut }, 'revoked sessions cut');
    return cut;
  }

  /** Stops the periodic check. Idempotent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

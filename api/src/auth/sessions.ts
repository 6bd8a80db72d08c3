import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { AppError, signToken, type Logger, type Queryable } from '@learnlive/common';
import type { Locale, SessionResponse, User, UserRole } from '@learnlive/contracts';

export interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: UserRole;
  bio: string;
  locale: Locale;
  created_at: Date | string;
  /** Goes into access tokens as `gen`; bumped to revoke them all (migration 101). */
  token_generation: number;
}

export const USER_COLUMNS = 'id, email, display_name, role, bio, locale, created_at, token_generation';

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    bio: row.bio,
    locale: row.locale,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export interface SessionOptions {
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** A used refresh token presented again within this window gets the same successor. @default 0 */
  refreshReuseGraceMs?: number;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The refresh token that follows `token` in its family. Derived (HMAC with the server's secret),
 * not random, so the same token presented twice within the grace window yields the same
 * successor without the API keeping any token in clear.
 */
function successorOf(token: string, secret: string): string {
  return createHmac('sha256', secret).update(`refresh-successor:${token}`).digest('base64url');
}

function accessFor(user: UserRow, options: SessionOptions) {
  const accessToken = signToken(
    { typ: 'access', sub: user.id, role: user.role, name: user.display_name, gen: user.token_generation },
    options.jwtSecret,
    options.accessTokenTtlSeconds,
  );
  return {
    accessToken,
    accessTokenExpiresAt: new Date(Date.now() + options.accessTokenTtlSeconds * 1000).toISOString(),
  };
}

/** Sign-in: a new session (refresh token family) and an access token. */
export async function issueSession(
  db: Queryable,
  user: UserRow,
  options: SessionOptions,
): Promise<SessionResponse> {
  const refreshToken = randomBytes(32).toString('base64url');
  const refreshExpires = new Date(Date.now() + options.refreshTokenTtlSeconds * 1000);
  await db.query(
    'insert into refresh_tokens (user_id, family_id, token_hash, expires_at) values ($1, $2, $3, $4)',
    [user.id, randomUUID(), hashToken(refreshToken), refreshExpires.toISOString()],
  );
  return {
    ...accessFor(user, options),
    refreshToken,
    refreshTokenExpiresAt: refreshExpires.toISOString(),
    user: toUser(user),
  };
}

/**
 * Uses a refresh token once and issues the next one of its family. A token presented after it
 * was used (or revoked) means a copy leaked: the whole family is revoked and the caller must
 * sign in again. Except within `refreshReuseGraceMs` of its use, while its successor is unused:
 * two tabs (or a retried request) refreshing with the same token at once both get that same
 * successor. A replay after the window still revokes the family.
 *
 * Not run in a transaction: the revocation must stay when this throws. Using the token and
 * storing its successor is one statement, so a concurrent presentation of the same token waits
 * on the row and then finds the successor in place.
 */
export async function rotateSession(
  db: Queryable,
  refreshToken: string,
  options: SessionOptions,
  log: Logger,
): Promise<SessionResponse> {
  const hash = hashToken(refreshToken);
  const successor = successorOf(refreshToken, options.jwtSecret);
  const successorHash = hashToken(successor);
  const rotated = await db.query<{ user_id: string; family_id: string; expires_at: Date | string }>(
    `with used as (
       update refresh_tokens set used_at = now()
        where token_hash = $1 and used_at is null and revoked_at is null and expires_at > now()
        returning user_id, family_id)
     insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
     select user_id, family_id, $2, $3 from used
     returning user_id, family_id, expires_at`,
    [hash, successorHash, new Date(Date.now() + options.refreshTokenTtlSeconds * 1000).toISOString()],
  );
  let next = rotated.rows[0];
  if (!next) {
    // Not usable: a duplicate within the grace (its unused successor, if so), or a replay.
    const known = await db.query<{
      family_id: string;
      user_id: string;
      live: boolean;
      successor_expires_at: Date | string | null;
    }>(
      `select t.family_id, t.user_id, t.expires_at > now() and t.revoked_at is null as live,
              s.expires_at as successor_expires_at
         from refresh_tokens t
         left join refresh_tokens s
           on t.used_at > now() - $3 * interval '1 millisecond' and t.expires_at > now() and t.revoked_at is null
          and s.token_hash = $2 and s.family_id = t.family_id
          and s.used_at is null and s.revoked_at is null and s.expires_at > now()
        where t.token_hash = $1`,
      [hash, successorHash, options.refreshReuseGraceMs ?? 0],
    );
    const row = known.rows[0];
    if (row?.successor_expires_at) {
      log.info({ userId: row.user_id, familyId: row.family_id }, 'refresh token reused within grace');
      next = { user_id: row.user_id, family_id: row.family_id, expires_at: row.successor_expires_at };
    } else {
      if (row?.live) {
        await revokeFamily(db, row.family_id);
        log.warn({ userId: row.user_id, familyId: row.family_id }, 'refresh token reused; family revoked');
      }
      throw new AppError('unauthenticated', 'this session has ended; sign in again');
    }
  }
  const { rows } = await db.query<UserRow & { banned: boolean }>(
    `select ${USER_COLUMNS}, banned_at is not null as banned from users where id = $1`,
    [next.user_id],
  );
  const user = rows[0];
  if (!user) throw new AppError('unauthenticated', 'this account no longer exists');
  if (user.banned) throw new AppError('unauthenticated', 'this account is suspended');
  // The role and generation are read again here, so a role change reaches the next access token.
  return {
    ...accessFor(user, options),
    refreshToken: successor,
    refreshTokenExpiresAt: new Date(next.expires_at).toISOString(),
    user: toUser(user),
  };
}

export async function revokeFamily(db: Queryable, familyId: string): Promise<void> {
  await db.query('update refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null', [
    familyId,
  ]);
}

/** Sign-out: ends the session the token belongs to (unknown tokens: nothing to do). */
export async function revokeByToken(db: Queryable, refreshToken: string): Promise<void> {
  await db.query(
    `update refresh_tokens set revoked_at = now()
      where revoked_at is null
        and family_id = (select family_id from refresh_tokens where token_hash = $1)`,
    [hashToken(refreshToken)],
  );
}

/**
 * Sign-out everywhere: every session of the user, refresh and access tokens alike (the API
 * refuses access tokens of an older generation). Returns the new generation (undefined: no such
 * user); pass it to `accessRevoked` once committed.
 */
export async function revokeAllSessions(db: Queryable, userId: string): Promise<number | undefined> {
  await db.query('update refresh_tokens set revoked_at = now() where user_id = $1 and revoked_at is null', [
    userId,
  ]);
  const { rows } = await db.query<{ token_generation: number }>(
    'update users set token_generation = token_generation + 1 where id = $1 returning token_generation',
    [userId],
  );
  return rows[0]?.token_generation;
}

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppError, signToken, type Logger, type Queryable } from '@learnlive/common';
import type { SessionResponse, User, UserRole } from '@learnlive/contracts';

export interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: UserRole;
  bio: string;
  created_at: Date | string;
}

export const USER_COLUMNS = 'id, email, display_name, role, bio, created_at';

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    bio: row.bio,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export interface SessionOptions {
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new access token plus the next refresh token of `familyId` (a new family on sign-in). */
export async function issueSession(
  db: Queryable,
  user: UserRow,
  options: SessionOptions,
  familyId: string = randomUUID(),
): Promise<SessionResponse> {
  const refreshToken = randomBytes(32).toString('base64url');
  const refreshExpires = new Date(Date.now() + options.refreshTokenTtlSeconds * 1000);
  await db.query(
    'insert into refresh_tokens (user_id, family_id, token_hash, expires_at) values ($1, $2, $3, $4)',
    [user.id, familyId, hashToken(refreshToken), refreshExpires.toISOString()],
  );
  const accessToken = signToken(
    { typ: 'access', sub: user.id, role: user.role, name: user.display_name },
    options.jwtSecret,
    options.accessTokenTtlSeconds,
  );
  return {
    accessToken,
    accessTokenExpiresAt: new Date(Date.now() + options.accessTokenTtlSeconds * 1000).toISOString(),
    refreshToken,
    refreshTokenExpiresAt: refreshExpires.toISOString(),
    user: toUser(user),
  };
}

/**
 * Uses a refresh token once and issues the next one of its family. A token presented after it
 * was used (or revoked) means a copy leaked: the whole family is revoked and the caller must
 * sign in again. Not run in a transaction: the revocation must stay when this throws (the
 * single-row update that uses the token is atomic by itself).
 */
export async function rotateSession(
  tx: Queryable,
  refreshToken: string,
  options: SessionOptions,
  log: Logger,
): Promise<SessionResponse> {
  const hash = hashToken(refreshToken);
  const used = await tx.query<{ user_id: string; family_id: string }>(
    `update refresh_tokens set used_at = now()
      where token_hash = $1 and used_at is null and revoked_at is null and expires_at > now()
      returning user_id, family_id`,
    [hash],
  );
  const current = used.rows[0];
  if (!current) {
    const known = await tx.query<{ family_id: string; user_id: string; expired: boolean; revoked: boolean }>(
      `select family_id, user_id, expires_at <= now() as expired, revoked_at is not null as revoked
         from refresh_tokens where token_hash = $1`,
      [hash],
    );
    const row = known.rows[0];
    if (row && !row.expired && !row.revoked) {
      await revokeFamily(tx, row.family_id);
      log.warn({ userId: row.user_id, familyId: row.family_id }, 'refresh token reused; family revoked');
    }
    throw new AppError('unauthenticated', 'this session has ended; sign in again');
  }
  const { rows } = await tx.query<UserRow>(`select ${USER_COLUMNS} from users where id = $1`, [
    current.user_id,
  ]);
  if (!rows[0]) throw new AppError('unauthenticated', 'this account no longer exists');
  // The role is read again here, so a role change reaches the next access token.
  return issueSession(tx, rows[0], options, current.family_id);
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

/** Sign-out everywhere: every session of the user. */
export async function revokeAllSessions(db: Queryable, userId: string): Promise<void> {
  await db.query('update refresh_tokens set revoked_at = now() where user_id = $1 and revoked_at is null', [
    userId,
  ]);
}

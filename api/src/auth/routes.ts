import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { getConnInfo } from '@hono/node-server/conninfo';
import { AppError, memoryRateLimit, redisRateLimit, type RateLimit } from '@learnlive/common';
import {
  ChangeRoleRequestSchema,
  RefreshRequestSchema,
  RegisterRequestSchema,
  SessionResponseSchema,
  SignInRequestSchema,
  UpdateProfileRequestSchema,
  UserSchema,
} from '@learnlive/contracts';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { jsonBody, jsonRequest, noContent, problems } from '../responses.js';
import { clientAddressResolver } from './clientAddress.js';
import { localeFromAcceptLanguage } from './locale.js';
import { accessRevoked } from './revocation.js';
import { currentUser } from './middleware.js';
import { authenticatedRoute } from './authenticatedRoute.js';
import { hashPassword, verifyPassword } from './passwords.js';
import {
  issueSession,
  revokeAllSessions,
  revokeByToken,
  rotateSession,
  toUser,
  USER_COLUMNS,
  type UserRow,
} from './sessions.js';
import { assertNotLocked, clearFailures, recordFailure } from './throttle.js';

const REFRESH_COOKIE = 'll_refresh';
const tags = ['accounts'];

const register = createRoute({
  method: 'post',
  path: '/api/auth/register',
  tags,
  summary: 'Create an account and sign in',
  request: { body: jsonRequest(RegisterRequestSchema) },
  responses: {
    201: jsonBody(SessionResponseSchema, 'Signed in'),
    400: problems[400],
    409: problems[409],
  },
});

const signIn = createRoute({
  method: 'post',
  path: '/api/auth/sign-in',
  tags,
  summary: 'Sign in with email and password',
  request: { body: jsonRequest(SignInRequestSchema) },
  responses: {
    200: jsonBody(SessionResponseSchema, 'Signed in'),
    400: problems[400],
    401: problems[401],
    429: problems[429],
  },
});

const optionalRefreshBody = {
  body: { content: { 'application/json': { schema: RefreshRequestSchema } }, required: false },
};

const refresh = createRoute({
  method: 'post',
  path: '/api/auth/refresh',
  tags,
  summary: 'Exchange a refresh token (body or `ll_refresh` cookie) for a new pair',
  request: optionalRefreshBody,
  responses: { 200: jsonBody(SessionResponseSchema, 'New tokens'), 401: problems[401] },
});

const signOut = createRoute({
  method: 'post',
  path: '/api/auth/sign-out',
  tags,
  summary: 'End this session (its refresh token family)',
  request: optionalRefreshBody,
  responses: { 204: noContent },
});

const signOutEverywhere = authenticatedRoute({
  method: 'post',
  path: '/api/auth/sign-out-everywhere',
  tags,
  summary: 'End every session of the caller',
  responses: { 204: noContent },
});

const me = authenticatedRoute({
  method: 'get',
  path: '/api/me',
  tags,
  summary: 'The caller’s profile',
  responses: { 200: jsonBody(UserSchema, 'Profile') },
});

const updateMe = authenticatedRoute({
  method: 'patch',
  path: '/api/me',
  tags,
  summary: 'Update the caller’s profile or password',
  request: { body: jsonRequest(UpdateProfileRequestSchema) },
  responses: { 200: jsonBody(UserSchema, 'Profile') },
  errors: [400],
});

const changeRole = authenticatedRoute({
  method: 'put',
  path: '/api/users/{id}/role',
  tags,
  summary: 'Change a user’s role (admins)',
  roles: ['admin'],
  request: { params: z.object({ id: z.uuid() }), body: jsonRequest(ChangeRoleRequestSchema) },
  responses: { 200: jsonBody(UserSchema, 'Updated') },
  errors: [404],
});

const banRoute = (action: 'ban' | 'unban') =>
  authenticatedRoute({
    method: 'post',
    path: `/api/users/{id}/${action}`,
    tags,
    summary:
      action === 'ban'
        ? 'Suspend an account (admins): its sessions and access tokens end at once, sign-in is refused'
        : 'Lift a suspension (admins)',
    roles: ['admin'],
    request: { params: z.object({ id: z.uuid() }) },
    responses: { 204: noContent },
    errors: [404, 409],
  });

function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';
}

/** Accounts: register, sign in/out, refresh, profile, roles. */
export function authRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const { auth } = ctx.config;
  const sessionOptions = {
    jwtSecret: ctx.config.jwtSecret,
    accessTokenTtlSeconds: auth.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: auth.refreshTokenTtlSeconds,
    refreshReuseGraceMs: auth.refreshReuseGraceMs,
  };
  const throttle = {
    maxFailures: auth.signInMaxFailures,
    windowMs: auth.signInWindowMs,
    lockoutMs: auth.signInLockoutMs,
  };
  const log = ctx.logger.child({ module: 'auth' });
  const addressRate = { capacity: auth.signInRatePerMinute, windowMs: 60_000 };
  // Shared by every replica when Redis is configured; otherwise per process.
  const addressLimit: RateLimit = ctx.redis
    ? redisRateLimit(ctx.redis, { ...addressRate, prefix: 'learnlive:api:sign-in:', logger: log })
    : memoryRateLimit(addressRate);
  const resolveAddress = clientAddressResolver(auth.trustProxy);
  const clientAddress = (c: Context) => resolveAddress(peerAddress(c), c.req.header('x-forwarded-for'));

  const rememberRefresh = (c: Context, token: string) =>
    setCookie(c, REFRESH_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: auth.secureCookies,
      path: '/api/auth',
      maxAge: auth.refreshTokenTtlSeconds,
    });
  const presentedRefresh = (c: Context, body: { refreshToken?: string }) =>
    body.refreshToken ?? getCookie(c, REFRESH_COOKIE);

  app.openapi(register, async (c) => {
    const body = c.req.valid('json');
    const email = body.email.toLowerCase();
    const role = auth.adminEmails.includes(email) ? 'admin' : body.role;
    const locale = body.locale ?? localeFromAcceptLanguage(c.req.header('accept-language'));
    const passwordHash = await hashPassword(body.password);
    const session = await ctx.db
      .transaction(async (tx) => {
        const { rows } = await tx.query<UserRow>(
          `insert into users (email, display_name, password_hash, role, locale) values ($1, $2, $3, $4, $5)
           returning ${USER_COLUMNS}`,
          [email, body.displayName, passwordHash, role, locale],
        );
        return issueSession(tx, rows[0]!, sessionOptions);
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err)) throw new AppError('conflict', 'an account with this email exists');
        throw err;
      });
    log.info({ userId: session.user.id, role }, 'account created');
    rememberRefresh(c, session.refreshToken);
    return c.json(session, 201);
  });

  app.openapi(signIn, async (c) => {
    const body = c.req.valid('json');
    const email = body.email.toLowerCase();
    if (!(await addressLimit.take(clientAddress(c)))) {
      throw new AppError('rate_limited', 'too many sign-in attempts from this address; wait a minute');
    }
    await assertNotLocked(ctx.db, email);
    const { rows } = await ctx.db.query<UserRow & { password_hash: string; banned: boolean }>(
      `select ${USER_COLUMNS}, password_hash, banned_at is not null as banned from users where lower(email) = $1`,
      [email],
    );
    const user = rows[0];
    if (!(await verifyPassword(user?.password_hash, body.password)) || !user) {
      await recordFailure(ctx.db, email, throttle);
      throw new AppError('unauthenticated', 'wrong email or password');
    }
    // told only to whoever knows the password
    if (user.banned) throw new AppError('forbidden', 'this account is suspended');
    await clearFailures(ctx.db, email);
    const session = await issueSession(ctx.db, user, sessionOptions);
    rememberRefresh(c, session.refreshToken);
    return c.json(session, 200);
  });

  app.openapi(refresh, async (c) => {
    const token = presentedRefresh(c, c.req.valid('json'));
    if (!token) throw new AppError('unauthenticated', 'no refresh token');
    const session = await rotateSession(ctx.db, token, sessionOptions, log);
    rememberRefresh(c, session.refreshToken);
    return c.json(session, 200);
  });

  app.openapi(signOut, async (c) => {
    const token = presentedRefresh(c, c.req.valid('json'));
    if (token) await revokeByToken(ctx.db, token);
    deleteCookie(c, REFRESH_COOKIE, { path: '/api/auth' });
    return c.body(null, 204);
  });

  app.openapi(signOutEverywhere, async (c) => {
    const userId = currentUser(c).id;
    const generation = await ctx.db.transaction((tx) => revokeAllSessions(tx, userId));
    if (generation !== undefined) await accessRevoked(ctx, userId, 'signed_out_everywhere', generation);
    deleteCookie(c, REFRESH_COOKIE, { path: '/api/auth' });
    return c.body(null, 204);
  });

  app.openapi(me, async (c) => {
    const { rows } = await ctx.db.query<UserRow>(`select ${USER_COLUMNS} from users where id = $1`, [
      currentUser(c).id,
    ]);
    if (!rows[0]) throw new AppError('not_found', 'this account no longer exists');
    return c.json(toUser(rows[0]), 200);
  });

  app.openapi(updateMe, async (c) => {
    const body = c.req.valid('json');
    const userId = currentUser(c).id;
    let generation: number | undefined;
    const updated = await ctx.db.transaction(async (tx) => {
      if (body.password) {
        const { rows } = await tx.query<{ password_hash: string }>(
          'select password_hash from users where id = $1 for update',
          [userId],
        );
        if (!(await verifyPassword(rows[0]?.password_hash, body.password.current))) {
          throw new AppError('forbidden', 'the current password is wrong');
        }
        await tx.query('update users set password_hash = $2 where id = $1', [
          userId,
          await hashPassword(body.password.next),
        ]);
        // A new password ends every session: whoever knew the old one is out.
        generation = await revokeAllSessions(tx, userId);
      }
      const { rows } = await tx.query<UserRow>(
        `update users set display_name = coalesce($2, display_name), bio = coalesce($3, bio),
            locale = coalesce($4, locale), updated_at = now()
          where id = $1 returning ${USER_COLUMNS}`,
        [userId, body.displayName ?? null, body.bio ?? null, body.locale ?? null],
      );
      return rows[0];
    });
    if (generation !== undefined) await accessRevoked(ctx, userId, 'password_changed', generation);
    if (!updated) throw new AppError('not_found', 'this account no longer exists');
    return c.json(toUser(updated), 200);
  });

  app.openapi(changeRole, async (c) => {
    const { id } = c.req.valid('param');
    const { role } = c.req.valid('json');
    // A new role ends the access tokens that carry the old one (the sessions stay: the next
    // refresh carries the new role).
    const { rows } = await ctx.db.query<UserRow & { previous_role: string }>(
      `update users set role = $2, updated_at = now(),
          token_generation = token_generation + (case when role = $2 then 0 else 1 end)
         from (select role as previous_role from users where id = $1 for update) previous
        where id = $1 returning ${USER_COLUMNS}, previous_role`,
      [id, role],
    );
    if (!rows[0]) throw new AppError('not_found', 'no such user');
    if (rows[0].previous_role !== role)
      await accessRevoked(ctx, id, 'role_changed', rows[0].token_generation);
    log.info({ userId: id, role, by: currentUser(c).id }, 'role changed');
    return c.json(toUser(rows[0]), 200);
  });

  app.openapi(banRoute('ban'), async (c) => {
    const { id } = c.req.valid('param');
    const admin = currentUser(c);
    if (id === admin.id) throw new AppError('conflict', 'admins cannot suspend themselves');
    const generation = await ctx.db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        'update users set banned_at = coalesce(banned_at, now()), updated_at = now() where id = $1',
        [id],
      );
      return rowCount === 0 ? undefined : revokeAllSessions(tx, id);
    });
    if (generation === undefined) throw new AppError('not_found', 'no such user');
    await accessRevoked(ctx, id, 'suspended', generation);
    log.info({ userId: id, by: admin.id }, 'account suspended');
    return c.body(null, 204);
  });

  app.openapi(banRoute('unban'), async (c) => {
    const { id } = c.req.valid('param');
    // No token of a suspended account is alive (the ban bumped its generation): nothing to revoke.
    const { rowCount } = await ctx.db.query(
      'update users set banned_at = null, updated_at = now() where id = $1',
      [id],
    );
    if (rowCount === 0) throw new AppError('not_found', 'no such user');
    log.info({ userId: id, by: currentUser(c).id }, 'account suspension lifted');
    return c.body(null, 204);
  });
}

import { AppError, verifyAccessToken } from '@learnlive/common';
import type { UserRole } from '@learnlive/contracts';
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AccessRevocation } from './revocation.js';

/** The caller, as its access token says. */
export interface AuthUser {
  id: string;
  role: UserRole;
  name: string;
  /**
   * The access token's generation (`gen`, 0 when the token has none): room tokens carry it on.
   * Absent for a caller known otherwise (a signed calendar link).
   */
  gen?: number;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by `requireUser` / `optionalUser`. */
    user: AuthUser;
    /** Set once per request by `authenticator` (service.ts) so route modules need no secret. */
    verifyAccess: (token: string) => AuthUser | Promise<AuthUser>;
  }
}

/**
 * Installed once, before every route: lets `requireUser` verify tokens with the API's secret, and
 * refuse revoked ones (`revocation`: the token's generation against the user's current one).
 */
export function authenticator(jwtSecret: string, revocation: AccessRevocation): MiddlewareHandler {
  // Verifying an HS256 token with jsonwebtoken costs more CPU than many routes' own work (it
  // re-parses the key each time); a token string verified once stays valid until its `exp`
  // (revocation is checked on every use, below).
  const verified = new Map<string, { user: AuthUser; expiresAtMs: number }>();
  const verify = (token: string): AuthUser | Promise<AuthUser> => {
    let hit = verified.get(token);
    if (hit && hit.expiresAtMs <= Date.now()) {
      verified.delete(token);
      hit = undefined;
    }
    if (!hit) {
      const claims = verifyAccessToken(token, jwtSecret);
      hit = {
        user: { id: claims.sub, role: claims.role, name: claims.name, gen: claims.gen ?? 0 },
        expiresAtMs: claims.exp * 1000,
      };
      if (verified.size >= 10_000) verified.clear();
      verified.set(token, hit);
    }
    const { user } = hit;
    const pending = revocation.check(user.id, user.gen ?? 0);
    return pending ? pending.then(() => user) : user;
  };
  return async (c, next) => {
    c.set('verifyAccess', verify);
    await next();
  };
}

function bearer(c: Context): string | undefined {
  const header = c.req.header('authorization');
  if (!header) return undefined;
  const match = /^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/.exec(header);
  if (!match) throw new AppError('unauthenticated', 'the Authorization header is not a bearer token');
  return match[1];
}

function verifierOf(c: Context): (token: string) => AuthUser | Promise<AuthUser> {
  const verify = c.get('verifyAccess');
  // A route mounted outside startApi (no authenticator): refuse rather than trust anything.
  if (!verify) throw new AppError('internal', 'authentication is not configured');
  return verify;
}

/**
 * Every protected route uses this (through `authenticatedRoute`): a valid access token (401 `unauthenticated` /
 * `token_expired` otherwise) and, when roles are given, one of them (403 `forbidden`).
 * Admins pass every role check. The claims are then `c.get('user')`.
 */
export function requireUser(...roles: UserRole[]): MiddlewareHandler {
  return createMiddleware(async (c, next) => {
    const token = bearer(c);
    if (!token) throw new AppError('unauthenticated', 'sign in first');
    const user = await verifierOf(c)(token);
    if (roles.length > 0 && user.role !== 'admin' && !roles.includes(user.role)) {
      throw new AppError('forbidden', `this needs the role ${roles.join(' or ')}`);
    }
    c.set('user', user);
    await next();
  });
}

/**
 * Public routes that answer more to signed-in callers (catalog, course page). No token: anonymous;
 * a bad or expired token still answers 401, so a client knows to refresh.
 */
export function optionalUser(): MiddlewareHandler {
  return createMiddleware(async (c, next) => {
    const token = bearer(c);
    if (token) c.set('user', await verifierOf(c)(token));
    await next();
  });
}

/** The caller of a route behind `requireUser`. */
export function currentUser(c: Context): AuthUser {
  const user = c.get('user');
  if (!user) throw new AppError('unauthenticated', 'sign in first');
  return user;
}

/** The caller of a route behind `optionalUser`, if signed in. */
export function maybeUser(c: Context): AuthUser | undefined {
  return c.get('user');
}

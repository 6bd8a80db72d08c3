import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  AccessTokenClaimsSchema,
  RecordingTokenClaimsSchema,
  RoomTokenClaimsSchema,
  type AccessTokenClaims,
  type RecordingTokenClaims,
  type RoomTokenClaims,
} from '@learnlive/contracts';
import type { z } from 'zod';
import { AppError } from './errors.js';

const ALGORITHM = 'HS256';

/**
 * Signs claims with the shared secret; `ttlSeconds` sets `exp`. Each token gets its own `jti`:
 * without it two tokens for the same claims signed within one second (`iat` has seconds) were
 * the same string, and a client that tells a renewed session from its refused one by the token
 * (another tab's refresh) took a renewed token for the refused one.
 */
export function signToken(
  claims: AccessTokenClaims | RoomTokenClaims | RecordingTokenClaims,
  secret: string,
  ttlSeconds: number,
): string {
  return jwt.sign(claims, secret, { algorithm: ALGORITHM, expiresIn: ttlSeconds, jwtid: randomUUID() });
}

/** Registered claims every verified token has; zod would strip them, so they are read here. */
export interface TokenTimes {
  /** Expiry, epoch seconds. */
  exp: number;
  /** Issued at, epoch seconds. */
  iat: number;
}

function verify<S extends z.ZodType>(schema: S, token: string, secret: string): z.infer<S> & TokenTimes {
  let payload: unknown;
  try {
    // The algorithm is pinned: `alg: none` and RS/HS confusion are refused by jsonwebtoken.
    payload = jwt.verify(token, secret, { algorithms: [ALGORITHM] });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError)
      throw new AppError('token_expired', 'the token has expired', { cause: err });
    throw new AppError('unauthenticated', 'the token is not valid', { cause: err });
  }
  const claims = schema.safeParse(payload);
  if (!claims.success) throw new AppError('unauthenticated', 'the token is not of the expected kind');
  const { exp, iat } = payload as Partial<TokenTimes>;
  // jsonwebtoken enforces exp only when present: a token without one never expires, so refuse it.
  if (typeof exp !== 'number' || typeof iat !== 'number') {
    throw new AppError('unauthenticated', 'the token has no expiry');
  }
  return { ...(claims.data as object), exp, iat } as z.infer<S> & TokenTimes;
}

export function verifyAccessToken(token: string, secret: string): AccessTokenClaims & TokenTimes {
  return verify(AccessTokenClaimsSchema, token, secret);
}

export function verifyRoomToken(token: string, secret: string): RoomTokenClaims & TokenTimes {
  return verify(RoomTokenClaimsSchema, token, secret);
}

export function verifyRecordingToken(token: string, secret: string): RecordingTokenClaims & TokenTimes {
  return verify(RecordingTokenClaimsSchema, token, secret);
}

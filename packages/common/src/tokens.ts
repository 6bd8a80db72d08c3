import jwt from 'jsonwebtoken';
import {
  AccessTokenClaimsSchema,
  RoomTokenClaimsSchema,
  type AccessTokenClaims,
  type RoomTokenClaims,
} from '@learnlive/contracts';
import type { z } from 'zod';
import { AppError } from './errors.js';

const ALGORITHM = 'HS256';

/** Signs claims with the shared secret; `ttlSeconds` sets `exp`. */
export function signToken(
  claims: AccessTokenClaims | RoomTokenClaims,
  secret: string,
  ttlSeconds: number,
): string {
  return jwt.sign(claims, secret, { algorithm: ALGORITHM, expiresIn: ttlSeconds });
}

function verify<S extends z.ZodType>(schema: S, token: string, secret: string): z.infer<S> {
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
  return claims.data;
}

export function verifyAccessToken(token: string, secret: string): AccessTokenClaims & { exp: number } {
  return verify(AccessTokenClaimsSchema, token, secret) as AccessTokenClaims & { exp: number };
}

export function verifyRoomToken(token: string, secret: string): RoomTokenClaims & { exp: number } {
  return verify(RoomTokenClaimsSchema, token, secret) as RoomTokenClaims & { exp: number };
}

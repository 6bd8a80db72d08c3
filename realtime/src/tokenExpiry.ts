import jwt from 'jsonwebtoken';

/**
 * The `exp` claim (epoch seconds) of a token that `verifyAccessToken` already accepted. The
 * common verifier's zod schema strips claims it does not name, `exp` among them, so it is read
 * from the token here.
 */
export function tokenExpiry(token: string): number {
  const payload = jwt.decode(token);
  const exp = payload && typeof payload === 'object' ? payload.exp : undefined;
  if (typeof exp !== 'number') throw new Error('token without exp');
  return exp;
}

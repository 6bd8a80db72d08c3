import { AppError, toAppError, toErrorBody, verifyAccessToken } from '@learnlive/common';
import type { RealtimeConfig } from './config.js';
import type { RealtimeSocket } from './handlers.js';

/**
 * The handshake: `auth: { token }` must be a valid, unrevoked access token of the API; its
 * claims become `socket.data`. A refusal goes through `next(err)` with `err.data` = `{ code, message }`.
 */
export function handshake(
  config: RealtimeConfig,
  isRevoked: (userId: string, generation: number) => Promise<boolean>,
) {
  return (socket: RealtimeSocket, next: (err?: Error) => void): void => {
    const token: unknown = socket.handshake.auth?.token;
    const refuse = (err: unknown) => {
      const appError = toAppError(err);
      next(Object.assign(new Error(appError.message), { data: toErrorBody(appError) }));
    };
    try {
      if (typeof token !== 'string' || token.length > 4096)
        throw new AppError('unauthenticated', 'an access token is required (auth: { token })');
      const claims = verifyAccessToken(token, config.jwtSecret);
      const gen = claims.gen ?? 0;
      isRevoked(claims.sub, gen).then((revoked) => {
        if (revoked) {
          return refuse(new AppError('token_expired', 'this access token was revoked; refresh the session'));
        }
        socket.data = {
          userId: claims.sub,
          name: claims.name,
          role: claims.role,
          exp: claims.exp,
          gen,
          rooms: {},
        };
        next();
      }, refuse);
    } catch (err) {
      refuse(err);
    }
  };
}

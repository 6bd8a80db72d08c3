import { createHmac } from 'node:crypto';
import type { IceServer } from '@learnlive/contracts';

export interface TurnOptions {
  /** coturn `static-auth-secret`; undefined: no TURN servers. */
  secret: string | undefined;
  urls: readonly string[];
  ttlSeconds: number;
}

/**
 * Time-limited TURN credentials in coturn's REST-API scheme (`use-auth-secret`): the username
 * is `expiry:userId`, the password base64(HMAC-SHA1(secret, username)). coturn recomputes the
 * HMAC and refuses expired usernames, so nothing is stored anywhere.
 */
export function turnCredentials(
  options: TurnOptions,
  userId: string,
  nowMs: number = Date.now(),
): IceServer[] {
  if (!options.secret || options.urls.length === 0) return [];
  const expiry = Math.floor(nowMs / 1000) + options.ttlSeconds;
  const username = `${expiry}:${userId}`;
  const credential = createHmac('sha1', options.secret).update(username).digest('base64');
  return [{ urls: [...options.urls], username, credential }];
}

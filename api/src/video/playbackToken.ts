import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Signed playback tokens: they sit in the media path (`/api/media/<token>/…`), so the relative
 * URLs inside playlists and the storyboard VTT carry them without any rewriting. Short-lived;
 * the player renews them while it plays.
 */
const ClaimsSchema = z.object({
  /** Lesson. */
  l: z.string().uuid(),
  /** Version of the ladder (the publish step's prefix). */
  v: z.string(),
  /** Viewer, for logs and revocation by re-issue. */
  u: z.string(),
  /** Expiry, seconds since the epoch. */
  e: z.number().int(),
});
export type PlaybackClaims = z.infer<typeof ClaimsSchema>;

/** A key of its own, derived from the API secret: a playback token is never an access token. */
export function playbackKey(jwtSecret: string): Buffer {
  return createHmac('sha256', jwtSecret).update('learnlive playback v1').digest();
}

const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest('base64url');

export function signPlayback(key: Buffer, claims: PlaybackClaims): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${mac(key, body)}`;
}

/** The claims, or undefined when the token is forged, damaged or expired. */
export function verifyPlayback(key: Buffer, token: string, nowSeconds: number): PlaybackClaims | undefined {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(mac(key, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const claims = ClaimsSchema.safeParse(raw);
  if (!claims.success || claims.data.e <= nowSeconds) return undefined;
  return claims.data;
}

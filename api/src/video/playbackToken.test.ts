import { describe, expect, it } from 'vitest';
import { playbackKey, signPlayback, verifyPlayback } from './playbackToken.js';

const key = playbackKey('a-secret-that-is-long-enough-for-the-api-0123456789');
const claims = { l: '8c1e4d52-8a7e-4b8e-9d55-1b2c3d4e5f60', v: 'v1', u: 'user', e: 1_000 };

describe('playback tokens', () => {
  it('round-trips before expiry', () => {
    expect(verifyPlayback(key, signPlayback(key, claims), 999)).toEqual(claims);
  });
  it('refuses expired, forged and damaged tokens', () => {
    const token = signPlayback(key, claims);
    expect(verifyPlayback(key, token, 1_000)).toBeUndefined();
    const other = playbackKey('another-secret-that-is-long-enough-0123456789abcdef');
    expect(verifyPlayback(other, token, 0)).toBeUndefined();
    const [body, sig] = token.split('.');
    const longer = Buffer.from(JSON.stringify({ ...claims, e: 9_999 })).toString('base64url');
    expect(verifyPlayback(key, `${longer}.${sig}`, 0)).toBeUndefined();
    expect(verifyPlayback(key, `${body}.${sig}x`, 0)).toBeUndefined();
    expect(verifyPlayback(key, 'garbage', 0)).toBeUndefined();
  });
});

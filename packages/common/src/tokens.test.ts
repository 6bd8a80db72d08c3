import jwt from 'jsonwebtoken';
import { describe, expect, it, vi } from 'vitest';
import { signToken, verifyAccessToken, verifyRoomToken } from './tokens.js';

const secret = 'a-test-secret-of-at-least-32-characters!!';
const access = { typ: 'access', sub: 'u1', role: 'learner', name: 'Ada' } as const;

describe('tokens', () => {
  it('round-trips access and room tokens, with their expiry', () => {
    const before = Math.floor(Date.now() / 1000);
    const verified = verifyAccessToken(signToken(access, secret, 60), secret);
    expect(verified).toMatchObject(access);
    expect(verified.exp - verified.iat).toBe(60);
    expect(verified.iat).toBeGreaterThanOrEqual(before);
    const room = {
      typ: 'room',
      sub: 'u1',
      name: 'Ada',
      room: 'live:abc',
      kind: 'live',
      role: 'learner',
    } as const;
    expect(verifyRoomToken(signToken(room, secret, 60), secret)).toMatchObject(room);
  });

  it('gives the same claims signed within one second two different tokens', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00.250Z'), toFake: ['Date'] });
    try {
      const first = signToken(access, secret, 60);
      vi.setSystemTime(new Date('2026-01-01T00:00:00.750Z'));
      const second = signToken(access, secret, 60);
      expect(first).not.toBe(second);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses forged, expired, alg:none and wrong-kind tokens with stable codes', () => {
    const forged = signToken(access, 'another-secret-of-at-least-32-characters', 60);
    expect(() => verifyAccessToken(forged, secret)).toThrow(
      expect.objectContaining({ code: 'unauthenticated' }),
    );
    const expired = jwt.sign({ ...access, exp: Math.floor(Date.now() / 1000) - 10 }, secret, {
      algorithm: 'HS256',
    });
    expect(() => verifyAccessToken(expired, secret)).toThrow(
      expect.objectContaining({ code: 'token_expired' }),
    );
    const none = jwt.sign(access, '', { algorithm: 'none' });
    expect(() => verifyAccessToken(none, secret)).toThrow(
      expect.objectContaining({ code: 'unauthenticated' }),
    );
    const eternal = jwt.sign(access, secret, { algorithm: 'HS256' });
    expect(() => verifyAccessToken(eternal, secret)).toThrow(
      expect.objectContaining({ code: 'unauthenticated' }),
    );
    expect(() => verifyRoomToken(signToken(access, secret, 60), secret)).toThrow(
      expect.objectContaining({ code: 'unauthenticated' }),
    );
  });
});

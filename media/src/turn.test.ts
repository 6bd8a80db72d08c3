import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { turnCredentials } from './turn.js';

describe('turnCredentials', () => {
  const options = { secret: 'turn-secret-0123456789', urls: ['turn:turn.example:3478'], ttlSeconds: 3600 };

  it('follows the coturn REST scheme: expiry:user and base64 HMAC-SHA1', () => {
    const [server] = turnCredentials(options, 'user-1', 1_700_000_000_000);
    expect(server!.username).toBe('1700003600:user-1');
    const expected = createHmac('sha1', options.secret).update('1700003600:user-1').digest('base64');
    expect(server!.credential).toBe(expected);
    expect(server!.urls).toEqual(['turn:turn.example:3478']);
  });

  it('hands out nothing without a secret or URLs', () => {
    expect(turnCredentials({ ...options, secret: undefined }, 'u')).toEqual([]);
    expect(turnCredentials({ ...options, urls: [] }, 'u')).toEqual([]);
  });
});

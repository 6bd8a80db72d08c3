import { describe, expect, it } from 'vitest';
import { clientAddressResolver, TrustProxySchema } from './clientAddress.js';

const resolve = (setting: string | undefined, peer: string, xff?: string) =>
  clientAddressResolver(TrustProxySchema.parse(setting))(peer, xff);

describe('TRUST_PROXY', () => {
  it('ignores X-Forwarded-For unless proxies are trusted', () => {
    expect(resolve(undefined, '203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
    expect(resolve('false', '203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
    expect(resolve('0', '::ffff:203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });

  it('with N hops, takes the address N entries from the right, whatever the client prepends', () => {
    expect(resolve('1', '10.0.0.2', '198.51.100.1')).toBe('198.51.100.1');
    // a client sending its own header only adds entries on the left
    expect(resolve('1', '10.0.0.2', '1.2.3.4, 198.51.100.1')).toBe('198.51.100.1');
    expect(resolve('2', '10.0.0.2', '1.2.3.4, 198.51.100.1, 10.0.0.1')).toBe('198.51.100.1');
    // fewer entries than hops: the leftmost there is
    expect(resolve('3', '10.0.0.2', '198.51.100.1')).toBe('198.51.100.1');
    expect(resolve('1', '10.0.0.2', undefined)).toBe('10.0.0.2');
  });

  it('with a list, believes only peers inside it, hop by hop', () => {
    const trust = '10.0.0.0/8, 127.0.0.1, fd00::/8';
    expect(resolve(trust, '10.1.2.3', '1.2.3.4, 198.51.100.1')).toBe('198.51.100.1');
    expect(resolve(trust, '10.1.2.3', '1.2.3.4, 198.51.100.1, 10.9.9.9')).toBe('198.51.100.1');
    expect(resolve(trust, '::ffff:127.0.0.1', '198.51.100.7')).toBe('198.51.100.7');
    expect(resolve(trust, 'fd00::1', '2001:db8::5')).toBe('2001:db8::5');
    // a peer outside the list is the client, whatever it claims
    expect(resolve(trust, '203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });

  it('refuses settings that are neither', () => {
    for (const bad of ['true', 'yes', '10.0.0.0/33', '999', '10.0.0.1,,']) {
      expect(TrustProxySchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { safeNextPath, signInPath } from './nextPath.js';

const origin = 'https://learn.example';

describe('safeNextPath', () => {
  it('keeps a path of this site with its query and hash', () => {
    expect(safeNextPath('/courses/42?tab=chat#top', origin, '/learning')).toBe('/courses/42?tab=chat#top');
  });

  it.each([
    null,
    '',
    'courses',
    '//evil.example/x',
    '/\\evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    '/%5C%5Cevil.example',
  ])('refuses %s', (next) => {
    const result = safeNextPath(next, origin, '/learning');
    expect(new URL(result, origin).origin).toBe(origin);
    if (next === null || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\'))
      expect(result).toBe('/learning');
  });

  it('round-trips through the sign-in link', () => {
    const link = new URL(signInPath('/community/chat?room=course:1'), origin);
    expect(safeNextPath(link.searchParams.get('next'), origin, '/')).toBe('/community/chat?room=course:1');
  });
});

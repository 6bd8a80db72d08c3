import { describe, expect, it } from 'vitest';
import { localeFromAcceptLanguage } from './locale.js';

describe('localeFromAcceptLanguage', () => {
  it.each([
    [undefined, 'fr'],
    ['', 'fr'],
    ['de-DE,de;q=0.9', 'fr'],
    ['en-US,en;q=0.9', 'en'],
    ['fr-CA', 'fr'],
    ['EN', 'en'],
    ['de;q=1, en;q=0.5, fr;q=0.8', 'fr'],
    ['en;q=0.5, fr;q=0.5', 'en'],
    ['fr;q=0, en;q=0.1', 'en'],
    ['fr;q=0', 'fr'],
    ['*', 'fr'],
    ['en;q=bogus', 'en'],
  ])('%j → %s', (header, expected) => {
    expect(localeFromAcceptLanguage(header)).toBe(expected);
  });

  it('uses the fallback it is given', () => {
    expect(localeFromAcceptLanguage('de', 'en')).toBe('en');
  });
});

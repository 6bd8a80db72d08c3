import { describe, expect, it } from 'vitest';
import { browserLocale, pickLocale } from './locale.js';

describe('pickLocale', () => {
  it('prefers the account, then the device, then the browser, then French', () => {
    expect(pickLocale({ account: 'fr', stored: 'en', browser: ['en-US'] })).toBe('fr');
    expect(pickLocale({ stored: 'en', browser: ['fr-FR'] })).toBe('en');
    expect(pickLocale({ browser: ['de-DE', 'fr-CA', 'en'] })).toBe('fr');
    expect(pickLocale({ browser: ['de-DE'] })).toBe('fr');
  });

  it('reads language tags by their base language', () => {
    expect(browserLocale(['EN-gb'])).toBe('en');
    expect(browserLocale([])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { initials } from './Avatar.js';

describe('initials', () => {
  it('takes the first and last word’s first letters', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('  jean-luc de la  Fontaine ')).toBe('JF');
    expect(initials('Zoé')).toBe('Z');
    expect(initials('Émile Zola')).toBe('ÉZ');
  });
});

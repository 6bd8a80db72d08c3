import { describe, expect, it } from 'vitest';
import { searchSql, searchTerms } from './searchQuery.js';

describe('searchTerms', () => {
  it('keeps words (letters, marks, digits), the last apart', () => {
    expect(searchTerms('Leçons de photo')).toEqual({ head: 'Leçons de', last: 'photo' });
    expect(searchTerms('photo')).toEqual({ head: '', last: 'photo' });
    expect(searchTerms("l'apprentissage du C++ en 2024")).toEqual({
      head: 'l apprentissage du C en',
      last: '2024',
    });
  });

  it('turns tsquery syntax into separators', () => {
    expect(searchTerms(`photo' & | ! : ( ) * \\ < - > "`)).toEqual({ head: '', last: 'photo' });
    expect(searchTerms('a:*&b|!c')).toEqual({ head: 'a b', last: 'c' });
    expect(searchTerms("'); drop table courses; --")).toEqual({ head: 'drop table', last: 'courses' });
  });

  it('composes decomposed accents (NFD) into the letters the dictionaries know', () => {
    expect(searchTerms('lumie\u0300re')).toEqual({ head: '', last: 'lumière' });
  });

  it('finds no word in punctuation only', () => {
    expect(searchTerms(`'&|!:(*\\`)).toBeUndefined();
    expect(searchTerms('')).toBeUndefined();
  });
});

describe('searchSql', () => {
  it('holds user text only in the placeholders it is given', () => {
    const { match, rank } = searchSql('$1', '$2');
    for (const sql of [match, rank]) {
      expect(sql.match(/\$\d/g)?.every((p) => p === '$1' || p === '$2')).toBe(true);
      for (const config of ['fr_unaccent', 'en_unaccent', 'simple_unaccent']) expect(sql).toContain(config);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { unstorableText } from './storableText.js';

describe('unstorableText', () => {
  it('names each field holding NUL or an unpaired surrogate', () => {
    expect(
      unstorableText({
        title: 'a\u0000b',
        price: { currency: 'e\uD800r' },
        ids: ['ok', '\u0000'],
        ['bad\u0000key']: 1,
      }),
    ).toEqual([
      { path: 'title', message: 'contains a NUL character' },
      { path: 'price.currency', message: 'is not valid Unicode text' },
      { path: 'ids.1', message: 'contains a NUL character' },
      { path: 'bad\u0000key', message: 'has an invalid field name' },
    ]);
    expect(unstorableText('\uDC00')).toEqual([{ path: '(body)', message: 'is not valid Unicode text' }]);
  });

  it('accepts any other text, emoji (paired surrogates) included, and non-strings', () => {
    expect(unstorableText({ a: 'Leçons 📷 \t\n', b: [1, true, null, { c: 'ok' }], d: 2 })).toEqual([]);
    expect(unstorableText(undefined)).toEqual([]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUnstorableText, storable } from '../src/json.js';

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('text the database cannot store', () => {
  it('finds the first NUL or lone surrogate with its path, in values and keys', () => {
    expect(findUnstorableText({ a: 'ok', b: [1, 'x\u0000'] })).toMatchObject({ path: ['b', '1'], reason: expect.stringContaining('NUL') });
    expect(findUnstorableText({ a: { 'k\udc00': 1 } })).toMatchObject({ path: ['a'], reason: expect.stringContaining('key') });
    expect(findUnstorableText('\ud800')).toMatchObject({ path: [], reason: expect.stringContaining('surrogate') });
    expect(findUnstorableText({ emoji: '😀', control: '\u0001', number: 1, nothing: null })).toBeUndefined();
    // Deep nesting is walked without recursion.
    let deep: unknown = 'end\u0000';
    for (let level = 0; level < 100_000; level++) deep = [deep];
    expect(findUnstorableText(deep)?.path).toHaveLength(100_000);
  });

  it('makes any JSON value storable, changing only what must change', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, text) => {
        const mixed = { value, text, [text]: [text] };
        const clean = storable(mixed);
        expect(findUnstorableText(clean)).toBeUndefined();
        if (!findUnstorableText(mixed)) expect(clean).toBe(mixed);
      }),
    );
    expect(storable('a\u0000b\ud800c😀')).toBe('a\ufffdb\ufffdc😀');
    expect(storable('x😀'.slice(0, 2))).not.toMatch(loneSurrogate);
    const date = new Date(0);
    expect(storable({ at: date, s: '\u0000' })).toEqual({ at: date, s: '\ufffd' });
  });
});

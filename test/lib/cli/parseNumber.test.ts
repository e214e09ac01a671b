import { describe, expect, it } from '@jest/globals';
import { parseCount, parsePositiveCount } from '../../../src/lib/cli/parseNumber.js';

describe('parsePositiveCount (e.g. run --jobs)', () => {
  it('takes a whole number of at least 1', () => {
    expect(parsePositiveCount('1')).toBe(1);
    expect(parsePositiveCount(' 4 ')).toBe(4);
  });

  it('rejects 0, fractions, negatives and words with the same message', () => {
    for (const bad of ['0', '2.5', '-1', 'abc', ''])
      expect(() => parsePositiveCount(bad)).toThrow('expected a whole number ≥ 1.');
  });
});

describe('parseCount (e.g. features --limit)', () => {
  it('takes a whole number, 0 included', () => {
    expect(parseCount('0')).toBe(0);
    expect(parseCount(' 20 ')).toBe(20);
  });

  it('rejects fractions, negatives and words with the same message', () => {
    for (const bad of ['2.5', '-1', 'abc', '', '99999999999999999999'])
      expect(() => parseCount(bad)).toThrow('expected a whole number ≥ 0.');
  });
});

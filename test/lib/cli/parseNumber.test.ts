import { describe, expect, it } from '@jest/globals';
import { parseCount, parsePositiveCount } from '../../../src/lib/cli/parseNumber.js';

// Each parser: what it takes (text → number), what it rejects, and the one message it gives.
describe.each([
  {
    name: 'parsePositiveCount (e.g. run --jobs)',
    parse: parsePositiveCount,
    takes: [
      ['1', 1],
      [' 4 ', 4],
    ] as const,
    rejects: ['0', '2.5', '-1', 'abc', ''],
    message: 'expected a whole number ≥ 1.',
  },
  {
    name: 'parseCount (e.g. features --limit)',
    parse: parseCount,
    takes: [
      ['0', 0],
      [' 20 ', 20],
    ] as const,
    rejects: ['2.5', '-1', 'abc', '', '99999999999999999999'],
    message: 'expected a whole number ≥ 0.',
  },
])('$name', ({ parse, takes, rejects, message }) => {
  it('takes a whole number at or above its least', () => {
    for (const [text, n] of takes) expect(parse(text)).toBe(n);
  });

  it('rejects the rest (fractions, negatives, words, past safe integers) with the same message', () => {
    for (const bad of rejects) expect(() => parse(bad)).toThrow(message);
  });
});

import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { globMatcher } from '../../../src/lib/lake/matchFiles.js';

// The raw-zone cache warmer lists only the directories a consumer has left, and keeps the files a
// dataset's path pattern names: the same test matchFiles applies to a whole walk.
describe('globMatcher', () => {
  const root = path.join(path.sep, 'lake', 'raw_zone');
  const at = (...p: string[]) => path.join(root, ...p);

  it('matches a partition file and nothing at another depth, with another suffix or outside the base', () => {
    const { base, matches } = globMatcher(at('clickstream', '*', '*.jsonl'));
    expect(base).toBe(at('clickstream'));
    expect(matches(at('clickstream', '2026-09-09', 'events_00_t-0-1-2.jsonl'))).toBe(true);
    expect(matches(at('clickstream', '2026-09-09', 'events_00_t-0-1-2.jsonl.manifest'))).toBe(false);
    expect(matches(at('clickstream', 'a', 'b', 'x.jsonl'))).toBe(false);
    expect(matches(at('clickstream', 'x.jsonl'))).toBe(false);
    expect(matches(at('other', '2026-09-09', 'x.jsonl'))).toBe(false);
  });

  it('takes ** for any depth, and a pattern without a glob for itself', () => {
    const deep = globMatcher(at('transactions', '**', '*.csv')).matches;
    expect(deep(at('transactions', 'a', 'b', 'c.csv'))).toBe(true);
    expect(deep(at('transactions', 'c.csv'))).toBe(true);
    const one = globMatcher(at('recomart_raw_customers.csv')).matches;
    expect(one(at('recomart_raw_customers.csv'))).toBe(true);
    expect(one(at('recomart_product_catalog.csv'))).toBe(false);
  });
});

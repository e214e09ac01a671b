import { describe, expect, it } from '@jest/globals';
import { withDuck } from '../../../src/lib/duck/withDuck.js';
import { rangeCheck } from '../../../src/lib/quality/checks/rangeCheck.js';

// The range predicate casts once (NOT within-the-bounds); it must fail exactly the values that the
// plain definition fails: present, and below min, above max or not a number.
const texts = ['0', '5', '2.5', '-1', '5.01', '6', ' 3 ', '', ' ', 'abc', '1e3', 'NaN', 'inf', '-inf', null];
const bounds: { min?: number; max?: number }[] = [{ min: 0, max: 5 }, { min: 0 }, { max: 5 }];

describe('range check', () => {
  it.each(bounds)('fails what the plain definition fails, bounds %o', async (b) => {
    const [check] = rangeCheck.plan({ column: 'x', ...b, severity: 'error' }, { name: 't', key: [] });
    const v = 'try_cast(x AS DOUBLE)';
    const plain = [
      b.min !== undefined ? `${v} < ${b.min}` : undefined,
      b.max !== undefined ? `${v} > ${b.max}` : undefined,
      `${v} IS NULL`,
    ].filter(Boolean);
    const rows = await withDuck({}, async (conn) => {
      const literal = (t: string | null) => (t === null ? 'NULL' : `'${t}'`);
      await conn.run(`CREATE TABLE t AS SELECT unnest([${texts.map(literal).join(', ')}]::VARCHAR[]) AS x`);
      const r = await conn.runAndReadAll(
        `SELECT x, coalesce(${check!.predicate}, false) AS fails,
           (x IS NOT NULL AND trim(x) <> '' AND (${plain.join(' OR ')})) AS fails_plain
         FROM t`,
      );
      return r.getRowObjectsJS();
    });
    expect(rows).toHaveLength(texts.length);
    for (const r of rows) expect({ x: r.x, fails: r.fails }).toEqual({ x: r.x, fails: r.fails_plain });
    // Not vacuous: text, out-of-range and in-range values all occur.
    const failing = rows.filter((r) => r.fails === true).map((r) => r.x);
    expect(failing).toContain('abc');
    expect(failing).not.toContain('2.5');
    expect(failing).not.toContain('');
    if (b.min !== undefined) expect(failing).toContain('-1');
    if (b.max !== undefined) expect(failing).toEqual(expect.arrayContaining(['5.01', '6', 'NaN', 'inf']));
  });
});

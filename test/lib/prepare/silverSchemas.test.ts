import { describe, expect, it } from '@jest/globals';
import { withDuck } from '../../../src/lib/duck/withDuck.js';
import { castExpression, type SilverType } from '../../../src/lib/prepare/silverSchemas.js';

// The casts skip trim() for speed; they must give what the plain definition
// (trim spaces, blank is NULL, cast what is left) gives, value for value.
const TAB = '\t';
const NBSP = '\u00a0';
const texts = [
  `${NBSP}12`,
  `12${NBSP}`,
  `${NBSP}2026-08-01T11:42:15Z`,
  `2026-08-01${NBSP}`,
  `${NBSP}yes`,
  `${NBSP}a${NBSP}`,
  'café',
  '2026-08-01T11:42:15.800Z',
  ' 2026-08-01T11:42:15.800Z',
  '2026-08-01T11:42:15.800Z  ',
  `${TAB}2026-08-01T11:42:15Z`,
  '2026-08-01 11:42:15',
  '2026-08-01T13:42:15+02:00',
  ' 2026-08-01T13:42:15+02:00 ',
  '2026-08-01',
  ' 2026-08-01 ',
  '2026-08-01 ',
  ' 2026-08-01T11:42:15Z ',
  ' 12 ',
  '12',
  `${TAB}12`,
  '1e3',
  ' -3.5',
  '3.5x',
  'junk',
  'a',
  ' a',
  'a ',
  ' a b ',
  `${TAB}a`,
  ' yes',
  'No ',
  '',
  '   ',
  null,
];
const reference: Record<SilverType, (c: string) => string> = {
  VARCHAR: (c) => `nullif(trim(${c}), '')`,
  BIGINT: (c) => `try_cast(trim(${c}) AS BIGINT)`,
  INTEGER: (c) => `try_cast(trim(${c}) AS INTEGER)`,
  DOUBLE: (c) => `try_cast(trim(${c}) AS DOUBLE)`,
  DATE: (c) => `try_cast(trim(${c}) AS DATE)`,
  TIMESTAMP: (c) => `(try_cast(trim(${c}) AS TIMESTAMPTZ) AT TIME ZONE 'UTC')`,
  YES_NO: (c) => `CASE lower(trim(${c})) WHEN 'yes' THEN true WHEN 'no' THEN false END`,
};

describe('castExpression', () => {
  it.each(Object.keys(reference) as SilverType[])(
    '%s equals trim-then-cast on every kind of text',
    async (type) => {
      const rows = await withDuck({}, async (conn) => {
        const literal = (t: string | null) => (t === null ? 'NULL' : `'${t.replace(/'/g, "''")}'`);
        await conn.run(`CREATE TABLE t AS SELECT unnest([${texts.map(literal).join(', ')}]::VARCHAR[]) AS x`);
        const r = await conn.runAndReadAll(
          `SELECT x, ${castExpression('x', type)}::VARCHAR AS fast, ${reference[type]('x')}::VARCHAR AS plain FROM t`,
        );
        return r.getRowObjectsJS();
      });
      expect(rows).toHaveLength(texts.length);
      for (const row of rows) expect({ x: row.x, value: row.fast }).toEqual({ x: row.x, value: row.plain });
      // Not vacuous: the values that should parse do.
      const parsed = rows.filter((r) => r.fast !== null).length;
      expect(parsed).toBeGreaterThan(type === 'YES_NO' ? 1 : 2);
    },
  );
});

import { describe, expect, it } from '@jest/globals';
import { withDuck } from '../../../src/lib/duck/withDuck.js';
import { isBlank, isPresent, trimmed } from '../../../src/lib/duck/sqlText.js';

// The blank and trim helpers skip trim() when a value cannot change; each must equal its plain
// definition on every value, including the Unicode spaces that DuckDB's trim() also removes.
const NBSP = '\u00a0';
const IDEOGRAPHIC = '\u3000';
const texts = [
  'C000123',
  ' C000123',
  'C000123 ',
  '  C000123  ',
  '\tC000123',
  'C000123\t',
  `${NBSP}C000123`,
  `C000123${NBSP}`,
  `${IDEOGRAPHIC}x${IDEOGRAPHIC}`,
  'café',
  ' café ',
  'é',
  '!',
  '~',
  'a b',
  '',
  ' ',
  '   ',
  NBSP,
  `${NBSP} ${IDEOGRAPHIC}`,
  '\t',
  null,
];

describe('isBlank, isPresent and trimmed', () => {
  it('equal trim()-based definitions on every kind of text', async () => {
    const rows = await withDuck({}, async (conn) => {
      const literal = (t: string | null) => (t === null ? 'NULL' : `'${t.replace(/'/g, "''")}'`);
      await conn.run(`CREATE TABLE t AS SELECT unnest([${texts.map(literal).join(', ')}]::VARCHAR[]) AS x`);
      const r = await conn.runAndReadAll(
        `SELECT x,
           ${isBlank('x')} AS blank, (x IS NULL OR trim(x) = '') AS blank_plain,
           ${isPresent('x')} AS present, (x IS NOT NULL AND trim(x) <> '') AS present_plain,
           ${trimmed('x')} AS trimmed, trim(x) AS trimmed_plain
         FROM t`,
      );
      return r.getRowObjectsJS();
    });
    expect(rows).toHaveLength(texts.length);
    for (const r of rows) {
      expect({ x: r.x, blank: r.blank, present: r.present, trimmed: r.trimmed }).toEqual({
        x: r.x,
        blank: r.blank_plain,
        present: r.present_plain,
        trimmed: r.trimmed_plain,
      });
    }
    // Not vacuous: both answers occur, and some values do get trimmed, Unicode spaces among them.
    expect(rows.filter((r) => r.blank === true).length).toBe(6);
    expect(rows.filter((r) => r.present === true).length).toBe(texts.length - 6);
    expect(rows.find((r) => r.x === `${NBSP}C000123`)?.trimmed).toBe('C000123');
    expect(rows.find((r) => r.x === `C000123${NBSP}`)?.trimmed).toBe('C000123');
  });
});

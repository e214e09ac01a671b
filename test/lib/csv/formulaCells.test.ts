import { describe, expect, it } from '@jest/globals';
import { withDuck } from '../../../src/lib/duck/withDuck.js';
import { quoteLiteral } from '../../../src/lib/duck/sqlText.js';
import { neutraliseFormula, neutraliseFormulaSql } from '../../../src/lib/csv/formulaCells.js';

// Cell → what a CSV export writes for it.
const CASES: [string, string][] = [
  ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
  ['+HYPERLINK("http://x","y")', `'+HYPERLINK("http://x","y")`],
  ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
  ['-2+3', "'-2+3"],
  ['\t=1', "'\t=1"],
  ['\r=1', "'\r=1"],
  ['-3', '-3'],
  ['+1.5e2', '+1.5e2'],
  ['-.5', '-.5'],
  ['P00001', 'P00001'],
  ['a=b', 'a=b'],
  ['', ''],
];

describe('formula cells in CSV exports', () => {
  it('prefixes formula-like text with a quote and leaves numbers and plain text alone', () => {
    expect(CASES.map(([cell]) => neutraliseFormula(cell))).toEqual(CASES.map(([, out]) => out));
  });

  it('the SQL form agrees with the JavaScript one on every case', async () => {
    const out = await withDuck({}, async (conn) => {
      const values = CASES.map(([cell], i) => `(${i}, ${quoteLiteral(cell)})`).join(', ');
      const r = await conn.runAndReadAll(
        `SELECT ${neutraliseFormulaSql('v')} AS o FROM (VALUES ${values}) t(i, v) ORDER BY i`,
      );
      return r.getRowObjectsJS().map((row) => row.o);
    });
    expect(out).toEqual(CASES.map(([, o]) => o));
  });
});

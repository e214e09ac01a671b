import { describe, expect, it } from '@jest/globals';
import { withDuck } from '../../../src/lib/duck/withDuck.js';
import type { CheckEnv, PreparedDataset } from '../../../src/lib/quality/checkTypes.js';
import { referencesCheck } from '../../../src/lib/quality/checks/referencesCheck.js';
import { testContext } from '../../../src/lib/runContext.js';

// references counts orphans over the distinct values; its failing rows are selected row by row.
// Both must agree: every present source row whose trimmed value no trimmed key matches, counted once
// per row (repeated orphans included), blanks and NULLs never, the filter applied.
const source: [string | null, string][] = [
  ['A', 'view'],
  [' A ', 'view'],
  ['B', 'buy'],
  ['X', 'view'],
  ['X', 'view'],
  [' X', 'buy'],
  ['Y ', 'buy'],
  ['', 'view'],
  ['  ', 'buy'],
  [null, 'view'],
  ['é', 'view'],
];
const keys = ['A', ' B', 'C', 'é '];

const dataset = (view: string): PreparedDataset => ({
  name: view,
  view,
  path: '',
  files: [],
  columns: ['ref', 'kind'],
  absentColumns: [],
  key: [],
  pii: [],
});

describe('references check', () => {
  it.each([
    [undefined, 4],
    ["kind = 'buy'", 2],
  ])('counts the orphans row by row, filter %p', async (filter, orphans) => {
    const [check] = referencesCheck.plan(
      { column: 'ref', dataset: 'target', key: 'id', severity: 'error', ...(filter ? { filter } : {}) },
      { name: 'source', key: [] },
    );
    const { measured, rows } = await withDuck({}, async (conn) => {
      const text = (v: string | null) => (v === null ? 'NULL' : `'${v}'`);
      await conn.run(
        `CREATE TABLE source AS SELECT * FROM (VALUES ${source.map(([r, k]) => `(${text(r)}, '${k}')`).join(', ')}) v(ref, kind)`,
      );
      await conn.run(`CREATE TABLE target AS SELECT unnest([${keys.map(text).join(', ')}]) AS id`);
      const env = {
        conn,
        ctx: testContext('/nonexistent'),
        dataset: dataset('source'),
        datasets: new Map([['target', dataset('target')]]),
        asOf: new Date(),
        memo: new Map(),
      } as CheckEnv;
      const m = await check!.measure!(env);
      const r = await conn.runAndReadAll(`SELECT ref FROM (${m.failingRowsSql}) ORDER BY ALL`);
      return { measured: m, rows: r.getRowObjectsJS().map((x) => x.ref) };
    });
    expect(measured.failing).toBe(orphans);
    expect(measured.total).toBe(source.length);
    expect(rows).toHaveLength(orphans);
    expect(rows).toEqual(filter ? [' X', 'Y '] : [' X', 'X', 'X', 'Y ']);
  });
});

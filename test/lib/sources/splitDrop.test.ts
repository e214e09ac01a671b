import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { withDuck } from '../../../src/lib/duck/withDuck.js';
import { splitDrop, type SplitDropResult } from '../../../src/lib/sources/transactions/splitDrop.js';
import { makeTempDir } from '../../helpers/tempDir.js';

// The reasons a row is refused, on values at their edges: blanks of spaces (missing, where the
// column is required), numbers with spaces around them (numbers), and values that are not numbers.
// Each row's fate is stated here, not derived from the SQL under test.
const rows: [line: string, reason: string | null][] = [
  ['T1,2026-08-01,C1,P1,1,2.50,4', null],
  ['   ,2026-08-01,C1,P1,1,2.50,4', 'missing txn_id'],
  ['T3, 2026-08-02 ,C1,P1, 7 , 1.5 ,', null],
  ['T4,2026-08-01,C1,P1,   ,2.50,', 'missing quantity'],
  ['T5,2026-08-01,C1,P1,abc,2.50,', 'non-numeric quantity'],
  ['T6,2026-08-01,C1,P1,1 2,2.50,', 'non-numeric quantity'],
  ['T7,2026-08-01,C1,P1,3000000000,  ,', null],
  ['T8,2026-08-01,C1,P1,2,2.50,x', 'non-numeric rating'],
  ['T9,2026-08-01,C1,P1,2,1e3,5', null],
  ['T10,2026-8-x,C1,P1,2,1,5', 'unparseable txn_date'],
  ['T11,,C1,P1,2,1,5', 'missing txn_date'],
  ['T12,2026-08-03,,P1,2,"",5', null],
];

describe('splitDrop: why a row is refused', () => {
  const tmp = makeTempDir();
  let result: SplitDropResult;
  let rejects: Record<string, string>[];
  beforeAll(async () => {
    const file = path.join(tmp.dir, 'drop.csv');
    const header = ['txn_id', 'txn_date', 'customer_id', 'product_id', 'quantity', 'unit_price', 'rating'];
    writeFileSync(file, [header.join(','), ...rows.map(([line]) => line)].join('\n') + '\n');
    const stagingDir = path.join(tmp.dir, 'staging');
    mkdirSync(stagingDir);
    result = await withDuck({}, (conn) => splitDrop(conn, { file, header, stagingDir }));
    rejects = parse(readFileSync(result.rejectsFile!, 'utf8'), { columns: true }) as Record<string, string>[];
  });
  afterAll(() => tmp.cleanup());

  it('refuses exactly the rows with a reason, each with it and its line', () => {
    const expected = rows.flatMap(([, reason], i) => (reason ? [{ line: String(i + 2), reason }] : []));
    expect(rejects.map((r) => ({ line: r.line, reason: r.reason }))).toEqual(expected);
    expect(result.rowsRejected).toBe(expected.length);
    expect(result.rowsIngested).toBe(rows.length - expected.length);
  });

  it('keeps the accepted values as they were written, under their trimmed date', () => {
    const byDate = new Map(result.partitions.map((p) => [p.date, p]));
    expect([...byDate.keys()]).toEqual(['2026-08-01', '2026-08-02', '2026-08-03']);
    const day2 = parse(readFileSync(byDate.get('2026-08-02')!.file, 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    expect(day2).toEqual([
      {
        txn_id: 'T3',
        txn_date: ' 2026-08-02 ',
        customer_id: 'C1',
        product_id: 'P1',
        quantity: ' 7 ',
        unit_price: ' 1.5 ',
        rating: '',
      },
    ]);
  });
});

describe("splitDrop: each date's file keeps the drop's row order", () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('when a date first appears with a few rows at the end of a 2,048-row chunk', async () => {
    // 2,000 rows of one day, then 100 of the next: the first 48 of those share DuckDB's first
    // chunk with the day before. Its partitioned COPY wrote them after the other 52.
    const header = ['txn_id', 'txn_date', 'customer_id', 'product_id', 'quantity', 'unit_price', 'rating'];
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const lines = [
      ...ids('A', 2000).map((id) => `${id},2026-08-01,C1,P1,1,2.50,`),
      ...ids('B', 100).map((id) => `${id},2026-08-02,C1,P1,1,2.50,`),
    ];
    const file = path.join(tmp.dir, 'drop.csv');
    writeFileSync(file, [header.join(','), ...lines].join('\n') + '\n');
    const stagingDir = path.join(tmp.dir, 'staging');
    mkdirSync(stagingDir);
    const result = await withDuck({}, (conn) => splitDrop(conn, { file, header, stagingDir }));
    const idsIn = (date: string) =>
      (
        parse(readFileSync(result.partitions.find((p) => p.date === date)!.file, 'utf8'), {
          columns: true,
        }) as { txn_id: string }[]
      ).map((r) => r.txn_id);
    expect(idsIn('2026-08-01')).toEqual(ids('A', 2000));
    expect(idsIn('2026-08-02')).toEqual(ids('B', 100));
    expect(result.partitions.map((p) => [p.date, p.records])).toEqual([
      ['2026-08-01', 2000],
      ['2026-08-02', 100],
    ]);
  });
});

describe('splitDrop: a torn row of a drop with CRLF line ends', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('is quarantined as its own line, without the line break of the one before', async () => {
    const file = path.join(tmp.dir, 'windows.csv');
    const header = ['txn_id', 'txn_date', 'customer_id', 'product_id', 'quantity'];
    writeFileSync(
      file,
      `${header.join(',')}\r\nA1,2026-08-01,C1,P1,1\r\nA2,2026-08-02,C2,P2\r\nA3,2026-08-02,C3,P3,3\r\n`,
    );
    const stagingDir = path.join(tmp.dir, 'staging');
    mkdirSync(stagingDir);
    const result = await withDuck({}, (conn) => splitDrop(conn, { file, header, stagingDir }));
    expect(result.rowsIngested).toBe(2);
    const rejects = parse(readFileSync(result.rejectsFile!, 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    expect(rejects.map((r) => ({ line: r.line, raw_line: r.raw_line }))).toEqual([
      { line: '3', raw_line: 'A2,2026-08-02,C2,P2' },
    ]);
  });
});

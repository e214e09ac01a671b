import { describe, expect, it } from '@jest/globals';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { withDuck } from '../../src/lib/duck/withDuck.js';
import { quoteLiteral } from '../../src/lib/duck/sqlText.js';
import { lakeFactory } from '../helpers/initLake.js';
import { runCli } from '../helpers/runCli.js';

// Issue 24: ingest writes each transactions file's raw-zone cache part from the rows it split,
// instead of parsing the file again. A part must hold exactly what a reader builds from the
// published file: the same name (a digest of the file's name, size and mtime), the same text and
// typed values, the same `__file`, in the same order.

const lake = lakeFactory();
const cli = (root: string, ...args: string[]) => runCli(args, { cwd: root });
const cacheDir = (root: string) => path.join(root, '.recomart/cache/raw/transactions');
const parts = (root: string) =>
  readdirSync(cacheDir(root))
    .filter((f) => f.endsWith('.parquet'))
    .sort();
const rawFiles = (root: string) =>
  readdirSync(path.join(root, 'raw_zone/transactions'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.csv'))
    .sort();

/**
 * Every row of every part in `dir`, part by part, in the order the readers' view reads it (a part
 * a reader split from a group of small files numbers its rows: `__row`), all columns as text.
 */
async function contents(dir: string, names: string[]): Promise<string[]> {
  return withDuck({}, async (conn) => {
    const out: string[] = [];
    for (const name of names) {
      const scan = `read_parquet(${quoteLiteral(path.join(dir, name))})`;
      const numbered = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${scan}`))
        .getRowObjectsJS()
        .some((r) => r.column_name === '__row');
      const reader = await conn.runAndReadAll(
        numbered
          ? `SELECT * EXCLUDE (__row) FROM ${scan} ORDER BY coalesce(__row, file_row_number)`
          : `SELECT * FROM ${scan} ORDER BY file_row_number`,
      );
      const columns = reader.columnNames().join('|');
      out.push(`${name} ${columns}`, ...reader.getRows().map((r) => JSON.stringify(r.map(String))));
    }
    return out;
  });
}

/** Ingests, then compares the cache ingest wrote with the one `validate` builds from the files. */
async function ingestedPartsMatchRebuilt(root: string): Promise<string[]> {
  const ingest = cli(root, 'ingest', 'transactions', '--stable-seconds', '0', '-v');
  expect([0, 4]).toContain(ingest.status);
  const written = parts(root);
  expect(written).toHaveLength(rawFiles(root).length);
  // The first reader finds every part current.
  const first = cli(root, 'validate', '-v', '--dataset', 'transactions');
  expect(first.stderr).toMatch(
    new RegExp(`transactions: loaded in \\d+ ms \\(0 of ${written.length} parts parsed\\)`),
  );
  const aside = path.join(root, 'ingested-parts');
  cpSync(cacheDir(root), aside, { recursive: true });
  rmSync(cacheDir(root), { recursive: true });
  const rebuilt = cli(root, 'validate', '-v', '--dataset', 'transactions');
  expect(rebuilt.stderr).toMatch(
    new RegExp(`transactions: loaded in \\d+ ms \\(${written.length} of ${written.length} parts parsed\\)`),
  );
  expect(parts(root)).toEqual(written);
  const ingested = await contents(aside, written);
  expect(ingested).toEqual(await contents(cacheDir(root), written));
  return ingested;
}

describe("ingest's raw-zone cache parts", () => {
  it('hold what a reader parses from the published files, values that CSV quotes or empties included', async () => {
    const root = lake();
    writeFileSync(
      path.join(root, 'raw_zone/landing/a.csv'),
      [
        'txn_id,txn_date,customer_id,product_id,quantity,unit_price,rating,channel',
        'T1,2026-08-01,C1,P1,2,9.5,4,web',
        'T2,2026-08-01,"C,2",P2, 3 ,"",,"multi',
        'line"',
        'T3,2026-08-02,"say ""hi""",P3,1,  7.25,5.0," "',
        'T4,2026-08-01,C4,P4,x,1,2,store',
        'T5,2026-08-02,Zoë ✓,P5,1,1e2,,',
        'T6,2026-08-01,C6,P6,1,1,1,"tab\there"',
      ].join('\n') + '\n',
    );
    const rows = await ingestedPartsMatchRebuilt(root);
    // The values a CSV round trip could change are there as the reader reads them.
    const all = rows.join('\n');
    expect(all).toContain('"C,2"');
    expect(all).toContain('"say \\"hi\\""');
    expect(all).toContain('"multi\\nline"');
    expect(all).toContain('"Zoë ✓"');
    expect(all).toContain('" 3 "');
    // An empty quoted value reads as missing, as the reader reads it.
    expect(rows.find((r) => r.startsWith('["T2"'))).toContain('"null"');
    // The row with a non-numeric quantity was rejected at ingest: no part holds it.
    expect(all).not.toContain('"T4"');
  });

  it('hold a drop without optional columns, and one whose dates needed a date_format', async () => {
    const root = lake();
    writeFileSync(
      path.join(root, 'recomart.config.yaml'),
      "sources:\n  transactions:\n    date_format: '%d/%m/%Y'\n",
    );
    writeFileSync(
      path.join(root, 'raw_zone/landing/minimal.csv'),
      'txn_id,txn_date,customer_id,product_id,quantity\nM1,01/08/2026,C1,P1,1\nM2,02/08/2026,C2,P2,2\nM3,01/08/2026,C3,P3,3\n',
    );
    const rows = await ingestedPartsMatchRebuilt(root);
    expect(rows.filter((r) => r.startsWith('["M'))).toHaveLength(3);
    expect(rows.join('\n')).toContain('"2026-08-02"');
  });

  it('are deleted when the drop is a duplicate, or its files were published under another name', async () => {
    const root = lake();
    const body =
      'txn_id,txn_date,customer_id,product_id,quantity\nD1,2026-08-01,C1,P1,1\nD3,2026-08-02,C1,P1,1\n';
    // Two drops of one stem (x.csv and x.csv.gz) with different rows: the second is published as
    // x~<md5>, which its split could not know, as the first was not yet committed.
    writeFileSync(path.join(root, 'raw_zone/landing/x.csv'), body);
    writeFileSync(
      path.join(root, 'raw_zone/landing/x.csv.gz'),
      gzipSync(
        'txn_id,txn_date,customer_id,product_id,quantity\nD2,2026-08-01,C2,P2,2\nD4,2026-08-02,C2,P2,2\n',
      ),
    );
    // And a copy of the first under another name: a duplicate, committed nowhere.
    writeFileSync(path.join(root, 'raw_zone/landing/y.csv'), body);
    await ingestedPartsMatchRebuilt(root);
    expect(rawFiles(root)).toHaveLength(4);
    expect(rawFiles(root).some((f) => /ingested_x~[0-9a-f]{8}\.csv$/.test(f))).toBe(true);
  });
});

import { afterAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withDuck } from '../../../src/lib/duck/withDuck.js';
import type { SilverType } from '../../../src/lib/prepare/silverSchemas.js';
import { typedPartitions } from '../../../src/lib/profile/typedCache.js';
import { prepareDatasets } from '../../../src/lib/quality/prepareDatasets.js';
import type { Suite } from '../../../src/lib/quality/suiteSchema.js';
import { makeTempDir } from '../../helpers/tempDir.js';

// Four daily partitions of CSV; d1 lacks the `note` column the others have. With a chunk size of
// one byte, every raw-cache part is a chunk of its own; with a larger one, runs of parts share a file.
describe("profile's typed cache", () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());
  const suite: Suite = { version: 1, datasets: { sales: { path: 'raw_zone/sales/*/*.csv', checks: [] } } };
  const dir = (d: string) => path.join(tmp.dir, 'raw_zone', 'sales', d);
  const csv: Record<string, string> = {
    d1: 'id,n,seen\na,1,2026-08-01T10:00:00Z\nb, 2 ,2026-08-01T11:00:00Z\n',
    d2: 'id,n,seen,note\nc,x,2026-08-02T10:00:00Z,hi\nd,,2026-08-02T11:00:00Z,\n',
    d3: 'id,n,seen,note\ne,5,not a time,yo\n',
    d4: 'id,n,seen,note\nf,6,2026-08-04T09:30:00Z,ok\n',
  };
  for (const [d, text] of Object.entries(csv)) {
    mkdirSync(dir(d), { recursive: true });
    writeFileSync(path.join(dir(d), 'part.csv'), text);
  }
  const cacheDir = path.join(tmp.dir, '.recomart', 'cache', 'typed', 'sales');
  const types: Record<string, SilverType> = { n: 'BIGINT', seen: 'TIMESTAMP' };

  const typed = (t: Record<string, SilverType>, chunkBytes: number) =>
    withDuck({}, async (conn) => {
      const { prepared } = await prepareDatasets(conn, tmp.dir, suite);
      const sales = prepared.get('sales')!;
      const files = (await typedPartitions(conn, tmp.dir, sales, t, chunkBytes))!;
      const rows = (
        await conn.runAndReadAll(
          `SELECT t.id, t.n, strftime(t.seen, '%Y-%m-%d %H:%M') AS seen, t.note, t.__v1, t.__v2,
             t.__h = hash(r.id, r.n, r.seen, r.note) AS same_hash
           FROM read_parquet([${files.map((f) => `'${f}'`).join(', ')}]) t
           JOIN ${sales.view} r ON r.id = t.id ORDER BY t.id`,
        )
      ).getRowObjectsJS();
      return { files: files.map((f) => path.basename(f)), rows, columns: sales.columns };
    });

  it('types every row as prepare does, flags what did not cast, and keeps the text row hash', async () => {
    const r = await typed(types, 1);
    expect(r.columns).toEqual(['id', 'n', 'seen', 'note']);
    expect(r.rows).toEqual([
      { id: 'a', n: 1n, seen: '2026-08-01 10:00', note: null, __v1: false, __v2: false, same_hash: true },
      { id: 'b', n: 2n, seen: '2026-08-01 11:00', note: null, __v1: false, __v2: false, same_hash: true },
      { id: 'c', n: null, seen: '2026-08-02 10:00', note: 'hi', __v1: true, __v2: false, same_hash: true },
      { id: 'd', n: null, seen: '2026-08-02 11:00', note: null, __v1: false, __v2: false, same_hash: true },
      { id: 'e', n: 5n, seen: null, note: 'yo', __v1: false, __v2: true, same_hash: true },
      { id: 'f', n: 6n, seen: '2026-08-04 09:30', note: 'ok', __v1: false, __v2: false, same_hash: true },
    ]);
    // One file per part here: named by its first and last partition and a digest.
    expect(r.files.map((f) => f.split('.')[0])).toEqual(['d1-d1', 'd2-d2', 'd3-d3', 'd4-d4']);
    expect(r.files.every((f) => /^d\d-d\d\.[0-9a-f]{16}\.parquet$/.test(f))).toBe(true);
    expect(readdirSync(cacheDir).sort()).toEqual([...r.files].sort());
  });

  it('types again only the files whose partitions changed', async () => {
    const before = new Map(readdirSync(cacheDir).map((f) => [f, statSync(path.join(cacheDir, f)).mtimeMs]));
    appendFileSync(path.join(dir('d3'), 'part.csv'), 'g,7,2026-08-03T08:00:00Z,late\n');
    const r = await typed(types, 1);
    expect(r.rows.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    const changed = r.files.filter((f) => before.get(f) !== statSync(path.join(cacheDir, f)).mtimeMs);
    expect(changed.map((f) => f.split('.')[0])).toEqual(['d3-d3']);
  });

  it('types again a file damaged from outside (cut short)', async () => {
    const d1 = readdirSync(cacheDir).find((f) => f.startsWith('d1-d1.'))!;
    writeFileSync(path.join(cacheDir, d1), 'PAR1 not a whole file');
    const r = await typed(types, 1);
    expect(r.files).toContain(d1);
    expect(r.rows.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(r.rows[0]).toMatchObject({ id: 'a', n: 1n, seen: '2026-08-01 10:00' });
  });

  it('groups consecutive partitions into one file up to the chunk size', async () => {
    const r = await typed(types, 2 ** 30);
    expect(r.files.map((f) => f.split('.')[0])).toEqual(['d1-d4']);
    expect(r.rows).toHaveLength(7);
  });

  it('types everything again when the types change', async () => {
    const before = (await typed(types, 1)).files;
    const r = await typed({ ...types, n: 'DOUBLE' }, 1);
    expect(r.files.filter((f) => before.includes(f))).toEqual([]);
    expect(r.rows.find((x) => x.id === 'b')!.n).toBe(2);
  });
});

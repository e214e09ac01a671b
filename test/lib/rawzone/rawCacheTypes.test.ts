import { afterAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withDuck } from '../../../src/lib/duck/withDuck.js';
import { prepareDatasets } from '../../../src/lib/rawzone/prepareDatasets.js';
import type { Suite } from '../../../src/lib/quality/suiteSchema.js';
import { makeTempDir } from '../../helpers/tempDir.js';

// Four daily partitions of CSV; d1 lacks the `note` column the others have. The suite types `n`
// and `seen`: each raw-cache part holds them cast, beside the text that validate's checks read.
describe("the raw-zone cache's typed columns", () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());
  const suite = (types: Record<string, string>): Suite => ({
    version: 1,
    datasets: { sales: { path: 'raw_zone/sales/*/*.csv', checks: [{ schema: { types } }] } },
  });
  const dir = (d: string) => path.join(tmp.dir, 'raw_zone', 'sales', d);
  const csv: Record<string, string> = {
    d1: 'id,n,seen\na,1,2026-08-01T10:00:00Z\nb, 2 ,2026-08-01T11:00:00Z\n',
    d2: 'id,n,seen,note\nc,x,2026-08-02T10:00:00Z,hi\nd,,2026-08-02T11:00:00Z,\n',
    d3: 'id,n,seen,note\ne,5,not a time,yo\n',
    d4: 'id,n,seen,note\nf,6,2026-08-04T09:30:00+02:00,ok\n',
  };
  for (const [d, text] of Object.entries(csv)) {
    mkdirSync(dir(d), { recursive: true });
    writeFileSync(path.join(dir(d), 'part.csv'), text);
  }
  const cacheDir = path.join(tmp.dir, '.recomart', 'cache', 'raw', 'sales');
  const types = { n: 'BIGINT', seen: 'TIMESTAMP' };

  const read = (t: Record<string, string>) =>
    withDuck({}, async (conn) => {
      const { prepared } = await prepareDatasets(conn, tmp.dir, suite(t));
      const sales = prepared.get('sales')!;
      const parts = `read_parquet([${sales.cacheParts!.map((f) => `'${f}'`).join(', ')}], union_by_name = true)`;
      const rows = !('n' in t)
        ? []
        : (
            await conn.runAndReadAll(
              `SELECT id, n, __typed_n, strftime(__typed_seen, '%Y-%m-%d %H:%M') AS typed_seen FROM ${parts} ORDER BY id`,
            )
          ).getRowObjectsJS();
      const view = (await conn.runAndReadAll(`DESCRIBE ${sales.view}`))
        .getRowObjectsJS()
        .map((r) => String(r.column_name));
      return { rows, view, columns: sales.columns, typed: sales.cacheTyped, parts: sales.cacheParts! };
    });

  it('holds each typed column cast as prepare casts it, beside its text; the view shows only the text and the read order', async () => {
    const r = await read(types);
    expect(r.rows).toEqual([
      { id: 'a', n: '1', __typed_n: 1n, typed_seen: '2026-08-01 10:00' },
      { id: 'b', n: ' 2 ', __typed_n: 2n, typed_seen: '2026-08-01 11:00' },
      { id: 'c', n: 'x', __typed_n: null, typed_seen: '2026-08-02 10:00' },
      { id: 'd', n: null, __typed_n: null, typed_seen: '2026-08-02 11:00' },
      { id: 'e', n: '5', __typed_n: 5n, typed_seen: null },
      { id: 'f', n: '6', __typed_n: 6n, typed_seen: '2026-08-04 07:30' },
    ]);
    expect(r.columns).toEqual(['id', 'n', 'seen', 'note']);
    // __rowid, each row's place in the read order, orders samples; it is not a column of the data.
    expect(r.view).toEqual(['id', 'n', 'seen', 'note', '__rowid']);
    expect(r.typed).toEqual(['n', 'seen']);
    expect(
      readdirSync(cacheDir)
        .map((f) => f.split('.')[0])
        .sort(),
    ).toEqual(['d1', 'd2', 'd3', 'd4']);
  });

  it('builds again only the partition that changed; a change of a type builds every part again', async () => {
    const before = new Map(readdirSync(cacheDir).map((f) => [f, statSync(path.join(cacheDir, f)).mtimeMs]));
    appendFileSync(path.join(dir('d3'), 'part.csv'), 'g,7,2026-08-03T08:00:00Z,late\n');
    const r = await read(types);
    expect(r.rows.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    const rebuilt = r.parts.filter((p) => before.get(path.basename(p)) === undefined);
    expect(rebuilt.map((p) => path.basename(p).split('.')[0])).toEqual(['d3']);

    // `n` as text: no typed copy of it any more, in any part.
    const asText = await read({ seen: 'TIMESTAMP' });
    expect(asText.typed).toEqual(['seen']);
    expect(asText.parts.filter((p) => r.parts.includes(p))).toEqual([]);
  });
});

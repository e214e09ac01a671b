import { afterAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdirSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withDuck } from '../../../src/lib/duck/withDuck.js';
import {
  isWholeCachePart,
  prepareDatasets,
  rawCacheParts,
} from '../../../src/lib/rawzone/prepareDatasets.js';
import type { Suite } from '../../../src/lib/quality/suiteSchema.js';
import { makeTempDir } from '../../helpers/tempDir.js';

// A partition of 256 KiB or more is written straight from its files, one COPY each; smaller ones
// are loaded together and split into their parts by one partitioned write, each row with its
// position in its files. Both must read back in file order, then line order (the view's
// __rowid): prepare breaks ties by it, and samples are the first failing rows in it.
// With more connections (as an ingest builds them, one a core), the straight partitions are
// written that many at a time, and must come out the same.
describe.each([
  ['partitions of ~1.6 MB, each written straight from its files', 3, ['b', 'a'], 1_500, 480, 0],
  ['partitions of ~1.6 MB, written straight on two connections', 5, ['b', 'a'], 1_500, 480, 2],
  ['partitions of ~1.6 MB, written straight on four connections', 5, ['b', 'a'], 1_500, 480, 4],
  [
    'partitions of ~30 KB, loaded together and split in one write',
    8,
    ['f', 'b', 'e', 'a', 'd', 'c'],
    8,
    600,
    0,
  ],
  // The second partition's first 48 rows share DuckDB's first 2,048-row chunk with the first
  // partition's 2,000: a partitioned COPY wrote them after its other rows, even on one thread.
  [
    'partitions of ~80 KB, loaded together and split, one starting at the end of a chunk',
    3,
    ['a'],
    2_000,
    0,
    0,
  ],
  // A CSV dataset's part is one file's (ingest writes each transactions file's from its drop): the
  // same, file by file.
  ['CSV files of ~1.6 MB, a part per file, each written straight', 2, ['b', 'a'], 1_500, 480, 2, 'csv'],
  ['CSV files of ~30 KB, a part per file, loaded together and split', 3, ['c', 'a', 'b'], 8, 600, 0, 'csv'],
] as [string, number, string[], number, number, number, ('jsonl' | 'csv')?][])(
  'the raw-zone cache: %s',
  (_label, partitionCount, fileNames, rowsPerFile, padBytes, lanes, format = 'jsonl') => {
    const tmp = makeTempDir();
    afterAll(() => tmp.cleanup());
    const suite: Suite = {
      version: 1,
      datasets: {
        events:
          format === 'csv'
            ? { path: 'raw_zone/events/*/*.csv', checks: [] }
            : { path: 'raw_zone/events/*/*.jsonl', columns: ['id', 'n', 'pad'], checks: [] },
      },
    };
    const partitions = Array.from({ length: partitionCount }, (_, i) => `d${i + 1}`);
    const files = fileNames.map((f) => `${f}.${format}`);
    const pad = 'x'.repeat(padBytes);
    const line = (row: { id: string; n: number; pad: string }) =>
      format === 'csv' ? `${row.id},${row.n},${row.pad}` : JSON.stringify(row);
    for (const p of partitions)
      for (const f of files) {
        mkdirSync(path.join(tmp.dir, 'raw_zone', 'events', p), { recursive: true });
        const lines = Array.from({ length: rowsPerFile }, (_, n) => line({ id: `${p}/${f}/${n}`, n, pad }));
        if (format === 'csv') lines.unshift('id,n,pad');
        writeFileSync(path.join(tmp.dir, 'raw_zone', 'events', p, f), lines.join('\n') + '\n');
      }
    // What a part is named after: a partition, or (CSV) a partition's file.
    const units =
      format === 'csv' ? partitions.flatMap((p) => [...files].sort().map((f) => `${p}.${f}`)) : partitions;
    const unitOf = (part: string) => part.replace(/\.[0-9a-f]{16}\.parquet$/, '');
    const cacheDir = path.join(tmp.dir, '.recomart', 'cache', 'raw', 'events');
    /** What the progress callback was told, since the last reset. */
    let progress: [string, number, number][] = [];

    /** Every row as "<partition>/<file>/<n>" in the read order prepare sees, and the connection's setting after. */
    const readAll = () =>
      withDuck({}, async (conn, connect) => {
        // As prepare and profile set it: the parts must keep the files' order regardless.
        await conn.run('SET preserve_insertion_order = false');
        if (lanes > 0) {
          const raw = (
            await conn.runAndReadAll(`SELECT file FROM glob('${tmp.dir}/raw_zone/events/*/*.${format}')`)
          )
            .getRowObjectsJS()
            .map((r) => String(r.file))
            .sort();
          let opened = 0;
          const threads = async () =>
            (await conn.runAndReadAll(`SELECT current_setting('threads') AS t`)).getRowObjectsJS()[0]!.t;
          const threadsBefore = await threads();
          await rawCacheParts(conn, tmp.dir, suite, 'events', raw, {
            connect: () => {
              opened++;
              return connect();
            },
            lanes,
            onProgress: (done, total) => progress.push(['events', done, total]),
          });
          // `lanes` at a time, or as many as there are to build when fewer: a connection each.
          expect(opened).toBe(Math.min(lanes, progress.at(-1)![2]) - 1);
          // The lanes run on one DuckDB thread each; the database gets its threads back after.
          expect(await threads()).toEqual(threadsBefore);
        }
        await prepareDatasets(conn, tmp.dir, suite, undefined, undefined, true, (dataset, done, total) =>
          progress.push([dataset, done, total]),
        );
        const ids = (await conn.runAndReadAll('SELECT id FROM ds_events ORDER BY __rowid'))
          .getRowObjectsJS()
          .map((r) => String(r.id));
        const files = (await conn.runAndReadAll('SELECT DISTINCT __file FROM ds_events'))
          .getRowObjectsJS()
          .map((r) => path.relative(tmp.dir, String(r.__file)))
          .sort();
        // Each row's file, as the view names it, is the one its id says it came from.
        const misfiled = Number(
          (
            await conn.runAndReadAll(
              `SELECT count(*) AS n FROM ds_events WHERE NOT ends_with(__file, '/' || regexp_extract(id, '^(.*)/[^/]+$', 1))`,
            )
          ).getRowObjectsJS()[0]!.n,
        );
        const setting = (
          await conn.runAndReadAll(`SELECT current_setting('preserve_insertion_order') AS p`)
        ).getRowObjectsJS()[0]!.p;
        return { ids, files, misfiled, setting };
      });
    const expected = (appended: string[] = []) =>
      partitions.flatMap((p) =>
        [...files]
          .sort()
          .flatMap((f) => [
            ...Array.from({ length: rowsPerFile }, (_, n) => `${p}/${f}/${n}`),
            ...appended.filter((id) => id.startsWith(`${p}/${f}/`)),
          ]),
      );

    it('writes one part per partition (CSV: per file), each in file order and row order', async () => {
      progress = [];
      const r = await readAll();
      // Told as it goes (the progress bar of a lake converted once), ending with every part.
      expect(progress[0]).toEqual(['events', 0, units.length]);
      expect(progress.at(-1)).toEqual(['events', units.length, units.length]);
      expect(progress.map(([, done]) => done)).toEqual(
        [...progress.map(([, done]) => done)].sort((a, b) => a - b),
      );
      expect(r.ids).toEqual(expected());
      expect(r.misfiled).toBe(0);
      expect(r.files).toEqual(
        partitions.flatMap((p) => [...files].sort().map((f) => path.join('raw_zone', 'events', p, f))),
      );
      expect(r.setting).toBe(false);
      const parts = readdirSync(cacheDir).sort();
      expect(parts.map(unitOf)).toEqual(units);
      expect(parts.every((p) => /\.[0-9a-f]{16}\.parquet$/.test(p))).toBe(true);
    });

    it('rebuilds only the partition (CSV: the file) that changed', async () => {
      progress = [];
      const before = new Map(readdirSync(cacheDir).map((p) => [p, statSync(path.join(cacheDir, p)).mtimeMs]));
      const changed = `d2/a.${format}`;
      appendFileSync(
        path.join(tmp.dir, 'raw_zone', 'events', changed),
        line({ id: `${changed}/late`, n: -1, pad }) + '\n',
      );
      const r = await readAll();
      expect(r.ids).toEqual(expected([`${changed}/late`]));
      expect(r.misfiled).toBe(0);
      const after = readdirSync(cacheDir).sort();
      const unit = format === 'csv' ? 'd2.a.csv' : 'd2';
      // The old part stays for ten minutes, for a reader that listed it a moment ago.
      expect(after.filter((p) => unitOf(p) === unit)).toHaveLength(2);
      for (const p of after.filter((p) => unitOf(p) !== unit))
        expect(statSync(path.join(cacheDir, p)).mtimeMs).toBe(before.get(p));
      expect(after.filter((p) => !before.has(p)).map(unitOf)).toEqual([unit]);
      expect(progress.at(-1)).toEqual(['events', 1, 1]);
    });

    it('builds again a part damaged from outside (cut short), and reads the same rows', async () => {
      const d3 = readdirSync(cacheDir).find((p) => p.startsWith('d3.') || p.startsWith('d1.'))!;
      const file = path.join(cacheDir, d3);
      truncateSync(file, Math.floor(statSync(file).size / 2));
      expect(isWholeCachePart(file)).toBe(false);
      const r = await readAll();
      expect(r.ids).toEqual(expected([`d2/a.${format}/late`]));
      expect(isWholeCachePart(file)).toBe(true);
    });
  },
);

describe('the raw-zone cache: small partitions loaded together, one of them with no rows', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('gives each its part, and the view only the data columns and the read order', async () => {
    const suite: Suite = {
      version: 1,
      datasets: { events: { path: 'raw_zone/events/*/*.jsonl', columns: ['id', 'n'], checks: [] } },
    };
    const write = (dir: string, lines: string[]) => {
      mkdirSync(path.join(tmp.dir, 'raw_zone', 'events', dir), { recursive: true });
      writeFileSync(path.join(tmp.dir, 'raw_zone', 'events', dir, 'a.jsonl'), lines.join(''));
    };
    write('d1', ['{"id":"x","n":1}\n', '{"id":"y","n":2}\n']);
    write('d2', []);
    write('d3', ['{"id":"z","n":3}\n']);
    const { columns, ids } = await withDuck({}, async (conn) => {
      await prepareDatasets(conn, tmp.dir, suite, undefined, undefined, true);
      return {
        columns: (await conn.runAndReadAll('DESCRIBE ds_events')).getRowObjectsJS().map((r) => r.column_name),
        ids: (await conn.runAndReadAll('SELECT id FROM ds_events ORDER BY __rowid'))
          .getRowObjectsJS()
          .map((r) => r.id),
      };
    });
    expect(columns).toEqual(['id', 'n', '__file', '__rowid']);
    expect(ids).toEqual(['x', 'y', 'z']);
    const parts = readdirSync(path.join(tmp.dir, '.recomart', 'cache', 'raw', 'events')).sort();
    expect(parts.map((p) => p.split('.')[0])).toEqual(['d1', 'd2', 'd3']);
  });
});

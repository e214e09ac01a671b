import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDuck } from '../../../src/lib/duck/withDuck.js';

async function setting(conn: Awaited<ReturnType<typeof openDuck>>['conn'], name: string): Promise<string> {
  const rows = (await conn.runAndReadAll(`SELECT current_setting('${name}') AS v`)).getRowObjectsJS();
  return String(rows[0]!.v);
}

describe('DuckDB spill directories', () => {
  it('gives each instance a directory of its own, spills there, and removes it on close', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'recomart-spill-'));
    const a = await openDuck({ tempDirectory: parent, memoryLimit: '64MB', threads: 1 });
    const b = await openDuck({ tempDirectory: parent, memoryLimit: '64MB', threads: 1 });
    try {
      const [dirA, dirB] = [await setting(a.conn, 'temp_directory'), await setting(b.conn, 'temp_directory')];
      expect(path.dirname(dirA)).toBe(parent);
      expect(path.dirname(dirB)).toBe(parent);
      expect(path.basename(dirA)).toMatch(new RegExp(`^${process.pid}-\\d+$`));
      expect(dirA).not.toBe(dirB);
      // Both hold more than their memory at once: each spills into its own directory, and reads
      // back its own blocks (in one shared directory, each read the other's, duckdb/duckdb#15173).
      const work = async (conn: typeof a.conn, seed: number) => {
        await conn.run(
          `CREATE TABLE t AS SELECT x, md5((x * ${seed})::VARCHAR) AS s FROM range(1500000) r(x)`,
        );
        const rows = (
          await conn.runAndReadAll('SELECT count(DISTINCT s)::BIGINT AS n FROM t')
        ).getRowObjectsJS();
        return Number(rows[0]!.n);
      };
      const [na, nb] = await Promise.all([work(a.conn, 7), work(b.conn, 11)]);
      expect([na, nb]).toEqual([1500000, 1500000]);
      expect(readdirSync(dirA).length).toBeGreaterThan(0);
      expect(readdirSync(dirB).length).toBeGreaterThan(0);
      a.close();
      expect(existsSync(dirA)).toBe(false);
      expect(readdirSync(dirB).length).toBeGreaterThan(0); // b's files are b's
    } finally {
      b.close();
    }
    expect(readdirSync(parent)).toEqual([]);
  }, 60_000);

  it('removes the directories of processes that are gone, and keeps those of live ones', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'recomart-spill-'));
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const live = process.ppid;
    for (const name of [`${gone}-0`, `${live}-3`, 'not-ours']) {
      mkdirSync(path.join(parent, name));
      writeFileSync(path.join(parent, name, 'duckdb_temp_block-1.block'), 'x');
    }
    const duck = await openDuck({ tempDirectory: parent });
    duck.close();
    expect(readdirSync(parent).sort()).toEqual([`${live}-3`, 'not-ours'].sort());
  });
});

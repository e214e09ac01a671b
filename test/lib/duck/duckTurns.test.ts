import { describe, expect, it } from '@jest/globals';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckTurns } from '../../../src/lib/duck/duckTurns.js';

/** The tables a job's connection sees: the instance's own, and its temp ones. */
const tables = async (conn: DuckDBConnection) =>
  (await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() ORDER BY 1`))
    .getRowObjectsJS()
    .map((r) => String(r.table_name));

describe('DuckTurns', () => {
  it('runs job k on instance k mod size, each on a connection of its own, and replaces an instance a job failed on', async () => {
    const ducks = new DuckTurns({}, 2);
    try {
      // Job 0 leaves a table in its instance's database, and a temp table on its connection.
      await ducks.run(async (conn) => {
        await conn.run('CREATE TABLE first_instance (x INTEGER)');
        await conn.run('CREATE TEMP TABLE src (x INTEGER)');
      });
      // Job 1 is on the other instance.
      expect(await ducks.run(tables)).toEqual([]);
      // Job 2 is on the first again: its database, but not job 0's temp table.
      expect(await ducks.run(tables)).toEqual(['first_instance']);
      // Job 3 fails on the second instance; job 4 is on the first as before.
      await expect(
        ducks.run(async (conn) => {
          await conn.run('CREATE TABLE second_instance (x INTEGER)');
          await conn.run('SELECT * FROM no_such_table');
        }),
      ).rejects.toThrow(/no_such_table/);
      expect(await ducks.run(tables)).toEqual(['first_instance']);
      // Job 5 finds a new instance in the failed one's place: its table is gone.
      expect(await ducks.run(tables)).toEqual([]);
    } finally {
      await ducks.close();
    }
  });
});

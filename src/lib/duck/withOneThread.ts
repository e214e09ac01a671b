import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Runs `work` with DuckDB on one thread, then gives the database back its threads. For a
 * partitioned write whose files must hold their rows in one order: with several threads, rows
 * reach each partition's file in the order the threads happen to run. `threads` is a setting of
 * the whole database: setting it waits for queries running on its other connections, and slows
 * the ones that start meanwhile, so it is for writes that need it.
 */
export async function withOneThread<T>(conn: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  const threads = (
    await conn.runAndReadAll(`SELECT current_setting('threads')::BIGINT AS t`)
  ).getRowObjectsJS()[0]!.t as bigint;
  await conn.run('SET threads = 1');
  try {
    return await work();
  } finally {
    await conn.run(`SET threads = ${Number(threads)}`);
  }
}

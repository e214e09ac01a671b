import type { DuckDBConnection } from '@duckdb/node-api';
import { openDuck, type DuckOptions } from './withDuck.js';

/**
 * A few DuckDB instances taken by turns by a sequence of jobs (the drops of an ingest pass, one
 * split while the one before writes its cache parts): job k runs on a connection of its own to
 * instance k mod `size`, so a job's temp tables (and the CSV reader's `reject_errors`) start
 * empty, and two jobs that overlap never share an instance's `threads`. Opening an instance per
 * drop cost 0.7 CPU-s of a large ingest's 23 (24 drops: starting the instance, and the memory it
 * took and gave back). An instance a job failed on is closed, and the next job on its turn opens a
 * new one: a failure that leaves DuckDB unusable stays the drop's own.
 */
export class DuckTurns {
  private readonly ducks: (Promise<Awaited<ReturnType<typeof openDuck>>> | undefined)[];
  private turn = 0;

  constructor(
    private readonly options: DuckOptions,
    size = 2,
  ) {
    this.ducks = Array.from({ length: size }, () => undefined);
  }

  async run<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const i = this.turn++ % this.ducks.length;
    const opening = (this.ducks[i] ??= openDuck(this.options));
    let duck: Awaited<typeof opening>;
    try {
      duck = await opening;
    } catch (error) {
      this.ducks[i] = undefined;
      throw error;
    }
    let conn: DuckDBConnection | undefined;
    try {
      conn = await duck.connect();
      return await work(conn);
    } catch (error) {
      this.ducks[i] = undefined;
      duck.close();
      throw error;
    } finally {
      conn?.closeSync();
    }
  }

  /** Closes every instance; the jobs must have ended. */
  async close(): Promise<void> {
    const open = this.ducks.splice(0, this.ducks.length, ...this.ducks.map(() => undefined));
    for (const d of open) if (d) (await d.catch(() => undefined))?.close();
  }
}

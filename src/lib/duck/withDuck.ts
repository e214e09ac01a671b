import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { processAlive } from '../lake/lock.js';

export interface DuckOptions {
  /** Database file, or ':memory:' (default): each job gets a fresh in-memory database. */
  path?: string;
  /** Caps DuckDB's buffer pool; beyond it, operators spill to `tempDirectory`. */
  memoryLimit?: string;
  /** Where instances spill: each one in a directory of its own under it (spillDirectory). */
  tempDirectory?: string;
  threads?: number;
}

/**
 * Runs `work` with a DuckDB connection and always releases the connection and
 * the instance, even when `work` throws: a leaked native handle keeps a
 * database file locked (duckdb/duckdb-node-neo issues). `connect` opens another
 * connection to the same database, for work that runs beside the first one's
 * (its temp tables are its own); withDuck closes it too.
 */
export async function withDuck<T>(
  options: DuckOptions,
  work: (conn: DuckDBConnection, connect: () => Promise<DuckDBConnection>) => Promise<T>,
): Promise<T> {
  const duck = await openDuck(options);
  try {
    return await work(duck.conn, duck.connect);
  } finally {
    duck.close();
  }
}

/**
 * A DuckDB instance and its first connection, configured as withDuck's, for work that outlives one
 * call (the raw-zone cache warmer of a consumer). `close` releases every connection and the
 * instance; the caller must call it.
 */
export async function openDuck(options: DuckOptions): Promise<{
  conn: DuckDBConnection;
  connect: () => Promise<DuckDBConnection>;
  close: () => void;
}> {
  const config: Record<string, string> = {};
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  if (options.threads) config.threads = String(options.threads);
  const spill = options.tempDirectory ? spillDirectory(options.tempDirectory) : undefined;
  if (spill) config.temp_directory = spill;
  const instance = await DuckDBInstance.create(options.path ?? ':memory:', config);
  const opened: DuckDBConnection[] = [];
  const connect = async () => {
    const conn = await instance.connect();
    opened.push(conn);
    if (process.env.RECOMART_TRACE_SQL) traceSql(conn);
    return conn;
  };
  const close = () => {
    for (const conn of opened) conn.closeSync();
    instance.closeSync();
    if (spill) rmSync(spill, { recursive: true, force: true });
  };
  try {
    const conn = await connect();
    // Text timestamps without an offset mean UTC, and dates are cut in UTC, on every machine
    // (a global setting: every connection has it).
    await conn.run(`SET TimeZone = 'UTC'`);
    return { conn, connect, close };
  } catch (error) {
    close();
    throw error;
  }
}

let instances = 0;

/**
 * A spill directory of the instance's own under `parent`: `<pid>-<n>`. DuckDB names its spill
 * files by size class and number only, so two instances spilling into one directory (two stages of
 * a run, or two commands on one lake) read each other's blocks, and the first to close deletes
 * the other's files (duckdb/duckdb#15173). Directories of processes that are gone (a crash skips
 * the cleanup on close) are removed here. DuckDB creates the directory when it first spills.
 */
function spillDirectory(parent: string): string {
  mkdirSync(parent, { recursive: true });
  for (const entry of readdirSync(parent)) {
    const owner = /^(\d+)-\d+$/.exec(entry);
    if (owner && Number(owner[1]) !== process.pid && !processAlive(Number(owner[1])))
      rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
  return path.join(parent, `${process.pid}-${instances++}`);
}

/**
 * RECOMART_TRACE_SQL=1: every statement's duration and start on stderr (finding the slow step of a
 * job), its text cut to 120 characters; RECOMART_TRACE_SQL=full: the whole text, as written.
 */
function traceSql(conn: DuckDBConnection): void {
  // Whole statements keep their line breaks: a `--` comment would swallow the rest of a joined line.
  const full = process.env.RECOMART_TRACE_SQL === 'full';
  // Every statement goes through run (runAndReadAll calls it, and its result is already
  // materialised): wrapping run alone traces each statement once.
  const original = conn.run.bind(conn) as (sql: string) => Promise<unknown>;
  (conn as unknown as Record<string, unknown>).run = async (sql: string) => {
    const started = Date.now();
    try {
      return await original(sql);
    } finally {
      const at = (started - performance.timeOrigin) / 1000;
      process.stderr.write(
        `[sql ${Date.now() - started} ms at ${at.toFixed(2)} s] ${full ? sql.trim() : sql.replace(/\s+/g, ' ').slice(0, 120)}\n`,
      );
    }
  };
}

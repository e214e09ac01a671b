import path from 'node:path';
import type { RunContext } from '../runContext.js';
import type { DuckOptions } from './withDuck.js';

/**
 * What a job needs from DuckDB's memory when `duckdb.memory_limit` is `auto` (the default): checks
 * and queries stream and aggregate within 1 GB; `profile` groups every interaction by user and item
 * and every row by its hash (20M events at large scale spilled at 1 GB: 42 s against 31 s at 2 GB,
 * peak RSS 2.2 GB); `prepare` and `features` build several hash tables over every interaction at
 * once and get 4 GB. Past the limit DuckDB spills to the lake's .recomart/duckdb_tmp where its
 * operators can.
 */
export type Workload = 'scan' | 'profile' | 'build';
const AUTO: Record<Workload, string> = { scan: '1GB', profile: '2GB', build: '4GB' };

/** DuckDB settings from the config: memory cap, threads, and a spill directory inside the lake root. */
export function duckOptionsFor(ctx: RunContext, workload: Workload = 'scan'): DuckOptions {
  const limit = ctx.config.duckdb.memory_limit;
  return {
    memoryLimit: limit === 'auto' ? AUTO[workload] : limit,
    threads: ctx.config.duckdb.threads > 0 ? ctx.config.duckdb.threads : undefined,
    tempDirectory: path.join(ctx.paths.root, '.recomart', 'duckdb_tmp'),
  };
}

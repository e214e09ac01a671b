import path from 'node:path';
import type { RunContext } from '../runContext.js';
import type { DuckOptions } from './withDuck.js';

/** DuckDB settings from the config: memory cap, threads, and a spill directory inside the lake root. */
export function duckOptionsFor(ctx: RunContext): DuckOptions {
  return {
    memoryLimit: ctx.config.duckdb.memory_limit,
    threads: ctx.config.duckdb.threads > 0 ? ctx.config.duckdb.threads : undefined,
    tempDirectory: path.join(ctx.paths.root, '.recomart', 'duckdb_tmp'),
  };
}

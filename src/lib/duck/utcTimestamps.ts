import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from './sqlText.js';

/** DuckDB's timestamp types without a zone, at any precision. */
const NAIVE = new Set(['TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS']);

/**
 * `select` (a query) with each of its zone-less timestamp columns as TIMESTAMPTZ. Every timestamp
 * recomart computes is UTC (sessions run with TimeZone = 'UTC'); written as TIMESTAMPTZ, a Parquet
 * file says so itself (isAdjustedToUTC = true), and Spark, Trino and pandas read instants, whatever
 * their session's zone, instead of wall-clock values they would place in their own zone.
 * The projection keeps the query's row order, so the bytes stay the same run after run.
 */
export async function utcTimestamped(conn: DuckDBConnection, select: string): Promise<string> {
  const naive = (await conn.runAndReadAll(`DESCRIBE ${select}`))
    .getRowObjectsJS()
    .filter((r) => NAIVE.has(String(r.column_type)))
    .map((r) => quoteIdent(String(r.column_name)));
  if (naive.length === 0) return select;
  return `SELECT * REPLACE (${naive.map((c) => `${c}::TIMESTAMPTZ AS ${c}`).join(', ')}) FROM (${select})`;
}

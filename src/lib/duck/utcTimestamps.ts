import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from './sqlText.js';

/** DuckDB's timestamp types without a zone, at any precision. */
const NAIVE = new Set(['TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS']);
/** Those whose instants fit a microsecond count exactly (nanoseconds would be cut). */
const MICROS = new Set(['TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS']);

/*
 * Why not a cast: every cast between TIMESTAMP and TIMESTAMPTZ, and every calendar function of a
 * TIMESTAMPTZ (hour, isodow, ::DATE, date_diff), goes through ICU's calendar for the session's
 * zone, even when that zone is UTC: date_diff('day', …) of two TIMESTAMPTZ is ~1 µs a row against
 * ~10 ns for two TIMESTAMP (2M rows: 2.1 s against 21 ms). In UTC an instant and its wall-clock
 * time are the same count of microseconds since the epoch, so the conversion is that count,
 * re-typed. ±infinity have no count (epoch_us gives NULL) and take the cast.
 */

/** `expr` (a TIMESTAMP or TIMESTAMP_S/_MS, UTC wall-clock time) as the TIMESTAMPTZ instant, without ICU. */
export function utcInstant(expr: string): string {
  return `CASE WHEN isfinite(${expr}) THEN make_timestamptz(epoch_us(${expr})) ELSE ${expr}::TIMESTAMPTZ END`;
}

/**
 * `expr` (a TIMESTAMPTZ, or a TIMESTAMP already in UTC) as the UTC wall-clock TIMESTAMP, without
 * ICU: what `expr AT TIME ZONE 'UTC'` gives, at a hundredth of the cost. Calendar functions of the
 * result (hour, isodow, ::DATE, date_diff) are ICU-free too.
 */
export function utcWallClock(expr: string): string {
  return `CASE WHEN isfinite(${expr}) THEN make_timestamp(epoch_us(${expr})) ELSE ${expr}::TIMESTAMP END`;
}

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
    .map((r) => ({ name: quoteIdent(String(r.column_name)), micros: MICROS.has(String(r.column_type)) }));
  if (naive.length === 0) return select;
  const instant = (c: { name: string; micros: boolean }) =>
    c.micros ? utcInstant(c.name) : `${c.name}::TIMESTAMPTZ`;
  return `SELECT * REPLACE (${naive.map((c) => `${instant(c)} AS ${c.name}`).join(', ')}) FROM (${select})`;
}

/**
 * The columns of `relation`, each TIMESTAMPTZ one as its UTC wall-clock TIMESTAMP (utcWallClock):
 * a projection for SQL that works in naive UTC, as prepare and the feature views do.
 */
export async function utcWallClockColumns(conn: DuckDBConnection, relation: string): Promise<string> {
  const zoned = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`))
    .getRowObjectsJS()
    .filter((r) => String(r.column_type) === 'TIMESTAMP WITH TIME ZONE')
    .map((r) => quoteIdent(String(r.column_name)));
  return zoned.length === 0
    ? '*'
    : `* REPLACE (${zoned.map((c) => `${utcWallClock(c)} AS ${c}`).join(', ')})`;
}

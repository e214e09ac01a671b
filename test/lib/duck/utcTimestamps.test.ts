import { describe, expect, it } from '@jest/globals';
import { withDuck } from '../../../src/lib/duck/withDuck.js';
import {
  utcInstant,
  utcTimestamped,
  utcWallClock,
  utcWallClockColumns,
} from '../../../src/lib/duck/utcTimestamps.js';

// The ICU-free conversions must equal the casts they replace (the session's zone is UTC) on every
// value: before 1970 (negative counts), the ends of the range, fractions, ±infinity and NULL.
const values = [
  "'2026-08-01 10:00:00'",
  "'2026-08-01 23:59:59.999999'",
  "'1969-12-31 23:59:59.999999'",
  "'1900-03-01 12:00:00.5'",
  "'0001-01-01 00:00:00'",
  "'9999-12-31 23:59:59.999999'",
  "'infinity'",
  "'-infinity'",
  'NULL',
];

describe('utcInstant and utcWallClock', () => {
  it('equal the casts between TIMESTAMP and TIMESTAMPTZ in UTC, for every kind of value', async () => {
    const rows = await withDuck({}, async (conn) => {
      await conn.run(`CREATE TABLE t AS SELECT unnest([${values.join(', ')}]::TIMESTAMP[]) AS naive`);
      await conn.run(`ALTER TABLE t ADD COLUMN zoned TIMESTAMPTZ`);
      await conn.run(`UPDATE t SET zoned = naive::TIMESTAMPTZ`);
      return (
        await conn.runAndReadAll(
          `SELECT naive::VARCHAR AS naive,
             ${utcInstant('naive')} IS NOT DISTINCT FROM naive::TIMESTAMPTZ AS instant_same,
             typeof(${utcInstant('naive')}) AS instant_type,
             ${utcWallClock('zoned')} IS NOT DISTINCT FROM zoned::TIMESTAMP AS wall_same,
             typeof(${utcWallClock('zoned')}) AS wall_type,
             -- A TIMESTAMP already in UTC passes through unchanged.
             ${utcWallClock('naive')} IS NOT DISTINCT FROM naive AS naive_same,
             ${utcWallClock('zoned')}::DATE IS NOT DISTINCT FROM zoned::DATE AS date_same,
             hour(${utcWallClock('zoned')}) IS NOT DISTINCT FROM hour(zoned) AS hour_same
           FROM t`,
        )
      ).getRowObjectsJS();
    });
    expect(rows).toHaveLength(values.length);
    for (const r of rows)
      expect(r).toEqual({
        naive: r.naive,
        instant_same: true,
        instant_type: 'TIMESTAMP WITH TIME ZONE',
        wall_same: true,
        wall_type: 'TIMESTAMP',
        naive_same: true,
        date_same: true,
        hour_same: true,
      });
    expect(rows.map((r) => r.naive)).toContain('1969-12-31 23:59:59.999999');
  });

  it('utcTimestamped writes naive columns of every precision as the instants the cast gives', async () => {
    const rows = await withDuck({}, async (conn) => {
      await conn.run(
        `CREATE TABLE o AS SELECT TIMESTAMP '1960-01-01 00:00:01' AS us, TIMESTAMP_S '1960-01-01 00:00:01' AS s,
           TIMESTAMP_MS '2026-08-01 10:00:00.123' AS ms, TIMESTAMP_NS '2026-08-01 10:00:00.123456789' AS ns,
           TIMESTAMPTZ '2026-08-01 10:00:00+02' AS tz, 'infinity'::TIMESTAMP AS inf, 42 AS n`,
      );
      await conn.run(`CREATE TABLE c AS ${await utcTimestamped(conn, 'SELECT * FROM o')}`);
      return (
        await conn.runAndReadAll(
          `SELECT typeof(c.us) AS us, typeof(c.s) AS s, typeof(c.ms) AS ms, typeof(c.ns) AS ns, c.n,
             c.us = o.us::TIMESTAMPTZ AND c.s = o.s::TIMESTAMPTZ AND c.ms = o.ms::TIMESTAMPTZ
               AND c.ns = o.ns::TIMESTAMPTZ AND c.tz = o.tz AND c.inf = o.inf::TIMESTAMPTZ AS same
           FROM c, o`,
        )
      ).getRowObjectsJS();
    });
    const zoned = 'TIMESTAMP WITH TIME ZONE';
    expect(rows).toEqual([{ us: zoned, s: zoned, ms: zoned, ns: zoned, n: 42, same: true }]);
  });

  it('utcWallClockColumns re-types only the TIMESTAMPTZ columns, to the UTC wall-clock time', async () => {
    const row = await withDuck({}, async (conn) => {
      await conn.run(
        `CREATE TABLE r AS SELECT TIMESTAMPTZ '2026-08-01 10:00:00+02' AS "when", TIMESTAMP '2026-08-01' AS d, 'x' AS s`,
      );
      return (
        await conn.runAndReadAll(
          `SELECT typeof("when") AS when_type, "when"::VARCHAR AS "when", typeof(d) AS d_type, s
           FROM (SELECT ${await utcWallClockColumns(conn, 'r')} FROM r)`,
        )
      ).getRowObjectsJS()[0];
    });
    expect(row).toEqual({ when_type: 'TIMESTAMP', when: '2026-08-01 08:00:00', d_type: 'TIMESTAMP', s: 'x' });
  });
});

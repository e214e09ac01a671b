import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, runCliAsync } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

// Spark 4's spark-sql (scripts/spark.sh installs it from PyPI) reads every zone of a demo lake with
// the SQL docs/scale-out.md gives, and finds what `recomart query` finds.

const SPARK_SQL = process.env.SPARK_SQL;
if (!SPARK_SQL && process.env.RECOMART_REQUIRE_SPARK === '1')
  throw new Error('RECOMART_REQUIRE_SPARK=1 but SPARK_SQL is not set: the Spark test must run');
const describeSpark = SPARK_SQL ? describe : describe.skip;

const VIEWS = ['user_activity', 'item_popularity', 'user_item', 'item_neighbours'];
const SILVER = ['catalog', 'customers', 'transactions', 'clickstream', 'external_metadata', 'interactions'];

/** The page's `sql spark` blocks, as written. */
function docSql(): string {
  const page = readFileSync(path.join(REPO_ROOT, 'docs/scale-out.md'), 'utf8');
  const blocks = [...page.matchAll(/^```sql spark\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThan(0);
  return blocks.join('\n');
}

/** Runs a SQL file with spark-sql in `cwd` (its metastore and warehouse land there). */
function sparkSql(
  cwd: string,
  file: string,
  lake: string,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      SPARK_SQL!,
      [
        '-S',
        '--master',
        'local[2]',
        '--conf',
        'spark.ui.enabled=false',
        '--hivevar',
        `lake=${lake}`,
        '-f',
        file,
      ],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describeSpark('Spark reads the lake as docs/scale-out.md says', () => {
  const made: (() => void)[] = [];
  let lake: string;
  let spark: Map<string, string[][]>;
  const query = async (sql: string) => {
    const r = await runCliAsync(['query', '--json', sql], { cwd: lake });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as Record<string, unknown>[];
  };
  /** recomart's one-row answer, as numbers. */
  const numbers = async (sql: string) => Object.values((await query(sql))[0]!).map(Number);

  beforeAll(async () => {
    const t = makeTempDir();
    made.push(t.cleanup);
    lake = t.dir;
    const demo = await runCliAsync(['demo', '-q'], { cwd: lake, env: { KAFKA_BROKERS: undefined } });
    expect(demo.status).toBe(0);
    // A drop as an older till exports it: no unit_price column, but ratings. Before partitions
    // had one header, Spark read these ratings as prices.
    const customers = (await query('SELECT customer_id FROM customers ORDER BY 1 LIMIT 5')).map(
      (r) => r.customer_id,
    );
    const products = (await query('SELECT product_id FROM catalog ORDER BY 1 LIMIT 5')).map(
      (r) => r.product_id,
    );
    const lines = customers.map(
      (c, i) => `LEG${i},2026-08-10,${String(c)},${String(products[i])},${i + 1},${5 - i}`,
    );
    writeFileSync(
      path.join(lake, 'raw_zone/landing/legacy_till_20260810.csv'),
      ['txn_id,txn_date,customer_id,product_id,quantity,rating', ...lines, ''].join('\n'),
    );
    for (const args of [
      ['ingest', 'transactions', '--stable-seconds', '0'],
      ['prepare'],
      ['features', 'build'],
    ]) {
      const r = await runCliAsync([...args, '-q'], { cwd: lake });
      expect({ args, status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({
        args,
        status: 0,
        stderr: '',
      });
    }
    const versions = (view: string) =>
      readdirSync(path.join(lake, 'feature_store', view)).filter((d) => /^v=\d+$/.test(d)).length;
    for (const v of VIEWS) expect(versions(v)).toBeGreaterThanOrEqual(2);

    const checks = [
      `SELECT 'raw_tx', count(*), sum(try_cast(trim(quantity) AS BIGINT)), count(unit_price), count(rating),
         sum(try_cast(trim(rating) AS DOUBLE)) FROM raw_transactions;`,
      `SELECT 'raw_cs', count(*), count(DISTINCT user_id) FROM raw_clickstream;`,
      `SELECT 'raw_master', (SELECT count(*) FROM raw_catalog), (SELECT count(*) FROM raw_customers),
         (SELECT count(*) FROM raw_external_metadata);`,
      ...SILVER.map((d) => `SELECT 'silver_${d}', count(*) FROM ${d};`),
      `SELECT 'amounts', round(sum(amount), 2), (SELECT sum(weight) FROM interactions) FROM transactions;`,
      ...VIEWS.map((v) => `SELECT 'versions_${v}', v, count(*) FROM ${v}_versions GROUP BY v ORDER BY v;`),
      // Instants: the same seconds in a session far from UTC, through a cast to TIMESTAMP (what a
      // comparison with any other instant does; zone-less files shifted by the session's offset)…
      `SET spark.sql.session.timeZone = America/Los_Angeles;`,
      `SELECT 'last_seen', v, sum(unix_timestamp(CAST(last_seen AS TIMESTAMP))), sum(unix_timestamp(CAST(first_seen AS TIMESTAMP)))
         FROM user_activity_versions GROUP BY v ORDER BY v;`,
      `SELECT 'ts', sum(unix_timestamp(CAST(ts AS TIMESTAMP))), sum(unix_timestamp(CAST(available_at AS TIMESTAMP))) FROM interactions;`,
      // …and the same days in a session set to UTC, as the page says.
      `SET spark.sql.session.timeZone = UTC;`,
      `SELECT 'user_days', count(DISTINCT user_id, to_date(ts)) FROM interactions;`,
    ];
    writeFileSync(path.join(lake, 'spark_check.sql'), `${docSql()}\n${checks.join('\n')}\n`);
    const r = await sparkSql(t.dir, 'spark_check.sql', lake);
    expect({ code: r.code, err: r.code === 0 ? '' : r.err.slice(-3000) }).toEqual({ code: 0, err: '' });
    spark = new Map();
    for (const line of r.out.split('\n')) {
      const [label, ...values] = line.split('\t');
      if (!label) continue;
      spark.set(label, [...(spark.get(label) ?? []), values]);
    }
  }, 900_000);
  afterAll(() => made.forEach((c) => c()));

  /** Spark's rows under `label`, as numbers. */
  const sparkRows = (label: string) => (spark.get(label) ?? []).map((row) => row.map(Number));

  it('raw zone: every column of every transactions file (the drop without unit_price too), events and master data', async () => {
    expect(sparkRows('raw_tx')).toEqual([
      await numbers(
        `SELECT count(*), sum(try_cast(trim(quantity) AS BIGINT)), count(NULLIF(unit_price, '')),
           count(NULLIF(rating, '')), sum(try_cast(trim(rating) AS DOUBLE)) FROM raw_transactions`,
      ),
    ]);
    expect(sparkRows('raw_cs')).toEqual([
      await numbers('SELECT count(*), count(DISTINCT user_id) FROM raw_clickstream'),
    ]);
    expect(sparkRows('raw_master')).toEqual([
      await numbers(
        `SELECT (SELECT count(*) FROM raw_catalog), (SELECT count(*) FROM raw_customers),
           (SELECT count(*) FROM raw_external_metadata)`,
      ),
    ]);
  });

  it('silver: the rows of every file, amounts and weights', async () => {
    for (const d of SILVER)
      expect({ d, rows: sparkRows(`silver_${d}`) }).toEqual({
        d,
        rows: [await numbers(`SELECT count(*) FROM ${d}`)],
      });
    expect(sparkRows('amounts')).toEqual([
      await numbers('SELECT round(sum(amount), 2), (SELECT sum(weight) FROM interactions) FROM transactions'),
    ]);
  });

  it('features: each view read as a directory gives every version, with its rows', async () => {
    for (const view of VIEWS) {
      const dirs = readdirSync(path.join(lake, 'feature_store', view))
        .filter((d) => /^v=\d+$/.test(d))
        .map((d) => Number(d.slice(2)))
        .sort((a, b) => a - b);
      const recomart = [];
      for (const v of dirs) recomart.push([v, ...(await numbers(`SELECT count(*) FROM ${view}_v${v}`))]);
      expect({ view, rows: sparkRows(`versions_${view}`) }).toEqual({ view, rows: recomart });
    }
  });

  it('timestamps are instants: the same seconds in a Los Angeles session, the same UTC days in a UTC one', async () => {
    const versions = sparkRows('last_seen');
    expect(versions.length).toBeGreaterThanOrEqual(2);
    for (const [v, ...seconds] of versions)
      expect(seconds).toEqual(
        await numbers(
          `SELECT sum(epoch_ms(last_seen) // 1000), sum(epoch_ms(first_seen) // 1000) FROM user_activity_v${v}`,
        ),
      );
    expect(sparkRows('ts')).toEqual([
      await numbers(
        'SELECT sum(epoch_ms(ts) // 1000), sum(epoch_ms(available_at) // 1000) FROM interactions',
      ),
    ]);
    expect(sparkRows('user_days')).toEqual([
      await numbers('SELECT count(DISTINCT (user_id, ts::DATE)) FROM interactions'),
    ]);
    // Silver says so itself: Parquet's isAdjustedToUTC is set on every timestamp column.
    const flags = await query(
      `SELECT DISTINCT logical_type LIKE '%isAdjustedToUTC=1%' AS utc FROM parquet_schema(['processed_zone/*.parquet', 'feature_store/*/v=*/data.parquet'])
       WHERE logical_type LIKE 'TimestampType%'`,
    );
    expect(flags).toEqual([{ utc: true }]);
  });
});

import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { toNumber } from '../duck/jsonValues.js';
import type { Config } from '../config/configSchema.js';
import { quoteIdent, quoteLiteral } from '../duck/sqlText.js';
import { castExpression, type SilverType } from '../prepare/silverSchemas.js';
import type { PreparedDataset } from '../quality/checkTypes.js';
import type { Bin, ColumnKind, ColumnProfile, Correlations, DatasetProfile } from './profileTypes.js';

const KIND: Record<SilverType, ColumnKind> = {
  VARCHAR: 'text',
  BIGINT: 'numeric',
  INTEGER: 'numeric',
  DOUBLE: 'numeric',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  YES_NO: 'boolean',
};

/** The column whose range is the dataset's date coverage. */
const TIME_COLUMN: Record<string, string> = {
  transactions: 'txn_date',
  clickstream: 'timestamp',
  external_metadata: 'last_updated',
  catalog: 'launch_date',
  customers: 'signup_date',
};

type Row = Record<string, unknown>;
const CORRELATION_MAX_ROWS = 200_000;
const num = toNumber;
const opt = (v: unknown): number | undefined =>
  v === null || v === undefined ? undefined : Number.isFinite(num(v)) ? num(v) : undefined;
const round = (n: number, d = 4) => Math.round(n * 10 ** d) / 10 ** d;
const pct = (part: number, whole: number) => (whole > 0 ? round((part / whole) * 100, 2) : 0);
const iso = (v: unknown) =>
  v instanceof Date ? v.toISOString() : v === null || v === undefined ? undefined : String(v);

async function one(conn: DuckDBConnection, sql: string): Promise<Row> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS()[0] as Row;
}
async function all(conn: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Row[];
}

/**
 * Profiles one dataset, loaded as text in `dataset.view`. Leaves a typed copy
 * in the temp table p_<name> (for the recommender EDA) and drops the text one.
 * Scans: one for missing/invalid/duplicates over the text table; over the typed
 * table one for every column's statistics, one per numeric column for its
 * histogram, one per text column for its top values (skipped for unique ones).
 */
export async function profileDataset(
  conn: DuckDBConnection,
  config: Config['profile'],
  dataset: PreparedDataset,
  types: Record<string, SilverType>,
): Promise<DatasetProfile> {
  const raw = quoteIdent(dataset.view);
  const typed = quoteIdent(`p_${dataset.name}`);
  const cols = dataset.columns;
  const typeOf = (c: string): SilverType => types[c] ?? 'VARCHAR';
  const q = quoteIdent;

  // Text-level facts: missing (NULL or blank), invalid (present but not castable), duplicate rows.
  const textFacts = await one(
    conn,
    `SELECT count(*)::BIGINT AS rows, (count(*) - count(DISTINCT hash(${cols.map(q).join(', ')})))::BIGINT AS dups
     ${cols
       .map(
         (c, i) =>
           `, count(*) FILTER (WHERE ${q(c)} IS NULL OR trim(${q(c)}) = '')::BIGINT AS m${i}` +
           (typeOf(c) === 'VARCHAR'
             ? `, 0::BIGINT AS v${i}`
             : `, count(*) FILTER (WHERE trim(${q(c)}) <> '' AND ${castExpression(c, typeOf(c))} IS NULL)::BIGINT AS v${i}`),
       )
       .join('')}
     FROM ${raw}`,
  );
  const rows = num(textFacts.rows);
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${typed} AS SELECT ${cols.map((c) => `${castExpression(c, typeOf(c))} AS ${q(c)}`).join(', ')} FROM ${raw}`,
  );
  // The text table (or the view over the raw cache) is no longer needed.
  const isView = await conn.runAndReadAll(
    `SELECT 1 FROM duckdb_views() WHERE view_name = ${quoteLiteral(dataset.view)} AND temporary`,
  );
  await conn.run(`DROP ${isView.currentRowCount > 0 ? 'VIEW' : 'TABLE'} ${raw}`);

  const exact = rows <= config.exact_distinct_max_rows;
  const distinctOf = (c: string) => (exact ? `count(DISTINCT ${q(c)})` : `approx_count_distinct(${q(c)})`);
  const quant = (c: string, p: number) =>
    exact ? `quantile_cont(${q(c)}, ${p})` : `approx_quantile(${q(c)}::DOUBLE, ${p})`;
  const stats: string[] = [];
  cols.forEach((c, i) => {
    const kind = KIND[typeOf(c)];
    stats.push(`count(${q(c)})::BIGINT AS n${i}`, `${distinctOf(c)}::BIGINT AS d${i}`);
    if (kind === 'numeric')
      stats.push(
        `min(${q(c)})::DOUBLE AS min${i}`,
        `max(${q(c)})::DOUBLE AS max${i}`,
        `avg(${q(c)}) AS mean${i}`,
        `stddev_samp(${q(c)}) AS std${i}`,
        `skewness(${q(c)}) AS skew${i}`,
        `count(*) FILTER (WHERE ${q(c)} = 0)::BIGINT AS z${i}`,
        `count(*) FILTER (WHERE ${q(c)} < 0)::BIGINT AS neg${i}`,
        ...[5, 25, 50, 75, 95].map((p) => `${quant(c, p / 100)}::DOUBLE AS q${p}_${i}`),
      );
    if (kind === 'date' || kind === 'timestamp')
      stats.push(`min(${q(c)}) AS min${i}`, `max(${q(c)}) AS max${i}`);
    if (kind === 'text')
      stats.push(
        `min(length(${q(c)})) AS lmin${i}`,
        `avg(length(${q(c)})) AS lmean${i}`,
        `max(length(${q(c)})) AS lmax${i}`,
      );
  });
  const s = cols.length > 0 ? await one(conn, `SELECT ${stats.join(', ')} FROM ${typed}`) : {};

  const variables: ColumnProfile[] = [];
  for (const [i, c] of cols.entries()) {
    const kind = KIND[typeOf(c)];
    const count = num(s[`n${i}`]);
    const missing = num(textFacts[`m${i}`]);
    const distinct = num(s[`d${i}`]);
    const v: ColumnProfile = {
      name: c,
      kind,
      sql_type: typeOf(c) === 'YES_NO' ? 'BOOLEAN' : typeOf(c),
      count,
      missing,
      missing_percent: pct(missing, rows),
      invalid: num(textFacts[`v${i}`]),
      distinct,
      distinct_approximate: !exact,
      distinct_percent: pct(distinct, count),
    };
    if (kind === 'numeric' && count > 0) {
      const min = num(s[`min${i}`]);
      const max = num(s[`max${i}`]);
      Object.assign(v, {
        min,
        max,
        mean: round(num(s[`mean${i}`])),
        std: opt(s[`std${i}`]) !== undefined ? round(num(s[`std${i}`])) : undefined,
        quantiles: {
          p5: round(num(s[`q5_${i}`])),
          p25: round(num(s[`q25_${i}`])),
          p50: round(num(s[`q50_${i}`])),
          p75: round(num(s[`q75_${i}`])),
          p95: round(num(s[`q95_${i}`])),
        },
        quantiles_approximate: !exact,
        zeros: num(s[`z${i}`]),
        zeros_percent: pct(num(s[`z${i}`]), count),
        negatives: num(s[`neg${i}`]),
        skewness: opt(s[`skew${i}`]) !== undefined ? round(num(s[`skew${i}`])) : undefined,
        histogram: await histogram(conn, typed, c, min, max, config.histogram_bins),
      });
    }
    if ((kind === 'date' || kind === 'timestamp') && count > 0) {
      v.min = iso(s[`min${i}`]);
      v.max = iso(s[`max${i}`]);
      if (kind === 'timestamp') Object.assign(v, await timeOfDay(conn, typed, c));
    }
    if (kind === 'text' && count > 0)
      v.length = {
        min: num(s[`lmin${i}`]),
        mean: round(num(s[`lmean${i}`]), 2),
        max: num(s[`lmax${i}`]),
      };
    // Top values, unless every value is (nearly) unique: then the top is a list of 1s.
    if (
      (kind === 'text' || kind === 'boolean') &&
      count > 0 &&
      !dataset.pii.includes(c) && // PII values must never reach a report
      !(distinct > 1000 && distinct > count * 0.5)
    ) {
      const values = await all(
        conn,
        `SELECT ${q(c)}::VARCHAR AS value, count(*)::BIGINT AS n FROM ${typed} WHERE ${q(c)} IS NOT NULL
         GROUP BY 1 ORDER BY n DESC, value LIMIT ${Math.max(config.top_k, config.alerts.high_cardinality)}`,
      );
      v.top = values
        .slice(0, config.top_k)
        .map((r) => ({ value: String(r.value), count: num(r.n), percent: pct(num(r.n), count) }));
      if (
        kind === 'text' &&
        distinct >= 2 &&
        distinct <= config.alerts.high_cardinality &&
        values.length === distinct
      ) {
        const entropy = -values.reduce((h, r) => {
          const p = num(r.n) / count;
          return h + p * Math.log(p);
        }, 0);
        v.imbalance = round(1 - entropy / Math.log(distinct));
      }
    }
    variables.push(v);
  }

  const files = await Promise.all(dataset.files.map((f) => stat(f).then((x) => x.size)));
  const missingCells = cols.reduce((n, _c, i) => n + num(textFacts[`m${i}`]), 0);
  const dups = num(textFacts.dups);
  const profile: DatasetProfile = {
    name: dataset.name,
    path: dataset.path,
    files: dataset.files.length,
    partitions: new Set(dataset.files.map((f) => path.dirname(f))).size,
    bytes: files.reduce((a, b) => a + b, 0),
    rows,
    columns: cols.length,
    missing_cells: missingCells,
    missing_cells_percent: pct(missingCells, rows * cols.length),
    duplicate_rows: dups,
    duplicate_rows_percent: pct(dups, rows),
    variables,
  };
  const timeColumn = variables.find((v) => v.name === TIME_COLUMN[dataset.name] && v.min !== undefined);
  if (timeColumn)
    profile.date_coverage = {
      column: timeColumn.name,
      min: String(timeColumn.min),
      max: String(timeColumn.max),
      days:
        Math.round((Date.parse(String(timeColumn.max)) - Date.parse(String(timeColumn.min))) / 86_400_000) +
        1,
    };
  const numeric = variables
    .filter((v) => v.kind === 'numeric' && v.count > 1 && (v.std ?? 0) > 0)
    .map((v) => v.name);
  // Correlations describe reference tables (catalogue, metadata), not event logs: up to 200k rows.
  if (numeric.length >= 2 && rows <= CORRELATION_MAX_ROWS)
    profile.correlations = await correlations(conn, typed, numeric);
  return profile;
}

/** Equal-width bins between min and max (one bin when they are equal). */
async function histogram(
  conn: DuckDBConnection,
  table: string,
  column: string,
  min: number,
  max: number,
  bins: number,
): Promise<Bin[]> {
  const c = quoteIdent(column);
  const n = max > min ? bins : 1;
  const width = max > min ? (max - min) / n : 1;
  const rows = await all(
    conn,
    `SELECT least(${n - 1}, floor((${c} - ${min}) / ${width}))::INTEGER AS bin, count(*)::BIGINT AS n
     FROM ${table} WHERE ${c} IS NOT NULL GROUP BY 1 ORDER BY 1`,
  );
  const counts = new Map(rows.map((r) => [num(r.bin), num(r.n)]));
  return Array.from({ length: n }, (_, b) => ({
    from: round(min + b * width, 6),
    to: round(b === n - 1 ? max : min + (b + 1) * width, 6),
    count: counts.get(b) ?? 0,
  }));
}

async function timeOfDay(conn: DuckDBConnection, table: string, column: string) {
  const c = quoteIdent(column);
  const rows = await all(
    conn,
    `SELECT hour(${c}) AS h, isodow(${c}) AS d, count(*)::BIGINT AS n FROM ${table} WHERE ${c} IS NOT NULL GROUP BY ALL`,
  );
  const byHour = Array<number>(24).fill(0);
  const byWeekday = Array<number>(7).fill(0);
  for (const r of rows) {
    byHour[num(r.h)]! += num(r.n);
    byWeekday[num(r.d) - 1]! += num(r.n);
  }
  return { by_hour: byHour, by_weekday: byWeekday };
}

/**
 * Pearson over the values, Spearman over average ranks (ties share the mean of
 * their ranks), each over the rows where both columns are present.
 */
async function correlations(
  conn: DuckDBConnection,
  table: string,
  columns: string[],
): Promise<Correlations[]> {
  const q = quoteIdent;
  const ranks = columns
    .map(
      (c, i) =>
        `CASE WHEN ${q(c)} IS NULL THEN NULL ELSE rank() OVER (ORDER BY ${q(c)}) + (count(*) OVER (PARTITION BY ${q(c)}) - 1) / 2 END AS r${i}`,
    )
    .join(', ');
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE profile_ranks AS SELECT ${columns.map(q).join(', ')}, ${ranks} FROM ${table}`,
  );
  const pairs: string[] = [];
  columns.forEach((a, i) =>
    columns.forEach((b, j) => {
      if (j > i) pairs.push(`corr(${q(a)}, ${q(b)}) AS p_${i}_${j}`, `corr(r${i}, r${j}) AS s_${i}_${j}`);
    }),
  );
  const r = await one(conn, `SELECT ${pairs.join(', ')} FROM profile_ranks`);
  await conn.run('DROP TABLE profile_ranks');
  const matrix = (prefix: 'p' | 's') =>
    columns.map((_a, i) =>
      columns.map((_b, j) => {
        if (i === j) return 1;
        const v = r[`${prefix}_${Math.min(i, j)}_${Math.max(i, j)}`];
        return v === null || v === undefined || Number.isNaN(num(v)) ? null : round(num(v));
      }),
    );
  return [
    { method: 'pearson', columns, matrix: matrix('p') },
    { method: 'spearman', columns, matrix: matrix('s') },
  ];
}

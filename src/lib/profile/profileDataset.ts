import { statSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { toNumber } from '../duck/jsonValues.js';
import type { Config } from '../config/configSchema.js';
import { dropRelation } from '../duck/dropRelation.js';
import { sqlTypeOf } from '../datasets/datasetCatalog.js';
import { isPresent, quoteIdent } from '../duck/sqlText.js';
import { queryRow, queryRows } from '../duck/rows.js';
import { castExpression, type SilverType } from '../prepare/silverSchemas.js';
import type { PreparedDataset } from '../quality/checkTypes.js';
import { cacheScan, typedValue } from '../rawzone/prepareDatasets.js';
import type {
  ActivityCell,
  Bin,
  ColumnKind,
  ColumnProfile,
  Correlations,
  DatasetProfile,
  SessionFunnel,
  SharedFigures,
} from './profileTypes.js';

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
const QUANTILES = [5, 25, 50, 75, 95] as const;
/** What one typed value takes in a DuckDB temp table, about: measured 13 bytes on the clickstream. */
const BYTES_PER_VALUE = 16;
/** One quantile aggregate with a list of fractions costs a fifth of five separate ones. */
const QUANTILE_LIST = `[${QUANTILES.map((p) => p / 100).join(', ')}]`;
const num = toNumber;
const opt = (v: unknown): number | undefined =>
  v === null || v === undefined ? undefined : Number.isFinite(num(v)) ? num(v) : undefined;
const round = (n: number, d = 4) => Math.round(n * 10 ** d) / 10 ** d;
const pct = (part: number, whole: number) => (whole > 0 ? round((part / whole) * 100, 2) : 0);
const iso = (v: unknown) =>
  v instanceof Date ? v.toISOString() : v === null || v === undefined ? undefined : String(v);

const one = (conn: DuckDBConnection, sql: string) => queryRow<Row>(conn, sql);
const all = (conn: DuckDBConnection, sql: string) => queryRows<Row>(conn, sql);

/**
 * Profiles one dataset, loaded as text in `dataset.view`. Leaves its typed
 * version p_<name> (for the recommender EDA): a view over the raw-zone cache's typed columns when
 * it is read through that cache (`fromCache`); else a table while the typed copies fit in
 * `memory`, else a view casting the text. Scans: one for every column's statistics, one per
 * numeric column for its histogram and quantiles, one per text column for its top values
 * (skipped for unique ones), one per timestamp for its hours and weekdays; over a
 * view, all but the first read only their columns.
 */
export async function profileDataset(
  conn: DuckDBConnection,
  config: Config['profile'],
  dataset: PreparedDataset,
  types: Record<string, SilverType>,
  /** The memory left for typed copies, shared by the datasets of one profile; reduced by this one's. */
  memory: { available: number },
  /** Receives the figures the EDA reads: hour × weekday counts, the clickstream's session funnel. */
  shared?: SharedFigures,
  /**
   * Read the typed values the raw-zone cache holds beside the text (prepareDatasets), when the
   * dataset is read through it, instead of casting the text here.
   */
  fromCache = true,
): Promise<DatasetProfile> {
  const typed = quoteIdent(`p_${dataset.name}`);
  const cols = dataset.columns;
  const typeOf = (c: string): SilverType => types[c] ?? 'VARCHAR';
  const q = quoteIdent;

  const flagged = validityFlags(cols, typeOf);
  // Absent catalog columns are typed NULLs in p_<name>, so that the EDA's queries bind.
  const absentTyped = dataset.absentColumns.map((c) => `, NULL::${sqlTypeOf(typeOf(c))} AS ${q(c)}`).join('');
  const { rows, source, typedAs } = await typedSource(conn, dataset, typeOf, memory, fromCache, absentTyped);

  const exact = rows <= config.exact_distinct_max_rows;
  // Text and boolean columns are grouped for their top values anyway, and the number of groups is
  // their exact distinct count: no estimate to scan for. Not keys (nearly unique: their top values
  // are all 1s) and not PII (its values never leave DuckDB).
  const listable = (c: string) =>
    (KIND[typeOf(c)] === 'text' || KIND[typeOf(c)] === 'boolean') && !dataset.pii.includes(c);
  // A key's first column is nearly unique (an order's txn_id); the others of a compound key
  // (product_id of an order line) are not.
  const grouped = (c: string) => listable(c) && dataset.key[0] !== c;
  const distinctOf = (c: string) =>
    grouped(c) ? 'NULL' : exact ? `count(DISTINCT ${q(c)})` : `approx_count_distinct(${q(c)})`;
  // Every column's statistics in one scan.
  const s = await one(
    conn,
    `SELECT ${[
      ...statisticsSelect(cols, typeOf, flagged, distinctOf),
      ...(typedAs === 'cache' ? cleanCounts(cols, typeOf) : []),
    ].join(', ')} FROM ${source}`,
  );
  if (typedAs === 'cache') await keepCleanText(conn, dataset, typeOf, absentTyped, s);
  if (typedAs === 'copy')
    for (const column of ['__h', ...flagged.filter((f) => f !== undefined)])
      await conn.run(`ALTER TABLE ${typed} DROP COLUMN ${column}`);
  const missingOf = (i: number) => rows - num(s[`n${i}`]) - num(s[`v${i}`]);

  const variables: ColumnProfile[] = [];
  for (const [i, c] of cols.entries()) {
    const kind = KIND[typeOf(c)];
    const count = num(s[`n${i}`]);
    const missing = missingOf(i);
    // A key's distinct count is the statistics scan's; its values are grouped only when it is not
    // (nearly) unique, when its top values are more than a list of 1s.
    const estimated = grouped(c) ? undefined : num(s[`d${i}`]);
    const nearlyUnique = (n: number) => n > 1000 && n > count * 0.5;
    const values =
      count > 0 && listable(c) && (estimated === undefined || !nearlyUnique(estimated))
        ? await topValues(conn, typed, c, config, sessionFunnel(dataset, c, shared))
        : undefined;
    const distinct = estimated ?? values?.distinct ?? 0;
    const v: ColumnProfile = {
      name: c,
      kind,
      sql_type: typeOf(c) === 'YES_NO' ? 'BOOLEAN' : typeOf(c),
      count,
      missing,
      missing_percent: pct(missing, rows),
      invalid: num(s[`v${i}`]),
      distinct,
      distinct_approximate: !exact && !grouped(c),
      distinct_percent: pct(distinct, count),
    };
    await addKindFigures(conn, v, {
      typed,
      column: c,
      i,
      stats: s,
      exact,
      config,
      onActivity: (cells) => shared?.activity.set(`${dataset.name}.${c}`, cells),
    });
    // Top values, unless every value is (nearly) unique: then the top is a list of 1s.
    if (values && !nearlyUnique(distinct)) addTopValues(v, values.top, config);
    variables.push(v);
  }

  // Synchronous: 2,400 stats take 20 ms this way and 80 ms through the thread pool.
  const files = dataset.files.map((f) => statSync(f).size);
  const missingCells = cols.reduce((n, _c, i) => n + missingOf(i), 0);
  const dups = num(s.dups);
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
    typed_as: typedAs,
    absent_columns: dataset.absentColumns,
    variables,
  };
  profile.date_coverage = dateCoverage(variables, TIME_COLUMN[dataset.name]);
  const numeric = variables
    .filter((v) => v.kind === 'numeric' && v.count > 1 && (v.std ?? 0) > 0)
    .map((v) => v.name);
  // Correlations describe reference tables (catalogue, metadata), not event logs: up to 200k rows.
  if (numeric.length >= 2 && rows <= CORRELATION_MAX_ROWS)
    profile.correlations = await correlations(conn, typed, numeric);
  return profile;
}

/**
 * The typed scan of a dataset's text rows in `from`: every column cast as `prepare` casts it, as
 * named; `__v<i>` for each typed column, true where its text was present but not castable (invalid,
 * not missing); `__h`, a hash of the text row (for duplicate rows). With `cleanCheck`, also
 * `__d<i>` for each text column, true where cleaning changed its value (cleanCounts).
 */
function typedScanSql(
  cols: string[],
  typeOf: (column: string) => SilverType,
  from: string,
  /** Each column's typed value: by default, its text cast to its type. */
  castOf: (column: string) => string = (c) => castExpression(c, typeOf(c)),
  cleanCheck = false,
): string {
  const q = quoteIdent;
  const casts = cols.map(castOf);
  const flagged = validityFlags(cols, typeOf);
  const text = cleanCheck ? textColumns(cols, typeOf) : [];
  return `SELECT ${cols.map((c, i) => `${q(`__t${i}`)} AS ${q(c)}`).join(', ')}
      ${flagged.map((f, i) => (f ? `, (${q(`__t${i}`)} IS NULL AND ${q(`__s${i}`)}) AS ${f}` : '')).join('')}
      ${text.map((i) => `, (${q(`__t${i}`)} IS DISTINCT FROM ${q(`__r${i}`)}) AS ${q(`__d${i}`)}`).join('')},
      __h
    FROM (SELECT ${casts.map((e, i) => `${e} AS ${q(`__t${i}`)}`).join(', ')}
            ${flagged.map((f, i) => (f ? `, ${isPresent(q(cols[i]!))} AS ${q(`__s${i}`)}` : '')).join('')}
            ${text.map((i) => `, ${q(cols[i]!)} AS ${q(`__r${i}`)}`).join('')},
            hash(${cols.length > 0 ? cols.map(q).join(', ') : 'NULL'}) AS __h
          FROM ${from})`;
}

/** The indexes of the text columns: the ones whose values are cleaned (trimmed, blank to NULL). */
function textColumns(cols: string[], typeOf: (column: string) => SilverType): number[] {
  return cols.flatMap((c, i) => (typeOf(c) === 'VARCHAR' ? [i] : []));
}

/** For typedScanSql's `cleanCheck`: `dirty<i>`, how many values of text column i cleaning changed. */
function cleanCounts(cols: string[], typeOf: (column: string) => SilverType): string[] {
  return textColumns(cols, typeOf).map((i) => `count_if(${quoteIdent(`__d${i}`)})::BIGINT AS dirty${i}`);
}

/** The validity flag of each column of typedScanSql: `__v<i>` for a typed one, undefined for text. */
function validityFlags(cols: string[], typeOf: (column: string) => SilverType): (string | undefined)[] {
  return cols.map((c, i) => (typeOf(c) === 'VARCHAR' ? undefined : `__v${i}`));
}

/** Whether a session has a view, a cart and a purchase: columns v, c and p of a grouping by session. */
const SESSION_FLAGS = `bool_or(event_type = 'view') AS v, bool_or(event_type = 'add_to_cart') AS c,
  bool_or(event_type = 'purchase') AS p`;

/** A typed clickstream `table` grouped by session, with SESSION_FLAGS: a relation for funnelOf. */
export function sessionGroups(table: string): string {
  return `(SELECT ${SESSION_FLAGS} FROM ${table} WHERE session_id IS NOT NULL GROUP BY session_id)`;
}

/** The session funnel from `groups`, a grouping of the clickstream by session with SESSION_FLAGS. */
export async function funnelOf(conn: DuckDBConnection, groups: string): Promise<SessionFunnel> {
  const r = await one(
    conn,
    `SELECT count(*)::BIGINT AS total, count_if(v)::BIGINT AS v, count_if(c)::BIGINT AS c,
       count_if(p)::BIGINT AS p FROM ${groups}`,
  );
  return { total: num(r.total), with_view: num(r.v), with_cart: num(r.c), with_purchase: num(r.p) };
}

/**
 * The session funnel's flags, when `column` is the clickstream's session_id (and its events have a
 * type): the grouping of its top values then counts them too, for the EDA (`shared.sessions`).
 */
function sessionFunnel(
  dataset: PreparedDataset,
  column: string,
  shared: SharedFigures | undefined,
): ((funnel: SessionFunnel) => void) | undefined {
  if (!shared || dataset.name !== 'clickstream' || column !== 'session_id') return undefined;
  if (!dataset.columns.includes('event_type')) return undefined;
  return (funnel) => (shared.sessions = funnel);
}

/**
 * A column's most frequent values (enough for the top-k and for the imbalance of a column up to the
 * high-cardinality threshold) and, from the same GROUP BY, its exact distinct count. With
 * `onFunnel` (the clickstream's session_id), the groups also take whether each session has a view,
 * a cart and a purchase, and the EDA's funnel is counted from them: one GROUP BY of the events by
 * session where there were two (1.7 → 1.1 s on 4.4M sessions, large).
 */
async function topValues(
  conn: DuckDBConnection,
  table: string,
  column: string,
  config: Config['profile'],
  onFunnel?: (funnel: SessionFunnel) => void,
): Promise<{ distinct: number; top: { value: string; count: number }[] }> {
  const c = quoteIdent(column);
  const limit = Math.max(config.top_k, config.alerts.high_cardinality);
  const grouping = `SELECT ${c}::VARCHAR AS value, count(*)::BIGINT AS n${onFunnel ? `, ${SESSION_FLAGS}` : ''}
    FROM ${table} WHERE ${c} IS NOT NULL GROUP BY 1`;
  // The groups counted apart from the top: a window count over all of them cost a fifth more
  // (0.4 s of 2.3 s on 4.4M sessions).
  const topOf = (g: string) =>
    `SELECT value, n, (SELECT count(*) FROM ${g})::BIGINT AS groups FROM ${g} ORDER BY n DESC, value LIMIT ${limit}`;
  let rows: Row[];
  if (onFunnel) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE profile_groups AS ${grouping}`);
    try {
      rows = await all(conn, topOf('profile_groups'));
      onFunnel(await funnelOf(conn, 'profile_groups'));
    } finally {
      await conn.run('DROP TABLE IF EXISTS profile_groups');
    }
  } else rows = await all(conn, `WITH g AS (${grouping}) ${topOf('g')}`);
  return {
    distinct: rows.length > 0 ? num(rows[0]!.groups) : 0,
    top: rows.map((r) => ({ value: String(r.value), count: num(r.n) })),
  };
}

function quantileFigures(list: number[]): NonNullable<ColumnProfile['quantiles']> {
  const values = list.map((v) => round(v));
  const [p5, p25, p50, p75, p95] = QUANTILES.map((_p, i) => values[i] ?? Number.NaN);
  return { p5: p5!, p25: p25!, p50: p50!, p75: p75!, p95: p95! };
}

/**
 * A numeric column's histogram (equal-width bins between min and max; one bin when they are
 * equal) and its quantiles 5/25/50/75/95. With `byValue`, both come from one GROUP BY of the
 * column's values: the quantiles exact, interpolated as quantile_cont interpolates, for less than
 * a t-digest costs while the values are few (2M clickstream prices are 5,000 values: 37 ms, where
 * their t-digest took 60 ms and their bins 65). Else one scan takes the bins and t-digest estimates.
 */
async function numericShape(
  conn: DuckDBConnection,
  table: string,
  column: string,
  /** From the statistics scan: `count` is the column's non-NULL values. */
  range: { min: number; max: number; count: number },
  bins: number,
  byValue: boolean,
): Promise<{ histogram: Bin[]; quantiles: number[] }> {
  const { min, max, count } = range;
  const c = quoteIdent(column);
  const n = max > min ? bins : 1;
  const width = max > min ? (max - min) / n : 1;
  const binOf = (x: string) => `least(${n - 1}, floor((${x} - ${min}) / ${width}))::INTEGER`;
  let counts: Map<number, number>;
  let quantiles: number[];
  if (byValue) {
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE profile_values AS
       SELECT ${c} AS value, count(*)::BIGINT AS n FROM ${table} WHERE ${c} IS NOT NULL GROUP BY 1`,
    );
    try {
      const rows = await all(
        conn,
        `SELECT ${binOf('value')} AS bin, sum(n)::BIGINT AS n FROM profile_values GROUP BY 1`,
      );
      counts = new Map(rows.map((r) => [num(r.bin), num(r.n)]));
      // Sorted, position k (from 0) holds the first value whose running count is above k; a
      // quantile p interpolates between positions floor and ceil of (count - 1) * p.
      const at = QUANTILES.map((p) => ((count - 1) * p) / 100);
      const r = await one(
        conn,
        `SELECT ${at
          .map(
            (h, i) =>
              `min(value) FILTER (WHERE upto > ${Math.floor(h)})::DOUBLE AS lo${i}, ` +
              `min(value) FILTER (WHERE upto > ${Math.ceil(h)})::DOUBLE AS hi${i}`,
          )
          .join(', ')}
         FROM (SELECT value, sum(n) OVER (ORDER BY value ROWS UNBOUNDED PRECEDING) AS upto FROM profile_values)`,
      );
      quantiles = at.map((h, i) => {
        const lo = num(r[`lo${i}`]);
        return lo + (num(r[`hi${i}`]) - lo) * (h - Math.floor(h));
      });
    } finally {
      await conn.run('DROP TABLE IF EXISTS profile_values');
    }
  } else {
    const r = await one(
      conn,
      `SELECT histogram(${binOf(c)}) AS bins, approx_quantile(${c}::DOUBLE, ${QUANTILE_LIST})::DOUBLE[] AS q
       FROM ${table} WHERE ${c} IS NOT NULL`,
    );
    const entries = (r.bins ?? []) as { key: unknown; value: unknown }[];
    counts = new Map(entries.map((e) => [num(e.key), num(e.value)]));
    quantiles = ((r.q ?? []) as unknown[]).map(num);
  }
  const histogram = Array.from({ length: n }, (_, b) => ({
    from: round(min + b * width, 6),
    to: round(b === n - 1 ? max : min + (b + 1) * width, 6),
    count: counts.get(b) ?? 0,
  }));
  return { histogram, quantiles };
}

/** Events per (ISO weekday, hour) of a timestamp column: the EDA heatmap, and the column's two marginals. */
export async function hourByWeekday(
  conn: DuckDBConnection,
  table: string,
  column: string,
): Promise<ActivityCell[]> {
  const c = quoteIdent(column);
  const rows = await all(
    conn,
    `SELECT isodow(${c})::INTEGER AS d, hour(${c})::INTEGER AS h, count(*)::BIGINT AS n
     FROM ${table} WHERE ${c} IS NOT NULL GROUP BY ALL ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ weekday: num(r.d), hour: num(r.h), events: num(r.n) }));
}

function timeOfDay(cells: ActivityCell[]) {
  const byHour = Array<number>(24).fill(0);
  const byWeekday = Array<number>(7).fill(0);
  for (const cell of cells) {
    byHour[cell.hour]! += cell.events;
    byWeekday[cell.weekday - 1]! += cell.events;
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

/**
 * The dataset as the statistics read it, typed: the raw-zone cache's typed columns when it is read
 * through the cache; else a typed copy in memory while it fits the shared budget, else a casting
 * view. Also defines p_<name> for the EDA. Returns the row count and the relation to scan.
 */
async function typedSource(
  conn: DuckDBConnection,
  dataset: PreparedDataset,
  typeOf: (c: string) => SilverType,
  memory: { available: number },
  fromCache: boolean,
  absentTyped: string,
): Promise<{ rows: number; source: string; typedAs: DatasetProfile['typed_as'] }> {
  let rows: number;
  let source: string;
  let typedAs: DatasetProfile['typed_as'];
  const raw = quoteIdent(dataset.view);
  const typed = quoteIdent(`p_${dataset.name}`);
  const cols = dataset.columns;
  const q = quoteIdent;
  if (fromCache && dataset.cacheParts) {
    // The raw-zone cache: every query reads only its columns, typed ones as cast when the cache
    // was built, text ones cleaned as they are read (cheap next to a cast), until the statistics
    // scan has found which need no cleaning (keepCleanText).
    const castOf = (c: string) => typedValue(dataset, c, typeOf(c));
    const scan = cacheScan(dataset.cacheParts);
    rows = num((await one(conn, `SELECT count(*)::BIGINT AS n FROM ${scan}`)).n);
    await conn.run(cacheViewSql(dataset, typeOf, absentTyped, new Set()));
    source = `(${typedScanSql(cols, typeOf, scan, castOf, true)})`;
    typedAs = 'cache';
  } else {
    rows = num((await one(conn, `SELECT count(*)::BIGINT AS n FROM ${raw}`)).n);
    const scan = typedScanSql(cols, typeOf, raw);
    // A typed copy in memory makes every later query cheap, while it fits: past the memory limit
    // (20M events are 3 GB) writing and re-reading it costs more than casting again. Then the
    // typed dataset is a view, each query casting only the columns it reads.
    const estimate = rows * Math.max(1, cols.length) * BYTES_PER_VALUE;
    if (estimate <= memory.available) {
      memory.available -= estimate;
      await conn.run(`CREATE OR REPLACE TEMP TABLE ${typed} AS SELECT *${absentTyped} FROM (${scan})`);
      await dropRelation(conn, dataset.view);
      source = typed;
      typedAs = 'copy';
    } else {
      await conn.run(
        `CREATE OR REPLACE TEMP VIEW ${typed} AS SELECT ${cols.map((c) => `${castExpression(c, typeOf(c))} AS ${q(c)}`).join(', ')}${absentTyped} FROM ${raw}`,
      );
      source = `(${scan})`;
      typedAs = 'view';
    }
  }
  return { rows, source, typedAs };
}

/**
 * p_<name> over the raw-zone cache: typed columns as the cache holds them, text columns cleaned
 * (trimmed, blank to NULL) as `prepare` cleans them, except the `clean` ones, read as they are.
 */
function cacheViewSql(
  dataset: PreparedDataset,
  typeOf: (c: string) => SilverType,
  absentTyped: string,
  clean: Set<string>,
): string {
  const q = quoteIdent;
  const valueOf = (c: string) => (clean.has(c) ? q(c) : typedValue(dataset, c, typeOf(c)));
  return `CREATE OR REPLACE TEMP VIEW ${q(`p_${dataset.name}`)} AS SELECT ${dataset.columns
    .map((c) => `${valueOf(c)} AS ${q(c)}`)
    .join(', ')}${absentTyped} FROM ${cacheScan(dataset.cacheParts!)}`;
}

/**
 * Redefines p_<name> over the raw-zone cache with the text columns that no value of needs
 * cleaning read as they are: cleaning such a column changes nothing, but costs every later query
 * that reads it a third of a grouping, and hides its Parquet dictionary from a filter (the EDA's
 * purchases: 1.85 s through the cleaning against 0.97 s without, 20M events). The statistics
 * scan counted what cleaning changed (`dirty<i>`); a column with one padded or blank value keeps
 * its cleaning.
 */
async function keepCleanText(
  conn: DuckDBConnection,
  dataset: PreparedDataset,
  typeOf: (c: string) => SilverType,
  absentTyped: string,
  stats: Row,
): Promise<void> {
  const clean = new Set(
    textColumns(dataset.columns, typeOf)
      .filter((i) => num(stats[`dirty${i}`]) === 0)
      .map((i) => dataset.columns[i]!),
  );
  if (clean.size > 0) await conn.run(cacheViewSql(dataset, typeOf, absentTyped, clean));
}

/** The figures a column's kind adds: numeric statistics and shape, date and time range and hours, text lengths. */
async function addKindFigures(
  conn: DuckDBConnection,
  v: ColumnProfile,
  input: {
    typed: string;
    column: string;
    /** The column's index in the statistics row. */
    i: number;
    stats: Row;
    exact: boolean;
    config: Config['profile'];
    onActivity: (cells: ActivityCell[]) => void;
  },
): Promise<void> {
  const { typed, column: c, i, stats, exact, config, onActivity } = input;
  const { kind, count, distinct } = v;
  if (kind === 'numeric' && count > 0) {
    const min = num(stats[`min${i}`]);
    const max = num(stats[`max${i}`]);
    const byValue = exact || distinct <= config.exact_quantile_max_distinct;
    const shape = await numericShape(conn, typed, c, { min, max, count }, config.histogram_bins, byValue);
    Object.assign(v, {
      min,
      max,
      mean: round(num(stats[`mean${i}`])),
      std: opt(stats[`std${i}`]) !== undefined ? round(num(stats[`std${i}`])) : undefined,
      quantiles: quantileFigures(shape.quantiles),
      quantiles_approximate: !byValue,
      zeros: num(stats[`z${i}`]),
      zeros_percent: pct(num(stats[`z${i}`]), count),
      negatives: num(stats[`neg${i}`]),
      skewness: opt(stats[`skew${i}`]) !== undefined ? round(num(stats[`skew${i}`])) : undefined,
      histogram: shape.histogram,
    });
  }
  if ((kind === 'date' || kind === 'timestamp') && count > 0) {
    v.min = iso(stats[`min${i}`]);
    v.max = iso(stats[`max${i}`]);
    if (kind === 'timestamp') {
      const cells = await hourByWeekday(conn, typed, c);
      onActivity(cells);
      Object.assign(v, timeOfDay(cells));
    }
  }
  if (kind === 'text' && count > 0)
    v.length = {
      min: num(stats[`lmin${i}`]),
      mean: round(num(stats[`lmean${i}`]), 2),
      max: num(stats[`lmax${i}`]),
    };
}

/** The select list of the one statistics scan: counts, distincts and invalid values of every column, and what its kind adds. */
function statisticsSelect(
  cols: string[],
  typeOf: (c: string) => SilverType,
  flagged: (string | undefined)[],
  distinctOf: (c: string) => string,
): string[] {
  const q = quoteIdent;
  const stats: string[] = [`(count(*) - count(DISTINCT __h))::BIGINT AS dups`];
  cols.forEach((c, i) => {
    const kind = KIND[typeOf(c)];
    stats.push(`count(${q(c)})::BIGINT AS n${i}`, `${distinctOf(c)}::BIGINT AS d${i}`);
    stats.push(flagged[i] ? `count_if(${flagged[i]})::BIGINT AS v${i}` : `0::BIGINT AS v${i}`);
    if (kind === 'numeric')
      stats.push(
        `min(${q(c)})::DOUBLE AS min${i}`,
        `max(${q(c)})::DOUBLE AS max${i}`,
        `avg(${q(c)}) AS mean${i}`,
        `stddev_samp(${q(c)}) AS std${i}`,
        `skewness(${q(c)}) AS skew${i}`,
        `count_if(${q(c)} = 0)::BIGINT AS z${i}`,
        `count_if(${q(c)} < 0)::BIGINT AS neg${i}`,
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
  return stats;
}

/** The column's most frequent values, and for a text column with few values, its imbalance (1 − normalised entropy). */
function addTopValues(
  v: ColumnProfile,
  top: { value: string; count: number }[],
  config: Config['profile'],
): void {
  const { kind, count, distinct } = v;
  v.top = top
    .slice(0, config.top_k)
    .map((r) => ({ value: r.value, count: r.count, percent: pct(r.count, count) }));
  if (
    kind === 'text' &&
    distinct >= 2 &&
    distinct <= config.alerts.high_cardinality &&
    top.length === distinct
  ) {
    const entropy = -top.reduce((h, r) => {
      const p = r.count / count;
      return h + p * Math.log(p);
    }, 0);
    v.imbalance = round(1 - entropy / Math.log(distinct));
  }
}

/** The first and last day of the dataset's time column, and the days between, when it has values. */
function dateCoverage(
  variables: ColumnProfile[],
  column: string | undefined,
): DatasetProfile['date_coverage'] {
  const time = variables.find((v) => v.name === column && v.min !== undefined);
  if (!time) return undefined;
  const [min, max] = [String(time.min), String(time.max)];
  return {
    column: time.name,
    min,
    max,
    days: Math.round((Date.parse(max) - Date.parse(min)) / 86_400_000) + 1,
  };
}

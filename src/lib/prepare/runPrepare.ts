import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { RuntimeError } from '../errors/errors.js';
import { CODE_VERSION } from '../codeVersion.js';
import { dropRelation } from '../duck/dropRelation.js';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { utcTimestamped } from '../duck/utcTimestamps.js';
import { isPresent, PARQUET_OPTIONS, quoteIdent, quoteLiteral, trimmed } from '../duck/sqlText.js';
import { withDuck } from '../duck/withDuck.js';
import { writeFileAtomic } from '../lake/atomicWrite.js';
import { withLock } from '../lake/lock.js';
import { sealWrittenFile } from '../lake/moveFile.js';
import { checkRegistry } from '../quality/checkRegistry.js';
import type { ReferencesParams } from '../quality/checks/referencesCheck.js';
import type { PreparedDataset } from '../quality/checkTypes.js';
import { loadLakeSuite } from '../quality/loadSuite.js';
import { prepareDatasets, typedValue } from '../rawzone/prepareDatasets.js';
import type { Suite } from '../quality/suiteSchema.js';
import type { RunContext } from '../runContext.js';
import { sequence } from '../sequence.js';
import { type InputSummary, readInputs } from './inputManifests.js';
import {
  ENTRIES,
  PREPARE_RECORD,
  publish,
  recoverPublish,
  type PrepareRecord,
  type PreparedDatasetSummary,
} from './silverZone.js';
import { AGE_BANDS, enrichments, INTERACTION_WEIGHTS } from './silverEnrichment.js';
import { recordedPurchasesSql, unifiedInteractionsSql } from './unifiedInteractions.js';
import { silverTypesFor } from './silverSchemas.js';
import { specOf } from '../datasets/datasetCatalog.js';

/**
 * Builds the silver zone: typed, deduplicated, cleaned Parquet per dataset, the
 * unified interactions table and the encoding vocabularies. Everything is
 * written to a staging directory and published by rename, the record last;
 * a crash while publishing is rolled forward by the next run.
 */
export async function runPrepare(
  ctx: RunContext,
  options: {
    suite?: string;
    /** While a dataset's raw-zone cache partitions are parsed: how many so far, of how many. */
    onCacheProgress?: (dataset: string, done: number, total: number) => void;
  } = {},
): Promise<PrepareRecord> {
  const started = Date.now();
  const { suite, file: suitePath } = loadLakeSuite(ctx, options.suite);
  const zone = ctx.paths.processedZone;
  const staging = path.join(zone, `.staging-${ctx.runId}`);
  return withLock(
    { locksDir: ctx.paths.locks, name: 'prepare', command: ctx.command, runId: ctx.runId, waitSeconds: 0 },
    async () => {
      await recoverPublish(zone);
      await mkdir(path.join(staging, 'excluded'), { recursive: true });
      await mkdir(path.join(staging, 'vocabularies'), { recursive: true });
      await mkdir(path.join(staging, 'lineage'), { recursive: true });
      const built = await withDuck(duckOptionsFor(ctx, 'build'), (conn, connect) =>
        build(conn, connect, ctx, suite, staging, options.onCacheProgress),
      );
      const record: PrepareRecord = {
        run_id: ctx.runId,
        created_at: ctx.now().toISOString(),
        code_version: CODE_VERSION,
        suite: path.relative(ctx.paths.root, suitePath).startsWith('..')
          ? suitePath
          : path.relative(ctx.paths.root, suitePath),
        ...built,
        duration_ms: Date.now() - started,
      };
      await writeFileAtomic(path.join(staging, PREPARE_RECORD), JSON.stringify(record, null, 2) + '\n');
      const entries = (await readdir(staging)).filter((e) => !e.startsWith('.'));
      await writeFileAtomic(path.join(staging, ENTRIES), JSON.stringify(entries) + '\n');
      await publish(staging, zone, ctx.runId, entries);
      const excluded = record.datasets.reduce((n, d) => n + d.excluded, 0);
      ctx.logger.log(
        excluded > 0 ? 'warn' : 'info',
        `prepare: ${record.datasets.length} datasets, ${record.interactions?.rows ?? 0} interactions; ` +
          `${excluded} rows excluded by error-level checks (processed_zone/excluded/)`,
        { datasets: record.datasets.length, excluded, duration_ms: record.duration_ms },
      );
      return record;
    },
  );
}

async function build(
  conn: DuckDBConnection,
  connect: () => Promise<DuckDBConnection>,
  ctx: RunContext,
  suite: Suite,
  staging: string,
  onCacheProgress?: (dataset: string, done: number, total: number) => void,
): Promise<Pick<PrepareRecord, 'datasets' | 'interactions' | 'vocabularies' | 'absent'>> {
  const { prepared, absent } = await prepareDatasets(
    conn,
    ctx.paths.root,
    suite,
    undefined,
    (name, ms, parsed) =>
      ctx.logger.debug(
        `${name}: loaded in ${ms} ms${parsed ? ` (${parsed.built} of ${parsed.partitions} parts parsed)` : ''}`,
      ),
    true,
    onCacheProgress,
  );
  // The read order matters up to here (the loaded tables' rowid breaks ties). Every output
  // after is explicitly ordered, and building without keeping row order is faster.
  await conn.run('SET preserve_insertion_order = false');
  if (prepared.size === 0)
    throw new RuntimeError(
      `no raw data to prepare: none of ${absent.join(', ')} has files in the raw zone`,
      'ingest first (recomart ingest master|transactions|clickstream|metadata), or run `recomart demo`',
    );
  const datasets: PreparedDatasetSummary[] = [];
  const vocabularies: string[] = [];
  const silver = new Set<string>();
  const rawTables = new Set(prepared.keys());
  // Raw tables that references checks read stay loaded; the others go as soon as their silver is written.
  const referenced = new Set(
    Object.values(suite.datasets).flatMap((d) =>
      d.checks.flatMap((c) => (c.references ? [c.references.dataset as string] : [])),
    ),
  );
  // Lineage (the manifests of every input file) on a connection of its own, beside the silver
  // writes: it is small queries and reading manifests in JavaScript, which leave DuckDB's
  // threads idle when run in between (0.5-0.8 s of the medium prepare).
  const lineageConn = await connect();
  const lineage = sequence();
  const pending: { summary: Omit<PreparedDatasetSummary, 'inputs'>; inputs: Promise<InputSummary> }[] = [];
  const seals: Promise<void>[] = [];
  let interactions: PrepareRecord['interactions'];
  try {
    for (const dataset of prepared.values()) {
      const inputs = lineage.add(() =>
        readInputs(lineageConn, ctx.paths.root, dataset.name, dataset.path, path.join(staging, 'lineage')),
      );
      pending.push({ summary: await prepareOne(dataset), inputs });
    }
    interactions = await buildInteractions(conn, ctx, silver, staging);
  } finally {
    // Never leave a query running on the lineage connection that withDuck is about to close.
    await lineage.settled();
    await Promise.allSettled(seals);
  }
  await Promise.all(seals);
  for (const { summary, inputs } of pending) datasets.push({ ...summary, inputs: await inputs });
  return { datasets, interactions, vocabularies, absent };

  async function prepareOne(dataset: PreparedDataset): Promise<Omit<PreparedDatasetSummary, 'inputs'>> {
    const t = Date.now();
    const summary = await cleanDataset(conn, ctx, suite, dataset, rawTables, staging);
    vocabularies.push(...(await encodeAndWrite(conn, ctx, dataset.name, silver, staging, summary, seals)));
    // The interactions read the silver files. The catalog's typed view stays (transactions' prices
    // read it), and with it the raw table and exclusions it reads.
    if (dataset.name !== 'catalog') {
      await dropRelation(conn, `typed_${dataset.name}`);
      for (const t of [`bad_rows_${dataset.name}`, `dup_keys_${dataset.name}`])
        await conn.run(`DROP TABLE IF EXISTS ${quoteIdent(t)}`);
      if (!referenced.has(dataset.name)) await dropRelation(conn, dataset.view);
    }
    silver.add(dataset.name);
    ctx.logger.info(
      `prepare ${dataset.name}: ${summary.rows} rows (${summary.excluded} excluded, ${summary.duplicates_removed} duplicates removed)`,
      { dataset: dataset.name, records: summary.rows, duration_ms: Date.now() - t },
    );
    return summary;
  }
}

/** Excludes rows failing error-level checks (counted per check), casts, and keeps the newest version of each key. */
async function cleanDataset(
  conn: DuckDBConnection,
  ctx: RunContext,
  suite: Suite,
  dataset: PreparedDataset,
  rawTables: Set<string>,
  staging: string,
): Promise<Omit<PreparedDatasetSummary, 'inputs'>> {
  const raw = quoteIdent(dataset.view);
  // Named per dataset: the typed view below reads them, and the catalog's stays in use later.
  const badRows = quoteIdent(`bad_rows_${dataset.name}`);
  const dupKeys = quoteIdent(`dup_keys_${dataset.name}`);
  // The read order: `__rowid`, the loaded table's or the raw cache view's file and row position.
  const rowOrder = `s.${quoteIdent(dataset.rowOrder ?? '__rowid')}`;
  const reasons = exclusionPredicates(suite, dataset, rawTables);
  // One scan finds the failing rows (few) and their reasons; counting, exporting and excluding
  // them then join on the read order instead of evaluating every predicate (and anti-join) again.
  // The reasons list is built only for failing rows: the OR filters first.
  const bad = reasons.length > 0 ? reasons.map((r) => `coalesce((${r.sql}), false)`).join(' OR ') : 'false';
  const reasonList =
    reasons.length > 0
      ? `list_filter([${reasons.map((r) => `CASE WHEN ${r.sql} THEN ${quoteLiteral(r.name)} END`).join(', ')}], x -> x IS NOT NULL)`
      : '[]::VARCHAR[]';
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${badRows} AS
     SELECT ${rowOrder} AS __row, ${reasonList} AS reasons
     FROM ${raw} AS s ${reasons.map((r) => r.join ?? '').join(' ')} WHERE ${bad}`,
  );
  const byCheck = (
    await conn.runAndReadAll(
      `SELECT reason, count(*)::BIGINT AS n FROM (SELECT unnest(reasons) AS reason FROM ${badRows}) GROUP BY reason`,
    )
  ).getRowObjectsJS();
  const excluded = await count(conn, `bad_rows_${dataset.name}`);
  const pii = dataset.pii.filter((c) => dataset.columns.includes(c));
  if (excluded > 0) {
    await conn.run(
      `COPY (SELECT ${dataset.columns
        .filter((c) => !pii.includes(c))
        .map((c) => `s.${quoteIdent(c)}`)
        .join(', ')}, b.reasons AS excluded_by,
         s.__file AS source_file FROM ${raw} AS s JOIN ${badRows} b ON b.__row = ${rowOrder} ORDER BY ${rowOrder})
       TO ${quoteLiteral(path.join(staging, 'excluded', `${dataset.name}.parquet`))} (FORMAT parquet)`,
    );
  }

  const types = silverTypesFor(dataset.name, suite);
  // A column the raw-zone cache holds cast already is read as it is there (the same cast).
  const typedOf = (c: string) => typedValue(dataset, c, types[c] ?? 'VARCHAR');
  // An absent catalog column is a NULL of its type: silver has the catalog's whole schema.
  const keep = [...dataset.columns, ...dataset.absentColumns].filter(
    (c) => !pii.includes(c) && !dataset.pii.includes(c),
  );
  const select = keep.map((c) => `${typedOf(c)} AS ${quoteIdent(c)}`);
  if (dataset.name === 'transactions')
    select.push(`regexp_extract(__file, 'ingested_(?:erp_)?([A-Za-z0-9]+)', 1) AS channel`);
  const key = dataset.key.filter((k) => dataset.columns.includes(k));
  const order = specOf(dataset.name)?.versionOrder;
  const typed = `typed_${dataset.name}`;
  const clean = `FROM ${raw} AS s WHERE NOT EXISTS (SELECT 1 FROM ${badRows} b WHERE b.__row = ${rowOrder})`;
  let sql = `SELECT ${select.join(', ')} ${clean}`;
  if (key.length > 0) {
    // The window that keeps the newest version runs only over keys that occur more than once.
    const keyExpr = key.map((k) => trimmed(quoteIdent(k)));
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE ${dupKeys} AS
       SELECT ${keyExpr.map((e, i) => `${e} AS k${i}`).join(', ')} FROM ${raw} GROUP BY ALL HAVING count(*) > 1`,
    );
    if ((await count(conn, `dup_keys_${dataset.name}`)) > 0) {
      const isDup = `EXISTS (SELECT 1 FROM ${dupKeys} d WHERE ${key.map((k, i) => `d.k${i} = ${trimmed(`s.${quoteIdent(k)}`)}`).join(' AND ')})`;
      sql = `SELECT ${select.join(', ')} ${clean} AND NOT ${isDup}
        UNION ALL
        SELECT ${select.join(', ')} ${clean} AND ${isDup}
        QUALIFY row_number() OVER (PARTITION BY ${keyExpr.join(', ')}
          ORDER BY ${order && keep.includes(order) ? `${typedOf(order)} DESC NULLS LAST, ` : ''}__file DESC, ${rowOrder} DESC) = 1`;
    }
  }
  // A view, not a copy: the vocabularies and the silver file each read it once, and a copy of 20M
  // events (3.5 GB) left the silver file's sort too little memory, so that it spilled.
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(typed)} AS ${sql}`);
  const rowsIn = await count(conn, dataset.view);
  const excludedByCheck: Record<string, number> = {};
  for (const r of reasons) {
    const n = Number(byCheck.find((x) => x.reason === r.name)?.n ?? 0n);
    if (n > 0) excludedByCheck[r.name] = n;
  }
  return {
    name: dataset.name,
    file: '',
    md5: '',
    bytes: 0,
    rows: 0, // counted in the written file (encodeAndWrite)
    columns: [],
    rows_in: rowsIn,
    excluded,
    excluded_by_check: excludedByCheck,
    duplicates_removed: 0,
    transformations: [
      'every column cast from text to its type (docs/commands.md, "recomart prepare"); text trimmed, empty → NULL',
      `rows failing an error-level row check of the suite excluded (${excluded}), kept in processed_zone/excluded/${dataset.name}.parquet`,
      ...(key.length > 0
        ? [
            `deduplicated by ${key.join(', ')}, keeping the newest version${order ? ` by ${order}` : ''} (then the latest file, then the last line)`,
          ]
        : []),
      ...(enrichments[dataset.name]?.transformations ?? []),
    ],
  };
}

interface Reason {
  name: string;
  /** TRUE for a row to exclude; over the raw text table aliased `s` and the joins. */
  sql: string;
  /** A join the predicate reads (one row out per row in). */
  join?: string;
}

/** Error-level row predicates of the suite, plus error-level references (anti-joins with the raw target). */
function exclusionPredicates(suite: Suite, dataset: PreparedDataset, rawTables: Set<string>): Reason[] {
  const reasons: Reason[] = [];
  for (const decl of suite.datasets[dataset.name]!.checks) {
    const [type, raw] = Object.entries(decl)[0]!;
    const params = raw ?? {};
    if ((params.severity ?? 'error') !== 'error') continue;
    if (type === 'references') {
      // The suite loader has validated the declaration against the check's schema.
      const ref = params as unknown as ReferencesParams & { filter?: string };
      const column = ref.column;
      const target = ref.dataset;
      if (!dataset.columns.includes(column)) continue;
      // Against the raw target, as `validate` checks it: a customer excluded for a bad email
      // does not take their transactions with them.
      if (!rawTables.has(target)) continue; // the target has no data: nothing to check against
      const table = `ds_${target}`;
      const c = `s.${quoteIdent(column)}`;
      // A LEFT JOIN to the distinct keys, not NOT EXISTS: correlated subqueries OR-ed with the
      // other predicates made DuckDB's scan of 20M events 4× slower.
      const alias = quoteIdent(`__ref${reasons.filter((r) => r.join).length}`);
      reasons.push({
        name: `references(${column} → ${target}.${ref.key})`,
        sql: `(${isPresent(c)}${ref.filter ? ` AND (${ref.filter})` : ''}
          AND ${alias}.k IS NULL)`,
        join: `LEFT JOIN (SELECT DISTINCT ${trimmed(quoteIdent(ref.key))} AS k FROM ${quoteIdent(table)}) ${alias}
          ON ${alias}.k = ${trimmed(c)}`,
      });
      continue;
    }
    for (const planned of checkRegistry.get(type)!.plan(params, dataset)) {
      if (!planned.predicate || (planned.column && !dataset.columns.includes(planned.column))) continue;
      reasons.push({ name: planned.name, sql: planned.predicate });
    }
  }
  return reasons;
}

/** Vocabularies, derived columns, Parquet; fills in the summary's file facts. Returns the vocabulary files. */
async function encodeAndWrite(
  conn: DuckDBConnection,
  ctx: RunContext,
  name: string,
  silver: Set<string>,
  staging: string,
  summary: Omit<PreparedDatasetSummary, 'inputs'>,
  /** Receives the sealing (md5, fsync) of the written file, which fills in summary.md5 and .bytes. */
  seals: Promise<void>[],
): Promise<string[]> {
  const typed = quoteIdent(`typed_${name}`);
  const enrichment = enrichments[name] ?? { encode: [], columns: [], transformations: [] };
  const base: string[] = ['t.*'];
  if (name === 'customers') base.push(`${AGE_BANDS.replace(/\bage\b/g, 't.age')} AS age_band`);
  if (name === 'transactions' && silver.has('catalog')) {
    base[0] = 't.* REPLACE (coalesce(t.unit_price, c.effective_price) AS unit_price)';
    base.push('(t.unit_price IS NULL AND c.effective_price IS NOT NULL) AS price_imputed');
  }
  const from =
    name === 'transactions' && silver.has('catalog')
      ? `${typed} t LEFT JOIN (SELECT product_id, round(base_price * (1 - coalesce(discount_percent, 0) / 100), 2) AS effective_price FROM typed_catalog) c USING (product_id)`
      : `${typed} t`;
  // Stage 1: base columns (+ imputations); stage 2: derived columns and codes over it.
  const based = quoteIdent(`based_${name}`);
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${based} AS SELECT ${base.join(', ')} FROM ${from}`);
  const columns = await columnNames(conn, `based_${name}`);
  const encode = enrichment.encode.filter((c) => columns.includes(c));
  const vocabFiles: string[] = [];
  const codes: string[] = [];
  const joins: string[] = [];
  if (encode.length > 0) {
    // Every encoded column's value counts in one scan (one grouping set each).
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE vocab_counts AS
       SELECT CASE ${encode.map((c, i) => `WHEN GROUPING(${quoteIdent(c)}) = 0 THEN ${i}`).join(' ')} END AS col,
         CASE ${encode.map((c) => `WHEN GROUPING(${quoteIdent(c)}) = 0 THEN ${quoteIdent(c)}`).join(' ')} END AS value,
         count(*)::BIGINT AS n
       FROM ${based} GROUP BY GROUPING SETS (${encode.map((c) => `(${quoteIdent(c)})`).join(', ')})`,
    );
  }
  for (const [i, column] of encode.entries()) {
    const vocab = quoteIdent(`vocab_${name}_${column}`);
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE ${vocab} AS
       SELECT value, row_number() OVER (ORDER BY n DESC, value)::INTEGER AS code, n AS count
       FROM vocab_counts WHERE col = ${i} AND value IS NOT NULL`,
    );
    const file = path.join(staging, 'vocabularies', `${name}.${column}.csv`);
    await conn.run(
      `COPY (SELECT * FROM ${vocab} ORDER BY code) TO ${quoteLiteral(file)} (FORMAT csv, HEADER true)`,
    );
    vocabFiles.push(path.join('processed_zone', 'vocabularies', path.basename(file)));
    const alias = quoteIdent(`v_${column}`);
    joins.push(`LEFT JOIN ${vocab} ${alias} ON ${alias}.value = t.${quoteIdent(column)}`);
    codes.push(`coalesce(${alias}.code, 0)::INTEGER AS ${quoteIdent(`${column}_code`)}`);
  }
  const out = path.join(staging, `${name}.parquet`);
  // Sorted, so that the same input gives the same bytes (and md5), and time ranges prune row groups.
  const sort = specOf(name)?.sortOrder.map(quoteIdent).join(', ') ?? 'ALL';
  const rows = await utcTimestamped(
    conn,
    `SELECT t.*${[...enrichment.columns, ...codes].map((c) => `, ${c}`).join('')} FROM ${based} t ${joins.join(' ')}
       ORDER BY ${sort}`,
  );
  await conn.run(`COPY (${rows}) TO ${quoteLiteral(out)} (${PARQUET_OPTIONS})`);
  await dropRelation(conn, `based_${name}`);
  const file = `read_parquet(${quoteLiteral(out)}, hive_partitioning = false)`;
  summary.file = path.join('processed_zone', `${name}.parquet`);
  // Hashed and synced while DuckDB goes on with the next dataset (0.2 s for the medium
  // clickstream's file, with DuckDB idle); build() waits for it.
  const sealing = sealWrittenFile(out).then((sealed) => {
    summary.md5 = sealed.md5;
    summary.bytes = sealed.bytes;
  });
  sealing.catch(() => undefined); // awaited in build()
  seals.push(sealing);
  summary.columns = await columnTypes(conn, file);
  summary.rows = Number(
    (
      (await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${file}`)).getRowObjectsJS()[0] as {
        n: bigint;
      }
    ).n,
  );
  summary.duplicates_removed = summary.rows_in - summary.excluded - summary.rows;
  ctx.logger.debug(`prepare ${name}: wrote ${summary.file}`);
  return vocabFiles;
}

/**
 * One row per user–item event: clickstream views, carts and purchases, plus
 * transactions. A clickstream purchase that has a transaction for the same
 * user, item and day is the same purchase: the transaction (the system of
 * record) is kept, the event dropped.
 */
async function buildInteractions(
  conn: DuckDBConnection,
  ctx: RunContext,
  silver: Set<string>,
  staging: string,
): Promise<PrepareRecord['interactions']> {
  const w = INTERACTION_WEIGHTS;
  const staged = (name: string) =>
    silver.has(name)
      ? `read_parquet(${quoteLiteral(path.join(staging, `${name}.parquet`))}, hive_partitioning = false)`
      : undefined;
  const [clickstream, transactions] = [staged('clickstream'), staged('transactions')];
  // The union below is read twice; the purchases it leaves out (a join of every purchase event
  // with the transactions) are found once.
  const recorded = clickstream && transactions ? 'recorded_purchases' : undefined;
  if (recorded)
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE ${recorded} AS ${recordedPurchasesSql(clickstream!, transactions!)}`,
    );
  const union = unifiedInteractionsSql(clickstream, transactions, recorded);
  if (!union) return undefined;
  const out = path.join(staging, 'interactions.parquet');
  // A view: materialized, the 28M interactions left the sort below too little memory (it spilled).
  // It is read twice: once for the first-seen times (users' and items' in one scan), once to write.
  await conn.run(`CREATE OR REPLACE TEMP VIEW all_interactions AS ${union}`);
  // Each user's and item's first time, and a code in the order of its id: sorting on the codes
  // gives the same rows in the same order as sorting on the ids, with integer keys.
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE first_seen AS
     SELECT *, row_number() OVER (PARTITION BY item_id IS NULL ORDER BY user_id, item_id)::INTEGER AS code
     FROM (SELECT user_id, item_id, min(ts) AS first_ts FROM all_interactions GROUP BY GROUPING SETS ((user_id), (item_id)))`,
  );
  const rows = await utcTimestamped(
    conn,
    `SELECT user_id, item_id, event_type,
         CASE event_type WHEN 'view' THEN ${w.view} WHEN 'add_to_cart' THEN ${w.add_to_cart} ELSE ${w.purchase} END::INTEGER AS weight,
         ts, available_at, source, session_id, quantity,
         hour(ts)::TINYINT AS hour, isodow(ts)::TINYINT AS weekday,
         date_diff('day', fu.first_ts, ts)::INTEGER AS days_since_user_first_seen,
         date_diff('day', fi.first_ts, ts)::INTEGER AS days_since_item_first_seen
       FROM all_interactions
       JOIN (SELECT user_id, first_ts, code FROM first_seen WHERE item_id IS NULL) fu USING (user_id)
       JOIN (SELECT item_id, first_ts, code FROM first_seen WHERE user_id IS NULL) fi USING (item_id)
       -- ORDER BY user_id, item_id, event_type, ts, source, session_id, quantity: a total order on
       -- distinct rows (every other column is a function of these), with integers for the ids,
       -- event type and source, in the same order as their text.
       ORDER BY fu.code, fi.code, CASE event_type WHEN 'add_to_cart' THEN 0 WHEN 'purchase' THEN 1 ELSE 2 END,
         ts, source = 'transaction', session_id, quantity`,
  );
  await conn.run(`COPY (${rows}) TO ${quoteLiteral(out)} (${PARQUET_OPTIONS})`);
  const bySource = Object.fromEntries(
    (
      await conn.runAndReadAll(
        `SELECT source, count(*)::BIGINT AS n FROM read_parquet(${quoteLiteral(out)}, hive_partitioning = false) GROUP BY 1 ORDER BY 1`,
      )
    )
      .getRowObjectsJS()
      .map((r) => [String(r.source), Number(r.n)]),
  );
  const sealed = await sealWrittenFile(out);
  ctx.logger.debug(`prepare interactions: wrote ${out}`);
  await conn.run(
    `CREATE OR REPLACE TEMP VIEW interactions AS SELECT * FROM read_parquet(${quoteLiteral(out)}, hive_partitioning = false)`,
  );
  return {
    name: 'interactions',
    file: path.join('processed_zone', 'interactions.parquet'),
    md5: sealed.md5,
    bytes: sealed.bytes,
    rows: Object.values(bySource).reduce((a, b) => a + b, 0),
    columns: await columnTypes(conn, 'interactions'),
    by_source: bySource,
    weights: INTERACTION_WEIGHTS,
    transformations: [
      'clickstream view, add_to_cart and purchase events with a user and an item (search events have no item)',
      'transactions as purchases, at the start of txn_date (available_at: the end of it)',
      'a clickstream purchase with a transaction for the same user, item and day is dropped (the transaction is the record)',
      `weight: view ${w.view}, add_to_cart ${w.add_to_cart}, purchase ${w.purchase} (the events' event_strength)`,
      'hour, ISO weekday, days since the user / item was first seen',
    ],
  };
}

async function count(conn: DuckDBConnection, table: string): Promise<number> {
  const r = (
    await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(table)}`)
  ).getRowObjectsJS();
  return Number((r[0] as { n: bigint }).n);
}

async function columnNames(conn: DuckDBConnection, table: string): Promise<string[]> {
  return (await columnTypes(conn, table)).map((c) => c.name);
}

/** Columns of a temp table, or of a table function call such as read_parquet(…). */
async function columnTypes(conn: DuckDBConnection, table: string): Promise<{ name: string; type: string }[]> {
  const from = table.includes('(') ? table : quoteIdent(table);
  return (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`))
    .getRowObjectsJS()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { isBlank, quoteIdent, quoteLiteral } from '../duck/sqlText.js';
import { withDuck } from '../duck/withDuck.js';
import { writeFileAtomic } from '../lake/atomicWrite.js';
import { formulaSafeSelect } from '../csv/formulaCells.js';
import { compactStamp, type RunContext } from '../runContext.js';
import { columnOf, specOf } from '../datasets/datasetCatalog.js';
import { checkRegistry } from './checkRegistry.js';
import type { CheckEnv, Measured, PlannedCheck, PreparedDataset } from './checkTypes.js';
import { loadLakeSuite, requireDatasets } from './loadSuite.js';
import { prepareDatasets } from '../rawzone/prepareDatasets.js';
import { statusFor, type CheckResult, type DatasetSummary, type ValidationRun } from './validationResult.js';

export interface ValidateOptions {
  suite?: string;
  datasets?: string[];
  asOf?: Date;
  failOn?: 'error' | 'warn';
  exportFailures?: boolean;
  sampleSize?: number;
  /** Write reports/validation_<stamp>.json (default true). */
  save?: boolean;
  /** While a dataset's raw-zone cache partitions are parsed: how many so far, of how many. */
  onCacheProgress?: (dataset: string, done: number, total: number) => void;
  /**
   * Where row-level checks' samples come from: `scan`, the one aggregate scan that counts them
   * (the default), or `query`, a query per failing check (what the other checks do). Both give
   * the same keys: the first failing rows in read order. `query` is there to show it (tests).
   */
  samplesFrom?: 'scan' | 'query';
}

/**
 * Runs the rule suite over whatever is in the lake. All row-level checks of a
 * dataset are counted in one aggregate scan; the others (duplicates, references,
 * freshness, volume, manifests) run their own queries.
 */
export async function runValidation(ctx: RunContext, options: ValidateOptions = {}): Promise<ValidationRun> {
  const started = Date.now();
  const { suite, file: suitePath } = loadLakeSuite(ctx, options.suite);
  requireDatasets(suite, options.datasets);
  const asOf = options.asOf ?? ctx.now();
  const failOn = options.failOn ?? 'error';
  const sampleSize = options.sampleSize ?? suite.sample_size ?? 5;
  const previousRows = await previousRowCounts(ctx.paths.reports);
  const exported: string[] = [];

  const { checks, summaries, absent } = await withDuck(duckOptionsFor(ctx), async (conn) => {
    const { prepared, absent, loaded } = await prepareDatasets(
      conn,
      ctx.paths.root,
      suite,
      options.datasets,
      (name, ms, parsed) =>
        ctx.logger.debug(
          `${name}: loaded in ${ms} ms${parsed ? ` (${parsed.built} of ${parsed.partitions} parts parsed)` : ''}`,
        ),
      false,
      options.onCacheProgress,
    );
    const checks: CheckResult[] = [];
    const summaries: DatasetSummary[] = [];
    for (const dataset of prepared.values()) {
      const decls = suite.datasets[dataset.name]!.checks;
      const planned = decls.flatMap((decl) => {
        const [type, params] = Object.entries(decl)[0]!;
        return checkRegistry.get(type)!.plan(params ?? {}, dataset);
      });
      const env: CheckEnv = { conn, ctx, dataset, datasets: loaded, asOf, previousRows, memo: new Map() };
      const { results, rows, missingCells } = await runDatasetChecks(
        env,
        planned,
        sampleSize,
        options.samplesFrom ?? 'scan',
      );
      if (options.exportFailures) exported.push(...(await exportFailures(env, planned, results)));
      checks.push(...results);
      summaries.push({
        name: dataset.name,
        path: dataset.path,
        files: dataset.files.length,
        rows,
        columns: dataset.columns.length,
        missing_cells_percent:
          rows * dataset.columns.length > 0
            ? round2((missingCells / (rows * dataset.columns.length)) * 100)
            : 0,
        checks_passed: results.filter((r) => r.status === 'pass').length,
        checks_failed: results.filter(
          (r) => r.status === 'fail' || r.status === 'warn' || r.status === 'error',
        ).length,
      });
    }
    return { checks, summaries, absent };
  });

  const count = (s: CheckResult['status']) => checks.filter((c) => c.status === s).length;
  const summary = {
    passed: count('pass'),
    failed: count('fail'),
    warned: count('warn'),
    skipped: count('skipped'),
    errors: count('error'),
  };
  const failed =
    summary.failed +
    checks.filter((c) => c.status === 'error' && c.severity === 'error').length +
    (failOn === 'warn' ? summary.warned : 0);
  const run: ValidationRun = {
    run_id: ctx.runId,
    created_at: ctx.now().toISOString(),
    as_of: asOf.toISOString(),
    suite: path.relative(ctx.paths.root, suitePath).startsWith('..')
      ? suitePath
      : path.relative(ctx.paths.root, suitePath),
    outcome: failed > 0 ? 'checks_failed' : 'ok',
    fail_on: failOn,
    datasets: summaries,
    absent,
    checks,
    summary,
    failures_exported: options.exportFailures ? exported : undefined,
    duration_ms: Date.now() - started,
  };
  if (options.save !== false) {
    await mkdir(ctx.paths.reports, { recursive: true });
    await writeFileAtomic(
      path.join(ctx.paths.reports, `validation_${compactStamp(ctx.now())}.json`),
      JSON.stringify(run, null, 2) + '\n',
    );
  }
  ctx.logger.log(
    run.outcome === 'ok' ? 'info' : 'warn',
    `validate: ${summary.passed} passed, ${summary.failed} failed, ${summary.warned} warnings, ${summary.errors} errors over ${summaries.length} datasets`,
    {
      outcome: run.outcome,
      ...summary,
      duration_ms: run.duration_ms,
    },
  );
  return run;
}

async function runDatasetChecks(
  env: CheckEnv,
  planned: PlannedCheck[],
  sampleSize: number,
  samplesFrom: 'scan' | 'query',
) {
  const { conn, dataset } = env;
  const v = quoteIdent(dataset.view);
  const results: CheckResult[] = [];
  const runnable = planned.filter((p) => !p.column || dataset.columns.includes(p.column));
  const spec = specOf(dataset.name);
  for (const p of planned.filter((x) => !runnable.includes(x))) {
    // An optional catalog column a source does not have: nothing to check, and not an error.
    const optional = spec && columnOf(spec, p.column!)?.required === false;
    results.push(
      result(
        dataset,
        p,
        { failing: 0, total: 0 },
        optional ? 'skipped' : 'error',
        [],
        optional
          ? `skipped: optional column ${p.column} is absent from ${dataset.name}`
          : `column ${p.column} is not in ${dataset.name}`,
      ),
    );
  }
  // One scan for every row-level predicate, the row count and the missing-cell count, and each
  // predicate's sample: the keys of its first failing rows in read order (min_by over the row's
  // position), what a query per check with LIMIT would return, without the second query.
  const rowChecks = runnable.filter((p) => p.predicate);
  const missingCells = dataset.columns.map((c) => `${isBlank(quoteIdent(c))}::INTEGER`).join(' + ') || '0';
  const n = Math.floor(sampleSize);
  const inScan = samplesFrom === 'scan' && n > 0 && dataset.rowOrder !== undefined;
  // Each predicate is evaluated once, into a column the count and the sample both filter on.
  const columns = [
    `${missingCells} AS __missing`,
    ...rowChecks.map((p, i) => `(${p.predicate}) AS f${i}`),
    ...(inScan ? [`${sampleKeyOf(dataset)} AS __key`, `${quoteIdent(dataset.rowOrder!)} AS __order`] : []),
  ];
  const aggregates = [
    'count(*)::BIGINT AS __rows',
    'sum(__missing)::BIGINT AS __missing',
    ...rowChecks.map((_, i) => `count(*) FILTER (WHERE f${i})::BIGINT AS c${i}`),
    ...(inScan ? rowChecks.map((_, i) => `min_by(__key, __order, ${n}) FILTER (WHERE f${i}) AS s${i}`) : []),
  ];
  const scan = (
    await conn.runAndReadAll(`SELECT ${aggregates.join(', ')} FROM (SELECT ${columns.join(', ')} FROM ${v})`)
  ).getRowObjectsJS()[0] as Record<string, bigint | string[] | null>;
  const rows = Number(scan.__rows ?? 0n);
  const measured = new Map<PlannedCheck, Measured>();
  rowChecks.forEach((p, i) =>
    measured.set(p, {
      failing: Number(scan[`c${i}`] ?? 0n),
      total: rows,
      failingRowsSql: `SELECT * FROM ${v} WHERE ${p.predicate}`,
      ...(inScan ? { sample: ((scan[`s${i}`] as string[] | null) ?? []).map(String) } : {}),
    }),
  );
  env.ctx.logger.debug(`${dataset.name}: one scan for ${rowChecks.length} row-level checks`);
  for (const p of runnable.filter((x) => x.measure)) {
    try {
      const t = Date.now();
      measured.set(p, await p.measure!(env));
      env.ctx.logger.debug(`${dataset.name}: ${p.name} ${Date.now() - t} ms`);
    } catch (error) {
      results.push(
        result(dataset, p, { failing: 0, total: 0 }, 'error', [], (error as Error).message.split('\n')[0]),
      );
    }
  }
  for (const [p, m] of measured) {
    const status = m.note?.startsWith('skipped')
      ? 'skipped'
      : statusFor(m.failing, m.total, p.severity, p.maxPercent, p.maxCount);
    const sample =
      status === 'pass' || sampleSize === 0
        ? []
        : (m.sample ??
          (m.failingRowsSql ? await sampleKeys(conn, dataset, m.failingRowsSql, sampleSize) : []));
    results.push(result(dataset, p, m, status, sample, m.note));
  }
  const order = new Map(planned.map((p, i) => [p.name, i]));
  results.sort((a, b) => (order.get(a.check) ?? 0) - (order.get(b.check) ?? 0));
  return { results, rows, missingCells: Number(scan.__missing ?? 0n) };
}

function result(
  dataset: PreparedDataset,
  p: PlannedCheck,
  m: Measured,
  status: CheckResult['status'],
  sample: string[],
  note?: string,
): CheckResult {
  return {
    dataset: dataset.name,
    check: p.name,
    type: p.type,
    column: p.column,
    severity: p.severity,
    status,
    failing: m.failing,
    total: m.total,
    percent: m.total > 0 ? round2((m.failing / m.total) * 100) : 0,
    observed: m.observed ?? m.failing,
    threshold: p.threshold,
    sample,
    note,
  };
}

/** Keys of failing rows; a key that is PII is replaced by its position, so no PII leaves the lake. */
async function sampleKeys(
  conn: DuckDBConnection,
  dataset: PreparedDataset,
  failingRowsSql: string,
  n: number,
): Promise<string[]> {
  // In read order: the first failing rows, the same keys on every run (a join or a window
  // returns its rows in any order).
  const order = dataset.rowOrder ? ` ORDER BY ${quoteIdent(dataset.rowOrder)}` : '';
  const rows = await conn.runAndReadAll(
    `SELECT ${sampleKeyOf(dataset)} AS k FROM (${failingRowsSql})${order} LIMIT ${Math.floor(n)}`,
  );
  return rows.getRowObjectsJS().map((r) => String(r.k));
}

/** A row's sample key: its key columns joined by |, PII ones left out ('row' when none is left). */
function sampleKeyOf(dataset: PreparedDataset): string {
  const key = dataset.key.filter((k) => dataset.columns.includes(k) && !dataset.pii.includes(k));
  return key.length > 0 ? key.map((k) => `coalesce(${quoteIdent(k)}, '∅')`).join(` || '|' || `) : `'row'`;
}

/**
 * Writes every failing row of each failed check to reports/failures/<dataset>.<check>.csv, PII
 * columns left out and formula-like text cells neutralised.
 */
async function exportFailures(
  env: CheckEnv,
  planned: PlannedCheck[],
  results: CheckResult[],
): Promise<string[]> {
  const dir = path.join(env.ctx.paths.reports, 'failures');
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const pii = env.dataset.pii.filter((c) => env.dataset.columns.includes(c));
  // The row position (rowOrder) is not a column of the data.
  const hidden = [...pii, ...(env.dataset.rowOrder ? [env.dataset.rowOrder] : [])];
  const exclude = hidden.length > 0 ? ` EXCLUDE (${hidden.map(quoteIdent).join(', ')})` : '';
  for (const r of results.filter((x) => x.status === 'fail' || x.status === 'warn')) {
    const p = planned.find((x) => x.name === r.check);
    const sql = p?.predicate
      ? `SELECT * FROM ${quoteIdent(env.dataset.view)} WHERE ${p.predicate}`
      : await failingSqlOf(env, p);
    if (!sql) continue;
    const file = path.join(
      dir,
      `${env.dataset.name}.${r.check.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/_+$/, '')}.csv`,
    );
    // Text cells that a spreadsheet would run as formulas are prefixed with ' (formulaCells.ts).
    const rows = `(SELECT *${exclude} FROM (${sql}))`;
    const select = await formulaSafeSelect(env.conn, rows);
    await env.conn.run(
      `COPY (SELECT ${select} FROM ${rows}) TO ${quoteLiteral(file)} (FORMAT csv, HEADER true)`,
    );
    written.push(path.relative(env.ctx.paths.root, file));
  }
  return written;
}

async function failingSqlOf(env: CheckEnv, p: PlannedCheck | undefined): Promise<string | undefined> {
  if (!p?.measure) return undefined;
  return (await p.measure(env)).failingRowsSql;
}

/** Row counts of the most recent saved validation run, for volume change checks. */
async function previousRowCounts(reportsDir: string): Promise<Record<string, number> | undefined> {
  if (!existsSync(reportsDir)) return undefined;
  const runs = (await readdir(reportsDir)).filter((f) => /^validation_.*\.json$/.test(f)).sort();
  const last = runs.at(-1);
  if (!last) return undefined;
  const run = JSON.parse(await readFile(path.join(reportsDir, last), 'utf8')) as ValidationRun;
  return Object.fromEntries(run.datasets.map((d) => [d.name, d.rows]));
}

const round2 = (n: number) => Math.round(n * 100) / 100;

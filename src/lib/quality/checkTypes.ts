import type { DuckDBConnection } from '@duckdb/node-api';
import type { RunContext } from '../runContext.js';

export type Severity = 'error' | 'warn';

/** A dataset as the suite declares it, once its files were found and a view created over them. */
export interface PreparedDataset {
  name: string;
  /** The DuckDB view with every column as VARCHAR (typing is the checks' job). */
  view: string;
  /** Path pattern relative to the lake root. */
  path: string;
  files: string[];
  /** The columns the files have. */
  columns: string[];
  /**
   * Catalog columns none of the files has: the view holds them as NULL text (a typed NULL in
   * silver). A check on one that is optional is skipped; on a required one it is an error.
   */
  absentColumns: string[];
  key: string[];
  /** Columns that must never appear in samples or reports. */
  pii: string[];
  /**
   * The column giving each row's position in the read order (the files' order, then the rows'
   * in each file), unique per row: `__rowid`, in the loaded table or the view over the raw-zone
   * cache. Not among `columns`.
   */
  rowOrder?: string;
  /** The raw-zone cache's Parquet files the view reads, when it reads the cache (a multi-partition dataset). */
  cacheParts?: string[];
  /** The columns whose silver-typed values those parts hold too (read by prepareDatasets' typedValue). */
  cacheTyped?: string[];
}

export interface CheckEnv {
  conn: DuckDBConnection;
  ctx: RunContext;
  dataset: PreparedDataset;
  datasets: Map<string, PreparedDataset>;
  /** "Now" for freshness, pinned by --as-of. */
  asOf: Date;
  /** Row counts of the previous validation run, by dataset, for volume change. */
  previousRows?: Record<string, number>;
  /** Per-dataset results shared between checks (e.g. the distinct-row count of both duplicate checks). */
  memo: Map<string, Promise<unknown>>;
}

/** Computes `work` once per key for the dataset in `env`, sharing the result between checks. */
export function memoize<T>(env: CheckEnv, key: string, work: () => Promise<T>): Promise<T> {
  const k = `${env.dataset.name}:${key}`;
  let p = env.memo.get(k) as Promise<T> | undefined;
  if (!p) {
    p = work();
    env.memo.set(k, p);
  }
  return p;
}

export interface Measured {
  failing: number;
  total: number;
  /** What was observed, when it is not just a count of failing rows (a max, a row count, a date). */
  observed?: string | number;
  /** SQL selecting the failing rows of the dataset view, for samples and --export-failures. */
  failingRowsSql?: string;
  /** Sample keys of failing rows, when the check's own pass found them (else taken from failingRowsSql). */
  sample?: string[];
  note?: string;
}

/** One concrete check after planning, e.g. range(avg_rating) on catalog. */
export interface PlannedCheck {
  type: string;
  name: string;
  column?: string;
  severity: Severity;
  maxPercent?: number;
  maxCount?: number;
  /** Human-readable threshold for the table and report. */
  threshold: string;
  /**
   * A row-level check: TRUE for a failing row. All of a dataset's predicates are
   * counted in one aggregate scan.
   */
  predicate?: string;
  /** A check that needs its own query. */
  measure?: (env: CheckEnv) => Promise<Measured>;
}

export interface CheckOptionsBase {
  severity?: Severity;
  max_percent?: number;
  max_count?: number;
  /** SQL condition restricting the rows this check looks at, e.g. "event_type <> 'search'". */
  filter?: string;
}

/** A check type: its parameter schema, and how a declaration becomes planned checks. Registered in checkRegistry.ts. */
export interface CheckType<P = Record<string, unknown>> {
  name: string;
  description: string;
  /** JSON schema of the declaration's parameters (the severity/tolerance keys are added by the loader). */
  params: Record<string, unknown>;
  plan(params: P & CheckOptionsBase, dataset: { name: string; key: string[] }): PlannedCheck[];
}

/**
 * Declares a check type whose parameters are typed `P`. The suite loader validates every
 * declaration against the type's JSON schema before `plan` sees it, so `P` is what the schema
 * admits; this is the one place the two are tied together.
 */
export function defineCheck<P>(check: CheckType<P>): CheckType {
  return check as unknown as CheckType;
}

export function base(params: CheckOptionsBase): {
  severity: Severity;
  maxPercent?: number;
  maxCount?: number;
} {
  const p = params;
  return { severity: p.severity ?? 'error', maxPercent: p.max_percent, maxCount: p.max_count };
}

export function tolerance(params: CheckOptionsBase): string {
  const p = params;
  if (p.max_percent !== undefined) return `≤ ${p.max_percent}% rows`;
  if (p.max_count !== undefined) return `≤ ${p.max_count} rows`;
  return '0 rows';
}

/** `AND (<filter>)` for a row predicate, when the declaration has one. */
export function andFilter(params: CheckOptionsBase): string {
  const f = params.filter;
  return f ? ` AND (${f})` : '';
}

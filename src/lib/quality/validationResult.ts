import type { Outcome } from '../errors/exitCode.js';
import type { Severity } from './checkTypes.js';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skipped' | 'error';

export interface CheckResult {
  dataset: string;
  check: string;
  type: string;
  column?: string;
  severity: Severity;
  status: CheckStatus;
  /** Failing rows (or failing items: missing columns, stale datasets). */
  failing: number;
  total: number;
  percent: number;
  observed?: string | number;
  threshold: string;
  /** Up to sample_size keys of failing rows (never a PII column). */
  sample: string[];
  note?: string;
}

export interface DatasetSummary {
  name: string;
  path: string;
  files: number;
  rows: number;
  columns: number;
  missing_cells_percent: number;
  checks_passed: number;
  checks_failed: number;
}

export interface ValidationRun {
  run_id: string;
  created_at: string;
  as_of: string;
  suite: string;
  outcome: Outcome;
  fail_on: 'error' | 'warn';
  datasets: DatasetSummary[];
  /** Datasets in the suite with no files in the lake yet. */
  absent: string[];
  checks: CheckResult[];
  summary: { passed: number; failed: number; warned: number; skipped: number; errors: number };
  failures_exported?: string[];
  duration_ms: number;
}

/** pass, or fail/warn (by severity) once failing exceeds the tolerance (none given: any failing row). */
export function statusFor(
  failing: number,
  total: number,
  severity: Severity,
  maxPercent?: number,
  maxCount?: number,
): CheckStatus {
  const percent = total > 0 ? (failing / total) * 100 : 0;
  const over =
    maxPercent !== undefined
      ? percent > maxPercent
      : maxCount !== undefined
        ? failing > maxCount
        : failing > 0;
  if (!over) return 'pass';
  return severity === 'error' ? 'fail' : 'warn';
}

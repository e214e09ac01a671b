import { cacheProgressBar } from '../lib/cli/cacheProgress.js';
import { createCommandContext, type CommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import { UsageError } from '../lib/errors/errors.js';
import { runValidation } from '../lib/quality/runValidation.js';
import type { ReportFiles } from '../lib/report/writeReport.js';
import type { ValidationRun } from '../lib/quality/validationResult.js';

export interface ValidateFlags extends GlobalOptions {
  suite?: string;
  dataset?: string[];
  asOf?: string;
  failOn?: 'error' | 'warn';
  exportFailures?: boolean;
  sampleSize?: number;
  report?: boolean;
  /** List passing checks too. */
  all?: boolean;
}

export async function validateCommand(options: ValidateFlags, command = 'validate'): Promise<number> {
  // The table and the summary below are the output; the library's own lines go to the log (-v shows them).
  const ctx = createCommandContext(command, options, [], 'error');
  let asOf: Date | undefined;
  if (options.asOf) {
    asOf = new Date(options.asOf);
    if (Number.isNaN(asOf.getTime()))
      throw new UsageError(
        `--as-of ${options.asOf} is not a date or timestamp`,
        'e.g. --as-of 2026-10-31T00:00:00Z',
      );
  }
  const progress = cacheProgressBar(ctx);
  const run = await runValidation(ctx, {
    suite: options.suite,
    datasets: options.dataset,
    asOf,
    failOn: options.failOn,
    exportFailures: options.exportFailures,
    sampleSize: options.sampleSize,
    onCacheProgress: progress.onCacheProgress,
  }).finally(progress.stop);
  // The report's PDF and chart libraries load only when a report is asked for: 60 ms of every
  // validate's start-up otherwise.
  const report: ReportFiles | undefined =
    options.report || command === 'report'
      ? await (await import('../lib/report/writeReport.js')).writeReport(ctx, run)
      : undefined;
  if (ctx.json) ctx.printJson(report ? { ...run, report } : run);
  else {
    if (command !== 'report') render(ctx, run, options.all === true);
    else
      ctx.say(
        `${run.summary.passed} passed, ${run.summary.failed} failed, ${run.summary.warned} warnings: ${run.outcome === 'ok' ? 'PASS' : 'FAIL'}`,
      );
    if (report) ctx.say(`report: ${report.pdf} and ${report.html} (latest: ${report.latest_pdf})`);
  }
  // `report` succeeds when it wrote the report; the checks' verdict is in it (and in `validate`'s exit code).
  return command === 'report' ? exitCodeForOutcome('ok') : exitCodeForOutcome(run.outcome);
}

const MARK: Record<string, string> = {
  pass: 'ok',
  fail: 'FAIL',
  warn: 'warn',
  skipped: 'skip',
  error: 'ERROR',
};
/** The table's order: what needs action first. */
const RANK: Record<string, number> = { error: 0, fail: 1, warn: 2, skipped: 3, pass: 4 };
/** The table fits a terminal of this width. */
const WIDTH = 100;
/** Each column's widest; the last (sample / note) takes what is left. */
const CAPS = [5, 17, 30, 14, 14];

const clip = (text: string, width: number) =>
  text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;

/**
 * The checks that need a look (errors, failures, warnings, skips), worst first, in 100 columns;
 * passes summed up in one line unless --all lists them too.
 */
function render(ctx: CommandContext, run: ValidationRun, all: boolean): void {
  const shown = run.checks
    .filter((c) => all || c.status !== 'pass')
    .sort((a, b) => RANK[a.status]! - RANK[b.status]!);
  const rows = shown.map((c) => [
    MARK[c.status]!,
    c.dataset,
    c.check,
    String(c.observed ?? c.failing),
    c.threshold,
    c.sample.join(' ') || (c.note ?? '').replace(/^skipped: /, ''),
  ]);
  const header = ['', 'dataset', 'check', 'observed', 'threshold', 'sample / note'];
  const widths = CAPS.map((cap, i) =>
    Math.min(cap, Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length))),
  );
  const last = Math.max(10, WIDTH - widths.reduce((a, b) => a + b, 0) - 2 * widths.length);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < widths.length ? clip(c, widths[i]!).padEnd(widths[i]!) : clip(c, last)))
      .join('  ')
      .trimEnd();
  if (rows.length > 0) {
    ctx.say(line(header));
    for (const r of rows) ctx.say(line(r));
  }
  const s = run.summary;
  if (!all && s.passed > 0) ctx.say(`${s.passed} checks passed (--all lists them)`);
  if (run.absent.length > 0) ctx.say(`no data yet for: ${run.absent.join(', ')}`);
  ctx.say(
    `${s.passed} passed, ${s.failed} failed, ${s.warned} warnings, ${s.errors} errors, ${s.skipped} skipped ` +
      `(${(run.duration_ms / 1000).toFixed(1)} s). ${run.outcome === 'ok' ? 'OK' : 'FAILED (exit 1)'}`,
  );
  if (run.failures_exported?.length) ctx.say(`failing rows exported: ${run.failures_exported.join(', ')}`);
}

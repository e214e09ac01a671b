import { createCommandContext, type CommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/cli/exitCode.js';
import { UsageError } from '../lib/cli/errors.js';
import { runValidation } from '../lib/quality/runValidation.js';
import { writeReport, type ReportFiles } from '../lib/report/writeReport.js';
import type { ValidationRun } from '../lib/quality/validationResult.js';

export interface ValidateFlags extends GlobalOptions {
  suite?: string;
  dataset?: string[];
  asOf?: string;
  failOn?: 'error' | 'warn';
  exportFailures?: boolean;
  sampleSize?: number;
  report?: boolean;
}

export async function validateCommand(options: ValidateFlags, command = 'validate'): Promise<number> {
  const ctx = createCommandContext(command, options);
  let asOf: Date | undefined;
  if (options.asOf) {
    asOf = new Date(options.asOf);
    if (Number.isNaN(asOf.getTime()))
      throw new UsageError(
        `--as-of ${options.asOf} is not a date or timestamp`,
        'e.g. --as-of 2026-10-31T00:00:00Z',
      );
  }
  const run = await runValidation(ctx, {
    suite: options.suite,
    datasets: options.dataset,
    asOf,
    failOn: options.failOn,
    exportFailures: options.exportFailures,
    sampleSize: options.sampleSize,
  });
  const report: ReportFiles | undefined =
    options.report || command === 'report' ? await writeReport(ctx, run) : undefined;
  if (ctx.json) ctx.printJson(report ? { ...run, report } : run);
  else {
    if (command !== 'report') render(ctx, run);
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

function render(ctx: CommandContext, run: ValidationRun): void {
  const rows = run.checks.map((c) => [
    c.dataset,
    c.check,
    String(c.observed ?? c.failing),
    c.threshold,
    MARK[c.status]!,
    c.sample.join(' ') || c.note || '',
  ]);
  const header = ['dataset', 'check', 'observed', 'threshold', 'status', 'sample / note'];
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.slice(0, widths[i]).padEnd(widths[i]!))).join('  ');
  ctx.say(line(header));
  for (const r of rows) ctx.say(line(r));
  if (run.absent.length > 0) ctx.say(`no data yet for: ${run.absent.join(', ')}`);
  const s = run.summary;
  ctx.say(
    `${s.passed} passed, ${s.failed} failed, ${s.warned} warnings, ${s.errors} errors, ${s.skipped} skipped ` +
      `(${(run.duration_ms / 1000).toFixed(1)} s). ${run.outcome === 'ok' ? 'OK' : 'FAILED (exit 1)'}`,
  );
  if (run.failures_exported?.length) ctx.say(`failing rows exported: ${run.failures_exported.join(', ')}`);
}

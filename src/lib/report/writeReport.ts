import { MONITOR_FILE, type MonitorResult } from '../monitor/runMonitor.js';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../lake/atomicWrite.js';
import type { Leaderboard } from '../models/leaderboard.js';
import { LEADERBOARD_FILE, readJsonIfExists } from '../models/trainingInputs.js';
import type { ProfileResult } from '../profile/profileTypes.js';
import { PROFILE_LATEST } from '../profile/runProfile.js';
import type { ValidationRun } from '../quality/validationResult.js';
import { compactStamp, type RunContext } from '../runContext.js';
import { renderChart } from './renderChart.js';
import { renderHtml } from './renderHtml.js';
import { renderPdf } from './renderPdf.js';
import { buildReportModel } from './reportModel.js';

export interface ReportFiles {
  html: string;
  pdf: string;
  latest_html: string;
  latest_pdf: string;
  charts: string[];
}

/**
 * Writes reports/dq_report_<stamp>.{html,pdf} (and dq_report_latest.*) from a
 * validation run, with trends from the earlier validation_*.json runs and the
 * profile section from reports/profile_latest.json when `profile` has run, and the models
 * section from models/leaderboard.json when `evaluate` has, and the monitoring section from the
 * newest reports/monitor_*.json when `monitor` has.
 */
export async function writeReport(ctx: RunContext, run: ValidationRun): Promise<ReportFiles> {
  const dir = ctx.paths.reports;
  await mkdir(dir, { recursive: true });
  const previous: ValidationRun[] = [];
  for (const f of (await readdir(dir)).filter((n) => /^validation_.*\.json$/.test(n)).sort()) {
    const r = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as ValidationRun;
    if (r.run_id !== run.run_id) previous.push(r);
  }
  const latestProfile = path.join(dir, PROFILE_LATEST);
  const profile = existsSync(latestProfile)
    ? (JSON.parse(await readFile(latestProfile, 'utf8')) as ProfileResult)
    : undefined;
  const leaderboard = await readJsonIfExists<Leaderboard>(path.join(ctx.paths.models, LEADERBOARD_FILE));
  const monitorFile = (await readdir(dir))
    .filter((n) => MONITOR_FILE.test(n))
    .sort()
    .at(-1);
  const monitor = monitorFile
    ? await readJsonIfExists<MonitorResult>(path.join(dir, monitorFile))
    : undefined;
  const model = buildReportModel(run, previous, profile, leaderboard, monitor);
  const svgs = new Map<string, string>();
  for (const chart of model.charts) svgs.set(chart.id, await renderChart(chart.spec));
  const stamp = compactStamp(ctx.now());
  const html = path.join(dir, `dq_report_${stamp}.html`);
  const pdf = path.join(dir, `dq_report_${stamp}.pdf`);
  await writeFileAtomic(html, renderHtml(model, svgs));
  await writeFileAtomic(pdf, await renderPdf(model, svgs));
  const latestHtml = path.join(dir, 'dq_report_latest.html');
  const latestPdf = path.join(dir, 'dq_report_latest.pdf');
  await copyFile(html, latestHtml);
  await copyFile(pdf, latestPdf);
  const rel = (p: string) => path.relative(ctx.paths.root, p);
  ctx.logger.info(`report written: ${rel(pdf)} and ${rel(html)}`, { file: rel(pdf), outcome: 'ok' });
  return {
    html: rel(html),
    pdf: rel(pdf),
    latest_html: rel(latestHtml),
    latest_pdf: rel(latestPdf),
    charts: model.charts.map((c) => c.id),
  };
}

import type { TopLevelSpec } from 'vega-lite';
import type { Leaderboard } from '../models/leaderboard.js';
import type { MonitorResult } from '../monitor/runMonitor.js';
import { profileCharts, type ReportChart } from '../profile/profileCharts.js';
import { leaderboardChart } from './modelSection.js';
import type { ProfileResult } from '../profile/profileTypes.js';
import type { CheckResult, ValidationRun } from '../quality/validationResult.js';

export type { ReportChart } from '../profile/profileCharts.js';

/** Everything a report shows: the latest validation run, earlier runs for trends, and chart specs. */
export interface ReportModel {
  title: string;
  generated_at: string;
  run: ValidationRun;
  history: { created_at: string; passed: number; failed: number; warned: number; run_id: string }[];
  charts: ReportChart[];
  /** The latest `recomart profile`, when there is one (its charts are in `charts`, ids eda_* and hist_*). */
  profile?: ProfileResult;
  /** The newest `recomart evaluate` (models/leaderboard.json), when there is one. */
  leaderboard?: Leaderboard;
  /** The newest `recomart monitor` (reports/monitor_*.json), when there is one. */
  monitor?: MonitorResult;
}

const STATUS_COLORS = {
  domain: ['pass', 'warn', 'fail', 'error', 'skipped'],
  range: ['#2e7d32', '#f9a825', '#c62828', '#6a1b9a', '#9e9e9e'],
};
/** Every chart fits 500 px wide labels included, so it fits an A4 page and a laptop screen alike. */
const FONT = {
  config: { font: 'Helvetica', view: { stroke: null } },
  autosize: { type: 'fit', contains: 'padding' },
};

/** The report's data and charts (Vega-Lite) from a validation run and the runs before it. */
export function buildReportModel(
  run: ValidationRun,
  previous: ValidationRun[],
  profile?: ProfileResult,
  leaderboard?: Leaderboard,
  monitor?: MonitorResult,
): ReportModel {
  const charts: ReportChart[] = [];
  charts.push({
    id: 'outcomes',
    title: 'Check outcomes by dataset',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      width: 500,
      height: 24 * Math.max(1, run.datasets.length) + 50,
      data: { values: run.checks.map((c) => ({ dataset: c.dataset, status: c.status })) },
      mark: 'bar',
      encoding: {
        y: { field: 'dataset', type: 'nominal', title: null },
        x: { aggregate: 'count', type: 'quantitative', title: 'checks' },
        color: { field: 'status', type: 'nominal', scale: STATUS_COLORS, title: 'status' },
      },
      ...FONT,
    } as TopLevelSpec,
  });
  const missing = run.checks.filter((c) => c.type === 'missing' && c.failing > 0);
  if (missing.length > 0) {
    charts.push({
      id: 'missing',
      title: 'Missing values by column (% of rows)',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: 500,
        height: 20 * missing.length + 50,
        data: {
          values: missing.map((c) => ({
            column: `${c.dataset}.${c.column}`,
            percent: c.percent,
            status: c.status,
          })),
        },
        mark: 'bar',
        encoding: {
          y: { field: 'column', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 280 } },
          x: { field: 'percent', type: 'quantitative', title: '% missing' },
          color: { field: 'status', type: 'nominal', scale: STATUS_COLORS, legend: null },
        },
        ...FONT,
      } as TopLevelSpec,
    });
  }
  const failed = failedChecks(run);
  if (failed.length > 0) {
    charts.push({
      id: 'failing',
      title: 'Failing rows per failed check',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: 500,
        height: 20 * failed.length + 50,
        data: {
          values: failed.map((c) => ({
            check: `${c.dataset}: ${c.check}`,
            rows: c.failing,
            status: c.status,
          })),
        },
        mark: 'bar',
        encoding: {
          y: { field: 'check', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 280 } },
          x: { field: 'rows', type: 'quantitative', title: 'failing rows', scale: { type: 'symlog' } },
          color: { field: 'status', type: 'nominal', scale: STATUS_COLORS, legend: null },
        },
        ...FONT,
      } as TopLevelSpec,
    });
  }
  const history = [...previous, run]
    .sort((a, b) => a.created_at.localeCompare(b.created_at))
    .slice(-20)
    .map((r) => ({
      created_at: r.created_at,
      passed: r.summary.passed,
      failed: r.summary.failed,
      warned: r.summary.warned,
      run_id: r.run_id,
    }));
  if (history.length >= 2) charts.push(trendChart(history));
  if (leaderboard) charts.push(leaderboardChart(leaderboard));
  return {
    title: 'RecoMart data-quality report',
    generated_at: new Date().toISOString(),
    run,
    history,
    charts: [...charts, ...(profile ? profileCharts(profile) : [])],
    profile,
    ...(leaderboard ? { leaderboard } : {}),
    ...(monitor ? { monitor } : {}),
  };
}

export function failedChecks(run: ValidationRun): CheckResult[] {
  return run.checks.filter((c) => c.status === 'fail' || c.status === 'warn' || c.status === 'error');
}

/** Passed, failed and warned checks over the last runs. */
function trendChart(history: ReportModel['history']): ReportChart {
  return {
    id: 'trend',
    title: 'Trend over the last runs',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      width: 500,
      height: 160,
      data: {
        values: history.flatMap((h) =>
          (['passed', 'failed', 'warned'] as const).map((k) => ({
            run: h.created_at,
            outcome: k,
            checks: h[k],
          })),
        ),
      },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'run', type: 'temporal', title: null },
        y: { field: 'checks', type: 'quantitative' },
        color: {
          field: 'outcome',
          type: 'nominal',
          scale: { domain: ['passed', 'warned', 'failed'], range: ['#2e7d32', '#f9a825', '#c62828'] },
        },
      },
      ...FONT,
    } as TopLevelSpec,
  };
}

import type { CheckResult } from '../quality/validationResult.js';
import { edaFacts, profileOverview } from '../profile/profileSummary.js';
import { leaderboardBlocks } from './modelSection.js';
import { monitorBlocks } from './monitorSection.js';
import type { ReportBlock } from './reportBlock.js';

export type { ReportBlock, ReportTable } from './reportBlock.js';
import { failedChecks, type ReportModel } from './reportModel.js';

/** One section of the report; HTML and PDF are both drawn from its blocks. */
export interface ReportSection {
  id: string;
  title: string;
  blocks(model: ReportModel): ReportBlock[];
}

const fmt = (n: number) => n.toLocaleString('en-US');
const checkRow = (c: CheckResult) => [
  c.dataset,
  c.check,
  String(c.observed ?? c.failing),
  c.threshold,
  c.status,
  c.sample.join(', ') || c.note || '',
];
const CHECK_COLUMNS = ['dataset', 'check', 'observed', 'threshold', 'status', 'sample keys / note'];

/** The report's sections, in order. Another issue's section (e.g. profiling) is one more entry here. */
export const reportSections: ReportSection[] = [
  {
    id: 'summary',
    title: 'Summary',
    blocks: ({ run }) => [
      {
        kind: 'facts',
        facts: [
          ['Overall status', run.outcome === 'ok' ? 'PASS' : 'FAIL'],
          [
            'Checks',
            `${run.summary.passed} passed, ${run.summary.failed} failed, ${run.summary.warned} warnings, ${run.summary.errors} errors, ${run.summary.skipped} skipped`,
          ],
          [
            'Datasets',
            `${run.datasets.length} validated${run.absent.length ? `; no data yet: ${run.absent.join(', ')}` : ''}`,
          ],
          ['Validated at', run.created_at],
          ['Freshness measured at', run.as_of],
          ['Rule suite', run.suite],
          ['Run id', run.run_id],
          ['Fails on', `${run.fail_on}-level checks`],
        ],
      },
    ],
  },
  {
    id: 'datasets',
    title: 'Datasets',
    blocks: ({ run }) => [
      {
        kind: 'table',
        table: {
          columns: ['dataset', 'files', 'rows', 'columns', 'missing cells', 'checks passed', 'checks failed'],
          rows: run.datasets.map((d) => [
            d.name,
            fmt(d.files),
            fmt(d.rows),
            String(d.columns),
            `${d.missing_cells_percent}%`,
            String(d.checks_passed),
            String(d.checks_failed),
          ]),
          status: run.datasets.map((d) => (d.checks_failed > 0 ? 'fail' : 'pass')),
        },
      },
    ],
  },
  {
    id: 'charts',
    title: 'Charts',
    blocks: ({ charts }) =>
      charts
        .filter(
          (c) =>
            c.id !== 'trend' &&
            c.id !== 'leaderboard' &&
            !c.id.startsWith('eda_') &&
            !c.id.startsWith('hist_'),
        )
        .map((c) => ({ kind: 'chart', chartId: c.id }) as const),
  },
  {
    id: 'profile',
    title: 'Profile and recommender EDA',
    blocks: ({ profile, charts }) => {
      if (!profile) return [{ kind: 'text', text: 'No profile yet: `recomart profile` adds this section.' }];
      const blocks: ReportBlock[] = [
        {
          kind: 'text',
          text: `From recomart profile at ${profile.created_at} (reports/profile_latest.json).`,
        },
        {
          kind: 'table',
          table: profileOverview(profile),
        },
      ];
      const eda = profile.eda;
      if (eda) blocks.push({ kind: 'facts', facts: edaFacts(eda) });
      blocks.push(
        ...charts
          .filter((c) => c.id.startsWith('eda_'))
          .map((c) => ({ kind: 'chart', chartId: c.id }) as const),
      );
      if (profile.alerts.length > 0)
        blocks.push({
          kind: 'table',
          table: {
            columns: ['alert', 'dataset', 'column', 'detail', 'threshold'],
            rows: profile.alerts.map((a) => [a.kind, a.dataset, a.column, a.message, String(a.threshold)]),
            status: profile.alerts.map(() => 'warn'),
          },
        });
      blocks.push(
        { kind: 'text', text: 'Distributions of the numeric columns:' },
        ...charts
          .filter((c) => c.id.startsWith('hist_'))
          .map((c) => ({ kind: 'chart', chartId: c.id }) as const),
      );
      return blocks;
    },
  },
  {
    id: 'models',
    title: 'Recommender leaderboard',
    blocks: ({ leaderboard }) => leaderboardBlocks(leaderboard),
  },
  {
    id: 'monitoring',
    title: 'Serving and drift',
    blocks: ({ monitor }) => monitorBlocks(monitor),
  },
  {
    id: 'failures',
    title: 'Failed checks',
    blocks: (model) => {
      const failed = failedChecks(model.run);
      if (failed.length === 0) return [{ kind: 'text', text: 'Every check passed.' }];
      return [
        {
          kind: 'text',
          text: `${failed.length} checks did not pass. Sample keys identify failing rows (PII columns are never shown); \`recomart validate --export-failures\` writes every failing row to reports/failures/.`,
        },
        {
          kind: 'table',
          table: { columns: CHECK_COLUMNS, rows: failed.map(checkRow), status: failed.map((c) => c.status) },
        },
      ];
    },
  },
  {
    id: 'manifests',
    title: 'Manifest integrity',
    blocks: ({ run }) => {
      const m = run.checks.filter((c) => c.type === 'manifest');
      return [
        {
          kind: 'text',
          text: 'Every file of each dataset is re-read and compared with its manifest (md5, record count, size), as `recomart verify` does.',
        },
        {
          kind: 'table',
          table: {
            columns: ['dataset', 'files', 'status', 'problems'],
            rows: m.map((c) => [c.dataset, String(c.total), c.status, c.note ?? '']),
            status: m.map((c) => c.status),
          },
        },
      ];
    },
  },
  {
    id: 'trend',
    title: 'Trend',
    blocks: ({ history, charts }) =>
      history.length < 2
        ? [{ kind: 'text', text: 'The first validation run: trends appear from the second run on.' }]
        : [
            ...(charts.some((c) => c.id === 'trend') ? [{ kind: 'chart', chartId: 'trend' } as const] : []),
            {
              kind: 'table',
              table: {
                columns: ['run', 'passed', 'warnings', 'failed'],
                rows: history.map((h) => [
                  h.created_at,
                  String(h.passed),
                  String(h.warned),
                  String(h.failed),
                ]),
              },
            },
          ],
  },
  {
    id: 'all-checks',
    title: 'All checks',
    blocks: ({ run }) => [
      {
        kind: 'table',
        table: {
          columns: CHECK_COLUMNS,
          rows: run.checks.map(checkRow),
          status: run.checks.map((c) => c.status),
        },
      },
    ],
  },
];

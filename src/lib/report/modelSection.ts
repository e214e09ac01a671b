import type { TopLevelSpec } from 'vega-lite';
import type { Leaderboard } from '../models/leaderboard.js';
import type { ReportChart } from '../profile/profileCharts.js';
import type { ReportBlock } from './reportBlock.js';

/** The leaderboard's headline metrics, in the report's table and chart order. */
const METRICS = [
  'ndcg@10',
  'precision@10',
  'recall@10',
  'map@10',
  'hit_rate@10',
  'coverage@10',
  'novelty@10',
];

const headline = (board: Leaderboard) =>
  board.rows.filter((r) => r.target === 'purchases' && r.segment === 'all');

/** NDCG@10, recall@10 and hit rate@10 per model, the oracle's bar the ceiling. */
export function leaderboardChart(board: Leaderboard): ReportChart {
  const shown = ['ndcg@10', 'recall@10', 'hit_rate@10'];
  return {
    id: 'leaderboard',
    title: 'Recommenders on the purchases after T (all test users)',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      width: 500,
      height: 150,
      data: {
        values: headline(board).flatMap((r) =>
          shown.map((metric) => ({ model: r.model, metric, value: r.metrics[metric] ?? 0 })),
        ),
      },
      mark: 'bar',
      encoding: {
        x: { field: 'model', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } },
        xOffset: { field: 'metric', type: 'nominal', sort: shown },
        y: { field: 'value', type: 'quantitative', title: null },
        color: {
          field: 'metric',
          type: 'nominal',
          scale: { domain: shown, range: ['#1565c0', '#2e7d32', '#f9a825'] },
          title: null,
        },
      },
      config: { font: 'Helvetica', view: { stroke: null } },
      autosize: { type: 'fit', contains: 'padding' },
    } as TopLevelSpec,
  };
}

/** The report's model section: the newest `recomart evaluate` (models/leaderboard.json). */
export function leaderboardBlocks(board: Leaderboard | undefined): ReportBlock[] {
  if (!board)
    return [
      {
        kind: 'text',
        text: "No evaluation yet: `recomart evaluate` (or the run's evaluate stage) adds this section.",
      },
    ];
  const rows = headline(board);
  const segments = ['cold', 'warm', 'heavy'] as const;
  const ndcgIn = (model: string, segment: string) =>
    board.rows.find((r) => r.model === model && r.target === 'purchases' && r.segment === segment);
  return [
    {
      kind: 'facts',
      facts: [
        ['Trained as of', board.as_of],
        [
          'Tested on',
          `purchases in (${board.test_window.from_exclusive}, ${board.test_window.to_inclusive}]`,
        ],
        ['Test users', `${board.test_users.purchases} (purchases), ${board.test_users.carts} (carts)`],
        ['Earlier purchases', board.exclude_bought ? 'excluded from the candidates' : 'allowed'],
        ['Feature versions', board.features.map((f) => `${f.view} v${f.version}`).join(', ')],
        ['Evaluation', `models/evaluations/${board.run_id}.json`],
      ],
    },
    { kind: 'chart', chartId: 'leaderboard' },
    {
      kind: 'table',
      table: {
        columns: ['model', ...METRICS, 'cold-start'],
        rows: rows.map((r) => [
          r.model,
          ...METRICS.map((m) => (r.metrics[m] ?? 0).toFixed(4)),
          `${r.cold_start_users}/${r.users}`,
        ]),
      },
    },
    {
      kind: 'text',
      text: `NDCG@10 by segment (before T: cold < 3 items, heavy ≥ 20). The oracle ranks by the simulator's true taste: the ceiling on this data.`,
    },
    {
      kind: 'table',
      table: {
        columns: ['model', ...segments.map((s) => `${s} (users)`)],
        rows: rows.map((r) => [
          r.model,
          ...segments.map((s) => {
            const row = ndcgIn(r.model, s);
            return row ? `${row.metrics['ndcg@10']!.toFixed(4)} (${row.users})` : '–';
          }),
        ]),
      },
    },
  ];
}

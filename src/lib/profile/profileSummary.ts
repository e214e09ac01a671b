import type { ProfileResult, RecommenderEda } from './profileTypes.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** The per-dataset overview table, as `recomart profile` prints it and the report shows it. */
export function profileOverview(profile: ProfileResult): { columns: string[]; rows: string[][] } {
  return {
    columns: ['dataset', 'rows', 'columns', 'missing cells', 'duplicate rows', 'files', 'MB', 'coverage'],
    rows: profile.datasets.map((d) => [
      d.name,
      fmt(d.rows),
      String(d.columns),
      `${d.missing_cells_percent}%`,
      `${d.duplicate_rows_percent}%`,
      fmt(d.files),
      (d.bytes / 1e6).toFixed(1),
      d.date_coverage ? `${d.date_coverage.min.slice(0, 10)} … ${d.date_coverage.max.slice(0, 10)}` : '',
    ]),
  };
}

/** The EDA's headline figures as label–value pairs, for the command's summary and the report. */
export function edaFacts(eda: RecommenderEda): [string, string][] {
  return [
    ['Interactions', `${fmt(eda.interactions)} by ${fmt(eda.users)} users on ${fmt(eda.items)} items`],
    [
      'Sparsity',
      `${(eda.sparsity.overall.sparsity * 100).toFixed(3)}% of active user–item pairs empty` +
        (eda.sparsity.catalog
          ? `; ${(eda.sparsity.catalog.sparsity * 100).toFixed(3)}% over all customers × catalogue`
          : ''),
    ],
    [
      'Long tail',
      `top 20% of items get ${(eda.per_item.top20_share * 100).toFixed(1)}% of interactions; Gini items ${eda.per_item.gini}, users ${eda.per_user.gini}`,
    ],
    [
      'Funnel (sessions)',
      `view ${fmt(eda.funnel.sessions.with_view)} → cart ${fmt(eda.funnel.sessions.with_cart)} → purchase ${fmt(eda.funnel.sessions.with_purchase)}` +
        ` (view→purchase ${eda.funnel.view_to_purchase ?? '–'})`,
    ],
    [
      'Cold start',
      `${fmt(eda.cold_start.users_below)} users and ${fmt(eda.cold_start.items_below)} items with < ${eda.cold_start.threshold} interactions` +
        (eda.cold_start.catalog_items_without_interactions !== undefined
          ? `; ${fmt(eda.cold_start.catalog_items_without_interactions)} catalogue items never seen`
          : ''),
    ],
  ];
}

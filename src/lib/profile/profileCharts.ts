import type { TopLevelSpec } from 'vega-lite';
import type { Bin, DatasetProfile, ProfileResult } from './profileTypes.js';

/** One chart of the profile and the report: a Vega-Lite spec, rendered to SVG where a renderer runs. */
export interface ReportChart {
  id: string;
  title: string;
  spec: TopLevelSpec;
}

const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  config: { font: 'Helvetica', view: { stroke: null } },
  autosize: { type: 'fit', contains: 'padding' },
};
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Power-of-two buckets as labelled bars (1, 2–3, 4–7 …): readable where a linear axis squeezes them. */
const bucketChart = (id: string, title: string, bins: Bin[], y: string): ReportChart => ({
  id,
  title,
  spec: {
    ...BASE,
    width: 500,
    height: 140,
    data: {
      values: bins.map((b, i) => ({
        bucket: b.to - b.from <= 1 ? String(b.from) : `${b.from}–${b.to - 1}`,
        order: i,
        count: b.count,
      })),
    },
    mark: { type: 'bar', color: '#1565c0' },
    encoding: {
      x: {
        field: 'bucket',
        type: 'ordinal',
        sort: { field: 'order' },
        title: 'interactions',
        axis: { labelAngle: -35 },
      },
      y: { field: 'count', type: 'quantitative', title: y },
    },
  } as TopLevelSpec,
});

const binChart = (
  id: string,
  title: string,
  bins: Bin[],
  x: string,
  y: string,
  height = 140,
): ReportChart => ({
  id,
  title,
  spec: {
    ...BASE,
    width: 500,
    height,
    data: { values: bins.map((b) => ({ from: b.from, to: b.to, count: b.count })) },
    mark: { type: 'bar', color: '#1565c0' },
    encoding: {
      x: { field: 'from', type: 'quantitative', bin: { binned: true }, title: x },
      x2: { field: 'to' },
      y: { field: 'count', type: 'quantitative', title: y },
    },
  } as TopLevelSpec,
});

/**
 * The profile's charts as Vega-Lite specs: the EDA (per-user and per-item
 * distributions, long tail, hour × weekday heatmap, funnel, ratings, categories)
 * and a histogram of every numeric column. The same specs become the SVG files
 * beside profile_<stamp>.json and the report's profile section. Data is copied: Vega tags the
 * objects it is given.
 */
export function profileCharts(profile: ProfileResult): ReportChart[] {
  return [...edaCharts(profile.eda), ...profile.datasets.flatMap(datasetCharts)];
}

/** The recommender EDA's charts. */
export function edaCharts(eda: ProfileResult['eda']): ReportChart[] {
  const charts: ReportChart[] = [];
  if (eda) {
    charts.push(
      bucketChart('eda_per_user', 'Interactions per user', eda.per_user.histogram, 'users'),
      bucketChart('eda_per_item', 'Interactions per item', eda.per_item.histogram, 'items'),
      {
        id: 'eda_long_tail',
        title: `Popularity long tail: the top 20% of items get ${(eda.per_item.top20_share * 100).toFixed(1)}% of interactions`,
        spec: {
          ...BASE,
          width: 500,
          height: 180,
          data: { values: eda.per_item.long_tail_curve.map((p) => ({ ...p })) },
          layer: [
            {
              mark: { type: 'area', color: '#90caf9', line: { color: '#1565c0' } },
              encoding: {
                x: { field: 'item_percent', type: 'quantitative', title: '% of items (most popular first)' },
                y: {
                  field: 'interaction_percent',
                  type: 'quantitative',
                  title: '% of interactions',
                  scale: { domain: [0, 100] },
                },
              },
            },
            { mark: { type: 'rule', color: '#c62828', strokeDash: [4, 4] }, encoding: { x: { datum: 20 } } },
          ],
        } as TopLevelSpec,
      },
    );
    if (eda.activity.length > 0)
      charts.push({
        id: 'eda_heatmap',
        title: 'Clickstream activity by weekday and hour (UTC)',
        spec: {
          ...BASE,
          width: 500,
          height: 170,
          data: { values: eda.activity.map((a) => ({ ...a, day: WEEKDAYS[a.weekday - 1] })) },
          mark: 'rect',
          encoding: {
            x: { field: 'hour', type: 'ordinal', title: 'hour' },
            y: { field: 'day', type: 'ordinal', sort: WEEKDAYS, title: null },
            color: { field: 'events', type: 'quantitative', scale: { scheme: 'blues' } },
          },
        } as TopLevelSpec,
      });
    charts.push({
      id: 'eda_funnel',
      title: 'Funnel: sessions with a view, an add-to-cart, a purchase',
      spec: {
        ...BASE,
        width: 500,
        height: 110,
        data: {
          values: [
            { step: '1 view', sessions: eda.funnel.sessions.with_view },
            { step: '2 add to cart', sessions: eda.funnel.sessions.with_cart },
            { step: '3 purchase', sessions: eda.funnel.sessions.with_purchase },
          ],
        },
        mark: { type: 'bar', color: '#2e7d32' },
        encoding: {
          y: { field: 'step', type: 'nominal', title: null },
          x: { field: 'sessions', type: 'quantitative' },
        },
      } as TopLevelSpec,
    });
    if (eda.ratings && eda.ratings.length > 0)
      charts.push({
        id: 'eda_ratings',
        title: 'Ratings given in transactions',
        spec: {
          ...BASE,
          width: 500,
          height: 120,
          data: { values: eda.ratings.map((r) => ({ ...r })) },
          mark: { type: 'bar', color: '#f9a825' },
          encoding: {
            x: { field: 'rating', type: 'ordinal' },
            y: { field: 'count', type: 'quantitative', title: 'transactions' },
          },
        } as TopLevelSpec,
      });
    if (eda.categories && eda.categories.length > 0)
      charts.push({
        id: 'eda_categories',
        title: 'Category popularity (interactions, top 20)',
        spec: {
          ...BASE,
          width: 500,
          height: 14 * eda.categories.length + 40,
          data: { values: eda.categories.map((c) => ({ ...c })) },
          mark: { type: 'bar', color: '#6a1b9a' },
          encoding: {
            y: { field: 'category', type: 'nominal', sort: '-x', title: null },
            x: { field: 'interactions', type: 'quantitative' },
          },
        } as TopLevelSpec,
      });
  }
  return charts;
}

/** A dataset's charts (its columns' histograms), in the order profileCharts lists them. */
export function datasetCharts(d: DatasetProfile): ReportChart[] {
  return d.variables
    .filter((v) => v.histogram && v.histogram.length > 1)
    .map((v) =>
      binChart(`hist_${d.name}_${v.name}`, `${d.name}.${v.name}`, v.histogram!, v.name, 'rows', 90),
    );
}

import { columnOf, specOf } from '../../datasets/datasetCatalog.js';
import { quoteIdent } from '../../duck/sqlText.js';
import { cacheScan, typedValue } from '../../rawzone/prepareDatasets.js';
import { base, defineCheck, type PreparedDataset } from '../checkTypes.js';

/** How far past --as-of a value may lie before it is a failure, unless the check sets max_future_hours. */
export const DEFAULT_MAX_FUTURE_HOURS = 1;

/**
 * Freshness: the newest timestamp (or date) in a column is no older than max_age_hours before
 * --as-of, and no value lies more than max_future_hours after it. A date in the future (9999-12-31,
 * a timezone read wrongly) is not fresh data but a defect: each such row fails the check.
 */
export const freshnessCheck = defineCheck<{
  column: string;
  max_age_hours: number;
  max_future_hours?: number;
}>({
  name: 'freshness',
  description: 'newest value no older than a limit, none in the future',
  params: {
    type: 'object',
    required: ['column', 'max_age_hours'],
    properties: {
      column: { type: 'string' },
      max_age_hours: { type: 'number', exclusiveMinimum: 0 },
      max_future_hours: { type: 'number', minimum: 0 },
    },
  },
  plan: (params) => {
    const maxAge = params.max_age_hours;
    const maxFuture = params.max_future_hours ?? DEFAULT_MAX_FUTURE_HOURS;
    return [
      {
        type: 'freshness',
        name: `freshness(${params.column})`,
        column: params.column,
        ...base(params),
        threshold: `newest ≤ ${maxAge} h old, none > ${maxFuture} h ahead`,
        measure: async ({ conn, dataset, asOf }) => {
          const c = quoteIdent(params.column);
          const text = `try_cast(trim(${c}) AS TIMESTAMPTZ)`;
          const horizon = asOf.getTime() + maxFuture * 3_600_000;
          const ahead = `epoch_ms(${text}) > ${horizon}`;
          // A TIMESTAMP column's cache parts hold it parsed to the same instant (castExpression):
          // read there, the newest value costs no parsing (2M events: 226 ms → 30 ms).
          const cached = dataset.cacheParts && isCachedTimestamp(dataset, params.column);
          const value = cached ? typedValue(dataset, params.column, 'TIMESTAMP') : text;
          const r = await conn.runAndReadAll(
            `SELECT epoch_ms(max(${value}) FILTER (WHERE NOT (epoch_ms(${value}) > ${horizon})))::BIGINT AS newest,
                    count(*) FILTER (WHERE epoch_ms(${value}) > ${horizon})::BIGINT AS ahead,
                    epoch_ms(max(${value}))::BIGINT AS furthest,
                    count(*)::BIGINT AS total
             FROM ${cached ? cacheScan(dataset.cacheParts!) : quoteIdent(dataset.view)}`,
          );
          const row = r.getRowObjectsJS()[0] as Record<string, bigint | null>;
          const future = Number(row.ahead ?? 0);
          if (future > 0) {
            return {
              failing: future,
              total: Number(row.total),
              observed: `${future} in the future, up to ${new Date(Number(row.furthest)).toISOString()}`,
              failingRowsSql: `SELECT * FROM ${quoteIdent(dataset.view)} WHERE ${ahead}`,
              note: `values more than ${maxFuture} h after ${asOf.toISOString()}`,
            };
          }
          if (row.newest === null)
            return { failing: 1, total: 1, observed: 'no timestamps', note: 'no parseable value' };
          const ageHours = (asOf.getTime() - Number(row.newest)) / 3_600_000;
          return {
            failing: ageHours > maxAge ? 1 : 0,
            total: 1,
            observed: `${new Date(Number(row.newest)).toISOString()} (${ageHours.toFixed(1)} h old)`,
          };
        },
      },
    ];
  },
});

/** Whether the dataset's cache parts hold `column` typed, as the catalog's TIMESTAMP. */
function isCachedTimestamp(dataset: PreparedDataset, column: string): boolean {
  const spec = specOf(dataset.name);
  return (
    (dataset.cacheTyped?.includes(column) ?? false) &&
    spec !== undefined &&
    columnOf(spec, column)?.type === 'TIMESTAMP'
  );
}

import { quoteIdent } from '../../duck/sqlText.js';
import { base, defineCheck } from '../checkTypes.js';

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
          const value = `try_cast(trim(${c}) AS TIMESTAMPTZ)`;
          const horizon = asOf.getTime() + maxFuture * 3_600_000;
          const ahead = `epoch_ms(${value}) > ${horizon}`;
          const r = await conn.runAndReadAll(
            `SELECT epoch_ms(max(${value}) FILTER (WHERE NOT (${ahead})))::BIGINT AS newest,
                    count(*) FILTER (WHERE ${ahead})::BIGINT AS ahead,
                    epoch_ms(max(${value}))::BIGINT AS furthest,
                    count(*)::BIGINT AS total
             FROM ${quoteIdent(dataset.view)}`,
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

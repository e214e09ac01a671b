import { quoteIdent } from '../../duck/sqlText.js';
import { base, type CheckType } from '../checkTypes.js';

/** Freshness: the newest timestamp (or date) in a column is no older than max_age_hours before --as-of. */
export const freshnessCheck: CheckType = {
  name: 'freshness',
  description: 'newest value no older than a limit',
  params: {
    type: 'object',
    required: ['column', 'max_age_hours'],
    properties: { column: { type: 'string' }, max_age_hours: { type: 'number', exclusiveMinimum: 0 } },
  },
  plan: (params) => [
    {
      type: 'freshness',
      name: `freshness(${params.column as string})`,
      column: params.column as string,
      ...base(params),
      threshold: `newest ≤ ${params.max_age_hours as number} h old`,
      measure: async ({ conn, dataset, asOf }) => {
        const c = quoteIdent(params.column as string);
        const r = await conn.runAndReadAll(
          `SELECT epoch_ms(max(try_cast(trim(${c}) AS TIMESTAMPTZ)))::BIGINT AS newest FROM ${quoteIdent(dataset.view)}`,
        );
        const newest = (r.getRowObjectsJS()[0] as { newest: bigint | null }).newest;
        if (newest === null)
          return { failing: 1, total: 1, observed: 'no timestamps', note: 'no parseable value' };
        const ageHours = (asOf.getTime() - Number(newest)) / 3_600_000;
        return {
          failing: ageHours > (params.max_age_hours as number) ? 1 : 0,
          total: 1,
          observed: `${new Date(Number(newest)).toISOString()} (${ageHours.toFixed(1)} h old)`,
        };
      },
    },
  ],
};

import { quoteIdent } from '../../duck/sqlText.js';
import { base, defineCheck } from '../checkTypes.js';

/** Volume: row count within bounds, and not changed by more than max_change_percent since the previous validation run. */
export const volumeCheck = defineCheck<{ min_rows?: number; max_rows?: number; max_change_percent?: number }>(
  {
    name: 'volume',
    description: 'row count bounds and change versus the previous run',
    params: {
      type: 'object',
      properties: {
        min_rows: { type: 'integer', minimum: 0 },
        max_rows: { type: 'integer', minimum: 0 },
        max_change_percent: { type: 'number', minimum: 0 },
      },
    },
    plan: (params) => {
      const min = params.min_rows;
      const max = params.max_rows;
      const change = params.max_change_percent;
      const bounds = [
        min !== undefined ? `≥ ${min} rows` : '',
        max !== undefined ? `≤ ${max} rows` : '',
        change !== undefined ? `change ≤ ${change}%` : '',
      ]
        .filter(Boolean)
        .join(', ');
      return [
        {
          type: 'volume',
          name: 'volume',
          ...base(params),
          threshold: bounds || 'any',
          measure: async ({ dataset, previousRows, conn }) => {
            const rows = Number(
              (
                (
                  await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(dataset.view)}`)
                ).getRowObjectsJS()[0] as { n: bigint }
              ).n,
            );
            const problems: string[] = [];
            if (min !== undefined && rows < min) problems.push(`below ${min}`);
            if (max !== undefined && rows > max) problems.push(`above ${max}`);
            const prev = previousRows?.[dataset.name];
            let note: string | undefined;
            if (change !== undefined && prev !== undefined && prev > 0) {
              const pct = (Math.abs(rows - prev) / prev) * 100;
              note = `${pct.toFixed(1)}% change from ${prev} rows`;
              if (pct > change) problems.push(`changed ${pct.toFixed(1)}%`);
            } else if (change !== undefined) note = 'no previous run to compare with';
            return {
              failing: problems.length > 0 ? 1 : 0,
              total: 1,
              observed: rows,
              note: [problems.join(', '), note].filter(Boolean).join('; ') || undefined,
            };
          },
        },
      ];
    },
  },
);

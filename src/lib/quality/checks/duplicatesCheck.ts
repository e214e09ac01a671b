import { quoteIdent } from '../../duck/sqlText.js';
import { base, tolerance, type CheckType } from '../checkTypes.js';

/**
 * Duplicates. `row`: rows identical in every column; the count is the surplus
 * copies. `columns: [...]`: distinct rows that share a key, i.e. conflicting
 * versions of one entity; the count is the surplus versions. Exact copies are
 * counted by `row`, not again here, so the two never overlap.
 */
export const duplicatesCheck: CheckType = {
  name: 'duplicates',
  description: 'duplicate rows, or conflicting rows sharing a key',
  params: {
    type: 'object',
    oneOf: [{ required: ['row'] }, { required: ['columns'] }],
    properties: { row: { const: true }, columns: { type: 'array', items: { type: 'string' }, minItems: 1 } },
  },
  plan: (params) => {
    const keyCols = params.columns as string[] | undefined;
    return [
      {
        type: 'duplicates',
        name: keyCols ? `duplicates(${keyCols.join(', ')})` : 'duplicates(row)',
        column: keyCols?.[0],
        ...base(params),
        threshold: tolerance(params),
        measure: async ({ conn, dataset }) => {
          const all = dataset.columns.map(quoteIdent).join(', ');
          const v = quoteIdent(dataset.view);
          if (!keyCols) {
            const r = await conn.runAndReadAll(
              `SELECT count(*)::BIGINT AS n, count(DISTINCT row(${all}))::BIGINT AS d FROM ${v}`,
            );
            const { n, d } = r.getRowObjectsJS()[0] as { n: bigint; d: bigint };
            return {
              failing: Number(n - d),
              total: Number(n),
              failingRowsSql: `SELECT * FROM ${v} QUALIFY count(*) OVER (PARTITION BY ${all}) > 1`,
            };
          }
          const key = keyCols.map(quoteIdent).join(', ');
          const present = keyCols.map((c) => `${quoteIdent(c)} IS NOT NULL`).join(' AND ');
          const r = await conn.runAndReadAll(
            `SELECT count(*)::BIGINT AS n, count(DISTINCT row(${all}))::BIGINT AS rows, count(DISTINCT row(${key}))::BIGINT AS keys
             FROM ${v} WHERE ${present}`,
          );
          const { n, rows, keys } = r.getRowObjectsJS()[0] as { n: bigint; rows: bigint; keys: bigint };
          return {
            failing: Number(rows - keys),
            total: Number(n),
            failingRowsSql: `SELECT * FROM ${v} WHERE ${present} QUALIFY count(DISTINCT row(${all})) OVER (PARTITION BY ${key}) > 1`,
          };
        },
      },
    ];
  },
};

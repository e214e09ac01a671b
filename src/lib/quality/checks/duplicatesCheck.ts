import { quoteIdent } from '../../duck/sqlText.js';
import { base, memoize, tolerance, type CheckEnv, type CheckType } from '../checkTypes.js';

/**
 * Duplicates. `row`: rows identical in every column; the count is the surplus
 * copies. `columns: [...]`: distinct rows that share a key, i.e. conflicting
 * versions of one entity; the count is the surplus versions. Exact copies are
 * counted by `row`, not again here, so the two never overlap.
 *
 * Rows are compared by a 64-bit hash of all their columns (DuckDB's hash()),
 * computed once per dataset for both checks: far cheaper than distinct structs
 * of strings; a false match needs a hash collision (about 1 in 10^5 for 20M rows).
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
        measure: async (env) => {
          const { dataset } = env;
          const all = dataset.columns.map(quoteIdent).join(', ');
          const v = quoteIdent(dataset.view);
          const rowHash = `hash(${all})`;
          if (!keyCols) {
            const { n, d } = await memoize(env, 'distinct-rows', () =>
              one<{ n: bigint; d: bigint }>(
                env,
                `SELECT count(*)::BIGINT AS n, count(DISTINCT ${rowHash})::BIGINT AS d FROM ${v}`,
              ),
            );
            return {
              failing: Number(n - d),
              total: Number(n),
              failingRowsSql: `SELECT * FROM ${v} QUALIFY count(*) OVER (PARTITION BY ${rowHash}) > 1`,
            };
          }
          const key = keyCols.map(quoteIdent).join(', ');
          const present = keyCols.map((c) => `${quoteIdent(c)} IS NOT NULL`).join(' AND ');
          const r = await one<{ n: bigint; rows: bigint; keys: bigint }>(
            env,
            `SELECT count(*)::BIGINT AS n, count(DISTINCT ${rowHash})::BIGINT AS rows, count(DISTINCT hash(${key}))::BIGINT AS keys FROM ${v} WHERE ${present}`,
          );
          return {
            failing: Number(r.rows - r.keys),
            total: Number(r.n),
            failingRowsSql: `SELECT * FROM ${v} WHERE ${present} QUALIFY count(DISTINCT ${rowHash}) OVER (PARTITION BY ${key}) > 1`,
          };
        },
      },
    ];
  },
};

async function one<T>(env: CheckEnv, sql: string): Promise<T> {
  return (await env.conn.runAndReadAll(sql)).getRowObjectsJS()[0] as T;
}

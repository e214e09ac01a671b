import { quoteIdent } from '../../duck/sqlText.js';
import { queryRow } from '../../duck/rows.js';
import { base, memoize, tolerance, type CheckEnv, defineCheck } from '../checkTypes.js';

/**
 * Duplicates. `row`: rows identical in every column; the count is the surplus
 * copies. `columns: [...]` (or `key: true`, the dataset's key): distinct rows that share a key, i.e. conflicting
 * versions of one entity; the count is the surplus versions. Exact copies are
 * counted by `row`, not again here, so the two never overlap.
 *
 * Rows are compared by a 64-bit hash of all their columns (DuckDB's hash()),
 * computed in one scan for both checks when the key is the dataset's: far cheaper than distinct structs
 * of strings; a false match needs a hash collision (about 1 in 10^5 for 20M rows). When every row
 * has a distinct key, the rows are known distinct from the keys alone (sharedCounts).
 */
export const duplicatesCheck = defineCheck<{ row?: boolean; columns?: string[]; key?: boolean }>({
  name: 'duplicates',
  description: 'duplicate rows, or conflicting rows sharing a key',
  params: {
    type: 'object',
    oneOf: [{ required: ['row'] }, { required: ['columns'] }, { required: ['key'] }],
    properties: {
      row: { const: true },
      columns: { type: 'array', items: { type: 'string' }, minItems: 1 },
      /** The dataset's key (the catalog's, or sources.<dataset>.key). */
      key: { const: true },
    },
  },
  plan: (params, dataset) => {
    const keyCols = params.key ? dataset.key : params.columns;
    return [
      {
        type: 'duplicates',
        name: keyCols ? `duplicates(${keyCols.join(', ')})` : 'duplicates(row)',
        column: keyCols?.[0],
        ...base(params),
        threshold: tolerance(params),
        measure: async (env) => {
          const { dataset } = env;
          const v = quoteIdent(dataset.view);
          const rowHash = `hash(${dataset.columns.map(quoteIdent).join(', ')})`;
          const presentOf = (cols: string[]) => cols.map((c) => `${quoteIdent(c)} IS NOT NULL`).join(' AND ');
          // One scan for both checks when the key checked is the dataset's key (the usual case):
          // the row hash is computed once, and each distinct count is one hash table over it.
          const datasetKey = dataset.key.filter((k) => dataset.columns.includes(k));
          const shared = () =>
            memoize(env, 'duplicates', () =>
              datasetKey.length > 0 ? sharedCounts(env, rowHash, datasetKey) : rowCounts(env, rowHash),
            );
          if (!keyCols) {
            const { n, d } = await shared();
            return {
              failing: Number(n - d),
              total: Number(n),
              failingRowsSql: `SELECT * FROM ${v} QUALIFY count(*) OVER (PARTITION BY ${rowHash}) > 1`,
            };
          }
          const key = keyCols.map(quoteIdent).join(', ');
          const present = presentOf(keyCols);
          const r =
            keyCols.join('\0') === datasetKey.join('\0')
              ? await shared().then((x) => ({ n: x.kn!, rows: x.krows!, keys: x.kkeys! }))
              : await one<{ n: bigint; rows: bigint; keys: bigint }>(
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
});

const one = <T>(env: CheckEnv, sql: string) => queryRow<T>(env.conn, sql);

interface Counts {
  /** Rows, and distinct rows. */
  n: bigint;
  d: bigint;
  /** Rows whose key is present; distinct ones among them; distinct keys among them. */
  kn: bigint | null;
  krows: bigint | null;
  kkeys: bigint | null;
}

function rowCounts(env: CheckEnv, rowHash: string): Promise<Counts> {
  return one<Counts>(
    env,
    `SELECT count(*)::BIGINT AS n, count(DISTINCT ${rowHash})::BIGINT AS d, NULL AS kn, NULL AS krows, NULL AS kkeys
     FROM ${quoteIdent(env.dataset.view)}`,
  );
}

/**
 * Both checks' counts when the key is the dataset's. The keys are counted first, one hash table
 * over the key alone: when every row has a key and no two share one (the usual case), every row
 * is distinct, and the row hashes need no second table. Otherwise one scan counts the rest.
 */
async function sharedCounts(env: CheckEnv, rowHash: string, key: string[]): Promise<Counts> {
  const v = quoteIdent(env.dataset.view);
  const present = key.map((c) => `${quoteIdent(c)} IS NOT NULL`).join(' AND ');
  const keys = await one<{ n: bigint; kn: bigint; kkeys: bigint }>(
    env,
    `SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE ${present})::BIGINT AS kn,
       count(DISTINCT hash(${key.map(quoteIdent).join(', ')})) FILTER (WHERE ${present})::BIGINT AS kkeys
     FROM ${v}`,
  );
  if (keys.kn === keys.n && keys.kkeys === keys.n) return { ...keys, d: keys.n, krows: keys.n };
  return one<Counts>(
    env,
    `SELECT count(*)::BIGINT AS n, count(DISTINCT ${rowHash})::BIGINT AS d,
       count(*) FILTER (WHERE ${present})::BIGINT AS kn,
       count(DISTINCT ${rowHash}) FILTER (WHERE ${present})::BIGINT AS krows,
       count(DISTINCT hash(${key.map(quoteIdent).join(', ')})) FILTER (WHERE ${present})::BIGINT AS kkeys
     FROM ${v}`,
  );
}

import type { DuckDBConnection } from '@duckdb/node-api';

export type ColumnKind = 'int32' | 'float32' | 'float64' | 'string';
type ColumnOf<K extends ColumnKind> = K extends 'int32'
  ? Int32Array
  : K extends 'float32'
    ? Float32Array
    : K extends 'float64'
      ? Float64Array
      : (string | null)[];

/**
 * A query's columns as typed arrays, read chunk by chunk (model training's input: a million
 * interactions as three arrays, not a million row objects). `rows` sizes the arrays: the query's
 * row count, known beforehand (a count(*) of the same relation). NULL numbers read as 0, except
 * in float64 columns, where NULL is NaN (JSON.stringify writes it back as null). Equal texts of a
 * column are one string.
 */
export async function readTypedColumns<S extends Record<string, ColumnKind>>(
  conn: DuckDBConnection,
  sql: string,
  rows: number,
  spec: S,
): Promise<{ [K in keyof S]: ColumnOf<S[K]> }> {
  const names = Object.keys(spec);
  const out = names.map((n) => {
    const kind = spec[n]!;
    return kind === 'int32'
      ? new Int32Array(rows)
      : kind === 'float32'
        ? new Float32Array(rows)
        : kind === 'float64'
          ? new Float64Array(rows)
          : new Array<string | null>(rows).fill(null);
  });
  // Each distinct text is kept once: a column of 1.6 million item ids holds 10,000 strings, not
  // 1.6 million copies (a server holding user_item keeps 100 MB less on its heap).
  const interned = names.map(() => new Map<string, string>());
  const result = await conn.stream(sql);
  let at = 0;
  for (
    let chunk = await result.fetchChunk();
    chunk && chunk.rowCount > 0;
    chunk = await result.fetchChunk()
  ) {
    const n = chunk.rowCount;
    if (at + n > rows) throw new Error(`readTypedColumns: more than the ${rows} rows expected from: ${sql}`);
    for (let c = 0; c < names.length; c++) {
      const vector = chunk.getColumnVector(c);
      const target = out[c]!;
      if (Array.isArray(target)) {
        const seen = interned[c]!;
        for (let r = 0; r < n; r++) {
          const v = vector.getItem(r);
          if (v === null) continue;
          const text = String(v);
          let one = seen.get(text);
          if (one === undefined) seen.set(text, (one = text));
          target[at + r] = one;
        }
      } else if (target instanceof Float64Array) {
        for (let r = 0; r < n; r++) target[at + r] = Number(vector.getItem(r) ?? NaN);
      } else {
        for (let r = 0; r < n; r++) target[at + r] = Number(vector.getItem(r) ?? 0);
      }
    }
    at += n;
  }
  if (at !== rows) throw new Error(`readTypedColumns: ${at} rows where ${rows} were expected from: ${sql}`);
  return Object.fromEntries(names.map((n, i) => [n, out[i]])) as { [K in keyof S]: ColumnOf<S[K]> };
}

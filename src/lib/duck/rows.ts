import type { DuckDBConnection } from '@duckdb/node-api';

/** A query's rows as plain JavaScript values (BIGINT as bigint, DATE as Date…). */
export async function queryRows<T = Record<string, unknown>>(
  conn: DuckDBConnection,
  sql: string,
): Promise<T[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as T[];
}

/** A query's first row; the query is one that always returns one (an aggregate). */
export async function queryRow<T = Record<string, unknown>>(conn: DuckDBConnection, sql: string): Promise<T> {
  const [row] = await queryRows<T>(conn, sql);
  if (row === undefined) throw new Error(`expected a row from: ${sql.slice(0, 200)}`);
  return row;
}

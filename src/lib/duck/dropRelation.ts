import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral } from './sqlText.js';

/** Drops a temp table or view by name, whichever it is (DuckDB's DROP names the kind). */
export async function dropRelation(conn: DuckDBConnection, name: string): Promise<void> {
  const isView = await conn.runAndReadAll(
    `SELECT 1 FROM duckdb_views() WHERE view_name = ${quoteLiteral(name)} AND temporary`,
  );
  await conn.run(`DROP ${isView.currentRowCount > 0 ? 'VIEW' : 'TABLE'} ${quoteIdent(name)}`);
}

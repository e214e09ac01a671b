import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral } from '../duck/sqlText.js';
import type { PreparedDataset } from './checkTypes.js';
import type { Suite } from './suiteSchema.js';

/**
 * A DuckDB table per dataset, loaded once from the files its path matches, every
 * column read as text (typing is what the checks test). Datasets without files are left out:
 * validation works on whatever has been ingested so far.
 */
export async function prepareDatasets(
  conn: DuckDBConnection,
  root: string,
  suite: Suite,
  only?: string[],
  onLoaded?: (name: string, ms: number) => void,
  /** Add `__file`, the file each row came from; with the table's rowid (the read order) it breaks `prepare`'s ties. */
  withSourceFile = false,
): Promise<{ prepared: Map<string, PreparedDataset>; absent: string[] }> {
  const prepared = new Map<string, PreparedDataset>();
  const absent: string[] = [];
  for (const [name, ds] of Object.entries(suite.datasets)) {
    const pattern = path.resolve(root, ds.path);
    const files = (await conn.runAndReadAll(`SELECT file FROM glob(${quoteLiteral(pattern)}) ORDER BY file`))
      .getRowObjectsJS()
      .map((r) => String(r.file));
    if (files.length === 0) {
      absent.push(name);
      continue;
    }
    const view = `ds_${name}`;
    const source = pattern.endsWith('.jsonl')
      ? `read_json(${quoteLiteral(pattern)}, format = 'newline_delimited'${withSourceFile ? ', filename = true' : ''}, columns = {${(ds.columns ?? []).map((c) => `${quoteLiteral(c)}: 'VARCHAR'`).join(', ')}})`
      : `read_csv(${quoteLiteral(pattern)}, header = true, all_varchar = true, union_by_name = true, delim = ',', quote = '"', escape = '"'${withSourceFile ? ', filename = true' : ''})`;
    // Read once: every check then scans DuckDB's columnar copy, not thousands of files again
    // (past duckdb.memory_limit it spills to .recomart/duckdb_tmp).
    const t = Date.now();
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE ${quoteIdent(view)} AS SELECT ${withSourceFile ? '* EXCLUDE (filename), filename AS __file' : '*'} FROM ${source}`,
    );
    onLoaded?.(name, Date.now() - t);
    const columns = (await conn.runAndReadAll(`DESCRIBE ${quoteIdent(view)}`))
      .getRowObjectsJS()
      .map((r) => String(r.column_name))
      .filter((c) => c !== '__file');
    prepared.set(name, { name, view, path: ds.path, files, columns, key: ds.key ?? [], pii: ds.pii ?? [] });
  }
  if (only) for (const name of [...prepared.keys()]) if (!only.includes(name)) prepared.delete(name);
  return { prepared, absent };
}
